// Widths, letters and NFC come from ICU's Unicode tables; conversions from other
// encodings from glibc's iconv. Text is walked one step at a time (step_at): a valid code
// point, or a single invalid byte, so widths, cuts and positions treat a bad byte as one
// character wherever it stands.
#include "text/text.h"

#include <iconv.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "fieldsync/text_values.h"

namespace fieldsync::text {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, one column
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kMaxNameCodePoints = 64;

// A code point (negative for an invalid byte) and where the next one starts.
struct Step {
  UChar32 c;
  size_t next;
};

Step step_at(std::string_view s, size_t pos) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = pos;
  UChar32 c = 0;
  U8_NEXT(bytes, i, s.size(), c);
  // U8_NEXT skips a whole ill-formed sequence; step over one byte only, so that each
  // invalid byte is one character, as it will be shown.
  if (c < 0) return {c, pos + 1};
  return {c, i};
}

size_t first_invalid_utf8_byte(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const Step step = step_at(s, pos);
    if (step.c < 0) return pos;
    pos = step.next;
  }
  return std::string_view::npos;
}

int code_point_width(UChar32 c) {
  if (c < 0) return 1;  // shown as U+FFFD
  const int32_t category_mask = U_GET_GC_MASK(c);
  if (category_mask & (U_GC_MN_MASK | U_GC_ME_MASK | U_GC_CF_MASK)) return 0;
  // Decomposed Hangul: the vowel and final jamo draw inside the leading consonant's cell.
  const int32_t syllable = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
  if (syllable == U_HST_VOWEL_JAMO || syllable == U_HST_TRAILING_JAMO) return 0;
  const int32_t east_asian = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  return east_asian == U_EA_WIDE || east_asian == U_EA_FULLWIDTH ? 2 : 1;
}

std::string code_point_label(UChar32 c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

bool allowed_in_name(UChar32 c) {
  if (c == '.' || c == '_' || c == '-') return true;
  return u_isalpha(c) || u_isdigit(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Owns an iconv conversion descriptor, so it is closed on every return.
class IconvHandle {
 public:
  IconvHandle(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;

  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

// Converts all of `bytes` with `cd`, growing the output as needed.
Result<std::string> convert(iconv_t cd, std::string_view bytes, const std::string& encoding) {
  std::string out(bytes.size() * 2 + 16, '\0');
  // iconv's prototype takes char**, but it only reads the input.
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t used = 0;
  const std::string shown = utf8_prefix(encoding, 40);
  for (bool flushing = false;;) {
    char* dest = out.data() + used;
    size_t out_left = out.size() - used;
    // A null input writes the closing shift sequence of stateful encodings (ISO-2022).
    const size_t rc = flushing ? iconv(cd, nullptr, nullptr, &dest, &out_left)
                               : iconv(cd, &in, &in_left, &dest, &out_left);
    const int error = errno;
    used = out.size() - out_left;
    if (rc != static_cast<size_t>(-1)) {
      if (flushing) break;
      flushing = true;
      continue;
    }
    const size_t offset = bytes.size() - in_left;
    if (error == E2BIG) {
      out.resize(out.size() * 2);
    } else if (error == EINVAL) {
      return Status::invalid_argument("the text ends inside a " + shown + " character (byte " +
                                      std::to_string(offset) + ")");
    } else {
      return Status::invalid_argument("byte " + std::to_string(offset) + " is not valid " + shown);
    }
  }
  out.resize(used);
  return out;
}

}  // namespace

size_t display_width(std::string_view utf8) {
  size_t width = 0;
  for (size_t pos = 0; pos < utf8.size();) {
    const Step step = step_at(utf8, pos);
    width += static_cast<size_t>(code_point_width(step.c));
    pos = step.next;
  }
  return width;
}

std::string cut_to_width(std::string_view utf8, size_t columns) {
  if (display_width(utf8) <= columns) return std::string(utf8);
  if (columns == 0) return "";
  const size_t room = columns - 1;  // one column for the ellipsis
  size_t width = 0, end = 0;
  while (end < utf8.size()) {
    const Step step = step_at(utf8, end);
    const size_t w = static_cast<size_t>(code_point_width(step.c));
    if (width + w > room) break;
    width += w;
    end = step.next;
  }
  return std::string(utf8.substr(0, end)) + std::string(kEllipsis);
}

std::string pad_to_width(std::string_view utf8, size_t columns) {
  const size_t width = display_width(utf8);
  std::string out(utf8);
  if (width < columns) out.append(columns - width, ' ');
  return out;
}

std::string to_nfc(std::string_view utf8) {
  // ICU strings are indexed by int32_t.
  if (utf8.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return std::string(utf8);
  }
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  // Fails only when ICU's data is missing; the text as given is the best left to return.
  if (U_FAILURE(error)) return std::string(utf8);
  const icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  const icu::UnicodeString normalized = nfc->normalize(source, error);
  if (U_FAILURE(error)) return std::string(utf8);
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

std::optional<std::string> name_problem(std::string_view utf8) {
  if (utf8.empty()) return "the name is empty";
  if (first_invalid_utf8_byte(utf8) != std::string_view::npos)
    return "the name is not valid UTF-8 text";
  const std::string name = to_nfc(utf8);
  size_t position = 0;
  for (size_t pos = 0; pos < name.size();) {
    const Step step = step_at(name, pos);
    ++position;
    if (!allowed_in_name(step.c)) {
      return "character " + std::to_string(position) + " (" + code_point_label(step.c) +
             ") is not a letter, digit, '.', '_' or '-'";
    }
    pos = step.next;
  }
  if (position > kMaxNameCodePoints) {
    return "the name has " + std::to_string(position) + " characters; at most " +
           std::to_string(kMaxNameCodePoints) + " are allowed";
  }
  return std::nullopt;
}

std::string shown(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t length = static_cast<int32_t>(std::min<size_t>(utf8.size(), INT32_MAX));
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for one ill-formed byte
      i = start + 1;
      continue;
    }
    const bool hidden = (c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
                        (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
                        (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else if (hidden) {
      char code[16];
      std::snprintf(code, sizeof code, "<U+%04X>", static_cast<unsigned>(c));
      out += code;
    } else {
      out.append(utf8.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
    }
  }
  return out;
}

std::string strip_utf8_bom(std::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  return std::string(text);
}

Result<std::string> to_utf8(std::string_view bytes, const std::string& encoding) {
  const std::string lower = lower_ascii(encoding);
  if (lower == "utf-8" || lower == "utf8") {
    const size_t bad = first_invalid_utf8_byte(bytes);
    if (bad != std::string_view::npos) {
      return Status::invalid_argument("byte " + std::to_string(bad) + " is not valid utf-8");
    }
    return std::string(bytes);
  }
  const IconvHandle cd("UTF-8", encoding.c_str());
  if (!cd.ok()) {
    return Status::invalid_argument("unknown encoding '" + utf8_prefix(encoding, 40) +
                                    "'; try gb18030, gbk, big5 or utf-8");
  }
  return convert(cd.get(), bytes, encoding);
}

namespace {

constexpr const char* kGbHint =
    "the file looks like GB18030/GBK (Chinese Windows); convert it with --encoding gb18030";

// Every two-byte character is a GB2312 punctuation mark or hanzi (lead A1-A3 or B0-F7,
// trail A1-FE), as simplified Chinese text nearly always is. Almost all Big5 bytes also
// read as GB18030, but Big5's common characters lead with A4-AF or trail with 40-7E,
// which GB2312's hanzi never do.
bool within_gb2312(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (i + 1 >= bytes.size()) return false;
    const auto trail = static_cast<unsigned char>(bytes[i + 1]);
    const bool row = (lead >= 0xA1 && lead <= 0xA3) || (lead >= 0xB0 && lead <= 0xF7);
    if (!row || trail < 0xA1 || trail == 0xFF) return false;
    i += 2;
  }
  return true;
}

}  // namespace

std::string encoding_hint(std::string_view bytes) {
  if (first_invalid_utf8_byte(bytes) == std::string_view::npos) return "";
  const std::string_view start = bytes.substr(0, 2);
  if (start == "\xFF\xFE" || start == "\xFE\xFF") {
    return "the file is UTF-16; save it as UTF-8 or use --encoding utf-16";
  }
  const bool gb = to_utf8(bytes, "gb18030").ok();
  if (gb && within_gb2312(bytes)) return kGbHint;
  if (to_utf8(bytes, "big5").ok()) {
    return "the file looks like Big5 (Traditional Chinese: Taiwan, Hong Kong); convert it "
           "with --encoding big5";
  }
  if (gb) return kGbHint;
  return "save the file as UTF-8, or name its encoding with --encoding";
}

}  // namespace fieldsync::text
