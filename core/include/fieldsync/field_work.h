// Recording field work, and the figures derived from it. record() is the one way to
// record into any collection: it fills in what the declaration defaults (the event's
// time, the device's user as author, literal defaults), checks the record against its
// declaration and the records it names, reporting every problem at once, and writes it
// in one DeviceStore transaction (which also checks the device's role). The command
// line and the C API feed it field values directly; the typed calls below are thin
// wrappers for C++ callers. Figures are those of figures.h, over this device's records.
//
// Author fields (who visited, who took the payment) are always the device's user.
// A FieldWork borrows its DeviceStore and shares its threading rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/device_store.h"
#include "fieldsync/figures.h"

namespace fieldsync {

struct GeoPoint {
  double lat = 0, lon = 0;
  std::optional<double> accuracy_m;
};

struct FeeVisitInput {
  std::string household;
  std::string channel = "door";  // door, phone, sms, notice
  std::string outcome;           // paid_full, promised, not_home, ...
  std::string person_met;
  std::optional<std::string> promise_date;  // YYYY-MM-DD
  std::optional<int64_t> promise_amount;    // minor units
  std::optional<std::string> work_order;    // when the owner refuses over service
  std::optional<std::string> complaint;
  std::string note;
  std::optional<GeoPoint> location;
  std::optional<int64_t> visited_at;
};

struct PaymentInput {
  std::string household;
  int64_t amount = 0;  // minor units, more than zero
  std::string method = "cash";
  std::vector<std::string> charges;  // charge ids this pays, all of this household
  std::vector<std::string> periods;  // or billing months, YYYY-MM
  std::string note;
  std::optional<int64_t> paid_at;
};

struct CheckInInput {
  std::string route;
  std::string checkpoint;  // must be on the route
  std::string method = "qr";
  std::string condition = "normal";
  std::string note;
  std::optional<GeoPoint> location;
  std::optional<int64_t> checked_at;
};

struct FindingInput {
  std::string estate;
  std::optional<std::string> building;
  std::string category;
  std::string severity;
  std::string description;
  std::string location_text;
  std::optional<GeoPoint> location;
  std::optional<std::string> deadline;  // YYYY-MM-DD
  std::string assignee;
  std::optional<int64_t> reported_at;
};

struct WorkOrderInput {
  std::optional<std::string> household;
  std::optional<std::string> building;
  std::string area;  // a public area, when there is no household
  std::string category;
  std::string channel = "phone";
  std::string description;
  std::string priority = "normal";
  std::string assignee;
  std::optional<int64_t> reported_at;
};

struct ComplaintInput {
  std::string type = "complaint";  // or enquiry
  std::optional<std::string> household;
  std::optional<std::string> building;
  std::string description;
  std::string assignee;
  std::optional<int64_t> received_at;
};

struct ReturnVisitInput {
  std::optional<std::string> work_order;
  std::optional<std::string> complaint;
  int64_t satisfaction = 0;  // 1 to 5
  std::string comment;
  std::optional<int64_t> visited_at;
};

// How a conflict is settled: keep the value that won, the one that lost, or a new one.
enum class ConflictChoice { kKeepWinner, kKeepLoser, kNewValue };

// What settling a conflict (a record of `conflicts`) with `choice` writes: the field's
// value and the conflict's `resolution`. The one rule, on the phone (resolve_conflict
// below) and on the server (the office console). `new_value` is used with kNewValue.
struct ConflictResolution {
  Json value;
  std::string resolution;  // kept_winner, kept_loser or new_value
};
Result<ConflictResolution> conflict_resolution(const Record& conflict, ConflictChoice choice,
                                               const Json& new_value);

// The records a check or a label reads: the ones this device holds.
class StoreRecords : public RecordReader {
 public:
  explicit StoreRecords(const DeviceStore& store) : store_(store) {}
  Result<std::optional<Json>> fields_of(const std::string& collection,
                                        const std::string& id) const override;

 private:
  const DeviceStore& store_;
};

class FieldWork {
 public:
  explicit FieldWork(DeviceStore& store) : store_(store) {}

  // Records a new record of `collection` from `fields` (schema field names and JSON
  // values; absent or null fields take the declaration's defaults). Every problem is
  // reported at once and nothing is written unless the record is good.
  Result<Record> record(const std::string& collection, Json fields);

  Result<Record> record_visit(const FeeVisitInput& visit);
  Result<Record> record_payment(const PaymentInput& payment);
  // Records a void of `payment`; a payment can be voided once.
  Result<Record> void_payment(const std::string& payment, const std::string& reason);
  Result<Record> check_in(const CheckInInput& check_in);
  Result<Record> report_finding(const FindingInput& finding);
  Result<Record> open_work_order(const WorkOrderInput& order);
  Result<Record> add_work_order_note(const std::string& work_order, const std::string& text);
  Result<Record> log_complaint(const ComplaintInput& complaint);
  Result<Record> record_return_visit(const ReturnVisitInput& visit);

  // Settles an open conflict: writes the chosen value to the record's field (an
  // ordinary edit, which syncs) and marks the conflict resolved, in one transaction.
  // `new_value` is used with kNewValue only.
  Result<Record> resolve_conflict(const std::string& conflict, ConflictChoice choice,
                                  const Json& new_value = Json());

  // The figures of figures.h over the records this device holds; days are local to
  // each record's estate, and `as_of` (YYYY-MM-DD) defaults to today in home_zone().
  // The records the figures read, as this device holds them.
  Status load_records(RecordSet& into) const;
  // The device's home zone: the first of its estates that has one (its assigned estates
  // first), else UTC. "Today" is read in it, and so is the day of a record whose estate
  // names no zone (the server gives every estate one).
  Result<TimeZone> home_zone() const;
  Result<std::string> today() const;

  Result<HouseholdArrears> arrears(const std::string& household,
                                   const std::string& as_of = "") const;
  Result<std::vector<ArrearsEntry>> arrears_list(const std::string& as_of = "",
                                                 int64_t more_than_years = 0) const;
  // Promises due on or before `as_of` and not kept; all collectors when `collector` is empty.
  Result<std::vector<PromiseDue>> promises_due(const std::string& as_of,
                                               const std::string& collector = "") const;
  // Visits between two local dates (inclusive): per day with the plan's daily target, and in all.
  Result<CollectorVisits> visits(const std::string& collector, const std::string& from,
                                 const std::string& to) const;
  // Every work order, note, complaint and return visit of a household.
  Result<MaintenanceFile> maintenance_file(const std::string& household) const;

 private:
  // Moves the records `fields` names to the stages the collection's advances say.
  Status advance_named(const CollectionDef& collection, const Json& fields);
  Result<std::string> day_or_today(const std::string& as_of) const;  // checked YYYY-MM-DD
  int64_t now() const { return store_.clock().now_ms(); }
  const std::string& me() const { return store_.access().user; }

  DeviceStore& store_;
};

// {"lat":..,"lon":..,"accuracy_m":..} as the schema stores a geo point.
Json geo_to_json(const GeoPoint& point);

}  // namespace fieldsync
