// The C API over the device database: version, errors and strings, opening and
// closing, any record by collection (create, update, advance, reopen, get, list),
// conflicts, parked changes and the sync status. Each function is one call into
// DeviceStore / FieldWork / Replicator::read_status through with_db().
#include <cstdlib>
#include <cstring>

#include "boundary.h"
#include "fieldsync/field_work.h"
#include "fieldsync/fieldsync.h"
#include "fieldsync/replicator.h"
#include "handles.h"

using namespace fieldsync;
using namespace fieldsync::capi;

namespace {

// A written or read record handed to the caller as JSON.
fieldsync_error give_record(const Result<Record>& record, char** out_record_json) {
  if (!record.ok()) return to_error(record.status());
  give_strings({{out_record_json, dump_json(record_json(*record))}});
  return ok_error();
}

// {"where": {"field": value, ...}, "limit": N}, every member optional.
Result<ListQuery> read_list_query(const char* query_json) {
  ListQuery query;
  if (query_json == nullptr) return query;
  auto parsed = parse_object_input(query_json, "query_json");
  if (!parsed.ok()) return parsed.status();
  for (const auto& [key, value] : parsed->items()) {
    if (key == "where" && value.is_object()) {
      for (const auto& [field, wanted] : value.items()) query.equals.emplace_back(field, wanted);
    } else if (key == "limit" && value.is_number_integer() && value.get<int64_t>() >= 0) {
      query.limit = value.get<int64_t>();
    } else {
      return Status::invalid_argument(
          "query_json: '" + key.substr(0, 40) +
          "' is not understood; a query is {\"where\": {\"field\": value}, \"limit\": N}");
    }
  }
  return query;
}

// Options with the key given as `size` raw bytes.
Result<DeviceStoreOptions> key_options(const uint8_t* key, size_t size) {
  auto parsed = DatabaseKey::from_bytes(std::string_view(reinterpret_cast<const char*>(key), size));
  if (!parsed.ok()) return parsed.status().with_context("key");
  DeviceStoreOptions options;
  options.key = std::move(parsed).value();
  return options;
}

fieldsync_error open_into(Result<std::unique_ptr<DeviceStore>> store, const char* path,
                          const DeviceStoreOptions& options, fieldsync_db** out_db) {
  if (!store.ok()) return to_error(store.status());
  auto db = std::make_unique<fieldsync_db>();
  db->path = path;
  db->options = options;
  db->store = std::move(store).value();
  *out_db = db.release();
  return ok_error();
}

}  // namespace

extern "C" {

const char* fieldsync_version(void) {
  return FIELDSYNC_VERSION_STRING;
}

int fieldsync_abi_version(void) {
  return FIELDSYNC_ABI_VERSION;
}

const char* fieldsync_error_message(const fieldsync_error* error) {
  return error == nullptr ? "" : error->message;
}

void fieldsync_string_free(char* string) {
  std::free(string);
}

fieldsync_error fieldsync_db_open(const char* path, fieldsync_db** out_db) {
  if (out_db != nullptr) *out_db = nullptr;
  if (auto e = require_arguments({{path, "path"}, {out_db, "out_db"}}); failed(e)) return e;
  return guarded([&] { return open_into(DeviceStore::open(path), path, {}, out_db); });
}

fieldsync_error fieldsync_db_open_encrypted(const char* path, const uint8_t* key, size_t key_size,
                                            fieldsync_db** out_db) {
  if (out_db != nullptr) *out_db = nullptr;
  if (auto e = require_arguments({{path, "path"}, {key, "key"}, {out_db, "out_db"}}); failed(e))
    return e;
  return guarded([&] {
    auto options = key_options(key, key_size);
    if (!options.ok()) return to_error(options.status());
    return open_into(DeviceStore::open(path, *options), path, *options, out_db);
  });
}

fieldsync_error fieldsync_db_create(const char* path, const char* device_code, const char* user,
                                    fieldsync_db** out_db) {
  if (out_db != nullptr) *out_db = nullptr;
  if (auto e = require_arguments(
          {{path, "path"}, {device_code, "device_code"}, {user, "user"}, {out_db, "out_db"}});
      failed(e)) {
    return e;
  }
  return guarded([&] {
    return open_into(DeviceStore::create(path, {device_code, user, ""}), path, {}, out_db);
  });
}

fieldsync_error fieldsync_db_create_encrypted(const char* path, const char* device_code,
                                              const char* user, const uint8_t* key, size_t key_size,
                                              fieldsync_db** out_db) {
  if (out_db != nullptr) *out_db = nullptr;
  if (auto e = require_arguments({{path, "path"},
                                  {device_code, "device_code"},
                                  {user, "user"},
                                  {key, "key"},
                                  {out_db, "out_db"}});
      failed(e)) {
    return e;
  }
  return guarded([&] {
    auto options = key_options(key, key_size);
    if (!options.ok()) return to_error(options.status());
    return open_into(DeviceStore::create(path, {device_code, user, ""}, *options), path, *options,
                     out_db);
  });
}

fieldsync_error fieldsync_db_rekey(const char* path, const uint8_t* key, size_t key_size,
                                   const uint8_t* new_key, size_t new_key_size) {
  if (auto e = require_arguments({{path, "path"}, {key, "key"}, {new_key, "new_key"}}); failed(e))
    return e;
  return guarded([&] {
    auto current = key_options(key, key_size);
    if (!current.ok()) return to_error(current.status());
    auto next = key_options(new_key, new_key_size);
    if (!next.ok()) return to_error(next.status());
    return to_error(rekey_device_database(path, *current->key, *next->key));
  });
}

void fieldsync_db_close(fieldsync_db* db) {
  // Destroying a DeviceStore closes SQLite and does not throw.
  delete db;
}

fieldsync_error fieldsync_db_identity(fieldsync_db* db, char** out_json) {
  clear_outputs({out_json});
  return with_db(db, [&](DeviceStore& store) {
    const DeviceIdentity& identity = store.identity();
    give_strings({{out_json, dump_json(Json{{"path", db->path},
                                            {"user", identity.user},
                                            {"device_code", identity.device_code}})}});
    return ok_error();
  });
}

fieldsync_error fieldsync_create_record(fieldsync_db* db, const char* collection,
                                        const char* fields_json, char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{collection, "collection"}, {fields_json, "fields_json"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    auto fields = parse_object_input(fields_json, "fields_json");
    if (!fields.ok()) return to_error(fields.status());
    return give_record(FieldWork(store).record(collection, std::move(fields).value()),
                       out_record_json);
  });
}

fieldsync_error fieldsync_update_record(fieldsync_db* db, const char* collection,
                                        const char* record_id, const char* changed_json,
                                        char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments(
          {{collection, "collection"}, {record_id, "record_id"}, {changed_json, "changed_json"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    auto changed = parse_object_input(changed_json, "changed_json");
    if (!changed.ok()) return to_error(changed.status());
    return give_record(store.update(collection, record_id, *changed), out_record_json);
  });
}

fieldsync_error fieldsync_advance_status(fieldsync_db* db, const char* collection,
                                         const char* record_id, const char* stage,
                                         char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments(
          {{collection, "collection"}, {record_id, "record_id"}, {stage, "stage"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    return give_record(store.advance_status(collection, record_id, stage), out_record_json);
  });
}

fieldsync_error fieldsync_reopen_record(fieldsync_db* db, const char* collection,
                                        const char* record_id, char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{collection, "collection"}, {record_id, "record_id"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    return give_record(store.reopen(collection, record_id), out_record_json);
  });
}

fieldsync_error fieldsync_get_record(fieldsync_db* db, const char* collection,
                                     const char* record_id, char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{collection, "collection"}, {record_id, "record_id"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    return give_record(store.get(collection, record_id), out_record_json);
  });
}

fieldsync_error fieldsync_list_records(fieldsync_db* db, const char* collection,
                                       const char* query_json, char** out_records_json) {
  clear_outputs({out_records_json});
  if (auto e = require_arguments({{collection, "collection"}}); failed(e)) return e;
  return with_db(db, [&](DeviceStore& store) {
    auto query = read_list_query(query_json);
    if (!query.ok()) return to_error(query.status());
    auto records = store.list(collection, *query);
    if (!records.ok()) return to_error(records.status());
    give_strings({{out_records_json, dump_json(records_json(*records))}});
    return ok_error();
  });
}

fieldsync_error fieldsync_list_conflicts(fieldsync_db* db, int include_resolved,
                                         char** out_conflicts_json) {
  clear_outputs({out_conflicts_json});
  return with_db(db, [&](DeviceStore& store) {
    ListQuery open;
    if (include_resolved == 0) open.equals.emplace_back("status", "open");
    auto conflicts = store.list("conflicts", open);
    if (!conflicts.ok()) return to_error(conflicts.status());
    give_strings({{out_conflicts_json, dump_json(records_json(*conflicts))}});
    return ok_error();
  });
}

fieldsync_error fieldsync_resolve_conflict(fieldsync_db* db, const char* conflict_id,
                                           int32_t choice, const char* new_value_json,
                                           char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{conflict_id, "conflict_id"}}); failed(e)) return e;
  if (choice < FIELDSYNC_KEEP_WINNER || choice > FIELDSYNC_NEW_VALUE) {
    return api_error("choice " + std::to_string(choice) +
                     " is not a fieldsync_conflict_choice (0, 1 or 2)");
  }
  if ((choice == FIELDSYNC_NEW_VALUE) != (new_value_json != nullptr)) {
    return api_error("new_value_json is given with FIELDSYNC_NEW_VALUE, and only then");
  }
  return with_db(db, [&](DeviceStore& store) {
    Json value;
    if (new_value_json != nullptr) {
      auto parsed = parse_input(new_value_json, "new_value_json");
      if (!parsed.ok()) return to_error(parsed.status());
      value = std::move(parsed).value();
    }
    const ConflictChoice chosen = choice == FIELDSYNC_KEEP_WINNER  ? ConflictChoice::kKeepWinner
                                  : choice == FIELDSYNC_KEEP_LOSER ? ConflictChoice::kKeepLoser
                                                                   : ConflictChoice::kNewValue;
    return give_record(FieldWork(store).resolve_conflict(conflict_id, chosen, value),
                       out_record_json);
  });
}

fieldsync_error fieldsync_list_parked_changes(fieldsync_db* db, char** out_changes_json) {
  clear_outputs({out_changes_json});
  return with_db(db, [&](DeviceStore& store) {
    auto parked = store.parked_changes();
    if (!parked.ok()) return to_error(parked.status());
    Json out = Json::array();
    for (const auto& c : *parked) {
      out.push_back({{"seq", c.seq},
                     {"change_id", c.change_id},
                     {"kind", c.kind},
                     {"collection", c.collection},
                     {"record_id", c.record_id},
                     {"fields", c.fields},
                     {"reason", c.parked_reason}});
    }
    give_strings({{out_changes_json, dump_json(out)}});
    return ok_error();
  });
}

fieldsync_error fieldsync_sync_status_read(fieldsync_db* db, fieldsync_sync_status* out_status) {
  if (out_status != nullptr) std::memset(out_status, 0, sizeof *out_status);
  if (auto e = require_arguments({{out_status, "out_status"}}); failed(e)) return e;
  return with_db(db, [&](DeviceStore& store) {
    auto status = Replicator::read_status(store);
    if (!status.ok()) return to_error(status.status());
    out_status->enrolled = status->enrolled ? 1 : 0;
    out_status->pending_changes = status->pending;
    out_status->parked_changes = status->parked;
    out_status->last_success_ms = status->last_success_ms;
    out_status->clock_ahead_ms = status->clock_ahead_ms;
    out_status->upload_blobs = status->upload_blobs;
    out_status->upload_bytes = status->upload_bytes;
    return ok_error();
  });
}

}  // extern "C"
