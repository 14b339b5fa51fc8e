// The console's conflicts and refused changes against the real `fieldsync-server`
// (docs/console.md, "Conflicts" and "Refused changes"): a conflict resolved through the
// API reaches the phones at their next sync; a refused payment is accepted corrected,
// another voided, and the phone's parked entries clear. Every write needs the session's
// CSRF token, refuses bad input with a message and changes nothing then, and is audited.
#include "console_client.h"
#include "fieldsync/id.h"

namespace fieldsync::testing {
namespace {

class ConsoleSettleTest : public ConsoleTestBase {
 protected:
  ConsoleAnswer post(const ConsoleSession& as, const std::string& path, const Json& body) {
    return request("POST", path, body.dump(), {as.cookie, as.csrf});
  }
  // The audit log's newest entry, read by a manager.
  Json newest_audit(const ConsoleSession& manager) {
    ConsoleAnswer log = request("GET", "/v1/office/audit?limit=1", "", {manager.cookie});
    EXPECT_EQ(log.status, 200) << log.body;
    return log.json()["items"][0];
  }
};

TEST_F(ConsoleSettleTest, AConflictResolvedInTheConsoleReachesThePhones) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& desk = enroll("desk", "office");
  alice.sync();
  desk.sync();
  must(desk.store->update("households", ref_.household_a, {{"phones", {"222"}}}));
  field_clock_.advance(60000);  // alice's edit is the later one: it wins
  must(alice.store->update("households", ref_.household_a, {{"phones", {"333"}}}));
  desk.sync();
  EXPECT_EQ(alice.sync().conflicts, 1);
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");

  ConsoleAnswer open = request("GET", "/v1/office/conflicts", "", {olga.cookie});
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(open.json()["total"], 1);
  const Json conflict = open.json()["items"][0];
  const std::string id = conflict["id"];
  EXPECT_EQ(conflict["field"], "phones");
  EXPECT_NE(conflict["record_label"].get<std::string>().find("Wang Li"), std::string::npos)
      << conflict.dump();
  EXPECT_EQ(conflict["winner"]["text"], "333");
  EXPECT_EQ(conflict["winner"]["user"], "alice");
  EXPECT_EQ(conflict["loser"]["text"], "222");
  EXPECT_EQ(conflict["loser"]["user"], "desk");
  EXPECT_TRUE(conflict["winner"]["at"].is_string());
  EXPECT_EQ(conflict["status"], "open");

  // Refused: no session, no CSRF token, a malformed resolution; nothing changes.
  const Json keep_loser = {{"conflict", id}, {"keep", "loser"}};
  EXPECT_EQ(request("POST", "/v1/office/conflicts/resolve", keep_loser.dump()).status, 401);
  EXPECT_EQ(
      request("POST", "/v1/office/conflicts/resolve", keep_loser.dump(), {olga.cookie}).status,
      403);
  for (const Json& bad :
       {Json::object(), Json{{"conflict", id}, {"keep", "both"}},
        Json{{"conflict", id}, {"keep", "winner"}, {"value", "1"}}, Json{{"conflict", 7}},
        Json{{"conflict", "0193a6f2-0000-7000-8000-00000000ffff"}, {"keep", "winner"}},
        Json{{"conflict", ref_.household_a}, {"keep", "winner"}}}) {
    ConsoleAnswer refused = post(olga, "/v1/office/conflicts/resolve", bad);
    EXPECT_TRUE(refused.status == 400 || refused.status == 404) << bad.dump() << refused.body;
    EXPECT_FALSE(refused.json()["error"].value("message", "").empty()) << refused.body;
  }
  EXPECT_EQ(request("GET", "/v1/office/conflicts", "", {olga.cookie}).json()["total"], 1);

  // The office types the number the owner gave: it reaches alice's phone.
  ConsoleAnswer resolved =
      post(olga, "/v1/office/conflicts/resolve", {{"conflict", id}, {"value", "13900009999"}});
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(resolved.json()["status"], "resolved");
  EXPECT_EQ(resolved.json()["resolution"], "new_value");
  EXPECT_EQ(resolved.json()["resolved_by"], "olga");
  EXPECT_EQ(post(olga, "/v1/office/conflicts/resolve", keep_loser).status, 409);
  EXPECT_EQ(newest_audit(mei)["action"], "resolve_conflict");
  EXPECT_EQ(request("GET", "/v1/office/conflicts", "", {olga.cookie}).json()["total"], 0);
  EXPECT_EQ(
      request("GET", "/v1/office/conflicts?status=resolved", "", {olga.cookie}).json()["total"], 1);
  alice.sync();
  EXPECT_EQ(must(alice.store->get("households", ref_.household_a)).fields["phones"],
            Json({"13900009999"}));
  EXPECT_EQ(must(alice.store->get("conflicts", id)).fields["status"], "resolved");
  desk.sync();
  EXPECT_EQ(must(desk.store->get("households", ref_.household_a)).fields["phones"],
            Json({"13900009999"}));

  for (const char* bad : {"status=closed", "limit=0", "cursor=zz", "sort=id"}) {
    EXPECT_EQ(request("GET", std::string("/v1/office/conflicts?") + bad, "", {olga.cookie}).status,
              400)
        << bad;
  }
  EXPECT_EQ(request("GET", "/v1/office/conflicts").status, 401);
}

TEST_F(ConsoleSettleTest, ARefusedPaymentIsAcceptedCorrectedAndAnotherVoided) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  // Two payments for a household the server does not have (a door typed wrong), as a
  // phone with stale reference data would send them.
  const std::string nowhere = "0193a6f2-0000-7000-8000-00000000dead";
  auto payment_for = [&](int64_t seq, const std::string& receipt) {
    return raw_change(alice, seq, "payments", new_id(), "create",
                      {{"household", nowhere},
                       {"amount", 4200},
                       {"method", "cash"},
                       {"collector", "alice"},
                       {"paid_at", Clock::system().now_ms()},
                       {"receipt_number", receipt}});
  };
  HttpResponse pushed =
      push(alice.token(), {payment_for(1001, "T-0001"), payment_for(1002, "T-0002")});
  ASSERT_EQ(pushed.status, 200) << pushed.body;
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");

  ConsoleAnswer listed = request("GET", "/v1/office/refused?limit=1", "", {olga.cookie});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["total"], 2);
  const Json first = listed.json()["items"][0];
  EXPECT_EQ(first["collection"], "payments");
  EXPECT_EQ(first["user"], "alice");
  EXPECT_EQ(first["fields"]["amount"], 4200);
  EXPECT_FALSE(first["reason"].get<std::string>().empty());
  ConsoleAnswer second_page = request(
      "GET", "/v1/office/refused?limit=1&cursor=" + listed.json()["next_cursor"].get<std::string>(),
      "", {olga.cookie});
  ASSERT_EQ(second_page.status, 200) << second_page.body;
  const Json second = second_page.json()["items"][0];
  EXPECT_TRUE(second_page.json()["next_cursor"].is_null());
  const int64_t first_id = first["id"], second_id = second["id"];
  EXPECT_LT(first_id, second_id);

  // Bad corrections change nothing.
  for (const Json& bad :
       {Json{{"id", first_id}, {"corrections", {{"household", ref_.household_a}}}, {"extra", 1}},
        Json{{"id", first_id}, {"corrections", {{"colour", "red"}}}},
        Json{{"id", first_id}, {"corrections", {{"amount", "forty"}}}}, Json{{"id", "one"}},
        Json{{"id", first_id}, {"corrections", {{"household", nowhere}}}}}) {
    ConsoleAnswer refused = post(olga, "/v1/office/refused/accept", bad);
    EXPECT_EQ(refused.status, 400) << bad.dump() << refused.body;
  }
  EXPECT_EQ(request("GET", "/v1/office/refused", "", {olga.cookie}).json()["total"], 2);
  EXPECT_EQ(
      request("POST", "/v1/office/refused/accept",
              Json{{"id", first_id}, {"corrections", {{"household", ref_.household_a}}}}.dump(),
              {olga.cookie})
          .status,
      403);

  // Accepted as corrected: the payment is the household's, with the phone's receipt.
  ConsoleAnswer accepted = post(olga, "/v1/office/refused/accept",
                                {{"id", first_id},
                                 {"corrections", {{"household", ref_.household_a}}},
                                 {"note", "door A-101"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.json()["state"], "accepted");
  EXPECT_EQ(accepted.json()["settled_by"], "olga");
  const std::string payment = accepted.json()["accepted_record"];
  EXPECT_EQ(server_records().at(payment).record.fields["household"], ref_.household_a);
  EXPECT_EQ(server_records().at(payment).record.fields["receipt_number"], "T-0001");
  EXPECT_EQ(newest_audit(mei)["action"], "accept_refused");

  // Voiding needs a note the phone shows.
  EXPECT_EQ(post(olga, "/v1/office/refused/void", {{"id", second_id}}).status, 400);
  ConsoleAnswer voided =
      post(olga, "/v1/office/refused/void", {{"id", second_id}, {"note", "entered twice"}});
  ASSERT_EQ(voided.status, 200) << voided.body;
  EXPECT_EQ(voided.json()["state"], "voided");
  EXPECT_EQ(post(olga, "/v1/office/refused/void", {{"id", second_id}, {"note", "again"}}).status,
            409);
  EXPECT_EQ(request("GET", "/v1/office/refused", "", {olga.cookie}).json()["total"], 0);
  EXPECT_EQ(request("GET", "/v1/office/refused?state=all", "", {olga.cookie}).json()["total"], 2);

  // The phone learns both at its next sync and holds the accepted payment.
  alice.sync();
  EXPECT_TRUE(alice.store->get("payments", payment).ok());
  for (const char* bad : {"state=closed", "limit=501", "cursor=7b7d"}) {
    EXPECT_EQ(request("GET", std::string("/v1/office/refused?") + bad, "", {olga.cookie}).status,
              400)
        << bad;
  }
}

}  // namespace
}  // namespace fieldsync::testing
