// Office administration on the server's own database: users and their roles,
// assignments to estates and buildings, one-time enrollment codes, revoking a lost
// phone, and reference data the office creates directly (stamped by the server, so
// it syncs like any other record). Every call is one transaction: on error, nothing
// changed. Thread-safe as far as the store is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fieldsync/clock.h"
#include "fieldsync/field_work.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

// A user name as the server keeps and compares it: in Unicode NFC, so "é" typed as one
// code point or as "e" and a combining accent names the same user (and the same bucket
// keys). Every call below that takes a user name reads it through this.
std::string user_key(const std::string& typed);

class OfficeAdmin {
 public:
  OfficeAdmin(ServerStore& store, const Schema& schema, const Clock& clock)
      : store_(store), schema_(schema), clock_(clock) {}

  // Adds a user, or changes the role of an existing one. A name is 1 to 64 letters of any
  // script, digits, '.', '_' or '-' (text::name_problem).
  Status add_user(const std::string& name, const std::string& role);
  Status deactivate_user(const std::string& name);
  // Sets the console password of `name`, a user of an office role, and ends their
  // sessions (docs/console.md).
  Status set_password(const std::string& name, const std::string& password);
  // `kind` is "estate" or "building"; the target must exist on the server.
  Status assign(const std::string& user, const std::string& kind, const std::string& target);
  Status unassign(const std::string& user, const std::string& kind, const std::string& target);
  // A one-time code the user types into a new phone; valid for `ttl_ms`.
  Result<std::string> issue_enrollment_code(const std::string& user,
                                            int64_t ttl_ms = 7LL * 24 * 3600 * 1000);
  // The device's code as the server spells it, however it was typed.
  Result<std::string> revoke_device(const std::string& device_code);
  // A one-time code that gives a revoked device a new token under its old device id
  // and code, so its unsent changes flow (each once, as always).
  Result<std::string> readmit(const std::string& device_code,
                              int64_t ttl_ms = 7LL * 24 * 3600 * 1000);

  // Creates a record as the office, validated like any create. `id` may be given (an
  // import keeps the ids its files refer to); a new one is made when empty.
  Result<Record> create_record(const std::string& collection, const Json& fields,
                               const std::string& id = "");
  // Changes fields of a record of reference data as the office (an estate's maximum
  // amount, a household's phones), merged like any update and kept in its history;
  // events are never edited.
  Result<Record> edit_record(const std::string& id, const Json& fields);
  // The same inside a caller's transaction (imports create many in one). With
  // `accepting`, the record is that refused change accepted: it keeps the device's
  // receipt number, is dated by the change's arrival and names it (accepted_from).
  Result<Record> create_record_in(ServerTransaction& txn, const std::string& collection,
                                  const Json& fields, const std::string& id,
                                  const RefusedChange* accepting = nullptr);

  // Settles a refused change (RefusedChange, kept by the push). Accepting lays
  // `corrections` (field -> value; null leaves a field out) over the change's fields
  // and writes it as the office: a create under the change's own record id, an edit
  // onto the record. When the corrected change is still refused nothing changes and
  // the error says why. Voiding writes nothing. Either way the device's parked entry
  // clears on its next pull. `by` is who settled it, `note` why.
  Result<RefusedChange> accept_refused(int64_t id, const Json& corrections, const std::string& by,
                                       const std::string& note);
  Result<RefusedChange> void_refused(int64_t id, const std::string& by, const std::string& note);

  // Settles an open conflict as the office: writes the value kept (or `value_text`, as
  // people write a value of the field, with kNewValue) onto the record when it differs,
  // and marks the conflict resolved by `by`, in one transaction; the phones get both at
  // their next sync. Each write is kept in the record's history.
  Result<Record> resolve_conflict(const std::string& conflict_id, ConflictChoice choice,
                                  const std::string& value_text, const std::string& by);

 private:
  Result<RefusedChange> open_refused(ServerTransaction& txn, int64_t id);
  Status settle(ServerTransaction& txn, RefusedChange& change, const std::string& state,
                const std::string& by, const std::string& note, const std::string& record);
  Result<Record> edit_record_in(ServerTransaction& txn, const std::string& collection,
                                const std::string& record_id, const std::string& kind,
                                const Json& fields);

  ServerStore& store_;
  const Schema& schema_;
  const Clock& clock_;
};

}  // namespace fieldsync::server
