// Runs the deterministic multi-device simulation over many seeds and checks every
// invariant after each. FIELDSYNC_SIM_SEEDS sets how many seeds (default 500; more for
// a soak), FIELDSYNC_SIM_SEED replays one, FIELDSYNC_SIM_STEPS the steps per seed, and
// FIELDSYNC_SIM_TRACE=1 prints every step.
// A failure prints the seed and the trace of the run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "sim_world.h"

namespace fieldsync::simulation {
namespace {

int64_t env_int(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::atoll(text) : fallback;
}

// A fresh folder on a memory file system when there is one: the simulation is about
// orderings and faults, not about the disk.
std::string fresh_folder(uint64_t seed) {
  const std::filesystem::path root =
      std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
  auto folder = root / ("fieldsync-sim-" + std::to_string(getpid()) + "-" + std::to_string(seed));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder.string();
}

TEST(Simulation, EveryInvariantHoldsAfterQuiescence) {
  const int64_t first = env_int("FIELDSYNC_SIM_SEED", 1);
  const int64_t seeds = std::getenv("FIELDSYNC_SIM_SEED") ? 1 : env_int("FIELDSYNC_SIM_SEEDS", 500);
  const int steps = static_cast<int>(env_int("FIELDSYNC_SIM_STEPS", 60));
  FaultCounts total;
  for (int64_t seed = first; seed < first + seeds; ++seed) {
    const std::string folder = fresh_folder(static_cast<uint64_t>(seed));
    std::vector<std::string> problems, trace;
    {
      SimWorld world(static_cast<uint64_t>(seed), folder);
      Status ran = world.run(steps);
      if (!ran.ok()) problems.push_back("the run failed: " + ran.to_string());
      if (problems.empty()) problems = world.check_invariants();
      trace = world.trace();
      const FaultCounts& f = world.faults();
      total.dropped_requests += f.dropped_requests;
      total.dropped_responses += f.dropped_responses;
      total.duplicated += f.duplicated;
      total.crashes += f.crashes;
      total.server_restarts += f.server_restarts;
      total.skews += f.skews;
      total.reassignments += f.reassignments;
    }
    std::filesystem::remove_all(folder);
    if (std::getenv("FIELDSYNC_SIM_TRACE") != nullptr) {
      for (const auto& line : trace) std::cout << "  " << line << "\n";
    }
    if (!problems.empty()) {
      std::string report = "seed " + std::to_string(seed) + " (replay: FIELDSYNC_SIM_SEED=" + std::to_string(seed) +
                           "):\n";
      for (const auto& p : problems) report += "  " + p + "\n";
      report += "trace:\n";
      for (const auto& line : trace) report += "  " + line + "\n";
      FAIL() << report;
    }
  }
  std::cout << "simulation: " << seeds << " seeds x " << steps << " steps; injected " << total.dropped_requests
            << " lost requests, " << total.dropped_responses << " lost responses, " << total.duplicated
            << " duplicate deliveries, " << total.crashes << " crashes, " << total.server_restarts
            << " server restarts, " << total.skews << " clock skews, " << total.reassignments
            << " reassignments\n";
}

}  // namespace
}  // namespace fieldsync::simulation
