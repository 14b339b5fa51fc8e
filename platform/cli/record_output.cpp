#include "cli/record_output.h"

#include "cli/table.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {

Json record_json(const Record& record, bool with_stamps) {
  Json out = {{"id", record.id},
              {"collection", record.collection},
              {"bucket", record.bucket},
              {"fields", record.fields}};
  if (with_stamps) out["stamps"] = record.stamps;
  return out;
}

Json records_json(const std::vector<Record>& records) {
  Json out = Json::array();
  for (const auto& record : records) out.push_back(record_json(record));
  return out;
}

void print_json(std::ostream& out, const Json& document) {
  out << document.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void print_record(std::ostream& out, const CollectionDef& collection, const Record& record) {
  std::vector<std::pair<std::string, std::string>> lines = {{"id", record.id}};
  for (const auto& field : collection.fields) {
    lines.emplace_back(field.name,
                       format_field_value(field, record.fields.value(field.name, Json())));
  }
  lines.emplace_back("bucket", record.bucket);
  render_pairs(out, lines);
}

void print_record_table(std::ostream& out, const Schema& schema, const CollectionDef& collection,
                        const std::vector<Record>& records, const RecordReader& names) {
  std::vector<const FieldDef*> shown;
  for (const auto& field : collection.fields) {
    for (const auto& record : records) {
      if (record.fields.contains(field.name)) {
        shown.push_back(&field);
        break;
      }
    }
  }
  std::vector<std::string> headers = {"id"};
  for (const FieldDef* field : shown) headers.push_back(field->name);
  Table table(headers);
  table.limit_width(40);
  for (size_t c = 0; c < shown.size(); ++c) {
    const FieldType type = shown[c]->type;
    if (type == FieldType::kMoney || type == FieldType::kInteger) table.align_right(c + 1);
  }
  for (const auto& record : records) {
    std::vector<std::string> cells = {record.id};
    for (const FieldDef* field : shown) {
      const Json& value = record.fields.value(field->name, Json());
      cells.push_back(field->type == FieldType::kReference
                          ? reference_text(schema, *field, value, names)
                          : format_field_value(*field, value));
    }
    table.add_row(std::move(cells));
  }
  table.render(out);
}

CliStatus print_written(const CommandContext& context, const Result<Record>& record) {
  if (!record.ok()) return record.status();
  if (context.json) {
    print_json(context.out, record_json(*record));
    return CliStatus();
  }
  const CollectionDef* collection = context.store->schema().find(record->collection);
  if (collection == nullptr) return Status::internal("no collection " + record->collection);
  print_record(context.out, *collection, *record);
  return CliStatus();
}

}  // namespace fieldsync::cli
