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
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

class OfficeAdmin {
 public:
  OfficeAdmin(ServerStore& store, const Schema& schema, const Clock& clock)
      : store_(store), schema_(schema), clock_(clock) {}

  // Adds a user, or changes the role of an existing one.
  Status add_user(const std::string& name, const std::string& role);
  Status deactivate_user(const std::string& name);
  // `kind` is "estate" or "building"; the target must exist on the server.
  Status assign(const std::string& user, const std::string& kind, const std::string& target);
  Status unassign(const std::string& user, const std::string& kind, const std::string& target);
  // A one-time code the user types into a new phone; valid for `ttl_ms`.
  Result<std::string> issue_enrollment_code(const std::string& user,
                                            int64_t ttl_ms = 7LL * 24 * 3600 * 1000);
  Status revoke_device(const std::string& device_code);

  // Creates a record as the office, validated like any create. `id` may be given (an
  // import keeps the ids its files refer to); a new one is made when empty.
  Result<Record> create_record(const std::string& collection, const Json& fields,
                               const std::string& id = "");
  // The same inside a caller's transaction (imports create many in one).
  Result<Record> create_record_in(ServerTransaction& txn, const std::string& collection,
                                  const Json& fields, const std::string& id);

 private:
  ServerStore& store_;
  const Schema& schema_;
  const Clock& clock_;
};

}  // namespace fieldsync::server
