#include "cli/field_options.h"

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"
#include "text/text.h"

namespace fieldsync::cli {
namespace {

// parse_field_text says "<field>: <problem>"; the person typed "--<option>".
std::string about_option(const std::string& option, const std::string& field,
                         const std::string& message) {
  const std::string prefix = field + ": ";
  const bool prefixed = message.compare(0, prefix.size(), prefix) == 0;
  return "--" + option + ": " + (prefixed ? message.substr(prefix.size()) : message);
}

Json canonical_id(const Json& value) {
  if (!value.is_string()) return value;
  auto id = parse_id(value.get<std::string>());
  return id.ok() ? Json(*id) : value;
}

// Ids are stored canonical (lower case) so references match.
Json canonical_ids(const FieldDef& field, Json value) {
  if (field.type == FieldType::kReference) return canonical_id(value);
  if (field.type == FieldType::kReferenceList && value.is_array()) {
    for (auto& item : value) item = canonical_id(item);
  }
  return value;
}

}  // namespace

Result<Json> parse_field_input(const FieldDef& field, std::string_view text) {
  auto value = parse_field_text(field, text);
  if (!value.ok()) return value.status();
  // A user's name as the server keeps it (NFC), so it matches the user.
  if (field.is_user_name() && value->is_string())
    return Json(fieldsync::text::to_nfc(value->get<std::string>()));
  return canonical_ids(field, std::move(value).value());
}

std::optional<Json> FieldOptions::value(const std::string& option, const FieldDef& field) {
  const auto text = args_.value(option);
  if (!text) return std::nullopt;
  auto value = parse_field_input(field, *text);
  if (!value.ok()) {
    problems_.push_back(about_option(option, field.name, value.status().message()));
    return std::nullopt;
  }
  return std::move(value).value();
}

std::optional<Json> FieldOptions::time_value(const std::string& option, const TimeZone& zone) {
  const auto text = args_.value(option);
  if (!text) return std::nullopt;
  auto value = parse_local_time(*text, zone);
  if (!value.ok()) {
    problems_.push_back("--" + option + ": " + value.status().message());
    return std::nullopt;
  }
  return Json(*value);
}

Status FieldOptions::status() const {
  return invalid_record(collection_, problems_);
}

}  // namespace fieldsync::cli
