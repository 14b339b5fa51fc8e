// The office console against the real `fieldsync-server` on loopback: its pages served
// with their safety headers, and its sign-in (docs/console.md): a sign-in token against
// cross-site requests, HttpOnly SameSite=Strict session cookies, only office roles, a
// lock after repeated failures, and sessions that end with the user. Raw HTTP, so that
// every header is seen as a browser would get it.
#include "fieldsync/schema.h"
#include "console_client.h"

namespace fieldsync::testing {
namespace {

constexpr const char* kPassword = kConsolePassword;
using Answer = ConsoleAnswer;

class ConsoleTest : public ConsoleTestBase {
 protected:
  // A signed-in office user's cookie header ("Cookie: fieldsync_session=...").
  std::string office_session(const std::string& name) { return signed_in(name, "office").cookie; }

  void add_manager(const std::string& name) {
    ASSERT_TRUE(server_
                    .admin_with_input({"user", "add", name, "--role", "office_manager"},
                                      std::string(kPassword) + "\n")
                    .ok());
  }
};

TEST_F(ConsoleTest, ThePagesAreServedWithTheirSafetyHeaders) {
  Answer page = request("GET", "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script type=\"module\" src=\"/console/console.js\">"),
            std::string::npos);
  const std::string policy = page.header("content-security-policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
  Answer script = request("GET", "/console/console.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(request("GET", "/console/../../etc/passwd").status, 404);
  EXPECT_EQ(request("GET", "/console/nothing.js").status, 404);
  EXPECT_EQ(request("POST", "/").status, 405);
  Answer head = request("HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  ASSERT_EQ(server_.stop(), 0);
  server_.set_serve_options({"--no-console"});
  ASSERT_TRUE(server_.start_again().ok());
  EXPECT_EQ(request("GET", "/").status, 404);
  EXPECT_EQ(request("GET", "/v1/office/session").status, 404);
}

TEST_F(ConsoleTest, AManagerSignsInAndOut) {
  add_manager("mei");
  Answer signed_in = sign_in("mei", kPassword);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_EQ(signed_in.json()["user"], "mei");
  EXPECT_EQ(signed_in.json()["role"], "office_manager");
  const std::string set = signed_in.cookie("fieldsync_session");
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_EQ(set.find("; Secure"), std::string::npos) << set;  // plain HTTP on loopback
  const std::string session = "Cookie: " + cookie_pair(set);
  const std::string csrf = signed_in.json().value("csrf", "");

  Answer me = request("GET", "/v1/office/session", "", {session});
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["user"], "mei");
  EXPECT_EQ(me.json()["csrf"], csrf);
  // Signing out is a change: without the session's CSRF token it is refused.
  EXPECT_EQ(request("DELETE", "/v1/office/session", "", {session}).status, 403);
  EXPECT_EQ(request("DELETE", "/v1/office/session", "", {session, "X-CSRF-Token: " + csrf}).status,
            200);
  EXPECT_EQ(request("GET", "/v1/office/session", "", {session}).status, 401);
}

TEST_F(ConsoleTest, ASignInWithoutItsTokenOrWithAWrongPasswordIsRefused) {
  add_manager("mei");
  const std::string body = Json{{"user", "mei"}, {"password", kPassword}}.dump();
  // No token, a token without its cookie, a cookie without its token: all refused.
  auto [cookie, csrf] = sign_in_token();
  EXPECT_EQ(request("POST", "/v1/office/session", body).status, 403);
  EXPECT_EQ(request("POST", "/v1/office/session", body, {csrf}).status, 403);
  Answer no_header = request("POST", "/v1/office/session", body, {cookie});
  EXPECT_EQ(no_header.status, 403);
  EXPECT_NE(no_header.body.find("CSRF"), std::string::npos) << no_header.body;
  Answer wrong = sign_in("mei", "not the password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_TRUE(wrong.cookie("fieldsync_session").empty());
  EXPECT_EQ(sign_in("nobody", kPassword).status, 401);  // the same answer: no user list
  Answer malformed = request("POST", "/v1/office/session", "[1,2]", {cookie, csrf});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(sign_in("mei", kPassword).status, 200);
}

TEST_F(ConsoleTest, OnlyOfficeRolesSignIn) {
  add_manager("mei");
  admin({"user", "add", "mei", "--role", "collector"});  // no longer of the office
  Answer refused = sign_in("mei", kPassword);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("the role collector has none"), std::string::npos) << refused.body;
  // A field user has no console password to set.
  admin({"user", "add", "carl", "--role", "collector"});
  auto set = server_.admin_with_input({"user", "password", "carl"}, std::string(kPassword) + "\n");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("only users of an office role"), std::string::npos);
  // Too short a password is refused, and nothing is added.
  auto short_one =
      server_.admin_with_input({"user", "add", "lin", "--role", "office_manager"}, "short\n");
  ASSERT_FALSE(short_one.ok());
  EXPECT_NE(short_one.status().message().find("at least 10 characters"), std::string::npos);
  EXPECT_EQ(admin({"users"}).find("lin"), std::string::npos);
}

TEST_F(ConsoleTest, FiveFailedSignInsLockTheUserForAWhile) {
  add_manager("mei");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(sign_in("mei", "guess number " + std::to_string(i)).status, 401);
  Answer locked = sign_in("mei", kPassword);
  EXPECT_EQ(locked.status, 429);
  EXPECT_GE(std::stoi(locked.header("retry-after")), 800);
  // The office sets a new password: the lock goes with the old one.
  ASSERT_TRUE(
      server_.admin_with_input({"user", "password", "mei"}, "another good password\n").ok());
  EXPECT_EQ(sign_in("mei", "another good password").status, 200);
}

TEST_F(ConsoleTest, ManagersReadTheAuditLogPageByPage) {
  add_manager("mei");
  ASSERT_TRUE(server_.admin_with_input({"user", "add", "olga", "--role", "office"}, "").ok());
  ASSERT_TRUE(
      server_.admin_with_input({"user", "password", "olga"}, std::string(kPassword) + "\n").ok());
  EXPECT_EQ(sign_in("mei", "a wrong password").status, 401);
  Answer olga = sign_in("olga", kPassword);
  ASSERT_EQ(olga.status, 200);
  Answer mei = sign_in("mei", kPassword);
  ASSERT_EQ(mei.status, 200);
  const std::string as_mei = "Cookie: " + cookie_pair(mei.cookie("fieldsync_session"));
  const std::string as_olga = "Cookie: " + cookie_pair(olga.cookie("fieldsync_session"));

  // The office reads everything but the audit log, which is the managers'.
  EXPECT_EQ(request("GET", "/v1/office/audit", "", {as_olga}).status, 403);
  EXPECT_EQ(request("GET", "/v1/office/audit").status, 401);
  Answer first = request("GET", "/v1/office/audit?limit=2", "", {as_mei});
  ASSERT_EQ(first.status, 200) << first.body;
  const Json page = first.json();
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["user"], "mei");
  EXPECT_EQ(page["items"][0]["action"], "sign_in");
  EXPECT_EQ(page["items"][0]["address"], "127.0.0.1");
  EXPECT_EQ(page["items"][1]["user"], "olga");
  ASSERT_TRUE(page["next_cursor"].is_string());
  Answer second =
      request("GET", "/v1/office/audit?limit=2&cursor=" + page["next_cursor"].get<std::string>(),
              "", {as_mei});
  ASSERT_EQ(second.status, 200);
  ASSERT_EQ(second.json()["items"].size(), 1u);
  EXPECT_EQ(second.json()["items"][0]["action"], "sign_in_failed");
  EXPECT_TRUE(second.json()["next_cursor"].is_null());
  for (const char* bad : {"limit=0", "limit=501", "limit=x", "cursor=-1", "sort=id"}) {
    EXPECT_EQ(request("GET", std::string("/v1/office/audit?") + bad, "", {as_mei}).status, 400)
        << bad;
  }
  EXPECT_EQ(request("POST", "/v1/office/audit", "{}", {as_mei}).status, 405);
}

TEST_F(ConsoleTest, AManagerSetsAnotherUsersPassword) {
  add_manager("mei");
  admin({"user", "add", "olga", "--role", "office"});
  admin({"user", "add", "carl", "--role", "collector"});
  Answer mei = sign_in("mei", kPassword);
  ASSERT_EQ(mei.status, 200);
  const std::string as_mei = "Cookie: " + cookie_pair(mei.cookie("fieldsync_session"));
  const std::string csrf = "X-CSRF-Token: " + mei.json().value("csrf", "");
  const auto set = [&](const std::string& user, const std::string& password,
                       std::vector<std::string> headers) {
    return request("POST", "/v1/office/passwords",
                   Json{{"user", user}, {"password", password}}.dump(), headers);
  };
  EXPECT_EQ(set("olga", "a new password for olga", {as_mei}).status, 403);  // no CSRF token
  EXPECT_EQ(sign_in("olga", "a new password for olga").status, 401);        // nothing was set
  Answer too_short = set("olga", "short", {as_mei, csrf});
  EXPECT_EQ(too_short.status, 400);
  EXPECT_NE(too_short.body.find("at least 10 characters"), std::string::npos) << too_short.body;
  EXPECT_EQ(set("nobody", "a new password for olga", {as_mei, csrf}).status, 404);
  EXPECT_EQ(set("carl", "a new password for carl", {as_mei, csrf}).status, 409);  // a field role
  EXPECT_EQ(request("POST", "/v1/office/passwords", "{}", {as_mei, csrf}).status, 400);
  Answer done = set("olga", "a new password for olga", {as_mei, csrf});
  ASSERT_EQ(done.status, 200) << done.body;
  Answer olga = sign_in("olga", "a new password for olga");
  ASSERT_EQ(olga.status, 200);
  // The office role may not set passwords.
  const std::string as_olga = "Cookie: " + cookie_pair(olga.cookie("fieldsync_session"));
  EXPECT_EQ(set("mei", "a password olga chose",
                {as_olga, "X-CSRF-Token: " + olga.json().value("csrf", "")})
                .status,
            403);
  EXPECT_EQ(sign_in("mei", kPassword).status, 200);
}

TEST_F(ConsoleTest, DeactivatingAUserEndsTheirSessions) {
  add_manager("mei");
  Answer signed_in = sign_in("mei", kPassword);
  ASSERT_EQ(signed_in.status, 200);
  const std::string session = "Cookie: " + cookie_pair(signed_in.cookie("fieldsync_session"));
  EXPECT_EQ(request("GET", "/v1/office/session", "", {session}).status, 200);
  admin({"user", "deactivate", "mei"});
  EXPECT_EQ(request("GET", "/v1/office/session", "", {session}).status, 401);
  EXPECT_EQ(sign_in("mei", kPassword).status, 401);
}

TEST_F(ConsoleTest, TheTodayPageIsTheOfficeReport) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a, ref_.building_b});
  ann.sync();
  must(ann.work().record_payment(payment(ref_.household_a, 5000)));
  ann.sync();
  const std::string as_olga = office_session("olga");
  const std::string today = admin({"report", "--json"});
  const Json expected_today = Json::parse(today, nullptr, false);
  ASSERT_TRUE(expected_today.is_object()) << today;
  const std::string period = expected_today["period"], as_of = expected_today["as_of"];

  Answer page = request("GET", "/v1/office/today", "", {as_olga});
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type"), "application/json");
  EXPECT_FALSE(page.header("content-security-policy").empty());
  EXPECT_EQ(page.json()["report"], expected_today);
  EXPECT_EQ(page.json()["report"]["collection"]["collected_in_period"], "50.00");
  // ann's phone synced today; none other is enrolled.
  EXPECT_EQ(page.json()["devices_not_synced_today"], Json::array());

  // Another payment: the page's figures follow, equal to the report's again.
  must(ann.work().record_payment(payment(ref_.household_b, 2500)));
  ann.sync();
  Answer after =
      request("GET", "/v1/office/today?period=" + period + "&as_of=" + as_of, "", {as_olga});
  ASSERT_EQ(after.status, 200) << after.body;
  const Json expected_after = Json::parse(
      admin({"report", "--json", "--period", period, "--as-of", as_of}), nullptr, false);
  EXPECT_EQ(after.json()["report"], expected_after);
  EXPECT_EQ(after.json()["report"]["collection"]["collected_in_period"], "75.00");
  // An earlier month: the figures as of its end.
  Answer october =
      request("GET", "/v1/office/today?period=2026-10&as_of=2026-10-31", "", {as_olga});
  ASSERT_EQ(october.status, 200) << october.body;
  EXPECT_EQ(october.json()["report"]["collection"]["period"]["due"], "0.00");

  EXPECT_EQ(request("GET", "/v1/office/today").status, 401);
  EXPECT_EQ(request("POST", "/v1/office/today", "{}", {as_olga}).status, 405);
  for (const char* bad : {"period=2026-13", "as_of=yesterday", "period=2026-11&period=2026-10",
                          "when=today", "as_of=%zz"}) {
    Answer refused = request("GET", std::string("/v1/office/today?") + bad, "", {as_olga});
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_FALSE(refused.json()["error"].value("message", "").empty()) << refused.body;
  }
}

TEST_F(ConsoleTest, TheArrearsListPagesFiltersAndDownloads) {
  // A household whose owner name a spreadsheet would take for a formula.
  const std::string formula = admin({"add", "households", "unit=" + ref_.unit_a,
                                     "owner_name==HYPERLINK(\"http://x\")", "collector=ann"});
  admin({"add", "charges", "household=" + formula, "fee_item=parking", "period=2026-12",
         "amount=10.00"});
  const std::string as_olga = office_session("olga");
  const std::string as_of = "as_of=2027-02-01";  // three months after November's charges

  Answer all = request("GET", "/v1/office/arrears?" + as_of, "", {as_olga});
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["total"], 3);
  EXPECT_EQ(all.json()["total_balance"], "250.00");
  EXPECT_EQ(all.json()["buildings"], Json::array({"Block A", "Block B"}));
  const Json first_item = all.json()["items"][0];
  EXPECT_EQ(first_item["balance"], "120.00");
  EXPECT_EQ(first_item["oldest_period"], "2026-11");
  EXPECT_EQ(first_item["months_overdue"], 3);

  // Page by page, door by door: Block A's household, then Block B's.
  Answer first = request("GET", "/v1/office/arrears?order=door&limit=1&" + as_of, "", {as_olga});
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json()["items"].size(), 1u);
  EXPECT_EQ(first.json()["items"][0]["owner"], "Wang Li");
  EXPECT_EQ(first.json()["items"][0]["unit"], "A-101");
  EXPECT_EQ(first.json()["items"][0]["phones"], Json::array({"13800000001", "13800000002"}));
  const std::string cursor = first.json()["next_cursor"];
  Answer second = request(
      "GET", "/v1/office/arrears?order=door&limit=2&cursor=" + cursor + "&" + as_of, "", {as_olga});
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json()["items"].size(), 2u);
  EXPECT_EQ(second.json()["items"][0]["owner"], "=HYPERLINK(\"http://x\")");
  EXPECT_EQ(second.json()["items"][1]["owner"], "Chen \"Sam\" Yu");
  EXPECT_TRUE(second.json()["next_cursor"].is_null());
  // A cursor of one order is refused by the other.
  EXPECT_EQ(request("GET", "/v1/office/arrears?order=age&cursor=" + cursor, "", {as_olga}).status,
            400);

  // Filters: a building (its name, percent-encoded as a form sends it), years, collector.
  Answer block_b = request("GET", "/v1/office/arrears?building=Block+B&" + as_of, "", {as_olga});
  ASSERT_EQ(block_b.status, 200) << block_b.body;
  EXPECT_EQ(block_b.json()["total"], 1);
  EXPECT_EQ(block_b.json()["items"][0]["household"], ref_.household_b);
  EXPECT_EQ(request("GET", "/v1/office/arrears?building=Block%20A&" + as_of, "", {as_olga})
                .json()["total"],
            2);
  EXPECT_EQ(request("GET", "/v1/office/arrears?more_than_years=1&" + as_of, "", {as_olga})
                .json()["total"],
            0);
  EXPECT_EQ(request("GET", "/v1/office/arrears?more_than_years=1&as_of=2028-01-01", "", {as_olga})
                .json()["total"],
            3);
  EXPECT_EQ(
      request("GET", "/v1/office/arrears?collector=ann&" + as_of, "", {as_olga}).json()["total"],
      1);

  // The whole list to download: CSV for any spreadsheet, text never taken for a formula.
  Answer csv = request("GET", "/v1/office/arrears.csv?order=door&" + as_of, "", {as_olga});
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.header("content-disposition"), "attachment; filename=\"arrears-2027-02-01.csv\"");
  EXPECT_EQ(csv.body,
            "\xEF\xBB\xBF"
            "Building,Door,Owner,Phones,Collector,Amount owed,Oldest unpaid,Months overdue\r\n"
            "Block A,A-101,Wang Li,13800000001; 13800000002,,120.00,2026-11,3\r\n"
            "Block A,A-101,\"'=HYPERLINK(\"\"http://x\"\")\",,ann,10.00,2026-12,2\r\n"
            "Block B,B-201,\"Chen \"\"Sam\"\" Yu\",13900000003,,120.00,2026-11,3\r\n");
  Answer xlsx = request("GET", "/v1/office/arrears.xlsx?" + as_of, "", {as_olga});
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.header("content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.body.substr(0, 4), std::string("PK\x03\x04", 4));  // a zip, as XLSX is
  EXPECT_NE(xlsx.body.find("xl/worksheets/sheet1.xml"), std::string::npos);

  EXPECT_EQ(request("GET", "/v1/office/arrears").status, 401);
  EXPECT_EQ(request("GET", "/v1/office/arrears.csv").status, 401);
  for (const char* bad :
       {"limit=0", "limit=501", "more_than_years=4", "more_than_years=-1", "order=name",
        "cursor=zz", "cursor=5b5d", "sort=age", "as_of=2027-02-30"}) {
    EXPECT_EQ(request("GET", std::string("/v1/office/arrears?") + bad, "", {as_olga}).status, 400)
        << bad;
  }
  EXPECT_EQ(request("GET", "/v1/office/arrears.csv?limit=10", "", {as_olga}).status, 400);
  EXPECT_EQ(request("GET", "/v1/office/nothing", "", {as_olga}).status, 404);
}

}  // namespace
}  // namespace fieldsync::testing
