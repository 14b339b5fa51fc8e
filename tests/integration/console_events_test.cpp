// The console's live updates against the real `fieldsync-server` on loopback
// (docs/console.md, "Live updates"): GET /v1/office/events is a stream of server-sent
// events for a signed-in office user (or an API token), which says "change" when a phone
// syncs something; without a session it is refused; one address opens a bounded number.
#include <chrono>

#include "console_client.h"
#include "raw_http.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;

class ConsoleEventsTest : public ConsoleTestBase {
 protected:
  // Opens the stream on `c` with `headers`; what the server sent until `needle`.
  static bool open_stream(RawConnection& c, const std::vector<std::string>& headers,
                          const std::string& needle, std::string& received) {
    std::string text =
        "GET /v1/office/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) text += h + "\r\n";
    EXPECT_TRUE(c.send(text + "\r\n"));
    return c.read_until(needle, received, milliseconds(10000));
  }
};

TEST_F(ConsoleEventsTest, AStreamSaysChangeWhenAPhoneSyncs) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a});
  ann.sync();
  const ConsoleSession olga = signed_in("olga", "office");

  RawConnection c(server_.port());
  std::string received;
  ASSERT_TRUE(open_stream(c, {olga.cookie}, "retry: 5000\n\n", received)) << received;
  EXPECT_EQ(status_of(received), 200) << received;
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos) << received;
  EXPECT_EQ(received.find("Content-Length"), std::string::npos) << received;
  EXPECT_NE(received.find("Content-Security-Policy"), std::string::npos) << received;
  // Nothing changed yet: no event (at most the comment a quiet stream sends).
  std::string quiet;
  EXPECT_FALSE(c.read_until("event: change", quiet, milliseconds(1500))) << quiet;

  PaymentInput payment;
  payment.household = ref_.household_a;
  payment.amount = 5000;
  must(ann.work().record_payment(payment));
  ann.sync();
  std::string after;
  ASSERT_TRUE(c.read_until("event: change\ndata: ", after, milliseconds(10000))) << after;
  EXPECT_TRUE(c.read_until("\n\n", after, milliseconds(5000))) << after;
}

TEST_F(ConsoleEventsTest, OnlyASessionOrATokenOpensOneAndAnAddressOpensAFew) {
  // Not signed in, a made-up cookie, a POST: refused with the console's answers.
  for (const std::vector<std::string>& headers :
       {std::vector<std::string>{}, {"Cookie: fieldsync_session=made-up"}}) {
    RawConnection c(server_.port());
    std::string received;
    open_stream(c, headers, "\r\n\r\n", received);
    EXPECT_EQ(status_of(received), 401) << received;
  }
  EXPECT_EQ(request("POST", "/v1/office/events").status, 405);

  const ConsoleSession mei = signed_in("mei", "office_manager");
  ConsoleAnswer issued =
      request("POST", "/v1/office/tokens", Json{{"user", "mei"}, {"name", "events"}}.dump(),
              {mei.cookie, mei.csrf});
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string bearer = "Authorization: Bearer " + issued.json().value("token", "");

  // Eight from one address; the ninth is told to wait, the others stay open.
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 8; ++i) {
    open.push_back(std::make_unique<RawConnection>(server_.port()));
    std::string received;
    ASSERT_TRUE(open_stream(*open.back(), {i % 2 == 0 ? mei.cookie : bearer}, "retry: ", received))
        << i << ": " << received;
  }
  RawConnection ninth(server_.port());
  std::string refused;
  open_stream(ninth, {mei.cookie}, "\r\n\r\n", refused);
  EXPECT_EQ(status_of(refused), 503) << refused;
  // Another address has its own.
  RawConnection other(server_.port(), "127.0.0.2");
  std::string received;
  EXPECT_TRUE(open_stream(other, {mei.cookie}, "retry: ", received)) << received;
}

}  // namespace
}  // namespace fieldsync::testing
