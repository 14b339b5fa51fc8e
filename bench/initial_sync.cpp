// initial_sync: a fresh phone's first sync of a whole estate against the real server
// over loopback. The server holds 100 buildings of 1000 households (a unit, a
// household and a charge each: 300,101 records, built in one server transaction
// before the server starts); a collector assigned to the estate enrolls a new device
// and syncs once. Figures: records pulled per second of the sync's wall time, body
// bytes on the wire per record (requests and responses, without HTTP headers), and
// the device's peak memory.
//
// The device runs in a process of its own, so that its peak memory is the device's
// alone: this binary started again as `fieldsync-bench initial_sync` with
// FIELDSYNC_BENCH_INITIAL_SYNC_DEVICE set to what the device needs (server, code,
// database). That process enrolls, syncs, and prints one JSON line of its own figures
// (its peak memory included, as VmHWM: see peak_rss_mib), which the parent reports. A
// fresh exec rather than a fork, because cpprestsdk's thread pool must not be inherited
// half-made.

#include <filesystem>

#include "sync_bench_world.h"

extern char** environ;

namespace fieldsync::bench {
namespace {

constexpr int64_t kBuildings = 100;  // scaled
constexpr int64_t kHouseholdsPerBuilding = 1000;
constexpr const char* kDeviceVariable = "FIELDSYNC_BENCH_INITIAL_SYNC_DEVICE";
using Timer = std::chrono::steady_clock;

// The device process: enroll, sync once, print the figures as one JSON line.
Status run_device(const std::string& spec_text) {
  const Json spec = Json::parse(spec_text, nullptr, false);
  if (!spec.is_object())
    return Status::invalid_argument(std::string(kDeviceVariable) + " is not JSON");
  auto device = enroll_device(spec.value("url", ""), spec.value("user", ""), spec.value("code", ""),
                              spec.value("db", ""));
  if (!device.ok()) return device.status();
  const double rss_before_mib = peak_rss_mib();
  const int64_t bytes_before = (*device)->link->wire_bytes();
  const double waiting_before = (*device)->link->waiting_seconds();
  const auto start = Timer::now();
  auto sync = (*device)->replicator->sync();
  const auto end = Timer::now();
  if (!sync.ok()) return sync.status().with_context("initial sync");
  auto held = (*device)->store->query("SELECT count(*) FROM records", {});
  if (!held.ok()) return held.status();
  const Json figures = {{"pulled", sync->pulled},
                        {"held", held->at(0)[0]},
                        {"pages", sync->pull_pages},
                        {"retries", sync->retries},
                        {"seconds", seconds_between(start, end)},
                        {"wire_bytes", (*device)->link->wire_bytes() - bytes_before},
                        {"waiting_seconds", (*device)->link->waiting_seconds() - waiting_before},
                        {"rss_before_sync_mib", rss_before_mib},
                        {"peak_rss_mib", peak_rss_mib()}};
  std::printf("%s\n", figures.dump().c_str());
  std::fflush(stdout);
  return Status();
}

// Runs the device process and returns the figures it printed.
Result<Json> run_device_process(const Json& spec) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::io_error("cannot find this executable: " + ec.message());
  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable)
    environment.push_back(*variable);
  environment.push_back(std::string(kDeviceVariable) + "=" + spec.dump());
  ProcessResult device = run_process(self, {"initial_sync"}, environment);
  if (device.exit_code != 0) {
    return Status::internal("the device process failed (exit " + std::to_string(device.exit_code) +
                            "): " + device.err);
  }
  const size_t last_line = device.out.find_last_of('\n', device.out.size() - 2);
  const Json figures = Json::parse(
      device.out.substr(last_line == std::string::npos ? 0 : last_line + 1), nullptr, false);
  if (!figures.is_object()) return Status::internal("the device process printed: " + device.out);
  return figures;
}

Status initial_sync(const BenchmarkContext& context) {
  if (const char* spec = std::getenv(kDeviceVariable)) return run_device(spec);

  SyncBenchWorld world(context, "initial_sync");
  auto estate = world.build_estate({context.scaled(kBuildings), kHouseholdsPerBuilding});
  if (!estate.ok()) return estate.status();
  auto code = world.add_staff("ann", "collector", {{"estate", estate->id}});
  if (!code.ok()) return code.status();
  FIELDSYNC_RETURN_IF_ERROR(world.start_server());

  auto figures = run_device_process(
      {{"url", world.url()}, {"user", "ann"}, {"code", *code}, {"db", world.file("ann.db")}});
  if (!figures.ok()) return figures.status();
  const int64_t pulled = figures->value("pulled", int64_t{0});
  const int64_t held = figures->value("held", int64_t{0});
  if (pulled != estate->records || held != estate->records) {
    return Status::internal("the device pulled " + std::to_string(pulled) + " and holds " +
                            std::to_string(held) + " records; the server has " +
                            std::to_string(estate->records));
  }
  const double seconds = figures->value("seconds", 0.0);
  const double records = static_cast<double>(pulled);
  report("initial_sync", "records", records, "count");
  report("initial_sync", "pull_pages", figures->value("pages", 0.0), "count");
  report("initial_sync", "sync_seconds", seconds, "s");
  report("initial_sync", "records_per_s", records / seconds, "records/s");
  // The sync's time split: waiting for answers (server, loopback, HTTP client) and the
  // rest (decoding pages and applying them to the device database).
  report("initial_sync", "waiting_for_server_seconds", figures->value("waiting_seconds", 0.0), "s");
  report("initial_sync", "wire_bytes_per_record", figures->value("wire_bytes", 0.0) / records,
         "bytes");
  report("initial_sync", "device_rss_before_sync_mib", figures->value("rss_before_sync_mib", 0.0),
         "MiB");
  report("initial_sync", "device_peak_rss_mib", figures->value("peak_rss_mib", 0.0), "MiB");
  report("initial_sync", "retries", figures->value("retries", 0.0), "count");
  return Status();
}

}  // namespace

FIELDSYNC_BENCHMARK(initial_sync, initial_sync);

}  // namespace fieldsync::bench
