#include "text/text.h"

#include <gtest/gtest.h>

#include "fieldsync/text_values.h"

namespace fieldsync::text {
namespace {

const std::string kLiHuaGb18030 = "\xC0\xEE\xBB\xAA";     // printf '李华' | iconv -t gb18030
const std::string kComposedE = "\xC3\xA9";                // é, U+00E9
const std::string kDecomposedE = "e\xCC\x81";             // e + U+0301 combining acute
const std::string kZeroWidthJoiner = "\xE2\x80\x8D";      // U+200D
const std::string kRightToLeftOverride = "\xE2\x80\xAE";  // U+202E
const std::string kBadByte = "\xFF";                      // never in UTF-8, nor first in GB18030

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Text, HanCharactersTakeTwoColumnsAndLatinLettersOne) {
  EXPECT_EQ(display_width("李华"), 4u);
  EXPECT_EQ(display_width("Wang"), 4u);
  EXPECT_EQ(display_width("李华 Wang"), 9u);
  EXPECT_EQ(display_width("ＡＢ"), 4u);  // fullwidth Latin
  EXPECT_EQ(display_width(""), 0u);
}

TEST(Text, CombiningAndInvisibleCharactersTakeNoColumns) {
  EXPECT_EQ(display_width(kComposedE), 1u);
  EXPECT_EQ(display_width(kDecomposedE), 1u);
  EXPECT_EQ(display_width(kZeroWidthJoiner), 0u);
  EXPECT_EQ(display_width("a" + kRightToLeftOverride + "b"), 2u);
  // 한 decomposed: a leading consonant, a vowel and a final drawn in one wide cell.
  EXPECT_EQ(display_width("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), 2u);
}

TEST(Text, EachInvalidByteTakesOneColumn) {
  EXPECT_EQ(display_width("a" + kBadByte + "b"), 3u);
  EXPECT_EQ(display_width("\xC0\xAF"), 2u);  // an overlong '/'
  EXPECT_EQ(display_width("\xE6\x9D"), 2u);  // 李 cut after two of its three bytes
}

TEST(Text, CutsToWidthWithAnEllipsisAndNeverHalfAWideCharacter) {
  EXPECT_EQ(cut_to_width("李华明", 5), "李华…");
  EXPECT_EQ(cut_to_width("李华明", 4), "李…");  // 李华 would leave no room for the ellipsis
  EXPECT_EQ(cut_to_width("李华明", 6), "李华明");
  EXPECT_EQ(cut_to_width("households", 6), "house…");
  EXPECT_EQ(cut_to_width("households", 0), "");
  EXPECT_EQ(cut_to_width("", 0), "");
  EXPECT_EQ(display_width(cut_to_width("李华明李华明", 7)), 7u);
}

TEST(Text, CutKeepsTheAccentOfTheLastLetterKept) {
  EXPECT_EQ(cut_to_width("Jos" + kDecomposedE + " Li", 5), "Jos" + kDecomposedE + "…");
}

TEST(Text, PadsToWidthCountingColumnsNotBytes) {
  EXPECT_EQ(pad_to_width("李华", 6), "李华  ");
  EXPECT_EQ(pad_to_width("Wang", 6), "Wang  ");
  EXPECT_EQ(pad_to_width(kDecomposedE, 3), kDecomposedE + "  ");
  EXPECT_EQ(pad_to_width("李华明", 4), "李华明");  // never cut
}

TEST(Text, NfcComposesAccents) {
  EXPECT_EQ(to_nfc(kDecomposedE), kComposedE);
  EXPECT_EQ(to_nfc("李华"), "李华");
  EXPECT_EQ(to_nfc(""), "");
}

TEST(Text, NameProblemAcceptsLettersOfAnyScript) {
  EXPECT_EQ(name_problem("李华"), std::nullopt);
  EXPECT_EQ(name_problem("wang.li"), std::nullopt);
  EXPECT_EQ(name_problem("José"), std::nullopt);
  EXPECT_EQ(name_problem("Jos" + kDecomposedE), std::nullopt);
  EXPECT_EQ(name_problem("li_hua-2"), std::nullopt);
  EXPECT_EQ(name_problem(std::string(64, 'a')), std::nullopt);
  EXPECT_EQ(name_problem(std::string(63, 'a') + kDecomposedE), std::nullopt);  // 64 after NFC
}

TEST(Text, NameProblemRefusesEmptyTooLongAndInvalidNames) {
  EXPECT_NE(name_problem(""), std::nullopt);
  const auto too_long = name_problem(std::string(65, 'a'));
  ASSERT_NE(too_long, std::nullopt);
  EXPECT_TRUE(contains(*too_long, "65")) << *too_long;
  EXPECT_TRUE(contains(*too_long, "64")) << *too_long;
  const auto invalid = name_problem("wang\xFF");
  ASSERT_NE(invalid, std::nullopt);
  EXPECT_TRUE(contains(*invalid, "UTF-8")) << *invalid;
}

TEST(Text, NameProblemNamesTheFirstCharacterThatIsNotAllowed) {
  EXPECT_EQ(name_problem("a b"), "character 2 (U+0020) is not a letter, digit, '.', '_' or '-'");
  EXPECT_EQ(name_problem("ab" + kRightToLeftOverride + "c"),
            "character 3 (U+202E) is not a letter, digit, '.', '_' or '-'");
  EXPECT_EQ(name_problem("a" + kZeroWidthJoiner + "b"),
            "character 2 (U+200D) is not a letter, digit, '.', '_' or '-'");
  EXPECT_EQ(name_problem("a\tb"), "character 2 (U+0009) is not a letter, digit, '.', '_' or '-'");
  EXPECT_NE(name_problem("a@b"), std::nullopt);
}

TEST(Text, StripsOnlyALeadingByteOrderMark) {
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB\xBFname,amount"), "name,amount");
  EXPECT_EQ(strip_utf8_bom("name,amount"), "name,amount");
  EXPECT_EQ(strip_utf8_bom("a\xEF\xBB\xBF"), "a\xEF\xBB\xBF");
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB"), "\xEF\xBB");
}

TEST(Text, ConvertsChineseEncodingsToUtf8) {
  const auto from_gb18030 = to_utf8(kLiHuaGb18030, "gb18030");
  ASSERT_TRUE(from_gb18030.ok()) << from_gb18030.status().to_string();
  EXPECT_EQ(*from_gb18030, "李华");
  const auto from_gbk = to_utf8(kLiHuaGb18030, "GBK");
  ASSERT_TRUE(from_gbk.ok()) << from_gbk.status().to_string();
  EXPECT_EQ(*from_gbk, "李华");
  const auto from_utf16 = to_utf8("\xFF\xFE\x4E\x67\x4E\x53", "utf-16");  // BOM, little-endian
  ASSERT_TRUE(from_utf16.ok()) << from_utf16.status().to_string();
  EXPECT_EQ(*from_utf16, "李华");
  const auto empty = to_utf8("", "gb18030");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(Text, Utf8IsCheckedNotConverted) {
  for (const char* name : {"utf-8", "UTF-8", "utf8", "Utf8"}) {
    const auto same = to_utf8("李华", name);
    ASSERT_TRUE(same.ok()) << name;
    EXPECT_EQ(*same, "李华");
  }
  const auto bad = to_utf8("ab" + kLiHuaGb18030, "utf-8");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "byte 2 is not valid utf-8");
}

TEST(Text, RefusesAnUnknownEncoding) {
  const auto result = to_utf8("abc", "klingon");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "unknown encoding 'klingon'; try gb18030, gbk, big5 or utf-8");
}

TEST(Text, NamesTheOffsetOfBytesThatDoNotConvert) {
  const auto bad = to_utf8("ab" + kLiHuaGb18030 + kBadByte + "cd", "gb18030");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "byte 6 is not valid gb18030");
  // The first byte of 李 with nothing after it.
  const auto cut = to_utf8("ab\xC0", "gb18030");
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(contains(cut.status().message(), "byte 2")) << cut.status().message();
}

TEST(Text, ConvertsTextLongerThanItsFirstGuessOfSize) {
  std::string gb, utf8;
  for (int i = 0; i < 5000; ++i) gb += kLiHuaGb18030, utf8 += "李华";
  const auto result = to_utf8(gb, "gb18030");
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(*result, utf8);
}

TEST(Text, HintsAtTheEncodingOfAFileThatIsNotUtf8) {
  EXPECT_TRUE(contains(encoding_hint("name\n" + kLiHuaGb18030 + "\n"), "gb18030"));
  // 李華 and 臺灣 in Big5 (printf '李華,臺灣' | iconv -t big5): both bytes read as GB18030 too.
  const std::string big5 = "\xA7\xF5\xB5\xD8,\xBB\x4F\xC6\x57";
  ASSERT_TRUE(to_utf8(big5, "gb18030").ok());
  EXPECT_TRUE(contains(encoding_hint("name\n" + big5 + "\n"), "--encoding big5"))
      << encoding_hint(big5);
  EXPECT_TRUE(contains(encoding_hint("\xA7\xF5\xB5\xD8"), "big5"));  // 李華 alone
  EXPECT_EQ(encoding_hint("\xFF\xFE" + std::string("n\0a\0", 4)),
            "the file is UTF-16; save it as UTF-8 or use --encoding utf-16");
  EXPECT_EQ(encoding_hint("a" + kBadByte + "b"),
            "save the file as UTF-8, or name its encoding with --encoding");
  EXPECT_EQ(encoding_hint("李华"), "");
}

TEST(Text, ShownTextCannotReverseHideOrBreakWhatFollows) {
  EXPECT_EQ(shown("李华"), "李华");
  EXPECT_EQ(shown("evil\xE2\x80\xAEgnp.exe"), "evil<U+202E>gnp.exe");        // right-to-left override
  EXPECT_EQ(shown("pay\xE2\x80\x8Bment"), "pay<U+200B>ment");                // zero-width space
  EXPECT_EQ(shown("a\xC2\x9B" "31mb"), "a<U+009B>31mb");                       // C1 CSI
  EXPECT_EQ(shown("line\nbreak\ttab\x1B[31m"), "line break tab [31m");       // C0 and ESC
  EXPECT_EQ(shown("a" + kBadByte + "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(display_width(shown("\xE2\x81\xA6x")), 9u);  // U+2066 takes its columns
}

}  // namespace
}  // namespace fieldsync::text
