#include "fieldsync/time_zone.h"

#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace fieldsync {
namespace {

constexpr int64_t kDayMs = 86400000;

// The system's zoneinfo through date/tz (built with USE_OS_TZDB: it reads
// /usr/share/zoneinfo, never the network). locate_zone throws for an unknown name.
class SystemZones final : public ZoneDatabase {
 public:
  Result<int64_t> offset_at(const std::string& zone, int64_t utc_ms) const override {
    const date::time_zone* z = nullptr;
    try {
      z = date::locate_zone(zone);
    } catch (const std::exception&) {
      return Status::not_found("no time zone '" + zone + "' in the system's zone data");
    }
    const date::sys_seconds at{std::chrono::seconds((utc_ms >= 0 ? utc_ms : utc_ms - 999) / 1000)};
    return static_cast<int64_t>(z->get_info(at).offset.count()) * 1000;
  }
};

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : (a - b + 1) / b;
}

}  // namespace

const ZoneDatabase& ZoneDatabase::system() {
  static const SystemZones zones;
  return zones;
}

Result<TimeZone> TimeZone::named(const std::string& name, const ZoneDatabase& database) {
  if (name == "UTC") return utc();
  if (name.empty() || name.size() > 64) {
    return Status::invalid_argument("'" + utf8_prefix(name, 64) +
                                    "' is not a time zone; use an IANA name like Asia/Shanghai");
  }
  auto probe = database.offset_at(name, 0);
  if (!probe.ok()) {
    if (probe.status().code() != StatusCode::kNotFound) return probe.status();
    return Status::invalid_argument("'" + utf8_prefix(name, 64) +
                                    "' is not a time zone; use an IANA name like Asia/Shanghai");
  }
  return TimeZone(name, &database);
}

TimeZone TimeZone::utc() {
  return TimeZone("UTC", nullptr);
}

int64_t TimeZone::offset_at(int64_t utc_ms) const {
  if (database_ == nullptr) return 0;
  auto offset = database_->offset_at(name_, utc_ms);
  // named() checked the zone; a database that forgets one afterwards reads as UTC.
  return offset.ok() ? *offset : 0;
}

std::string TimeZone::date_of(int64_t utc_ms) const {
  return format_date(civil_from_days(floor_div(utc_ms + offset_at(utc_ms), kDayMs)));
}

int64_t TimeZone::start_of_day(const CivilDate& date) const {
  return instant_of_local(days_from_civil(date) * kDayMs);
}

int64_t TimeZone::instant_of_local(int64_t local_ms) const {
  // The offsets a day either side of the wall time: at most one transition lies between.
  const int64_t before = offset_at(local_ms - kDayMs), after = offset_at(local_ms + kDayMs);
  const int64_t first = local_ms - before, second = local_ms - after;
  const bool first_fits = offset_at(first) == before, second_fits = offset_at(second) == after;
  if (first_fits && second_fits) return std::min(first, second);
  if (first_fits) return first;
  if (second_fits) return second;
  return local_ms - before;  // skipped by the transition: read with the offset before it
}

std::string TimeZone::format(int64_t utc_ms) const {
  const int64_t offset = offset_at(utc_ms);
  std::string text = format_timestamp(utc_ms + offset);  // "...T09:30:00Z", in local wall time
  text.pop_back();
  if (database_ == nullptr) return text + "Z";
  const int64_t minutes = std::llabs(offset) / 60000;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+',
                static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return text + buf;
}

Result<int64_t> parse_local_time(std::string_view text, const TimeZone& zone) {
  auto parsed = parse_time_text(text);
  if (!parsed.ok()) return parsed.status();
  if (parsed->offset_ms) return parsed->local_ms - *parsed->offset_ms;
  return zone.instant_of_local(parsed->local_ms);
}

}  // namespace fieldsync
