// Local time: the estates' calendars. Every daily, weekly and monthly figure is counted
// by the local calendar of the estate the record belongs to, and times are shown with
// their offset. The rules of each zone come from a ZoneDatabase, the seam an app fills
// when its platform has zone data of its own (a phone's OS); by default it is the
// system's zoneinfo read through Howard Hinnant's date/tz (libdate-tz).
//
// A TimeZone is a small value (a name and the database it came from) and, like the
// databases, safe to share between threads. The database must outlive its zones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fieldsync/status.h"
#include "fieldsync/text_values.h"

namespace fieldsync {

class ZoneDatabase {
 public:
  virtual ~ZoneDatabase() = default;
  // The offset from UTC, in milliseconds, in effect in `zone` at the instant `utc_ms`;
  // not_found when the database has no zone of that name.
  virtual Result<int64_t> offset_at(const std::string& zone, int64_t utc_ms) const = 0;

  // The system's zoneinfo (tzdata), through date/tz. Lives for the whole program.
  static const ZoneDatabase& system();
};

class TimeZone {
 public:
  // The zone `name` (an IANA name such as "Asia/Shanghai", or "UTC") of `database`;
  // invalid_argument naming the zone when the database does not know it.
  static Result<TimeZone> named(const std::string& name,
                                const ZoneDatabase& database = ZoneDatabase::system());
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // The offset from UTC at `utc_ms` (0 for UTC).
  int64_t offset_at(int64_t utc_ms) const;
  // The local calendar date of the instant `utc_ms`: "2026-12-05".
  std::string date_of(int64_t utc_ms) const;
  // The first instant of the local day `date` (local midnight, or the first local
  // time after it when a transition skips midnight).
  int64_t start_of_day(const CivilDate& date) const;
  // The instant of a local wall time (milliseconds from 1970-01-01T00:00 local). A
  // time a transition skips is read with the offset before it (02:30 on a spring-forward
  // night is 03:30); a time that happens twice is the first of the two.
  int64_t instant_of_local(int64_t local_ms) const;
  // "2026-12-05T09:30:00+08:00" ("...Z" in UTC).
  std::string format(int64_t utc_ms) const;

 private:
  TimeZone(std::string name, const ZoneDatabase* database)
      : name_(std::move(name)), database_(database) {}

  std::string name_;
  const ZoneDatabase* database_;  // null for UTC
};

// A time as a person writes it: ISO 8601 with an offset ("2026-12-02T09:30+08:00",
// "2026-12-02T01:30:00Z"), or without one ("2026-12-02 09:30", a whole date meaning
// its midnight), which is read in `zone`. Unix milliseconds.
Result<int64_t> parse_local_time(std::string_view text, const TimeZone& zone);

}  // namespace fieldsync
