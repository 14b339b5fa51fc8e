// Text as Chinese and English users see and type it, for both command lines: screen
// widths (a Han character takes two columns, a combining accent none), cutting and
// padding to a width, the rules for user names, and reading
// files that are not UTF-8 (GB18030/GBK from Chinese Windows, Big5, UTF-16).
// Input is UTF-8 unless a function says otherwise; a byte that is not valid UTF-8 counts
// as one character of one column, as it is shown as one replacement character. All
// functions are pure and thread-safe; ICU and iconv stay inside text.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync::text {

// Screen columns of `utf8`: 2 for East Asian wide and fullwidth characters, 0 for
// combining marks, format characters (Mn, Me, Cf: zero-width joiner, bidi controls) and
// the conjoining vowels and finals of decomposed Hangul, 1 for the rest.
size_t display_width(std::string_view utf8);

// `utf8` when it fits in `columns`; otherwise its longest prefix that fits together with
// a final "…" (U+2026, one column). Never cuts inside a code point, and keeps the
// combining marks of the last character kept. "" when `columns` is 0 and `utf8` is not.
std::string cut_to_width(std::string_view utf8, size_t columns);

// `utf8` followed by spaces up to `columns` columns; unchanged when already as wide
// (it is never cut: use cut_to_width first).
std::string pad_to_width(std::string_view utf8, size_t columns);

// `utf8` in Unicode Normalization Form C (composed: "e" + U+0301 becomes "é"), as
// names must be compared. Bytes that are not valid UTF-8 become U+FFFD.
std::string to_nfc(std::string_view utf8);

// Why `utf8` cannot be a user name, or nullopt when it can. A name is valid UTF-8 of 1 to
// 64 code points after NFC, each a letter of any script, a combining mark, a decimal
// digit, '.', '_' or '-'; so no spaces, controls or invisible format characters. The
// message names the first offending character by position (from 1, in the NFC form)
// and code point: "character 3 (U+202E) is not a letter, digit, '.', '_' or '-'".
std::optional<std::string> name_problem(std::string_view utf8);

// `utf8` as it may be shown to a person in a table or a message: C0 controls (tab,
// newline) and DEL become spaces, so a value cannot break the layout; C1 controls,
// bidi controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, U+061C) and invisible
// zero-width characters (U+200B..U+200D, U+2060, U+FEFF) are made visible as "<U+202E>",
// so a value cannot reverse or hide what follows it. Bytes that are not valid UTF-8
// become U+FFFD.
std::string shown(std::string_view utf8);

// `text` without a leading UTF-8 byte-order mark (EF BB BF), as Windows Notepad and Excel
// write them.
std::string strip_utf8_bom(std::string_view text);

// `bytes` in `encoding` ("gb18030", "gbk", "big5", "utf-16", any name iconv knows)
// converted to UTF-8. "utf-8" or "utf8" (any case) returns `bytes` once they are checked.
// A byte-order mark is kept, except that "utf-16" and "utf-32" read theirs to choose the
// byte order. Invalid argument for an unknown encoding, or for bytes that are not valid
// in it: "byte 123 is not valid gb18030", offsets counted from 0 as hex viewers show them.
Result<std::string> to_utf8(std::string_view bytes, const std::string& encoding);

// For an error about a file whose `bytes` are not UTF-8, what the person should do: name
// GB18030 when the bytes read as GB18030, UTF-16 when they start with its byte-order
// mark, or else ask for UTF-8 or --encoding. "" when `bytes` are valid UTF-8.
std::string encoding_hint(std::string_view bytes);

}  // namespace fieldsync::text
