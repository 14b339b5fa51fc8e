// The office's figures, each computed once, by one pure function over records (as
// merge_change is the one merge): the phone's views, the server's report and the
// office console all call these, so a figure cannot mean two things.
//
// Days are local. Every date below is a day of the local calendar of the estate a
// record belongs to (its time_zone; `fallback` for a record whose estate is not held
// or has no zone), and "as of D" means up to the end of local day D.
//
// When an event counts: event_time_of() — the server's corrected time (occurred_at)
// once the server has set it, the time the phone recorded until then; a late entry
// (dated into a period the office had closed when it arrived) counts when it arrived,
// so a closed month never changes, and late_entries() lists it apart.
//
// Voids: a void counts from its own time. A report as of a day before the void still
// counts the payment; from the void's day on it is as if never paid. A payment voided
// twice (two phones offline) has one void, the earliest (by time, then id); the others
// are listed as duplicates and change nothing.
//
// Payments are attributed to charges, per household:
//   1. a payment that names `charges` pays those charges, in the order named;
//      otherwise one that names `periods` pays the household's charges of those
//      periods, oldest first;
//   2. whatever a payment has left (all of it when it names neither) pays the
//      household's oldest unpaid charges (by period, due date, id), payments taken in
//      the order they were made (event time, id);
//   3. what is still left is credit: counted as collected, attributed to no charge.
// A charge never receives more than its amount; cancelled charges and voided payments
// take no part. Step 1 runs for every payment before step 2, so a payment made for a
// named charge keeps it even when an earlier unnamed payment came first.
//
// All functions are pure and thread-safe; a RecordSet is not modified by them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fieldsync/record.h"
#include "fieldsync/schema.h"
#include "fieldsync/time_zone.h"

namespace fieldsync {

// The records the figures read, loaded whole from a device store or the server's.
class RecordSet final : public RecordReader {
 public:
  RecordSet() = default;
  RecordSet(RecordSet&&) = default;  // the records stay where they are
  RecordSet& operator=(RecordSet&&) = default;
  RecordSet(const RecordSet&) = delete;
  RecordSet& operator=(const RecordSet&) = delete;

  // The collections the figures read; load at least these.
  static const std::vector<std::string>& collections_read();

  void add(Record record);  // a second record of the same id replaces the first
  const std::vector<const Record*>& of(std::string_view collection) const;
  const Record* find(const std::string& id) const;
  Result<std::optional<Json>> fields_of(const std::string& collection,
                                        const std::string& id) const override;

 private:
  std::unordered_map<std::string, Record> by_id_;  // nodes: their addresses never move
  std::map<std::string, std::vector<const Record*>, std::less<>> by_collection_;
};

// When the event a record holds counts: arrived_at for a late entry, occurred_at when
// the server has set it, otherwise the collection's event-time field; 0 for none.
int64_t event_time_of(const CollectionDef& collection, const Record& record);

// The estate a record belongs to, following its references (a payment's household's
// unit's building's estate); empty when a link is not held. Reads `records`.
Result<std::string> estate_of(const Schema& schema, const CollectionDef& collection,
                              const std::string& id, const Json& fields,
                              const RecordReader& records);

// The zone of the estate a record belongs to (its time_zone); nullopt when the estate
// is not held or names no zone this database knows.
Result<std::optional<TimeZone>> estate_zone_of(const Schema& schema,
                                               const CollectionDef& collection,
                                               const std::string& id, const Json& fields,
                                               const RecordReader& records);

namespace detail {
struct Attribution;  // how payments pay charges as of a day (figures.cpp)
}

// Where each record's day is counted: the zone of its estate. It also remembers what
// the figures computed over its records (the estates of records, the attribution of
// payments as of a day), so make one per set of figures and do not change the records
// while it lives. Not thread-safe.
class Calendar {
 public:
  Calendar(const Schema& schema, const RecordSet& records, TimeZone fallback,
           const ZoneDatabase& zones = ZoneDatabase::system());

  const TimeZone& zone_of(const Record& record) const;
  const TimeZone& zone_of_estate(const std::string& estate) const;
  // The local date of the record's event.
  std::string event_date(const Record& record) const;
  const Schema& schema() const { return schema_; }
  const RecordSet& records() const { return records_; }

  // The attribution as of `as_of`, made by `make` the first time it is asked for.
  const detail::Attribution& attribution(const std::string& as_of,
                                         detail::Attribution (*make)(const Calendar&,
                                                                     const std::string&)) const;

 private:
  const std::string& estate_of_record(const Record& record, int depth) const;

  const Schema& schema_;
  const RecordSet& records_;
  TimeZone fallback_;
  const ZoneDatabase& zones_;
  mutable std::map<std::string, TimeZone> estate_zones_;
  mutable std::unordered_map<std::string, std::string> record_estates_;
  mutable std::map<std::string, std::shared_ptr<const detail::Attribution>> attributions_;
};

// ---- Fees ----

// A household's account as of a day. Age counts whole billing months from the oldest
// period not fully paid to the as-of month.
struct HouseholdArrears {
  std::string household;
  int64_t charged = 0;  // charges not cancelled
  int64_t paid = 0;     // payments made up to the day, including later-voided ones
  int64_t voided = 0;   // the part of `paid` voided up to the day
  int64_t balance() const { return charged - paid + voided; }
  std::vector<std::string> unpaid_periods;  // periods with a charge not fully paid, oldest first
  std::string oldest_period;                // the first of them, "" when none
  int64_t months_overdue = 0;               // as-of month minus the oldest unpaid period
  int64_t years_overdue() const { return months_overdue / 12; }
};
HouseholdArrears household_arrears(const Calendar& calendar, const std::string& household,
                                   const std::string& as_of);

// Whether a household owes, and has owed for more than `years` years: its oldest unpaid
// period is more than 12 × years billing months before the as-of month (years 0: it
// owes). "In arrears for more than 1, 2, 3 years" everywhere: the report, the console's
// filter and the command lines.
bool owed_for_more_than(const HouseholdArrears& account, int64_t years);

// Every household owing for more than `more_than_years` years as of the day (0: every
// household with a positive balance), most overdue first, with what a collector needs.
struct ArrearsEntry {
  HouseholdArrears account;
  std::string owner, building, unit, collector;
  std::vector<std::string> phones;
};
std::vector<ArrearsEntry> arrears_list(const Calendar& calendar, const std::string& as_of,
                                       int64_t more_than_years = 0);

// Money due and the part of it collected; the rate is collected / due.
struct CollectionFigures {
  int64_t due = 0;
  int64_t collected = 0;
  std::optional<double> rate() const {
    if (due <= 0) return std::nullopt;
    return static_cast<double>(collected) / static_cast<double>(due);
  }
};
struct CollectionRates {
  CollectionFigures period;         // charges of the period (any payment up to as-of)
  CollectionFigures arrears;        // earlier periods: unpaid at the period's start, paid since
  int64_t collected_in_period = 0;  // every unvoided payment made in the period
  int64_t credit_in_period = 0;     // the part of those attributed to no charge
};
CollectionRates collection_rates(const Calendar& calendar, const std::string& period,
                                 const std::string& as_of);

struct PromiseDue {
  std::string visit;
  std::string household;
  std::string collector;
  std::string promise_date;
  std::optional<int64_t> promise_amount;
  int64_t paid_since = 0;  // unvoided payments since the visit, up to the day
  bool broken = false;     // the date has passed without the promise being kept
};
// Promises made by the day, due on or before it and not kept; all collectors when
// `collector` is empty. By promise date.
std::vector<PromiseDue> promises_due(const Calendar& calendar, const std::string& as_of,
                                     const std::string& collector = "");

struct CollectorDay {
  std::string date;  // local
  int64_t visits = 0;
  int64_t households = 0;         // distinct households visited
  std::optional<int64_t> target;  // the month's plan's daily visit target
  bool on_target() const { return target && visits >= *target; }
};
// A collector's visits between two local dates (inclusive): per day, and in all.
struct CollectorVisits {
  std::vector<CollectorDay> days;  // days with at least one visit, in date order
  int64_t visits = 0;
  int64_t households = 0;  // distinct over the whole range: two days at one door count once
};
CollectorVisits collector_visits(const Calendar& calendar, const std::string& collector,
                                 const std::string& from, const std::string& to);

struct CollectorFigures {
  std::string collector;
  std::optional<int64_t> daily_visit_target;  // from the period's collection plan
  std::optional<int64_t> amount_target;
  int64_t visits = 0;              // in the period, up to the as-of day
  int64_t days_on_target = 0;      // days whose visits reached the daily target
  int64_t collected = 0;           // unvoided payments the collector took in the period
  std::vector<CollectorDay> days;  // days with at least one visit, in date order
  // collected / amount_target: the share of the monthly target (the seed pays by it).
  std::optional<double> amount_completion() const;
};
// One entry per collector with a plan for the period or work in it, by name.
std::vector<CollectorFigures> collector_figures(const Calendar& calendar, const std::string& period,
                                                const std::string& as_of);

// A payment voided more than once: the later voids change nothing.
struct DuplicateVoid {
  std::string void_id, payment, first_void;
};
std::vector<DuplicateVoid> duplicate_voids(const Calendar& calendar);

// Events whose time the server could not stand behind, or that arrived after the
// period they are dated into was closed: the office looks at these apart.
struct TimeNote {
  std::string collection, id;
  std::string late_for;     // the closed period it is dated into, "" when not late
  std::string time_check;   // "corrected", "unexplained" or "device"
  int64_t device_time = 0;  // what the phone recorded
  int64_t occurred_at = 0;  // the server's reading
  int64_t arrived_at = 0;
  int64_t counted_at = 0;  // event_time_of: the arrival for a late entry, else occurred_at
};
// Late entries that arrived in `period` and events received in it whose time was
// unexplained, by arrival.
std::vector<TimeNote> time_notes(const Calendar& calendar, const std::string& period,
                                 const std::string& as_of);

// ---- Patrol ----

struct FindingsBySeverity {
  std::string severity;
  int64_t open = 0;     // status other than closed
  int64_t overdue = 0;  // open, with a deadline before the as-of day
};
struct OverdueFinding {
  std::string id, estate, building, category, severity, deadline, status, assignee;
};
struct FindingFigures {
  std::vector<FindingsBySeverity> by_severity;  // every declared severity, low to critical
  std::vector<OverdueFinding> overdue;          // by deadline
};
// Findings by their current status; `as_of` decides which deadlines have passed.
FindingFigures finding_figures(const Calendar& calendar, const std::string& as_of);

struct PatrolCheckIn {
  std::string id, patroller, method, condition, note;
  int64_t at_ms = 0;  // event_time_of
};
struct RoundCheckpoint {
  std::string checkpoint, name;  // name "" when the checkpoint is not held
  std::optional<int64_t> sequence;
  std::vector<PatrolCheckIn> checkins;  // that day, in time order; none: missed
  bool missed() const { return checkins.empty(); }
};
// One route on one local day of its estate.
struct PatrolRound {
  std::string route, route_name, estate, date;
  std::vector<RoundCheckpoint> checkpoints;  // by sequence (none last), name, id
  int64_t checkins = 0;                      // of the route that day
  int64_t missed = 0;                        // checkpoints with no check-in that day
};
// Each route's round on every local day from `from` to `to` (YYYY-MM-DD, inclusive):
// its checkpoints, who checked in at each and when, and those missed. Routes carry no
// schedule, so every day of the range counts: a day with no check-in is a round with
// every checkpoint missed. Routes and checkpoints not archived take part, and archived
// ones only where they were checked in. By route name, route id, then date; none when
// a date is not a day or `from` is after `to` (the caller bounds the range).
std::vector<PatrolRound> patrol_rounds(const Calendar& calendar, const std::string& from,
                                       const std::string& to);

// ---- Statuses ----

// How many records of a collection with a status lifecycle (work orders, complaints,
// findings) stand at each status now: every stage the lifecycle declares, in its
// order, then any other status a record holds, by name. Empty when `collection` has no
// status field.
struct StatusCount {
  std::string status;
  int64_t count = 0;
};
std::vector<StatusCount> status_counts(const Calendar& calendar, const std::string& collection);

// ---- Service ----

// A completed work order or a resolved complaint with no return visit yet.
struct AwaitingReturnVisit {
  std::string collection, id, category, household, building, area, assignee;
  int64_t done_ms = 0;  // when its status reached completed / resolved (its stamp)
};
std::vector<AwaitingReturnVisit> awaiting_return_visit(const Calendar& calendar);

// Return visits made in the period up to the day.
struct Satisfaction {
  int64_t visits = 0;
  int64_t by_score[5] = {0, 0, 0, 0, 0};  // satisfaction 1..5
  std::optional<double> average() const;
};
Satisfaction return_visit_satisfaction(const Calendar& calendar, const std::string& period,
                                       const std::string& as_of);

// Every repair of a household, oldest first: the order, its notes and return visits;
// and its complaints with their return visits.
struct RepairHistory {
  Record order;  // a work order or a complaint
  std::vector<Record> notes;
  std::vector<Record> return_visits;
};
struct MaintenanceFile {
  std::string household;
  std::vector<RepairHistory> work_orders;
  std::vector<RepairHistory> complaints;
};
MaintenanceFile maintenance_file(const Calendar& calendar, const std::string& household);

}  // namespace fieldsync
