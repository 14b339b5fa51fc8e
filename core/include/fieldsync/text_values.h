// Field values as people type and read them: money as decimal ("120.50"), times as
// ISO 8601 ("2026-11-28T09:30:00Z" or "2026-11-28 09:30"), dates, months, lists and
// geo points. Used by the command line and by CSV import; all parsers reject input
// they cannot read exactly and say why. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/schema.h"
#include "fieldsync/status.h"

namespace fieldsync {

// The largest amount fieldsync reads as money: 10^15 minor units (ten trillion in major
// units), so that no sum of amounts in one figure can overflow before it is refused.
inline constexpr int64_t kMaxMoneyMinor = 1'000'000'000'000'000LL;
// The largest amount a payment, a charge or a promise may ever hold (their declarations
// bound them): 10,000,000.00. Figures add up these amounts in 64 bits; at this bound it
// would take more than 9 * 10^9 records to overflow a sum. Each estate sets its own
// maximum below it (the estate's max_amount, FieldDef::estate_max), by default
// kDefaultEstateMaxAmountMinor. Targets and other office figures are bounded by
// kMaxMoneyMinor only.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000LL;
// An estate's maximum for one payment, charge or promise when it sets none: 100,000.00.
inline constexpr int64_t kDefaultEstateMaxAmountMinor = 10'000'000LL;

// "120.50" -> 12050, "7" -> 700. Refuses signs, more than two decimals, overflow.
Result<int64_t> parse_money(std::string_view text);
// 12050 -> "120.50"; negative amounts (in derived figures) get a leading '-'.
std::string format_money(int64_t minor_units);

struct CivilDate {
  int year = 0, month = 0, day = 0;
};
Result<CivilDate> parse_date(std::string_view text);   // "YYYY-MM-DD", a real day
Result<CivilDate> parse_month(std::string_view text);  // "YYYY-MM" (day = 1)
int64_t days_from_civil(const CivilDate& date);          // days since 1970-01-01
CivilDate civil_from_days(int64_t days);
std::string format_date(const CivilDate& date);        // "YYYY-MM-DD"

// A time as written: ISO 8601 ("2026-11-28T09:30", "2026-11-28 09:30:15") or a whole
// date (its midnight), with or without an offset ("Z", "+08:00", "-05:00").
struct TimeText {
  int64_t local_ms = 0;              // the wall time written, as milliseconds from 1970-01-01T00:00
  std::optional<int64_t> offset_ms;  // the offset written, if any
};
Result<TimeText> parse_time_text(std::string_view text);
// A time written as above -> Unix milliseconds; a time without an offset is UTC.
// parse_local_time (time_zone.h) reads it in a zone instead.
Result<int64_t> parse_timestamp(std::string_view text);
std::string format_timestamp(int64_t unix_ms);  // "2026-11-28T09:30:00Z"
// A size for people: "14 B", "800.0 KiB", "25.0 MiB".
std::string format_bytes(int64_t bytes);
std::string date_of_timestamp(int64_t unix_ms);  // "2026-11-28" (UTC)

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates, or code
// points past U+10FFFF). Every text value fieldsync stores must be.
bool is_valid_utf8(const std::string& text);
// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8
// sequence: how a message quotes input, since a message cut mid-character is no longer
// UTF-8 and cannot be sent as JSON.
std::string utf8_prefix(std::string_view text, size_t max_bytes);

// The candidate a person most likely meant by `typed` (a command, option, collection or
// value), or nullopt when none is close. With 3 or more code points typed, a candidate
// that starts with `typed` wins; otherwise the one at the smallest edit distance
// (insertions, deletions, substitutions and swaps of neighbours, counted over code
// points, ASCII case ignored), when that distance is at most 1 for up to 5 code points
// typed and 2 beyond, and less than the number typed. Ties go to the earlier candidate.
std::optional<std::string> nearest(std::string_view typed,
                                   const std::vector<std::string>& candidates);
// "; did you mean `X`?" for the nearest candidate X, or "" when there is none: made to be
// appended to an error message.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates);

// Parses `text` as a value of `field` and checks it with Schema::check_value.
// Lists are comma-separated; geo points are "lat,lon" or "lat,lon,accuracy_m";
// booleans are true/false/yes/no/1/0.
Result<Json> parse_field_text(const FieldDef& field, std::string_view text);
// The reverse: how a person reads the value ("" for null).
std::string format_field_value(const FieldDef& field, const Json& value);

}  // namespace fieldsync
