// Generic record commands over any collection of the schema: add, edit, advance,
// reopen, list and show. Values are typed as people write them ("field=value") and
// parsed with the field's own rules (text_values.h).
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/field_options.h"
#include "cli/record_output.h"
#include "fieldsync/field_work.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

using Assignments = std::vector<std::pair<std::string, std::string>>;

// The fields a person may give: the nearest one to a typo, or all of them.
std::string unknown_field(const CollectionDef& collection, const std::string& typed,
                          bool for_edit) {
  std::vector<std::string> names;
  for (const auto& field : collection.fields) {
    if (field.is_managed() || (for_edit && field.merge != MergeKind::kLww)) continue;
    names.push_back(field.name);
  }
  const std::string said = "unknown field '" + utf8_prefix(typed, 60) + "'";
  if (std::string hint = did_you_mean(typed, names); !hint.empty()) return said + hint;
  std::string all;
  for (const auto& name : names) all += (all.empty() ? "" : ", ") + name;
  return said + "; the fields of " + collection.name + " are: " + all;
}

// The fields of "field=value" words; an empty value is null (not given, or cleared by
// an edit). Every problem is reported at once.
Result<Json> fields_from(const CollectionDef& collection, const Assignments& assignments,
                         bool for_edit) {
  Json fields = Json::object();
  std::vector<std::string> problems;
  for (const auto& [name, text] : assignments) {
    const FieldDef* field = collection.field(name);
    if (field == nullptr) {
      problems.push_back(unknown_field(collection, name, for_edit));
      continue;
    }
    if (text.empty()) {
      fields[name] = nullptr;
      continue;
    }
    auto value = parse_field_input(*field, text);
    if (!value.ok()) problems.push_back(value.status().message());
    if (value.ok()) fields[name] = std::move(value).value();
  }
  if (problems.empty()) return fields;
  return invalid_record(collection, std::move(problems));
}

// The collection named by the first positional argument, and the assignments after
// the first `skip` positional arguments.
CliStatus read_target(const CommandContext& context, size_t skip, const CollectionDef*& collection,
                      Assignments& assignments) {
  auto found = schema_collection(context, context.args.positional[0]);
  if (!found.ok()) return found.status();
  collection = *found;
  const auto& positional = context.args.positional;
  return parse_assignments(
      {positional.begin() + static_cast<std::ptrdiff_t>(skip), positional.end()}, assignments);
}

CliStatus run_add(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, SIZE_MAX, "<collection>"));
  const CollectionDef* collection = nullptr;
  Assignments assignments;
  FIELDSYNC_CLI_RETURN_IF_ERROR(read_target(context, 1, collection, assignments));
  auto fields = fields_from(*collection, assignments, false);
  if (!fields.ok()) return fields.status();
  return print_written(
      context, FieldWork(*context.store).record(collection->name, std::move(fields).value()));
}

CliStatus run_edit(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 2, SIZE_MAX, "<collection> <id>"));
  const CollectionDef* collection = nullptr;
  Assignments assignments;
  FIELDSYNC_CLI_RETURN_IF_ERROR(read_target(context, 2, collection, assignments));
  if (assignments.empty()) return CliStatus::usage("missing field=value: say what to change");
  auto fields = fields_from(*collection, assignments, true);
  if (!fields.ok()) return fields.status();
  return print_written(
      context, context.store->update(collection->name, context.args.positional[1], *fields));
}

CliStatus run_advance(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 3, 3, "<collection> <id> <stage>"));
  const auto& p = context.args.positional;
  return print_written(context, context.store->advance_status(p[0], p[1], p[2]));
}

CliStatus run_reopen(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 2, 2, "<collection> <id>"));
  const auto& p = context.args.positional;
  return print_written(context, context.store->reopen(p[0], p[1]));
}

CliStatus run_list(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, SIZE_MAX, "<collection>"));
  const CollectionDef* collection = nullptr;
  Assignments assignments;
  FIELDSYNC_CLI_RETURN_IF_ERROR(read_target(context, 1, collection, assignments));
  ListQuery query;
  FIELDSYNC_CLI_RETURN_IF_ERROR(read_count(context.args, "limit", query.limit));
  for (const auto& [name, text] : assignments) {
    if (text.empty()) return CliStatus::usage("the filter " + name + "= needs a value");
  }
  auto filters = fields_from(*collection, assignments, false);
  if (!filters.ok()) return filters.status();
  for (const auto& [name, text] : assignments) query.equals.emplace_back(name, (*filters)[name]);
  auto records = context.store->list(collection->name, query);
  if (!records.ok()) return records.status();
  if (context.json) {
    print_json(context.out, Json{{"collection", collection->name},
                                 {"count", records->size()},
                                 {"records", records_json(*records)}});
  } else if (records->empty()) {
    context.out << "no " << collection->name << (assignments.empty() ? "" : " match") << "\n";
  } else {
    print_record_table(context.out, context.store->schema(), *collection, *records,
                       StoreRecords(*context.store));
  }
  return CliStatus();
}

CliStatus run_show(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 2, 2, "<collection> <id>"));
  const auto& p = context.args.positional;
  auto record = context.store->get(p[0], p[1]);
  if (!record.ok()) return record.status();
  if (context.json) {
    print_json(context.out, record_json(*record, /*with_stamps=*/true));
  } else {
    print_record(context.out, *context.store->schema().find(record->collection), *record);
  }
  return CliStatus();
}

}  // namespace

std::vector<CommandDef> record_commands() {
  const OptionSpec limit{"limit", true, false, "N", "show at most N records"};
  return {
      {"add",
       "<collection> field=value ...",
       "Create a record of any collection; values as people write them (120.50, 2026-11-28).",
       {},
       NeedsDatabase::kOpen,
       run_add,
       "add households unit=0193... owner_name='Wang Li' phones=13800000001,13800000002",
       ""},
      {"edit",
       "<collection> <id> field=value ...",
       "Change editable fields of a record; 'field=' (empty) clears an optional field.",
       {},
       NeedsDatabase::kOpen,
       run_edit,
       "edit households 0193... notes='gate code 4411'",
       ""},
      {"advance",
       "<collection> <id> <stage>",
       "Move a finding, work order or complaint forward to a later stage.",
       {},
       NeedsDatabase::kOpen,
       run_advance,
       "advance work_orders 0193... dispatched",
       ""},
      {"reopen",
       "<collection> <id>",
       "Send a finding, work order or complaint back to its first stage (counts reopens).",
       {},
       NeedsDatabase::kOpen,
       run_reopen,
       "reopen work_orders 0193...",
       ""},
      {"list",
       "<collection> [field=value ...] [--limit N]",
       "List a collection's records, optionally only those whose fields equal the values.",
       {limit},
       NeedsDatabase::kOpen,
       run_list,
       "list fee_visits outcome=promised --limit 20",
       ""},
      {"show",
       "<collection> <id>",
       "Show every field of one record (with --json: also its stamps).",
       {},
       NeedsDatabase::kOpen,
       run_show,
       "show payments 0193...",
       ""},
  };
}

}  // namespace fieldsync::cli
