// Collections declared as data. Each field has a type, says whether it is required,
// and names the rule that merges concurrent edits to it:
//   immutable  set when the record is created, never changed;
//   lww        last writer wins by HLC stamp, the loser kept as a conflict;
//   status     a lifecycle that only moves forward, plus a reopen counter kept in the
//              companion field "<name>_reopens"; merge takes (reopens, stage) max.
// Append-only collections hold events (visits, payments, notes): only immutable fields.
//
// A collection's declaration is everything fieldsync knows of it: its fields and how
// they merge, which roles read it (through its kind of data), which roles create it
// and which fields each may change, which fields name the author, the defaults a
// recording fills in, whether it takes attachments, and how a person names one of its
// records. The phone, the server, the command lines and the C API all read it; nothing
// else keeps a list of collections.
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
// kSetByServer: written by the server when the record arrives (its receive time, its
// reading of when the event happened); a device never sends it.
enum class AutoValue { kNone, kReceiptNumber, kReopenCounter, kSetByServer };

// What a recording fills in when the field is not given.
enum class DefaultValue {
  kNone,
  kNow,         // the time of the recording (the event's own time: `--at` on the CLI)
  kDeviceUser,  // the device's user (author fields)
  kLiteral,     // FieldDef::default_literal
};

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
  // The field names the person who wrote the record: a recording fills it with the
  // device's user, and the server refuses a field role's change that names another.
  bool author = false;
  // The field names a user without being the author (who a household's fees are
  // collected by, who follows a work order up). A name typed by a person is kept in
  // NFC, as the server keeps user names, so it matches the user and their bucket.
  bool names_user = false;
  // With a money field: one record may hold at most its estate's `max_amount`
  // (kDefaultEstateMaxAmountMinor when the estate sets none), the estate found through
  // the record's references. Checked by relation_problems, on the phone and the server.
  bool estate_max = false;
  DefaultValue default_value = DefaultValue::kNone;
  Json default_literal;  // with DefaultValue::kLiteral
  // At most one record per value of this field (a payment is voided once): the phone
  // refuses a second one it can see, and the server refuses one that arrives second
  // (two phones offline), which it keeps for the office like every refused change.
  bool unique = false;
  // With a reference: a field role may name only a record whose field `owner` names
  // the device's user (a collector voids only the payments they took); the office may
  // name any. Checked by ownership_refusal (access.h), on the phone and on the server.
  std::string owner;
  std::string description;  // for people: "the household visited"

  bool is_status() const { return merge == MergeKind::kStatus && auto_value == AutoValue::kNone; }
  bool is_managed() const { return auto_value != AutoValue::kNone; }
  bool is_user_name() const { return author || names_user; }
  // The index of `stage` in a status lifecycle, or -1.
  int stage_index(std::string_view stage) const;
};

// Which sync bucket a record belongs to, derived from its own data when it is created.
// A bucket is a place and a kind of data, "building:<id>:fees"; the place comes from:
//   kOffice     "office"
//   kSelf       prefix + the record's own id          (estates, buildings)
//   kField      prefix + the value of fields[0]       (plans: "user:" + collector)
//   kInherit    the place of the record referenced by the first present of fields
// and the kind is the collection's data kind, or with an empty `data_kind` the kind of
// the record inherited from (attachments and conflicts travel with their record).
struct BucketRule {
  enum class Kind { kOffice, kSelf, kField, kInherit };
  Kind kind = Kind::kOffice;
  std::string prefix;
  std::vector<std::string> fields;
  std::string data_kind;  // one of Schema::data_kinds(); empty: the parent's
};

// A person's role, declared once: the server's users have one, the phone learns its
// user's on every pull. The office role reads and writes everything.
struct RoleDef {
  std::string name;  // "collector"
  std::string description;
  bool office = false;
  // Also manages the office: its users, assignments, devices, imports (the console's
  // writes that only managers make).
  bool manages = false;
};

// A kind of data and the field roles that receive it. Buckets carry their kind, so a
// role gains or loses a whole kind of data with its own cursors (docs/protocol.md,
// "Reads by role").
struct DataKind {
  std::string name;                  // "fees"
  std::string title;                 // for people: "fee collection"
  std::vector<std::string> readers;  // field roles; the office reads every kind
  std::string description;
};

// What one field role may write in a collection.
struct RoleWrites {
  std::string role;
  bool create = false;              // may create records
  std::vector<std::string> change;  // lww and status fields it may change later
};

// How a person names a record: the values of `parts` joined by " · ", a reference
// replaced by how its record is named ("Block 1 · 1-101 · Wang Li").
struct RecordLabel {
  std::vector<std::string> parts;
};

// A check across several fields of one record (for example "a promise needs a date").
// Appends one message per problem, each starting with the field it is about.
using RecordCheck = std::function<void(const Json& fields, std::vector<std::string>& problems)>;

// Records a check may read: the ones this device or server holds.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // The record's fields, or nullopt when no record of `collection` has that id here.
  virtual Result<std::optional<Json>> fields_of(const std::string& collection,
                                                const std::string& id) const = 0;
};

// A check of a new record against the records it names (for example "every charge
// paid belongs to this household"). Appends one message per problem; a record it
// cannot find here is not its problem (the reference checks say so).
using RelationCheck = std::function<Status(const Json& fields, const RecordReader& records,
                                           std::vector<std::string>& problems)>;

// Recording a record of the collection moves the record its `field` names to `stage`
// (a return visit closes its work order's loop), when that is forward and the
// recorder's role may change that status.
struct StatusAdvance {
  std::string field;
  std::string stage;
};

struct CollectionDef {
  std::string name;         // plural, snake_case: "fee_visits"
  std::string record_noun;  // singular, for messages: "fee visit"
  bool append_only = false;
  bool server_created = false;  // only the server creates these (conflict records)
  std::vector<FieldDef> fields;
  BucketRule bucket;
  RecordCheck check;             // may be empty
  RelationCheck relation_check;  // may be empty
  // Field roles that may write it; the office may write every collection that is not
  // server-created. A collection no field role creates is created by the office.
  std::vector<RoleWrites> writers;
  bool takes_attachments = false;  // photos and documents may be attached to its records
  std::vector<StatusAdvance> advances;
  RecordLabel label;
  // The command that records one in the field ("pay") and what it does, for the
  // command line's help; empty for collections recorded with the generic `add`.
  std::string verb;
  std::string summary;
  Json example;  // field values as a person types them, for help: {"amount": "120.50"}

  const FieldDef* field(std::string_view name) const;
  // "ownr_name: households have no such field; did you mean `owner_name`?", for a name
  // that is not a field (or a managed one when `managed_too` is false).
  std::string no_such_field(std::string_view typed, bool managed_too = true) const;
  const FieldDef* status_field() const;  // the first status field, or null
  const FieldDef* event_time() const;    // the field defaulting to now, or null
  const RoleWrites* writes_of(std::string_view role) const;  // null when it writes none
};

// ok when `problems` is empty; otherwise one invalid_argument "invalid <noun>: a; b"
// with one detail per problem.
Status invalid_record(const CollectionDef& collection, std::vector<std::string> problems);

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
  Schema(int version, std::vector<CollectionDef> collections, std::vector<RoleDef> roles = {},
         std::vector<DataKind> kinds = {});

  // The property-management collections of this build (see collections.cpp).
  static const Schema& property_management();

  int version() const { return version_; }
  const std::vector<CollectionDef>& collections() const { return collections_; }
  const CollectionDef* find(std::string_view name) const;
  // find(), or an invalid_argument that lists the collections there are.
  Result<const CollectionDef*> require(std::string_view name) const;
  const std::vector<RoleDef>& roles() const { return roles_; }
  const RoleDef* role(std::string_view name) const;
  std::string role_names() const;  // "office, collector, ...", for messages
  const std::vector<DataKind>& data_kinds() const { return kinds_; }
  // The kinds of data `role` receives: every kind for the office, none for an unknown role.
  std::vector<std::string> kinds_read_by(std::string_view role) const;

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
  std::vector<RoleDef> roles_;
  std::vector<DataKind> kinds_;
};

// How a person names a record of `collection` with `fields`, by its label: the parts'
// values joined by " · ", a reference named by its own record's label when `records`
// holds it ("Block 1 · 1-101 · Wang Li"). Parts without a value are left out; a
// record whose label gives nothing reads as its noun and the start of its id.
Result<std::string> label_of(const Schema& schema, const CollectionDef& collection,
                             const std::string& id, const Json& fields,
                             const RecordReader& records);

// How a person names record `id` of `collection`: its label when `records` holds it,
// or else when `fields` (the record as a refused change would have made it) are given;
// otherwise the id itself.
std::string record_text(const Schema& schema, const std::string& collection, const std::string& id,
                        const RecordReader& records, const Json& fields = Json());

// The problems of a new record of `collection` with `fields` against the records it
// names, appended to `problems`: the collection's relation check, and the estate's
// maximum of each FieldDef::estate_max amount. The one check the phone runs before it
// records, the server when a change arrives, and the office's add and import. A record
// `records` cannot find is not its problem (the reference checks say so).
Status relation_problems(const Schema& schema, const CollectionDef& collection, const Json& fields,
                         const RecordReader& records, std::vector<std::string>& problems);

// How a person reads the value of reference `field`: the label of the record it names
// when `records` holds it, otherwise the value as text (format_field_value).
std::string reference_text(const Schema& schema, const FieldDef& field, const Json& value,
                           const RecordReader& records);

}  // namespace fieldsync
