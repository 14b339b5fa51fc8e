// What a device holds: its buckets, from its user's role and assignments. The office
// holds every bucket; field staff hold, for "user:<name>", each assigned building and
// each assigned estate with all of its buildings, one bucket per kind of data their
// role reads ("building:<id>:fees"). Who may write what is the declarations' (access.h).
// Private to server-stub.
#pragma once

#include <set>
#include <string>

#include "fieldsync/access.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

struct Scope {
  bool everything = false;        // the office
  std::set<std::string> buckets;  // otherwise
  bool contains(const std::string& bucket) const { return everything || buckets.count(bucket) > 0; }
};

Result<Scope> scope_of(ServerTransaction& txn, const Schema& schema, const User& user);

// What the device of `user` may do, as the pull tells the phone.
Result<Access> access_of(ServerTransaction& txn, const User& user);

}  // namespace fieldsync::server
