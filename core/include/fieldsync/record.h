// A record as every layer sees it (its collection, id, bucket, field values and the
// HLC stamp of each field's current value), and a device's change to one as it waits
// in the outbox. Plain value types, safe to copy.
#pragma once

#include <cstdint>
#include <string>

#include "fieldsync/schema.h"

namespace fieldsync {

struct Record {
  std::string collection;
  std::string id;
  std::string bucket;
  Json fields = Json::object();  // field name -> value
  Json stamps = Json::object();  // field name -> encoded Stamp of its current value
};

// One local change waiting in the outbox, in the order it was made.
struct OutboxChange {
  int64_t seq = 0;        // this device's change number: 1, 2, 3, ...
  std::string change_id;  // global identity (UUID)
  std::string collection;
  std::string record_id;
  std::string kind;  // "create", "update", "status", "reopen"
  Json fields;       // the values written
  Json stamps;       // field -> stamp given to the value written
  Json base;         // field -> stamp of the value it replaced (updates only)
  int64_t created_ms = 0;
  std::string state;  // "pending" or "parked"
  std::string parked_reason;
};

}  // namespace fieldsync
