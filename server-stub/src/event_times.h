// When an event happened, as the server reads it (docs/server.md, "When an event
// happened"). On arrival every new event record gets four fields the server sets:
//   arrived_at  the server's clock when the record arrived;
//   occurred_at  the phone's event time, corrected by the phone's clock error as the
//                server measured it at this push (device_time_ms against its own
//                clock), when that error is more than kClockToleranceMs;
//   time_check   "device" (the phone's time stands), "corrected", or "unexplained"
//                (even corrected it lies after its own arrival: occurred_at is then
//                the arrival, and the office is shown it);
//   late_for     the period it is dated into when that period (or a later one) was
//                closed by the office before it arrived: a late entry, which counts
//                when it arrived (figures.h) and is listed apart.
// The phone's own time is never changed: it stays in the event-time field.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "fieldsync/record.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::server {

// The records a check reads on the server: those of `txn`.
class ServerRecords : public RecordReader {
 public:
  explicit ServerRecords(ServerTransaction& txn) : txn_(txn) {}
  Result<std::optional<Json>> fields_of(const std::string& collection,
                                        const std::string& id) const override;

 private:
  ServerTransaction& txn_;
};

struct Arrival {
  int64_t arrived_ms = 0;
  std::optional<int64_t> clock_error_ms;  // the device's clock minus the server's
};

// The zone an event of `collection` with `fields` is dated in: its estate's time_zone,
// else the server's "time_zone" setting, else UTC.
Result<TimeZone> zone_of_event(ServerTransaction& txn, const Schema& schema,
                               const CollectionDef& collection, const std::string& id,
                               const Json& fields);

// The server's default zone (the "time_zone" setting, UTC when unset).
Result<TimeZone> server_zone(ServerTransaction& txn);

// Sets the four fields on `record`, a new record of `collection` (nothing when the
// collection has no event time), each stamped with `stamp`.
Status set_arrival_fields(ServerTransaction& txn, const Schema& schema,
                          const CollectionDef& collection, const Arrival& arrival,
                          const std::string& stamp, Record& record);

}  // namespace fieldsync::server
