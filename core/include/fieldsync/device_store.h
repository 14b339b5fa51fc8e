// The device's local store: one SQLite file (WAL, synchronous=FULL by default) that
// holds every record this device can see, the per-field HLC stamps of each record,
// and the outbox of changes not yet acknowledged by the server.
//
// Every write is one transaction that validates the input, updates the record and its
// stamps, persists the clock (and the receipt counter where a payment needs one) and
// appends the change to the outbox. When a write returns ok, the record survives an
// app kill or a power cut; when it returns an error, nothing was written.
//
// A DeviceStore is not thread-safe: use one per thread, or guard it. Several stores
// (in several processes) may open the same file; SQLite serialises their writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/access.h"
#include "fieldsync/clock.h"
#include "fieldsync/database_key.h"
#include "fieldsync/hlc.h"
#include "fieldsync/record.h"
#include "fieldsync/schema.h"
#include "fieldsync/status.h"

namespace fieldsync {

// The server's answer to one pushed change, as the outbox needs it.
struct ChangeAck {
  int64_t seq = 0;
  bool rejected = false;  // parked with `reason`; otherwise the change leaves the outbox
  std::string reason;
};

// One of this device's refused changes the office settled (accepted, corrected, as its
// own write, or voided).
struct SettledChange {
  int64_t seq = 0;
  std::string change_id;
  bool voided = false;
};

struct DeviceIdentity {
  std::string device_code;  // short, unique per enrolled device; starts receipt numbers
  std::string user;         // the person using the device (collector, patroller, ...)
  std::string node_id;      // HLC node; a new id when empty
};

struct DeviceStoreOptions {
  const Schema* schema = nullptr;  // Schema::property_management() when null
  const Clock* clock = nullptr;    // Clock::system() when null
  // FULL survives power loss (default); NORMAL survives an app kill only.
  bool synchronous_full = true;
  // With a key the database and its WAL are encrypted (AES-256-GCM per page;
  // docs/security.md, "The lost phone"). create() makes an encrypted database; open()
  // refuses a wrong key, a key for a plain database and no key for an encrypted one.
  std::optional<DatabaseKey> key;
};

struct ListQuery {
  std::vector<std::pair<std::string, Json>> equals;  // field == value
  int64_t limit = -1;                                // all when negative
};

class DeviceStore {
 public:
  // Creates a new device database at `path`. Fails, writing nothing, if the file
  // already exists or the identity is not acceptable.
  static Result<std::unique_ptr<DeviceStore>> create(const std::string& path,
                                                     const DeviceIdentity& identity,
                                                     DeviceStoreOptions options = {});
  // Opens an existing device database, migrating it to the current layout. A missing
  // file, a file that is not a fieldsync database, or a damaged one fails with a
  // clear error and is left untouched.
  static Result<std::unique_ptr<DeviceStore>> open(const std::string& path,
                                                   DeviceStoreOptions options = {});

  ~DeviceStore();
  DeviceStore(const DeviceStore&) = delete;
  DeviceStore& operator=(const DeviceStore&) = delete;

  const Schema& schema() const;
  const Clock& clock() const;
  const DeviceIdentity& identity() const;
  Stamp last_stamp() const;
  // The database file this store was opened on.
  const std::string& path() const;

  // Creates a record with a new id. Managed fields (receipt numbers, reopen
  // counters) are filled in here; status fields start at their first stage unless
  // given. References must name records this device holds.
  Result<Record> insert(const std::string& collection, const Json& fields);
  // Edits lww fields of an existing record.
  Result<Record> update(const std::string& collection, const std::string& id,
                        const Json& changed);
  // Moves a status field forward to `stage`. Moving backwards is refused: use reopen.
  Result<Record> advance_status(const std::string& collection, const std::string& id,
                                const std::string& stage);
  // Sends a record's status back to its first stage and bumps the reopen counter, so
  // the new cycle wins over every stage of the previous one.
  Result<Record> reopen(const std::string& collection, const std::string& id);

  // Runs several writes as one transaction: all of them land, or none (when `writes`
  // returns an error or the process dies before the commit).
  Status write_together(const std::function<Status()>& writes);

  Result<Record> get(const std::string& collection, const std::string& id) const;
  Result<std::vector<Record>> list(const std::string& collection,
                                   const ListQuery& query = {}) const;

  // Changes in the outbox, oldest first.
  Result<std::vector<OutboxChange>> outbox(int64_t limit = -1) const;
  Result<int64_t> pending_count() const;

  // Runs a read-only SQL query against the store (for derived views); each row is
  // a JSON array of column values. Parameters bind as text, integers or null.
  Result<std::vector<Json>> query(const std::string& sql, const std::vector<Json>& params) const;

  // ---- What the replicator needs (see sync/) ----

  // Changes waiting to be pushed, oldest first; parked ones are left out.
  Result<std::vector<OutboxChange>> pending_changes(int64_t limit) const;
  // Changes the server rejected, kept for the user to see; they never block the rest.
  Result<std::vector<OutboxChange>> parked_changes() const;
  // Records the server's answers in one transaction: answered changes leave the
  // outbox, rejected ones are parked with their reason. Unknown seqs are ignored, so
  // a replayed answer is harmless.
  Status acknowledge(const std::vector<ChangeAck>& acks);
  // Clears the parked entries the office settled, in one transaction; unknown ones are
  // ignored, so a settlement seen twice is harmless. A voided create also takes away
  // the record it made here, which the server never had, and pulls that record's
  // bucket again from its start (should the server hold the id after all).
  Status settle_parked(const std::vector<SettledChange>& settled);
  // Applies one pulled page in one transaction: each record replaces the local copy
  // except the fields that still have pending local changes, the cursors advance,
  // and the clock observes the page's stamps. With `scope` (on the last page), every
  // bucket outside it is evicted: its records without pending changes and its cursor.
  Status apply_pull_page(const std::vector<Record>& records,
                         const std::map<std::string, int64_t>& cursors,
                         const std::vector<std::string>* scope = nullptr);
  Result<std::map<std::string, int64_t>> cursors() const;
  // Small settings kept with the data: server address, token, last sync, warnings.
  // An unset key reads as "".
  Result<std::string> sync_value(const std::string& key) const;
  Status set_sync_value(const std::string& key, const std::string& value);
  // What the server last said this device may do: its user, role and assignments.
  // Unknown (no role) until the device enrolls; from then on every write is checked
  // against the declarations (access.h) before anything is written, so the phone
  // refuses what the server would refuse. Kept with the data; the replicator updates
  // it on enrollment and on every pull.
  const Access& access() const;
  Status set_access(const Access& access);
  // Adopts the device code the server issued at enrollment. Refused once this
  // device has issued a receipt number under its old code.
  Status set_device_code(const std::string& code);
  // Whether a receipt number was issued under the current device code.
  Result<bool> has_issued_receipts() const;

  // Runs `PRAGMA integrity_check` and reports anything but "ok" as corruption.
  Status check_integrity() const;

  class Impl;

 private:
  friend class AttachmentStore;  // writes its blob rows in the store's transactions

  explicit DeviceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Re-encrypts the encrypted device database at `path` from `current` to `next`: the
// WAL is checkpointed, then every page is sealed again under `next` into a copy that
// is renamed into place, so a crash leaves the database whole under one key or the
// other. Refused while another connection has the database open; `current` must open it.
Status rekey_device_database(const std::string& path, const DatabaseKey& current,
                             const DatabaseKey& next);

// The layout version a newly created database gets (PRAGMA user_version).
int device_store_layout_version();

}  // namespace fieldsync
