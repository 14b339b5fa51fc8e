// Reference data the office creates: `add` (one record from field=value words) and
// `import` (a CSV file, all rows or none; see csv_import.h).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fieldsync/clock.h"
#include "fieldsync/id.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/csv_import.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/text_values.h"
#include "server_cli.h"
#include "text/text.h"

namespace fieldsync::server::cli {
namespace {

constexpr uintmax_t kMaxImportBytes = 64LL * 1024 * 1024;

// The collection named, when the office creates records of it.
Result<const CollectionDef*> office_collection(const std::string& name) {
  auto c = Schema::property_management().require(name);
  if (!c.ok()) return c.status();
  if ((*c)->append_only || (*c)->server_created) {
    return Status::invalid_argument(name + " are recorded " +
                                    ((*c)->server_created ? "by the server" : "in the field") +
                                    ", not created by the office");
  }
  return c;
}

}  // namespace

Result<Json> fields_of(const CollectionDef& c, const std::vector<std::string>& words,
                       bool managed_allowed) {
  Json fields = Json::object();
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& word : words) {
    const size_t equals = word.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("'" + word.substr(0, 60) + "' is not field=value");
    }
    const std::string name = word.substr(0, equals);
    const FieldDef* field = c.field(name);
    if (!seen.insert(name).second) {
      problems.push_back(name + ": given twice");
    } else if (field == nullptr || (field->is_managed() && !managed_allowed)) {
      problems.push_back(c.no_such_field(name, managed_allowed));
    } else if (auto value = parse_field_text(*field, word.substr(equals + 1)); value.ok()) {
      fields[name] = *value;
    } else {
      problems.push_back(value.status().message());
    }
  }
  if (problems.empty()) return fields;
  return Status::invalid_argument("invalid " + c.record_noun + ": " +
                                      std::to_string(problems.size()) +
                                      (problems.size() == 1 ? " problem" : " problems"),
                                  problems);
}

namespace {

Outcome run_add(CommandContext& context) {
  const auto& words = context.args.positional;
  if (words.empty()) return Outcome::usage("expected COLLECTION field=value ...");
  auto c = office_collection(words[0]);
  if (!c.ok()) return c.status();
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].find('=') == std::string::npos) {
      return Outcome::usage("'" + words[i].substr(0, 60) + "' is not field=value");
    }
  }
  auto fields = fields_of(**c, {words.begin() + 1, words.end()});
  if (!fields.ok()) return fields.status();
  OfficeAdmin admin(*context.store, Schema::property_management(), Clock::system());
  auto record = admin.create_record(words[0], *fields);
  if (!record.ok()) return record.status();
  context.out << record->id << "\n";
  return Outcome();
}

Outcome run_edit(CommandContext& context) {
  const auto& words = context.args.positional;
  if (words.size() < 2) return Outcome::usage("expected ID field=value ...");
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].find('=') == std::string::npos) {
      return Outcome::usage("'" + words[i].substr(0, 60) + "' is not field=value");
    }
  }
  auto id = parse_id(words[0]);
  if (!id.ok()) return id.status().with_context("id");
  std::string collection;
  {
    auto txn = context.store->begin(false);
    if (!txn.ok()) return txn.status();
    auto current = (*txn)->get_record(*id);
    if (!current.ok()) return current.status();
    if (!*current) return Status::not_found("no record " + *id + " on the server");
    collection = (*current)->record.collection;
  }
  auto c = office_collection(collection);
  if (!c.ok()) return c.status();
  auto fields = fields_of(**c, {words.begin() + 1, words.end()});
  if (!fields.ok()) return fields.status();
  OfficeAdmin admin(*context.store, Schema::property_management(), Clock::system());
  auto record = admin.edit_record(*id, *fields);
  if (!record.ok()) return record.status();
  context.out << "changed " << (*c)->record_noun << " " << record->id << "\n";
  return Outcome();
}

// The text of the file at `path`: not_found when there is no such file, io_error when
// it cannot be read.
Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::not_found("no file '" + path + "'");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxImportBytes) {
    return Status::invalid_argument("'" + path +
                                    "' is larger than 64 MiB; split it into several files");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || ec) return Status::io_error("cannot read '" + path + "'");
  return text.str();
}

Outcome run_import(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 2, 2, "COLLECTION FILE.csv"));
  const std::string& collection = context.args.positional[0];
  auto c = office_collection(collection);
  if (!c.ok()) return c.status();
  auto text = read_file(context.args.positional[1]);
  if (!text.ok()) {
    // A file that cannot be read is not a database problem.
    const bool unreadable = text.status().code() == StatusCode::kIOError;
    return unreadable ? Outcome::with_exit(text.status(), ExitCode::kOther)
                      : Outcome(text.status());
  }
  std::string bytes = std::move(text).value();
  if (auto encoding = context.args.value("encoding")) {
    auto converted = text::to_utf8(bytes, *encoding);
    if (!converted.ok()) return converted.status().with_context(context.args.positional[1]);
    bytes = std::move(converted).value();
  } else if (!is_valid_utf8(text::strip_utf8_bom(bytes))) {
    return Status::invalid_argument("'" + context.args.positional[1] +
                                    "' is not UTF-8 text: " + text::encoding_hint(bytes));
  }
  auto summary =
      import_csv(*context.store, Schema::property_management(), Clock::system(), collection, bytes);
  if (!summary.ok()) return summary.status();
  const size_t n = summary->ids.size();
  if (auto ids_out = context.args.value("ids-out")) {
    std::ofstream out(*ids_out, std::ios::binary | std::ios::trunc);
    out << "line,id\r\n";
    for (size_t i = 0; i < n; ++i) out << summary->lines[i] << "," << summary->ids[i] << "\r\n";
    out.close();
    if (!out) {
      // The records are in: say so, and that only the list of ids is missing.
      return Outcome::with_exit(
          Status::io_error("imported " + std::to_string(n) + " " + collection +
                           " but cannot write their ids to '" + *ids_out +
                           "'; `fieldsync-server list " + collection + "` shows them"),
          ExitCode::kOther);
    }
  }
  if (context.args.has("json")) {
    Json created = Json::array();
    for (size_t i = 0; i < n; ++i)
      created.push_back({{"line", summary->lines[i]}, {"id", summary->ids[i]}});
    context.out << Json{{"collection", collection}, {"count", n}, {"records", created}}.dump(2)
                << "\n";
    return Outcome();
  }
  context.out << "imported " << n << (n == 1 ? " record" : " records") << " into " << collection
              << "\n";
  if (!context.args.value("ids-out")) {
    for (size_t i = 0; i < n; ++i)
      context.out << "line " << summary->lines[i] << "  " << summary->ids[i] << "\n";
  }
  return Outcome();
}

}  // namespace

std::vector<CommandDef> record_commands() {
  return {
      {"add",
       "COLLECTION field=value ...",
       "create one record of reference data as the office and print its id (money as 120.50, "
       "lists comma-separated)",
       {},
       Database::kCreate,
       run_add,
       "add estates name=Riverside \"address=1 River Road\""},
      {"edit",
       "ID field=value ...",
       "change fields of a record of reference data as the office (phones reach it at their "
       "next sync); events are not edited",
       {},
       Database::kExisting,
       run_edit,
       "edit 0193a6f2-0000-7000-8000-000000000001 max_amount=200000.00"},
      {"import",
       "COLLECTION FILE.csv [--encoding NAME] [--ids-out FILE] [--json]",
       "import reference data from CSV: a header of field names (and an optional id column), "
       "one record per line, all rows or none; prints the id created for each line (or writes "
       "them to --ids-out FILE); a file not in UTF-8 needs --encoding (gb18030, big5, ...)",
       {{"encoding", true, "NAME"}, {"ids-out", true, "FILE"}, {"json", false, ""}},
       Database::kCreate,
       run_import,
       "import households households.csv --encoding gb18030"},
  };
}

}  // namespace fieldsync::server::cli
