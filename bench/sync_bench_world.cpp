#include "sync_bench_world.h"

#include <cstdlib>
#include <fstream>

#include "fieldsync/id.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/server_store.h"

#ifndef FIELDSYNC_SERVER_PATH
#error "FIELDSYNC_SERVER_PATH must name the fieldsync-server binary (see bench/CMakeLists.txt)"
#endif

namespace fieldsync::bench {
namespace {

const Schema& schema() {
  return Schema::property_management();
}

// Creates every record of one building: the building, then a unit, a household and a
// charge per household.
Status build_building(server::OfficeAdmin& office, server::ServerTransaction& txn,
                      const std::string& estate, int64_t index, int64_t households, Estate& out) {
  const std::string building = new_id();
  const std::string name = "Block " + std::to_string(index + 1);
  auto created =
      office.create_record_in(txn, "buildings", {{"estate", estate}, {"name", name}}, building);
  if (!created.ok()) return created.status();
  out.buildings.push_back(building);
  out.households.emplace_back();
  for (int64_t u = 0; u < households; ++u) {
    const std::string unit = new_id(), household = new_id();
    const std::string number = std::to_string(index + 1) + "-" + std::to_string(101 + u);
    created = office.create_record_in(
        txn, "units", {{"building", building}, {"number", number}, {"floor", 1 + u / 8}}, unit);
    if (!created.ok()) return created.status();
    created = office.create_record_in(txn, "households",
                                      {{"unit", unit},
                                       {"owner_name", "Owner of " + number},
                                       {"phones", {"1380000" + std::to_string(1000 + u % 9000)}},
                                       {"collector", "ann"}},
                                      household);
    if (!created.ok()) return created.status();
    created = office.create_record_in(txn, "charges",
                                      {{"household", household},
                                       {"fee_item", "property_fee"},
                                       {"period", "2026-11"},
                                       {"amount", 12000},
                                       {"due_date", "2026-11-30"}},
                                      "");
    if (!created.ok()) return created.status();
    out.households.back().push_back(household);
  }
  out.records += 1 + 3 * households;
  return Status();
}

}  // namespace

Result<HttpResponse> CountingTransport::send(const HttpRequest& request) {
  request_bytes_ += static_cast<int64_t>(request.body.size());
  const auto start = std::chrono::steady_clock::now();
  auto response = inner_.send(request);
  waiting_seconds_ += seconds_between(start, std::chrono::steady_clock::now());
  if (response.ok()) response_bytes_ += static_cast<int64_t>(response->body.size());
  return response;
}

SyncBenchWorld::SyncBenchWorld(const BenchmarkContext& context, const std::string& name)
    : dir_(context, name) {}

SyncBenchWorld::~SyncBenchWorld() {
  if (server_) server_->stop();
}

Result<Estate> SyncBenchWorld::build_estate(const EstateShape& shape) {
  auto store = server::open_sqlite_server_store(file("server.db"));
  if (!store.ok()) return store.status();
  server::OfficeAdmin office(**store, schema(), Clock::system());
  auto txn = (*store)->begin(/*write=*/true);
  if (!txn.ok()) return txn.status();
  Estate estate;
  estate.id = new_id();
  auto created = office.create_record_in(**txn, "estates", {{"name", "Riverside"}}, estate.id);
  if (!created.ok()) return created.status();
  estate.records = 1;
  for (int64_t b = 0; b < shape.buildings; ++b) {
    FIELDSYNC_RETURN_IF_ERROR(
        build_building(office, **txn, estate.id, b, shape.households_per_building, estate));
  }
  FIELDSYNC_RETURN_IF_ERROR((*txn)->commit());
  return estate;
}

Result<std::string> SyncBenchWorld::add_staff(const std::string& user, const std::string& role,
                                              const std::vector<Assignment>& assignments) {
  auto store = server::open_sqlite_server_store(file("server.db"));
  if (!store.ok()) return store.status();
  server::OfficeAdmin office(**store, schema(), Clock::system());
  FIELDSYNC_RETURN_IF_ERROR(office.add_user(user, role));
  for (const auto& [kind, target] : assignments) {
    FIELDSYNC_RETURN_IF_ERROR(office.assign(user, kind, target));
  }
  return office.issue_enrollment_code(user);
}

Status SyncBenchWorld::start_server() {
  auto server = ServerProcess::start(FIELDSYNC_SERVER_PATH, file("server.db"));
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  return Status();
}

const std::string& SyncBenchWorld::url() const {
  static const std::string kNone;
  return server_ ? server_->url() : kNone;
}

Result<std::unique_ptr<BenchDevice>> SyncBenchWorld::enroll(const std::string& user,
                                                            const std::string& code) {
  return enroll_device(url(), user, code, file(user + ".db"));
}

Result<int64_t> SyncBenchWorld::count_server_records(const std::string& collection) {
  auto store = server::open_sqlite_server_store(file("server.db"));
  if (!store.ok()) return store.status();
  auto txn = (*store)->begin(/*write=*/false);
  if (!txn.ok()) return txn.status();
  int64_t count = 0;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record(collection, [&](const server::StoredRecord&) {
    ++count;
    return true;
  }));
  return count;
}

Result<std::unique_ptr<BenchDevice>> enroll_device(const std::string& url, const std::string& user,
                                                   const std::string& code,
                                                   const std::string& db_path) {
  auto device = std::make_unique<BenchDevice>();
  device->user = user;
  auto http = CpprestTransport::create(url);
  if (!http.ok()) return http.status();
  device->http = std::move(http).value();
  device->link = std::make_unique<CountingTransport>(*device->http);
  auto enrollment = request_enrollment(*device->link, code, schema().version());
  if (!enrollment.ok()) return enrollment.status();
  auto store = DeviceStore::create(db_path, {enrollment->device_code, user, ""});
  if (!store.ok()) return store.status();
  device->store = std::move(store).value();
  FIELDSYNC_RETURN_IF_ERROR(adopt_enrollment(*device->store, *enrollment, url));
  device->replicator = std::make_unique<Replicator>(*device->store, *device->link);
  return device;
}

double peak_rss_mib() {
  // VmHWM, the high-water mark of this process's own memory map. Not getrusage's
  // ru_maxrss: Linux carries that over exec from the parent's map (posix_spawn shares
  // the parent's memory until the exec), so a spawned device would report the
  // benchmark parent's peak whenever that was larger.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return -1;
}

}  // namespace fieldsync::bench
