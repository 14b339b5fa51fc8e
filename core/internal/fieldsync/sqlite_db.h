// A thin RAII layer over the SQLite C API, shared by the device store (core) and the
// server store (server-stub); not part of the embedding API. A connection caches its
// prepared statements; a statement binds typed values; a transaction guard rolls back
// unless committed. Not thread-safe: one connection per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "fieldsync/database_key.h"
#include "fieldsync/schema.h"
#include "fieldsync/status.h"

namespace fieldsync {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, const std::string& value);
  SqliteStatement& bind_null(int index);
  // Strings and integers bind as themselves, null as NULL, anything else as JSON text.
  SqliteStatement& bind_json(int index, const Json& value);

  // Advances one row: true when a row is ready, false when done.
  Result<bool> step();
  // Runs to completion, ignoring rows.
  Status run();
  void reset();

  int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  std::string column_text(int index) const;
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
  // The column as JSON: integer, real, text or null.
  Json column_json(int index) const;
  int column_count() const { return sqlite3_column_count(stmt_); }
  // True when the statement cannot change the database.
  bool readonly() const { return sqlite3_stmt_readonly(stmt_) != 0; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A statement from a connection's cache, reset when this handle goes away so that
// no finished query keeps a read transaction (and its snapshot) open.
class CachedStatement {
 public:
  explicit CachedStatement(SqliteStatement* statement) : statement_(statement) {}
  CachedStatement(CachedStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  CachedStatement& operator=(CachedStatement&&) = delete;
  ~CachedStatement() {
    if (statement_ != nullptr) statement_->reset();
  }
  SqliteStatement* operator->() const { return statement_; }
  SqliteStatement& operator*() const { return *statement_; }

 private:
  SqliteStatement* statement_;
};

class SqliteDb {
 public:
  // Opens `path`; with `create` false a missing file is an error (never created).
  // With a key the file is read and written through the encrypted VFS
  // (core/src/encrypted_vfs.h); a plain file is refused with a key, an encrypted one
  // without, and one encrypted under another key with "the key does not open".
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, bool create,
                                                const DatabaseKey* key = nullptr);
  ~SqliteDb();

  sqlite3* handle() const { return db_; }
  Status exec(const std::string& sql);
  // A statement prepared once and reused; reset before it is returned and again when
  // the handle is destroyed.
  Result<CachedStatement> cached(const std::string& sql);
  // A fresh statement owned by the caller.
  Result<std::unique_ptr<SqliteStatement>> prepare(const std::string& sql) const;
  Result<int64_t> pragma_int(const std::string& pragma);

  // The Status for the connection's last error, with what we were doing.
  Status error(const std::string& doing) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

// Rolls back on destruction unless commit() succeeded. Begun inside another
// transaction it is a no-op guard: the outer one commits or rolls back for both.
class SqliteTransaction {
 public:
  static Result<std::unique_ptr<SqliteTransaction>> begin_immediate(SqliteDb& db);
  ~SqliteTransaction();
  Status commit();

 private:
  SqliteTransaction(SqliteDb& db, bool nested) : db_(db), done_(nested) {}
  SqliteDb& db_;
  bool done_ = false;
};

// Maps a SQLite result code to a Status, with what we were doing.
Status sqlite_status(int rc, sqlite3* db, const std::string& doing);

}  // namespace fieldsync
