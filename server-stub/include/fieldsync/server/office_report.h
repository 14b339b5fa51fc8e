// The office's end-of-day report: every figure is a function of figures.h over the
// server's records (never a stored counter), so the phone's views and the report agree:
// the collection rate of a billing period and of older arrears, collectors' visits per
// day and money against their plan, promises due or broken, households in arrears by
// age, open and overdue findings, repairs and complaints awaiting a return visit and
// the satisfaction of those made, duplicate voids, late entries and events whose time
// the server could not explain, open conflicts; given the blob store, also the
// attachments whose bytes the server does not hold yet.
//
// Days are the estates' local days (figures.h); "as of D" is the end of local day D.
// Statuses (findings, work orders, conflicts) are the current ones.
//
// All functions are pure apart from the read transaction; thread-safe as far as the
// store is.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/figures.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/blob_store.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

// Households in arrears for more than `years` years, and what they owe.
struct ArrearsAge {
  int64_t years = 0;
  int64_t households = 0;
  int64_t amount = 0;
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

// How people name the households and buildings a figure refers to by id (their labels,
// record_text: "Block A · 2-102 · Zhao Min"), by id. The report and the console's pages
// show a label beside each id, never the id alone.
using PlaceLabels = std::map<std::string, std::string>;
// Adds to `labels` those of the households and buildings that `awaiting` and `findings`
// name; an id `records` does not hold is named by itself.
void add_place_labels(const Schema& schema, const RecordReader& records,
                      const std::vector<AwaitingReturnVisit>& awaiting,
                      const std::vector<OverdueFinding>& findings, PlaceLabels& labels);
// A repair or complaint awaiting its return visit as the report and the console give it:
// {"id", "collection", "category", "household", "household_label", "building",
// "building_label", "area", "assignee", "done_at"} (null for what it has not; done_at
// written in the zone named `time_zone`).
Json awaiting_json(const AwaitingReturnVisit& awaiting, const PlaceLabels& labels,
                   const std::string& time_zone);
// Return visits and their satisfaction as the report and the console give them:
// {"visits", "average_satisfaction" (null when none), "by_score": [n1, ..., n5]}.
Json satisfaction_json(const Satisfaction& satisfaction);

struct OfficeReport {
  std::string period;     // YYYY-MM
  std::string as_of;      // YYYY-MM-DD
  std::string time_zone;  // the server's zone, for estates that name none
  bool period_closed = false;

  CollectionRates collection;
  std::vector<CollectorFigures> collectors;            // by name
  std::vector<PromiseDue> promises;                    // due and not kept, by promise date
  std::map<std::string, std::string> household_names;  // id -> owner, for the promises
  std::vector<ArrearsAge> arrears_by_age;              // more than 1, 2 and 3 years
  FindingFigures findings;
  std::vector<AwaitingReturnVisit> awaiting_return_visit;  // by completion time
  Satisfaction satisfaction;                               // return visits of the period
  // The labels of the households and buildings the findings and repairs above name.
  PlaceLabels place_labels;
  std::vector<DuplicateVoid> duplicate_voids;
  std::vector<TimeNote> time_notes;     // late entries and unexplained times, by arrival
  std::vector<OpenConflict> conflicts;  // by detection time
  // Changes the server refused that the office has not settled (`parked`), and the
  // money in them (the amounts of refused payments and the like).
  int64_t refused_open = 0;
  int64_t refused_amount = 0;
  // By attach time; absent when the report was built without the blob store.
  std::optional<std::vector<WaitingAttachment>> attachments_waiting;

  int64_t promises_broken() const;
};

// The report of `period` (YYYY-MM) as of `as_of` (YYYY-MM-DD); empty ones mean this
// month and today in the server's zone. A malformed period or date is an
// invalid_argument; a store failure is returned as it is. `blobs`, when given, is asked
// which attachments' bytes are missing.
Result<OfficeReport> build_office_report(ServerStore& store, const Schema& schema,
                                         const std::string& period, const std::string& as_of,
                                         BlobStore* blobs = nullptr);
struct ServerFigures;
// The same over records already loaded (KeptFigures): report_figures(), then
// add_office_state().
Result<OfficeReport> build_office_report(const ServerFigures& figures, ServerStore& store,
                                         const Schema& schema, const std::string& period,
                                         const std::string& as_of, BlobStore* blobs = nullptr);
// The report's figures over loaded records, with no read of the store: what depends on
// the records, the zone and the closed periods alone (the console keeps it).
Result<OfficeReport> report_figures(const ServerFigures& figures, const Schema& schema,
                                    const std::string& period, const std::string& as_of);
// Adds what the store holds besides the figures' records: the open conflicts, the
// refused changes waiting, and (given `blobs`) the attachments waiting for bytes.
Status add_office_state(OfficeReport& report, ServerStore& store, const Schema& schema,
                        BlobStore* blobs = nullptr);

// Every household in arrears as of `as_of` (empty: today) for more than
// `more_than_years` years (0: all; owed_for_more_than).
Result<std::vector<ArrearsEntry>> build_arrears_list(ServerStore& store, const Schema& schema,
                                                     const std::string& as_of,
                                                     int64_t more_than_years);
Result<std::vector<ArrearsEntry>> build_arrears_list(const ServerFigures& figures,
                                                     const Schema& schema, const std::string& as_of,
                                                     int64_t more_than_years);

// The server's records the figures read, and the calendar over them (the server's zone
// for estates that name none). For the report, the office console and tests.
struct ServerFigures {
  RecordSet records;
  TimeZone zone = TimeZone::utc();
  std::map<std::string, int64_t> closed_periods;
  int64_t seq = 0;  // the highest record seq read (KeptFigures); 0 when not known
  Calendar calendar(const Schema& schema) const { return Calendar(schema, records, zone); }
};
Result<ServerFigures> load_server_figures(ServerStore& store);

// The records the figures read, kept in memory for the office console: read from the
// store whole once, then, before each use, only the records written since (by their
// seq; records are replaced, never deleted). The zone and the closed periods are read
// anew each time. What `use` sees equals load_server_figures() at that moment, so a
// page costs its figures, not a load of every record. Thread-safe: one use at a time.
class KeptFigures {
 public:
  explicit KeptFigures(ServerStore& store) : store_(store) {}
  KeptFigures(const KeptFigures&) = delete;
  KeptFigures& operator=(const KeptFigures&) = delete;

  Status use(const std::function<Status(const ServerFigures&)>& use);

 private:
  ServerStore& store_;
  std::mutex mutex_;
  ServerFigures figures_;
};

// One JSON document; money as decimal text ("120.50"), rates as fractions (0.5) or null.
Json to_json(const OfficeReport& report);
// Aligned tables for a person, one section per figure.
std::string to_table(const OfficeReport& report);

// An aligned text table: the header, a rule, then the rows; columns listed in
// `right_aligned` (numbers) are aligned right. Widths are screen columns
// (text::display_width: East Asian wide characters take two) and control characters are
// shown as spaces. Used by the report and the command line.
std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<size_t>& right_aligned = {});

}  // namespace fieldsync::server
