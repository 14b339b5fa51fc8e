// CSV import of reference data the office creates (estates, buildings, units,
// households, charges, plans, ...). The text is RFC 4180: a header line of field
// names, then one record per line; quoted fields may hold commas, doubled quotes and
// line breaks. An optional `id` column keeps the ids given, so a units file can refer
// to buildings by id; a `label` column (what `fieldsync-server export` writes for people)
// is not read. Each cell is read by parse_field_text (money as "120.50"); a
// list field holds its entries separated by ';' inside one cell, and an empty cell
// leaves the field out.
//
// All rows are created in ONE server transaction: when any row is bad, the import
// reports every bad row ("line N: field: problem", at most kMaxImportProblems) and
// imports nothing. Pure functions of their input apart from the store; thread-safe
// as far as the store is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/clock.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

// The column `export` adds with each record's label, which `import` skips.
inline constexpr const char* kLabelColumn = "label";

// How many problems an import lists before it says "and N more".
inline constexpr size_t kMaxImportProblems = 50;

// One record of a CSV text: the line it starts on (1-based) and its cells, or the
// syntax problem that made it unreadable (cells are then incomplete).
struct CsvRecord {
  int64_t line = 0;
  std::vector<std::string> cells;
  std::string problem;  // empty when the record was read cleanly
};

// Splits `text` into records. Never fails as a whole: a record with a bad quote gets
// a problem and parsing resumes on the next line. A UTF-8 byte-order mark is skipped,
// LF and CRLF both end a line, and lines with nothing on them are skipped.
std::vector<CsvRecord> parse_csv(std::string_view text);

// One problem of a refused import: the line it is on (1-based; the header's line for a
// problem with the columns) and what is wrong there, without the "line N: " prefix.
struct ImportProblem {
  int64_t line = 0;
  std::string message;
};

// The collections the office imports, in declaration order: those neither recorded in
// the field (append-only) nor made by the server.
std::vector<std::string> importable_collections(const Schema& schema);

struct ImportSummary {
  std::string collection;
  std::vector<std::string> ids;  // the records created, in file order
  std::vector<int64_t> lines;    // the line each of them starts on
};

// Imports `csv_text` into `collection`. Errors (nothing imported):
//   invalid_argument  the collection cannot be imported, the file is empty, the header
//                     is wrong, or rows are bad; details() holds one "line N: ..." each;
//   other codes       the store failed.
// When `problems` is given, it receives the same line-numbered problems as details(),
// one ImportProblem each (the first kMaxImportProblems), for callers that show them as
// a table; it is left empty when the import succeeds or fails for the file as a whole.
Result<ImportSummary> import_csv(ServerStore& store, const Schema& schema, const Clock& clock,
                                 const std::string& collection, std::string_view csv_text,
                                 std::vector<ImportProblem>* problems = nullptr);

}  // namespace fieldsync::server
