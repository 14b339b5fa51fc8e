// Where a new record belongs: the sync bucket derived from its own data by its
// collection's BucketRule. One function, used by the device store, the server's push
// path and office imports, so a record lands in the same bucket everywhere.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "fieldsync/schema.h"
#include "fieldsync/status.h"

namespace fieldsync {

// The bucket of the record of `collection` with `id`, or nullopt when no such record is
// known here. `collection` is empty when the placing field may name any collection.
using BucketLookup = std::function<Result<std::optional<std::string>>(
    const std::string& collection, const std::string& id)>;

// The bucket of a new record of `collection` with `id` and `fields`; nullopt when the
// record it inherits its bucket from is not known (or none of its placing fields is
// given). `lookup` is called only for inherited buckets.
Result<std::optional<std::string>> derive_bucket(const CollectionDef& collection,
                                                 const std::string& id, const Json& fields,
                                                 const BucketLookup& lookup);

}  // namespace fieldsync
