// What every call of the office console's API shares (docs/console.md, "API"): its
// answers (JSON or an error, with the console's headers), its query strings, the one
// paging contract's cursors, and the CSRF check of a state-changing call. Private to
// server-stub.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fieldsync/error_code.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/record.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/status.h"

namespace fieldsync::server {

// A JSON answer, and an error answer ({"error": {"code", "message"}}), with the
// console's headers.
HttpResponse console_json(int status, const Json& body);
HttpResponse console_error(ErrorCode code, const std::string& message);
HttpResponse console_error(const Status& status);

// Whether `user` manages the office (their role's RoleDef::manages): users,
// assignments, devices and imports. False for an unknown or inactive user.
Result<bool> manages_office(ServerStore& store, const Schema& schema, const std::string& user);

// Whether two secrets are equal, in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b);
// Whether a state-changing request carries the CSRF token `expected` (X-CSRF-Token).
bool carries_csrf_token(const HttpRequest& request, const std::string& expected);
// Whether a state-changing request of `session` may go on: a browser's carries its
// session's CSRF token; a script's API token is sent by the script alone, never by a
// browser on another site's behalf, so it needs none.
bool carries_csrf_token(const HttpRequest& request, const OfficeSession& session);

// The string fields of a JSON object body: exactly `names`, each a string of 1 to
// `max_bytes` bytes; otherwise invalid_argument saying what is wrong and the shape.
Result<std::map<std::string, std::string>> body_fields(const std::string& body,
                                                       const std::vector<std::string>& names,
                                                       size_t max_bytes = 200);

// The query string of a request's path ("" when none).
std::string query_of(const HttpRequest& request);
// The parameters of a query string (application/x-www-form-urlencoded, UTF-8), each
// named in `allowed` and given once; anything else is invalid_argument saying what.
Result<std::map<std::string, std::string>> query_params(const std::string& query,
                                                        const std::set<std::string>& allowed);
// A parameter's value, "" when absent.
std::string param(const std::map<std::string, std::string>& params, const std::string& name);
// A whole number from `low` to `high`, or `fallback` when the parameter is absent.
Result<int64_t> number_param(const std::map<std::string, std::string>& params,
                             const std::string& name, int64_t low, int64_t high, int64_t fallback);
// A day, YYYY-MM-DD, as written back (format_date); "" when the parameter is absent;
// invalid_argument naming the parameter when it is no day.
Result<std::string> date_param(const std::map<std::string, std::string>& params,
                               const std::string& name);

// The paging contract: ?limit=1..500 (default 100) and ?cursor=C, answered with
// {"items", "total", "next_cursor"}. A cursor is the sort key of a page's last item, as
// opaque hex of its JSON; key_of_cursor() reads one back, or says it is not a cursor.
constexpr int64_t kDefaultPageSize = 100;
constexpr int64_t kMaxPageSize = 500;
std::string cursor_of(const Json& key);
Result<Json> key_of_cursor(const std::string& cursor);

}  // namespace fieldsync::server
