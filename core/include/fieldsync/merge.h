// The merge rules, in one deterministic function shared by everything that merges:
// the server applies every pushed change through merge_change(), and the simulation
// checks its results against the same code.
//
// A change carries, per field, the stamp of the value it writes and the stamp of the
// value it replaced (its base). For an lww field, the edit is sequential when the
// field still has its base stamp, or was last written by the same device (a device's
// own edits are ordered by its outbox); otherwise it is concurrent: the higher stamp
// wins and the other value becomes a conflict, unless both values are equal.
// A status compares (reopens, stage index) and the larger wins; a stale status change
// loses quietly (merged), since the lifecycle says which state is further on.
// Immutable fields never change after the create.
//
// Pure functions: thread-safe, no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fieldsync/record.h"
#include "fieldsync/schema.h"

namespace fieldsync {

enum class ChangeOutcome {
  kApplied,   // written as sent
  kMerged,    // merged by its rule; the result differs from what was sent
  kConflict,  // a concurrent lww edit; the loser is kept as a conflict record
  kRejected,  // refused; nothing written
};
const char* change_outcome_name(ChangeOutcome outcome);

// A change as it reaches the merge: the outbox change of some device.
struct IncomingChange {
  std::string change_id;
  std::string collection;
  std::string record_id;
  std::string kind;  // create, update, status, reopen
  Json fields = Json::object();
  Json stamps = Json::object();  // field -> encoded Stamp
  Json base = Json::object();    // field -> encoded Stamp it replaced ("" if none)
  int schema_version = 0;        // of the device that made it; 0: the current one
};

struct FieldConflict {
  std::string field;
  Json winner_value;  // null when the winner cleared the field
  std::string winner_stamp;
  Json loser_value;
  std::string loser_stamp;
  bool incoming_won = false;
};

struct MergeResult {
  ChangeOutcome outcome = ChangeOutcome::kApplied;
  std::string reason;                   // why, for kRejected and kMerged
  Record record;                        // the record after the merge
  bool changed = false;                 // whether `record` differs from the current one
  std::vector<FieldConflict> conflicts;  // for kConflict
};

// Merges `change` into `current` (absent for a record the server does not have).
// For a create, `record.bucket` is left empty for the caller to derive.
MergeResult merge_change(const CollectionDef& collection, const Schema& schema,
                         const std::optional<Record>& current, const IncomingChange& change);

// Checks the shape of a change before any merge: known kind, stamps for every field
// written, well-formed stamps and base stamps. Empty when fine.
std::optional<std::string> check_change_shape(const IncomingChange& change);

}  // namespace fieldsync
