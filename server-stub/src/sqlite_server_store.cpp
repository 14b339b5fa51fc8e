// The SQLite ServerStore: one connection behind a mutex, held by a transaction for
// its whole life, so requests are serialised (SQLite has one writer anyway).
#include <cctype>
#include <cstdio>
#include <mutex>

#include "fieldsync/buckets.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/sqlite_db.h"

namespace fieldsync::server {
namespace {

constexpr int64_t kServerApplicationId = 0x46535356;  // "FSSV"

const char* kLayout =
    "PRAGMA application_id = 1179865942;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE records ("
    "  id TEXT PRIMARY KEY, collection TEXT NOT NULL, bucket TEXT NOT NULL,"
    "  fields TEXT NOT NULL, stamps TEXT NOT NULL, seq INTEGER NOT NULL UNIQUE);"
    "CREATE INDEX records_by_bucket ON records (bucket, seq);"
    "CREATE INDEX records_by_collection ON records (collection, id);"
    "CREATE INDEX payments_by_receipt ON records (json_extract(fields, '$.receipt_number'))"
    "  WHERE collection = 'payments';"
    "CREATE TABLE change_results ("
    "  device_id TEXT NOT NULL, seq INTEGER NOT NULL, change_id TEXT NOT NULL,"
    "  result TEXT NOT NULL, PRIMARY KEY (device_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, active INTEGER NOT NULL);"
    "CREATE TABLE assignments ("
    "  user TEXT NOT NULL REFERENCES users (name), kind TEXT NOT NULL, target TEXT NOT NULL,"
    "  PRIMARY KEY (user, kind, target));"
    "CREATE TABLE enrollment_codes ("
    "  code_hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users (name),"
    "  expires_ms INTEGER NOT NULL, used_ms INTEGER, device_id TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE devices ("
    "  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users (name),"
    "  device_code TEXT NOT NULL UNIQUE, token_hash TEXT NOT NULL UNIQUE,"
    "  revoked INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL DEFAULT 0,"
    "  node_id TEXT NOT NULL DEFAULT '', token_issued_ms INTEGER NOT NULL DEFAULT 0,"
    "  next_token_hash TEXT);"
    "CREATE INDEX devices_by_node ON devices (node_id);"
    "CREATE UNIQUE INDEX devices_by_next_token ON devices (next_token_hash);"
    "CREATE TABLE closed_periods (period TEXT PRIMARY KEY, closed_ms INTEGER NOT NULL);"
    "CREATE TABLE refused_changes ("
    "  id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, device_code TEXT NOT NULL,"
    "  user TEXT NOT NULL, seq INTEGER NOT NULL, change_id TEXT NOT NULL,"
    "  collection TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL,"
    "  change TEXT NOT NULL, reason TEXT NOT NULL, refused_ms INTEGER NOT NULL,"
    "  clock_error_ms INTEGER, state TEXT NOT NULL DEFAULT 'open',"
    "  settled_by TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    "  settled_ms INTEGER NOT NULL DEFAULT 0, settle_seq INTEGER,"
    "  accepted_record TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX refused_by_state ON refused_changes (state, id);"
    "CREATE UNIQUE INDEX refused_by_settlement ON refused_changes (device_id, settle_seq)"
    "  WHERE settle_seq IS NOT NULL;"
    "CREATE TABLE record_changes ("
    "  id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, arrived_ms INTEGER NOT NULL,"
    "  device_code TEXT NOT NULL, user TEXT NOT NULL, change_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL, fields TEXT NOT NULL, outcome TEXT NOT NULL);"
    "CREATE INDEX record_changes_by_record ON record_changes (record_id, id);"
    "CREATE INDEX record_changes_by_device ON record_changes (device_code, arrived_ms);"
    "CREATE INDEX record_changes_by_user ON record_changes (user, arrived_ms);"
    "CREATE INDEX refused_by_device ON refused_changes (device_code, refused_ms);"
    "CREATE INDEX refused_by_user ON refused_changes (user, refused_ms);"
    "CREATE TABLE blob_holders ("
    "  sha256 TEXT NOT NULL, device_id TEXT NOT NULL, PRIMARY KEY (sha256, device_id))"
    "  WITHOUT ROWID;"
    "CREATE TABLE office_passwords ("
    "  user TEXT PRIMARY KEY REFERENCES users (name), hash TEXT NOT NULL,"
    "  failed INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE office_sessions ("
    "  token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
    "  address TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
    "CREATE INDEX office_sessions_by_user ON office_sessions (user);"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, user TEXT NOT NULL,"
    "  address TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE TABLE api_tokens ("
    "  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user TEXT NOT NULL,"
    "  name TEXT NOT NULL, issued_by TEXT NOT NULL, issued_ms INTEGER NOT NULL,"
    "  last_used_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL);"
    "PRAGMA user_version = 10;";

// The layout this build writes, and how each earlier one is brought to it: each
// migration takes layout `to - 1` to `to`, in its own transaction, run in order on open.
constexpr int64_t kLayoutVersion = 10;

// Layout 1 to 2 (schema 1 kept buckets without a kind of data, "building:<id>"; layout
// 2 gives each its kind, "building:<id>:fees"): every record's bucket derived again by
// the declarations of this build, collection by collection in declaration order, so a
// record's parent (always declared before it) already has its new bucket. Sequence
// numbers stay: a phone's cursors name the old buckets, so it pulls each new bucket
// from its start.
Status migrate_buckets(SqliteDb& db) {
  const Schema& schema = Schema::property_management();
  BucketLookup lookup = [&db](const std::string& collection,
                              const std::string& id) -> Result<std::optional<std::string>> {
    auto parent = db.cached("SELECT collection, bucket FROM records WHERE id = ?");
    if (!parent.ok()) return parent.status();
    (*parent)->bind(1, id);
    auto row = (*parent)->step();
    if (!row.ok()) return row.status();
    if (!*row || (!collection.empty() && (*parent)->column_text(0) != collection)) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>((*parent)->column_text(1));
  };
  for (const CollectionDef& c : schema.collections()) {
    auto records = db.prepare("SELECT id, fields FROM records WHERE collection = ? ORDER BY id");
    if (!records.ok()) return records.status();
    (*records)->bind(1, c.name);
    std::vector<std::pair<std::string, std::string>> moved;
    while (true) {
      auto row = (*records)->step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const std::string id = (*records)->column_text(0);
      const Json fields = Json::parse((*records)->column_text(1), nullptr, false);
      auto bucket = derive_bucket(c, id, fields, lookup);
      if (!bucket.ok()) return bucket.status();
      if (*bucket) moved.emplace_back(id, **bucket);
    }
    for (const auto& [id, bucket] : moved) {
      auto update = db.cached("UPDATE records SET bucket = ?2 WHERE id = ?1");
      if (!update.ok()) return update.status();
      (*update)->bind(1, id).bind(2, bucket);
      FIELDSYNC_RETURN_IF_ERROR((*update)->run());
    }
  }
  return Status();
}

// Layout 2 to 3: the periods the office has closed.
Status add_closed_periods(SqliteDb& db) {
  return db.exec(
      "CREATE TABLE closed_periods (period TEXT PRIMARY KEY, closed_ms INTEGER NOT NULL)");
}

// Layout 3 to 4: refused changes, kept whole for the office; enrollment codes that
// re-admit a revoked device.
Status add_refused_changes(SqliteDb& db) {
  return db.exec(
      "ALTER TABLE enrollment_codes ADD COLUMN device_id TEXT NOT NULL DEFAULT '';"
      "CREATE TABLE refused_changes ("
    "  id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, device_code TEXT NOT NULL,"
    "  user TEXT NOT NULL, seq INTEGER NOT NULL, change_id TEXT NOT NULL,"
    "  collection TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL,"
    "  change TEXT NOT NULL, reason TEXT NOT NULL, refused_ms INTEGER NOT NULL,"
    "  clock_error_ms INTEGER, state TEXT NOT NULL DEFAULT 'open',"
    "  settled_by TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    "  settled_ms INTEGER NOT NULL DEFAULT 0, settle_seq INTEGER,"
    "  accepted_record TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX refused_by_state ON refused_changes (state, id);"
    "CREATE UNIQUE INDEX refused_by_settlement ON refused_changes (device_id, settle_seq)"
    "  WHERE settle_seq IS NOT NULL;");
}

// Layout 4 to 5: each record's history of changes (from now on; earlier changes were
// not kept).
Status add_record_changes(SqliteDb& db) {
  return db.exec(
      "CREATE TABLE record_changes ("
      "  id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, arrived_ms INTEGER NOT NULL,"
      "  device_code TEXT NOT NULL, user TEXT NOT NULL, change_id TEXT NOT NULL,"
      "  kind TEXT NOT NULL, fields TEXT NOT NULL, outcome TEXT NOT NULL);"
      "CREATE INDEX record_changes_by_record ON record_changes (record_id, id);");
}

// Layout 5 to 6: changes counted by device and by user over a day (quotas).
Status add_change_count_indexes(SqliteDb& db) {
  return db.exec(
      "CREATE INDEX record_changes_by_device ON record_changes (device_code, arrived_ms);"
      "CREATE INDEX record_changes_by_user ON record_changes (user, arrived_ms);"
      "CREATE INDEX refused_by_device ON refused_changes (device_code, refused_ms);"
      "CREATE INDEX refused_by_user ON refused_changes (user, refused_ms);");
}

// Layout 6 to 7: device tokens rotate; a token's age is counted from its issue, which
// for tokens issued before is the device's enrollment.
Status add_token_rotation(SqliteDb& db) {
  return db.exec(
      "ALTER TABLE devices ADD COLUMN token_issued_ms INTEGER NOT NULL DEFAULT 0;"
      "ALTER TABLE devices ADD COLUMN next_token_hash TEXT;"
      "UPDATE devices SET token_issued_ms = created_ms;"
      "CREATE UNIQUE INDEX devices_by_next_token ON devices (next_token_hash);");
}

// Layout 7 to 8: who holds a blob's bytes. The devices whose attachment records the
// server holds are taken to hold their bytes: those records were accepted under the
// rules of their day (docs/security.md, "Attachments"), and their phones may have let
// the bytes go since.
Status add_blob_holders(SqliteDb& db) {
  return db.exec(
      "CREATE TABLE blob_holders ("
      "  sha256 TEXT NOT NULL, device_id TEXT NOT NULL, PRIMARY KEY (sha256, device_id))"
      "  WITHOUT ROWID;"
      // A stamp is "<wall>.<counter>.<node>": the node after the second dot.
      "INSERT OR IGNORE INTO blob_holders (sha256, device_id)"
      "  SELECT json_extract(r.fields, '$.sha256'), d.id FROM records r"
      "  JOIN devices d ON d.node_id <> '' AND d.node_id ="
      "    substr(json_extract(r.stamps, '$.sha256'), 23)"
      "  WHERE r.collection = 'attachments' AND json_extract(r.fields, '$.sha256') IS NOT NULL;"
      "INSERT OR IGNORE INTO blob_holders (sha256, device_id)"
      "  SELECT json_extract(r.fields, '$.sha256'), d.id FROM record_changes c"
      "  JOIN records r ON r.id = c.record_id JOIN devices d ON d.device_code = c.device_code"
      "  WHERE c.outcome = 'accepted' AND r.collection = 'attachments'"
      "  AND json_extract(r.fields, '$.sha256') IS NOT NULL;");
}

// Layout 8 to 9: the office console's passwords, sessions and audit log.
Status add_office_console(SqliteDb& db) {
  return db.exec(
      "CREATE TABLE office_passwords ("
      "  user TEXT PRIMARY KEY REFERENCES users (name), hash TEXT NOT NULL,"
      "  failed INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE office_sessions ("
      "  token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
      "  address TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
      "CREATE INDEX office_sessions_by_user ON office_sessions (user);"
      "CREATE TABLE audit_log ("
      "  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, user TEXT NOT NULL,"
      "  address TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);");
}

// Layout 9 to 10: the console's API tokens for scripts.
Status add_api_tokens(SqliteDb& db) {
  return db.exec(
      "CREATE TABLE api_tokens ("
      "  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user TEXT NOT NULL,"
      "  name TEXT NOT NULL, issued_by TEXT NOT NULL, issued_ms INTEGER NOT NULL,"
      "  last_used_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL);");
}

struct Migration {
  int64_t to;
  Status (*run)(SqliteDb& db);
};
// clang-format off
const Migration kMigrations[] = {{2, migrate_buckets},
                                 {3, add_closed_periods},
                                 {4, add_refused_changes},
                                 {5, add_record_changes},
                                 {6, add_change_count_indexes},
                                 {7, add_token_rotation},
                                 {8, add_blob_holders},
                                 {9, add_office_console},
                                 {10, add_api_tokens}};
// clang-format on

Status migrate(SqliteDb& db, int64_t from) {
  for (const Migration& m : kMigrations) {
    if (m.to <= from) continue;
    auto txn = SqliteTransaction::begin_immediate(db);
    if (!txn.ok()) return txn.status();
    FIELDSYNC_RETURN_IF_ERROR(m.run(db));
    FIELDSYNC_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(m.to)));
    FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  }
  return Status();
}

StoredRecord read_stored(const SqliteStatement& s) {
  StoredRecord r;
  r.record.id = s.column_text(0);
  r.record.collection = s.column_text(1);
  r.record.bucket = s.column_text(2);
  r.record.fields = Json::parse(s.column_text(3), nullptr, false);
  r.record.stamps = Json::parse(s.column_text(4), nullptr, false);
  r.seq = s.column_int(5);
  return r;
}

// Every row a statement selecting records gives, read with read_stored.
Result<std::vector<StoredRecord>> read_all_stored(SqliteStatement& s) {
  std::vector<StoredRecord> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(read_stored(s));
  }
}

Device read_device(const SqliteStatement& s) {
  Device d;
  d.id = s.column_text(0);
  d.user = s.column_text(1);
  d.device_code = s.column_text(2);
  d.revoked = s.column_int(3) != 0;
  d.last_seq = s.column_int(4);
  d.created_ms = s.column_int(5);
  d.last_seen_ms = s.column_int(6);
  d.node_id = s.column_text(7);
  d.token_issued_ms = s.column_int(8);
  return d;
}

// Letters, digits and '_': a collection or field name, safe inside an SQL literal.
bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

constexpr const char* kDeviceColumns =
    "SELECT id, user, device_code, revoked, last_seq, created_ms, last_seen_ms, node_id,"
    " token_issued_ms FROM devices";

constexpr const char* kApiTokenColumns =
    "SELECT id, token_hash, user, name, issued_by, issued_ms, last_used_ms, revoked_ms"
    " FROM api_tokens";

ApiToken read_api_token(const SqliteStatement& s) {
  return ApiToken{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                  s.column_text(4), s.column_int(5),  s.column_int(6),  s.column_int(7)};
}

class SqliteServerTransaction final : public ServerTransaction {
 public:
  SqliteServerTransaction(SqliteDb& db, std::unique_lock<std::mutex> lock)
      : db_(db), lock_(std::move(lock)) {}
  ~SqliteServerTransaction() override {
    if (!done_) (void)db_.exec("ROLLBACK");
  }

  Result<std::optional<StoredRecord>> get_record(const std::string& id) override {
    auto s = db_.cached("SELECT id, collection, bucket, fields, stamps, seq FROM records WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, id);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<StoredRecord>();
    return std::optional<StoredRecord>(read_stored(**s));
  }

  Result<int64_t> put_record(const Record& r) override {
    auto next = db_.cached("SELECT coalesce(max(seq), 0) + 1 FROM records");
    if (!next.ok()) return next.status();
    auto row = (*next)->step();
    if (!row.ok()) return row.status();
    const int64_t seq = (*next)->column_int(0);
    (*next)->reset();
    auto s = db_.cached(
        "INSERT INTO records (id, collection, bucket, fields, stamps, seq) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET collection = excluded.collection, bucket = excluded.bucket,"
        " fields = excluded.fields, stamps = excluded.stamps, seq = excluded.seq");
    if (!s.ok()) return s.status();
    (*s)->bind(1, r.id).bind(2, r.collection).bind(3, r.bucket).bind(4, r.fields.dump());
    (*s)->bind(5, r.stamps.dump()).bind(6, seq);
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());
    return seq;
  }

  Result<std::vector<StoredRecord>> records_since(const std::string& bucket, int64_t after_seq,
                                                  int64_t limit) override {
    auto s = db_.cached(
        "SELECT id, collection, bucket, fields, stamps, seq FROM records"
        " WHERE bucket = ? AND seq > ? ORDER BY seq LIMIT ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, bucket).bind(2, after_seq).bind(3, limit);
    return read_all_stored(**s);
  }

  Result<std::vector<StoredRecord>> records_written_since(int64_t after_seq,
                                                          int64_t limit) override {
    auto s = db_.cached(
        "SELECT id, collection, bucket, fields, stamps, seq FROM records"
        " WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, after_seq).bind(2, limit);
    return read_all_stored(**s);
  }

  Status for_each_record(const std::string& collection,
                         const std::function<bool(const StoredRecord&)>& visit) override {
    auto s = db_.prepare(
        "SELECT id, collection, bucket, fields, stamps, seq FROM records WHERE collection = ? ORDER BY id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, collection);
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row || !visit(read_stored(**s))) return Status();
    }
  }

  Result<std::vector<std::string>> list_buckets() override {
    auto s = db_.prepare("SELECT DISTINCT bucket FROM records ORDER BY bucket");
    if (!s.ok()) return s.status();
    std::vector<std::string> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back((*s)->column_text(0));
    }
  }

  Result<std::vector<std::string>> find_ids(const std::string& collection, const std::string& field,
                                            const std::string& value) override {
    // Schema names go into the SQL as literals, so that an expression index on the field
    // (payments_by_receipt) can serve the query: with the collection and the path as
    // parameters, SQLite cannot match a partial expression index and scans the
    // collection, which made every pushed payment cost a scan of all payments.
    if (!is_plain_name(collection) || !is_plain_name(field)) {
      return Status::invalid_argument("find_ids: '" + collection.substr(0, 64) + "." +
                                      field.substr(0, 64) + "' is not a collection and field name");
    }
    auto s = db_.cached("SELECT id FROM records WHERE collection = '" + collection +
                        "' AND json_extract(fields, '$." + field + "') = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, value);
    std::vector<std::string> ids;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return ids;
      ids.push_back((*s)->column_text(0));
    }
  }

  Result<std::optional<std::string>> change_result(const std::string& device_id, int64_t seq) override {
    auto s = db_.cached("SELECT result FROM change_results WHERE device_id = ? AND seq = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, device_id).bind(2, seq);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>((*s)->column_text(0));
  }

  Status put_change_result(const std::string& device_id, int64_t seq, const std::string& change_id,
                           const std::string& result_json) override {
    auto s = db_.cached("INSERT OR REPLACE INTO change_results VALUES (?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, device_id).bind(2, seq).bind(3, change_id).bind(4, result_json);
    return (*s)->run();
  }

  Status put_user(const User& u) override {
    auto s = db_.cached(
        "INSERT INTO users VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role,"
        " active = excluded.active");
    if (!s.ok()) return s.status();
    (*s)->bind(1, u.name).bind(2, u.role).bind(3, int64_t{u.active ? 1 : 0});
    return (*s)->run();
  }

  Result<std::optional<User>> get_user(const std::string& name) override {
    auto s = db_.cached("SELECT name, role, active FROM users WHERE name = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, name);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<User>();
    return std::optional<User>(User{(*s)->column_text(0), (*s)->column_text(1), (*s)->column_int(2) != 0});
  }

  Result<std::vector<User>> list_users() override {
    auto s = db_.prepare("SELECT name, role, active FROM users ORDER BY name");
    if (!s.ok()) return s.status();
    std::vector<User> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(User{(*s)->column_text(0), (*s)->column_text(1), (*s)->column_int(2) != 0});
    }
  }

  Status put_assignment(const Assignment& a) override {
    auto s = db_.cached("INSERT OR IGNORE INTO assignments VALUES (?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, a.user).bind(2, a.kind).bind(3, a.target);
    return (*s)->run();
  }

  Status delete_assignment(const Assignment& a) override {
    auto s = db_.cached("DELETE FROM assignments WHERE user = ? AND kind = ? AND target = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, a.user).bind(2, a.kind).bind(3, a.target);
    return (*s)->run();
  }

  Result<std::vector<Assignment>> assignments_of(const std::string& user) override {
    auto s = db_.cached("SELECT user, kind, target FROM assignments WHERE user = ? ORDER BY kind, target");
    if (!s.ok()) return s.status();
    (*s)->bind(1, user);
    std::vector<Assignment> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back({(*s)->column_text(0), (*s)->column_text(1), (*s)->column_text(2)});
    }
  }

  Status put_enrollment_code(const std::string& code_hash, const std::string& user,
                             int64_t expires_ms, const std::string& device_id) override {
    auto s = db_.cached(
        "INSERT INTO enrollment_codes (code_hash, user, expires_ms, used_ms, device_id)"
        " VALUES (?, ?, ?, NULL, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, code_hash).bind(2, user).bind(3, expires_ms).bind(4, device_id);
    return (*s)->run();
  }

  Result<std::optional<RedeemedCode>> redeem_enrollment_code(const std::string& code_hash,
                                                             int64_t now_ms) override {
    auto s = db_.cached(
        "UPDATE enrollment_codes SET used_ms = ?2 WHERE code_hash = ?1 AND used_ms IS NULL"
        " AND expires_ms > ?2 RETURNING user, device_id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, code_hash).bind(2, now_ms);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<RedeemedCode>();
    RedeemedCode redeemed{(*s)->column_text(0), (*s)->column_text(1)};
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());
    return std::optional<RedeemedCode>(std::move(redeemed));
  }

  Status put_device(const Device& d, const std::string& token_hash) override {
    auto s = db_.cached(
        "INSERT INTO devices (id, user, device_code, token_hash, revoked, last_seq, created_ms,"
        " last_seen_ms, token_issued_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?7)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, d.id).bind(2, d.user).bind(3, d.device_code).bind(4, token_hash);
    (*s)->bind(5, int64_t{d.revoked ? 1 : 0}).bind(6, d.last_seq).bind(7, d.created_ms);
    (*s)->bind(8, d.last_seen_ms);
    return (*s)->run();
  }

  Result<std::optional<Device>> device_by(const char* column, const std::string& value) {
    auto s = db_.cached(std::string(kDeviceColumns) + " WHERE " + column + " = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, value);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<Device>();
    return std::optional<Device>(read_device(**s));
  }
  Result<std::optional<Device>> device_by_token(const std::string& token_hash) override {
    auto current = device_by("token_hash", token_hash);
    if (!current.ok() || *current) return current;
    auto next = device_by("next_token_hash", token_hash);
    if (next.ok() && *next) (*next)->by_next_token = true;
    return next;
  }
  Status offer_next_token(const std::string& device_id, const std::string& token_hash) override {
    auto s = db_.cached("UPDATE devices SET next_token_hash = ? WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, token_hash).bind(2, device_id);
    return (*s)->run();
  }
  Status promote_next_token(const std::string& device_id, int64_t now_ms) override {
    auto s = db_.cached(
        "UPDATE devices SET token_hash = next_token_hash, next_token_hash = NULL,"
        " token_issued_ms = ? WHERE id = ? AND next_token_hash IS NOT NULL");
    if (!s.ok()) return s.status();
    (*s)->bind(1, now_ms).bind(2, device_id);
    return (*s)->run();
  }
  Result<std::optional<Device>> device_by_code(const std::string& code) override {
    return device_by("device_code", code);
  }

  Result<std::optional<Device>> device_by_node(const std::string& node_id) override {
    return device_by("node_id", node_id);
  }

  Status set_device_node(const std::string& device_id, const std::string& node_id) override {
    auto s = db_.cached("UPDATE devices SET node_id = ? WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, node_id).bind(2, device_id);
    return (*s)->run();
  }

  Result<std::optional<OfficePassword>> office_password(const std::string& user) override {
    auto s = db_.cached(
        "SELECT user, hash, failed, locked_until_ms FROM office_passwords WHERE user = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, user);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<OfficePassword>();
    return std::optional<OfficePassword>(OfficePassword{(*s)->column_text(0), (*s)->column_text(1),
                                                        (*s)->column_int(2), (*s)->column_int(3)});
  }

  Status put_office_password(const OfficePassword& p) override {
    auto s = db_.cached("INSERT OR REPLACE INTO office_passwords VALUES (?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, p.user).bind(2, p.hash).bind(3, p.failed).bind(4, p.locked_until_ms);
    return (*s)->run();
  }

  Status put_office_session(const OfficeSession& o) override {
    auto s = db_.cached("INSERT INTO office_sessions VALUES (?, ?, ?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, o.token_hash).bind(2, o.user).bind(3, o.csrf).bind(4, o.address);
    (*s)->bind(5, o.created_ms).bind(6, o.expires_ms);
    return (*s)->run();
  }

  Result<std::optional<OfficeSession>> office_session(const std::string& token_hash) override {
    auto s = db_.cached(
        "SELECT token_hash, user, csrf, address, created_ms, expires_ms FROM office_sessions"
        " WHERE token_hash = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, token_hash);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<OfficeSession>();
    return std::optional<OfficeSession>(
        OfficeSession{(*s)->column_text(0), (*s)->column_text(1), (*s)->column_text(2),
                      (*s)->column_text(3), (*s)->column_int(4), (*s)->column_int(5), ""});
  }

  Status delete_office_session(const std::string& token_hash) override {
    auto s = db_.cached("DELETE FROM office_sessions WHERE token_hash = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, token_hash);
    return (*s)->run();
  }

  Status end_office_sessions(const std::string& user) override {
    auto s = db_.cached("DELETE FROM office_sessions WHERE user = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, user);
    return (*s)->run();
  }

  Status put_api_token(const ApiToken& t) override {
    auto s = db_.cached("INSERT OR REPLACE INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, t.id).bind(2, t.token_hash).bind(3, t.user).bind(4, t.name);
    (*s)->bind(5, t.issued_by).bind(6, t.issued_ms).bind(7, t.last_used_ms).bind(8, t.revoked_ms);
    return (*s)->run();
  }

  Result<std::optional<ApiToken>> api_token(const std::string& id) override {
    return one_api_token("id", id);
  }

  Result<std::optional<ApiToken>> api_token_by_hash(const std::string& token_hash) override {
    return one_api_token("token_hash", token_hash);
  }

  Result<std::vector<ApiToken>> api_tokens() override {
    auto s = db_.cached(std::string(kApiTokenColumns) + " ORDER BY issued_ms DESC, id");
    if (!s.ok()) return s.status();
    std::vector<ApiToken> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(read_api_token(**s));
    }
  }

  Result<int64_t> append_audit(const AuditEntry& e) override {
    auto s = db_.cached(
        "INSERT INTO audit_log (at_ms, user, address, action, detail) VALUES (?, ?, ?, ?, ?)"
        " RETURNING id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, e.at_ms).bind(2, e.user).bind(3, e.address).bind(4, e.action).bind(5, e.detail);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    const int64_t id = *row ? (*s)->column_int(0) : 0;
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());  // steps it to its end
    return id;
  }

  Result<std::vector<AuditEntry>> audit_entries(int64_t before, int64_t limit) override {
    auto s = db_.cached(
        "SELECT id, at_ms, user, address, action, detail FROM audit_log"
        " WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2");
    if (!s.ok()) return s.status();
    (*s)->bind(1, before).bind(2, limit);
    std::vector<AuditEntry> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back({(*s)->column_int(0), (*s)->column_int(1), (*s)->column_text(2),
                     (*s)->column_text(3), (*s)->column_text(4), (*s)->column_text(5)});
    }
  }

  Result<int64_t> audit_count() override {
    auto s = db_.cached("SELECT count(*) FROM audit_log");
    if (!s.ok()) return s.status();
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    const int64_t count = *row ? (*s)->column_int(0) : 0;
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());
    return count;
  }

  Status add_blob_holder(const std::string& sha256, const std::string& device_id) override {
    auto s = db_.cached("INSERT OR IGNORE INTO blob_holders (sha256, device_id) VALUES (?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, sha256).bind(2, device_id);
    return (*s)->run();
  }

  Result<std::set<std::string>> blob_holders(const std::string& sha256) override {
    auto s = db_.cached("SELECT device_id FROM blob_holders WHERE sha256 = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, sha256);
    std::set<std::string> holders;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return holders;
      holders.insert((*s)->column_text(0));
    }
  }

  Result<std::vector<Device>> list_devices() override {
    auto s = db_.prepare(std::string(kDeviceColumns) + " ORDER BY user, device_code");
    if (!s.ok()) return s.status();
    std::vector<Device> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(read_device(**s));
    }
  }

  Result<std::vector<KnownToken>> known_tokens() override {
    auto s = db_.prepare(
        "SELECT d.token_hash, d.device_code, d.revoked, COALESCE(u.active, 0) FROM devices d "
        "LEFT JOIN users u ON u.name = d.user UNION ALL "
        "SELECT d.next_token_hash, d.device_code, d.revoked, COALESCE(u.active, 0) FROM devices d "
        "LEFT JOIN users u ON u.name = d.user WHERE d.next_token_hash IS NOT NULL");
    if (!s.ok()) return s.status();
    std::vector<KnownToken> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back({(*s)->column_text(0), (*s)->column_text(1), (*s)->column_int(2) != 0,
                     (*s)->column_int(3) != 0});
    }
  }

  Status set_device_progress(const std::string& device_id, int64_t last_seq, int64_t seen_ms) override {
    auto s = db_.cached("UPDATE devices SET last_seq = max(last_seq, ?), last_seen_ms = ? WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, last_seq).bind(2, seen_ms).bind(3, device_id);
    return (*s)->run();
  }

  Status revoke_device(const std::string& device_id) override {
    auto s = db_.cached("UPDATE devices SET revoked = 1 WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, device_id);
    return (*s)->run();
  }

  static RefusedChange read_refused(const SqliteStatement& s) {
    RefusedChange c;
    c.id = s.column_int(0);
    c.device_id = s.column_text(1);
    c.device_code = s.column_text(2);
    c.user = s.column_text(3);
    c.seq = s.column_int(4);
    c.change_id = s.column_text(5);
    c.collection = s.column_text(6);
    c.record_id = s.column_text(7);
    c.kind = s.column_text(8);
    c.change = Json::parse(s.column_text(9), nullptr, false);
    c.reason = s.column_text(10);
    c.refused_ms = s.column_int(11);
    if (!s.column_is_null(12)) c.clock_error_ms = s.column_int(12);
    c.state = s.column_text(13);
    c.settled_by = s.column_text(14);
    c.note = s.column_text(15);
    c.settled_ms = s.column_int(16);
    c.settle_seq = s.column_is_null(17) ? 0 : s.column_int(17);
    c.accepted_record = s.column_text(18);
    return c;
  }
  static constexpr const char* kRefusedColumns =
      "SELECT id, device_id, device_code, user, seq, change_id, collection, record_id, kind,"
      " change, reason, refused_ms, clock_error_ms, state, settled_by, note, settled_ms,"
      " settle_seq, accepted_record FROM refused_changes";

  Result<std::vector<RefusedChange>> read_refused_rows(CachedStatement& s) {
    std::vector<RefusedChange> out;
    while (true) {
      auto row = s->step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(read_refused(*s));
    }
  }

  Result<int64_t> put_refused_change(const RefusedChange& c) override {
    auto s = db_.cached(
        "INSERT INTO refused_changes (device_id, device_code, user, seq, change_id, collection,"
        " record_id, kind, change, reason, refused_ms, clock_error_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, c.device_id).bind(2, c.device_code).bind(3, c.user).bind(4, c.seq);
    (*s)->bind(5, c.change_id).bind(6, c.collection).bind(7, c.record_id).bind(8, c.kind);
    (*s)->bind(9, c.change.dump()).bind(10, c.reason).bind(11, c.refused_ms);
    if (c.clock_error_ms) {
      (*s)->bind(12, *c.clock_error_ms);
    } else {
      (*s)->bind_null(12);
    }
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::internal("refused change: no id given");
    const int64_t id = (*s)->column_int(0);
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());
    return id;
  }

  Status put_record_change(const RecordChange& c) override {
    auto s = db_.cached(
        "INSERT INTO record_changes (record_id, arrived_ms, device_code, user, change_id, kind,"
        " fields, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, c.record_id).bind(2, c.arrived_ms).bind(3, c.device_code).bind(4, c.user);
    (*s)->bind(5, c.change_id).bind(6, c.kind).bind(7, c.fields.dump()).bind(8, c.outcome);
    return (*s)->run();
  }

  Result<ChangeCounts> changes_since(const std::string& device_code, const std::string& user,
                                     int64_t since_ms) override {
    ChangeCounts counts;
    for (const char* column : {"device_code", "user"}) {
      const std::string c = column;
      auto s = db_.cached("SELECT (SELECT count(*) FROM record_changes WHERE " + c +
                          " = ?1 AND arrived_ms >= ?2) + (SELECT count(*) FROM refused_changes WHERE " +
                          c + " = ?1 AND refused_ms >= ?2)");
      if (!s.ok()) return s.status();
      (*s)->bind(1, c == "user" ? user : device_code).bind(2, since_ms);
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      (c == "user" ? counts.user : counts.device) = *row ? (*s)->column_int(0) : 0;
    }
    return counts;
  }

  Result<std::vector<RecordChange>> record_changes(const std::string& record_id) override {
    auto s = db_.cached(
        "SELECT record_id, arrived_ms, device_code, user, change_id, kind, fields, outcome"
        " FROM record_changes WHERE record_id = ? ORDER BY id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, record_id);
    std::vector<RecordChange> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      RecordChange c;
      c.record_id = (*s)->column_text(0);
      c.arrived_ms = (*s)->column_int(1);
      c.device_code = (*s)->column_text(2);
      c.user = (*s)->column_text(3);
      c.change_id = (*s)->column_text(4);
      c.kind = (*s)->column_text(5);
      c.fields = Json::parse((*s)->column_text(6), nullptr, false);
      c.outcome = (*s)->column_text(7);
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<std::optional<RefusedChange>> refused_change(int64_t id) override {
    auto s = db_.cached(std::string(kRefusedColumns) + " WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, id);
    auto rows = read_refused_rows(*s);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<RefusedChange>();
    return std::optional<RefusedChange>(std::move(rows->front()));
  }

  Result<std::vector<RefusedChange>> refused_changes(bool all) override {
    auto s = db_.cached(std::string(kRefusedColumns) +
                        (all ? " ORDER BY id" : " WHERE state = 'open' ORDER BY id"));
    if (!s.ok()) return s.status();
    return read_refused_rows(*s);
  }

  Status settle_refused_change(const RefusedChange& c) override {
    auto s = db_.cached(
        "UPDATE refused_changes SET state = ?2, settled_by = ?3, note = ?4, settled_ms = ?5,"
        " accepted_record = ?6, settle_seq = (SELECT coalesce(max(settle_seq), 0) + 1"
        " FROM refused_changes)"
        " WHERE id = ?1 AND state = 'open' RETURNING id");
    if (!s.ok()) return s.status();
    (*s)->bind(1, c.id).bind(2, c.state).bind(3, c.settled_by).bind(4, c.note);
    (*s)->bind(5, c.settled_ms).bind(6, c.accepted_record);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    const bool settled = *row;
    FIELDSYNC_RETURN_IF_ERROR((*s)->run());
    if (!settled) {
      return Status::failed_precondition("refused change " + std::to_string(c.id) +
                                         " is not open");
    }
    return Status();
  }

  Result<std::vector<RefusedChange>> settled_since(const std::string& device_id, int64_t after,
                                                   int64_t limit) override {
    auto s = db_.cached(std::string(kRefusedColumns) +
                        " WHERE device_id = ? AND settle_seq > ? ORDER BY settle_seq LIMIT ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, device_id).bind(2, after).bind(3, limit);
    return read_refused_rows(*s);
  }

  Status readmit_device(const std::string& device_id, const std::string& token_hash,
                        int64_t now_ms) override {
    auto s = db_.cached(
        "UPDATE devices SET revoked = 0, token_hash = ?, next_token_hash = NULL,"
        " token_issued_ms = ? WHERE id = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, token_hash).bind(2, now_ms).bind(3, device_id);
    return (*s)->run();
  }

  Result<std::optional<std::string>> setting(const std::string& key) override {
    auto s = db_.cached("SELECT value FROM meta WHERE key = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, "setting:" + key);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>((*s)->column_text(0));
  }

  Status put_setting(const std::string& key, const std::string& value) override {
    auto s = db_.cached("INSERT OR REPLACE INTO meta VALUES (?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, "setting:" + key).bind(2, value);
    return (*s)->run();
  }

  Result<std::map<std::string, int64_t>> closed_periods() override {
    auto s = db_.cached("SELECT period, closed_ms FROM closed_periods ORDER BY period");
    if (!s.ok()) return s.status();
    std::map<std::string, int64_t> out;
    while (true) {
      auto row = (*s)->step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out[(*s)->column_text(0)] = (*s)->column_int(1);
    }
    return out;
  }

  Status close_period(const std::string& period, int64_t closed_ms) override {
    auto s = db_.cached("INSERT OR IGNORE INTO closed_periods VALUES (?, ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, period).bind(2, closed_ms);
    return (*s)->run();
  }

  Result<Stamp> load_clock() override {
    auto s = db_.cached("SELECT value FROM meta WHERE key = 'clock'");
    if (!s.ok()) return s.status();
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return Stamp{0, 0, "server"};
    return Stamp::decode((*s)->column_text(0));
  }

  Status save_clock(const Stamp& stamp) override {
    auto s = db_.cached("INSERT OR REPLACE INTO meta VALUES ('clock', ?)");
    if (!s.ok()) return s.status();
    (*s)->bind(1, stamp.encode());
    return (*s)->run();
  }

  Status commit() override {
    Status s = db_.exec("COMMIT");
    if (s.ok()) done_ = true;
    return s;
  }

 private:
  // The token whose `column` (id or token_hash) is `value`.
  Result<std::optional<ApiToken>> one_api_token(const char* column, const std::string& value) {
    auto s = db_.cached(std::string(kApiTokenColumns) + " WHERE " + column + " = ?");
    if (!s.ok()) return s.status();
    (*s)->bind(1, value);
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<ApiToken>();
    return std::optional<ApiToken>(read_api_token(**s));
  }

  SqliteDb& db_;
  std::unique_lock<std::mutex> lock_;
  bool done_ = false;
};

class SqliteServerStore final : public ServerStore {
 public:
  SqliteServerStore(std::unique_ptr<SqliteDb> db, std::string code_key)
      : db_(std::move(db)), code_key_(std::move(code_key)) {}

  const std::string& code_key() const override { return code_key_; }

  Result<std::unique_ptr<ServerTransaction>> begin(bool write) override {
    std::unique_lock<std::mutex> lock(mutex_);
    FIELDSYNC_RETURN_IF_ERROR(db_->exec(write ? "BEGIN IMMEDIATE" : "BEGIN"));
    return std::unique_ptr<ServerTransaction>(new SqliteServerTransaction(*db_, std::move(lock)));
  }

  Status check_integrity() override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto s = db_->prepare("PRAGMA integrity_check");
    if (!s.ok()) return s.status();
    auto row = (*s)->step();
    if (!row.ok()) return row.status();
    if (*row && (*s)->column_text(0) == "ok") return Status();
    return Status::corruption("server database integrity check failed: " + (*s)->column_text(0));
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<SqliteDb> db_;
  const std::string code_key_;
};

}  // namespace

Result<std::unique_ptr<ServerStore>> open_sqlite_server_store(const std::string& path) {
  auto db = SqliteDb::open(path, /*create=*/true);
  if (!db.ok()) return db.status();
  auto app_id = (*db)->pragma_int("application_id");
  if (!app_id.ok()) return app_id.status().with_context("'" + path + "'");
  auto version = (*db)->pragma_int("user_version");
  if (!version.ok()) return version.status();
  auto tables = (*db)->pragma_int("schema_version");
  if (!tables.ok()) return tables.status();
  if (*app_id != kServerApplicationId && !(*app_id == 0 && *tables == 0)) {
    return Status::corruption("'" + path + "' is not a fieldsync server database");
  }
  FIELDSYNC_RETURN_IF_ERROR((*db)->exec("PRAGMA journal_mode = WAL"));
  FIELDSYNC_RETURN_IF_ERROR((*db)->exec("PRAGMA synchronous = FULL"));
  FIELDSYNC_RETURN_IF_ERROR((*db)->exec("PRAGMA foreign_keys = ON"));
  if (*app_id == 0) {
    FIELDSYNC_RETURN_IF_ERROR((*db)->exec(std::string("BEGIN;") + kLayout + "COMMIT;"));
  } else if (*version >= 1 && *version < kLayoutVersion) {
    FIELDSYNC_RETURN_IF_ERROR(migrate(**db, *version));
  } else if (*version != kLayoutVersion) {
    return Status::failed_precondition(
        "'" + path + "' has server layout " + std::to_string(*version) +
        "; this build knows layouts 1 to " + std::to_string(kLayoutVersion));
  }
  // The key of enrollment codes lives beside the database, in a file of its own: a
  // database in memory has a key of its own for as long as it lives.
  const bool in_memory = path.empty() || path == ":memory:";
  auto key = in_memory ? Result<std::string>(random_token()) : load_or_create_server_key(path + ".key");
  if (!key.ok()) return key.status();
  return std::unique_ptr<ServerStore>(new SqliteServerStore(std::move(db).value(), std::move(key).value()));
}

}  // namespace fieldsync::server
