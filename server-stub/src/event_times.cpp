#include "event_times.h"

#include <cstdlib>

#include "fieldsync/figures.h"
#include "fieldsync/protocol.h"

namespace fieldsync::server {
Result<std::optional<Json>> ServerRecords::fields_of(const std::string& collection,
                                                     const std::string& id) const {
  auto stored = txn_.get_record(id);
  if (!stored.ok()) return stored.status();
  if (!*stored || (*stored)->record.collection != collection) return std::optional<Json>();
  return std::optional<Json>((*stored)->record.fields);
}

Result<TimeZone> server_zone(ServerTransaction& txn) {
  auto setting = txn.setting("time_zone");
  if (!setting.ok()) return setting.status();
  if (!*setting) return TimeZone::utc();
  return TimeZone::named(**setting);
}

Result<TimeZone> zone_of_event(ServerTransaction& txn, const Schema& schema,
                               const CollectionDef& collection, const std::string& id,
                               const Json& fields) {
  auto zone = estate_zone_of(schema, collection, id, fields, ServerRecords(txn));
  if (!zone.ok()) return zone.status();
  if (*zone) return **zone;
  return server_zone(txn);
}

Status set_arrival_fields(ServerTransaction& txn, const Schema& schema,
                          const CollectionDef& collection, const Arrival& arrival,
                          const std::string& stamp, Record& record) {
  const FieldDef* device_field = collection.event_time();
  if (device_field == nullptr || collection.field("arrived_at") == nullptr) return Status();
  const Json& device_value = record.fields.value(device_field->name, Json());
  const int64_t device_time =
      device_value.is_number_integer() ? device_value.get<int64_t>() : arrival.arrived_ms;
  int64_t occurred = device_time;
  std::string check = "device";
  if (arrival.clock_error_ms && std::llabs(*arrival.clock_error_ms) > kClockToleranceMs) {
    occurred = device_time - *arrival.clock_error_ms;
    check = "corrected";
  }
  if (occurred > arrival.arrived_ms + kClockToleranceMs) {
    occurred = arrival.arrived_ms;
    check = "unexplained";
  }
  Json set = {{"arrived_at", arrival.arrived_ms}, {"occurred_at", occurred}, {"time_check", check}};
  auto closed = txn.closed_periods();
  if (!closed.ok()) return closed.status();
  if (!closed->empty()) {
    auto zone = zone_of_event(txn, schema, collection, record.id, record.fields);
    if (!zone.ok()) return zone.status();
    const std::string period = zone->date_of(occurred).substr(0, 7);
    if (period <= closed->rbegin()->first) set["late_for"] = period;
  }
  for (const auto& [name, value] : set.items()) {
    record.fields[name] = value;
    record.stamps[name] = stamp;
  }
  return Status();
}

}  // namespace fieldsync::server
