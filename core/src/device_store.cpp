// DeviceStore: local writes (one transaction each, with the outbox and the clock) and
// reads. The database file (create, open, integrity) is device_store_files.cpp; what
// the replicator needs is device_store_sync.cpp.
#include "fieldsync/device_store.h"

#include <cctype>
#include <cstdio>

#include "fieldsync/buckets.h"
#include "fieldsync/id.h"
#include "fieldsync/text_values.h"
#include "device_store_impl.h"

namespace fieldsync {

namespace {

Record read_record(const SqliteStatement& stmt, const std::string& collection) {
  Record r;
  r.collection = collection;
  r.id = stmt.column_text(0);
  r.bucket = stmt.column_text(1);
  r.fields = Json::parse(stmt.column_text(2), nullptr, false);
  r.stamps = Json::parse(stmt.column_text(3), nullptr, false);
  return r;
}

}  // namespace

Result<DeviceStore::Impl::WriteState> DeviceStore::Impl::begin_write() {
  auto stmt = db_->cached("SELECT hlc, receipt_counter, change_counter FROM device WHERE singleton = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = (*stmt)->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::corruption("the device row is missing from the database");
  auto persisted = Stamp::decode((*stmt)->column_text(0));
  if (!persisted.ok()) return Status::corruption("the stored clock is damaged: " + persisted.status().message());
  WriteState state;
  state.receipt_counter = (*stmt)->column_int(1);
  state.change_counter = (*stmt)->column_int(2);
  (*stmt)->reset();
  hlc_.observe(*persisted);
  state.stamp = hlc_.tick();
  return state;
}

Status DeviceStore::Impl::finish_write(const WriteState& state) {
  auto stmt = db_->cached(
      "UPDATE device SET hlc = ?, receipt_counter = ?, change_counter = ? WHERE singleton = 1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, state.stamp.encode()).bind(2, state.receipt_counter).bind(3, state.change_counter);
  return (*stmt)->run();
}

Status DeviceStore::Impl::check_references(const CollectionDef& collection, const Json& fields) const {
  std::vector<std::string> problems;
  for (const Reference& ref : references_in(collection, fields)) {
    const CollectionDef* target = schema_.find(ref.target);
    const std::string noun = target != nullptr ? target->record_noun : ref.target;
    auto found = bucket_of(ref.target, ref.id);
    if (!found.ok()) return found.status();
    if (*found) continue;
    // Only to say what is wrong: is it some other kind of record? (a full scan)
    auto other = query("SELECT collection FROM records WHERE id = ? LIMIT 1", {ref.id});
    if (!other.ok()) return other.status();
    if (other->empty()) {
      problems.push_back(ref.field + ": no " + noun + " with id " + ref.id + " on this device");
    } else {
      problems.push_back(ref.field + ": " + ref.id + " is a " + other->front()[0].get<std::string>() +
                         " record, not a " + noun);
    }
  }
  return invalid_record(collection, std::move(problems));
}

Result<std::optional<std::string>> DeviceStore::Impl::bucket_of(const std::string& collection,
                                                               const std::string& id) const {
  auto stmt = collection.empty() ? db_->cached("SELECT bucket FROM records WHERE id = ?2")
                                 : db_->cached("SELECT bucket FROM records WHERE collection = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.status();
  if (!collection.empty()) (*stmt)->bind(1, collection);
  (*stmt)->bind(2, id);
  auto row = (*stmt)->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*stmt)->column_text(0));
}

Result<Record> DeviceStore::Impl::load(const CollectionDef& collection, const std::string& id) const {
  auto canonical = parse_id(id);
  if (!canonical.ok()) return canonical.status();
  auto stmt = db_->cached("SELECT id, bucket, fields, stamps FROM records WHERE collection = ? AND id = ?");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, collection.name).bind(2, *canonical);
  auto row = (*stmt)->step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return Status::not_found("no " + collection.record_noun + " with id " + *canonical + " on this device");
  }
  Record r = read_record(**stmt, collection.name);
  if (r.fields.is_discarded() || r.stamps.is_discarded()) {
    return Status::corruption("the stored " + collection.record_noun + " " + r.id + " is damaged");
  }
  return r;
}

Status DeviceStore::Impl::write_record(const Record& record, bool is_new, const std::string& fields_json,
                                       const std::string& stamps_json) {
  auto stmt = db_->cached(is_new ? "INSERT INTO records (bucket, fields, stamps, collection, id) VALUES (?, ?, ?, ?, ?)"
                                 : "UPDATE records SET bucket = ?, fields = ?, stamps = ? WHERE collection = ? AND id = ?");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, record.bucket).bind(2, fields_json).bind(3, stamps_json);
  (*stmt)->bind(4, record.collection).bind(5, record.id);
  return (*stmt)->run();
}

Status DeviceStore::Impl::append_outbox(WriteState& state, const Record& record, const std::string& kind,
                                        const std::string& fields_json, const std::string& stamps_json,
                                        const std::string& base_json) {
  auto stmt = db_->cached(
      "INSERT INTO outbox (seq, change_id, collection, record_id, kind, fields, stamps, base, created_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, ++state.change_counter).bind(2, new_id(clock_)).bind(3, record.collection);
  (*stmt)->bind(4, record.id).bind(5, kind).bind(6, fields_json).bind(7, stamps_json).bind(8, base_json);
  (*stmt)->bind(9, clock_.now_ms());
  return (*stmt)->run();
}

Status DeviceStore::Impl::check_access(const CollectionDef& collection, const std::string& kind,
                                       const Json& fields) const {
  if (!access_.known()) return Status();  // not enrolled: the server checks when it is
  std::string refusal = write_refusal(schema_, collection, access_, kind, fields);
  if (refusal.empty()) return Status();
  return Status::permission_denied(refusal + "; nothing was written");
}

Result<Record> DeviceStore::Impl::insert(const std::string& collection_name, const Json& input) {
  auto collection = schema_.require(collection_name);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  if (c.server_created) {
    return Status::invalid_argument(c.name + " are created by the server, not on a device");
  }
  if (!input.is_object()) {
    return Status::invalid_argument(c.name + ": the fields of a record must be a JSON object");
  }
  Json fields = Json::object();
  for (const auto& [name, value] : input.items()) {
    if (!value.is_null()) fields[name] = value;
  }
  FIELDSYNC_RETURN_IF_ERROR(schema_.validate_create(c, fields));
  FIELDSYNC_RETURN_IF_ERROR(check_access(c, "create", fields));

  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  FIELDSYNC_RETURN_IF_ERROR(check_references(c, fields));
  auto state = begin_write();
  if (!state.ok()) return state.status();

  Record record;
  record.collection = c.name;
  record.id = new_id(clock_);
  for (const auto& field : c.fields) {
    if (field.auto_value == AutoValue::kReceiptNumber) {
      char serial[24];
      std::snprintf(serial, sizeof serial, "%06lld",
                    static_cast<long long>(++state->receipt_counter));
      fields[field.name] = identity_.device_code + "-" + serial;
    } else if (field.auto_value == AutoValue::kReopenCounter) {
      fields[field.name] = 0;
    } else if (field.is_status() && !fields.contains(field.name)) {
      fields[field.name] = field.choices.front();
    }
  }
  auto bucket = derive_bucket(c, record.id, fields, [this](const std::string& target, const std::string& id) {
    return bucket_of(target, id);
  });
  if (!bucket.ok()) return bucket.status();
  if (!*bucket) return Status::invalid_argument(c.record_noun + ": the record it belongs to is not on this device");
  record.bucket = **bucket;
  record.fields = std::move(fields);
  const std::string stamp = state->stamp.encode();
  for (const auto& [name, value] : record.fields.items()) record.stamps[name] = stamp;

  // Serialised once, for the record and for its change.
  const std::string fields_json = record.fields.dump(), stamps_json = record.stamps.dump();
  FIELDSYNC_RETURN_IF_ERROR(write_record(record, true, fields_json, stamps_json));
  FIELDSYNC_RETURN_IF_ERROR(append_outbox(*state, record, "create", fields_json, stamps_json, "{}"));
  FIELDSYNC_RETURN_IF_ERROR(finish_write(*state));
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return record;
}

Result<Record> DeviceStore::Impl::update(const std::string& collection_name, const std::string& id,
                                         const Json& changed) {
  auto collection = schema_.require(collection_name);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  FIELDSYNC_RETURN_IF_ERROR(schema_.validate_update(c, changed));
  FIELDSYNC_RETURN_IF_ERROR(check_access(c, "update", changed));

  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  auto record = load(c, id);
  if (!record.ok()) return record.status();
  FIELDSYNC_RETURN_IF_ERROR(check_references(c, changed));

  Json written = Json::object();
  for (const auto& [name, value] : changed.items()) {
    const Json current = record->fields.value(name, Json());
    if (current != value) written[name] = value;
  }
  if (written.empty()) return std::move(record).value();  // nothing to change, nothing written

  auto state = begin_write();
  if (!state.ok()) return state.status();
  const std::string stamp = state->stamp.encode();
  Json stamps = Json::object(), base = Json::object();
  for (const auto& [name, value] : written.items()) {
    base[name] = record->stamps.value(name, std::string());
    stamps[name] = stamp;
    record->stamps[name] = stamp;
    if (value.is_null()) {
      record->fields.erase(name);
    } else {
      record->fields[name] = value;
    }
  }
  FIELDSYNC_RETURN_IF_ERROR(write_record(*record, false, record->fields.dump(), record->stamps.dump()));
  FIELDSYNC_RETURN_IF_ERROR(append_outbox(*state, *record, "update", written.dump(), stamps.dump(), base.dump()));
  FIELDSYNC_RETURN_IF_ERROR(finish_write(*state));
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return record;
}

// Advances the status to *stage, or reopens it when `stage` is null.
Result<Record> DeviceStore::Impl::change_status(const std::string& collection_name,
                                                const std::string& id, const std::string* stage) {
  auto collection = schema_.require(collection_name);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  const FieldDef* status = c.status_field();
  if (status == nullptr) {
    return Status::invalid_argument(c.name + " have no status; only findings, work orders and complaints do");
  }
  const std::string reopens_name = status->name + "_reopens";
  int target_index = 0;
  if (stage != nullptr) {
    target_index = status->stage_index(*stage);
    if (target_index < 0) {
      std::string stages;
      for (const auto& s : status->choices) stages += (stages.empty() ? "" : ", ") + s;
      return Status::invalid_argument("'" + utf8_prefix(*stage, 60) + "' is not a stage of a " +
                                      c.record_noun + "; the stages are " + stages);
    }
  }

  FIELDSYNC_RETURN_IF_ERROR(
      check_access(c, stage ? "status" : "reopen", Json{{status->name, nullptr}}));

  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  auto record = load(c, id);
  if (!record.ok()) return record.status();
  const std::string current = record->fields.value(status->name, status->choices.front());
  const int current_index = status->stage_index(current);
  int64_t reopens = record->fields.value(reopens_name, int64_t{0});
  if (stage != nullptr && target_index <= current_index) {
    return Status::failed_precondition(
        "the " + c.record_noun + " is already '" + current + "'; a status only moves forward" +
        (target_index < current_index ? " (reopen it to start again)" : ""));
  }
  if (stage == nullptr) {
    if (current_index == 0) {
      return Status::failed_precondition("the " + c.record_noun + " is still '" + current +
                                         "'; there is nothing to reopen");
    }
    ++reopens;
  }

  auto state = begin_write();
  if (!state.ok()) return state.status();
  const std::string stamp = state->stamp.encode();
  const std::string new_stage = status->choices[static_cast<size_t>(target_index)];
  Json written = {{status->name, new_stage}, {reopens_name, reopens}};
  Json stamps = Json::object(), base = Json::object();
  for (const auto& [name, value] : written.items()) {
    base[name] = record->stamps.value(name, std::string());
    stamps[name] = stamp;
    record->stamps[name] = stamp;
    record->fields[name] = value;
  }
  FIELDSYNC_RETURN_IF_ERROR(write_record(*record, false, record->fields.dump(), record->stamps.dump()));
  FIELDSYNC_RETURN_IF_ERROR(
      append_outbox(*state, *record, stage ? "status" : "reopen", written.dump(), stamps.dump(), base.dump()));
  FIELDSYNC_RETURN_IF_ERROR(finish_write(*state));
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return record;
}

Result<Record> DeviceStore::Impl::get(const std::string& collection_name, const std::string& id) const {
  auto collection = schema_.require(collection_name);
  if (!collection.ok()) return collection.status();
  return load(**collection, id);
}

Result<std::vector<Record>> DeviceStore::Impl::list(const std::string& collection_name,
                                                    const ListQuery& query) const {
  auto collection = schema_.require(collection_name);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  std::string sql = "SELECT id, bucket, fields, stamps FROM records WHERE collection = ?";
  for (const auto& [name, value] : query.equals) {
    if (c.field(name) == nullptr) {
      return Status::invalid_argument("cannot filter by " + c.no_such_field(name));
    }
    // The name comes from the schema, never from the caller's text.
    sql += " AND json_extract(fields, '$." + c.field(name)->name + "') = ?";
  }
  sql += " ORDER BY id";
  if (query.limit >= 0) sql += " LIMIT " + std::to_string(query.limit);
  auto stmt = db_->prepare(sql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, c.name);
  int index = 2;
  for (const auto& [name, value] : query.equals) (*stmt)->bind_json(index++, value);
  std::vector<Record> out;
  while (true) {
    auto row = (*stmt)->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(read_record(**stmt, c.name));
  }
  return out;
}

Result<std::vector<OutboxChange>> DeviceStore::Impl::outbox(int64_t limit) const {
  return outbox_where("", limit);
}

Result<std::vector<OutboxChange>> DeviceStore::Impl::outbox_where(const std::string& state,
                                                                  int64_t limit) const {
  auto stmt = db_->prepare(
      "SELECT seq, change_id, collection, record_id, kind, fields, stamps, base, created_ms, state,"
      " parked_reason FROM outbox WHERE ?1 = '' OR state = ?1 ORDER BY seq" +
      (limit >= 0 ? " LIMIT " + std::to_string(limit) : std::string()));
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, state);
  std::vector<OutboxChange> out;
  while (true) {
    auto row = (*stmt)->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    OutboxChange change;
    change.seq = (*stmt)->column_int(0);
    change.change_id = (*stmt)->column_text(1);
    change.collection = (*stmt)->column_text(2);
    change.record_id = (*stmt)->column_text(3);
    change.kind = (*stmt)->column_text(4);
    change.fields = Json::parse((*stmt)->column_text(5), nullptr, false);
    change.stamps = Json::parse((*stmt)->column_text(6), nullptr, false);
    change.base = Json::parse((*stmt)->column_text(7), nullptr, false);
    change.created_ms = (*stmt)->column_int(8);
    change.state = (*stmt)->column_text(9);
    change.parked_reason = (*stmt)->column_text(10);
    out.push_back(std::move(change));
  }
  return out;
}

Result<std::vector<Json>> DeviceStore::Impl::query(const std::string& sql,
                                                   const std::vector<Json>& params) const {
  auto stmt = db_->prepare(sql);
  if (!stmt.ok()) return stmt.status().with_context("query");
  // sqlite3_stmt_readonly() counts every pragma as a write; a pragma without '=' reads.
  const bool reading_pragma = sql.rfind("PRAGMA ", 0) == 0 && sql.find('=') == std::string::npos;
  if (!(*stmt)->readonly() && !reading_pragma) {
    return Status::invalid_argument("query: only statements that read are allowed here");
  }
  for (size_t i = 0; i < params.size(); ++i) (*stmt)->bind_json(static_cast<int>(i + 1), params[i]);
  std::vector<Json> rows;
  while (true) {
    auto row = (*stmt)->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Json values = Json::array();
    for (int col = 0; col < (*stmt)->column_count(); ++col) values.push_back((*stmt)->column_json(col));
    rows.push_back(std::move(values));
  }
  return rows;
}

// ---------------------------------------------------------------------------------

const Schema& DeviceStore::schema() const { return impl_->schema(); }
const Clock& DeviceStore::clock() const { return impl_->clock(); }
const DeviceIdentity& DeviceStore::identity() const { return impl_->identity(); }
Stamp DeviceStore::last_stamp() const { return impl_->hlc().last(); }
const std::string& DeviceStore::path() const { return impl_->path(); }

Result<Record> DeviceStore::insert(const std::string& collection, const Json& fields) {
  return impl_->insert(collection, fields);
}
Result<Record> DeviceStore::update(const std::string& collection, const std::string& id,
                                   const Json& changed) {
  return impl_->update(collection, id, changed);
}
Result<Record> DeviceStore::advance_status(const std::string& collection, const std::string& id,
                                           const std::string& stage) {
  return impl_->change_status(collection, id, &stage);
}
Result<Record> DeviceStore::reopen(const std::string& collection, const std::string& id) {
  return impl_->change_status(collection, id, nullptr);
}
Result<Record> DeviceStore::get(const std::string& collection, const std::string& id) const {
  return impl_->get(collection, id);
}
Result<std::vector<Record>> DeviceStore::list(const std::string& collection,
                                              const ListQuery& query) const {
  return impl_->list(collection, query);
}
Result<std::vector<OutboxChange>> DeviceStore::outbox(int64_t limit) const {
  return impl_->outbox(limit);
}
Result<int64_t> DeviceStore::pending_count() const {
  auto rows = impl_->query("SELECT count(*) FROM outbox WHERE state = 'pending'", {});
  if (!rows.ok()) return rows.status();
  return rows->at(0).at(0).get<int64_t>();
}
Result<std::vector<Json>> DeviceStore::query(const std::string& sql,
                                             const std::vector<Json>& params) const {
  return impl_->query(sql, params);
}

}  // namespace fieldsync
