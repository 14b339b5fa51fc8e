#include "fieldsync/server/office_admin.h"

#include <algorithm>

#include "event_times.h"
#include "fieldsync/buckets.h"
#include "fieldsync/id.h"
#include "fieldsync/merge.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/text_values.h"
#include "office_passwords.h"
#include "quotas.h"
#include "text/text.h"

namespace fieldsync::server {
namespace {

Status check_user_name(const std::string& name) {
  if (auto problem = text::name_problem(name)) {
    return Status::invalid_argument("user name '" + utf8_prefix(name, 64) + "': " + *problem);
  }
  return Status();
}

// Runs `body` in a write transaction and commits when it succeeds.
template <class Body>
Status in_write(ServerStore& store, Body body) {
  auto txn = store.begin(true);
  if (!txn.ok()) return txn.status();
  FIELDSYNC_RETURN_IF_ERROR(body(**txn));
  return (*txn)->commit();
}

// The device a person names by its code, in any case.
Result<Device> device_of(ServerTransaction& txn, const std::string& typed) {
  const std::string code = typed_code(typed);
  auto device = txn.device_by_code(code);
  if (!device.ok()) return device.status();
  if (!*device) {
    return Status::not_found("no device with code '" + code.substr(0, 16) +
                             "'; `fieldsync-server devices` lists them");
  }
  return **device;
}

Status require_user(ServerTransaction& txn, const std::string& name) {
  auto user = txn.get_user(name);
  if (!user.ok()) return user.status();
  if (!*user) return Status::not_found("no user named '" + utf8_prefix(name, 64) + "'");
  return Status();
}

// Names of users typed by the office are kept as user names are (user_key), so
// "collector=李华" typed in another normal form still names 李华 and her bucket.
Json user_names_kept(const CollectionDef& c, Json fields) {
  for (const FieldDef& field : c.fields) {
    if (!field.is_user_name()) continue;
    auto value = fields.find(field.name);
    if (value != fields.end() && value->is_string()) *value = user_key(value->get<std::string>());
  }
  return fields;
}

}  // namespace

std::string user_key(const std::string& typed) {
  return text::to_nfc(typed);
}

Status OfficeAdmin::add_user(const std::string& typed, const std::string& role) {
  FIELDSYNC_RETURN_IF_ERROR(check_user_name(typed));
  const std::string name = user_key(typed);
  if (schema_.role(role) == nullptr) {
    std::vector<std::string> names;
    for (const RoleDef& r : schema_.roles()) names.push_back(r.name);
    return Status::invalid_argument("role '" + utf8_prefix(role, 40) + "' is not one of " +
                                    schema_.role_names() + did_you_mean(role, names));
  }
  return in_write(store_, [&](ServerTransaction& txn) { return txn.put_user({name, role, true}); });
}

Status OfficeAdmin::deactivate_user(const std::string& typed) {
  const std::string name = user_key(typed);
  return in_write(store_, [&](ServerTransaction& txn) -> Status {
    auto user = txn.get_user(name);
    if (!user.ok()) return user.status();
    if (!*user) return Status::not_found("no user named '" + utf8_prefix(name, 64) + "'");
    (*user)->active = false;
    FIELDSYNC_RETURN_IF_ERROR(txn.put_user(**user));
    // Their phones' tokens end here too, so adding the user again later does not bring
    // old phones back by themselves: each comes back by `readmit`, its outbox intact.
    auto devices = txn.list_devices();
    if (!devices.ok()) return devices.status();
    for (const Device& d : *devices) {
      if (d.user == name && !d.revoked) FIELDSYNC_RETURN_IF_ERROR(txn.revoke_device(d.id));
    }
    return txn.end_office_sessions(name);  // signed out of the console too
  });
}

Status OfficeAdmin::set_password(const std::string& typed, const std::string& password) {
  const std::string name = user_key(typed);
  FIELDSYNC_RETURN_IF_ERROR(check_new_password(password));
  auto hash = hash_password(password);  // slow: outside the transaction
  if (!hash.ok()) return hash.status();
  return in_write(store_, [&](ServerTransaction& txn) -> Status {
    auto user = txn.get_user(name);
    if (!user.ok()) return user.status();
    if (!*user) return Status::not_found("no user named '" + utf8_prefix(name, 64) + "'");
    const RoleDef* role = schema_.role((*user)->role);
    if (role == nullptr || !role->office) {
      return Status::failed_precondition("only users of an office role sign in to the console; " +
                                         name + " is " + (*user)->role);
    }
    FIELDSYNC_RETURN_IF_ERROR(txn.put_office_password({name, *hash, 0, 0}));
    return txn.end_office_sessions(name);
  });
}

Status OfficeAdmin::assign(const std::string& typed, const std::string& kind,
                           const std::string& target) {
  const std::string user = user_key(typed);
  if (kind != "estate" && kind != "building") {
    return Status::invalid_argument("assignments are to an 'estate' or a 'building', not '" + kind.substr(0, 40) + "'");
  }
  auto id = parse_id(target);
  if (!id.ok()) return id.status();
  return in_write(store_, [&](ServerTransaction& txn) -> Status {
    FIELDSYNC_RETURN_IF_ERROR(require_user(txn, user));
    auto record = txn.get_record(*id);
    if (!record.ok()) return record.status();
    if (!*record || (*record)->record.collection != kind + "s") {
      return Status::not_found("no " + kind + " with id " + *id + " on the server");
    }
    return txn.put_assignment({user, kind, *id});
  });
}

Status OfficeAdmin::unassign(const std::string& typed, const std::string& kind,
                             const std::string& target) {
  const std::string user = user_key(typed);
  auto id = parse_id(target);
  if (!id.ok()) return id.status();
  return in_write(store_, [&](ServerTransaction& txn) -> Status {
    FIELDSYNC_RETURN_IF_ERROR(require_user(txn, user));
    return txn.delete_assignment({user, kind, *id});
  });
}

Result<std::string> OfficeAdmin::issue_enrollment_code(const std::string& typed, int64_t ttl_ms) {
  const std::string user = user_key(typed);
  const std::string code = random_code(kEnrollmentCodeLength);
  Status s = in_write(store_, [&](ServerTransaction& txn) -> Status {
    FIELDSYNC_RETURN_IF_ERROR(require_user(txn, user));
    return txn.put_enrollment_code(code_hash(store_.code_key(), code), user, clock_.now_ms() + ttl_ms);
  });
  if (!s.ok()) return s;
  return code;
}

Result<std::string> OfficeAdmin::revoke_device(const std::string& device_code) {
  std::string code;
  Status s = in_write(store_, [&](ServerTransaction& txn) -> Status {
    auto device = device_of(txn, device_code);
    if (!device.ok()) return device.status();
    code = device->device_code;
    return txn.revoke_device(device->id);
  });
  if (!s.ok()) return s;
  return code;
}

Result<std::string> OfficeAdmin::readmit(const std::string& device_code, int64_t ttl_ms) {
  const std::string code = random_code(kEnrollmentCodeLength);
  Status s = in_write(store_, [&](ServerTransaction& txn) -> Status {
    auto device = device_of(txn, device_code);
    if (!device.ok()) return device.status();
    auto quotas = load_quotas(txn);
    if (!quotas.ok()) return quotas.status();
    if (!device->revoked && !token_expired(*device, *quotas, clock_.now_ms())) {
      return Status::failed_precondition("device " + device->device_code +
                                         " is not revoked and its token has not expired; it "
                                         "syncs with the token it has");
    }
    FIELDSYNC_RETURN_IF_ERROR(require_user(txn, device->user));
    return txn.put_enrollment_code(code_hash(store_.code_key(), code), device->user, clock_.now_ms() + ttl_ms,
                                   device->id);
  });
  if (!s.ok()) return s;
  return code;
}

Result<Record> OfficeAdmin::create_record(const std::string& collection, const Json& fields,
                                          const std::string& id) {
  auto txn = store_.begin(true);
  if (!txn.ok()) return txn.status();
  auto record = create_record_in(**txn, collection, fields, id);
  if (!record.ok()) return record;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return record;
}

Result<Record> OfficeAdmin::create_record_in(ServerTransaction& txn, const std::string& collection,
                                             const Json& fields, const std::string& id_text,
                                             const RefusedChange* accepting) {
  auto c = schema_.require(collection);
  if (!c.ok()) return c.status();
  std::string id = id_text.empty() ? new_id(clock_) : id_text;
  if (!id_text.empty()) {
    auto parsed = parse_id(id_text);
    if (!parsed.ok()) return parsed.status().with_context("id");
    id = *parsed;
  }
  Json full = user_names_kept(**c, fields);
  // An estate without a zone is in the server's (so phone and server count its days alike).
  if ((*c)->field("time_zone") != nullptr && !full.contains("time_zone")) {
    auto zone = server_zone(txn);
    if (!zone.ok()) return zone.status();
    full["time_zone"] = zone->name();
  }
  for (const auto& field : (*c)->fields) {
    if (field.is_status() && !full.contains(field.name)) full[field.name] = field.choices.front();
    if (field.auto_value == AutoValue::kReopenCounter) full[field.name] = 0;
    if (field.auto_value == AutoValue::kReceiptNumber) {
      if (accepting == nullptr) {
        return Status::invalid_argument(collection + " are recorded by a device, not created by the office");
      }
      // The receipt the household holds: kept, and still used once only.
      const Json& receipt = full.value(field.name, Json());
      if (receipt.is_string()) {
        auto same = txn.find_ids(collection, field.name, receipt.get<std::string>());
        if (!same.ok()) return same.status();
        if (!same->empty()) {
          return Status::invalid_argument(field.name + ": " + receipt.get<std::string>() +
                                          " is already used by another " + (*c)->record_noun);
        }
      }
    }
  }
  auto clock = txn.load_clock();
  if (!clock.ok()) return clock.status();
  HybridClock hlc(clock_, "server", *clock);
  IncomingChange change;
  change.collection = collection;
  change.record_id = id;
  change.kind = "create";
  change.fields = full;
  const std::string stamp = hlc.tick().encode();
  for (const auto& [name, value] : full.items()) change.stamps[name] = stamp;
  auto existing = txn.get_record(id);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::already_exists("a record with id " + id + " already exists");
  MergeResult merged = merge_change(**c, schema_, std::nullopt, change);
  if (merged.outcome == ChangeOutcome::kRejected) return Status::invalid_argument(merged.reason);
  Record record = merged.record;
  // Place the record and check what it refers to, as the push path does.
  std::vector<std::string> problems;
  for (const Reference& ref : references_in(**c, full)) {
    auto target = txn.get_record(ref.id);
    if (!target.ok()) return target.status();
    if (!*target || (*target)->record.collection != ref.target) {
      problems.push_back(ref.field + ": no " + ref.target + " record " + ref.id + " on the server");
    }
  }
  if (problems.empty()) {
    FIELDSYNC_RETURN_IF_ERROR(relation_problems(schema_, **c, full, ServerRecords(txn), problems));
  }
  if (!problems.empty()) {
    std::string message = "invalid " + (*c)->record_noun + ": ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Status::invalid_argument(message, problems);
  }
  auto bucket = derive_bucket(**c, id, full, server_bucket_lookup(txn));
  if (!bucket.ok()) return bucket.status();
  if (!*bucket) return Status::invalid_argument((*c)->record_noun + ": the record it belongs to is not on the server");
  record.bucket = **bucket;
  const Arrival arrival = accepting != nullptr
                              ? Arrival{accepting->refused_ms, accepting->clock_error_ms}
                              : Arrival{clock_.now_ms(), 0};
  FIELDSYNC_RETURN_IF_ERROR(
      set_arrival_fields(txn, schema_, **c, arrival, hlc.tick().encode(), record));
  if (accepting != nullptr && (*c)->field("accepted_from") != nullptr) {
    record.fields["accepted_from"] = accepting->change_id;
    record.stamps["accepted_from"] = hlc.tick().encode();
  }
  auto seq = txn.put_record(record);
  if (!seq.ok()) return seq.status();
  if (accepting == nullptr) {  // an acceptance is written in the history by accept_refused
    FIELDSYNC_RETURN_IF_ERROR(
        txn.put_record_change({id, clock_.now_ms(), "", "office", "", "create", full,
                               change_outcome_name(merged.outcome)}));
  }
  FIELDSYNC_RETURN_IF_ERROR(txn.save_clock(hlc.last()));
  return record;
}

Result<RefusedChange> OfficeAdmin::open_refused(ServerTransaction& txn, int64_t id) {
  auto found = txn.refused_change(id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::not_found("no refused change " + std::to_string(id));
  if ((*found)->state != "open") {
    return Status::failed_precondition("refused change " + std::to_string(id) + " was already " +
                                       (*found)->state + " by " + (*found)->settled_by);
  }
  return std::move(**found);
}

Status OfficeAdmin::settle(ServerTransaction& txn, RefusedChange& change, const std::string& state,
                           const std::string& by, const std::string& note,
                           const std::string& record) {
  change.state = state;
  change.settled_by = by;
  change.note = note;
  change.settled_ms = clock_.now_ms();
  change.accepted_record = record;
  FIELDSYNC_RETURN_IF_ERROR(txn.settle_refused_change(change));
  auto settled = txn.refused_change(change.id);
  if (!settled.ok()) return settled.status();
  if (*settled) change = std::move(**settled);
  return txn.commit();
}

Result<Record> OfficeAdmin::edit_record(const std::string& id_text, const Json& fields) {
  auto id = parse_id(id_text);
  if (!id.ok()) return id.status().with_context("id");
  auto txn = store_.begin(true);
  if (!txn.ok()) return txn.status();
  auto current = (*txn)->get_record(*id);
  if (!current.ok()) return current.status();
  if (!*current) return Status::not_found("no record " + *id + " on the server");
  const CollectionDef* c = schema_.find((*current)->record.collection);
  if (c == nullptr || c->append_only || c->server_created) {
    return Status::invalid_argument((*current)->record.collection +
                                    " are events: they are not edited (void or correct them "
                                    "with a new record)");
  }
  auto record = edit_record_in(**txn, c->name, *id, "update", fields);
  if (!record.ok()) return record;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->put_record_change(
      {*id, clock_.now_ms(), "", "office", "", "update", user_names_kept(*c, fields), "applied"}));
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return record;
}

Result<Record> OfficeAdmin::edit_record_in(ServerTransaction& txn, const std::string& collection,
                                           const std::string& record_id, const std::string& kind,
                                           const Json& fields) {
  auto c = schema_.require(collection);
  if (!c.ok()) return c.status();
  auto current = txn.get_record(record_id);
  if (!current.ok()) return current.status();
  if (!*current || (*current)->record.collection != collection) {
    return Status::not_found("no " + (*c)->record_noun + " " + utf8_prefix(record_id, 64) +
                             " on the server to change");
  }
  auto clock = txn.load_clock();
  if (!clock.ok()) return clock.status();
  HybridClock hlc(clock_, "server", *clock);
  IncomingChange change;
  change.collection = collection;
  change.record_id = record_id;
  change.kind = kind;
  change.fields = user_names_kept(**c, fields);
  const std::string stamp = hlc.tick().encode();
  for (const auto& [name, value] : change.fields.items()) {
    change.stamps[name] = stamp;
    change.base[name] = (*current)->record.stamps.value(name, std::string());
  }
  if (change.kind == "update") {
    if (Status s = schema_.validate_update(**c, change.fields); !s.ok()) return s;
  }
  MergeResult merged = merge_change(**c, schema_, (*current)->record, change);
  if (merged.outcome == ChangeOutcome::kRejected) return Status::invalid_argument(merged.reason);
  if (merged.changed) {
    auto seq = txn.put_record(merged.record);
    if (!seq.ok()) return seq.status();
  }
  FIELDSYNC_RETURN_IF_ERROR(txn.save_clock(hlc.last()));
  return merged.record;
}

Result<RefusedChange> OfficeAdmin::accept_refused(int64_t id, const Json& corrections,
                                                  const std::string& by, const std::string& note) {
  if (!corrections.is_object()) return Status::invalid_argument("corrections must be field=value");
  auto txn = store_.begin(true);
  if (!txn.ok()) return txn.status();
  auto change = open_refused(**txn, id);
  if (!change.ok()) return change.status();
  Json fields = change->change.value("fields", Json::object());
  if (!fields.is_object()) fields = Json::object();
  for (const auto& [name, value] : corrections.items()) {
    if (value.is_null()) {
      fields.erase(name);
    } else {
      fields[name] = value;
    }
  }
  auto record =
      change->kind == "create"
          ? create_record_in(**txn, change->collection, fields, change->record_id, &*change)
          : edit_record_in(**txn, change->collection, change->record_id, change->kind, fields);
  if (!record.ok()) {
    const bool gone = record.status().code() == StatusCode::kNotFound;
    return record.status().with_context(
        "refused change " + std::to_string(id) +
        (gone ? " cannot be accepted; void the refused change instead"
              : " is still refused as corrected"));
  }
  FIELDSYNC_RETURN_IF_ERROR(
      (*txn)->put_record_change({record->id, clock_.now_ms(), change->device_code, by,
                                 change->change_id, change->kind, fields, "accepted"}));
  FIELDSYNC_RETURN_IF_ERROR(settle(**txn, *change, "accepted", by, note, record->id));
  return change;
}

Result<Record> OfficeAdmin::resolve_conflict(const std::string& conflict_text,
                                             ConflictChoice choice, const std::string& value_text,
                                             const std::string& by) {
  auto id = parse_id(conflict_text);
  if (!id.ok()) return id.status().with_context("conflict");
  auto txn = store_.begin(true);
  if (!txn.ok()) return txn.status();
  auto conflict = (*txn)->get_record(*id);
  if (!conflict.ok()) return conflict.status();
  if (!*conflict || (*conflict)->record.collection != "conflicts") {
    return Status::not_found("no conflict " + *id + " on the server");
  }
  const Record& found = (*conflict)->record;
  if (found.fields.value("status", "") != "open") {
    return Status::failed_precondition("conflict " + *id + " is already resolved");
  }
  const std::string collection = found.fields.value("collection", "");
  const std::string record_id = found.fields.value("record", "");
  const std::string field_name = found.fields.value("field", "");
  const CollectionDef* c = schema_.find(collection);
  const FieldDef* field = c != nullptr ? c->field(field_name) : nullptr;
  if (field == nullptr) {
    return Status::corruption("conflict " + *id + " names no field of a known collection");
  }
  Json typed;
  if (choice == ConflictChoice::kNewValue) {
    auto parsed = parse_field_text(*field, value_text);
    if (!parsed.ok()) return parsed.status();
    typed = std::move(parsed).value();
  }
  auto chosen = conflict_resolution(found, choice, typed);
  if (!chosen.ok()) return chosen.status();
  auto current = (*txn)->get_record(record_id);
  if (!current.ok()) return current.status();
  if (!*current)
    return Status::not_found("the record of conflict " + *id + " is not on the server");
  const int64_t now = clock_.now_ms();
  if ((*current)->record.fields.value(field_name, Json()) != chosen->value) {
    const Json edit = {{field_name, chosen->value}};
    auto edited = edit_record_in(**txn, collection, record_id, "update", edit);
    if (!edited.ok()) return edited.status();
    FIELDSYNC_RETURN_IF_ERROR(
        (*txn)->put_record_change({record_id, now, "", by, "", "update", edit, "applied"}));
  }
  const Json marked = {{"resolution", chosen->resolution}, {"resolved_by", by}};
  auto settled = edit_record_in(**txn, "conflicts", *id, "update", marked);
  if (!settled.ok()) return settled.status();
  settled = edit_record_in(**txn, "conflicts", *id, "status",
                           {{"status", "resolved"},
                            {"status_reopens", found.fields.value("status_reopens", int64_t{0})}});
  if (!settled.ok()) return settled.status();
  FIELDSYNC_RETURN_IF_ERROR(
      (*txn)->put_record_change({*id,
                                 now,
                                 "",
                                 by,
                                 "",
                                 "update",
                                 {{"resolution", chosen->resolution}, {"status", "resolved"}},
                                 "applied"}));
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return settled;
}

Result<RefusedChange> OfficeAdmin::void_refused(int64_t id, const std::string& by,
                                                const std::string& note) {
  auto txn = store_.begin(true);
  if (!txn.ok()) return txn.status();
  auto change = open_refused(**txn, id);
  if (!change.ok()) return change.status();
  FIELDSYNC_RETURN_IF_ERROR(settle(**txn, *change, "voided", by, note, ""));
  return change;
}

}  // namespace fieldsync::server
