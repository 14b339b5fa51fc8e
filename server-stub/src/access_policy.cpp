#include "access_policy.h"

#include <map>

namespace fieldsync::server {

Result<Scope> scope_of(ServerTransaction& txn, const User& user) {
  Scope scope;
  if (user.role == "office") {
    scope.everything = true;
    return scope;
  }
  scope.buckets.insert("user:" + user.name);
  auto assignments = txn.assignments_of(user.name);
  if (!assignments.ok()) return assignments.status();
  for (const Assignment& a : *assignments) {
    if (a.kind == "building") {
      scope.buckets.insert("building:" + a.target);
      continue;
    }
    scope.buckets.insert("estate:" + a.target);
    auto buildings = txn.find_ids("buildings", "estate", a.target);
    if (!buildings.ok()) return buildings.status();
    for (const auto& id : *buildings) scope.buckets.insert("building:" + id);
  }
  return scope;
}

std::string write_refusal(const std::string& role, const CollectionDef& collection,
                          const std::string& kind) {
  if (role == "office") return {};
  // Field roles: the collections each may write. Reference data is created by the
  // office; a few reference fields (a household's phones) are corrected in the field.
  static const std::map<std::string, std::set<std::string>> kWrites = {
      {"collector", {"fee_visits", "payments", "payment_voids", "households", "complaints",
                     "work_orders", "work_order_notes", "attachments", "conflicts"}},
      {"patrol", {"checkins", "findings", "work_orders", "work_order_notes", "attachments",
                  "conflicts"}},
      {"technician", {"work_orders", "work_order_notes", "return_visits", "attachments",
                      "conflicts"}},
      {"customer_service", {"households", "complaints", "work_orders", "work_order_notes",
                            "return_visits", "fee_visits", "attachments", "conflicts"}},
  };
  static const std::set<std::string> kOfficeCreates = {
      "estates", "buildings", "units", "households", "charges", "collection_plans",
      "patrol_routes", "checkpoints"};
  auto it = kWrites.find(role);
  if (it == kWrites.end()) return "role '" + role + "' may not write anything";
  if (!it->second.count(collection.name)) {
    return "a " + role + " may not write " + collection.name;
  }
  if (kind == "create" && kOfficeCreates.count(collection.name)) {
    return collection.name + " are created by the office";
  }
  return {};
}

}  // namespace fieldsync::server
