// The office console's API as a browser calls it, for the integration tests: raw HTTP
// to the real server (every header seen as a browser gets it), sign-in with its CSRF
// token, and the session's cookie and token to send with a change.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server_world.h"

namespace fieldsync::testing {

inline constexpr const char* kConsolePassword = "correct horse battery";

// A parsed answer: status, headers (names in lower case) and body.
struct ConsoleAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(const std::string& name) const;
  // "name=value; ..." of the Set-Cookie that sets `name`; empty when none does.
  std::string cookie(const std::string& name) const;
  // The body as JSON (discarded when it is not).
  Json json() const;
};

// The value of a Set-Cookie ("name=value; Path=/...") without its attributes.
std::string cookie_pair(const std::string& set_cookie);

// A signed-in browser: its session cookie header and its CSRF token header.
struct ConsoleSession {
  std::string cookie;  // "Cookie: fieldsync_session=..."
  std::string csrf;    // "X-CSRF-Token: ..."
};

class ConsoleTestBase : public ServerTest {
 protected:
  ConsoleAnswer request(const std::string& method, const std::string& path,
                        const std::string& body = "", const std::vector<std::string>& headers = {});
  // A fresh sign-in token: {its cookie, the header that goes with it}.
  std::pair<std::string, std::string> sign_in_token();
  ConsoleAnswer sign_in(const std::string& user, const std::string& password);
  // Adds `name` with an office `role` and kConsolePassword, and signs them in.
  ConsoleSession signed_in(const std::string& name, const std::string& role);
};

}  // namespace fieldsync::testing
