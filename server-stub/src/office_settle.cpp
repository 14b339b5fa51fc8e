// The console's conflicts and refused changes (docs/console.md), for any office role:
//   GET  /v1/office/conflicts          ?status=open|resolved|all&limit&cursor: conflicts,
//                                      newest first, each side with its device, user and
//                                      time, and the record's label
//   POST /v1/office/conflicts/resolve  {"conflict", "keep": "winner"|"loser"} or
//                                      {"conflict", "value": "as people write it"}
//   GET  /v1/office/refused            ?state=open|all&limit&cursor: refused changes
//   POST /v1/office/refused/accept     {"id", "corrections": {"field": "text"}, "note"}
//   POST /v1/office/refused/void       {"id", "note"} (the note is required: the phone
//                                      shows it)
// Writes carry the session's CSRF token, change nothing on error, and are written to
// the audit log. The phones get what they change at their next sync.
#include "office_settle.h"

#include <algorithm>

#include "console_api.h"
#include "event_times.h"
#include "fieldsync/hlc.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {

std::string refused_what(ServerTransaction& txn, const RefusedChange& r) {
  const Schema& schema = Schema::property_management();
  const CollectionDef* c = schema.find(r.collection);
  const Json fields = r.change.value("fields", Json::object());
  if (c == nullptr || !fields.is_object()) return utf8_prefix(r.collection, 40);
  std::string out;
  if (r.kind == "create") {
    auto label = label_of(schema, *c, r.record_id, fields, ServerRecords(txn));
    out = label.ok() ? *label : c->record_noun;
  } else {
    auto current = txn.get_record(r.record_id);
    auto label = current.ok() && *current ? label_of(schema, *c, r.record_id,
                                                     (*current)->record.fields, ServerRecords(txn))
                                          : Result<std::string>(c->record_noun);
    out = (label.ok() ? *label : c->record_noun) + ": " + r.kind;
  }
  for (const FieldDef& f : c->fields) {
    const Json& v = fields.value(f.name, Json());
    if (f.auto_value == AutoValue::kReceiptNumber && v.is_string()) {
      out += " · receipt " + v.get<std::string>();
    } else if (f.type == FieldType::kMoney && v.is_number_integer()) {
      out += " · " + format_money(v.get<int64_t>());
    }
  }
  return out;
}

namespace {

// The fields a refused change carried, as people write them (format_field_value), for
// the fields its collection declares.
Json fields_text(const RefusedChange& r) {
  Json out = Json::object();
  const CollectionDef* c = Schema::property_management().find(r.collection);
  const Json fields = r.change.value("fields", Json::object());
  if (c == nullptr || !fields.is_object()) return out;
  for (const auto& [name, value] : fields.items()) {
    if (const FieldDef* f = c->field(name)) out[name] = format_field_value(*f, value);
  }
  return out;
}

}  // namespace

Json refused_change_json(ServerTransaction& txn, const TimeZone& zone, const RefusedChange& r) {
  Json out = {{"id", r.id},
              {"device", r.device_code},
              {"user", r.user},
              {"seq", r.seq},
              {"change_id", r.change_id},
              {"collection", r.collection},
              {"record_id", r.record_id},
              {"kind", r.kind},
              {"what", refused_what(txn, r)},
              {"fields", r.change.value("fields", Json::object())},
              {"fields_text", fields_text(r)},
              {"reason", r.reason},
              {"refused_at", zone.format(r.refused_ms)},
              {"state", r.state}};
  if (r.state != "open") {
    out["settled_by"] = r.settled_by;
    out["settled_at"] = zone.format(r.settled_ms);
    out["note"] = r.note;
    if (!r.accepted_record.empty()) out["accepted_record"] = r.accepted_record;
  }
  return out;
}

namespace {

std::string text_of(const Json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One side of a conflict: the value (as JSON and as people read it), the device that
// wrote it, its user, and when (the stamp's wall clock, in the server's zone).
Json conflict_side(const TimeZone& zone, const FieldDef* field, const Json& conflict,
                   const std::string& side) {
  const std::string stored = text_of(conflict, (side + "_value").c_str());
  Json value = Json::parse(stored, nullptr, false);
  if (value.is_discarded()) value = stored;
  // "K7QM-2C4D (alice)": the device's code and its user, as the merge names them.
  std::string device = text_of(conflict, (side + "_device").c_str());
  Json user = nullptr;
  if (const size_t open = device.rfind(" ("); open != std::string::npos && device.back() == ')') {
    user = device.substr(open + 2, device.size() - open - 3);
    device.resize(open);
  }
  auto stamp = Stamp::decode(text_of(conflict, (side + "_stamp").c_str()));
  return {{"value", value},
          {"text", field != nullptr ? format_field_value(*field, value) : stored},
          {"device", device},
          {"user", user},
          {"at", stamp.ok() ? Json(zone.format(stamp->wall_ms)) : Json(nullptr)}};
}

Json conflict_json(ServerTransaction& txn, const Schema& schema, const TimeZone& zone,
                   const Record& r) {
  const Json& f = r.fields;
  const CollectionDef* c = schema.find(text_of(f, "collection"));
  const FieldDef* field = c != nullptr ? c->field(text_of(f, "field")) : nullptr;
  std::string label;
  if (c != nullptr) {
    auto current = txn.get_record(text_of(f, "record"));
    if (current.ok() && *current) {
      auto named = label_of(schema, *c, (*current)->record.id, (*current)->record.fields,
                            ServerRecords(txn));
      if (named.ok()) label = *named;
    }
  }
  return {{"id", r.id},
          {"collection", text_of(f, "collection")},
          {"record", text_of(f, "record")},
          {"record_label", label},
          {"field", text_of(f, "field")},
          {"winner", conflict_side(zone, field, f, "winner")},
          {"loser", conflict_side(zone, field, f, "loser")},
          {"detected_at", zone.format(f.value("detected_at", int64_t{0}))},
          {"status", text_of(f, "status")},
          {"resolution", text_of(f, "resolution")},
          {"resolved_by", text_of(f, "resolved_by")}};
}

// The body of a state-changing call: a JSON object, or the 400 that says so.
Result<Json> body_object(const HttpRequest& request, const std::string& shape) {
  Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return Status::invalid_argument("the body must be " + shape);
  return body;
}

HttpResponse conflicts_page(ServerTransaction& txn, const Schema& schema,
                            const std::string& query) {
  auto params = query_params(query, {"status", "limit", "cursor"});
  if (!params.ok()) return console_error(params.status());
  const std::string status = params->count("status") ? param(*params, "status") : "open";
  if (status != "open" && status != "resolved" && status != "all") {
    return console_error(Status::invalid_argument("status must be open, resolved or all"));
  }
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return console_error(limit.status());
  std::optional<Json> after;
  if (params->count("cursor")) {
    auto key = key_of_cursor(param(*params, "cursor"));
    if (!key.ok() || !key->is_array() || key->size() != 2 || !(*key)[0].is_number_integer() ||
        !(*key)[1].is_string()) {
      return console_error(Status::invalid_argument("cursor: not a cursor this list gave"));
    }
    after = *key;
  }
  auto zone = server_zone(txn);
  if (!zone.ok()) return console_error(zone.status());
  // Newest first: by detection time, then id, both descending.
  std::vector<std::pair<Json, Record>> chosen;
  Status read = txn.for_each_record("conflicts", [&](const StoredRecord& r) {
    if (status != "all" && text_of(r.record.fields, "status") != status) return true;
    chosen.emplace_back(
        Json::array({r.record.fields.value("detected_at", int64_t{0}), r.record.id}), r.record);
    return true;
  });
  if (!read.ok()) return console_error(read);
  const auto newer = [](const Json& a, const Json& b) {
    return std::make_pair(a[0].get<int64_t>(), a[1].get<std::string>()) >
           std::make_pair(b[0].get<int64_t>(), b[1].get<std::string>());
  };
  std::sort(chosen.begin(), chosen.end(),
            [&](const auto& a, const auto& b) { return newer(a.first, b.first); });
  Json items = Json::array();
  const Json* last = nullptr;
  bool more = false;
  for (const auto& [key, record] : chosen) {
    if (after && !newer(*after, key)) continue;
    if (static_cast<int64_t>(items.size()) == *limit) {
      more = true;
      break;
    }
    items.push_back(conflict_json(txn, schema, *zone, record));
    last = &key;
  }
  return console_json(200,
                      {{"items", items},
                       {"total", chosen.size()},
                       {"next_cursor", more && last ? Json(cursor_of(*last)) : Json(nullptr)}});
}

HttpResponse refused_page(ServerTransaction& txn, const std::string& query) {
  auto params = query_params(query, {"state", "limit", "cursor"});
  if (!params.ok()) return console_error(params.status());
  const std::string state = params->count("state") ? param(*params, "state") : "open";
  if (state != "open" && state != "all") {
    return console_error(Status::invalid_argument("state must be open or all"));
  }
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return console_error(limit.status());
  int64_t after = 0;
  if (params->count("cursor")) {
    auto key = key_of_cursor(param(*params, "cursor"));
    if (!key.ok() || !key->is_number_integer()) {
      return console_error(Status::invalid_argument("cursor: not a cursor this list gave"));
    }
    after = key->get<int64_t>();
  }
  auto zone = server_zone(txn);
  if (!zone.ok()) return console_error(zone.status());
  auto changes = txn.refused_changes(state == "all");
  if (!changes.ok()) return console_error(changes.status());
  // Oldest first: the order they came in, which the office works through.
  std::sort(changes->begin(), changes->end(),
            [](const RefusedChange& a, const RefusedChange& b) { return a.id < b.id; });
  Json items = Json::array();
  int64_t last = 0;
  bool more = false;
  for (const RefusedChange& r : *changes) {
    if (r.id <= after) continue;
    if (static_cast<int64_t>(items.size()) == *limit) {
      more = true;
      break;
    }
    items.push_back(refused_change_json(txn, *zone, r));
    last = r.id;
  }
  return console_json(200, {{"items", items},
                            {"total", changes->size()},
                            {"next_cursor", more ? Json(cursor_of(last)) : Json(nullptr)}});
}

}  // namespace

HttpResponse SyncService::route_office_settle(const HttpRequest& request, const std::string& path,
                                              const OfficeSession& session) {
  const bool list = path == "/v1/office/conflicts" || path == "/v1/office/refused";
  if (request.method != (list ? "GET" : "POST")) {
    return console_error(ErrorCode::kMethodNotAllowed,
                         path + (list ? " takes GET" : " takes POST"));
  }
  if (list) {
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    return path == "/v1/office/conflicts" ? conflicts_page(**txn, schema_, query_of(request))
                                          : refused_page(**txn, query_of(request));
  }
  if (!carries_csrf_token(request, session)) {
    return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
  }
  OfficeAdmin admin(store_, schema_, clock_);
  std::string action, detail;
  Json answer;
  if (path == "/v1/office/conflicts/resolve") {
    const std::string shape =
        "{\"conflict\": ID, \"keep\": \"winner\" or \"loser\"} or {\"conflict\": ID, \"value\": "
        "\"the value as people write it\"}";
    auto body = body_object(request, shape);
    if (!body.ok()) return console_error(body.status());
    const Json& keep = body->value("keep", Json());
    const Json& value = body->value("value", Json());
    const bool keeps = keep.is_string() && (keep == "winner" || keep == "loser");
    if (!body->value("conflict", Json()).is_string() || keeps == value.is_string() ||
        body->size() != 2) {
      return console_error(Status::invalid_argument("a resolution is " + shape));
    }
    const ConflictChoice choice = !keeps             ? ConflictChoice::kNewValue
                                  : keep == "winner" ? ConflictChoice::kKeepWinner
                                                     : ConflictChoice::kKeepLoser;
    auto resolved =
        admin.resolve_conflict((*body)["conflict"].get<std::string>(), choice,
                               value.is_string() ? value.get<std::string>() : "", session.user);
    if (!resolved.ok()) return console_error(resolved.status());
    action = "resolve_conflict";
    detail = resolved->id + " " + resolved->fields.value("resolution", "");
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    auto zone = server_zone(**txn);
    if (!zone.ok()) return console_error(zone.status());
    answer = conflict_json(**txn, schema_, *zone, *resolved);
  } else if (path == "/v1/office/refused/accept" || path == "/v1/office/refused/void") {
    const bool accept = path == "/v1/office/refused/accept";
    const std::string shape = accept ? "{\"id\": N, \"corrections\": {\"field\": \"value as people "
                                       "write it\"}, \"note\": \"why\"}"
                                     : "{\"id\": N, \"note\": \"why (the phone shows it)\"}";
    auto body = body_object(request, shape);
    if (!body.ok()) return console_error(body.status());
    const Json& id = body->value("id", Json());
    const Json& note = body->value("note", Json(""));
    const Json& typed = body->value("corrections", Json::object());
    for (const auto& [name, v] : body->items()) {
      if (name != "id" && name != "note" && !(accept && name == "corrections")) {
        return console_error(Status::invalid_argument("unknown field '" + utf8_prefix(name, 40) +
                                                      "': the body is " + shape));
      }
    }
    if (!id.is_number_integer() || id.get<int64_t>() <= 0 || !note.is_string() ||
        !typed.is_object() || (!accept && note.get<std::string>().empty())) {
      return console_error(Status::invalid_argument("the body must be " + shape));
    }
    Result<RefusedChange> settled = Status::internal("not settled");
    if (accept) {
      Json corrections = Json::object();
      {
        auto txn = store_.begin(false);
        if (!txn.ok()) return console_error(txn.status());
        auto found = (*txn)->refused_change(id.get<int64_t>());
        if (!found.ok()) return console_error(found.status());
        if (!*found) {
          return console_error(Status::not_found("no refused change " + id.dump()));
        }
        const CollectionDef* c = schema_.find((*found)->collection);
        for (const auto& [name, text] : typed.items()) {
          const FieldDef* field = c != nullptr ? c->field(name) : nullptr;
          if (field == nullptr || !text.is_string()) {
            return console_error(Status::invalid_argument(
                "corrections: '" + utf8_prefix(name, 40) + "' is not a field of " +
                (c != nullptr ? c->name : std::string("this change")) + " given as text"));
          }
          auto parsed = text.get<std::string>().empty()
                            ? Result<Json>(Json())
                            : parse_field_text(*field, text.get<std::string>());
          if (!parsed.ok()) return console_error(parsed.status());
          corrections[name] = std::move(parsed).value();
        }
      }
      settled = admin.accept_refused(id.get<int64_t>(), corrections, session.user,
                                     note.get<std::string>());
    } else {
      settled = admin.void_refused(id.get<int64_t>(), session.user, note.get<std::string>());
    }
    if (!settled.ok()) return console_error(settled.status());
    action = accept ? "accept_refused" : "void_refused";
    detail = std::to_string(settled->id) +
             (settled->accepted_record.empty() ? "" : " as " + settled->accepted_record);
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    auto zone = server_zone(**txn);
    if (!zone.ok()) return console_error(zone.status());
    answer = refused_change_json(**txn, *zone, *settled);
  } else {
    return console_error(Status::not_found("no such endpoint: " + utf8_prefix(path, 100)));
  }
  auto txn = store_.begin(true);
  if (!txn.ok()) return console_error(txn.status());
  auto audited = (*txn)->append_audit(
      {0, clock_.now_ms(), session.user, request.peer_address, action, detail});
  if (!audited.ok()) return console_error(audited.status());
  if (Status s = (*txn)->commit(); !s.ok()) return console_error(s);
  return console_json(200, answer);
}

}  // namespace fieldsync::server
