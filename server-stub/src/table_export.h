// Tables the office downloads from the console (the arrears list, for now) as CSV and
// as XLSX, and the one RFC 4180 field writer of the server (the `export` command's too).
// Private to server-stub.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync::server {

// One RFC 4180 field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

// A cell: text, or an amount of money in minor units (a number in XLSX, "120.50" in CSV).
struct ExportCell {
  std::string text;
  std::optional<int64_t> money;
};

struct ExportTable {
  std::string title;  // the XLSX sheet's name (at most 31 characters)
  std::vector<std::string> headers;
  std::vector<std::vector<ExportCell>> rows;
};

// UTF-8 with a byte-order mark (so spreadsheet programs read Chinese), CRLF lines. Text
// a spreadsheet would take for a formula (it starts with =, +, -, @, a tab or a carriage
// return: names and notes are typed by people) is written with a leading apostrophe.
std::string to_csv(const ExportTable& table);

// The bytes of an .xlsx workbook of one sheet (libxlsxwriter, through a temporary file
// that is removed): text as text, never as a formula; money as numbers shown as ¥.
Result<std::string> to_xlsx(const ExportTable& table);

}  // namespace fieldsync::server
