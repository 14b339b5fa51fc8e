// push_many: the end-of-day push. 50 collectors, each with a phone of their own and a
// building of 20 households, record 200 changes offline (fee visits and payments,
// alternately), then all phones sync against the real server over loopback, from
// kSyncThreads threads at once (each phone on its own transport, each synced once).
// Figure: changes per second at the server, all changes over the wall time from the
// first push starting to the last push ending (a push ends when its sync turns to
// pulling). Afterwards the server must hold exactly the changes made, or the
// benchmark fails.
#include <atomic>
#include <mutex>
#include <thread>

#include "fieldsync/field_work.h"
#include "sync_bench_world.h"

namespace fieldsync::bench {
namespace {

constexpr int64_t kDevices = 50;  // scaled
constexpr int64_t kChangesPerDevice = 200;
constexpr int64_t kHouseholdsPerBuilding = 20;
constexpr int kSyncThreads = 4;
using Timer = std::chrono::steady_clock;

// Records `count` changes offline: a fee visit, then a payment, round the households.
Status record_day(BenchDevice& device, const std::vector<std::string>& households, int64_t count) {
  FieldWork work(*device.store);
  for (int64_t i = 0; i < count; ++i) {
    const std::string& household = households[static_cast<size_t>(i / 2) % households.size()];
    if (i % 2 == 0) {
      FeeVisitInput visit;
      visit.household = household;
      visit.outcome = "paid_full";
      visit.person_met = "owner";
      visit.note = "Paid the November fee at the door";
      auto recorded = work.record_visit(visit);
      if (!recorded.ok()) return recorded.status();
    } else {
      PaymentInput payment;
      payment.household = household;
      payment.amount = 12000;
      payment.periods = {"2026-11"};
      auto recorded = work.record_payment(payment);
      if (!recorded.ok()) return recorded.status();
    }
  }
  return Status();
}

// One phone's sync: when it started, when its push ended, what it reported.
struct Timed {
  Timer::time_point start, push_end, end;
  Result<SyncReport> report = Status::internal("not synced");
};

Timed timed_sync(BenchDevice& device) {
  Timed t;
  t.start = Timer::now();
  bool pulling = false;
  t.report = device.replicator->sync([&](const SyncProgress& progress) {
    if (!pulling && progress.phase == "pull") {
      pulling = true;
      t.push_end = Timer::now();
    }
  });
  t.end = Timer::now();
  if (!pulling) t.push_end = t.end;
  return t;
}

// Syncs every device once, kSyncThreads at a time.
std::vector<Timed> sync_all(std::vector<std::unique_ptr<BenchDevice>>& devices) {
  std::vector<Timed> timings(devices.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kSyncThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < devices.size(); i = next++) timings[i] = timed_sync(*devices[i]);
    });
  }
  for (auto& thread : threads) thread.join();
  return timings;
}

Status check_server(SyncBenchWorld& world, int64_t expected) {
  int64_t held = 0;
  for (const char* collection : {"fee_visits", "payments"}) {
    auto count = world.count_server_records(collection);
    if (!count.ok()) return count.status();
    held += *count;
  }
  if (held != expected) {
    return Status::internal("the server holds " + std::to_string(held) +
                            " visits and payments; the phones made " + std::to_string(expected));
  }
  return Status();
}

Status push_many(const BenchmarkContext& context) {
  const int64_t device_count = context.scaled(kDevices);
  SyncBenchWorld world(context, "push_many");
  auto estate = world.build_estate({device_count, kHouseholdsPerBuilding});
  if (!estate.ok()) return estate.status();
  std::vector<std::string> codes;
  for (int64_t d = 0; d < device_count; ++d) {
    auto code = world.add_staff("collector" + std::to_string(d), "collector",
                                {{"building", estate->buildings[static_cast<size_t>(d)]}});
    if (!code.ok()) return code.status();
    codes.push_back(*code);
  }
  FIELDSYNC_RETURN_IF_ERROR(world.start_server());

  // Each phone pulls its building, then records its day offline.
  std::vector<std::unique_ptr<BenchDevice>> devices;
  for (int64_t d = 0; d < device_count; ++d) {
    auto device = world.enroll("collector" + std::to_string(d), codes[static_cast<size_t>(d)]);
    if (!device.ok()) return device.status();
    auto first = (*device)->replicator->sync();
    if (!first.ok()) return first.status().with_context("first sync");
    FIELDSYNC_RETURN_IF_ERROR(
        record_day(**device, estate->households[static_cast<size_t>(d)], kChangesPerDevice));
    devices.push_back(std::move(device).value());
  }
  std::vector<int64_t> bytes_before;
  for (const auto& device : devices) bytes_before.push_back(device->link->wire_bytes());

  const std::vector<Timed> timings = sync_all(devices);

  Timer::time_point first_start = timings.front().start, last_push_end = timings.front().push_end;
  int64_t applied = 0, retries = 0, wire_bytes = 0;
  Latencies pushes;
  for (size_t i = 0; i < timings.size(); ++i) {
    const Timed& t = timings[i];
    if (!t.report.ok()) return t.report.status().with_context(devices[i]->user + "'s sync");
    if (t.report->applied != kChangesPerDevice || t.report->rejected != 0) {
      return Status::internal(devices[i]->user + ": " + std::to_string(t.report->applied) +
                              " changes applied, " + std::to_string(t.report->rejected) +
                              " rejected");
    }
    first_start = std::min(first_start, t.start);
    last_push_end = std::max(last_push_end, t.push_end);
    applied += t.report->applied;
    retries += t.report->retries;
    wire_bytes += devices[i]->link->wire_bytes() - bytes_before[i];
    pushes.add(t.push_end - t.start);
  }
  devices.clear();
  FIELDSYNC_RETURN_IF_ERROR(check_server(world, device_count * kChangesPerDevice));

  const double seconds = seconds_between(first_start, last_push_end);
  report("push_many", "devices", static_cast<double>(device_count), "count");
  report("push_many", "changes", static_cast<double>(applied), "count");
  report("push_many", "push_seconds", seconds, "s");
  report("push_many", "changes_per_s", static_cast<double>(applied) / seconds, "changes/s");
  report("push_many", "device_push_p50", pushes.percentile_us(50) / 1000.0, "ms");
  report("push_many", "device_push_max", pushes.percentile_us(100) / 1000.0, "ms");
  // Push and the pull that follows it (each phone pulls back its own day).
  report("push_many", "wire_bytes_per_change",
         static_cast<double>(wire_bytes) / static_cast<double>(applied), "bytes");
  report("push_many", "retries", static_cast<double>(retries), "count");
  return Status();
}

}  // namespace

FIELDSYNC_BENCHMARK(push_many, push_many);

}  // namespace fieldsync::bench
