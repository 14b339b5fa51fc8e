// The server's storage, as an interface so a larger database can take SQLite's place
// later. Everything happens inside a ServerTransaction: the sync service opens one
// per request, does its reads and writes, and commits; a transaction destroyed
// without commit() rolls back, so a failed request changes nothing.
//
// Records are stored in their latest version only, each with the sequence number of
// that version; pulls read "records of bucket B with seq > cursor" in seq order.
// Tokens and enrollment codes are stored only as hashes.
//
// A ServerStore is thread-safe; a ServerTransaction belongs to the thread that began
// it. Only one write transaction runs at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fieldsync/hlc.h"
#include "fieldsync/record.h"
#include "fieldsync/status.h"

namespace fieldsync::server {

struct User {
  std::string name;
  std::string role;  // one of the schema's roles
  bool active = true;
};

// A console user's password (office and office_manager roles; docs/console.md): its
// Argon2id hash (libsodium's string form, salt and cost inside), and the failed sign-ins
// since the last good one, which lock it until `locked_until_ms`.
struct OfficePassword {
  std::string user;
  std::string hash;
  int64_t failed = 0;
  int64_t locked_until_ms = 0;
};

// A signed-in browser: its cookie's token (only its hash is kept), the CSRF token every
// state-changing request of it must carry, and when it ends.
struct OfficeSession {
  std::string token_hash;
  std::string user;
  std::string csrf;
  std::string address;  // where it signed in from
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  // Not stored: the API token the caller showed instead of a cookie ("" for a browser's
  // session). A script's token is sent by the script alone, so it needs no CSRF token.
  std::string api_token_id;
};

// A script's key to the console's API (docs/console.md, "API tokens"): a manager issues
// it for a console user, and it acts as that user (with their role, while they are
// active) until revoked. Only its hash is kept; its id names it in lists and the audit
// log.
struct ApiToken {
  std::string id;
  std::string token_hash;
  std::string user;
  std::string name;  // what it is for, as the manager wrote it
  std::string issued_by;
  int64_t issued_ms = 0;
  int64_t last_used_ms = 0;  // 0: never; brought up to date at most once a minute
  int64_t revoked_ms = 0;    // 0: live
};

// One action of a console user that changed something (or tried to sign in): who,
// when, from where, what.
struct AuditEntry {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string user;
  std::string address;
  std::string action;  // "sign_in", "sign_in_failed", "sign_out", ...
  std::string detail;
};

struct Assignment {
  std::string user;
  std::string kind;    // "estate" or "building"
  std::string target;  // the estate's or building's id
};

struct Device {
  std::string id;
  std::string user;
  std::string device_code;
  std::string node_id;  // the HLC node its stamps carry, learnt from its first push
  bool revoked = false;
  int64_t last_seq = 0;  // the highest change number applied from this device
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  // Token rotation (docs/protocol.md, "Token rotation"): when the current token was
  // issued, and whether the device was found by the next token the server offered it
  // (which becomes the current one once the device uses it).
  int64_t token_issued_ms = 0;
  bool by_next_token = false;
};

struct KnownToken {
  std::string token_hash;
  std::string device_code;
  bool revoked = false;
  bool user_active = true;
};

// A change the server refused, kept whole so the office sees it and can settle it:
// accept it (corrected, written as the office) or void it. The device's parked entry
// clears on its next pull once it is settled (docs/server.md, "Refused changes").
struct RefusedChange {
  int64_t id = 0;  // the office's handle: "parked accept 12"
  std::string device_id, device_code, user;
  int64_t seq = 0;        // the device's change number
  std::string change_id;  // as the device sent it (may be malformed: it was refused)
  std::string collection, record_id, kind;
  Json change;  // the whole change as it arrived (WireChange JSON)
  std::string reason;
  int64_t refused_ms = 0;                 // the server's clock when it arrived
  std::optional<int64_t> clock_error_ms;  // the device's clock error measured then
  std::string state = "open";             // "open", "accepted" or "voided"
  std::string settled_by, note;           // who settled it (an office user) and why
  int64_t settled_ms = 0;
  int64_t settle_seq = 0;       // order of settlement, what a device's pull follows
  std::string accepted_record;  // the record the acceptance wrote
};

// One change written to a record, as the office's `show ID` lists it: who wrote it
// (a device, or the office), when it arrived, what it carried and how the merge took it.
struct RecordChange {
  std::string record_id;
  int64_t arrived_ms = 0;   // the server's clock
  // The device that sent it: "" when the office wrote it; for an accepted refused change,
  // the device that sent the original (`user` is then the office user who accepted it).
  std::string device_code;
  std::string user;
  std::string change_id;  // the device's change; for an accepted refused change, the original
  std::string kind;       // create, update, status, reopen
  Json fields = Json::object();  // the values the change carried
  // change_outcome_name() (applied, merged, conflict), or "accepted": the office accepted
  // the refused change `change_id` (`parked accept`).
  std::string outcome;
};

struct RedeemedCode {
  std::string user;
  std::string device_id;  // the revoked device the code re-admits; empty for a new device
};

struct StoredRecord {
  Record record;
  int64_t seq = 0;
};

class ServerTransaction {
 public:
  virtual ~ServerTransaction() = default;

  // Records.
  virtual Result<std::optional<StoredRecord>> get_record(const std::string& id) = 0;
  // Inserts or replaces a record, giving it the next sequence number (returned).
  virtual Result<int64_t> put_record(const Record& record) = 0;
  // Records of `bucket` with seq > after_seq, in seq order, at most `limit`.
  virtual Result<std::vector<StoredRecord>> records_since(const std::string& bucket,
                                                          int64_t after_seq, int64_t limit) = 0;
  // Records of any bucket with seq > after_seq, in seq order, at most `limit`: what
  // was written since (records are replaced, never deleted).
  virtual Result<std::vector<StoredRecord>> records_written_since(int64_t after_seq,
                                                                  int64_t limit) = 0;
  // Every record of a collection, in id order; stops early when `visit` returns false.
  virtual Status for_each_record(const std::string& collection,
                                 const std::function<bool(const StoredRecord&)>& visit) = 0;
  // Every bucket that holds at least one record.
  virtual Result<std::vector<std::string>> list_buckets() = 0;
  // Ids of records of `collection` whose field `field` equals `value`. Both are schema
  // names (letters, digits, `_`); anything else is invalid_argument.
  virtual Result<std::vector<std::string>> find_ids(const std::string& collection,
                                                    const std::string& field,
                                                    const std::string& value) = 0;

  // Exactly-once bookkeeping: the answer given to a device's change number.
  virtual Result<std::optional<std::string>> change_result(const std::string& device_id,
                                                           int64_t seq) = 0;
  virtual Status put_change_result(const std::string& device_id, int64_t seq,
                                   const std::string& change_id, const std::string& result_json) = 0;

  // Refused changes. put_ gives the change its id (returned).
  virtual Result<int64_t> put_refused_change(const RefusedChange& change) = 0;
  virtual Result<std::optional<RefusedChange>> refused_change(int64_t id) = 0;
  // Oldest first; only the open ones unless `all`.
  virtual Result<std::vector<RefusedChange>> refused_changes(bool all) = 0;
  // Marks an open change settled (state, settled_by, note, settled_ms, accepted_record
  // from `settled`), giving it the next settle_seq; failed_precondition when not open.
  virtual Status settle_refused_change(const RefusedChange& settled) = 0;
  // A device's settled changes with settle_seq > after, in that order, at most `limit`.
  virtual Result<std::vector<RefusedChange>> settled_since(const std::string& device_id,
                                                           int64_t after, int64_t limit) = 0;

  // The history of a record: every change written to it, oldest first (kept since
  // layout 5).
  virtual Status put_record_change(const RecordChange& change) = 0;
  virtual Result<std::vector<RecordChange>> record_changes(const std::string& record_id) = 0;
  // How many changes the device `device_code`, and all the devices of `user`, sent that
  // the server took or refused since `since_ms` (the quota on changes a day).
  struct ChangeCounts {
    int64_t device = 0;
    int64_t user = 0;
  };
  virtual Result<ChangeCounts> changes_since(const std::string& device_code, const std::string& user,
                                             int64_t since_ms) = 0;

  // Users, assignments, devices, enrollment codes.
  virtual Status put_user(const User& user) = 0;
  virtual Result<std::optional<User>> get_user(const std::string& name) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Status put_assignment(const Assignment& assignment) = 0;
  virtual Status delete_assignment(const Assignment& assignment) = 0;
  virtual Result<std::vector<Assignment>> assignments_of(const std::string& user) = 0;
  // A code for a new device of `user`, or with `device_id` one that re-admits that
  // revoked device under its old device code.
  virtual Status put_enrollment_code(const std::string& code_hash, const std::string& user,
                                     int64_t expires_ms, const std::string& device_id = "") = 0;
  // An unused, unexpired code, marking it used; nullopt otherwise. The marking is part
  // of the transaction: an enrollment that fails rolls back and leaves the code unused.
  virtual Result<std::optional<RedeemedCode>> redeem_enrollment_code(const std::string& code_hash,
                                                                     int64_t now_ms) = 0;
  virtual Status put_device(const Device& device, const std::string& token_hash) = 0;
  // The device whose current token or offered next token this is.
  virtual Result<std::optional<Device>> device_by_token(const std::string& token_hash) = 0;
  // Offers the device a next token (replacing any offered before); its current one
  // keeps working until promote_next_token.
  virtual Status offer_next_token(const std::string& device_id, const std::string& token_hash) = 0;
  // The offered token becomes the current one, issued at `now_ms`; the old one is gone.
  virtual Status promote_next_token(const std::string& device_id, int64_t now_ms) = 0;
  virtual Result<std::optional<Device>> device_by_code(const std::string& device_code) = 0;
  virtual Result<std::optional<Device>> device_by_node(const std::string& node_id) = 0;
  virtual Status set_device_node(const std::string& device_id, const std::string& node_id) = 0;
  virtual Result<std::vector<Device>> list_devices() = 0;
  // Every device's token hashes (its current one and an offered next one), whether it
  // may sync (not revoked, its user active), and its code: what the HTTP front's gate
  // decides from before a body is read.
  virtual Result<std::vector<KnownToken>> known_tokens() = 0;
  virtual Status set_device_progress(const std::string& device_id, int64_t last_seq,
                                     int64_t seen_ms) = 0;
  virtual Status revoke_device(const std::string& device_id) = 0;
  // Lifts a revocation (or an expired token), giving the device a new token issued at
  // `now_ms`; its code and progress stay.
  virtual Status readmit_device(const std::string& device_id, const std::string& token_hash,
                                int64_t now_ms) = 0;

  // The office console's users, sessions and audit log (docs/console.md).
  virtual Result<std::optional<OfficePassword>> office_password(const std::string& user) = 0;
  virtual Status put_office_password(const OfficePassword& password) = 0;
  virtual Status put_office_session(const OfficeSession& session) = 0;
  virtual Result<std::optional<OfficeSession>> office_session(const std::string& token_hash) = 0;
  virtual Status delete_office_session(const std::string& token_hash) = 0;
  // Ends every session of `user` (deactivated, or a new password).
  virtual Status end_office_sessions(const std::string& user) = 0;
  // API tokens: put() inserts one or replaces the one of its id.
  virtual Status put_api_token(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> api_token(const std::string& id) = 0;
  virtual Result<std::optional<ApiToken>> api_token_by_hash(const std::string& token_hash) = 0;
  // Every token, newest first.
  virtual Result<std::vector<ApiToken>> api_tokens() = 0;
  virtual Result<int64_t> append_audit(const AuditEntry& entry) = 0;
  // The newest `limit` entries before id `before` (0: the newest), newest first.
  virtual Result<std::vector<AuditEntry>> audit_entries(int64_t before, int64_t limit) = 0;
  virtual Result<int64_t> audit_count() = 0;

  // The devices that have shown they hold the bytes named `sha256` (docs/protocol.md,
  // "Attachments"): by uploading them, by sending them again, or by a possession proof.
  // Only an attachment record written by one of them lets others read the bytes.
  virtual Status add_blob_holder(const std::string& sha256, const std::string& device_id) = 0;
  virtual Result<std::set<std::string>> blob_holders(const std::string& sha256) = 0;

  // The server's settings: "time_zone", the zone of an estate that names none.
  virtual Result<std::optional<std::string>> setting(const std::string& key) = 0;
  virtual Status put_setting(const std::string& key, const std::string& value) = 0;

  // Billing periods the office has closed ("2026-11" -> when): an event dated into one
  // that arrives later is a late entry (docs/server.md, "When an event happened").
  virtual Result<std::map<std::string, int64_t>> closed_periods() = 0;
  virtual Status close_period(const std::string& period, int64_t closed_ms) = 0;

  // The server's own clock, persisted: the newest stamp it issued or saw.
  virtual Result<Stamp> load_clock() = 0;
  virtual Status save_clock(const Stamp& stamp) = 0;

  virtual Status commit() = 0;
};

class ServerStore {
 public:
  virtual ~ServerStore() = default;
  // A write transaction waits for the previous one to finish.
  virtual Result<std::unique_ptr<ServerTransaction>> begin(bool write) = 0;
  virtual Status check_integrity() = 0;
  // The key enrollment codes are stored under (code_hash): kept outside the database,
  // so a copy of the database alone does not give the codes away.
  virtual const std::string& code_key() const = 0;
};

// derive_bucket()'s lookup over the server's records.
inline auto server_bucket_lookup(ServerTransaction& txn) {
  return [&txn](const std::string& collection,
                const std::string& id) -> Result<std::optional<std::string>> {
    auto parent = txn.get_record(id);
    if (!parent.ok()) return parent.status();
    if (!*parent || (!collection.empty() && (*parent)->record.collection != collection)) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>((*parent)->record.bucket);
  };
}

// The SQLite server store (WAL, synchronous=FULL): creates the file when missing;
// refuses a file that is not a fieldsync server database. The key of enrollment codes
// is the file `path`.key, made (mode 0600) when missing.
Result<std::unique_ptr<ServerStore>> open_sqlite_server_store(const std::string& path);

}  // namespace fieldsync::server
