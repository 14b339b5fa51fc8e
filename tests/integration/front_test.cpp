// The server's HTTP front as an attacker meets it, against the real `fieldsync-server`
// on loopback: nothing is spent on a request before its token and size are checked;
// headers, connections, request rates and failed enrollments are bounded; idle and
// slow connections are closed; a flood of junk does not keep phones from syncing; TLS
// with a throwaway CA made by `openssl`, and a phone that refuses the wrong
// certificate, the wrong key pin, and plain HTTP to another machine.
//
// Every test is bounded in count and time and stops by itself.
#include <atomic>
#include <chrono>
#include <thread>

#include "cpprest_transport.h"
#include "fieldsync/protocol.h"
#include "loopback_tls.h"
#include "raw_http.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string post_head(const std::string& path, const std::string& token,
                      const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + extra;
}

std::string health_request() {
  return "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

class FrontTest : public ServerTest {
 protected:
  int port() const { return server_.port(); }

  // Restarts the server with these `serve` options.
  void serve_with(std::vector<std::string> options) {
    ASSERT_EQ(server_.stop(), 0);
    server_.set_serve_options(std::move(options));
    ASSERT_TRUE(server_.start_again().ok());
  }
};

TEST_F(FrontTest, NoBodyIsReadBeforeTheTokenAndTheSizeAreChecked) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  // Two gibibytes announced and never sent: answered from the headers, at once.
  for (const auto& [token, status, code] :
       {std::tuple{std::string(), 401, "unauthenticated"},
        std::tuple{std::string("made-up-token"), 401, "unauthenticated"},
        std::tuple{alice.token(), 413, "too_large"}}) {
    RawConnection c(port());
    ASSERT_TRUE(c.send(post_head("/v1/push", token, "Content-Length: 2147483648\r\n\r\n")));
    RawAnswer answer = c.read_answer(milliseconds(3000));
    EXPECT_EQ(answer.status, status) << answer.text;
    EXPECT_NE(answer.text.find(code), std::string::npos) << answer.text;
  }
  // A chunked body without a token is not read either: 401 after its first chunk.
  RawConnection chunked(port());
  ASSERT_TRUE(chunked.send(post_head("/v1/push", "", "Transfer-Encoding: chunked\r\n\r\n") +
                           "100000\r\n" + std::string(1 << 16, 'j')));
  EXPECT_EQ(chunked.read_answer(milliseconds(3000)).status, 401);
  // An enrollment needs no token, so it may bring only a small body.
  RawConnection enroll_body(port());
  ASSERT_TRUE(enroll_body.send(post_head("/v1/enroll", "", "Content-Length: 1000000\r\n\r\n")));
  RawAnswer answer = enroll_body.read_answer(milliseconds(3000));
  EXPECT_EQ(answer.status, 413) << answer.text;
  EXPECT_NE(answer.text.find("65536"), std::string::npos) << answer.text;
  // The phone still syncs.
  alice.sync();
  must(alice.work().record_payment(payment(ref_.household_a, 700)));
  EXPECT_EQ(alice.sync().applied, 1);
}

TEST_F(FrontTest, AChunkSizeLineThatNeverEndsIsCutOff) {
  // Beast bounds neither a chunk's extensions nor a trailer: the front's buffer does.
  RawConnection c(port());
  ASSERT_TRUE(c.send(post_head("/v1/enroll", "", "Transfer-Encoding: chunked\r\n\r\n") + "1;"));
  const std::string extension(64 * 1024, 'e');
  bool cut_off = false;
  for (int i = 0; i < 64 && !cut_off; ++i) cut_off = !c.send(extension);  // up to 4 MiB
  RawAnswer answer = c.read_answer(milliseconds(3000));
  EXPECT_TRUE(cut_off || answer.status == 400) << answer.text;
  EXPECT_EQ(raw_exchange(port(), health_request()).status, 200);
}

TEST_F(FrontTest, HeadersOverTheLimitAre431) {
  RawAnswer long_line = raw_exchange(
      port(), "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(20000, 'h') +
                  "\r\n\r\n");
  EXPECT_EQ(long_line.status, 431) << long_line.text;
  EXPECT_NE(long_line.text.find("headers_too_large"), std::string::npos);
  std::string many = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i) many += "X-Field-" + std::to_string(i) + ": 1\r\n";
  RawAnswer many_fields = raw_exchange(port(), many + "\r\n");
  EXPECT_EQ(many_fields.status, 431) << many_fields.text;
  EXPECT_NE(many_fields.text.find(" header fields; at most 64"), std::string::npos) << many_fields.text;
  EXPECT_EQ(raw_exchange(port(), health_request()).status, 200);
}

TEST_F(FrontTest, ATargetNotInAsciiIs400AndAnAnswerToHeadHasNoBody) {
  // Both found by http_front_fuzzer. A byte over 0x7F in the target was answered 500.
  RawAnswer odd = raw_exchange(port(), "GET /v\x91" "1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(odd.status, 400) << odd.text;
  // HEAD, then GET on the same connection: the second answer follows the first's
  // headers, with no body between them for the client to misread.
  RawConnection c(port());
  ASSERT_TRUE(c.send("HEAD /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  c.finish_sending();
  RawAnswer both = c.read_answer(milliseconds(3000));
  EXPECT_EQ(both.status, 200) << both.text;
  const size_t end_of_head = both.text.find("\r\n\r\n");
  ASSERT_NE(end_of_head, std::string::npos) << both.text;
  EXPECT_EQ(both.text.compare(end_of_head + 4, 9, "HTTP/1.1 "), 0) << both.text;
}

TEST_F(FrontTest, IdleAndSlowConnectionsAreClosedAfterTheTimeout) {
  serve_with({"--header-timeout-ms", "500"});
  RawConnection idle(port());
  ASSERT_TRUE(idle.connected());
  const auto start = steady_clock::now();
  EXPECT_TRUE(idle.closed_within(milliseconds(5000)));
  EXPECT_GE(steady_clock::now() - start, milliseconds(400));

  // One byte of headers every 100 ms: never whole within 500 ms.
  RawConnection slow(port());
  const std::string head = health_request();
  bool cut_off = false;
  for (size_t i = 0; i < head.size() && !cut_off; ++i) {
    cut_off = !slow.send(head.substr(i, 1)) || slow.closed_within(milliseconds(100));
  }
  EXPECT_TRUE(cut_off) << "a request sent a byte at a time was served whole";
  EXPECT_EQ(raw_exchange(port(), health_request()).status, 200);
}

TEST_F(FrontTest, ConnectionsOfOneAddressAreLimited) {
  serve_with({"--max-connections-per-address", "3", "--header-timeout-ms", "10000"});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawConnection>(port()));
  // The three are accepted before the fourth arrives: a request on the first proves it.
  ASSERT_TRUE(held[0]->send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(held[0]->read_answer(milliseconds(3000)).status, 200);
  RawConnection fourth(port());
  EXPECT_TRUE(fourth.closed_within(milliseconds(3000)));
  held.pop_back();
  // A closed one frees its place (the server notices the close at once).
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = raw_exchange(port(), health_request()).status == 200;
    if (!served) std::this_thread::sleep_for(milliseconds(20));  // the close in flight
  }
  EXPECT_TRUE(served);
}

TEST_F(FrontTest, TooManyRequestsFromOneAddressAre429WithRetryAfter) {
  serve_with({"--rate-per-address", "2"});  // a burst of 20, then 2 a second
  int ok = 0, limited = 0;
  std::string limited_text;
  const auto start = steady_clock::now();
  for (int i = 0; i < 40; ++i) {
    RawAnswer a = raw_exchange(port(), health_request());
    if (a.status == 200) ++ok;
    if (a.status == 429) {
      ++limited;
      limited_text = a.text;
    }
  }
  // The burst, and what refilled meanwhile (more under a sanitizer's slowness).
  const double seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
  EXPECT_GE(ok, 20);
  EXPECT_LE(ok, 20 + static_cast<int>(2 * seconds) + 1) << seconds << " s";
  EXPECT_EQ(ok + limited, 40);
  EXPECT_NE(limited_text.find("Retry-After: "), std::string::npos) << limited_text;
  EXPECT_NE(limited_text.find("too_many_requests"), std::string::npos) << limited_text;
}

TEST_F(FrontTest, GuessingEnrollmentCodesIsCutOffAndEvenTheRealCodeWaits) {
  admin({"user", "add", "zoe", "--role", "collector"});
  const std::string code = admin({"enroll-code", "zoe"});
  int refused = 0, limited = 0;
  for (int i = 0; i < 40; ++i) {
    EnrollRequest guess;
    guess.enrollment_code = "ZZZZ" + std::to_string(1000 + i);
    guess.schema_version = Schema::property_management().version();
    HttpResponse r = send("/v1/enroll", "", encode(guess));
    if (r.status == 401) ++refused;
    if (r.status == 429) ++limited;
  }
  EXPECT_LE(refused, 11) << "guesses answered before the limit";
  EXPECT_GE(limited, 29);
  EXPECT_EQ(refused + limited, 40);
  // Until the budget refills, the real code waits too, and is not used up.
  EnrollRequest real;
  real.enrollment_code = code;
  real.schema_version = Schema::property_management().version();
  HttpResponse waited = send("/v1/enroll", "", encode(real));
  EXPECT_EQ(waited.status, 429) << waited.body;
  EXPECT_EQ(admin({"devices"}).find("zoe"), std::string::npos) << "no device enrolled";
}

TEST_F(FrontTest, AFloodOfJunkWithoutATokenDoesNotKeepPhonesFromSyncing) {
  // The flood comes from the phones' own address here, so the per-address rates are
  // lifted: what is tested is that junk is refused before it costs a worker.
  serve_with({"--rate-per-address", "1000000", "--new-connections-per-address", "1000000"});
  std::vector<FieldDevice*> phones;
  for (int i = 0; i < 10; ++i) {
    phones.push_back(&enroll("c" + std::to_string(i), "collector", {ref_.building_a}));
  }
  std::atomic<bool> phones_done{false};
  std::atomic<int> junk_answered{0};
  std::vector<std::thread> flood;
  // Stops and joins the flood however the test ends.
  struct Joiner {
    std::atomic<bool>& done;
    std::vector<std::thread>& threads;
    ~Joiner() {
      done = true;
      for (auto& t : threads) if (t.joinable()) t.join();
    }
  } joiner{phones_done, flood};
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&] {
      const std::string junk(1 << 20, 'j');
      const std::string request =
          post_head("/v1/push", "", "Content-Length: " + std::to_string(junk.size()) + "\r\n\r\n") +
          junk;
      for (int i = 0; i < 500 && !phones_done; ++i) {
        if (raw_exchange(port(), request).status == 401) ++junk_answered;
      }
    });
  }
  for (FieldDevice* phone : phones) {
    phone->sync();
    must(phone->work().record_payment(payment(ref_.household_a, 100)));
    EXPECT_EQ(phone->sync().applied, 1) << phone->user;
  }
  phones_done = true;
  for (auto& t : flood) t.join();
  EXPECT_GT(junk_answered.load(), 0);
  EXPECT_EQ(of_collection(server_records(), "payments").size(), 10u);
}

TEST_F(FrontTest, AUserAddedAgainAfterLeavingDoesNotReviveOldPhones) {
  FieldDevice& kim = enroll("kim", "collector", {ref_.building_a});
  kim.sync();
  admin({"user", "deactivate", "kim"});
  admin({"user", "add", "kim", "--role", "collector"});
  HttpResponse old_phone = send("/v1/pull", kim.token(), encode(PullRequest{}));
  EXPECT_EQ(old_phone.status, 401) << old_phone.body;
  EXPECT_NE(old_phone.body.find("readmit " + kim.code()), std::string::npos) << old_phone.body;
}

TEST_F(FrontTest, TlsWithTheOfficesCaAndAPinnedKey) {
  // A throwaway CA and a certificate for 127.0.0.1 signed by it (its pin computed with
  // openssl as the docs show); another CA that signed nothing of ours.
  const std::string folder = dir_.path().string();
  const LoopbackCertificate tls = must(make_loopback_tls(folder));
  const ThrowawayCa other = must(make_throwaway_ca(folder, "other-ca"));
  // The pin as the docs compute it with openssl, and as the transport computes it.
  const std::string& pin = tls.pin;
  EXPECT_EQ(must(certificate_pin(tls.cert_file)), pin);

  serve_with({"--tls-cert", tls.cert_file, "--tls-key", tls.key_file});
  ASSERT_EQ(server_.url().rfind("https://", 0), 0u) << server_.url();
  const HttpRequest health{"GET", "/v1/health", "", ""};
  auto transport = [&](const std::string& ca_file, const std::string& with_pin) {
    CpprestTransportOptions options;
    options.ca_file = ca_file;
    options.pin = with_pin;
    options.request_timeout = milliseconds(5000);
    return must(CpprestTransport::create(server_.url(), options));
  };
  auto trusted = transport(tls.ca_file, "")->send(health);
  ASSERT_TRUE(trusted.ok()) << trusted.status().to_string();
  EXPECT_EQ(trusted->status, 200);
  EXPECT_EQ(must(transport(tls.ca_file, pin)->send(health)).status, 200);
  // The system's CAs never signed it; another CA did not either; a pin of another key.
  EXPECT_FALSE(transport("", "")->send(health).ok());
  EXPECT_FALSE(transport(other.cert_file, "")->send(health).ok());
  const std::string wrong_pin = "sha256/" + std::string(43, 'A') + "=";
  EXPECT_FALSE(transport(tls.ca_file, wrong_pin)->send(health).ok());
  // Plain HTTP is refused by the phone to anything but this machine, and the server
  // will not serve it on another address without being told.
  auto plain = CpprestTransport::create("http://192.0.2.7:8080");
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("in clear"), std::string::npos);
  EXPECT_FALSE(CpprestTransport::create("http://localhost@192.0.2.7:8080").ok());
  EXPECT_FALSE(CpprestTransport::create("http://127.0.0.1.example.org:8080").ok());
  EXPECT_TRUE(CpprestTransport::create("http://127.0.0.1:8080/").ok());
  ProcessResult refused = run_process(FIELDSYNC_SERVER_PATH,
                                      {"--db", server_.database(), "serve", "--listen", "0.0.0.0"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--insecure-http"), std::string::npos) << refused.err;

  // A phone enrolls over TLS with the CA and the pin, which it keeps for its syncs.
  admin({"user", "add", "tess", "--role", "collector"});
  admin({"assign", "tess", "--building", ref_.building_a});
  const std::string code = admin({"enroll-code", "tess"});
  const std::string db = dir_.path().string() + "/tess.db";
  ProcessResult enrolled = phone_cli(db, {"enroll", "--server", server_.url(), "--code", code,
                                          "--ca-file", tls.ca_file, "--pin", pin});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  ProcessResult synced = phone_cli(db, {"sync"});
  EXPECT_EQ(synced.exit_code, 0) << synced.err;
  // A phone given the wrong pin at enrollment never sends its code: the code stays
  // unused for the right phone.
  const std::string code2 = admin({"enroll-code", "tess"});
  ProcessResult pinned_wrong =
      phone_cli(dir_.path().string() + "/other.db", {"enroll", "--server", server_.url(), "--code", code2,
                                           "--ca-file", tls.ca_file, "--pin", wrong_pin});
  EXPECT_NE(pinned_wrong.exit_code, 0);
  ProcessResult right = phone_cli(dir_.path().string() + "/right.db",
                                  {"enroll", "--server", server_.url(), "--code", code2,
                                   "--ca-file", tls.ca_file});
  EXPECT_EQ(right.exit_code, 0) << right.err;
}

}  // namespace
}  // namespace fieldsync::testing
