#include "console_api.h"

#include <algorithm>

#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"
#include "office_console.h"
#include "request_checks.h"

namespace fieldsync::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded text: %XX escapes and '+' for a space; the result
// must be UTF-8.
Result<std::string> form_decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      return Status::invalid_argument("a '%' not followed by two hex digits");
    }
  }
  if (!is_valid_utf8(out)) return Status::invalid_argument("text that is not UTF-8");
  return out;
}

}  // namespace

HttpResponse console_json(int status, const Json& body) {
  HttpResponse response{status, body.dump(), "application/json"};
  add_console_headers(response);
  return response;
}

HttpResponse console_error(ErrorCode code, const std::string& message) {
  HttpResponse response = error_response(code, message);
  add_console_headers(response);
  return response;
}

HttpResponse console_error(const Status& status) {
  HttpResponse response = from_status(status);
  add_console_headers(response);
  return response;
}

Result<bool> manages_office(ServerStore& store, const Schema& schema, const std::string& user) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  auto found = (*txn)->get_user(user);
  if (!found.ok()) return found.status();
  const RoleDef* role = *found ? schema.role((*found)->role) : nullptr;
  return *found && (*found)->active && role != nullptr && role->manages;
}

bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool carries_csrf_token(const HttpRequest& request, const std::string& expected) {
  return same_secret(header_value(request.headers, "X-CSRF-Token"), expected);
}

bool carries_csrf_token(const HttpRequest& request, const OfficeSession& session) {
  return !session.api_token_id.empty() || carries_csrf_token(request, session.csrf);
}

Result<std::map<std::string, std::string>> body_fields(const std::string& body,
                                                       const std::vector<std::string>& names,
                                                       size_t max_bytes) {
  std::string shape;
  for (const std::string& n : names)
    shape += (shape.empty() ? "" : ", ") + ("\"" + n + "\": \"...\"");
  shape = "{" + shape + "}";
  const Json json = Json::parse(body, nullptr, false);
  if (!json.is_object()) return Status::invalid_argument("the body must be a JSON object " + shape);
  for (const auto& [key, value] : json.items()) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      return Status::invalid_argument("unknown field '" + utf8_prefix(key, 40) +
                                      "': this call takes " + shape);
    }
  }
  std::map<std::string, std::string> out;
  for (const std::string& name : names) {
    auto it = json.find(name);
    if (it == json.end()) return Status::invalid_argument("'" + name + "' is missing: " + shape);
    if (!it->is_string()) return Status::invalid_argument("'" + name + "' must be a string");
    const std::string value = it->get<std::string>();
    if (value.empty() || value.size() > max_bytes) {
      return Status::invalid_argument("'" + name + "' must have 1 to " + std::to_string(max_bytes) +
                                      " bytes");
    }
    out[name] = value;
  }
  return out;
}

std::string query_of(const HttpRequest& request) {
  const size_t mark = request.path.find('?');
  return mark == std::string::npos ? "" : request.path.substr(mark + 1);
}

Result<std::map<std::string, std::string>> query_params(const std::string& query,
                                                        const std::set<std::string>& allowed) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    const std::string name = pair.substr(0, equals);
    if (allowed.count(name) == 0) {
      std::string names;
      for (const auto& n : allowed) names += (names.empty() ? "" : ", ") + n;
      return Status::invalid_argument("unknown query parameter '" + utf8_prefix(name, 40) +
                                      "'; this call takes " + (names.empty() ? "none" : names));
    }
    auto value = form_decoded(equals == std::string::npos ? "" : pair.substr(equals + 1));
    if (!value.ok()) return value.status().with_context(name);
    if (!out.emplace(name, *value).second) {
      return Status::invalid_argument("the query parameter '" + name + "' is given twice");
    }
  }
  return out;
}

std::string param(const std::map<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Result<int64_t> number_param(const std::map<std::string, std::string>& params,
                             const std::string& name, int64_t low, int64_t high, int64_t fallback) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string& text = it->second;
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos || std::stoll(text) < low ||
      std::stoll(text) > high) {
    return Status::invalid_argument(name + " must be a whole number from " + std::to_string(low) +
                                    " to " + std::to_string(high) + ", not '" +
                                    utf8_prefix(text, 20) + "'");
  }
  return std::stoll(text);
}

Result<std::string> date_param(const std::map<std::string, std::string>& params,
                               const std::string& name) {
  const std::string text = param(params, name);
  if (text.empty()) return text;
  auto day = parse_date(text);
  if (!day.ok()) return day.status().with_context(name);
  return format_date(*day);
}

std::string cursor_of(const Json& key) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.dump()) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<Json> key_of_cursor(const std::string& cursor) {
  const Status bad = Status::invalid_argument("cursor: not a cursor this list gave");
  if (cursor.empty() || cursor.size() % 2 != 0 || cursor.size() > 4096) return bad;
  std::string text;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    const int hi = hex_value(cursor[i]), lo = hex_value(cursor[i + 1]);
    if (hi < 0 || lo < 0) return bad;
    text += static_cast<char>(hi * 16 + lo);
  }
  Json key = Json::parse(text, nullptr, false);
  if (key.is_discarded()) return bad;
  return key;
}

}  // namespace fieldsync::server
