#include "fieldsync/buckets.h"

namespace fieldsync {

Result<std::optional<std::string>> derive_bucket(const CollectionDef& collection,
                                                 const std::string& id, const Json& fields,
                                                 const BucketLookup& lookup) {
  using Found = std::optional<std::string>;
  const BucketRule& rule = collection.bucket;
  switch (rule.kind) {
    case BucketRule::Kind::kOffice:
      return Found("office");
    case BucketRule::Kind::kSelf:
      return Found(rule.prefix + id);
    case BucketRule::Kind::kField: {
      const Json& value = fields.value(rule.fields.at(0), Json());
      if (!value.is_string() || value.get<std::string>().empty()) return Found();
      return Found(rule.prefix + value.get<std::string>());
    }
    case BucketRule::Kind::kInherit:
      for (const auto& name : rule.fields) {
        const Json& parent = fields.value(name, Json());
        if (!parent.is_string()) continue;
        const FieldDef* field = collection.field(name);
        return lookup(field != nullptr ? field->target : std::string(), parent.get<std::string>());
      }
      return Found();
  }
  return Status::internal("unknown bucket rule");
}

}  // namespace fieldsync
