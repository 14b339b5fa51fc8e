#include "access_policy.h"

namespace fieldsync::server {

Result<Access> access_of(ServerTransaction& txn, const User& user) {
  Access access;
  access.user = user.name;
  access.role = user.role;
  auto assignments = txn.assignments_of(user.name);
  if (!assignments.ok()) return assignments.status();
  for (const Assignment& a : *assignments) {
    (a.kind == "building" ? access.buildings : access.estates).push_back(a.target);
  }
  return access;
}

Result<Scope> scope_of(ServerTransaction& txn, const Schema& schema, const User& user) {
  Scope scope;
  const RoleDef* role = schema.role(user.role);
  if (role != nullptr && role->office) {
    scope.everything = true;
    return scope;
  }
  auto access = access_of(txn, user);
  if (!access.ok()) return access.status();
  std::vector<std::string> places = {"user:" + user.name};
  for (const auto& building : access->buildings) places.push_back("building:" + building);
  for (const auto& estate : access->estates) {
    places.push_back("estate:" + estate);
    auto buildings = txn.find_ids("buildings", "estate", estate);
    if (!buildings.ok()) return buildings.status();
    for (const auto& id : *buildings) places.push_back("building:" + id);
  }
  for (auto& bucket : buckets_for(schema, user.role, places))
    scope.buckets.insert(std::move(bucket));
  // A building's estate record too (its time zone, its maximum amount), and nothing
  // else of the estate: that bucket's kind of data alone.
  const CollectionDef* estates = schema.find("estates");
  for (const auto& building : access->buildings) {
    auto record = txn.get_record(building);
    if (!record.ok()) return record.status();
    if (!*record || estates == nullptr) continue;
    const Json& estate = (*record)->record.fields.value("estate", Json());
    if (!estate.is_string()) continue;
    for (auto& bucket : buckets_for(schema, user.role, {"estate:" + estate.get<std::string>()})) {
      if (bucket_kind(schema, bucket) == estates->bucket.data_kind)
        scope.buckets.insert(std::move(bucket));
    }
  }
  return scope;
}

}  // namespace fieldsync::server
