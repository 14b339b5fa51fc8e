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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

constexpr const char* kPassword = "bench office password";
constexpr std::chrono::milliseconds kAnswerDeadline{300'000};

struct Answer {
  int status = 0;
  std::string text;  // the whole answer, headers and body
};

// One request on a new loopback connection (Connection: close): the answer read to its
// end. Sockets with a receive timeout of kAnswerDeadline.
Answer exchange_once(int port, const std::string& request) {
  Answer answer;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return answer;
  timeval timeout{static_cast<time_t>(kAnswerDeadline.count() / 1000), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.text.append(buffer, n);
  }
  ::close(fd);
  if (answer.text.rfind("HTTP/1.1 ", 0) == 0) answer.status = std::atoi(answer.text.c_str() + 9);
  return answer;
}

int port_of(const std::string& url) {
  return std::stoi(url.substr(url.rfind(':') + 1));
}

// A browser's side of the console: the sign-in with its CSRF token, then GETs with the
// session's cookie, each on a new loopback connection.
class ConsoleBrowser {
 public:
  explicit ConsoleBrowser(int port) : port_(port) {}

  Status sign_in(const std::string& user, const std::string& password) {
    const Answer asked = exchange("GET /v1/office/session HTTP/1.1\r\n" + fixed() + "\r\n");
    const Json token = Json::parse(body_of(asked.text), nullptr, false);
    const std::string signin = cookie_of(asked.text, "fieldsync_signin");
    if (!token.is_object() || signin.empty()) return Status::unavailable("no sign-in token");
    const std::string body = Json{{"user", user}, {"password", password}}.dump();
    const Answer signed_in = exchange(
        "POST /v1/office/session HTTP/1.1\r\n" + fixed() + "Cookie: " + signin +
        "\r\nX-CSRF-Token: " + token.value("csrf", "") +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body);
    session_ = cookie_of(signed_in.text, "fieldsync_session");
    if (signed_in.status != 200 || session_.empty()) {
      return Status::unavailable("sign-in refused: " + signed_in.text.substr(0, 300));
    }
    return Status();
  }

  // The whole answer of GET `path`; an error unless it is 200.
  Result<std::string> get(const std::string& path) {
    const Answer answer =
        exchange("GET " + path + " HTTP/1.1\r\n" + fixed() + "Cookie: " + session_ + "\r\n\r\n");
    if (answer.status != 200) {
      return Status::unavailable("GET " + path + ": " + answer.text.substr(0, 300));
    }
    return answer.text;
  }

 private:
  static std::string fixed() { return "Host: 127.0.0.1\r\nConnection: close\r\n"; }
  static std::string body_of(const std::string& text) {
    const size_t end = text.find("\r\n\r\n");
    return end == std::string::npos ? "" : text.substr(end + 4);
  }
  // "name=value" of the Set-Cookie that sets `name`.
  static std::string cookie_of(const std::string& text, const std::string& name) {
    const size_t at = text.find("Set-Cookie: " + name + "=");
    if (at == std::string::npos) return "";
    const size_t from = at + 12;
    return text.substr(from, text.find(';', from) - from);
  }
  Answer exchange(const std::string& request) const { return exchange_once(port_, request); }

  int port_;
  std::string session_;
};

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
  server::OfficeAdmin office(**store, schema, Clock::system());
  const std::string household = figures->records.of("households").front()->id;
  auto refresh_ms = median_ms([&]() {
    FIELDSYNC_RETURN_IF_ERROR(
        office.edit_record(household, {{"phones", {"13900000000"}}}).status());
    return kept.use([](const server::ServerFigures&) { return Status(); });
  });
  if (!refresh_ms.ok()) return refresh_ms.status();
  report(kName, "kept_refresh_ms", *refresh_ms, "ms");
  report(kName, "peak_rss_mib", peak_rss_mib(), "MiB");

  // Over HTTP: the real server, an office user signed in as a browser does.
  FIELDSYNC_RETURN_IF_ERROR(office.add_user("olga", "office"));
  FIELDSYNC_RETURN_IF_ERROR(office.set_password("olga", kPassword));
  FIELDSYNC_RETURN_IF_ERROR(world.start_server());
  ConsoleBrowser browser(port_of(world.url()));
  FIELDSYNC_RETURN_IF_ERROR(browser.sign_in("olga", kPassword));
  auto page = median_ms([&]() { return browser.get("/").status(); });
  if (!page.ok()) return page.status();
  report(kName, "page_ms", *page, "ms");
  const std::string today = "/v1/office/today?period=2026-12&as_of=" + std::string(kAsOf);
  const std::string arrears = "/v1/office/arrears?limit=100&as_of=" + std::string(kAsOf);
  for (const auto& [metric, path] :
       {std::pair{"today_api_first_ms", today}, std::pair{"arrears_api_first_ms", arrears}}) {
    const auto start = Timer::now();
    FIELDSYNC_RETURN_IF_ERROR(browser.get(path).status());
    report(kName, metric, seconds_between(start, Timer::now()) * 1000, "ms");
  }
  for (const auto& [metric, path] :
       {std::pair{"today_api_ms", today}, std::pair{"arrears_api_ms", arrears}}) {
    auto ms = median_ms([&]() { return browser.get(path).status(); });
    if (!ms.ok()) return ms.status();
    report(kName, metric, *ms, "ms");
  }
  // After a sync wrote a record: the page's figures are made again.
  for (const auto& [metric, path] : {std::pair{"today_api_after_write_ms", today},
                                     std::pair{"arrears_api_after_write_ms", arrears}}) {
    auto ms = median_ms([&]() {
      FIELDSYNC_RETURN_IF_ERROR(
          office.edit_record(household, {{"phones", {"13900000001"}}}).status());
      return browser.get(path).status();
    });
    if (!ms.ok()) return ms.status();
    report(kName, metric, *ms, "ms");
  }
  return Status();
}

}  // namespace

FIELDSYNC_BENCHMARK(console_pages, run);

}  // namespace fieldsync::bench
