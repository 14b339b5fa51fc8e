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
  return scope;
}

}  // namespace fieldsync::server
