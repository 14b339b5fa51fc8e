// Who may read and write what. A device's buckets follow its user's role and
// assignments: the office holds every bucket; field staff hold "user:<name>", each
// assigned building, and each assigned estate with all of its buildings. Which
// collections a role may write is a fixed table; reference data is the office's.
// Private to server-stub.
#pragma once

#include <set>
#include <string>

#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

struct Scope {
  bool everything = false;        // the office
  std::set<std::string> buckets;  // otherwise
  bool contains(const std::string& bucket) const { return everything || buckets.count(bucket) > 0; }
};

Result<Scope> scope_of(ServerTransaction& txn, const User& user);

// Empty when `role` may make a change of `kind` to `collection`; otherwise why not.
std::string write_refusal(const std::string& role, const CollectionDef& collection,
                          const std::string& kind);

}  // namespace fieldsync::server
