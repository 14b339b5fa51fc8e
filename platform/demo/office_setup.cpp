#include "office_setup.h"

#include <fstream>

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::demo {
namespace {

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return out ? Status() : Status::io_error("cannot write " + path);
}

Status import(DemoWorld& world, const std::string& collection, const std::string& csv) {
  const std::string path = world.folder() + "/" + collection + ".csv";
  FIELDSYNC_RETURN_IF_ERROR(write_file(path, csv));
  return world.admin({"import", collection, path}).status();
}

// The id an `add` printed: the first id-shaped word of its output.
Result<std::string> added_id(const Result<std::string>& output) {
  if (!output.ok()) return output.status();
  for (size_t i = 0; i + 36 <= output->size(); ++i) {
    auto id = parse_id(output->substr(i, 36));
    if (id.ok()) return *id;
  }
  return Status::internal("no id in: " + *output);
}

}  // namespace

std::string local_date(int64_t unix_ms) {
  auto zone = TimeZone::named(kZone);
  return zone.ok() ? zone->date_of(unix_ms) : date_of_timestamp(unix_ms);
}

Result<EstateData> set_up_office(DemoWorld& world) {
  EstateData d;
  // The estate is in Beijing time: its days, and the server's, run from local midnight.
  FIELDSYNC_RETURN_IF_ERROR(world.admin({"time-zone", kZone}).status());
  const std::string today = local_date(Clock::system().now_ms());
  d.period = today.substr(0, 7);
  const auto previous = civil_from_days(days_from_civil(*parse_month(d.period)) - 1);
  const std::string last_month = format_date(previous).substr(0, 7);

  d.estate = new_id();
  std::string buildings = "id,estate,name\n", units = "id,building,number,floor\n";
  std::string households = "id,unit,owner_name,phones,collector\n";
  std::string charges = "household,fee_item,period,amount\n";
  const char* owners[] = {"Wang Li", "Chen Jie", "Zhao Min", "Liu Yang", "Sun Hua", "Zhou Qing"};
  const char* collectors[] = {"ann", "ben", "cai"};
  for (int b = 0; b < 3; ++b) {
    d.buildings.push_back(new_id());
    buildings += d.buildings[b] + "," + d.estate + ",Block " + std::to_string(b + 1) + "\n";
    d.households.emplace_back();
    for (int u = 0; u < 6; ++u) {
      const std::string unit = new_id(), household = new_id();
      const std::string number = std::to_string(b + 1) + "-" + std::to_string(101 + u);
      units += unit + "," + d.buildings[b] + "," + number + "," + std::to_string(1 + u / 2) + "\n";
      households += household + "," + unit + "," + owners[u] + "," + "1380000" + std::to_string(1000 + b * 10 + u) +
                    "," + collectors[b == 0 ? u % 2 : 2] + "\n";
      charges += household + ",property_fee," + d.period + ",120.00\n";
      if (u % 3 == 0) charges += household + ",property_fee," + last_month + ",120.00\n";
      d.households[b].push_back(household);
    }
  }
  FIELDSYNC_RETURN_IF_ERROR(import(world, "estates",
                                   "id,name,address,time_zone\n" + d.estate +
                                       ",Riverside Gardens,\"1 River Road, Eastside\"," + kZone +
                                       "\n"));
  FIELDSYNC_RETURN_IF_ERROR(import(world, "buildings", buildings));
  FIELDSYNC_RETURN_IF_ERROR(import(world, "units", units));
  FIELDSYNC_RETURN_IF_ERROR(import(world, "households", households));
  FIELDSYNC_RETURN_IF_ERROR(import(world, "charges", charges));

  for (const char* collector : collectors) {
    auto plan = world.admin({"add", "collection_plans", std::string("collector=") + collector, "month=" + d.period,
                             "daily_visit_target=4", "amount_target=720.00"});
    if (!plan.ok()) return plan.status();
  }
  auto route = added_id(world.admin({"add", "patrol_routes", "estate=" + d.estate, "name=Night loop"}));
  if (!route.ok()) return route.status();
  d.route = *route;
  const char* points[] = {"Main gate", "Block 1 stairwell", "Bike shed", "Block 3 roof door"};
  for (int i = 0; i < 4; ++i) {
    auto point = added_id(world.admin({"add", "checkpoints", "route=" + d.route, std::string("name=") + points[i],
                                       "sequence=" + std::to_string(i + 1)}));
    if (!point.ok()) return point.status();
    d.checkpoints.push_back(*point);
  }
  auto repair = added_id(world.admin({"add", "work_orders", "household=" + d.households[0][3],
                                      "category=plumbing", "channel=phone", "priority=urgent",
                                      "description=Kitchen pipe leaking into 1-103",
                                      "reported_at=" + today + "T08:00:00+08:00"}));
  if (!repair.ok()) return repair.status();
  d.repair = *repair;
  return d;
}

Status enroll_staff(DemoWorld& world, const EstateData& d) {
  struct Member {
    const char* user;
    const char* role;
    std::vector<std::pair<std::string, std::string>> assignments;
    int64_t clock_offset_ms = 0;
  };
  const std::vector<Member> members = {
      {"office", "office", {}},
      {"ann", "collector", {{"building", d.buildings[0]}}, kAnnClockAheadMs},
      {"ben", "collector", {{"building", d.buildings[0]}}},  // same building as ann
      {"cai", "collector", {{"building", d.buildings[1]}}},
      {"pat", "patrol", {{"estate", d.estate}}},
      {"quinn", "patrol", {{"estate", d.estate}}},
      {"tom", "technician", {{"building", d.buildings[0]}}},
  };
  for (const auto& m : members) {
    auto staff = world.enroll(m.user, m.role, m.assignments, m.clock_offset_ms);
    if (!staff.ok()) return staff.status().with_context(std::string("enrolling ") + m.user);
  }
  return Status();
}

}  // namespace fieldsync::demo
