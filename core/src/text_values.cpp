#include "fieldsync/text_values.h"

#include "fieldsync/id.h"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace fieldsync {
namespace {

std::string shown(std::string_view text) {
  return "'" + utf8_prefix(text, 60) + (text.size() > 60 ? "...'" : "'");
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int to_int(std::string_view digits) {
  int v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<int64_t> parse_money(std::string_view text) {
  const std::string_view t = trim(text);
  if (!t.empty() && t.front() == '-') {
    return Status::invalid_argument(shown(text) + " is negative; amounts must be zero or more");
  }
  const size_t dot = t.find('.');
  const std::string_view whole = t.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) {
    return Status::invalid_argument(shown(text) + " is not an amount; write it like 120 or 120.50");
  }
  if (frac.size() > 2) {
    return Status::invalid_argument(shown(text) + " has more than two decimals");
  }
  if (whole.size() > 13) return Status::invalid_argument(shown(text) + " is too large an amount");
  int64_t units = 0;
  for (char c : whole) units = units * 10 + (c - '0');
  int64_t cents = 0;
  if (!frac.empty()) cents = frac.size() == 1 ? (frac[0] - '0') * 10 : to_int(frac);
  const int64_t total = units * 100 + cents;
  if (total > kMaxMoneyMinor) return Status::invalid_argument(shown(text) + " is too large an amount");
  return total;
}

namespace {

// The code point of the UTF-8 sequence at s[i], advancing i past it; -1 (advancing one
// byte) for a byte that does not start a well-formed sequence: an overlong form, a
// surrogate, a code point past U+10FFFF, or a truncated sequence.
int32_t next_code_point(std::string_view s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t extra = 0;
  uint32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3, cp = c & 0x07;
  } else {
    ++i;
    return -1;
  }
  if (i + extra >= s.size()) {
    ++i;
    return -1;
  }
  for (size_t k = 1; k <= extra; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += extra + 1;
  return static_cast<int32_t>(cp);
}

// The code points of `s` with ASCII letters in lower case, as names are compared for
// suggestions; an invalid byte becomes a value no code point has.
std::vector<int32_t> folded_code_points(std::string_view s) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    int32_t c = next_code_point(s, i);
    if (c < 0) c = 0x110000 + static_cast<unsigned char>(s[at]);
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    out.push_back(c);
  }
  return out;
}

// Damerau-Levenshtein distance in its optimal string alignment form: a swap of two
// neighbours is one edit, as when typing fast, but no substring is edited twice.
size_t edit_distance(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t width = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * width);
  auto at = [&](size_t i, size_t j) -> size_t& { return d[i * width + j]; };
  for (size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
  for (size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

}  // namespace

bool is_valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    if (next_code_point(s, i) < 0) return false;
  }
  return true;
}

std::optional<std::string> nearest(std::string_view typed,
                                   const std::vector<std::string>& candidates) {
  // Names are short: what is much longer than any of them is not a typo of one, and
  // measuring it would cost time in proportion to its length (it may come from the
  // network).
  constexpr size_t kLongestMeant = 128;
  if (typed.size() > kLongestMeant) return std::nullopt;
  const std::vector<int32_t> want = folded_code_points(typed);
  if (want.empty()) return std::nullopt;
  // Fewer than 3 code points start too many names to mean any one of them.
  const bool prefixes_count = want.size() >= 3;
  // A third of the length, 1 to 2 edits, and never the whole of what was typed: "x" is
  // one substitution from every one-letter name, which is no suggestion at all.
  const size_t max_distance =
      std::min<size_t>({2, std::max<size_t>(1, want.size() / 3), want.size() - 1});
  const std::string* best = nullptr;
  bool best_is_prefix = false;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const std::string& candidate : candidates) {
    const std::vector<int32_t> have = folded_code_points(candidate);
    const bool is_prefix = prefixes_count && want.size() <= have.size() &&
                           std::equal(want.begin(), want.end(), have.begin());
    const size_t distance = edit_distance(want, have);
    if (!is_prefix && distance > max_distance) continue;
    if (best == nullptr || (is_prefix && !best_is_prefix) ||
        (is_prefix == best_is_prefix && distance < best_distance)) {
      best = &candidate;
      best_is_prefix = is_prefix;
      best_distance = distance;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  const std::optional<std::string> match = nearest(typed, candidates);
  return match ? "; did you mean `" + *match + "`?" : "";
}

std::string utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // text[end] is the first byte left out: while it continues a sequence, the cut is
  // inside that sequence, so leave its first bytes out too.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string format_money(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", negative ? "-" : "",
                static_cast<unsigned long long>(magnitude / 100),
                static_cast<unsigned long long>(magnitude % 100));
  return buf;
}

Result<CivilDate> parse_date(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !all_digits(t.substr(0, 4)) ||
      !all_digits(t.substr(5, 2)) || !all_digits(t.substr(8, 2))) {
    return Status::invalid_argument(shown(text) + " is not a date; write it YYYY-MM-DD");
  }
  CivilDate d{to_int(t.substr(0, 4)), to_int(t.substr(5, 2)), to_int(t.substr(8, 2))};
  if (d.year < 1900 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > days_in_month(d.year, d.month)) {
    return Status::invalid_argument(shown(text) + " is not a real day");
  }
  return d;
}

Result<CivilDate> parse_month(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.size() != 7 || t[4] != '-' || !all_digits(t.substr(0, 4)) || !all_digits(t.substr(5, 2))) {
    return Status::invalid_argument(shown(text) + " is not a month; write it YYYY-MM");
  }
  CivilDate d{to_int(t.substr(0, 4)), to_int(t.substr(5, 2)), 1};
  if (d.year < 1900 || d.month < 1 || d.month > 12) {
    return Status::invalid_argument(shown(text) + " is not a real month");
  }
  return d;
}

// Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
int64_t days_from_civil(const CivilDate& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (date.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), m, d};
}

std::string format_date(const CivilDate& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

Result<TimeText> parse_time_text(std::string_view text) {
  std::string_view t = trim(text);
  auto bad = [&] {
    return Status::invalid_argument(
        shown(text) +
        " is not a time; write it like 2026-11-28T09:30, 2026-11-28 09:30+08:00 "
        "or 2026-11-28T01:30:00Z");
  };
  if (t.size() < 10) return bad();
  auto date = parse_date(t.substr(0, 10));
  if (!date.ok()) return bad();
  TimeText out;
  out.local_ms = days_from_civil(*date) * 86400000LL;
  t.remove_prefix(10);
  if (t.empty()) return out;
  if (t.front() != 'T' && t.front() != ' ') return bad();
  t.remove_prefix(1);
  if (!t.empty() && t.back() == 'Z') {
    t.remove_suffix(1);
    out.offset_ms = 0;
  } else if (t.size() > 6 && (t[t.size() - 6] == '+' || t[t.size() - 6] == '-')) {
    const std::string_view offset = t.substr(t.size() - 6);
    if (offset[3] != ':' || !all_digits(offset.substr(1, 2)) || !all_digits(offset.substr(4, 2)))
      return bad();
    const int hours = to_int(offset.substr(1, 2)), minutes = to_int(offset.substr(4, 2));
    if (hours > 14 || minutes > 59) return bad();
    out.offset_ms = (offset[0] == '-' ? -1 : 1) * (hours * 60 + minutes) * 60000LL;
    t.remove_suffix(6);
  }
  if (t.size() != 5 && t.size() != 8) return bad();
  if (t[2] != ':' || !all_digits(t.substr(0, 2)) || !all_digits(t.substr(3, 2))) return bad();
  const int hour = to_int(t.substr(0, 2)), minute = to_int(t.substr(3, 2));
  int second = 0;
  if (t.size() == 8) {
    if (t[5] != ':' || !all_digits(t.substr(6, 2))) return bad();
    second = to_int(t.substr(6, 2));
  }
  if (hour > 23 || minute > 59 || second > 59) return bad();
  out.local_ms += ((hour * 60 + minute) * 60 + second) * 1000LL;
  return out;
}

Result<int64_t> parse_timestamp(std::string_view text) {
  auto parsed = parse_time_text(text);
  if (!parsed.ok()) return parsed.status();
  return parsed->local_ms - parsed->offset_ms.value_or(0);
}

std::string format_timestamp(int64_t unix_ms) {
  const int64_t days = unix_ms >= 0 ? unix_ms / 86400000 : (unix_ms - 86399999) / 86400000;
  const int64_t in_day = (unix_ms - days * 86400000) / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_date(civil_from_days(days)).c_str(),
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60));
  return buf;
}

std::string date_of_timestamp(int64_t unix_ms) {
  const int64_t days = unix_ms >= 0 ? unix_ms / 86400000 : (unix_ms - 86399999) / 86400000;
  return format_date(civil_from_days(days));
}

namespace {

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  if (trim(text).empty()) return parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.emplace_back(trim(text.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

Result<double> parse_number(std::string_view text) {
  const std::string_view t = trim(text);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty()) {
    return Status::invalid_argument(shown(text) + " is not a number");
  }
  return v;
}

Result<Json> parse_raw(const FieldDef& field, std::string_view text) {
  switch (field.type) {
    case FieldType::kText:
    case FieldType::kEnum:
    case FieldType::kReference:
    case FieldType::kDate:
    case FieldType::kMonth:
      return Json(std::string(field.type == FieldType::kText ? text : trim(text)));
    case FieldType::kInteger: {
      const std::string_view t = trim(text);
      int64_t v = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || end != t.data() + t.size() || t.empty()) {
        return Status::invalid_argument(shown(text) + " is not a whole number");
      }
      return Json(v);
    }
    case FieldType::kMoney: {
      auto v = parse_money(text);
      if (!v.ok()) return v.status();
      return Json(*v);
    }
    case FieldType::kTimestamp: {
      auto v = parse_timestamp(text);
      if (!v.ok()) return v.status();
      return Json(*v);
    }
    case FieldType::kReferenceList:
    case FieldType::kTextList: {
      Json list = Json::array();
      for (auto& part : split_commas(text)) list.push_back(part);
      return list;
    }
    case FieldType::kGeo: {
      auto parts = split_commas(text);
      if (parts.size() != 2 && parts.size() != 3) {
        return Status::invalid_argument(shown(text) + " is not a place; write lat,lon or lat,lon,accuracy_m");
      }
      Json geo = Json::object();
      const char* keys[] = {"lat", "lon", "accuracy_m"};
      for (size_t i = 0; i < parts.size(); ++i) {
        auto v = parse_number(parts[i]);
        if (!v.ok()) return v.status();
        geo[keys[i]] = *v;
      }
      return geo;
    }
    case FieldType::kBoolean: {
      const std::string_view t = trim(text);
      if (t == "true" || t == "yes" || t == "1") return Json(true);
      if (t == "false" || t == "no" || t == "0") return Json(false);
      return Status::invalid_argument(shown(text) + " is not true or false");
    }
  }
  return Status::internal("unknown field type");
}

}  // namespace

Result<Json> parse_field_text(const FieldDef& field, std::string_view text) {
  auto value = parse_raw(field, text);
  if (!value.ok()) return value.status().with_context(field.name);
  if (auto problem = Schema::check_value(field, *value)) {
    return Status::invalid_argument(field.name + ": " + *problem);
  }
  // Ids are stored in their canonical (lower-case) form, however they were typed.
  if (field.type == FieldType::kReference) return Json(*parse_id(value->get<std::string>()));
  if (field.type == FieldType::kReferenceList) {
    for (auto& item : *value) item = *parse_id(item.get<std::string>());
  }
  return value;
}

std::string format_field_value(const FieldDef& field, const Json& value) {
  if (value.is_null()) return "";
  switch (field.type) {
    case FieldType::kMoney:
      return value.is_number_integer() ? format_money(value.get<int64_t>()) : value.dump();
    case FieldType::kTimestamp:
      return value.is_number_integer() ? format_timestamp(value.get<int64_t>()) : value.dump();
    case FieldType::kReferenceList:
    case FieldType::kTextList: {
      std::string out;
      for (size_t i = 0; i < value.size(); ++i) {
        const Json& item = value[i];
        out += (i == 0 ? "" : ",") + (item.is_string() ? item.get<std::string>() : item.dump());
      }
      return out;
    }
    case FieldType::kGeo: {
      std::string out = value.value("lat", Json()).dump() + "," + value.value("lon", Json()).dump();
      if (value.contains("accuracy_m")) out += "," + value["accuracy_m"].dump();
      return out;
    }
    default:
      return value.is_string() ? value.get<std::string>() : value.dump();
  }
}

std::string format_bytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  char text[32];
  if (bytes < 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  } else {
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return text;
}

}  // namespace fieldsync
