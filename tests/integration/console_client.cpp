#include "console_client.h"

#include <cctype>
#include <chrono>

#include "raw_http.h"

namespace fieldsync::testing {
namespace {

constexpr std::chrono::milliseconds kDeadline{5000};

ConsoleAnswer parse(const RawAnswer& raw) {
  ConsoleAnswer answer;
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

}  // namespace

std::string ConsoleAnswer::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

std::string ConsoleAnswer::cookie(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == "set-cookie" && v.rfind(name + "=", 0) == 0) return v;
  }
  return "";
}

Json ConsoleAnswer::json() const {
  return Json::parse(body, nullptr, false);
}

std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

ConsoleAnswer ConsoleTestBase::request(const std::string& method, const std::string& path,
                                       const std::string& body,
                                       const std::vector<std::string>& headers) {
  std::string text = method + " " + path +
                     " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_.port()) +
                     "\r\nConnection: close\r\n";
  for (const std::string& h : headers) text += h + "\r\n";
  if (!body.empty() || method == "POST") {
    text +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return parse(raw_exchange(server_.port(), text + "\r\n" + body, kDeadline));
}

std::pair<std::string, std::string> ConsoleTestBase::sign_in_token() {
  ConsoleAnswer asked = request("GET", "/v1/office/session");
  EXPECT_EQ(asked.status, 401) << asked.body;
  const std::string csrf = asked.json().value("csrf", "");
  EXPECT_EQ(csrf.size(), 64u) << asked.body;
  return {"Cookie: " + cookie_pair(asked.cookie("fieldsync_signin")), "X-CSRF-Token: " + csrf};
}

ConsoleAnswer ConsoleTestBase::sign_in(const std::string& user, const std::string& password) {
  auto [cookie, csrf] = sign_in_token();
  return request("POST", "/v1/office/session", Json{{"user", user}, {"password", password}}.dump(),
                 {cookie, csrf});
}

ConsoleSession ConsoleTestBase::signed_in(const std::string& name, const std::string& role) {
  const std::string password = std::string(kConsolePassword) + "\n";
  // `user add` asks for a password only for a first manager; `user password` sets it.
  EXPECT_TRUE(server_.admin_with_input({"user", "add", name, "--role", role}, password).ok());
  EXPECT_TRUE(server_.admin_with_input({"user", "password", name}, password).ok());
  ConsoleAnswer answer = sign_in(name, kConsolePassword);
  EXPECT_EQ(answer.status, 200) << answer.body;
  return {"Cookie: " + cookie_pair(answer.cookie("fieldsync_session")),
          "X-CSRF-Token: " + answer.json().value("csrf", "")};
}

}  // namespace fieldsync::testing
