// The office console's sign-in (docs/console.md, "Sign-in"):
//   GET    /v1/office/session   who is signed in: 200 {user, role, csrf}; otherwise 401
//                               with a sign-in CSRF token, also set as a cookie;
//   POST   /v1/office/session   sign in {user, password}, with X-CSRF-Token: the
//                               sign-in token; 200 {user, role, csrf} and the session
//                               cookie (HttpOnly, SameSite=Strict, Secure over TLS);
//   DELETE /v1/office/session   sign out, with X-CSRF-Token: the session's;
//   GET    /v1/office/audit     the audit log, newest first, for office managers, in
//                               pages: ?limit=N (1 to 500, default 100)&cursor=C;
//   POST   /v1/office/passwords a manager sets a console user's password {user,
//                               password}, with the session's X-CSRF-Token; that user's
//                               sessions end;
//   GET    /v1/office/events    server-sent events for any office session: "change" when
//                               something was written (docs/console.md, "Live updates").
// Only users of an office role sign in. Five failed sign-ins in a row lock the user
// for fifteen minutes (429 with Retry-After); each is written to the audit log, as is
// every sign-in and sign-out.
#include <algorithm>

#include "console_api.h"
#include "event_times.h"
#include "fieldsync/id.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"
#include "office_console.h"
#include "office_passwords.h"
#include "request_checks.h"

namespace fieldsync::server {
namespace {

constexpr const char* kSessionCookie = "fieldsync_session";
constexpr const char* kSignInCookie = "fieldsync_signin";
constexpr int64_t kSessionMs = 8 * 3600 * 1000;
constexpr int64_t kMaxFailedSignIns = 5;
constexpr int64_t kLockMs = 15 * 60 * 1000;

// The value of cookie `name` in the request's Cookie header; empty when absent.
std::string cookie(const HttpRequest& request, const std::string& name) {
  const std::string header = header_value(request.headers, "Cookie");
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(start, end - start);
    const size_t first = pair.find_first_not_of(' ');
    pair = first == std::string::npos ? "" : pair.substr(first);
    if (pair.compare(0, name.size() + 1, name + "=") == 0) return pair.substr(name.size() + 1);
    start = end + 1;
  }
  return std::string();
}

std::string set_cookie(const HttpRequest& request, const std::string& name,
                       const std::string& value, int64_t max_age_s) {
  return name + "=" + value +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s) +
         (request.tls ? "; Secure" : "");
}

}  // namespace

std::optional<OfficeSession> SyncService::office_session_of(const HttpRequest& request,
                                                            HttpResponse& refusal) {
  if (!request.bearer_token.empty()) return api_token_session(request, refusal);
  const std::string token = cookie(request, kSessionCookie);
  if (token.empty()) {
    refusal = console_error(ErrorCode::kUnauthenticated, "sign in first");
    return std::nullopt;
  }
  auto txn = store_.begin(false);
  if (!txn.ok()) {
    refusal = from_status(txn.status());
    return std::nullopt;
  }
  auto session = (*txn)->office_session(secret_hash(token));
  if (!session.ok()) {
    refusal = from_status(session.status());
    return std::nullopt;
  }
  if (!*session || (*session)->expires_ms <= clock_.now_ms()) {
    refusal = console_error(ErrorCode::kUnauthenticated, "the session has ended: sign in again");
    return std::nullopt;
  }
  if (auto refused = office_user_refusal(**txn, (*session)->user)) {
    refusal = std::move(*refused);
    return std::nullopt;
  }
  return **session;
}

std::optional<HttpResponse> SyncService::office_user_refusal(ServerTransaction& txn,
                                                             const std::string& name) {
  auto user = txn.get_user(name);
  if (!user.ok()) return from_status(user.status());
  const RoleDef* role = *user ? schema_.role((*user)->role) : nullptr;
  if (!*user || !(*user)->active || role == nullptr || !role->office) {
    return console_error(ErrorCode::kUnauthenticated, "this user may no longer sign in");
  }
  return std::nullopt;
}

namespace {

// One page of the audit log: the paging contract of every list of the console's API
// (docs/console.md, "Paging"): {"items", "total", "next_cursor"}.
HttpResponse audit_page(ServerTransaction& txn, const std::string& query) {
  auto params = query_params(query, {"limit", "cursor"});
  if (!params.ok()) return console_error(params.status());
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return console_error(limit.status());
  auto before = number_param(*params, "cursor", 1, INT64_MAX / 2, 0);
  if (!before.ok())
    return console_error(Status::invalid_argument("cursor: not a cursor this list gave"));
  auto entries = txn.audit_entries(*before, *limit + 1);
  if (!entries.ok()) return from_status(entries.status());
  auto total = txn.audit_count();
  if (!total.ok()) return from_status(total.status());
  auto zone = server_zone(txn);
  if (!zone.ok()) return from_status(zone.status());
  Json items = Json::array();
  for (size_t i = 0; i < entries->size() && static_cast<int64_t>(i) < *limit; ++i) {
    const AuditEntry& e = (*entries)[i];
    items.push_back({{"id", e.id},
                     {"at_ms", e.at_ms},
                     {"at", zone->format(e.at_ms)},
                     {"user", e.user},
                     {"address", e.address},
                     {"action", e.action},
                     {"detail", e.detail}});
  }
  const bool more = static_cast<int64_t>(entries->size()) > *limit;
  return console_json(200, {{"items", items},
                            {"total", *total},
                            {"next_cursor", more ? Json(std::to_string((*entries)[*limit - 1].id))
                                                 : Json(nullptr)}});
}

}  // namespace

HttpResponse SyncService::route_office(const HttpRequest& request, const std::string& path) {
  if (path == "/v1/office/passwords") {
    if (request.method != "POST") {
      return console_error(ErrorCode::kMethodNotAllowed, path + " takes POST");
    }
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    if (!carries_csrf_token(request, *session)) {
      return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
    }
    auto manager = manages_office(store_, schema_, session->user);
    if (!manager.ok()) return console_error(manager.status());
    if (!*manager) return console_error(ErrorCode::kForbidden, "passwords are set by office managers");
    if (!session->api_token_id.empty()) {
      return console_error(ErrorCode::kForbidden,
                           "passwords are set in a signed-in browser, not with an API token");
    }
    const Json body = Json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
        !body.contains("password") || !body["password"].is_string()) {
      return console_error(ErrorCode::kInvalidArgument,
                           "a new password is {\"user\": \"...\", \"password\": \"...\"}");
    }
    const std::string user = user_key(body["user"].get<std::string>());
    OfficeAdmin admin(store_, schema_, clock_);
    if (Status s = admin.set_password(user, body["password"].get<std::string>()); !s.ok()) {
      HttpResponse failed = from_status(s);
      add_console_headers(failed);
      return failed;
    }
    auto txn = store_.begin(true);
    if (!txn.ok()) return from_status(txn.status());
    auto audited = (*txn)->append_audit(
        {0, clock_.now_ms(), session->user, request.peer_address, "set_password", user});
    if (!audited.ok()) return from_status(audited.status());
    if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
    return console_json(200, {{"user", user}, {"password_set", true}});
  }
  if (path == "/v1/office/audit") {
    if (request.method != "GET") {
      return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET");
    }
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    auto manager = manages_office(store_, schema_, session->user);
    if (!manager.ok()) return console_error(manager.status());
    if (!*manager) return console_error(ErrorCode::kForbidden, "the audit log is for office managers");
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    return audit_page(**txn, query_of(request));
  }
  if (auto people = route_office_people(request, path)) return *people;
  if (auto records = route_office_records(request, path)) return *records;
  if (auto patrol = route_office_patrol(request, path)) return *patrol;
  if (auto attachment = route_office_attachments(request, path)) return *attachment;
  if (auto repairs = route_office_repairs(request, path)) return *repairs;
  if (auto tokens = route_office_tokens(request, path)) return *tokens;
  if (path == "/v1/office/import") {
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    return office_import(request, *session);
  }
  if (path.rfind("/v1/office/conflicts", 0) == 0 || path.rfind("/v1/office/refused", 0) == 0) {
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    return route_office_settle(request, path, *session);
  }
  if (path == "/v1/office/today" || path.rfind("/v1/office/arrears", 0) == 0) {
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    return route_office_pages(request, path, *session);
  }
  if (path == "/v1/office/events") {
    if (request.method != "GET")
      return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET");
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    // The stream's start: the HTTP front keeps it open and sends an event "change" each
    // time changes() grows (http_front.cpp, EventStream). A browser that loses it asks
    // again after `retry` ms, and so shows its session again: an ended one is refused.
    HttpResponse stream{200, "retry: 5000\n\n", std::string(kEventStreamType)};
    stream.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on at once
    add_console_headers(stream);
    return stream;
  }
  if (path != "/v1/office/session") {
    return console_error(ErrorCode::kNotFound, "no such endpoint: " + path.substr(0, 100));
  }
  const int64_t now = clock_.now_ms();
  if (request.method == "GET") {
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (session) {
      auto txn = store_.begin(false);
      if (!txn.ok()) return from_status(txn.status());
      auto user = (*txn)->get_user(session->user);
      if (!user.ok()) return from_status(user.status());
      return console_json(
          200,
          {{"user", session->user}, {"role", *user ? (*user)->role : ""}, {"csrf", session->csrf}});
    }
    if (refusal.status != 401) return refusal;
    // Not signed in: a token the sign-in must send back in a header, which a page of
    // another site can neither read nor set.
    const std::string signin = random_token();
    Json body = Json::parse(refusal.body);
    body["csrf"] = signin;
    HttpResponse answer = console_json(401, body);
    answer.headers.emplace_back("Set-Cookie", set_cookie(request, kSignInCookie, signin, 3600));
    return answer;
  }
  if (request.method == "DELETE") {
    HttpResponse refusal;
    auto session = office_session_of(request, refusal);
    if (!session) return refusal;
    if (!session->api_token_id.empty()) {
      return console_error(ErrorCode::kFailedPrecondition,
                           "an API token does not sign out: a manager revokes it");
    }
    if (!carries_csrf_token(request, *session)) {
      return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
    }
    auto txn = store_.begin(true);
    if (!txn.ok()) return from_status(txn.status());
    if (Status s = (*txn)->delete_office_session(session->token_hash); !s.ok())
      return from_status(s);
    auto audited =
        (*txn)->append_audit({0, now, session->user, request.peer_address, "sign_out", ""});
    if (!audited.ok()) return from_status(audited.status());
    if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
    HttpResponse answer = console_json(200, {{"signed_out", true}});
    answer.headers.emplace_back("Set-Cookie", set_cookie(request, kSessionCookie, "", 0));
    return answer;
  }
  if (request.method != "POST") {
    return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET, POST or DELETE");
  }
  if (!carries_csrf_token(request, cookie(request, kSignInCookie))) {
    return console_error(ErrorCode::kForbidden,
                         "the sign-in lacks its CSRF token: load the sign-in page again");
  }
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    return console_error(ErrorCode::kInvalidArgument,
                         "a sign-in is {\"user\": \"...\", \"password\": \"...\"}");
  }
  const std::string name = user_key(body["user"].get<std::string>());
  const std::string password = body["password"].get<std::string>();
  if (name.empty() || name.size() > 200 || password.size() > 256) {
    return console_error(ErrorCode::kUnauthenticated, "the name or the password is wrong");
  }
  // Read, then hash outside any transaction (Argon2id takes a while and much memory).
  std::optional<OfficePassword> stored;
  std::optional<User> user;
  {
    auto txn = store_.begin(false);
    if (!txn.ok()) return from_status(txn.status());
    auto found = (*txn)->get_user(name);
    if (!found.ok()) return from_status(found.status());
    user = *found;
    auto kept = (*txn)->office_password(name);
    if (!kept.ok()) return from_status(kept.status());
    stored = *kept;
  }
  if (stored && stored->locked_until_ms > now) {
    HttpResponse locked =
        console_error(ErrorCode::kTooManyRequests,
                      "too many failed sign-ins: this user is locked for a while; try again later");
    locked.retry_after_s = (stored->locked_until_ms - now + 999) / 1000;
    return locked;
  }
  const RoleDef* role = user ? schema_.role(user->role) : nullptr;
  const bool matches = stored && password_matches(stored->hash, password);
  auto txn = store_.begin(true);
  if (!txn.ok()) return from_status(txn.status());
  const auto audit = [&](const std::string& action, const std::string& detail) {
    return (*txn)->append_audit({0, now, name, request.peer_address, action, detail}).status();
  };
  if (!matches || !user || !user->active) {
    if (stored) {
      OfficePassword failed = *stored;
      failed.failed += 1;
      if (failed.failed >= kMaxFailedSignIns) {
        failed.failed = 0;
        failed.locked_until_ms = now + kLockMs;
      }
      if (Status s = (*txn)->put_office_password(failed); !s.ok()) return from_status(s);
    }
    if (Status s = audit("sign_in_failed", ""); !s.ok()) return from_status(s);
    if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
    return console_error(ErrorCode::kUnauthenticated, "the name or the password is wrong");
  }
  if (role == nullptr || !role->office) {
    if (Status s = audit("sign_in_refused", "role " + user->role); !s.ok()) return from_status(s);
    if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
    return console_error(ErrorCode::kForbidden,
                         "the console is for the office: the role " + user->role + " has none");
  }
  OfficePassword good = *stored;
  good.failed = 0;
  good.locked_until_ms = 0;
  const std::string token = random_token();
  const OfficeSession session{secret_hash(token), name, random_token(), request.peer_address, now,
                              now + kSessionMs,   ""};
  for (Status s : {(*txn)->put_office_password(good), (*txn)->put_office_session(session),
                   audit("sign_in", "")}) {
    if (!s.ok()) return from_status(s);
  }
  if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
  HttpResponse answer =
      console_json(200, {{"user", name}, {"role", user->role}, {"csrf", session.csrf}});
  answer.headers.emplace_back("Set-Cookie",
                              set_cookie(request, kSessionCookie, token, kSessionMs / 1000));
  answer.headers.emplace_back("Set-Cookie", set_cookie(request, kSignInCookie, "", 0));
  return answer;
}

}  // namespace fieldsync::server
