// Local time through the system's zone data: midnight in Shanghai, both daylight-saving
// transitions of New York, times written with and without offsets, and the seam an app
// fills with zone data of its own.
#include "fieldsync/time_zone.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace fieldsync {
namespace {

using testing::must;

constexpr int64_t kHour = 3600 * 1000;

int64_t utc(const char* text) {
  return must(parse_timestamp(text));
}

TEST(TimeZone, AMorningInShanghaiIsThatDayThereAndTheDayBeforeInUtc) {
  const TimeZone shanghai = must(TimeZone::named("Asia/Shanghai"));
  // 07:30 on Saturday in Beijing is 23:30 on Friday in UTC.
  const int64_t visit = utc("2026-11-27T23:30:00Z");
  EXPECT_EQ(shanghai.date_of(visit), "2026-11-28");
  EXPECT_EQ(TimeZone::utc().date_of(visit), "2026-11-27");
  EXPECT_EQ(shanghai.offset_at(visit), 8 * kHour);
  EXPECT_EQ(shanghai.format(visit), "2026-11-28T07:30:00+08:00");
  EXPECT_EQ(TimeZone::utc().format(visit), "2026-11-27T23:30:00Z");
  // Local midnight starts the day; the instant before it is the day before.
  const int64_t midnight = shanghai.start_of_day(must(parse_date("2026-12-01")));
  EXPECT_EQ(midnight, utc("2026-11-30T16:00:00Z"));
  EXPECT_EQ(shanghai.date_of(midnight), "2026-12-01");
  EXPECT_EQ(shanghai.date_of(midnight - 1), "2026-11-30");
}

TEST(TimeZone, DaylightSavingMovesTheOffsetAndTheLocalTimesAroundIt) {
  const TimeZone new_york = must(TimeZone::named("America/New_York"));
  EXPECT_EQ(new_york.offset_at(utc("2026-01-15T12:00:00Z")), -5 * kHour);
  EXPECT_EQ(new_york.offset_at(utc("2026-07-15T12:00:00Z")), -4 * kHour);
  // 8 March 2026: 02:00 EST jumps to 03:00 EDT. 02:30 does not exist: read before it.
  EXPECT_EQ(must(parse_local_time("2026-03-08T02:30", new_york)), utc("2026-03-08T07:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-03-08T03:30", new_york)), utc("2026-03-08T07:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-03-08T01:30", new_york)), utc("2026-03-08T06:30:00Z"));
  // 1 November 2026: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice, the first counts.
  EXPECT_EQ(must(parse_local_time("2026-11-01T01:30", new_york)), utc("2026-11-01T05:30:00Z"));
  EXPECT_EQ(new_york.date_of(utc("2026-11-02T04:59:59Z")), "2026-11-01");
  EXPECT_EQ(new_york.date_of(utc("2026-11-02T05:00:00Z")), "2026-11-02");
  // That day has 25 hours.
  EXPECT_EQ(new_york.start_of_day(must(parse_date("2026-11-02"))) -
                new_york.start_of_day(must(parse_date("2026-11-01"))),
            25 * kHour);
}

TEST(TimeZone, AnOffsetWrittenWinsOverTheZone) {
  const TimeZone shanghai = must(TimeZone::named("Asia/Shanghai"));
  EXPECT_EQ(must(parse_local_time("2026-12-02T09:30+08:00", shanghai)),
            utc("2026-12-02T01:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-12-02T09:30-05:00", shanghai)),
            utc("2026-12-02T14:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-12-02T01:30:00Z", shanghai)), utc("2026-12-02T01:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-12-02 09:30", shanghai)), utc("2026-12-02T01:30:00Z"));
  EXPECT_EQ(must(parse_local_time("2026-12-02", shanghai)), utc("2026-12-01T16:00:00Z"));
  EXPECT_EQ(must(parse_timestamp("2026-12-02T09:30+08:00")), utc("2026-12-02T01:30:00Z"));
  for (const char* bad : {"2026-12-02T09:30+8", "2026-12-02T09:30+15:00", "2026-12-02T09:30+08:60",
                          "2026-12-02T25:00", "yesterday"}) {
    auto parsed = parse_local_time(bad, shanghai);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("+08:00"), std::string::npos) << bad;
  }
}

TEST(TimeZone, AnUnknownZoneIsRefusedByName) {
  auto zone = TimeZone::named("Mars/Olympus_Mons");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(zone.status().message().find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_FALSE(TimeZone::named("").ok());
  EXPECT_EQ(must(TimeZone::named("UTC")).offset_at(0), 0);
}

// An app's own zone data: a zone that is always nine hours ahead.
class NineHoursAhead final : public ZoneDatabase {
 public:
  Result<int64_t> offset_at(const std::string& zone, int64_t) const override {
    if (zone != "Test/Nine") return Status::not_found("no zone " + zone);
    return 9 * kHour;
  }
};

TEST(TimeZone, AnAppMaySupplyItsOwnZoneData) {
  const NineHoursAhead zones;
  const TimeZone nine = must(TimeZone::named("Test/Nine", zones));
  EXPECT_EQ(nine.date_of(utc("2026-11-30T15:00:00Z")), "2026-12-01");
  EXPECT_EQ(nine.format(utc("2026-11-30T15:00:00Z")), "2026-12-01T00:00:00+09:00");
  EXPECT_FALSE(TimeZone::named("Asia/Shanghai", zones).ok());
}

}  // namespace
}  // namespace fieldsync
