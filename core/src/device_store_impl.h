// DeviceStore's private implementation, shared by device_store.cpp (local writes
// and reads) and device_store_sync.cpp (what the replicator needs). Private to core.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "blob_file.h"
#include "fieldsync/device_store.h"
#include "fieldsync/sqlite_db.h"

namespace fieldsync {

class DeviceStore::Impl {
 public:
  Impl(std::unique_ptr<SqliteDb> db, const Schema& schema, const Clock& clock,
       DeviceIdentity identity, Stamp last)
      : db_(std::move(db)),
        schema_(schema),
        clock_(clock),
        identity_(std::move(identity)),
        hlc_(clock, identity_.node_id, std::move(last)) {}

  Result<Record> insert(const std::string& collection_name, const Json& input);
  Result<Record> update(const std::string& collection_name, const std::string& id,
                        const Json& changed);
  Result<Record> change_status(const std::string& collection_name, const std::string& id,
                               const std::string* stage);
  Result<Record> get(const std::string& collection_name, const std::string& id) const;
  Result<std::vector<Record>> list(const std::string& collection_name, const ListQuery& query) const;
  Result<std::vector<OutboxChange>> outbox(int64_t limit) const;
  Result<std::vector<Json>> query(const std::string& sql, const std::vector<Json>& params) const;

  // Sync support (device_store_sync.cpp).
  Status acknowledge(const std::vector<ChangeAck>& acks);
  Status settle_parked(const std::vector<SettledChange>& settled);
  Status apply_pull_page(const std::vector<Record>& records,
                         const std::map<std::string, int64_t>& cursors,
                         const std::vector<std::string>* scope);
  Result<std::map<std::string, int64_t>> cursors() const;
  Result<std::string> sync_value(const std::string& key) const;
  Status set_sync_value(const std::string& key, const std::string& value);
  Status set_device_code(const std::string& code);
  Result<std::vector<OutboxChange>> outbox_where(const std::string& state, int64_t limit) const;

  SqliteDb& db() const { return *db_; }
  const std::string& path() const { return path_; }
  void set_path(std::string path) { path_ = std::move(path); }
  const Schema& schema() const { return schema_; }
  const Clock& clock() const { return clock_; }
  const DeviceIdentity& identity() const { return identity_; }
  const HybridClock& hlc() const { return hlc_; }
  const Access& access() const { return access_; }
  // The keys of the blob files when the database is encrypted; null when it is plain.
  const BlobKeys* blob_keys() const { return blob_keys_ ? &*blob_keys_ : nullptr; }
  void set_blob_keys(const DatabaseKey& key) { blob_keys_.emplace(derive_blob_keys(key)); }
  Status load_access();
  Status set_access(const Access& access);

 private:
  // Pulled records: replaces the local copy except `pending_fields` (the fields with
  // changes still waiting in the outbox).
  Status rebase_record(const Record& pulled, const std::set<std::string>& pending_fields);
  Status evict_outside(const std::vector<std::string>& scope);

  struct WriteState {
    Stamp stamp;
    int64_t receipt_counter = 0;
    int64_t change_counter = 0;  // the last outbox change number given out
  };

  // Inside a write transaction: folds in the persisted clock (another process may
  // have written since) and returns a fresh stamp and the current receipt counter.
  Result<WriteState> begin_write();
  Status finish_write(const WriteState& state);
  Status check_references(const CollectionDef& collection, const Json& fields) const;
  // permission_denied when the device's access does not allow the change (access.h).
  Status check_access(const CollectionDef& collection, const std::string& kind,
                      const Json& fields) const;
  // The bucket of a record this device holds; nullopt when it holds none by that id.
  // `collection` may be empty (any collection; a slower scan).
  Result<std::optional<std::string>> bucket_of(const std::string& collection, const std::string& id) const;
  Result<Record> load(const CollectionDef& collection, const std::string& id) const;
  Status write_record(const Record& record, bool is_new, const std::string& fields_json,
                      const std::string& stamps_json);
  // Appends a change numbered ++state.change_counter (persisted by finish_write).
  Status append_outbox(WriteState& state, const Record& record, const std::string& kind,
                       const std::string& fields_json, const std::string& stamps_json,
                       const std::string& base_json);

  std::unique_ptr<SqliteDb> db_;
  std::string path_;
  const Schema& schema_;
  const Clock& clock_;
  DeviceIdentity identity_;
  HybridClock hlc_;
  Access access_;  // what the server last said; unknown before enrollment
  std::optional<BlobKeys> blob_keys_;
};

}  // namespace fieldsync
