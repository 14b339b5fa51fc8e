#include "cli_fixture.h"

#include <cstdlib>

namespace fieldsync::testing {

void CliTest::SetUp() {
  db_ = dir_.file("device.db");
  ProcessResult init = cli({"init", "--device-code", "C001", "--user", "alice"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
}

ProcessResult CliTest::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--db", db_};
  all.insert(all.end(), args.begin(), args.end());
  return cli_raw(all);
}

ProcessResult CliTest::cli_raw(const std::vector<std::string>& args,
                               const std::vector<std::string>& environment) const {
  // The sanitizer runs' settings (log files, suppressions of third-party code) reach
  // the command line too; nothing else of the test's environment does.
  std::vector<std::string> with_sanitizers = environment;
  for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) with_sanitizers.push_back(std::string(name) + "=" + value);
  }
  return run_process(FIELDSYNC_CLI_PATH, args, with_sanitizers);
}

Json CliTest::json(const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--json"};
  all.insert(all.end(), args.begin(), args.end());
  ProcessResult r = cli(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Json document = Json::parse(r.out, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << r.out;
  return document;
}

std::string CliTest::add(const std::string& collection,
                         const std::vector<std::string>& assignments) const {
  std::vector<std::string> args = {"add", collection};
  args.insert(args.end(), assignments.begin(), assignments.end());
  Json record = json(args);
  EXPECT_EQ(record.value("collection", ""), collection);
  return record.value("id", "");
}

CliEstate CliTest::seed() const {
  CliEstate e;
  e.estate = add("estates", {"name=Riverside", "address=1 River Road"});
  e.building = add("buildings", {"estate=" + e.estate, "name=Block 3"});
  e.unit = add("units", {"building=" + e.building, "number=3-1204", "floor=12"});
  e.household = add("households", {"unit=" + e.unit, "owner_name=Wang Li",
                                   "phones=13800000001,13800000002", "collector=alice"});
  e.other_household = add("households", {"unit=" + e.unit, "owner_name=Chen Jing"});
  e.charge_nov = add("charges", {"household=" + e.household, "fee_item=property_fee",
                                 "period=2026-11", "amount=120.00"});
  e.charge_dec = add("charges", {"household=" + e.household, "fee_item=property_fee",
                                 "period=2026-12", "amount=120", "due_date=2026-12-31"});
  e.plan = add("collection_plans", {"collector=alice", "month=2026-11",
                                    "households=" + e.household + "," + e.other_household,
                                    "daily_visit_target=20", "amount_target=5000.00"});
  e.route = add("patrol_routes", {"estate=" + e.estate, "name=Night round"});
  e.checkpoint = add("checkpoints", {"route=" + e.route, "name=Gate", "sequence=1",
                                     "location=31.2304,121.4737,5"});
  e.other_route = add("patrol_routes", {"estate=" + e.estate, "name=Day round"});
  e.other_checkpoint = add("checkpoints", {"route=" + e.other_route, "name=Car park"});
  return e;
}

DbSnapshot CliTest::snapshot() const {
  auto store = must(DeviceStore::open(db_));
  DbSnapshot s;
  auto rows = must(store->query("SELECT count(*) FROM records", {}));
  s.records = rows.at(0).at(0).get<int64_t>();
  auto changes = must(store->outbox());
  s.outbox = static_cast<int64_t>(changes.size());
  if (!changes.empty()) s.last_change = changes.back().change_id;
  return s;
}

void CliTest::expect_refused(const std::vector<std::string>& args, int exit_code,
                             const std::string& expected) const {
  const DbSnapshot before = snapshot();
  ProcessResult r = cli(args);
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_NE(r.err.find("fieldsync: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << "stderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(snapshot(), before) << "a refused command wrote to the database";
}

size_t listed(const Json& list) {
  return list.value("records", Json::array()).size();
}

}  // namespace fieldsync::testing
