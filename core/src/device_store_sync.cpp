// The parts of DeviceStore the replicator uses: acknowledging pushed changes,
// applying pulled pages with their cursors, evicting buckets, and sync settings.
#include <algorithm>
#include <cctype>
#include <set>

#include "device_store_impl.h"

namespace fieldsync {
namespace {

// The sync_state key holding the scope (its buckets, sorted, one a line) of the last
// eviction that left no record outside it; "" when none did.
constexpr const char* kEvictedScope = "evicted_scope";
// The sync_state key holding the device's Access as JSON; a database enrolled before
// it existed has only the role, under "role".
constexpr const char* kAccess = "access";
constexpr const char* kEnrolledRole = "role";

std::vector<std::string> string_list(const Json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// The scope can change between the pages of one sync, so a page may bring records of a
// bucket the last eviction did not leave the device in: then the next eviction must
// scan again.
Status note_pulled_buckets(DeviceStore::Impl& impl, const std::vector<Record>& records) {
  if (records.empty()) return Status();
  auto evicted = impl.sync_value(kEvictedScope);
  if (!evicted.ok()) return evicted.status();
  if (evicted->empty()) return Status();
  const std::string lines = "\n" + *evicted;
  for (const Record& record : records) {
    if (lines.find("\n" + record.bucket + "\n") == std::string::npos) {
      return impl.set_sync_value(kEvictedScope, "");
    }
  }
  return Status();
}

}  // namespace

Status DeviceStore::Impl::acknowledge(const std::vector<ChangeAck>& acks) {
  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  for (const ChangeAck& ack : acks) {
    if (ack.rejected) {
      // The record keeps the refused value locally; pulling its bucket again from the
      // start brings the server's version back over it (parked fields are not pending).
      auto bucket = db_->cached(
          "DELETE FROM cursors WHERE bucket IN (SELECT r.bucket FROM outbox o JOIN records r"
          " ON r.collection = o.collection AND r.id = o.record_id WHERE o.seq = ?)");
      if (!bucket.ok()) return bucket.status();
      (*bucket)->bind(1, ack.seq);
      FIELDSYNC_RETURN_IF_ERROR((*bucket)->run());
    }
    auto stmt = db_->cached(ack.rejected
                                ? "UPDATE outbox SET state = 'parked', parked_reason = ?2 WHERE seq = ?1"
                                : "DELETE FROM outbox WHERE seq = ?1 AND state = 'pending'");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->bind(1, ack.seq);
    if (ack.rejected) (*stmt)->bind(2, ack.reason);
    FIELDSYNC_RETURN_IF_ERROR((*stmt)->run());
  }
  return (*txn)->commit();
}

Status DeviceStore::Impl::settle_parked(const std::vector<SettledChange>& settled) {
  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  for (const SettledChange& change : settled) {
    auto parked = db_->cached(
        "SELECT collection, record_id, kind FROM outbox WHERE seq = ? AND change_id = ?"
        " AND state = 'parked'");
    if (!parked.ok()) return parked.status();
    (*parked)->bind(1, change.seq).bind(2, change.change_id);
    auto row = (*parked)->step();
    if (!row.ok()) return row.status();
    if (!*row) continue;
    const std::string collection = (*parked)->column_text(0);
    const std::string record_id = (*parked)->column_text(1);
    const bool create = (*parked)->column_text(2) == "create";
    (*parked)->reset();
    auto clear = db_->cached("DELETE FROM outbox WHERE seq = ?");
    if (!clear.ok()) return clear.status();
    (*clear)->bind(1, change.seq);
    FIELDSYNC_RETURN_IF_ERROR((*clear)->run());
    if (!create) continue;
    auto waiting = db_->cached("SELECT 1 FROM outbox WHERE record_id = ? AND state = 'pending'");
    if (!waiting.ok()) return waiting.status();
    (*waiting)->bind(1, record_id);
    auto pending = (*waiting)->step();
    if (!pending.ok()) return pending.status();
    if (*pending) continue;  // written again since: the next push decides
    (*waiting)->reset();
    if (!change.voided) {
      // Accepted: the server holds the record now. A phone that reads its bucket pulls
      // the office's version; one that does not (it was refused for that) lets it go.
      auto reads = db_->cached(
          "SELECT 1 FROM cursors WHERE bucket IN (SELECT bucket FROM records WHERE"
          " collection = ? AND id = ?)");
      if (!reads.ok()) return reads.status();
      (*reads)->bind(1, collection).bind(2, record_id);
      auto read = (*reads)->step();
      if (!read.ok()) return read.status();
      const bool kept = *read;
      (*reads)->reset();
      if (kept) continue;
    } else {
      auto bucket = db_->cached(
          "DELETE FROM cursors WHERE bucket IN (SELECT bucket FROM records WHERE collection = ?"
          " AND id = ?)");
      if (!bucket.ok()) return bucket.status();
      (*bucket)->bind(1, collection).bind(2, record_id);
      FIELDSYNC_RETURN_IF_ERROR((*bucket)->run());
    }
    auto hash = db_->cached(
        "SELECT json_extract(fields, '$.sha256') FROM records WHERE collection = 'attachments'"
        " AND id = ?");
    if (!hash.ok()) return hash.status();
    (*hash)->bind(1, collection == "attachments" ? record_id : std::string());
    auto named = (*hash)->step();
    if (!named.ok()) return named.status();
    const std::string sha256 = *named ? (*hash)->column_text(0) : std::string();
    (*hash)->reset();
    auto drop = db_->cached("DELETE FROM records WHERE collection = ? AND id = ?");
    if (!drop.ok()) return drop.status();
    (*drop)->bind(1, collection).bind(2, record_id);
    FIELDSYNC_RETURN_IF_ERROR((*drop)->run());
    if (!change.voided || sha256.empty()) continue;
    // A voided photo's bytes are not wanted by the server: they stop waiting to upload
    // (the file goes when space is next reclaimed) unless another record names them.
    auto unwanted = db_->cached(
        "DELETE FROM blobs WHERE hash = ?1 AND state = 'upload' AND NOT EXISTS (SELECT 1 FROM"
        " records WHERE collection = 'attachments' AND json_extract(fields, '$.sha256') = ?1)");
    if (!unwanted.ok()) return unwanted.status();
    (*unwanted)->bind(1, sha256);
    FIELDSYNC_RETURN_IF_ERROR((*unwanted)->run());
  }
  return (*txn)->commit();
}

Status DeviceStore::Impl::rebase_record(const Record& pulled,
                                        const std::set<std::string>& pending_fields) {
  Record merged = pulled;
  bool exists = false;
  auto local = db_->cached("SELECT fields, stamps FROM records WHERE collection = ? AND id = ?");
  if (!local.ok()) return local.status();
  (*local)->bind(1, pulled.collection).bind(2, pulled.id);
  auto row = (*local)->step();
  if (!row.ok()) return row.status();
  if (*row) {
    exists = true;
    if (!pending_fields.empty()) {
      const Json fields = Json::parse((*local)->column_text(0), nullptr, false);
      const Json stamps = Json::parse((*local)->column_text(1), nullptr, false);
      for (const std::string& name : pending_fields) {
        if (fields.is_object() && fields.contains(name)) {
          merged.fields[name] = fields[name];
        } else {
          merged.fields.erase(name);
        }
        if (stamps.is_object() && stamps.contains(name)) merged.stamps[name] = stamps[name];
      }
    }
  }
  (*local)->reset();
  return write_record(merged, !exists, merged.fields.dump(), merged.stamps.dump());
}

// Evicting scans every record (there is no index by bucket: it would cost every local
// write), so the scan runs only when a record may be outside the scope: when the scope
// differs from the one of the last eviction that left nothing outside it. In between,
// nothing can enter a bucket outside the scope: a pulled page with a bucket outside it
// forgets the scope (note_pulled_buckets), and a local write lands in the bucket of a
// record already held (or in a new bucket of its own, which the server lists in the
// scope once the record is pushed).
Status DeviceStore::Impl::evict_outside(const std::vector<std::string>& scope) {
  std::vector<std::string> sorted = scope;
  std::sort(sorted.begin(), sorted.end());
  std::string signature;
  for (const auto& bucket : sorted) signature += bucket + "\n";
  FIELDSYNC_RETURN_IF_ERROR(
      db_->exec("CREATE TEMP TABLE IF NOT EXISTS scope (bucket TEXT PRIMARY KEY)"));
  FIELDSYNC_RETURN_IF_ERROR(db_->exec("DELETE FROM temp.scope"));
  for (const auto& bucket : scope) {
    auto insert = db_->cached("INSERT OR IGNORE INTO temp.scope VALUES (?)");
    if (!insert.ok()) return insert.status();
    (*insert)->bind(1, bucket);
    FIELDSYNC_RETURN_IF_ERROR((*insert)->run());
  }
  FIELDSYNC_RETURN_IF_ERROR(
      db_->exec("DELETE FROM cursors WHERE bucket NOT IN (SELECT bucket FROM temp.scope)"));
  auto evicted = sync_value(kEvictedScope);
  if (!evicted.ok()) return evicted.status();
  if (*evicted == signature) return Status();
  FIELDSYNC_RETURN_IF_ERROR(
      db_->exec("DELETE FROM records WHERE bucket NOT IN (SELECT bucket FROM temp.scope)"
                " AND id NOT IN (SELECT record_id FROM outbox)"));
  // Records kept for their changes in the outbox are evicted by a later sync.
  auto left = query(
      "SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox) THEN EXISTS (SELECT 1 FROM records"
      " WHERE bucket NOT IN (SELECT bucket FROM temp.scope)) ELSE 0 END",
      {});
  if (!left.ok()) return left.status();
  return set_sync_value(kEvictedScope, left->at(0)[0].get<int64_t>() != 0 ? "" : signature);
}

Status DeviceStore::Impl::apply_pull_page(const std::vector<Record>& records,
                                          const std::map<std::string, int64_t>& cursors,
                                          const std::vector<std::string>* scope) {
  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  auto state = begin_write();  // folds in the persisted clock; the tick is harmless
  if (!state.ok()) return state.status();
  // The fields with changes still to push, by record: read once per page.
  std::map<std::string, std::set<std::string>> pending;
  auto changes = db_->cached("SELECT record_id, fields FROM outbox WHERE state = 'pending'");
  if (!changes.ok()) return changes.status();
  while (true) {
    auto row = (*changes)->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const Json fields = Json::parse((*changes)->column_text(1), nullptr, false);
    if (!fields.is_object()) continue;
    auto& names = pending[(*changes)->column_text(0)];
    for (const auto& [name, value] : fields.items()) names.insert(name);
  }
  (*changes)->reset();
  static const std::set<std::string> kNone;
  for (const Record& record : records) {
    for (const auto& [name, encoded] : record.stamps.items()) {
      if (!encoded.is_string()) continue;
      if (auto stamp = Stamp::decode(encoded.get<std::string>()); stamp.ok()) hlc_.observe(*stamp);
    }
    auto it = pending.find(record.id);
    FIELDSYNC_RETURN_IF_ERROR(rebase_record(record, it == pending.end() ? kNone : it->second));
  }
  FIELDSYNC_RETURN_IF_ERROR(note_pulled_buckets(*this, records));
  for (const auto& [bucket, seq] : cursors) {
    auto stmt = db_->cached(
        "INSERT INTO cursors (bucket, seq) VALUES (?1, ?2)"
        " ON CONFLICT (bucket) DO UPDATE SET seq = max(seq, excluded.seq)");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->bind(1, bucket).bind(2, seq);
    FIELDSYNC_RETURN_IF_ERROR((*stmt)->run());
  }
  if (scope != nullptr) FIELDSYNC_RETURN_IF_ERROR(evict_outside(*scope));
  state->stamp = hlc_.last();
  FIELDSYNC_RETURN_IF_ERROR(finish_write(*state));
  return (*txn)->commit();
}

Result<std::map<std::string, int64_t>> DeviceStore::Impl::cursors() const {
  auto rows = query("SELECT bucket, seq FROM cursors ORDER BY bucket", {});
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> out;
  for (const Json& row : *rows) out[row[0].get<std::string>()] = row[1].get<int64_t>();
  return out;
}

Result<std::string> DeviceStore::Impl::sync_value(const std::string& key) const {
  auto rows = query("SELECT value FROM sync_state WHERE key = ?", {key});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::string();
  return rows->front()[0].get<std::string>();
}

Status DeviceStore::Impl::set_sync_value(const std::string& key, const std::string& value) {
  auto stmt = db_->cached(
      "INSERT INTO sync_state (key, value) VALUES (?1, ?2)"
      " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, key).bind(2, value);
  return (*stmt)->run();
}

Status DeviceStore::Impl::load_access() {
  auto stored = sync_value(kAccess);
  if (!stored.ok()) return stored.status();
  Access access;
  const Json j = Json::parse(*stored, nullptr, false);
  if (j.is_object()) {
    access.user = j.value("user", "");
    access.role = j.value("role", "");
    access.estates = string_list(j.value("estates", Json()));
    access.buildings = string_list(j.value("buildings", Json()));
  } else {
    auto role = sync_value(kEnrolledRole);
    if (!role.ok()) return role.status();
    access.role = *role;
  }
  if (access.user.empty()) access.user = identity_.user;
  access_ = std::move(access);
  return Status();
}

Status DeviceStore::Impl::set_access(const Access& access) {
  const Json j = {{"user", access.user},
                  {"role", access.role},
                  {"estates", access.estates},
                  {"buildings", access.buildings}};
  FIELDSYNC_RETURN_IF_ERROR(set_sync_value(kAccess, j.dump()));
  FIELDSYNC_RETURN_IF_ERROR(set_sync_value(kEnrolledRole, access.role));
  access_ = access;
  if (access_.user.empty()) access_.user = identity_.user;
  return Status();
}

Status DeviceStore::Impl::set_device_code(const std::string& code) {
  bool ok = code.size() >= 2 && code.size() <= 8;
  for (char c : code) {
    ok = ok && (std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)));
  }
  if (!ok) return Status::invalid_argument("device code: must be 2 to 8 upper-case letters or digits");
  auto txn = SqliteTransaction::begin_immediate(*db_);
  if (!txn.ok()) return txn.status();
  auto counter = query("SELECT receipt_counter, device_code FROM device", {});
  if (!counter.ok()) return counter.status();
  const Json& row = counter->at(0);
  if (row[0].get<int64_t>() > 0 && row[1].get<std::string>() != code) {
    return Status::failed_precondition(
        "this device has already issued receipts under code " + row[1].get<std::string>() +
        "; enroll a fresh device database instead");
  }
  auto stmt = db_->cached("UPDATE device SET device_code = ? WHERE singleton = 1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, code);
  FIELDSYNC_RETURN_IF_ERROR((*stmt)->run());
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  identity_.device_code = code;
  return Status();
}

// ---------------------------------------------------------------------------------

Status DeviceStore::write_together(const std::function<Status()>& writes) {
  auto txn = SqliteTransaction::begin_immediate(impl_->db());
  if (!txn.ok()) return txn.status();
  FIELDSYNC_RETURN_IF_ERROR(writes());
  return (*txn)->commit();
}

Result<std::vector<OutboxChange>> DeviceStore::pending_changes(int64_t limit) const {
  return impl_->outbox_where("pending", limit);
}
Result<std::vector<OutboxChange>> DeviceStore::parked_changes() const {
  return impl_->outbox_where("parked", -1);
}
Status DeviceStore::acknowledge(const std::vector<ChangeAck>& acks) { return impl_->acknowledge(acks); }
Status DeviceStore::settle_parked(const std::vector<SettledChange>& settled) {
  return impl_->settle_parked(settled);
}
Status DeviceStore::apply_pull_page(const std::vector<Record>& records,
                                    const std::map<std::string, int64_t>& cursors,
                                    const std::vector<std::string>* scope) {
  return impl_->apply_pull_page(records, cursors, scope);
}
Result<std::map<std::string, int64_t>> DeviceStore::cursors() const { return impl_->cursors(); }
Result<std::string> DeviceStore::sync_value(const std::string& key) const {
  return impl_->sync_value(key);
}
Status DeviceStore::set_sync_value(const std::string& key, const std::string& value) {
  return impl_->set_sync_value(key, value);
}
Status DeviceStore::set_device_code(const std::string& code) { return impl_->set_device_code(code); }
Result<bool> DeviceStore::has_issued_receipts() const {
  auto rows = impl_->query("SELECT receipt_counter FROM device", {});
  if (!rows.ok()) return rows.status();
  return !rows->empty() && rows->at(0).at(0).get<int64_t>() > 0;
}
const Access& DeviceStore::access() const {
  return impl_->access();
}
Status DeviceStore::set_access(const Access& access) {
  return impl_->set_access(access);
}

}  // namespace fieldsync
