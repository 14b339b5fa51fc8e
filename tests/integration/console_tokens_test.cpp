// API tokens for scripts against the real `fieldsync-server` on loopback (docs/console.md,
// "API tokens"): a manager issues one for a console user, shown once; a script calls the
// API with it (no cookie, no CSRF token) as that user, with that user's role; it stops
// working when revoked or when its user is deactivated; only managers issue, list and
// revoke, and only from a signed-in browser; bad input is refused and changes nothing;
// every issue and revocation is audited.
#include <chrono>

#include "console_client.h"
#include "raw_http.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;

class ConsoleTokensTest : public ConsoleTestBase {
 protected:
  void SetUp() override {
    ConsoleTestBase::SetUp();
    mei_ = signed_in("mei", "office_manager");
    olga_ = signed_in("olga", "office");
  }

  ConsoleAnswer post(const ConsoleSession& as, const std::string& path, const Json& body) {
    return request("POST", path, body.dump(), {as.cookie, as.csrf});
  }
  // Issues a token for `user` as mei: {id, token}.
  std::pair<std::string, std::string> issue(const std::string& user, const std::string& name) {
    ConsoleAnswer issued = post(mei_, "/v1/office/tokens", {{"user", user}, {"name", name}});
    EXPECT_EQ(issued.status, 201) << issued.body;
    return {issued.json().value("id", ""), issued.json().value("token", "")};
  }
  static std::string bearer(const std::string& token) { return "Authorization: Bearer " + token; }
  Json newest_audit() {
    ConsoleAnswer log = request("GET", "/v1/office/audit?limit=1", "", {mei_.cookie});
    EXPECT_EQ(log.status, 200) << log.body;
    return log.json()["items"][0];
  }

  ConsoleSession mei_, olga_;
};

TEST_F(ConsoleTokensTest, AScriptCallsTheApiAsTheUserItsTokenWasIssuedFor) {
  // A user for the script, of the office role, with no password: it never signs in.
  ASSERT_TRUE(server_.admin({"user", "add", "nightly", "--role", "office"}).ok());
  const auto [id, token] = issue("nightly", "nightly arrears export");
  ASSERT_EQ(token.rfind("fso_", 0), 0u) << token;
  EXPECT_EQ(newest_audit()["action"], "issue_api_token");
  EXPECT_NE(newest_audit()["detail"].get<std::string>().find(id), std::string::npos);
  EXPECT_EQ(newest_audit()["detail"].get<std::string>().find(token), std::string::npos);

  // The script reads as nightly: the session call names it, the pages answer.
  ConsoleAnswer who = request("GET", "/v1/office/session", "", {bearer(token)});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json()["user"], "nightly");
  EXPECT_EQ(who.json()["role"], "office");
  EXPECT_EQ(who.header("set-cookie"), "");
  ConsoleAnswer today = request("GET", "/v1/office/today", "", {bearer(token)});
  EXPECT_EQ(today.status, 200) << today.body;
  EXPECT_EQ(request("GET", "/v1/office/arrears.csv", "", {bearer(token)}).status, 200);
  // With the office role's rights only: a manager's call is refused.
  EXPECT_EQ(request("GET", "/v1/office/audit", "", {bearer(token)}).status, 403);
  EXPECT_EQ(request("GET", "/v1/office/tokens", "", {bearer(token)}).status, 403);
  // A change needs no CSRF token with an API token (no browser sends it by itself),
  // and is the script user's: a bad one is refused for what it is, not for CSRF.
  ConsoleAnswer change =
      request("POST", "/v1/office/conflicts/resolve",
              Json{{"conflict", "nope"}, {"keep", "winner"}}.dump(), {bearer(token)});
  EXPECT_TRUE(change.status == 400 || change.status == 404) << change.body;
  // A token does not sign out.
  EXPECT_EQ(request("DELETE", "/v1/office/session", "", {bearer(token)}).status, 409);

  // Listed without the token itself, with when it was last used.
  ConsoleAnswer list = request("GET", "/v1/office/tokens", "", {mei_.cookie});
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["total"], 1);
  const Json listed = list.json()["items"][0];
  EXPECT_EQ(listed["id"], id);
  EXPECT_EQ(listed["user"], "nightly");
  EXPECT_EQ(listed["name"], "nightly arrears export");
  EXPECT_EQ(listed["issued_by"], "mei");
  EXPECT_TRUE(listed["last_used_at"].is_string()) << listed.dump();
  EXPECT_TRUE(listed["revoked_at"].is_null());
  EXPECT_EQ(list.body.find(token), std::string::npos);
  EXPECT_EQ(list.body.find(token.substr(4)), std::string::npos);

  // Revoked: refused at once, and said so.
  ConsoleAnswer revoked = post(mei_, "/v1/office/tokens/revoke", {{"id", id}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(newest_audit()["action"], "revoke_api_token");
  ConsoleAnswer after = request("GET", "/v1/office/today", "", {bearer(token)});
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("revoked"), std::string::npos) << after.body;
  EXPECT_EQ(post(mei_, "/v1/office/tokens/revoke", {{"id", id}}).status, 409);
  EXPECT_TRUE(request("GET", "/v1/office/tokens", "", {mei_.cookie})
                  .json()["items"][0]["revoked_at"]
                  .is_string());
}

TEST_F(ConsoleTokensTest, ADeactivatedUsersTokenStopsAndAMadeUpOneIsUnknown) {
  const auto [id, token] = issue("olga", "olga's spreadsheet");
  EXPECT_EQ(request("GET", "/v1/office/today", "", {bearer(token)}).status, 200);
  ConsoleAnswer made_up =
      request("GET", "/v1/office/today", "", {bearer("fso_" + token.substr(5))});
  EXPECT_EQ(made_up.status, 401);
  EXPECT_NE(made_up.body.find("not known"), std::string::npos) << made_up.body;
  // A token does not stand beside a cookie: the token is what is checked.
  EXPECT_EQ(request("GET", "/v1/office/today", "", {mei_.cookie, bearer("fso_x")}).status, 401);

  ASSERT_EQ(post(mei_, "/v1/office/users/deactivate", {{"name", "olga"}}).status, 200);
  ConsoleAnswer gone = request("GET", "/v1/office/today", "", {bearer(token)});
  EXPECT_EQ(gone.status, 401) << gone.body;
}

TEST_F(ConsoleTokensTest, OnlyManagersInABrowserIssueAndBadInputChangesNothing) {
  ASSERT_TRUE(server_.admin({"user", "add", "ann", "--role", "collector"}).ok());
  // Not signed in, the office role, no CSRF token: refused.
  const Json good = {{"user", "olga"}, {"name", "report"}};
  EXPECT_EQ(request("POST", "/v1/office/tokens", good.dump()).status, 401);
  EXPECT_EQ(post(olga_, "/v1/office/tokens", good).status, 403);
  EXPECT_EQ(request("GET", "/v1/office/tokens", "", {olga_.cookie}).status, 403);
  EXPECT_EQ(request("POST", "/v1/office/tokens", good.dump(), {mei_.cookie}).status, 403);
  // Bad bodies: each refused with a message.
  for (const Json& bad : {Json::object(), Json{{"user", "olga"}}, Json{{"user", 7}, {"name", "x"}},
                          Json{{"user", "olga"}, {"name", ""}},
                          Json{{"user", "olga"}, {"name", "x"}, {"role", "office_manager"}},
                          Json{{"user", "nobody"}, {"name", "x"}},
                          Json{{"user", "ann"}, {"name", "a collector is not a console user"}},
                          Json{{"user", "olga"}, {"name", std::string(201, 'n')}}}) {
    ConsoleAnswer refused = post(mei_, "/v1/office/tokens", bad);
    EXPECT_EQ(refused.status, 400) << bad.dump() << refused.body;
    EXPECT_FALSE(refused.json()["error"].value("message", "").empty()) << refused.body;
  }
  EXPECT_EQ(post(mei_, "/v1/office/tokens/revoke", {{"id", "NOSUCHTOKEN"}}).status, 404);
  EXPECT_EQ(request("GET", "/v1/office/tokens?limit=0", "", {mei_.cookie}).status, 400);
  EXPECT_EQ(request("GET", "/v1/office/tokens?cursor=zz", "", {mei_.cookie}).status, 400);
  EXPECT_EQ(request("GET", "/v1/office/tokens", "", {mei_.cookie}).json()["total"], 0);

  // A manager's token reads as a manager, but issues no token and sets no password:
  // a leaked one cannot make others that outlive it, nor take over an account.
  const auto [id, token] = issue("mei", "mei's script");
  EXPECT_EQ(request("GET", "/v1/office/audit", "", {bearer(token)}).status, 200);
  ConsoleAnswer minted = request("POST", "/v1/office/tokens", good.dump(), {bearer(token)});
  EXPECT_EQ(minted.status, 403) << minted.body;
  EXPECT_EQ(
      request("POST", "/v1/office/passwords",
              Json{{"user", "olga"}, {"password", "a new long password"}}.dump(), {bearer(token)})
          .status,
      403);
  EXPECT_EQ(sign_in("olga", kConsolePassword).status, 200) << "olga's password is unchanged";

  // Paging: one token a page, each once.
  issue("olga", "second");
  issue("olga", "third");
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    ConsoleAnswer got =
        request("GET", "/v1/office/tokens?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor),
                "", {mei_.cookie});
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.json()["total"], 3);
    const Json page_items = got.json()["items"];  // kept: json() is a temporary
    for (const Json& item : page_items) seen.push_back(item["id"]);
    if (got.json()["next_cursor"].is_null()) break;
    cursor = got.json()["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 3u);
}

TEST_F(ConsoleTokensTest, AManagersTokenImportsALargeFileAndTheOfficeRolesDoesNot) {
  const std::string office_token = issue("olga", "olga's import").second;
  const std::string manager_token = issue("mei", "mei's import").second;
  const std::string csv = "unit,owner_name,phones\r\n" + std::string(100 * 1024, 'x') + "\r\n";
  const auto upload = [&](const std::string& token) {
    RawConnection c(server_.port());
    EXPECT_TRUE(
        c.send("POST /v1/office/import?collection=households HTTP/1.1\r\n"
               "Host: 127.0.0.1\r\nConnection: close\r\nContent-Type: text/csv\r\n"
               "Content-Length: " +
               std::to_string(csv.size()) + "\r\n" + bearer(token) + "\r\n\r\n"));
    if (token == office_token) return c.read_answer(milliseconds(3000));
    EXPECT_TRUE(c.send(csv));
    return c.read_answer(milliseconds(30000));
  };
  // The office role's token is held to the anonymous limit, from the headers.
  RawAnswer small = upload(office_token);
  EXPECT_EQ(small.status, 413) << small.text;
  // The manager's is read whole; its one bad row is reported by line, nothing imported.
  RawAnswer read = upload(manager_token);
  EXPECT_EQ(read.status, 400) << read.text.substr(0, 500);
  EXPECT_NE(read.text.find("\"line\":2"), std::string::npos) << read.text.substr(0, 500);
}

}  // namespace
}  // namespace fieldsync::testing
