#include "fieldsync/text_values.h"

#include <gtest/gtest.h>

namespace fieldsync {
namespace {

TEST(Money, ParsesDecimalsIntoMinorUnits) {
  EXPECT_EQ(*parse_money("120.50"), 12050);
  EXPECT_EQ(*parse_money("120.5"), 12050);
  EXPECT_EQ(*parse_money("7"), 700);
  EXPECT_EQ(*parse_money("0.05"), 5);
  EXPECT_EQ(*parse_money(" 3.00 "), 300);
}

TEST(Money, RefusesWhatIsNotExactlyAnAmount) {
  for (const char* bad : {"-5", "12.345", "abc", "", "1,000", "1e3", "12.", ".5", "99999999999999999"}) {
    auto result = parse_money(bad);
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(parse_money("-5").status().message().find("negative"), std::string::npos);
  EXPECT_NE(parse_money("12.345").status().message().find("two decimals"), std::string::npos);
}

TEST(Money, FormatsMinorUnitsAsDecimals) {
  EXPECT_EQ(format_money(12050), "120.50");
  EXPECT_EQ(format_money(5), "0.05");
  EXPECT_EQ(format_money(0), "0.00");
  EXPECT_EQ(format_money(-12050), "-120.50");
}

TEST(Dates, ParseRealDaysOnly) {
  EXPECT_TRUE(parse_date("2028-02-29").ok());
  EXPECT_FALSE(parse_date("2026-02-29").ok());
  EXPECT_FALSE(parse_date("2026-13-01").ok());
  EXPECT_FALSE(parse_date("2026-1-01").ok());
  EXPECT_TRUE(parse_month("2026-11").ok());
  EXPECT_FALSE(parse_month("2026-00").ok());
}

TEST(Dates, CivilDaysRoundTrip) {
  for (int64_t days : {-1000, 0, 1, 20000, 20785, 50000}) {
    EXPECT_EQ(days_from_civil(civil_from_days(days)), days);
  }
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
}

TEST(Timestamps, ParseIso8601InUtc) {
  EXPECT_EQ(*parse_timestamp("2026-11-28T09:00:00Z"), 1795856400000LL);
  EXPECT_EQ(*parse_timestamp("2026-11-28 09:00"), 1795856400000LL);
  EXPECT_EQ(*parse_timestamp("2026-11-28"), 1795824000000LL);
  EXPECT_FALSE(parse_timestamp("2026-11-28T25:00").ok());
  EXPECT_FALSE(parse_timestamp("yesterday").ok());
  EXPECT_EQ(format_timestamp(1795856400000LL), "2026-11-28T09:00:00Z");
  EXPECT_EQ(date_of_timestamp(1795856400000LL), "2026-11-28");
}

TEST(FieldText, ParsesEachTypeFromText) {
  const Schema& schema = Schema::property_management();
  const CollectionDef& payments = *schema.find("payments");
  EXPECT_EQ(*parse_field_text(*payments.field("amount"), "120.50"), Json(12050));
  EXPECT_EQ(*parse_field_text(*payments.field("periods"), "2026-11, 2026-12"),
            Json({"2026-11", "2026-12"}));
  const CollectionDef& checkpoints = *schema.find("checkpoints");
  Json geo = *parse_field_text(*checkpoints.field("location"), "31.2,121.5,8");
  EXPECT_DOUBLE_EQ(geo["lat"].get<double>(), 31.2);
  EXPECT_DOUBLE_EQ(geo["accuracy_m"].get<double>(), 8);
  EXPECT_FALSE(parse_field_text(*checkpoints.field("location"), "95,10").ok());
  const CollectionDef& visits = *schema.find("fee_visits");
  auto bad = parse_field_text(*visits.field("outcome"), "maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("paid_full"), std::string::npos);
}

TEST(FieldText, IdsAreStoredInCanonicalForm) {
  const FieldDef& household = *Schema::property_management().find("fee_visits")->field("household");
  EXPECT_EQ(*parse_field_text(household, "0193A6F2-7C1E-7B3A-9F00-1C2D3E4F5A6B"),
            Json("0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"));
}

// Found by tests/fuzz/schema_validation_fuzzer: "nan,0" was read as a place.
TEST(FieldText, PlacesAreFiniteNumbers) {
  const FieldDef& location = *Schema::property_management().find("checkpoints")->field("location");
  for (const char* text : {"nan,0", "0,nan", "1,2,inf", "1,2,-nan", "inf,0", "1,2,infinity"}) {
    EXPECT_FALSE(parse_field_text(location, text).ok()) << text;
  }
  EXPECT_TRUE(parse_field_text(location, "31.2304,121.4737,5").ok());
}

// Found by tests/fuzz/schema_validation_fuzzer: an empty first entry was dropped, so
// ["", "a"] was shown as "a" and read back as ["a"].
TEST(FieldText, ListsKeepAnEmptyFirstEntry) {
  const FieldDef& phones = *Schema::property_management().find("households")->field("phones");
  const Json value = *parse_field_text(phones, ",13800001000");
  EXPECT_EQ(value, Json({"", "13800001000"}));
  EXPECT_EQ(format_field_value(phones, value), ",13800001000");
  EXPECT_EQ(*parse_field_text(phones, format_field_value(phones, value)), value);
}

TEST(Utf8Prefix, NeverEndsInsideACharacter) {
  EXPECT_EQ(utf8_prefix("short", 60), "short");
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8_prefix("ab\xc3\xa9", 3), "ab");                  // 2-byte 'é' cut after 1
  EXPECT_EQ(utf8_prefix("ab\xe4\xb8\xad", 4), "ab");              // 3-byte cut after 2
  EXPECT_EQ(utf8_prefix("a\xf0\x9f\x98\x80", 4), "a");          // 4-byte cut after 3
  EXPECT_EQ(utf8_prefix("ab\xe4\xb8\xad" "c", 5), "ab\xe4\xb8\xad");  // a whole character
  EXPECT_EQ(utf8_prefix("\xe4\xb8\xad", 2), "");
  // A message quoting a long bad value: cut, still UTF-8.
  auto bad = parse_money(std::string(59, '1') + "\xe4\xb8\xad");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(is_valid_utf8(bad.status().message())) << bad.status().message();
}

TEST(FieldText, FormatsValuesForPeople) {
  const CollectionDef& payments = *Schema::property_management().find("payments");
  EXPECT_EQ(format_field_value(*payments.field("amount"), Json(12050)), "120.50");
  EXPECT_EQ(format_field_value(*payments.field("paid_at"), Json(1795856400000LL)),
            "2026-11-28T09:00:00Z");
  EXPECT_EQ(format_field_value(*payments.field("periods"), Json({"2026-11", "2026-12"})),
            "2026-11,2026-12");
}

}  // namespace
}  // namespace fieldsync

namespace fieldsync {
namespace {

TEST(FormatBytes, BytesKibAndMib) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(800 * 1024), "800.0 KiB");
  EXPECT_EQ(format_bytes(int64_t{25} << 20), "25.0 MiB");
}

}  // namespace
TEST(Suggestions, NearestFindsTyposOfOneOrTwoEdits) {
  const std::vector<std::string> collections = {"households", "household", "payments", "pay",
                                                "list"};
  EXPECT_EQ(nearest("househols", {"households", "payments"}), "households");
  EXPECT_EQ(nearest("payy", collections), "pay");
  EXPECT_EQ(nearest("househld", collections), "household");
  EXPECT_EQ(nearest("lst", collections), "list");
  EXPECT_EQ(nearest("pyaments", collections), "payments");  // a swap is one edit
  EXPECT_EQ(nearest("HOUSEHOLDS", collections), "households");
}

TEST(Suggestions, NearestFindsNothingFarOff) {
  EXPECT_EQ(nearest("xyz", {"households", "payments"}), std::nullopt);
  EXPECT_EQ(nearest("x", {"y", "xy"}), std::nullopt);
  EXPECT_EQ(nearest("", {"households"}), std::nullopt);
  EXPECT_EQ(nearest("households", {}), std::nullopt);
}

TEST(Suggestions, NearestPrefersWhatStartsWithTheTypedText) {
  EXPECT_EQ(nearest("hou", {"payments", "households"}), "households");
  EXPECT_EQ(nearest("list", {"lost", "listings"}), "listings");
  EXPECT_EQ(nearest("pa", {"payments"}), std::nullopt);  // too short to count as a start
}

TEST(Suggestions, NearestCountsCodePointsNotBytes) {
  EXPECT_EQ(nearest("李华明", {"李华", "王丽"}), "李华");
  EXPECT_EQ(nearest("住户", {"住房", "付款"}), "住房");
}

TEST(Suggestions, DidYouMeanIsReadyToAppendToAMessage) {
  EXPECT_EQ(did_you_mean("payy", {"households", "pay"}), "; did you mean `pay`?");
  EXPECT_EQ(did_you_mean("xyz", {"households", "payments"}), "");
}

}  // namespace fieldsync
