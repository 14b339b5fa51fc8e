// DeviceStore's database file: the identity a new one gets, building it aside and
// renaming it into place, opening (refusing what is not a fieldsync database, then
// migrating), and the integrity check. Local writes and reads are in device_store.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "blob_rekey.h"
#include "device_store_impl.h"
#include "fieldsync/device_store.h"
#include "fieldsync/id.h"
#include "migrations.h"
#include "page_cipher.h"

namespace fieldsync {
namespace {

Status check_identity(const DeviceIdentity& identity) {
  std::vector<std::string> problems;
  const auto& code = identity.device_code;
  bool code_ok = code.size() >= 2 && code.size() <= 8;
  for (char c : code) code_ok = code_ok && (std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)));
  if (!code_ok) problems.push_back("device code: must be 2 to 8 upper-case letters or digits, like K7Q2");
  bool user_ok = !identity.user.empty() && identity.user.size() <= 64;
  for (char c : identity.user) user_ok = user_ok && !std::iscntrl(static_cast<unsigned char>(c));
  if (!user_ok) problems.push_back("user: must be 1 to 64 printable characters");
  bool node_ok = identity.node_id.size() <= 64;
  for (char c : identity.node_id) node_ok = node_ok && std::isalnum(static_cast<unsigned char>(c));
  if (!node_ok) problems.push_back("node id: must be at most 64 letters or digits");
  if (problems.empty()) return Status();
  std::string message = "cannot create the device database: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return Status::invalid_argument(message, problems);
}

std::string random_node_id(const Clock& clock) {
  // The random tail of a fresh UUID: 16 hex digits, unique per device in practice.
  std::string id = new_id(clock);
  std::string node;
  for (char c : id.substr(19)) {
    if (c != '-') node += c;
  }
  return node;
}

Status apply_connection_settings(SqliteDb& db, bool synchronous_full) {
  FIELDSYNC_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode = WAL"));
  FIELDSYNC_RETURN_IF_ERROR(
      db.exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  return db.exec("PRAGMA foreign_keys = ON");
}

// Fails unless the open file is a fieldsync device database (or, when `allow_empty`,
// a brand-new empty one). Reads only: nothing is written to a foreign file.
Status check_is_device_database(SqliteDb& db, const std::string& path) {
  auto app_id = db.pragma_int("application_id");
  if (!app_id.ok()) {
    // A page of an encrypted database that fails its check says which page itself.
    const bool page_fails =
        app_id.status().message().find("fails its authentication check") != std::string::npos;
    if (app_id.status().code() == StatusCode::kCorruption && !page_fails) {
      return Status::corruption("'" + path + "' is not a fieldsync database (not a SQLite file at all)");
    }
    return app_id.status().with_context("'" + path + "'");
  }
  if (*app_id == kDeviceApplicationId) return Status();
  auto tables = db.pragma_int("schema_version");
  if (!tables.ok()) return tables.status();
  if (*app_id == 0 && *tables == 0) {
    return Status::failed_precondition("'" + path +
                                       "' is an empty file, not a fieldsync database; remove it, "
                                       "then create the database with 'fieldsync init'");
  }
  return Status::corruption("'" + path + "' is a SQLite database of another application, not a fieldsync database");
}

void remove_database_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

// Makes a rename in the folder of `path` durable.
Status sync_parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::io_error("cannot open folder '" + parent.string() + "'");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot sync folder '" + parent.string() + "'");
  return Status();
}

// Makes the empty file a new database starts from, readable by its owner only (the
// WAL and the -shm SQLite makes beside it take the same mode).
Status create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("cannot create '" + path + "': " + std::strerror(errno));
  ::close(fd);
  return Status();
}

// A complete device database at `path`: every layout step and the device row. The
// connection is closed on return, which checkpoints the WAL into the file.
Status build_device_database(const std::string& path, const DeviceIdentity& identity,
                             const Schema& schema, const Clock& clock, const DatabaseKey* key) {
  FIELDSYNC_RETURN_IF_ERROR(create_private_file(path));
  auto db = SqliteDb::open(path, /*create=*/true, key);
  if (!db.ok()) return db.status();
  FIELDSYNC_RETURN_IF_ERROR(apply_connection_settings(**db, /*synchronous_full=*/true));
  FIELDSYNC_RETURN_IF_ERROR(migrate_device_layout(**db));
  auto stmt = (*db)->prepare(
      "INSERT INTO device (singleton, device_code, user_name, node_id, hlc, receipt_counter,"
      " schema_version, created_ms) VALUES (1, ?, ?, ?, ?, 0, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->bind(1, identity.device_code).bind(2, identity.user).bind(3, identity.node_id);
  (*stmt)->bind(4, Stamp{0, 0, identity.node_id}.encode()).bind(5, int64_t{schema.version()});
  (*stmt)->bind(6, clock.now_ms());
  return (*stmt)->run();
}

}  // namespace

DeviceStore::DeviceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceStore::~DeviceStore() = default;

Result<std::unique_ptr<DeviceStore>> DeviceStore::create(const std::string& path,
                                                         const DeviceIdentity& identity_in,
                                                         DeviceStoreOptions options) {
  const Schema& schema = options.schema ? *options.schema : Schema::property_management();
  const Clock& clock = options.clock ? *options.clock : Clock::system();
  DeviceIdentity identity = identity_in;
  if (identity.node_id.empty()) identity.node_id = random_node_id(clock);
  FIELDSYNC_RETURN_IF_ERROR(check_identity(identity));
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::already_exists("'" + path + "' already exists; open it, or choose another path");
  }
  // Built under a temporary name and renamed into place, so that a crash part-way
  // leaves no half-made database at `path` that neither open() nor create() accepts.
  const std::string building = path + ".creating";
  remove_database_files(building);
  const DatabaseKey* key = options.key ? &*options.key : nullptr;
  Status built = build_device_database(building, identity, schema, clock, key);
  if (!built.ok()) {
    remove_database_files(building);
    return built;
  }
  std::filesystem::rename(building, path, ec);
  if (ec) {
    remove_database_files(building);
    return Status::io_error("cannot create '" + path + "': " + ec.message());
  }
  FIELDSYNC_RETURN_IF_ERROR(sync_parent_directory(path));
  return open(path, options);
}

Result<std::unique_ptr<DeviceStore>> DeviceStore::open(const std::string& path,
                                                       DeviceStoreOptions options) {
  const Schema& schema = options.schema ? *options.schema : Schema::property_management();
  const Clock& clock = options.clock ? *options.clock : Clock::system();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::not_found("no fieldsync database at '" + path +
                             "': a phone joins the office with 'fieldsync enroll --server URL"
                             " --code CODE'; 'fieldsync init' makes one for a device without a"
                             " server");
  }
  auto db = SqliteDb::open(path, /*create=*/false, options.key ? &*options.key : nullptr);
  if (!db.ok()) return db.status();
  FIELDSYNC_RETURN_IF_ERROR(check_is_device_database(**db, path));
  FIELDSYNC_RETURN_IF_ERROR(apply_connection_settings(**db, options.synchronous_full));
  FIELDSYNC_RETURN_IF_ERROR(migrate_device_layout(**db));
  auto stmt = (*db)->prepare("SELECT device_code, user_name, node_id, hlc FROM device WHERE singleton = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = (*stmt)->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::corruption("'" + path + "' has no device row; it was never initialised");
  DeviceIdentity identity{(*stmt)->column_text(0), (*stmt)->column_text(1), (*stmt)->column_text(2)};
  auto last = Stamp::decode((*stmt)->column_text(3));
  if (!last.ok()) return Status::corruption("'" + path + "': the stored clock is damaged");
  stmt = Status::internal("finalized");
  auto impl = std::make_unique<Impl>(std::move(db).value(), schema, clock, identity, *last);
  impl->set_path(path);
  FIELDSYNC_RETURN_IF_ERROR(impl->load_access());
  if (options.key) {
    impl->set_blob_keys(*options.key);
    // A rekey killed after the database moved left blob copies sealed under this key.
    FIELDSYNC_RETURN_IF_ERROR(adopt_blob_copies(path + ".blobs", *impl->blob_keys()));
  }
  return std::unique_ptr<DeviceStore>(new DeviceStore(std::move(impl)));
}

Status DeviceStore::check_integrity() const {
  auto stmt = impl_->db().prepare("PRAGMA integrity_check");
  if (!stmt.ok()) return stmt.status();
  std::string problems;
  while (true) {
    auto row = (*stmt)->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if ((*stmt)->column_text(0) != "ok") problems += (problems.empty() ? "" : "; ") + (*stmt)->column_text(0);
  }
  if (problems.empty()) return Status();
  return Status::corruption("integrity check failed: " + problems);
}

Status rekey_device_database(const std::string& path, const DatabaseKey& current,
                             const DatabaseKey& next) {
  {
    auto db = SqliteDb::open(path, /*create=*/false, &current);
    if (!db.ok()) return db.status();
    FIELDSYNC_RETURN_IF_ERROR(check_is_device_database(**db, path));
    auto busy = (*db)->pragma_int("wal_checkpoint(TRUNCATE)");
    if (!busy.ok()) return busy.status();
    if (*busy != 0) {
      return Status::failed_precondition(
          "'" + path + "' is in use elsewhere; close every connection to it, then rekey");
    }
  }  // closing the last connection deletes the WAL and the -shm
  std::error_code ec;
  if (std::filesystem::exists(path + "-wal", ec) || std::filesystem::exists(path + "-shm", ec)) {
    return Status::failed_precondition(
        "'" + path + "' is open elsewhere; close every connection to it, then rekey");
  }
  // The blob files are copied under the new key first; the database's rename commits
  // both (blob_rekey.h).
  const std::string blobs = path + ".blobs";
  FIELDSYNC_RETURN_IF_ERROR(seal_blob_copies(blobs, current, next));
  Status moved = reencrypt_database_file(path, current, next);
  if (!moved.ok()) {
    discard_blob_copies(blobs);
    return moved;
  }
  Status adopted = adopt_blob_copies(blobs, derive_blob_keys(next));
  if (!adopted.ok()) {
    return adopted.with_context(
        "the database is under the new key, and its attachments move to it when it is next "
        "opened");
  }
  return Status();
}

int device_store_layout_version() { return latest_device_layout(); }

}  // namespace fieldsync
