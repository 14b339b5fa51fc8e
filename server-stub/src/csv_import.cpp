// CSV import: an RFC 4180 reader that keeps going past a bad record, the header
// check, the conversion of each row to fields, and the one transaction that creates
// every row or none.
#include "fieldsync/server/csv_import.h"

#include <map>

#include "fieldsync/id.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

// Reads records one at a time; see parse_csv() for the rules.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  // The next record into `record`; false at the end of the text.
  bool next(CsvRecord& record) {
    while (pos_ < text_.size() && at_line_end()) consume_line_end();
    if (pos_ >= text_.size()) return false;
    record = CsvRecord{line_, {}, ""};
    while (true) {
      std::string cell;
      const bool read = pos_ < text_.size() && text_[pos_] == '"' ? read_quoted(cell, record)
                                                                  : read_plain(cell, record);
      if (!read) return true;
      record.cells.push_back(std::move(cell));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      consume_line_end();
      return true;
    }
  }

 private:
  bool at_end_of_field() const {
    return pos_ >= text_.size() || text_[pos_] == ',' || at_line_end();
  }
  bool at_line_end() const {
    return text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  void consume_line_end() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_, ++line_;
  }
  // Gives up on the rest of a bad record: resumes after the end of the current line.
  bool fail(CsvRecord& record, std::string problem) {
    record.problem = std::move(problem);
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    consume_line_end();
    return false;
  }

  bool read_plain(std::string& cell, CsvRecord& record) {
    while (!at_end_of_field()) {
      if (text_[pos_] == '"') {
        return fail(record,
                    "a quote inside an unquoted value; quote the whole value and double the "
                    "quotes inside it (\"say \"\"hi\"\"\")");
      }
      cell += text_[pos_++];
    }
    return true;
  }

  bool read_quoted(std::string& cell, CsvRecord& record) {
    const int64_t opened = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        record.problem = "the quoted value opened on line " + std::to_string(opened) +
                         " is never closed (unterminated quote)";
        return false;
      }
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          cell += '"';
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      cell += c;
    }
    if (!at_end_of_field()) {
      return fail(record,
                  "text after a closing quote; a quote inside a quoted value is written twice "
                  "(\"\")");
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// A column of the file: the field it fills, or null for the `id` column.
struct Column {
  std::string name;
  const FieldDef* field = nullptr;
};

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string field_names(const CollectionDef& c) {
  std::string out = "id";
  for (const auto& f : c.fields) {
    if (!f.is_managed()) out += ", " + f.name;
  }
  return out;
}

// "line N: message" for each problem, as details() of a refused import hold them.
std::vector<std::string> problem_lines(const std::vector<ImportProblem>& problems) {
  std::vector<std::string> lines;
  for (const ImportProblem& p : problems)
    lines.push_back("line " + std::to_string(p.line) + ": " + p.message);
  return lines;
}

// The columns of the header line; otherwise invalid_argument, with the header's
// problems appended to `problems`.
Result<std::vector<Column>> read_header(const CollectionDef& c, const CsvRecord& header,
                                        std::vector<ImportProblem>& problems) {
  const auto problem = [&](std::string message) {
    problems.push_back({header.line, std::move(message)});
  };
  std::vector<Column> columns;
  std::map<std::string, size_t> seen;
  if (!header.problem.empty()) problem(header.problem);
  for (size_t i = 0; i < header.cells.size() && header.problem.empty(); ++i) {
    const std::string name = trimmed(header.cells[i]);
    const FieldDef* field = c.field(name);
    if (name.empty()) {
      problem("column " + std::to_string(i + 1) + " has no name");
    } else if (name == kLabelColumn && field == nullptr) {
      // What `export` adds for people; not a field, so not read.
    } else if (name != "id" && (field == nullptr || field->is_managed())) {
      problem("unknown column '" + utf8_prefix(name, 60) + "'; " + c.name +
              " has: " + field_names(c));
    } else if (seen.count(name)) {
      problem("column '" + name + "' is named twice (columns " + std::to_string(seen[name] + 1) +
              " and " + std::to_string(i + 1) + ")");
    }
    seen.emplace(name, i);
    columns.push_back({name, name == "id" ? nullptr : field});
  }
  for (const auto& f : c.fields) {
    if (header.problem.empty() && f.required && !f.is_status() && !f.is_managed() &&
        !seen.count(f.name)) {
      problem("no column for the required field '" + f.name + "'");
    }
  }
  if (problems.empty()) return columns;
  return Status::invalid_argument(
      "the first line must name the fields of " + c.name + " (" + field_names(c) + ")",
      problem_lines(problems));
}

// A list cell: entries separated by ';', each read as one value of the list's type.
Result<Json> parse_list_cell(const FieldDef& field, const std::string& cell) {
  FieldDef entry = field;
  entry.type = field.type == FieldType::kReferenceList ? FieldType::kReference : FieldType::kText;
  Json list = Json::array();
  size_t start = 0;
  while (start <= cell.size()) {
    size_t end = cell.find(';', start);
    if (end == std::string::npos) end = cell.size();
    const std::string part = trimmed(cell.substr(start, end - start));
    if (!part.empty()) {
      auto value = parse_field_text(entry, part);
      if (!value.ok()) return value.status();
      list.push_back(*value);
    }
    start = end + 1;
  }
  if (auto problem = Schema::check_value(field, list)) {
    return Status::invalid_argument(field.name + ": " + *problem);
  }
  return list;
}

// The fields (and id) of one row; false with `problems` appended when a cell is bad.
bool row_fields(const std::vector<Column>& columns, const CsvRecord& row, Json& fields,
                std::string& id, std::vector<ImportProblem>& problems) {
  const auto problem = [&](std::string message) {
    problems.push_back({row.line, std::move(message)});
  };
  if (!row.problem.empty()) {
    problem(row.problem);
    return false;
  }
  if (row.cells.size() != columns.size()) {
    problem(std::to_string(row.cells.size()) + " values for " + std::to_string(columns.size()) +
            " columns");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& cell = row.cells[i];
    if (trimmed(cell).empty()) continue;
    if (columns[i].name == kLabelColumn && columns[i].field == nullptr) continue;
    if (columns[i].field == nullptr) {
      auto parsed = parse_id(trimmed(cell));
      if (parsed.ok()) id = *parsed;
      if (!parsed.ok()) problem("id: " + parsed.status().message());
      ok = ok && parsed.ok();
      continue;
    }
    const FieldDef& field = *columns[i].field;
    const bool list = field.type == FieldType::kTextList || field.type == FieldType::kReferenceList;
    auto value = list ? parse_list_cell(field, cell) : parse_field_text(field, cell);
    if (value.ok()) fields[field.name] = *value;
    if (!value.ok()) problem(value.status().message());
    ok = ok && value.ok();
  }
  return ok;
}

// A problem of line `line` for each of a refused create's details (or its message when
// it has none), each after `prefix`.
void add_problems(int64_t line, const std::string& prefix, const Status& status,
                  std::vector<ImportProblem>& problems) {
  if (status.details().empty()) problems.push_back({line, prefix + status.message()});
  for (const auto& detail : status.details()) problems.push_back({line, prefix + detail});
}

// The refusals a row can get; anything else is the store failing, which ends the import.
bool is_row_refusal(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
         status.code() == StatusCode::kAlreadyExists || status.code() == StatusCode::kNotFound;
}

// Creates one row in `txn`; false with problems appended when the row is refused.
Result<bool> import_row(ServerTransaction& txn, OfficeAdmin& admin, const Schema& schema,
                        const CollectionDef& c, Json fields, const std::string& id, int64_t line,
                        std::vector<std::string>& created_ids,
                        std::vector<ImportProblem>& problems) {
  Json checked = fields;
  for (const auto& f : c.fields) {
    if (f.is_status() && !checked.contains(f.name)) checked[f.name] = f.choices.front();
  }
  if (Status valid = schema.validate_create(c, checked); !valid.ok()) {
    add_problems(line, "", valid, problems);
    return false;
  }
  auto created = admin.create_record_in(txn, c.name, fields, id);
  if (created.ok()) {
    created_ids.push_back(created->id);
    return true;
  }
  if (!is_row_refusal(created.status())) return created.status();
  const bool exists = created.status().code() == StatusCode::kAlreadyExists;
  add_problems(line, exists ? "id: " : "", created.status(), problems);
  return false;
}

// The refusal of an import with `bad` rows; `problems` is cut to kMaxImportProblems.
Status bad_rows(const std::string& collection, int64_t bad, std::vector<ImportProblem>& problems) {
  size_t more = 0;
  if (problems.size() > kMaxImportProblems) {
    more = problems.size() - kMaxImportProblems;
    problems.resize(kMaxImportProblems);
  }
  std::vector<std::string> details = problem_lines(problems);
  if (more > 0) details.push_back("... and " + std::to_string(more) + " more problems");
  return Status::invalid_argument("cannot import " + collection + ": " + std::to_string(bad) +
                                      (bad == 1 ? " bad row" : " bad rows") +
                                      "; nothing was imported",
                                  std::move(details));
}

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text) {
  std::vector<CsvRecord> records;
  CsvReader reader(text);
  CsvRecord record;
  while (reader.next(record)) records.push_back(std::move(record));
  return records;
}

std::vector<std::string> importable_collections(const Schema& schema) {
  std::vector<std::string> names;
  for (const CollectionDef& c : schema.collections()) {
    if (!c.append_only && !c.server_created) names.push_back(c.name);
  }
  return names;
}

Result<ImportSummary> import_csv(ServerStore& store, const Schema& schema, const Clock& clock,
                                 const std::string& collection, std::string_view csv_text,
                                 std::vector<ImportProblem>* problems_out) {
  std::vector<ImportProblem> problems;
  const auto refused = [&](Status status) {
    if (problems_out != nullptr) *problems_out = problems;
    return status;
  };
  auto c = schema.require(collection);
  if (!c.ok()) return c.status();
  if ((*c)->append_only || (*c)->server_created) {
    return Status::invalid_argument("cannot import " + collection + ": they are recorded " +
                                    ((*c)->server_created ? "by the server" : "in the field") +
                                    "; import is for the data the office creates");
  }
  const std::vector<CsvRecord> records = parse_csv(csv_text);
  if (records.empty()) {
    return Status::invalid_argument("the file is empty: its first line names the fields of " +
                                    collection + " (" + field_names(**c) + ")");
  }
  auto columns = read_header(**c, records.front(), problems);
  if (!columns.ok()) return refused(columns.status());
  if (records.size() == 1) {
    return Status::invalid_argument("the file has a header but no rows; nothing to import");
  }
  auto txn = store.begin(true);
  if (!txn.ok()) return txn.status();
  OfficeAdmin admin(store, schema, clock);
  ImportSummary summary{collection, {}, {}};
  std::map<std::string, int64_t> id_lines;
  int64_t bad = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& row = records[i];
    Json fields = Json::object();
    std::string id;
    bool ok = row_fields(*columns, row, fields, id, problems);
    if (ok && !id.empty() && !id_lines.emplace(id, row.line).second) {
      problems.push_back(
          {row.line, "id: " + id + " is also on line " + std::to_string(id_lines[id])});
      ok = false;
    }
    if (ok) {
      auto created =
          import_row(**txn, admin, schema, **c, fields, id, row.line, summary.ids, problems);
      if (!created.ok()) return created.status();
      ok = *created;
      if (ok) summary.lines.push_back(row.line);
    }
    if (!ok) ++bad;
  }
  if (bad > 0) {
    Status status = bad_rows(collection, bad, problems);
    return refused(std::move(status));
  }
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return summary;
}

}  // namespace fieldsync::server
