// The office's end-of-day report, computed from the events on the server each time it
// is asked for (never from stored counters): the collection rate of a billing period
// and of older arrears, visits per collector per day against the plan's daily target,
// money collected against the plan's amount target, promises to pay that are due or
// broken, open findings, work orders awaiting a return visit, and open conflicts; given
// the blob store, also the attachments whose bytes the server does not hold yet.
//
// The report sees events up to the end of the as-of day (UTC): payments, voids and
// visits recorded later are left out. Statuses (findings, work orders, conflicts) are
// the current ones; the as-of day decides which deadlines and promise dates have passed.
//
// Payments are attributed to charges (the rule, applied per household):
//   1. a payment that names `charges` pays those charges, in the order named;
//      otherwise one that names `periods` pays the household's charges of those
//      periods, oldest first;
//   2. whatever a payment has left (all of it when it names neither) pays the
//      household's oldest unpaid charges (by period, due date, id), payments taken in
//      the order they were made (paid_at, id);
//   3. what is still left is credit: counted as collected, attributed to no charge.
// A charge never receives more than its amount; cancelled charges and voided payments
// take no part. Step 1 runs for every payment before step 2, so a payment made for a
// named charge keeps it even when an earlier unnamed payment came first.
//
// All functions are pure apart from the read transaction; thread-safe as far as the
// store is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/field_work.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/blob_store.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

// Money due and the part of it collected; the rate is collected / due.
struct CollectionFigures {
  int64_t due = 0;
  int64_t collected = 0;
  std::optional<double> rate() const {
    if (due <= 0) return std::nullopt;
    return static_cast<double>(collected) / static_cast<double>(due);
  }
};

struct CollectorDay {
  std::string date;  // YYYY-MM-DD, UTC
  int64_t visits = 0;
  int64_t households = 0;  // distinct households visited
};

struct CollectorFigures {
  std::string collector;
  std::optional<int64_t> daily_visit_target;  // from the period's collection plan
  std::optional<int64_t> amount_target;
  int64_t visits = 0;              // in the period, up to the as-of day
  int64_t days_on_target = 0;      // days whose visits reached the daily target
  int64_t collected = 0;           // unvoided payments the collector took in the period
  std::vector<CollectorDay> days;  // days with at least one visit, in date order
};

struct FindingsBySeverity {
  std::string severity;
  int64_t open = 0;     // status other than closed
  int64_t overdue = 0;  // open, with a deadline before the as-of day
};

struct OverdueFinding {
  std::string id, estate, building, category, severity, deadline, status, assignee;
};

struct AwaitingReturnVisit {
  std::string id, category, household, building, area, assignee;
  int64_t completed_ms = 0;  // when the status became completed (its stamp)
};

struct OpenConflict {
  std::string id, collection, record, field;
  std::string winner_value, winner_device, loser_value, loser_device;  // values as JSON text
  int64_t detected_ms = 0;
};

// An attachment recorded on the server whose bytes have not all arrived (the phone that
// took the photo has not uploaded it yet, or is uploading it).
struct WaitingAttachment {
  std::string id, sha256, media_type, attached_by;
  int64_t size = 0;
  int64_t received = 0;  // bytes the server holds so far
  int64_t attached_ms = 0;
};

struct OfficeReport {
  std::string period;  // YYYY-MM
  std::string as_of;   // YYYY-MM-DD

  CollectionFigures period_collection;  // charges of the period (any payment up to as-of)
  CollectionFigures arrears;            // earlier periods: unpaid at the period's start, paid since
  int64_t collected_in_period = 0;      // every unvoided payment made in the period
  int64_t credit_in_period = 0;         // the part of those attributed to no charge

  std::vector<CollectorFigures> collectors;                // by name
  std::vector<PromiseDue> promises;                        // due and not kept, by promise date
  std::map<std::string, std::string> household_names;      // id -> owner, for the promises
  std::vector<FindingsBySeverity> findings;                // one per severity, low to critical
  std::vector<OverdueFinding> overdue_findings;            // by deadline
  std::vector<AwaitingReturnVisit> awaiting_return_visit;  // by completion time
  std::vector<OpenConflict> conflicts;                     // by detection time
  // By attach time; absent when the report was built without the blob store.
  std::optional<std::vector<WaitingAttachment>> attachments_waiting;

  int64_t promises_broken() const;
};

// The report of `period` (YYYY-MM) as of `as_of` (YYYY-MM-DD). A malformed period or
// date is an invalid_argument; a store failure is returned as it is. `blobs`, when
// given, is asked which attachments' bytes are missing.
Result<OfficeReport> build_office_report(ServerStore& store, const Schema& schema,
                                         const std::string& period, const std::string& as_of,
                                         BlobStore* blobs = nullptr);

// One JSON document; money as decimal text ("120.50"), rates as fractions (0.5) or null.
Json to_json(const OfficeReport& report);
// Aligned tables for a person, one section per figure.
std::string to_table(const OfficeReport& report);

// An aligned text table: the header, a rule, then the rows; columns listed in
// `right_aligned` (numbers) are aligned right. Widths count UTF-8 code points and
// control characters are shown as spaces. Used by the report and the command line.
std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<size_t>& right_aligned = {});

}  // namespace fieldsync::server
