// Who may do what, read from the collections' declarations. The phone checks each
// write before it makes it and the server each pushed change before it applies it,
// with the same function, so the two agree on every refusal: a technician's phone
// refuses a payment before it prints a receipt number the office would never count.
//
// Pure functions over a Schema: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "fieldsync/schema.h"

namespace fieldsync {

// What a device may do, as the server tells it on enrollment and on every pull: its
// user, the user's role, and the estates and buildings assigned to them.
struct Access {
  std::string user;
  std::string role;
  std::vector<std::string> estates;
  std::vector<std::string> buildings;
  bool known() const { return !role.empty(); }
};

// Empty when a device of `access` may make a change of `kind` ("create", "update",
// "status", "reopen") writing `fields` to a record of `collection`; otherwise why
// not, in words for the person holding the phone. Author fields must name the user.
std::string write_refusal(const Schema& schema, const CollectionDef& collection,
                          const Access& access, const std::string& kind, const Json& fields);

// Empty when a device of `access` may name, in a new record of `collection`, each record
// its owned references name (FieldDef::owner); otherwise why not. The office may name
// any; a field role only records whose owner field names its user. A record `records`
// cannot find is not this check's problem (the reference checks say so).
Result<std::string> ownership_refusal(const Schema& schema, const CollectionDef& collection,
                                      const Access& access, const Json& fields,
                                      const RecordReader& records);

// The bucket place and kind: "building:<id>:fees" is place "building:<id>", kind
// "fees". A bucket without a kind is all place ("office").
std::string bucket_place(const std::string& bucket);
std::string bucket_kind(const Schema& schema, const std::string& bucket);

// The buckets a device of `role` holds for `places` ("building:<id>", "user:ann"):
// each place with each kind of data the role reads.
std::vector<std::string> buckets_for(const Schema& schema, const std::string& role,
                                     const std::vector<std::string>& places);

}  // namespace fieldsync
