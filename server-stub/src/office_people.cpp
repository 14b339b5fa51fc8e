// The console's page "Devices and people" (docs/console.md, "Devices and people"):
//   GET    /v1/office/people            users with their roles and assignments, devices,
//                                       the roles, and the estates and buildings to assign
//                                       (one document, not paged: an office has tens of
//                                       users and phones, not thousands);
//   POST   /v1/office/users             {name, role}: adds a user or changes a role;
//   POST   /v1/office/users/deactivate  {name};
//   POST   /v1/office/assignments       {user, kind, target}; DELETE: the same body;
//   POST   /v1/office/devices/revoke    {device};
//   POST   /v1/office/devices/readmit   {device}: a one-time code, shown once;
//   POST   /v1/office/enrollment-codes  {user}: a one-time code, shown once, with the
//                                       URI a phone scans and its QR code as SVG.
// Any office role reads; only office managers change, with the session's CSRF token and
// a JSON body that names exactly the fields of its call. A refused call changes nothing;
// every change is written to the audit log (who, when, from where, what), never a code.
#include <algorithm>
#include <map>
#include <vector>

#include "console_api.h"
#include "event_times.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"
#include "qr_svg.h"
#include "request_checks.h"

namespace fieldsync::server {
namespace {

// A one-time code (enrollment or readmission) is valid this long, as at the command line.
constexpr int64_t kCodeTtlMs = 7LL * 24 * 3600 * 1000;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of a query value: all but the unreserved characters.
std::string percent_encoded(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The address phones reach this server at: --public-url when serve was given one, or
// the scheme and Host of the request, which must be a plain host[:port].
Result<std::string> server_address(const HttpRequest& request, const std::string& public_url) {
  if (!public_url.empty()) return public_url;
  const std::string host = header_value(request.headers, "Host");
  const bool plain = !host.empty() && host.size() <= 255 &&
                     host.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789.-:[]") == std::string::npos;
  if (!plain) {
    return Status::invalid_argument(
        "the request's Host header is not a host name and port, so the server cannot say "
        "where phones reach it; start serve with --public-url");
  }
  return (request.tls ? "https://" : "http://") + host;
}

// What a one-time code's answer shows once: the code, until when, the URI a phone scans
// and that URI as a QR code.
Result<Json> code_answer(const std::string& code, int64_t expires_ms, const TimeZone& zone,
                         const std::string& address, const std::string& pin) {
  const std::string shown = grouped_code(code);
  std::string uri =
      "fieldsync://enroll?server=" + percent_encoded(address) + "&code=" + percent_encoded(shown);
  if (!pin.empty()) uri += "&pin=" + percent_encoded(pin);
  auto qr = qr_svg(uri);
  if (!qr.ok()) return qr.status();
  return Json{{"code", shown},
              {"expires_at", zone.format(expires_ms)},
              {"enroll_uri", uri},
              {"qr_svg", qr->svg}};
}

std::string label_of(const StoredRecord& r) {
  auto name = r.record.fields.find("name");
  return name != r.record.fields.end() && name->is_string() ? name->get<std::string>()
                                                            : r.record.id;
}

bool archived(const StoredRecord& r) {
  return r.record.fields.value("archived", false) == true;
}

// What the calls below work on: the service's store, schema, clock and options.
struct PeopleDesk {
  ServerStore& store;
  const Schema& schema;
  const Clock& clock;
  const SyncServiceOptions& options;
};

HttpResponse people_page(const PeopleDesk& desk, const HttpRequest& request) {
  if (auto params = query_params(query_of(request), {}); !params.ok()) {
    return console_error(params.status());
  }
  auto txn = desk.store.begin(false);
  if (!txn.ok()) return console_error(txn.status());
  auto zone = server_zone(**txn);
  if (!zone.ok()) return console_error(zone.status());
  std::map<std::string, std::string> labels;
  Json places = Json::object({{"estates", Json::array()}, {"buildings", Json::array()}});
  for (const std::string collection : {"estates", "buildings"}) {
    Status s = (*txn)->for_each_record(collection, [&](const StoredRecord& r) {
      labels[r.record.id] = label_of(r);
      if (!archived(r)) places[collection].push_back({{"id", r.record.id}, {"label", label_of(r)}});
      return true;
    });
    if (!s.ok()) return console_error(s);
  }
  auto users = (*txn)->list_users();
  if (!users.ok()) return console_error(users.status());
  Json user_list = Json::array();
  for (const User& u : *users) {
    auto assigned = (*txn)->assignments_of(u.name);
    if (!assigned.ok()) return console_error(assigned.status());
    Json list = Json::array();
    for (const Assignment& a : *assigned) {
      auto label = labels.find(a.target);
      list.push_back({{"kind", a.kind},
                      {"target", a.target},
                      {"label", label == labels.end() ? a.target : label->second}});
    }
    user_list.push_back(
        {{"name", u.name}, {"role", u.role}, {"active", u.active}, {"assignments", list}});
  }
  auto devices = (*txn)->list_devices();
  if (!devices.ok()) return console_error(devices.status());
  Json device_list = Json::array();
  const auto local = [&](int64_t ms) { return ms > 0 ? Json(zone->format(ms)) : Json(nullptr); };
  for (const Device& d : *devices) {
    device_list.push_back({{"device", d.device_code},
                           {"user", d.user},
                           {"revoked", d.revoked},
                           {"last_seen_at", local(d.last_seen_ms)},
                           {"last_change", d.last_seq},
                           {"enrolled_at", local(d.created_ms)}});
  }
  Json roles = Json::array();
  for (const RoleDef& r : desk.schema.roles()) roles.push_back(r.name);
  return console_json(200, {{"users", user_list},
                            {"devices", device_list},
                            {"roles", roles},
                            {"estates", places["estates"]},
                            {"buildings", places["buildings"]}});
}

// A one-time code's answer: `subject` ({"user"} or {"device"}) with code_answer().
Result<Json> shown_code(const PeopleDesk& desk, const HttpRequest& request,
                        const Result<std::string>& code, Json subject) {
  if (!code.ok()) return code.status();
  auto txn = desk.store.begin(false);
  if (!txn.ok()) return txn.status();
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  auto address = server_address(request, desk.options.public_url);
  if (!address.ok()) return address.status();
  auto shown =
      code_answer(*code, desk.clock.now_ms() + kCodeTtlMs, *zone, *address, desk.options.key_pin);
  if (!shown.ok()) return shown.status();
  subject.update(*shown);
  return subject;
}

Status assignment_exists(ServerStore& store, const std::string& user, const std::string& kind,
                         const std::string& target) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  auto assigned = (*txn)->assignments_of(user);
  if (!assigned.ok()) return assigned.status();
  for (const Assignment& a : *assigned) {
    if (a.kind == kind && a.target == target) return Status();
  }
  return Status::not_found(utf8_prefix(user, 64) + " is not assigned to the " +
                           utf8_prefix(kind, 20) + " " + utf8_prefix(target, 40));
}

Status user_may_enroll(ServerStore& store, const std::string& user) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  auto found = (*txn)->get_user(user);
  if (!found.ok()) return found.status();
  if (!*found) return Status::not_found("no user named '" + utf8_prefix(user, 64) + "'");
  if (!(*found)->active) {
    return Status::failed_precondition(user + " is deactivated: add the user again first");
  }
  return Status();
}

// A manager changes other people, never their own role or account: the office must not
// lose its last manager by a slip.
Status not_self(const OfficeSession& session, const std::string& name) {
  if (name != session.user) return Status();
  return Status::failed_precondition(
      "a manager does not change their own user; another manager does");
}

// Makes the change of `path` with the body's `fields`: its answer, and what the audit
// log says of it (`audit.action`, `audit.detail`: names, never a code).
Result<Json> change_people(const PeopleDesk& desk, const HttpRequest& request,
                           const std::string& path, const OfficeSession& session,
                           const std::map<std::string, std::string>& fields, AuditEntry& audit) {
  const auto field = [&](const char* name) { return fields.at(name); };
  OfficeAdmin admin(desk.store, desk.schema, desk.clock);
  if (path == "/v1/office/users") {
    const std::string name = user_key(field("name")), role = field("role");
    audit.action = "set_user";
    audit.detail = name + " " + role;
    FIELDSYNC_RETURN_IF_ERROR(not_self(session, name));
    FIELDSYNC_RETURN_IF_ERROR(admin.add_user(name, role));
    return Json{{"name", name}, {"role", role}, {"active", true}};
  }
  if (path == "/v1/office/users/deactivate") {
    const std::string name = user_key(field("name"));
    audit.action = "deactivate_user";
    audit.detail = name;
    FIELDSYNC_RETURN_IF_ERROR(not_self(session, name));
    FIELDSYNC_RETURN_IF_ERROR(admin.deactivate_user(name));
    return Json{{"name", name}, {"active", false}};
  }
  if (path == "/v1/office/assignments") {
    const std::string user = user_key(field("user")), kind = field("kind"),
                      target = field("target");
    const bool add = request.method == "POST";
    audit.action = add ? "assign" : "unassign";
    audit.detail = user + " " + kind + " " + target;
    if (add) {
      FIELDSYNC_RETURN_IF_ERROR(admin.assign(user, kind, target));
    } else {
      FIELDSYNC_RETURN_IF_ERROR(assignment_exists(desk.store, user, kind, target));
      FIELDSYNC_RETURN_IF_ERROR(admin.unassign(user, kind, target));
    }
    return Json{{"user", user}, {"kind", kind}, {"target", target}, {"assigned", add}};
  }
  if (path == "/v1/office/devices/revoke") {
    auto device = admin.revoke_device(field("device"));
    if (!device.ok()) return device.status();
    audit.action = "revoke_device";
    audit.detail = *device;
    return Json{{"device", *device}, {"revoked", true}};
  }
  if (path == "/v1/office/devices/readmit") {
    audit.action = "readmit_device";
    audit.detail = typed_code(field("device"));
    return shown_code(desk, request, admin.readmit(field("device"), kCodeTtlMs),
                      {{"device", audit.detail}});
  }
  const std::string user = user_key(field("user"));
  audit.action = "issue_enrollment_code";
  audit.detail = user;
  FIELDSYNC_RETURN_IF_ERROR(user_may_enroll(desk.store, user));
  return shown_code(desk, request, admin.issue_enrollment_code(user, kCodeTtlMs), {{"user", user}});
}

}  // namespace

std::optional<HttpResponse> SyncService::route_office_people(const HttpRequest& request,
                                                             const std::string& path) {
  static const std::map<std::string, std::vector<std::string>> kWrites = {
      {"/v1/office/users", {"name", "role"}},
      {"/v1/office/users/deactivate", {"name"}},
      {"/v1/office/assignments", {"user", "kind", "target"}},
      {"/v1/office/devices/revoke", {"device"}},
      {"/v1/office/devices/readmit", {"device"}},
      {"/v1/office/enrollment-codes", {"user"}}};
  const auto write = kWrites.find(path);
  if (path != "/v1/office/people" && write == kWrites.end()) return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;
  const PeopleDesk desk{store_, schema_, clock_, options_};
  if (write == kWrites.end()) {
    if (request.method != "GET") {
      return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET");
    }
    return people_page(desk, request);
  }
  const bool assignments = path == "/v1/office/assignments";
  if (request.method != "POST" && !(assignments && request.method == "DELETE")) {
    return console_error(ErrorCode::kMethodNotAllowed,
                         path + (assignments ? " takes POST or DELETE" : " takes POST"));
  }
  if (!carries_csrf_token(request, *session)) {
    return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
  }
  auto manager = manages_office(store_, schema_, session->user);
  if (!manager.ok()) return console_error(manager.status());
  if (!*manager) {
    return console_error(ErrorCode::kForbidden,
                         "users, assignments and devices are changed by office managers");
  }
  auto fields = body_fields(request.body, write->second);
  if (!fields.ok()) return console_error(fields.status());
  AuditEntry audit{0, 0, session->user, request.peer_address, "", ""};
  auto answer = change_people(desk, request, path, *session, *fields, audit);
  if (!answer.ok()) return console_error(answer.status());
  auto txn = store_.begin(true);
  if (!txn.ok()) return console_error(txn.status());
  audit.at_ms = clock_.now_ms();
  if (auto added = (*txn)->append_audit(audit); !added.ok()) return console_error(added.status());
  if (Status s = (*txn)->commit(); !s.ok()) return console_error(s);
  return console_json(200, *answer);
}

}  // namespace fieldsync::server
