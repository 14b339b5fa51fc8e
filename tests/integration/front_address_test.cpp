// Who the server's HTTP front counts a request against, against the real
// `fieldsync-server` on loopback: the TCP peer, or, from a `--trusted-proxy`, the client
// its X-Forwarded-For names; and the rate of new connections per address, over which a
// connection is closed before a byte is answered.
//
// Clients at several addresses are sockets bound to 127.0.0.2, 127.0.0.3 (Linux
// answers for all of 127.0.0.0/8). A per-address budget is shown spent by the first
// 429 within a bounded number of requests, whose message names the address it counted;
// another address's first request after it is still served. Every test is bounded in
// count and time and stops by itself.
#include <chrono>

#include "fieldsync/protocol.h"
#include "raw_http.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kAnswerDeadline{3000};

std::string health_request(const std::string& forwarded_for = "") {
  return "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         (forwarded_for.empty() ? "" : "X-Forwarded-For: " + forwarded_for + "\r\n") + "\r\n";
}

// An enrollment with a code no one was given.
std::string wrong_code_request(const std::string& forwarded_for, int n) {
  EnrollRequest guess;
  guess.enrollment_code = "ZZZZ" + std::to_string(1000 + n);
  guess.schema_version = Schema::property_management().version();
  const std::string body = encode(guess);
  return "POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nX-Forwarded-For: " +
         forwarded_for + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class FrontAddressTest : public ServerTest {
 protected:
  int port() const { return server_.port(); }

  // Restarts the server with these `serve` options.
  void serve_with(std::vector<std::string> options) {
    ASSERT_EQ(server_.stop(), 0);
    server_.set_serve_options(std::move(options));
    ASSERT_TRUE(server_.start_again().ok());
  }

  // Sends request(i) from `from`, i = 0, 1, ..., until an answer is 429, at most `tries`
  // times: that answer (status 0 when none was 429).
  template <class Request>
  RawAnswer until_429(const std::string& from, int tries, Request request) {
    for (int i = 0; i < tries; ++i) {
      RawAnswer answer = raw_exchange(port(), request(i), kAnswerDeadline, from);
      if (answer.status == 429) return answer;
      EXPECT_NE(answer.status, 0) << "request " << i << " from " << from << " was not answered";
    }
    return {};
  }
};

bool says(const RawAnswer& answer, const std::string& text) {
  return answer.text.find(text) != std::string::npos;
}

TEST_F(FrontAddressTest, XForwardedForFromAnUntrustedPeerIsIgnored) {
  // A bucket of 10 requests, refilled at one a second, per address.
  serve_with({"--rate-per-address", "1"});
  // No proxy is trusted: the header is not even read, so a bad one is no error.
  EXPECT_EQ(raw_exchange(port(), health_request("not an address")).status, 200);
  // A new made-up address each time does not buy a new budget.
  RawAnswer limited = until_429(
      "127.0.0.1", 30, [](int i) { return health_request("198.51.100." + std::to_string(i + 1)); });
  ASSERT_EQ(limited.status, 429) << "30 requests were all served";
  EXPECT_TRUE(says(limited, "too many requests from 127.0.0.1")) << limited.text;

  // 127.0.0.1 is trusted, 127.0.0.2 is not: its header is ignored all the same.
  serve_with({"--rate-per-address", "1", "--trusted-proxy", "127.0.0.1"});
  EXPECT_EQ(
      raw_exchange(port(), health_request("not an address"), kAnswerDeadline, "127.0.0.2").status,
      200);
  limited = until_429("127.0.0.2", 30,
                      [](int i) { return health_request("198.51.100." + std::to_string(i + 1)); });
  ASSERT_EQ(limited.status, 429) << "30 requests were all served";
  EXPECT_TRUE(says(limited, "too many requests from 127.0.0.2")) << limited.text;
  // The proxy's own requests have a budget of their own.
  EXPECT_EQ(raw_exchange(port(), health_request()).status, 200);
}

TEST_F(FrontAddressTest, FromATrustedProxyTheForwardedClientIsWhatTheRateCounts) {
  serve_with(
      {"--rate-per-address", "1", "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8"});
  RawAnswer limited =
      until_429("127.0.0.1", 30, [](int) { return health_request("198.51.100.7"); });
  ASSERT_EQ(limited.status, 429) << "30 requests were all served";
  EXPECT_TRUE(says(limited, "too many requests from 198.51.100.7")) << limited.text;
  // Other clients of the same proxy keep their own budgets: the right-most address
  // that is not a trusted proxy (10.1.2.3 is one); what a client wrote to its left is
  // never read.
  for (const char* forwarded :
       {"203.0.113.9", "203.0.113.10, 10.1.2.3", "198.51.100.7, 203.0.113.11",
        "garbage, 203.0.113.12", "2001:db8::1"}) {
    RawAnswer answer = raw_exchange(port(), health_request(forwarded));
    EXPECT_EQ(answer.status, 200) << forwarded << "\n" << answer.text;
  }
  // A request from the proxy without the header is the proxy's own.
  EXPECT_EQ(raw_exchange(port(), health_request()).status, 200);
  // An entry that has to be read and is not an address is the proxy's mistake: 400.
  for (const char* forwarded : {"not-an-address", "203.0.113.13, ", "203.0.113.14:5000"}) {
    RawAnswer answer = raw_exchange(port(), health_request(forwarded));
    EXPECT_EQ(answer.status, 400) << forwarded << "\n" << answer.text;
    EXPECT_TRUE(says(answer, "X-Forwarded-For from the trusted proxy 127.0.0.1")) << answer.text;
  }
}

TEST_F(FrontAddressTest, OneForwardedClientsFailedEnrollmentsDoNotLockOutAnother) {
  serve_with({"--trusted-proxy", "127.0.0.1"});
  // 10 failures per address, refilled at one every 5 s.
  RawAnswer limited =
      until_429("127.0.0.1", 20, [](int i) { return wrong_code_request("198.51.100.20", i); });
  ASSERT_EQ(limited.status, 429) << "20 wrong codes were all tried";
  EXPECT_TRUE(says(limited, "too many failed enrollments")) << limited.text;
  // Another client behind the same proxy may still try (and fail) at once.
  RawAnswer other = raw_exchange(port(), wrong_code_request("203.0.113.30", 0));
  EXPECT_EQ(other.status, 401) << other.text;
  EXPECT_TRUE(says(other, "unauthenticated")) << other.text;
}

TEST_F(FrontAddressTest, NewConnectionsOverTheRateAreClosedWithoutAnAnswer) {
  // A burst of 5 new connections per address, refilled at one a second.
  serve_with({"--new-connections-per-address", "1"});
  const int kConnections = 12;
  int served = 0, closed = 0;
  const auto start = steady_clock::now();
  for (int i = 0; i < kConnections; ++i) {
    RawAnswer answer = raw_exchange(port(), health_request(), kAnswerDeadline, "127.0.0.2");
    if (answer.status == 200) ++served;
    if (answer.status == 0 && answer.text.empty()) ++closed;
  }
  // The burst, and what refilled meanwhile (more under a sanitizer's slowness).
  const double seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
  EXPECT_GE(served, 5);
  EXPECT_LE(served, 5 + static_cast<int>(seconds) + 1) << seconds << " s";
  EXPECT_EQ(served + closed, kConnections);
  EXPECT_GE(closed, 1);
  // Another address is not held back by 127.0.0.2's rate.
  EXPECT_EQ(raw_exchange(port(), health_request(), kAnswerDeadline, "127.0.0.3").status, 200);
}

TEST_F(FrontAddressTest, BadTrustedProxiesAreAUsageError) {
  for (const char* proxy : {"localhost", "10.0.0.0/33", "10.0.0.0/", "::1/129"}) {
    ProcessResult refused = run_process(
        FIELDSYNC_SERVER_PATH, {"--db", server_.database(), "serve", "--trusted-proxy", proxy});
    EXPECT_EQ(refused.exit_code, 2) << proxy << ": " << refused.err;
    EXPECT_NE(refused.err.find("is not an IP address"), std::string::npos) << refused.err;
  }
}

}  // namespace
}  // namespace fieldsync::testing
