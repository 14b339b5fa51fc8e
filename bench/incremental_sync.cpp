// incremental_sync: a phone that already holds the whole estate (the initial_sync
// estate: 100 buildings of 1000 households, 300,101 records, pulled by a first sync
// that is not timed) syncs after ONE change made by another phone. Each repetition:
// the other phone (a collector of the first building) records a fee visit and syncs
// it to the server, then the timed sync of the first phone pulls that one record.
// Figures: the time of that sync, median and p95 over the repetitions.
#include "fieldsync/field_work.h"
#include "sync_bench_world.h"

namespace fieldsync::bench {
namespace {

constexpr int64_t kBuildings = 100;  // scaled
constexpr int64_t kHouseholdsPerBuilding = 1000;
constexpr int64_t kRepetitions = 20;  // scaled, at least kMinRepetitions
constexpr int64_t kMinRepetitions = 5;
using Timer = std::chrono::steady_clock;

// Records one fee visit on `device` and pushes it.
Status make_one_change(BenchDevice& device, const std::string& household) {
  FeeVisitInput visit;
  visit.household = household;
  visit.outcome = "not_home";
  visit.note = "Nobody home; notice left under the door";
  auto recorded = FieldWork(*device.store).record_visit(visit);
  if (!recorded.ok()) return recorded.status();
  auto pushed = device.replicator->sync();
  if (!pushed.ok()) return pushed.status().with_context("the other phone's sync");
  if (pushed->applied != 1) return Status::internal("the other phone's visit was not applied");
  return Status();
}

Status incremental_sync(const BenchmarkContext& context) {
  SyncBenchWorld world(context, "incremental_sync");
  auto estate = world.build_estate({context.scaled(kBuildings), kHouseholdsPerBuilding});
  if (!estate.ok()) return estate.status();
  auto holder_code = world.add_staff("ann", "collector", {{"estate", estate->id}});
  if (!holder_code.ok()) return holder_code.status();
  auto writer_code = world.add_staff("ben", "collector", {{"building", estate->buildings[0]}});
  if (!writer_code.ok()) return writer_code.status();
  FIELDSYNC_RETURN_IF_ERROR(world.start_server());

  auto holder = world.enroll("ann", *holder_code);
  if (!holder.ok()) return holder.status();
  auto first = (*holder)->replicator->sync();
  if (!first.ok()) return first.status().with_context("the first sync");
  if (first->pulled != estate->records) {
    return Status::internal("the first sync pulled " + std::to_string(first->pulled) +
                            " records of " + std::to_string(estate->records));
  }
  auto writer = world.enroll("ben", *writer_code);
  if (!writer.ok()) return writer.status();
  FIELDSYNC_RETURN_IF_ERROR((*writer)->replicator->sync().status());

  Latencies syncs, waits;
  int64_t wire_bytes = 0;
  const int64_t repetitions = std::max(kMinRepetitions, context.scaled(kRepetitions));
  const auto& households = estate->households[0];
  for (int64_t i = 0; i < repetitions; ++i) {
    FIELDSYNC_RETURN_IF_ERROR(
        make_one_change(**writer, households[static_cast<size_t>(i) % households.size()]));
    const int64_t bytes_before = (*holder)->link->wire_bytes();
    const double waiting_before = (*holder)->link->waiting_seconds();
    const auto start = Timer::now();
    auto sync = (*holder)->replicator->sync();
    syncs.add(Timer::now() - start);
    waits.add(std::chrono::duration_cast<Timer::duration>(
        std::chrono::duration<double>((*holder)->link->waiting_seconds() - waiting_before)));
    if (!sync.ok()) return sync.status();
    if (sync->pulled != 1) {
      return Status::internal("the sync pulled " + std::to_string(sync->pulled) +
                              " records, not the one change");
    }
    wire_bytes += (*holder)->link->wire_bytes() - bytes_before;
  }

  report("incremental_sync", "records_held", static_cast<double>(estate->records), "count");
  report("incremental_sync", "repetitions", static_cast<double>(repetitions), "count");
  report("incremental_sync", "sync_p50", syncs.percentile_us(50) / 1000.0, "ms");
  report("incremental_sync", "sync_p95", syncs.percentile_us(95) / 1000.0, "ms");
  report("incremental_sync", "sync_max", syncs.percentile_us(100) / 1000.0, "ms");
  // The part of each sync spent waiting for the server's answer (server, loopback, HTTP
  // client); the rest is the phone's own work.
  report("incremental_sync", "waiting_for_server_p50", waits.percentile_us(50) / 1000.0, "ms");
  report("incremental_sync", "wire_bytes_per_sync",
         static_cast<double>(wire_bytes) / static_cast<double>(repetitions), "bytes");
  return Status();
}

}  // namespace

FIELDSYNC_BENCHMARK(incremental_sync, incremental_sync);

}  // namespace fieldsync::bench
