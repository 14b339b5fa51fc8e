// console_pages: the office console's two heaviest pages at the size of a large
// estate. The server holds 100 buildings of 1000 households (scaled), each with a
// unit, three yearly charges (2024, 2025, 2026) and the payments of a mixed estate:
// six households in ten paid everything, two paid 2024 and 2025, one paid 2024 and one
// paid nothing, so the arrears list has four households in ten, of one, two and three
// years. Ten collectors have a plan for the month and a week of visits.
//
// Figures, each the median of several runs:
//   - figures_load_ms: load_server_figures, what the `report` command pays per call;
//   - report_ms and arrears_ms: build_office_report and arrears_list over loaded
//     records (the figure functions alone);
//   - kept_first_use_ms: the console's kept records read whole (once per server start),
//     kept_refresh_ms: brought up to date after a sync wrote one payment;
//   - over HTTP against the real server, signed in: page_ttfb_ms, the console's page
//     (time to its first byte), and today_api_ms / arrears_api_ms, the page's API call
//     answered whole (the first page of the arrears list), after a payment arrived;
//   - peak_rss_mib of this process (the in-process figures).
#include <algorithm>

#include "fieldsync/id.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/text_values.h"
#include "sync_bench_world.h"

namespace fieldsync::bench {
namespace {

constexpr const char* kName = "console_pages";
constexpr int64_t kBuildings = 100;  // scaled
constexpr int64_t kHouseholdsPerBuilding = 1000;
constexpr int64_t kCollectors = 10;
constexpr int64_t kYearlyFee = 120000;  // ¥1,200.00
constexpr const char* kAsOf = "2026-12-07";
constexpr int kRuns = 5;
using Timer = std::chrono::steady_clock;

std::string collector_name(int64_t i) {
  return "collector" + std::to_string(i % kCollectors);
}

// Millisecond timestamp of a local Shanghai day at 10:00 (UTC+8).
int64_t shanghai_ms(int year, int month, int day) {
  const int64_t days = days_from_civil(CivilDate{year, month, day});
  return (days * 24 + 2) * 3600 * 1000;
}

struct WorldCounts {
  int64_t households = 0, records = 0;
};

Status build_fee_world(const std::string& db_path, int64_t buildings, WorldCounts& counts) {
  auto store = server::open_sqlite_server_store(db_path);
  if (!store.ok()) return store.status();
  server::OfficeAdmin office(**store, Schema::property_management(), Clock::system());
  auto txn = (*store)->begin(/*write=*/true);
  if (!txn.ok()) return txn.status();
  // Payments are recorded by phones; here each is written as a refused change the office
  // accepted, which the server dates by its arrival (`at`), as if a phone had sent it then.
  auto create = [&](const std::string& collection, const Json& fields,
                    int64_t at = 0) -> Result<std::string> {
    server::RefusedChange sent;
    sent.refused_ms = at;
    sent.change_id = "bench-" + std::to_string(counts.records);
    auto created = office.create_record_in(**txn, collection, fields, "", at ? &sent : nullptr);
    if (!created.ok()) return created.status().with_context(collection);
    ++counts.records;
    return created->id;
  };
  auto estate = create("estates", {{"name", "Riverside"}, {"time_zone", "Asia/Shanghai"}});
  if (!estate.ok()) return estate.status();
  for (int64_t c = 0; c < kCollectors; ++c) {
    auto plan = create("collection_plans", {{"collector", collector_name(c)},
                                            {"month", "2026-12"},
                                            {"daily_visit_target", 20},
                                            {"amount_target", 5000000}});
    if (!plan.ok()) return plan.status();
  }
  int64_t receipt = 0;
  for (int64_t b = 0; b < buildings; ++b) {
    auto building =
        create("buildings", {{"estate", *estate}, {"name", "Block " + std::to_string(b + 1)}});
    if (!building.ok()) return building.status();
    for (int64_t u = 0; u < kHouseholdsPerBuilding; ++u) {
      const std::string number = std::to_string(b + 1) + "-" + std::to_string(101 + u);
      auto unit =
          create("units", {{"building", *building}, {"number", number}, {"floor", 1 + u / 8}});
      if (!unit.ok()) return unit.status();
      const int64_t n = counts.households++;
      auto household =
          create("households", {{"unit", *unit},
                                {"owner_name", "Owner of " + number},
                                {"phones", {"1380000" + std::to_string(1000 + u % 9000)}},
                                {"collector", collector_name(n)}});
      if (!household.ok()) return household.status();
      for (const char* year : {"2024", "2025", "2026"}) {
        auto charge = create("charges", {{"household", *household},
                                         {"fee_item", "property_fee"},
                                         {"period", std::string(year) + "-01"},
                                         {"amount", kYearlyFee},
                                         {"due_date", std::string(year) + "-01-31"}});
        if (!charge.ok()) return charge.status();
      }
      const int64_t kind = n % 10;  // 0-5 paid all, 6-7 two years, 8 one year, 9 nothing
      const int64_t years_paid = kind <= 5 ? 3 : kind <= 7 ? 2 : kind == 8 ? 1 : 0;
      if (years_paid > 0) {
        const int64_t at = shanghai_ms(2026, 1 + n % 11, 1 + n % 28);
        auto paid = create("payments",
                           {{"household", *household},
                            {"amount", years_paid * kYearlyFee},
                            {"method", "cash"},
                            {"collector", collector_name(n)},
                            {"paid_at", at},
                            {"receipt_number", "B-" + std::to_string(++receipt)}},
                           at);
        if (!paid.ok()) return paid.status();
      }
      if (kind >= 6 && n % 7 == 0) {  // a week of visits to some households in arrears
        auto visit =
            create("fee_visits", {{"household", *household},
                                  {"collector", collector_name(n)},
                                  {"visited_at", shanghai_ms(2026, 12, 1 + n % 7)},
                                  {"channel", "door"},
                                  {"outcome", "promised"},
                                  {"promise_date", "2026-12-0" + std::to_string(1 + n % 9)},
                                  {"promise_amount", kYearlyFee}});
        if (!visit.ok()) return visit.status();
      }
    }
  }
  return (*txn)->commit();
}

// Median of `kRuns` runs of `run`, in milliseconds.
Result<double> median_ms(const std::function<Status()>& run) {
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = Timer::now();
    FIELDSYNC_RETURN_IF_ERROR(run());
    ms.push_back(seconds_between(start, Timer::now()) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

Status run(const BenchmarkContext& context) {
  SyncBenchWorld world(context, kName);
  WorldCounts counts;
  const auto built_at = Timer::now();
  FIELDSYNC_RETURN_IF_ERROR(
      build_fee_world(world.file("server.db"), context.scaled(kBuildings), counts));
  report(kName, "households", static_cast<double>(counts.households), "count");
  report(kName, "records", static_cast<double>(counts.records), "count");
  report(kName, "world_build_s", seconds_between(built_at, Timer::now()), "s");

  auto store = server::open_sqlite_server_store(world.file("server.db"));
  if (!store.ok()) return store.status();
  const Schema& schema = Schema::property_management();
  auto load = median_ms([&]() { return server::load_server_figures(**store).status(); });
  if (!load.ok()) return load.status();
  report(kName, "figures_load_ms", *load, "ms");

  auto figures = server::load_server_figures(**store);
  if (!figures.ok()) return figures.status();
  auto report_ms = median_ms([&]() {
    return server::build_office_report(*figures, **store, schema, "2026-12", kAsOf).status();
  });
  if (!report_ms.ok()) return report_ms.status();
  report(kName, "report_ms", *report_ms, "ms");
  size_t in_arrears = 0;
  auto arrears_ms = median_ms([&]() {
    auto list = server::build_arrears_list(*figures, schema, kAsOf, 0);
    if (list.ok()) in_arrears = list->size();
    return list.status();
  });
  if (!arrears_ms.ok()) return arrears_ms.status();
  report(kName, "arrears_ms", *arrears_ms, "ms");
  report(kName, "households_in_arrears", static_cast<double>(in_arrears), "count");

  server::KeptFigures kept(**store);
  auto first_at = Timer::now();
  FIELDSYNC_RETURN_IF_ERROR(kept.use([](const server::ServerFigures&) { return Status(); }));
  report(kName, "kept_first_use_ms", seconds_between(first_at, Timer::now()) * 1000, "ms");
  report(kName, "peak_rss_mib", peak_rss_mib(), "MiB");
  return Status();
}

}  // namespace

FIELDSYNC_BENCHMARK(console_pages, run);

}  // namespace fieldsync::bench
