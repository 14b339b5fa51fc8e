#include "fieldsync/sqlite_db.h"

#include "encrypted_vfs.h"

namespace fieldsync {

Status sqlite_status(int rc, sqlite3* db, const std::string& doing) {
  const int primary = rc & 0xFF;
  // The encrypted VFS says which page failed its check, or why it refused a file. (A
  // failed sqlite3_open_v2 gives the primary code; the handle keeps the extended one.)
  if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) {
    const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
    const std::string failure = take_page_failure();
    if (rc == SQLITE_IOERR_DATA || extended == SQLITE_IOERR_DATA) {
      return Status::corruption(doing + ": the database is damaged: " +
                                (failure.empty() ? "a page fails its check" : failure));
    }
    if (!failure.empty()) return Status::io_error(doing + ": " + failure);
  }
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string message = doing + ": " + detail;
  switch (primary) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status();
    case SQLITE_NOTADB:
      return Status::corruption(doing + ": the file is not a database (" + detail + ")");
    case SQLITE_CORRUPT:
      return Status::corruption(doing + ": the database is damaged (" + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::io_error(message + " (another writer holds the database; try again)", true);
    case SQLITE_CANTOPEN:
      return Status::io_error(doing + ": cannot open the file (" + detail + ")");
    case SQLITE_FULL:
      return Status::io_error(doing + ": the disk is full");
    case SQLITE_READONLY:
      return Status::io_error(doing + ": the database is read-only");
    case SQLITE_CONSTRAINT:
      return Status::already_exists(message);
    default:
      return Status::io_error(message);
  }
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

SqliteStatement& SqliteStatement::bind_json(int index, const Json& value) {
  if (value.is_null()) return bind_null(index);
  if (value.is_string()) return bind(index, value.get<std::string>());
  if (value.is_number_integer()) return bind(index, value.get<int64_t>());
  if (value.is_boolean()) return bind(index, int64_t{value.get<bool>() ? 1 : 0});
  if (value.is_number_float()) {
    sqlite3_bind_double(stmt_, index, value.get<double>());
    return *this;
  }
  return bind(index, value.dump());
}

Result<bool> SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(rc, db_, "running a query");
}

Status SqliteStatement::run() {
  while (true) {
    auto row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status();
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

Json SqliteStatement::column_json(int index) const {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER: return Json(column_int(index));
    case SQLITE_FLOAT: return Json(sqlite3_column_double(stmt_, index));
    case SQLITE_NULL: return Json();
    default: return Json(column_text(index));
  }
}

namespace {

// Refuses, before SQLite reads anything, a key the file was not encrypted with, a key
// for a plain file and no key for an encrypted one.
Status check_key_fits(const std::string& path, DatabaseFileKind kind, const DatabaseKey* key) {
  switch (kind) {
    case DatabaseFileKind::kPlain:
      if (key == nullptr) return Status();
      return Status::failed_precondition(
          "'" + path +
          "' is not encrypted: open it without a key (a plain "
          "database is not encrypted in place; see docs/security.md)");
    case DatabaseFileKind::kEncrypted:
      if (key != nullptr) return Status();
      return Status::permission_denied("'" + path +
                                       "' is encrypted: give its key (--key-file FILE or "
                                       "FIELDSYNC_KEY_FILE)");
    case DatabaseFileKind::kOtherKey:
      return Status::permission_denied("the key does not open '" + path +
                                       "': it was encrypted with another key");
    case DatabaseFileKind::kEmpty:
    case DatabaseFileKind::kUnrecognised:
      return Status();  // a new database, or SQLite says what it is not
  }
  return Status();
}

// What an encrypted connection needs before its first read: the reserved bytes that
// keep each page's IV and tag (taken by a new database; an existing one has them),
// and temporary tables and indexes kept in memory rather than in plain files. A new
// database goes to WAL mode at once, from no journal at all: the encrypted VFS
// refuses rollback journals, which would hold pages in clear.
Status prepare_encrypted(sqlite3* db, bool is_new) {
  int reserve = kEncryptedReservedBytes;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
  const std::string settings =
      std::string("PRAGMA temp_store = MEMORY;") +
      (is_new ? " PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA journal_mode = WAL;"
              : "");
  const int rc = sqlite3_exec(db, settings.c_str(), nullptr, nullptr, nullptr);
  return sqlite_status(rc, db, "preparing the encrypted database");
}

}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, bool create,
                                                 const DatabaseKey* key) {
  const DatabaseFileKind kind = inspect_database_file(path, key);
  FIELDSYNC_RETURN_IF_ERROR(check_key_fits(path, kind, key));
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = key != nullptr ? open_encrypted_database(path, flags, *key, &raw)
                                : sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) {
    if ((rc & 0xFF) == SQLITE_CANTOPEN && !create) {
      return Status::not_found("no database at '" + path + "'");
    }
    return sqlite_status(rc, raw, "opening '" + path + "'");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  if (key != nullptr)
    FIELDSYNC_RETURN_IF_ERROR(prepare_encrypted(raw, kind == DatabaseFileKind::kEmpty));
  return db;
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

Status SqliteDb::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (error != nullptr) sqlite3_free(error);
  return sqlite_status(rc, db_, "running '" + sql.substr(0, 60) + "'");
}

Result<std::unique_ptr<SqliteStatement>> SqliteDb::prepare(const std::string& sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(rc, db_, "preparing '" + sql.substr(0, 60) + "'");
  return std::make_unique<SqliteStatement>(db_, stmt);
}

Result<CachedStatement> SqliteDb::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto stmt = prepare(sql);
    if (!stmt.ok()) return stmt.status();
    it = cache_.emplace(sql, std::move(stmt).value()).first;
  }
  it->second->reset();
  return CachedStatement(it->second.get());
}

Result<int64_t> SqliteDb::pragma_int(const std::string& pragma) {
  auto stmt = prepare("PRAGMA " + pragma);
  if (!stmt.ok()) return stmt.status();
  auto row = (*stmt)->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::internal("PRAGMA " + pragma + " returned nothing");
  return (*stmt)->column_int(0);
}

Status SqliteDb::error(const std::string& doing) const {
  return sqlite_status(sqlite3_errcode(db_), db_, doing);
}

Result<std::unique_ptr<SqliteTransaction>> SqliteTransaction::begin_immediate(SqliteDb& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db, /*nested=*/true));
  }
  FIELDSYNC_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db, /*nested=*/false));
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Status SqliteTransaction::commit() {
  if (done_) return Status();  // nested: the outer transaction commits
  Status s = db_.exec("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace fieldsync
