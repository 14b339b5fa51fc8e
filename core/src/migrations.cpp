#include "migrations.h"

#include <string>
#include <vector>

namespace fieldsync {
namespace {

// Index i holds the SQL that takes the layout from version i to version i + 1.
const std::vector<std::string>& steps() {
  static const std::vector<std::string> kSteps = {
      // 0 -> 1: the device, its records with per-field stamps, and the outbox.
      "PRAGMA application_id = 1179867470;"
      "CREATE TABLE device ("
      "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
      "  device_code TEXT NOT NULL, user_name TEXT NOT NULL, node_id TEXT NOT NULL,"
      "  hlc TEXT NOT NULL, receipt_counter INTEGER NOT NULL DEFAULT 0,"
      "  schema_version INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
      "CREATE TABLE records ("
      "  id TEXT PRIMARY KEY, collection TEXT NOT NULL, bucket TEXT NOT NULL,"
      "  fields TEXT NOT NULL, stamps TEXT NOT NULL);"
      "CREATE INDEX records_by_collection ON records (collection, id);"
      "CREATE TABLE outbox ("
      "  seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL UNIQUE,"
      "  collection TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL,"
      "  fields TEXT NOT NULL, stamps TEXT NOT NULL, base TEXT NOT NULL,"
      "  created_ms INTEGER NOT NULL);",
      // 1 -> 2: parked changes (rejected by the server, kept for the user), and an
      // index for the per-household derived views (arrears, visits, promises).
      "ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';"
      "ALTER TABLE outbox ADD COLUMN parked_reason TEXT;"
      "CREATE INDEX records_by_household ON records"
      "  (collection, json_extract(fields, '$.household'));",
      // 2 -> 3: sync state: per-bucket cursors and settings; indexes for the rebase
      // (pending changes of a record) and for evicting a bucket.
      "CREATE TABLE cursors (bucket TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
      "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE INDEX outbox_by_record ON outbox (record_id, state);"
      "CREATE INDEX records_by_bucket ON records (bucket);",
      // 3 -> 4: fewer b-trees touched per write (a durable write costs the pages it
      // dirties): records keyed by (collection, id) without a rowid, no bucket index
      // (eviction is rare), and the change counter kept in the device row instead of
      // AUTOINCREMENT's sqlite_sequence, so a change number is still never reused.
      "CREATE TABLE records_v4 ("
      "  collection TEXT NOT NULL, id TEXT NOT NULL, bucket TEXT NOT NULL,"
      "  fields TEXT NOT NULL, stamps TEXT NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;"
      "INSERT INTO records_v4 SELECT collection, id, bucket, fields, stamps FROM records;"
      "DROP TABLE records;"
      "ALTER TABLE records_v4 RENAME TO records;"
      "CREATE INDEX records_by_household ON records"
      "  (collection, json_extract(fields, '$.household'));"
      "ALTER TABLE device ADD COLUMN change_counter INTEGER NOT NULL DEFAULT 0;"
      "UPDATE device SET change_counter = max("
      "  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),"
      "  coalesce((SELECT max(seq) FROM outbox), 0));"
      "CREATE TABLE outbox_v4 ("
      "  seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL, collection TEXT NOT NULL,"
      "  record_id TEXT NOT NULL, kind TEXT NOT NULL, fields TEXT NOT NULL, stamps TEXT NOT NULL,"
      "  base TEXT NOT NULL, created_ms INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending',"
      "  parked_reason TEXT);"
      "INSERT INTO outbox_v4 SELECT seq, change_id, collection, record_id, kind, fields, stamps,"
      "  base, created_ms, state, parked_reason FROM outbox;"
      "DROP TABLE outbox;"
      "ALTER TABLE outbox_v4 RENAME TO outbox;"
      "DELETE FROM sqlite_sequence WHERE name = 'outbox';",
      // 4 -> 5: attachment bytes (attachments.h): one row per blob this device holds
      // or must upload, and an index to find a blob's attachment records.
      "CREATE TABLE blobs ("
      "  hash TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT NOT NULL,"
      "  state TEXT NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0,"
      "  pinned INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
      "  created_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE INDEX records_by_sha256 ON records"
      "  (collection, json_extract(fields, '$.sha256')) WHERE collection = 'attachments';",
  };
  return kSteps;
}

}  // namespace

int latest_device_layout() { return static_cast<int>(steps().size()); }

Status migrate_device_layout(SqliteDb& db, int target) {
  if (target < 0) target = latest_device_layout();
  auto current = db.pragma_int("user_version");
  if (!current.ok()) return current.status();
  if (*current > latest_device_layout()) {
    return Status::failed_precondition(
        "this database was written by a newer fieldsync (layout " + std::to_string(*current) +
        ", this build knows up to " + std::to_string(latest_device_layout()) + "); update the app");
  }
  for (int version = static_cast<int>(*current); version < target; ++version) {
    auto txn = SqliteTransaction::begin_immediate(db);
    if (!txn.ok()) return txn.status();
    FIELDSYNC_RETURN_IF_ERROR(db.exec(steps()[static_cast<size_t>(version)]).with_context(
        "migrating the database to layout " + std::to_string(version + 1)));
    FIELDSYNC_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(version + 1)));
    FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  }
  return Status();
}

}  // namespace fieldsync
