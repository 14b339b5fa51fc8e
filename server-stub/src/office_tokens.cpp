// API tokens for scripts (docs/console.md, "API tokens"): a script calls the console's
// API with `Authorization: Bearer fso_...` instead of a cookie, as the console user the
// token was issued for (with that user's role, while they are active), until a manager
// revokes it. A token needs no CSRF token: no browser sends it on another site's behalf.
//   GET  /v1/office/tokens          the tokens, newest first, in pages (?limit, ?cursor):
//                                   {id, user, name, issued_by, issued_at, last_used_at,
//                                   revoked_at}, never the token itself;
//   POST /v1/office/tokens          {user, name}: 201 {id, token, user, name, issued_at},
//                                   the token shown this once (only its hash is kept);
//   POST /v1/office/tokens/revoke   {id}: it stops working at once.
// For office managers only. Issuing takes a signed-in browser: a token cannot issue
// tokens, so a leaked one cannot outlive its revocation through others it made. Every
// issue and revocation is written to the audit log.
#include <algorithm>

#include "console_api.h"
#include "event_times.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr const char* kTokenPrefix = "fso_";  // "fieldsync office", for secret scanners
constexpr size_t kTokenIdLength = 10;
// How stale a token's last use may be before a call writes it again: a script calling
// often costs one write a minute, not one a call.
constexpr int64_t kLastUsedEveryMs = 60 * 1000;

}  // namespace

std::optional<OfficeSession> SyncService::api_token_session(const HttpRequest& request,
                                                            HttpResponse& refusal) {
  const std::string hash = secret_hash(request.bearer_token);
  const int64_t now = clock_.now_ms();
  std::optional<ApiToken> token;
  {
    auto txn = store_.begin(false);
    if (!txn.ok()) {
      refusal = console_error(txn.status());
      return std::nullopt;
    }
    auto found = (*txn)->api_token_by_hash(hash);
    if (!found.ok()) {
      refusal = console_error(found.status());
      return std::nullopt;
    }
    if (!*found || (*found)->revoked_ms != 0) {
      refusal = console_error(ErrorCode::kUnauthenticated, *found ? "this API token was revoked"
                                                                  : "this API token is not known");
      return std::nullopt;
    }
    if (auto refused = office_user_refusal(**txn, (*found)->user)) {
      refusal = std::move(*refused);
      return std::nullopt;
    }
    token = **found;
  }
  if (now - token->last_used_ms >= kLastUsedEveryMs) {
    token->last_used_ms = now;
    auto txn = store_.begin(true);
    // Only a note of when it was used: a call is not refused because it could not be kept.
    if (txn.ok()) {
      auto current = (*txn)->api_token(token->id);
      if (current.ok() && *current && (*current)->revoked_ms == 0) {
        (*current)->last_used_ms = now;
        if ((*txn)->put_api_token(**current).ok()) (void)(*txn)->commit();
      }
    }
  }
  OfficeSession session;
  session.token_hash = hash;
  session.user = token->user;
  session.address = request.peer_address;
  session.created_ms = token->issued_ms;
  session.expires_ms = INT64_MAX;
  session.api_token_id = token->id;
  return session;
}

std::optional<HttpResponse> SyncService::route_office_tokens(const HttpRequest& request,
                                                             const std::string& path) {
  if (path != "/v1/office/tokens" && path != "/v1/office/tokens/revoke") return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;
  const bool list = path == "/v1/office/tokens" && request.method == "GET";
  if (!list && request.method != "POST") {
    return console_error(
        ErrorCode::kMethodNotAllowed,
        path + (path == "/v1/office/tokens" ? " takes GET or POST" : " takes POST"));
  }
  if (!list && !carries_csrf_token(request, *session)) {
    return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
  }
  auto manager = manages_office(store_, schema_, session->user);
  if (!manager.ok()) return console_error(manager.status());
  if (!*manager) return console_error(ErrorCode::kForbidden, "API tokens are for office managers");

  if (list) {
    auto params = query_params(query_of(request), {"limit", "cursor"});
    if (!params.ok()) return console_error(params.status());
    auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
    if (!limit.ok()) return console_error(limit.status());
    Json after;  // the last item's key, [issued_ms, id], of the page before
    if (const std::string cursor = param(*params, "cursor"); !cursor.empty()) {
      auto key = key_of_cursor(cursor);
      if (!key.ok()) return console_error(key.status());
      if (!key->is_array() || key->size() != 2 || !(*key)[0].is_number_integer() ||
          !(*key)[1].is_string()) {
        return console_error(Status::invalid_argument("cursor: not a cursor this list gave"));
      }
      after = *key;
    }
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    auto tokens = (*txn)->api_tokens();
    if (!tokens.ok()) return console_error(tokens.status());
    auto zone = server_zone(**txn);
    if (!zone.ok()) return console_error(zone.status());
    const auto local = [&](int64_t ms) { return ms > 0 ? Json(zone->format(ms)) : Json(nullptr); };
    Json items = Json::array();
    Json next = nullptr;
    for (const ApiToken& t : *tokens) {  // newest first: issued_ms descending, then id
      if (!after.is_null()) {
        const int64_t at = after[0].get<int64_t>();
        const std::string id = after[1].get<std::string>();
        if (t.issued_ms > at || (t.issued_ms == at && t.id <= id)) continue;
      }
      if (static_cast<int64_t>(items.size()) == *limit) {
        next = cursor_of(Json::array({items.back()["issued_ms"], items.back()["id"]}));
        break;
      }
      items.push_back({{"id", t.id},
                       {"user", t.user},
                       {"name", t.name},
                       {"issued_by", t.issued_by},
                       {"issued_ms", t.issued_ms},
                       {"issued_at", local(t.issued_ms)},
                       {"last_used_at", local(t.last_used_ms)},
                       {"revoked_at", local(t.revoked_ms)}});
    }
    return console_json(
        200,
        {{"items", items}, {"total", static_cast<int64_t>(tokens->size())}, {"next_cursor", next}});
  }

  const int64_t now = clock_.now_ms();
  AuditEntry audit{0, now, session->user, request.peer_address, "", ""};
  Json answer;
  int status = 200;
  auto txn = store_.begin(true);
  if (!txn.ok()) return console_error(txn.status());
  if (path == "/v1/office/tokens") {
    if (!session->api_token_id.empty()) {
      return console_error(ErrorCode::kForbidden,
                           "API tokens are issued in a signed-in browser, not with an API token");
    }
    auto fields = body_fields(request.body, {"user", "name"});
    if (!fields.ok()) return console_error(fields.status());
    const std::string user = user_key(fields->at("user"));
    const std::string name = fields->at("name");
    if (!is_valid_utf8(name)) return console_error(Status::invalid_argument("'name' is not UTF-8"));
    if (auto refused = office_user_refusal(**txn, user)) {
      return console_error(ErrorCode::kInvalidArgument,
                           "an API token acts as a console user: '" + utf8_prefix(user, 64) +
                               "' is not an active user of an office role");
    }
    const std::string token = kTokenPrefix + random_token();
    const ApiToken issued{
        random_code(kTokenIdLength), secret_hash(token), user, name, session->user, now, 0, 0};
    if (Status s = (*txn)->put_api_token(issued); !s.ok()) return console_error(s);
    auto zone = server_zone(**txn);
    if (!zone.ok()) return console_error(zone.status());
    audit.action = "issue_api_token";
    audit.detail = issued.id + " for " + user + ": " + utf8_prefix(name, 100);
    answer = {{"id", issued.id},
              {"token", token},
              {"user", user},
              {"name", name},
              {"issued_at", zone->format(now)}};
    status = 201;
  } else {
    auto fields = body_fields(request.body, {"id"});
    if (!fields.ok()) return console_error(fields.status());
    auto found = (*txn)->api_token(fields->at("id"));
    if (!found.ok()) return console_error(found.status());
    if (!*found) {
      return console_error(ErrorCode::kNotFound,
                           "no API token '" + utf8_prefix(fields->at("id"), 40) + "'");
    }
    if ((*found)->revoked_ms != 0) {
      return console_error(ErrorCode::kFailedPrecondition,
                           "the API token " + (*found)->id + " is already revoked");
    }
    (*found)->revoked_ms = now;
    if (Status s = (*txn)->put_api_token(**found); !s.ok()) return console_error(s);
    audit.action = "revoke_api_token";
    audit.detail = (*found)->id + " of " + (*found)->user + ": " + utf8_prefix((*found)->name, 100);
    answer = {{"id", (*found)->id}, {"revoked", true}};
  }
  if (auto added = (*txn)->append_audit(audit); !added.ok()) return console_error(added.status());
  if (Status s = (*txn)->commit(); !s.ok()) return console_error(s);
  return console_json(status, answer);
}

}  // namespace fieldsync::server
