#include "fieldsync/id.h"

#include <gtest/gtest.h>

#include <set>

#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

TEST(Id, NewIdsAreVersion7AndCarryTheClockTime) {
  ManualClock clock(1795856400123LL);
  const std::string id = new_id(clock);
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  EXPECT_EQ(id_time_ms(id), 1795856400123LL);
  EXPECT_TRUE(parse_id(id).ok());
}

TEST(Id, IdsCreatedLaterSortLater) {
  ManualClock clock(1795856400000LL);
  const std::string first = new_id(clock);
  clock.advance(1);
  const std::string second = new_id(clock);
  EXPECT_LT(first, second);
}

TEST(Id, ManyIdsAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(new_id());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Id, ParseCanonicalisesCase) {
  auto id = parse_id("0193A6F2-7C1E-7B3A-9F00-1C2D3E4F5A6B");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b");
}

TEST(Id, ParseRejectsMalformedIdsSayingWhy) {
  auto short_id = parse_id("1234");
  ASSERT_FALSE(short_id.ok());
  EXPECT_EQ(short_id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_id.status().message().find("36 characters"), std::string::npos);

  auto bad_digit = parse_id("0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6g");
  ASSERT_FALSE(bad_digit.ok());
  EXPECT_NE(bad_digit.status().message().find("not a hex digit"), std::string::npos);

  auto bad_dash = parse_id("0193a6f2x7c1e-7b3a-9f00-1c2d3e4f5a6b");
  ASSERT_FALSE(bad_dash.ok());
  EXPECT_NE(bad_dash.status().message().find("'-'"), std::string::npos);

  EXPECT_FALSE(parse_id("' OR 1=1; DROP TABLE records; --   ").ok());
}

// Found by tests/fuzz/csv_import_fuzzer: the message quoted the one byte that is not a
// hex digit, and one byte of a multi-byte character is not UTF-8, so a push naming
// such a record id could not be answered (the JSON encoder refuses the reason).
TEST(Id, RefusalsOfNonAsciiIdsAreUtf8) {
  const std::string id = "\xc3\xa9" "193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6";  // 36 bytes, 'é' first
  ASSERT_EQ(id.size(), 36u);
  auto refused = parse_id(id);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(is_valid_utf8(refused.status().message())) << refused.status().message();
  EXPECT_NE(refused.status().message().find("a non-ASCII character at position 1"), std::string::npos);
  auto long_one = parse_id(std::string(59, '0') + "\xc3\xa9");  // quoted up to byte 60
  ASSERT_FALSE(long_one.ok());
  EXPECT_TRUE(is_valid_utf8(long_one.status().message())) << long_one.status().message();
}

}  // namespace
}  // namespace fieldsync
