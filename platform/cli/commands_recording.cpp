// The field-work commands, one for each collection whose declaration names a verb
// (visit, pay, void, check-in, finding, work-order, note, complaint, return-visit).
// Nothing here knows a collection: a command's options are its collection's fields as
// a person gives them (--promise-date for promise_date, --at for the event's time),
// each read by parse_field_input against its field and handed to FieldWork::record as
// a value, so a command checks exactly what the declaration says. Author fields and
// the values fieldsync keeps (receipt numbers, statuses) are not options.
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/field_options.h"
#include "cli/record_output.h"
#include "fieldsync/field_work.h"

namespace fieldsync::cli {
namespace {

bool is_option(const FieldDef& field) {
  return !field.author && !field.is_managed() && field.merge != MergeKind::kStatus;
}

std::string value_hint(const FieldDef& field) {
  switch (field.type) {
    case FieldType::kReference:
      return "ID";
    case FieldType::kReferenceList:
      return "ID,ID";
    case FieldType::kMoney:
      return "AMOUNT";
    case FieldType::kTimestamp:
      return "TIME";
    case FieldType::kDate:
      return "YYYY-MM-DD";
    case FieldType::kMonth:
      return "YYYY-MM";
    case FieldType::kGeo:
      return "LAT,LON[,ACC]";
    case FieldType::kTextList:
      return field.name == "periods" ? "YYYY-MM,YYYY-MM" : "TEXT,TEXT";
    case FieldType::kInteger:
      return field.min && field.max ? std::to_string(*field.min) + "-" + std::to_string(*field.max)
                                    : "N";
    case FieldType::kEnum: {
      std::string hint = field.name;
      for (char& c : hint) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return hint;
    }
    case FieldType::kBoolean:
      return "true|false";
    case FieldType::kText:
      return "TEXT";
  }
  return "VALUE";
}

std::string description_of(const FieldDef& field) {
  std::string text = field.description.empty() ? field.name : field.description;
  if (field.default_value == DefaultValue::kNow) {
    text +=
        ", like 2026-11-28T09:30 (the estate's local time) or 2026-11-28T09:30+08:00 "
        "(default now)";
  } else if (field.default_value == DefaultValue::kLiteral && field.default_literal.is_string()) {
    text += " (default " + field.default_literal.get<std::string>() + ")";
  }
  return text;
}

std::string example_of(const CollectionDef& c) {
  std::string line = c.verb;
  for (const auto& [field, value] : c.example.items()) {
    const FieldDef* def = c.field(field);
    const std::string text = value.get<std::string>();
    const bool quote = text.find(' ') != std::string::npos;
    line += " --" + (def != nullptr ? option_for_field(c, *def) : field) + " " +
            (quote ? "'" + text + "'" : text);
  }
  return line;
}

// The zone of the estate a new record of `c` with `fields` belongs to, else the device's.
Result<TimeZone> zone_for(const CommandContext& context, const CollectionDef& c,
                          const Json& fields) {
  auto zone = estate_zone_of(context.store->schema(), c, "", fields, StoreRecords(*context.store));
  if (!zone.ok()) return zone.status();
  if (*zone) return **zone;
  return FieldWork(*context.store).home_zone();
}

CliStatus run_record(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto collection = schema_collection(context, context.command->collection);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  Json fields = Json::object();
  FieldOptions options(context.args, c);
  for (const FieldDef& field : c.fields) {
    if (!is_option(field) || field.type == FieldType::kTimestamp) continue;
    if (auto value = options.value(option_for_field(c, field), field))
      fields[field.name] = std::move(*value);
  }
  // Times without an offset are read in the zone of the estate the record belongs to.
  auto zone = zone_for(context, c, fields);
  if (!zone.ok()) return zone.status();
  bool local_time_given = false;
  for (const FieldDef& field : c.fields) {
    if (!is_option(field) || field.type != FieldType::kTimestamp) continue;
    const std::string option = option_for_field(c, field);
    if (auto value = options.time_value(option, *zone)) {
      fields[field.name] = std::move(*value);
      auto written = parse_time_text(*context.args.value(option));
      local_time_given |= written.ok() && !written->offset_ms;
    }
  }
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  if (local_time_given && !context.json) {
    context.out << "time read in " << zone->name() << "\n";
  }
  auto record = FieldWork(*context.store).record(c.name, std::move(fields));
  if (!record.ok()) return record.status();
  if (!context.json) {
    for (const FieldDef& field : c.fields) {
      if (field.auto_value != AutoValue::kReceiptNumber) continue;
      std::string label = field.name;
      for (char& ch : label) ch = ch == '_' ? ' ' : ch;
      context.out << label << ": " << record->fields.value(field.name, std::string()) << "\n\n";
    }
  }
  return print_written(context, record);
}

// "--household ID --outcome OUTCOME [options]": the options a person must give.
std::string synopsis_of(const CollectionDef& c, const std::vector<OptionSpec>& options) {
  std::string synopsis;
  bool optional = false;
  for (const auto& option : options) {
    if (!option.required) {
      optional = true;
      continue;
    }
    synopsis +=
        (synopsis.empty() ? "" : " ") + std::string("--") + option.name + " " + option.value_hint;
  }
  if (optional) synopsis += synopsis.empty() ? "[options]" : " [options]";
  (void)c;
  return synopsis;
}

}  // namespace

std::string option_for_field(const CollectionDef& collection, const FieldDef& field) {
  if (collection.event_time() == &field) return "at";
  std::string option = field.name;
  for (char& c : option) c = c == '_' ? '-' : c;
  return option;
}

std::vector<CommandSection> recording_sections() {
  std::vector<CommandSection> sections;
  const Schema& schema = Schema::property_management();
  for (const DataKind& kind : schema.data_kinds()) {
    CommandSection section{kind.title, {}};
    for (const CollectionDef& c : schema.collections()) {
      if (c.verb.empty() || c.bucket.data_kind != kind.name) continue;
      CommandDef command;
      command.name = c.verb;
      command.summary = c.summary;
      for (const FieldDef& field : c.fields) {
        if (!is_option(field)) continue;
        const bool required = field.required && field.default_value == DefaultValue::kNone;
        command.options.push_back(
            option(option_for_field(c, field), value_hint(field), description_of(field), required));
      }
      command.synopsis = synopsis_of(c, command.options);
      command.database = NeedsDatabase::kOpen;
      command.run = run_record;
      command.example = example_of(c);
      command.collection = c.name;
      section.commands.push_back(std::move(command));
    }
    if (!section.commands.empty()) sections.push_back(std::move(section));
  }
  return sections;
}

}  // namespace fieldsync::cli
