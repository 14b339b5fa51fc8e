// The office console against the real `fieldsync-server` on loopback: its pages served
// with their safety headers, and its sign-in (docs/console.md): a sign-in token against
// cross-site requests, HttpOnly SameSite=Strict session cookies, only office roles, a
// lock after repeated failures, and sessions that end with the user. Raw HTTP, so that
// every header is seen as a browser would get it.
#include <chrono>

#include "fieldsync/schema.h"
#include "raw_http.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

constexpr std::chrono::milliseconds kDeadline{5000};
constexpr const char* kPassword = "correct horse battery";

// A parsed answer: status, headers (names in lower case) and body.
struct Answer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
  // "name=value" of the Set-Cookie that sets `name`; empty when none does.
  std::string cookie(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == "set-cookie" && v.rfind(name + "=", 0) == 0) return v;
    }
    return "";
  }
  Json json() const { return Json::parse(body, nullptr, false); }
};

Answer parse(const RawAnswer& raw) {
  Answer answer;
  answer.status = raw.status;
  const size_t end = raw.text.find("\r\n\r\n");
  size_t line = raw.text.find("\r\n") + 2;
  while (end != std::string::npos && line < end) {
    const size_t next = raw.text.find("\r\n", line);
    const std::string text = raw.text.substr(line, next - line);
    const size_t colon = text.find(':');
    std::string name = text.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    answer.headers.emplace_back(name, text.substr(text.find_first_not_of(' ', colon + 1)));
    line = next + 2;
  }
  if (end != std::string::npos) answer.body = raw.text.substr(end + 4);
  return answer;
}

// The value of a Set-Cookie ("name=value; Path=/...") without its attributes.
std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

class ConsoleTest : public ServerTest {
 protected:
  Answer request(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::vector<std::string>& headers = {}) {
    std::string text =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const std::string& h : headers) text += h + "\r\n";
    if (!body.empty() || method == "POST") {
      text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n";
    }
    return parse(raw_exchange(server_.port(), text + "\r\n" + body, kDeadline));
  }

  // A fresh sign-in token: {its cookie, the header that goes with it}.
  std::pair<std::string, std::string> sign_in_token() {
    Answer asked = request("GET", "/v1/office/session");
    EXPECT_EQ(asked.status, 401) << asked.body;
    const std::string csrf = asked.json().value("csrf", "");
    EXPECT_EQ(csrf.size(), 64u) << asked.body;
    return {"Cookie: " + cookie_pair(asked.cookie("fieldsync_signin")), "X-CSRF-Token: " + csrf};
  }

  Answer sign_in(const std::string& user, const std::string& password) {
    auto [cookie, csrf] = sign_in_token();
    return request("POST", "/v1/office/session",
                   Json{{"user", user}, {"password", password}}.dump(), {cookie, csrf});
  }

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

}  // namespace
}  // namespace fieldsync::testing
