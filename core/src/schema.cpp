#include "fieldsync/schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"

namespace fieldsync {

const char* field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kText: return "text";
    case FieldType::kInteger: return "integer";
    case FieldType::kMoney: return "money";
    case FieldType::kTimestamp: return "timestamp";
    case FieldType::kDate: return "date";
    case FieldType::kMonth: return "month";
    case FieldType::kEnum: return "enumeration";
    case FieldType::kReference: return "reference";
    case FieldType::kReferenceList: return "reference list";
    case FieldType::kTextList: return "text list";
    case FieldType::kGeo: return "geo point";
    case FieldType::kBoolean: return "boolean";
  }
  return "unknown";
}

const char* merge_kind_name(MergeKind kind) {
  switch (kind) {
    case MergeKind::kImmutable: return "immutable";
    case MergeKind::kLww: return "lww";
    case MergeKind::kStatus: return "status";
  }
  return "unknown";
}

int FieldDef::stage_index(std::string_view stage) const {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == stage) return static_cast<int>(i);
  }
  return -1;
}

const FieldDef* CollectionDef::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

std::string CollectionDef::no_such_field(std::string_view typed, bool managed_too) const {
  std::vector<std::string> names;
  for (const auto& f : fields) {
    if (managed_too || !f.is_managed()) names.push_back(f.name);
  }
  std::string hint = did_you_mean(typed, names);
  if (hint.empty()) {
    for (const auto& n : names) hint += (hint.empty() ? " (fields: " : ", ") + n;
    hint += names.empty() ? "" : ")";
  }
  return utf8_prefix(std::string(typed), 80) + ": " + name + " have no such field" + hint;
}

const FieldDef* CollectionDef::status_field() const {
  for (const auto& f : fields) {
    if (f.is_status()) return &f;
  }
  return nullptr;
}

const FieldDef* CollectionDef::event_time() const {
  for (const auto& f : fields) {
    if (f.default_value == DefaultValue::kNow) return &f;
  }
  return nullptr;
}

const RoleWrites* CollectionDef::writes_of(std::string_view role) const {
  for (const auto& w : writers) {
    if (w.role == role) return &w;
  }
  return nullptr;
}

std::vector<Reference> references_in(const CollectionDef& collection, const Json& fields) {
  std::vector<Reference> out;
  for (const auto& [name, value] : fields.items()) {
    const FieldDef* field = collection.field(name);
    if (field == nullptr || field->target.empty()) continue;
    if (value.is_string()) out.push_back({name, field->target, value.get<std::string>()});
    if (!value.is_array()) continue;
    for (const auto& item : value) {
      if (item.is_string()) out.push_back({name, field->target, item.get<std::string>()});
    }
  }
  return out;
}

Schema::Schema(int version, std::vector<CollectionDef> collections, std::vector<RoleDef> roles,
               std::vector<DataKind> kinds)
    : version_(version),
      collections_(std::move(collections)),
      roles_(std::move(roles)),
      kinds_(std::move(kinds)) {}

const RoleDef* Schema::role(std::string_view name) const {
  for (const auto& r : roles_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string Schema::role_names() const {
  std::string out;
  for (const auto& r : roles_) out += (out.empty() ? "" : ", ") + r.name;
  return out;
}

std::vector<std::string> Schema::kinds_read_by(std::string_view role_name) const {
  std::vector<std::string> out;
  const RoleDef* r = role(role_name);
  if (r == nullptr) return out;
  for (const auto& kind : kinds_) {
    bool reads = r->office;
    for (const auto& reader : kind.readers) reads = reads || reader == role_name;
    if (reads) out.push_back(kind.name);
  }
  return out;
}

const CollectionDef* Schema::find(std::string_view name) const {
  for (const auto& c : collections_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<const CollectionDef*> Schema::require(std::string_view name) const {
  if (const CollectionDef* c = find(name)) return c;
  std::vector<std::string> names;
  for (const auto& c : collections_) names.push_back(c.name);
  const std::string suggestion = did_you_mean(name, names);
  if (!suggestion.empty()) {
    return Status::invalid_argument("unknown collection '" + utf8_prefix(name, 80) + "'" +
                                    suggestion);
  }
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  return Status::invalid_argument("unknown collection '" + utf8_prefix(name, 80) +
                                  "'; the collections are: " + known);
}

namespace {

// At most this many problems are said: a change with 100,000 unknown fields is one
// mistake repeated, and its message must stay short enough to keep and to show.
constexpr size_t kProblemsSaid = 20;

std::string join_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::optional<std::string> check_text(const FieldDef& field, const Json& value) {
  if (!value.is_string()) return std::string("must be text");
  const auto& s = value.get_ref<const std::string&>();
  if (!is_valid_utf8(s)) return std::string("is not valid UTF-8 text");
  // NUL ends a string in C, in SQLite's text functions and on a terminal: a value
  // holding one would be read differently by each.
  if (const size_t nul = s.find('\0'); nul != std::string::npos) {
    return "holds a NUL character (byte " + std::to_string(nul + 1) + ")";
  }
  if (s.size() > field.max_length) {
    return "is " + std::to_string(s.size()) + " characters long; at most " +
           std::to_string(field.max_length) + " are allowed";
  }
  return std::nullopt;
}

std::optional<std::string> check_bounds(const FieldDef& field, int64_t v) {
  if (field.type == FieldType::kMoney) {
    if (field.min && v < *field.min) return "must be at least " + format_money(*field.min);
    if (field.max && v > *field.max) {
      return "is " + format_money(v) + "; at most " + format_money(*field.max) +
             " is allowed in one record";
    }
    return std::nullopt;
  }
  if (field.min && v < *field.min) return "must be at least " + std::to_string(*field.min);
  if (field.max && v > *field.max) return "must be at most " + std::to_string(*field.max);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Schema::check_value(const FieldDef& field, const Json& value) {
  switch (field.type) {
    case FieldType::kText:
      return check_text(field, value);
    case FieldType::kInteger:
      if (!value.is_number_integer()) return std::string("must be a whole number");
      // JSON holds whole numbers up to 2^64 - 1; past 2^63 - 1 one would be read back
      // as a negative number (2^64 - 1 as -1).
      if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
        return std::string("is too large a number");
      }
      return check_bounds(field, value.get<int64_t>());
    case FieldType::kMoney: {
      if (!value.is_number_integer()) return std::string("must be an amount in minor units (cents)");
      if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{kMaxMoneyMinor}) {
        return std::string("is too large an amount");
      }
      const int64_t v = value.get<int64_t>();
      if (v < 0) return std::string("must not be negative");
      if (v > kMaxMoneyMinor) return std::string("is too large an amount");
      return check_bounds(field, v);
    }
    case FieldType::kTimestamp: {
      if (!value.is_number_integer()) return std::string("must be a time in Unix milliseconds");
      const int64_t v = value.get<int64_t>();
      // 2000-01-01 .. 2200-01-01: anything outside is a unit mistake, not a date.
      if (v < 946684800000LL || v > 7258118400000LL) {
        return std::string("is not a plausible time (expected Unix milliseconds between 2000 and 2200)");
      }
      return std::nullopt;
    }
    case FieldType::kDate:
      if (!value.is_string() || !parse_date(value.get_ref<const std::string&>()).ok()) {
        return std::string("must be a date written YYYY-MM-DD");
      }
      return std::nullopt;
    case FieldType::kMonth:
      if (!value.is_string() || !parse_month(value.get_ref<const std::string&>()).ok()) {
        return std::string("must be a month written YYYY-MM");
      }
      return std::nullopt;
    case FieldType::kEnum:
      if (!value.is_string() || field.stage_index(value.get_ref<const std::string&>()) < 0) {
        std::string shown = value.is_string()
                                ? "'" + utf8_prefix(value.get_ref<const std::string&>(), 60) + "'"
                                : utf8_prefix(value.dump(), 60);
        return shown + " is not one of " + join_choices(field.choices) +
               (value.is_string() ? did_you_mean(value.get_ref<const std::string&>(), field.choices)
                                  : "");
      }
      return std::nullopt;
    case FieldType::kReference:
      if (!value.is_string()) return std::string("must be the id of a ") + field.target + " record";
      if (auto id = parse_id(value.get_ref<const std::string&>()); !id.ok()) {
        return id.status().message();
      }
      return std::nullopt;
    case FieldType::kReferenceList:
    case FieldType::kTextList: {
      if (!value.is_array()) return std::string("must be a list");
      if (value.size() > 500) return std::string("has more than 500 entries");
      for (size_t i = 0; i < value.size(); ++i) {
        const Json& item = value[i];
        std::optional<std::string> problem;
        if (field.type == FieldType::kTextList) {
          problem = check_text(field, item);
        } else if (!item.is_string()) {
          problem = "must be an id";
        } else if (auto id = parse_id(item.get_ref<const std::string&>()); !id.ok()) {
          problem = id.status().message();
        }
        if (problem) return "entry " + std::to_string(i + 1) + " " + *problem;
      }
      return std::nullopt;
    }
    case FieldType::kGeo: {
      if (!value.is_object()) return std::string("must be {\"lat\", \"lon\", \"accuracy_m\"}");
      for (const auto& [key, item] : value.items()) {
        if (key != "lat" && key != "lon" && key != "accuracy_m") {
          return "has an unknown key '" + utf8_prefix(key, 40) + "'";
        }
        // NaN slips through every range check below (infinity through accuracy_m's), and
        // JSON text holds neither.
        if (!item.is_number() || !std::isfinite(item.get<double>())) {
          return key + " must be a number";
        }
      }
      if (!value.contains("lat") || !value.contains("lon")) return std::string("needs lat and lon");
      const double lat = value["lat"].get<double>();
      const double lon = value["lon"].get<double>();
      if (lat < -90 || lat > 90) return std::string("lat must be between -90 and 90");
      if (lon < -180 || lon > 180) return std::string("lon must be between -180 and 180");
      if (value.contains("accuracy_m") && value["accuracy_m"].get<double>() < 0) {
        return std::string("accuracy_m must not be negative");
      }
      return std::nullopt;
    }
    case FieldType::kBoolean:
      if (!value.is_boolean()) return std::string("must be true or false");
      return std::nullopt;
  }
  return std::string("has an unknown type");
}

Status Schema::validate_create(const CollectionDef& collection, const Json& fields,
                               bool managed_given, int client_version) const {
  if (client_version <= 0) client_version = version_;
  if (!fields.is_object()) {
    return Status::invalid_argument(collection.name + ": the fields of a record must be a JSON object");
  }
  std::vector<std::string> problems;
  for (const auto& [name, value] : fields.items()) {
    const FieldDef* field = collection.field(name);
    if (field == nullptr) {
      // Problems past those said are only counted: no message is built for them.
      problems.push_back(problems.size() < kProblemsSaid ? collection.no_such_field(name) : "");
      continue;
    }
    if (field->auto_value == AutoValue::kSetByServer) {
      problems.push_back(name +
                         ": is set by the server when the record arrives and cannot be given");
      continue;
    }
    if (field->is_managed() && !managed_given) {
      problems.push_back(name + ": is set by fieldsync and cannot be given");
      continue;
    }
    if (value.is_null()) {
      if (field->required) problems.push_back(name + ": is required");
      continue;
    }
    if (auto problem = check_value(*field, value)) problems.push_back(name + ": " + *problem);
  }
  for (const auto& field : collection.fields) {
    const bool filled_in_later = !managed_given && (field.is_managed() || field.is_status());
    const bool needed = field.required || (managed_given && field.is_managed() &&
                                           field.auto_value != AutoValue::kSetByServer);
    if (!needed || filled_in_later || field.since_version > client_version) continue;
    if (!fields.contains(field.name)) problems.push_back(field.name + ": is required");
  }
  if (problems.empty() && collection.check) collection.check(fields, problems);
  return invalid_record(collection, std::move(problems));
}

namespace {

// A label of at most `depth` levels of references, so a cycle cannot loop.
Result<std::string> label_at(const Schema& schema, const CollectionDef& collection,
                             const std::string& id, const Json& fields, const RecordReader& records,
                             int depth) {
  std::string label;
  for (const auto& part : collection.label.parts) {
    const FieldDef* field = collection.field(part);
    const Json& value = fields.value(part, Json());
    std::string text;
    if (field != nullptr && field->type == FieldType::kReference && value.is_string()) {
      const CollectionDef* target = schema.find(field->target);
      auto referenced = records.fields_of(field->target, value.get<std::string>());
      if (!referenced.ok()) return referenced.status();
      if (target != nullptr && *referenced && depth > 0) {
        auto named =
            label_at(schema, *target, value.get<std::string>(), **referenced, records, depth - 1);
        if (!named.ok()) return named.status();
        text = *named;
      }
    } else if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number_integer()) {
      text = std::to_string(value.get<int64_t>());
    }
    if (!text.empty()) label += (label.empty() ? "" : " · ") + text;
  }
  if (label.empty()) label = collection.record_noun + " " + id.substr(0, 8);
  return label;
}

}  // namespace

Result<std::string> label_of(const Schema& schema, const CollectionDef& collection,
                             const std::string& id, const Json& fields,
                             const RecordReader& records) {
  return label_at(schema, collection, id, fields, records, 4);
}

std::string record_text(const Schema& schema, const std::string& collection, const std::string& id,
                        const RecordReader& records, const Json& fields) {
  const CollectionDef* c = schema.find(collection);
  if (c == nullptr) return id;
  auto stored = records.fields_of(collection, id);
  const Json* named = stored.ok() && *stored ? &**stored : (fields.is_object() ? &fields : nullptr);
  if (named == nullptr) return id;
  auto label = label_of(schema, *c, id, *named, records);
  return label.ok() ? *label : id;
}

namespace {

// The fields of the estate a record of `collection` with `fields` belongs to, found
// through its reference to an estate or, failing that, the references its bucket is
// inherited through (a payment's household, its unit, its building); nullopt when
// `records` does not hold a link of the chain.
Result<std::optional<Json>> estate_of(const Schema& schema, const CollectionDef& collection,
                                      const Json& fields, const RecordReader& records,
                                      int depth = 6) {
  if (depth == 0) return std::optional<Json>();
  const FieldDef* next = nullptr;
  for (const FieldDef& f : collection.fields) {
    if (f.type != FieldType::kReference || !fields.contains(f.name) ||
        !fields[f.name].is_string()) {
      continue;
    }
    if (f.target == "estates")
      return records.fields_of("estates", fields[f.name].get<std::string>());
    const auto& via = collection.bucket.fields;
    if (next == nullptr && collection.bucket.kind == BucketRule::Kind::kInherit &&
        std::find(via.begin(), via.end(), f.name) != via.end()) {
      next = &f;
    }
  }
  const CollectionDef* target = next == nullptr ? nullptr : schema.find(next->target);
  if (target == nullptr) return std::optional<Json>();
  auto parent = records.fields_of(target->name, fields[next->name].get<std::string>());
  if (!parent.ok() || !*parent) return parent;
  return estate_of(schema, *target, **parent, records, depth - 1);
}

}  // namespace

Status relation_problems(const Schema& schema, const CollectionDef& collection, const Json& fields,
                         const RecordReader& records, std::vector<std::string>& problems) {
  if (collection.relation_check) {
    FIELDSYNC_RETURN_IF_ERROR(collection.relation_check(fields, records, problems));
  }
  std::optional<Json> estate;
  bool looked = false;
  for (const FieldDef& f : collection.fields) {
    if (!f.estate_max || !fields.contains(f.name) || !fields[f.name].is_number_integer()) continue;
    if (!looked) {
      auto found = estate_of(schema, collection, fields, records);
      if (!found.ok()) return found.status();
      estate = std::move(found).value();
      looked = true;
    }
    if (!estate) return Status();
    const Json& set = estate->value("max_amount", Json());
    const int64_t max = set.is_number_integer() ? set.get<int64_t>() : kDefaultEstateMaxAmountMinor;
    if (fields[f.name].get<int64_t>() > max) {
      problems.push_back(f.name + ": " + format_money(fields[f.name].get<int64_t>()) +
                         " is more than this estate's maximum of " + format_money(max) +
                         " for one " + collection.record_noun +
                         " (the office sets it: the estate's max_amount)");
    }
  }
  return Status();
}

std::string reference_text(const Schema& schema, const FieldDef& field, const Json& value,
                           const RecordReader& records) {
  const CollectionDef* target = schema.find(field.target);
  if (target == nullptr || !value.is_string()) return format_field_value(field, value);
  auto fields = records.fields_of(target->name, value.get<std::string>());
  if (!fields.ok() || !*fields) return format_field_value(field, value);
  auto label = label_of(schema, *target, value.get<std::string>(), **fields, records);
  return label.ok() ? *label : format_field_value(field, value);
}

namespace {

// "<lead>: p1; p2; ...", the first kProblemsSaid problems and how many more there are.
// The message says every problem listed (the C API and a refused change's reason carry
// only the message); the details list the same ones for those who read them one by one.
Status problems_status(std::string message, std::vector<std::string> problems) {
  const size_t more = problems.size() > kProblemsSaid ? problems.size() - kProblemsSaid : 0;
  problems.resize(problems.size() - more);
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  if (more > 0) message += "; and " + std::to_string(more) + " more problems";
  return Status::invalid_argument(message, std::move(problems));
}

}  // namespace

Status invalid_record(const CollectionDef& collection, std::vector<std::string> problems) {
  if (problems.empty()) return Status();
  return problems_status("invalid " + collection.record_noun + ": ", std::move(problems));
}

Status Schema::validate_update(const CollectionDef& collection, const Json& changed) const {
  if (collection.append_only) {
    return Status::invalid_argument(collection.name + " are append-only: record a correction as a new " +
                                    collection.record_noun + " instead of editing one");
  }
  if (!changed.is_object() || changed.empty()) {
    return Status::invalid_argument(collection.name + ": an edit needs at least one field to change");
  }
  std::vector<std::string> problems;
  for (const auto& [name, value] : changed.items()) {
    const FieldDef* field = collection.field(name);
    if (field == nullptr) {
      // Problems past those said are only counted: no message is built for them.
      problems.push_back(problems.size() < kProblemsSaid ? collection.no_such_field(name) : "");
    } else if (field->merge == MergeKind::kImmutable) {
      problems.push_back(name + ": is immutable once the " + collection.record_noun + " is created");
    } else if (field->merge == MergeKind::kStatus) {
      problems.push_back(name + ": is a status; advance or reopen it instead of editing it");
    } else if (value.is_null()) {
      if (field->required) problems.push_back(name + ": is required and cannot be cleared");
    } else if (auto problem = check_value(*field, value)) {
      problems.push_back(name + ": " + *problem);
    }
  }
  if (problems.empty()) return Status();
  return problems_status("invalid edit of " + collection.record_noun + ": ", std::move(problems));
}

}  // namespace fieldsync
