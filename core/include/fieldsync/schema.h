// Collections declared as data. Each field has a type, says whether it is required,
// and names the rule that merges concurrent edits to it:
//   immutable  set when the record is created, never changed;
//   lww        last writer wins by HLC stamp, the loser kept as a conflict;
//   status     a lifecycle that only moves forward, plus a reopen counter kept in the
//              companion field "<name>_reopens"; merge takes (reopens, stage) max.
// Append-only collections hold events (visits, payments, notes): only immutable fields.
//
// A Schema is immutable once built and safe to share between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fieldsync/status.h"

namespace fieldsync {

using Json = nlohmann::json;

enum class FieldType {
  kText,           // JSON string
  kInteger,        // JSON integer, optionally bounded
  kMoney,          // JSON integer of minor units (cents), never negative
  kTimestamp,      // JSON integer of Unix milliseconds, UTC
  kDate,           // "YYYY-MM-DD"
  kMonth,          // "YYYY-MM", a billing period
  kEnum,           // one of FieldDef::choices
  kReference,      // id of a record in FieldDef::target
  kReferenceList,  // array of ids of records in FieldDef::target
  kTextList,       // array of strings
  kGeo,            // {"lat": deg, "lon": deg, "accuracy_m": metres}
  kBoolean,
};

enum class MergeKind { kImmutable, kLww, kStatus };

// Values fieldsync fills in itself; a caller that supplies them is told so.
enum class AutoValue { kNone, kReceiptNumber, kReopenCounter };

const char* field_type_name(FieldType type);
const char* merge_kind_name(MergeKind kind);

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kText;
  bool required = false;
  MergeKind merge = MergeKind::kLww;
  std::vector<std::string> choices;  // enum values, or the lifecycle order of a status
  std::string target;                // referenced collection
  std::optional<int64_t> min;        // integers and money
  std::optional<int64_t> max;
  size_t max_length = 2000;          // text and each list element
  AutoValue auto_value = AutoValue::kNone;
  int since_version = 1;  // the schema version that added the field
  std::string description;

  bool is_status() const { return merge == MergeKind::kStatus && auto_value == AutoValue::kNone; }
  bool is_managed() const { return auto_value != AutoValue::kNone; }
  // The index of `stage` in a status lifecycle, or -1.
  int stage_index(std::string_view stage) const;
};

// Which sync bucket a record belongs to, derived from its own data when it is created:
//   kOffice     "office"
//   kSelf       prefix + the record's own id          (estates, buildings)
//   kField      prefix + the value of fields[0]       (plans: "user:" + collector)
//   kInherit    the bucket of the record referenced by the first present of fields
struct BucketRule {
  enum class Kind { kOffice, kSelf, kField, kInherit };
  Kind kind = Kind::kOffice;
  std::string prefix;
  std::vector<std::string> fields;
};

// A check across several fields of one record (for example "a promise needs a date").
// Appends one message per problem, each starting with the field it is about.
using RecordCheck = std::function<void(const Json& fields, std::vector<std::string>& problems)>;

struct CollectionDef {
  std::string name;         // plural, snake_case: "fee_visits"
  std::string record_noun;  // singular, for messages: "fee visit"
  bool append_only = false;
  bool server_created = false;  // only the server creates these (conflict records)
  std::vector<FieldDef> fields;
  BucketRule bucket;
  RecordCheck check;  // may be empty

  const FieldDef* field(std::string_view name) const;
  const FieldDef* status_field() const;  // the first status field, or null
};

// One record id a record refers to: through `field`, to a record of `target`.
struct Reference {
  std::string field;
  std::string target;
  std::string id;
};
// Every reference in `fields` (references and reference lists), in field order.
std::vector<Reference> references_in(const CollectionDef& collection, const Json& fields);

class Schema {
 public:
  Schema(int version, std::vector<CollectionDef> collections);

  // The property-management collections of this build (see collections.cpp).
  static const Schema& property_management();

  int version() const { return version_; }
  const std::vector<CollectionDef>& collections() const { return collections_; }
  const CollectionDef* find(std::string_view name) const;
  // find(), or an invalid_argument that lists the collections there are.
  Result<const CollectionDef*> require(std::string_view name) const;

  // Checks the fields of a new record: every required field present, no unknown
  // field, every value of the right type and range, the collection's own cross-field
  // check. Managed fields are refused when a caller creates the record, and required
  // when `managed_given` (a create replayed from a device's outbox carries them).
  // Returns every problem at once, one detail per problem.
  // A device `client_version` behind is not asked for required fields added since.
  Status validate_create(const CollectionDef& collection, const Json& fields,
                         bool managed_given = false, int client_version = 0) const;
  // Checks an edit of an existing record: only lww fields may be edited directly.
  Status validate_update(const CollectionDef& collection, const Json& changed) const;
  // Checks one value against its field (type, range, choices). Empty when fine.
  static std::optional<std::string> check_value(const FieldDef& field, const Json& value);

 private:
  int version_;
  std::vector<CollectionDef> collections_;
};

}  // namespace fieldsync
