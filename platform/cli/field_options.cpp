#include "cli/field_options.h"

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"

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
  return canonical_ids(field, std::move(value).value());
}

std::optional<Json> FieldOptions::parse(const std::string& option, const std::string& field_name) {
  const auto text = args_.value(option);
  if (!text) return std::nullopt;
  const FieldDef* field = collection_.field(field_name);
  if (field == nullptr) {
    internal_error_ = true;
    problems_.push_back("--" + option + ": " + collection_.name + " have no field " + field_name);
    return std::nullopt;
  }
  auto value = parse_field_input(*field, *text);
  if (!value.ok()) {
    problems_.push_back(about_option(option, field_name, value.status().message()));
    return std::nullopt;
  }
  return std::move(value).value();
}

void FieldOptions::read(const std::string& option, const std::string& field, std::string& target) {
  if (auto value = parse(option, field); value && value->is_string())
    target = value->get<std::string>();
}

void FieldOptions::read(const std::string& option, const std::string& field,
                        std::optional<std::string>& target) {
  if (auto value = parse(option, field); value && value->is_string())
    target = value->get<std::string>();
}

void FieldOptions::read(const std::string& option, const std::string& field, int64_t& target) {
  if (auto value = parse(option, field); value && value->is_number_integer()) {
    target = value->get<int64_t>();
  }
}

void FieldOptions::read(const std::string& option, const std::string& field,
                        std::optional<int64_t>& target) {
  if (auto value = parse(option, field); value && value->is_number_integer()) {
    target = value->get<int64_t>();
  }
}

void FieldOptions::read(const std::string& option, const std::string& field,
                        std::vector<std::string>& target) {
  auto value = parse(option, field);
  if (!value || !value->is_array()) return;
  target.clear();
  for (const auto& item : *value) target.push_back(item.get<std::string>());
}

void FieldOptions::read(const std::string& option, const std::string& field,
                        std::optional<GeoPoint>& target) {
  auto value = parse(option, field);
  if (!value || !value->is_object()) return;
  GeoPoint point;
  point.lat = value->value("lat", 0.0);
  point.lon = value->value("lon", 0.0);
  if (value->contains("accuracy_m")) point.accuracy_m = (*value)["accuracy_m"].get<double>();
  target = point;
}

Status FieldOptions::status() const {
  if (problems_.empty()) return Status();
  std::string message = "invalid " + collection_.record_noun + ": ";
  for (size_t i = 0; i < problems_.size(); ++i) message += (i ? "; " : "") + problems_[i];
  if (internal_error_) return Status::internal(message);
  return Status::invalid_argument(message, problems_);
}

}  // namespace fieldsync::cli
