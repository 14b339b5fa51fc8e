#include "fieldsync/access.h"

#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

std::string with_article(const std::string& role) {
  const bool vowel = !role.empty() && std::string("aeiou").find(role[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + role;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names) {
    if (n == name) return true;
  }
  return false;
}

// The fields of an edit that `writes` does not allow; a status field's reopen counter
// goes with its status field.
std::vector<std::string> fields_not_allowed(const CollectionDef& collection,
                                            const RoleWrites* writes, const Json& fields) {
  std::vector<std::string> out;
  for (const auto& [name, value] : fields.items()) {
    std::string field = name;
    const FieldDef* def = collection.field(name);
    if (def != nullptr && def->auto_value == AutoValue::kReopenCounter) {
      const FieldDef* status = collection.status_field();
      if (status != nullptr) field = status->name;
    }
    if (writes == nullptr || !contains(writes->change, field)) out.push_back(utf8_prefix(name, 60));
  }
  return out;
}

std::string author_refusal(const CollectionDef& collection, const Access& access,
                           const Json& fields) {
  for (const auto& field : collection.fields) {
    if (!field.author || !fields.contains(field.name)) continue;
    const Json& value = fields[field.name];
    if (value.is_string() && value.get<std::string>() == access.user) continue;
    return field.name + ": names " + utf8_prefix(value.dump(), 60) + ", but a " +
           collection.record_noun + " is recorded in the name of the device's user (" +
           access.user + ")";
  }
  return {};
}

}  // namespace

std::string write_refusal(const Schema& schema, const CollectionDef& collection,
                          const Access& access, const std::string& kind, const Json& fields) {
  const bool create = kind == "create";
  if (create && collection.server_created) return collection.name + " are created by the server";
  const RoleDef* role = schema.role(access.role);
  if (role == nullptr) return "role '" + utf8_prefix(access.role, 40) + "' may not write anything";
  if (std::string author = author_refusal(collection, access, fields); !author.empty())
    return author;
  if (role->office) return {};
  const RoleWrites* writes = collection.writes_of(role->name);
  if (create) {
    if (writes != nullptr && writes->create) return {};
    bool anyone = false;
    for (const auto& w : collection.writers) anyone = anyone || w.create;
    if (!anyone) return collection.name + " are created by the office";
    return with_article(role->name) + " may not record " + collection.name;
  }
  std::vector<std::string> refused = fields_not_allowed(collection, writes, fields);
  if (refused.empty()) return {};
  std::string refusal =
      with_article(role->name) + " may not change " + joined(refused) + " of " + collection.name;
  if (writes != nullptr && !writes->change.empty()) {
    refusal += " (" + with_article(role->name) + " may change " + joined(writes->change) + ")";
  }
  return refusal;
}

Result<std::string> ownership_refusal(const Schema& schema, const CollectionDef& collection,
                                      const Access& access, const Json& fields,
                                      const RecordReader& records) {
  const RoleDef* role = schema.role(access.role);
  if (role != nullptr && role->office) return std::string();
  for (const auto& field : collection.fields) {
    if (field.owner.empty() || !fields.contains(field.name) || !fields[field.name].is_string())
      continue;
    auto named = records.fields_of(field.target, fields[field.name].get<std::string>());
    if (!named.ok()) return named.status();
    if (!*named) continue;
    const Json owner = (*named)->value(field.owner, Json());
    if (owner.is_string() && owner.get<std::string>() == access.user) continue;
    const CollectionDef* target = schema.find(field.target);
    const std::string noun = target != nullptr ? target->record_noun : field.target;
    return field.name + ": " + with_article(access.role) + " may " +
           (collection.verb.empty() ? "name" : collection.verb) + " only a " + noun +
           " of their own (" + field.owner + " " + access.user + "); this one's " + field.owner +
           " is " + (owner.is_string() ? owner.get<std::string>() : std::string("not set"));
  }
  return std::string();
}

std::string bucket_place(const std::string& bucket) {
  const size_t colon = bucket.rfind(':');
  const size_t first = bucket.find(':');
  if (colon == std::string::npos || colon == first) return bucket;
  return bucket.substr(0, colon);
}

std::string bucket_kind(const Schema& schema, const std::string& bucket) {
  const std::string place = bucket_place(bucket);
  if (place.size() == bucket.size()) return {};
  std::string kind = bucket.substr(place.size() + 1);
  for (const auto& k : schema.data_kinds()) {
    if (k.name == kind) return kind;
  }
  return {};
}

std::vector<std::string> buckets_for(const Schema& schema, const std::string& role,
                                     const std::vector<std::string>& places) {
  std::vector<std::string> out;
  const std::vector<std::string> kinds = schema.kinds_read_by(role);
  for (const auto& place : places) {
    for (const auto& kind : kinds) out.push_back(place + ":" + kind);
  }
  return out;
}

}  // namespace fieldsync
