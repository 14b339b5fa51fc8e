#include "fieldsync/buckets.h"

#include "fieldsync/access.h"

namespace fieldsync {
namespace {

// The bucket of a record placed at `place`: the place with the collection's kind.
std::string with_kind(const BucketRule& rule, const std::string& place) {
  return rule.data_kind.empty() ? place : place + ":" + rule.data_kind;
}

}  // namespace

Result<std::optional<std::string>> derive_bucket(const CollectionDef& collection,
                                                 const std::string& id, const Json& fields,
                                                 const BucketLookup& lookup) {
  using Found = std::optional<std::string>;
  const BucketRule& rule = collection.bucket;
  switch (rule.kind) {
    case BucketRule::Kind::kOffice:
      return Found(with_kind(rule, "office"));
    case BucketRule::Kind::kSelf:
      return Found(with_kind(rule, rule.prefix + id));
    case BucketRule::Kind::kField: {
      const Json& value = fields.value(rule.fields.at(0), Json());
      if (!value.is_string() || value.get<std::string>().empty()) return Found();
      return Found(with_kind(rule, rule.prefix + value.get<std::string>()));
    }
    case BucketRule::Kind::kInherit:
      for (const auto& name : rule.fields) {
        const Json& parent = fields.value(name, Json());
        if (!parent.is_string()) continue;
        const FieldDef* field = collection.field(name);
        auto parent_bucket =
            lookup(field != nullptr ? field->target : std::string(), parent.get<std::string>());
        if (!parent_bucket.ok() || !*parent_bucket || rule.data_kind.empty()) return parent_bucket;
        return Found(with_kind(rule, bucket_place(**parent_bucket)));
      }
      return Found();
  }
  return Status::internal("unknown bucket rule");
}

}  // namespace fieldsync
