// Shrinks a failing simulation run to a small one that still fails the same way, so a
// failure reads as the few steps that cause it instead of a whole trace. It is delta
// debugging (Zeller's ddmin) over the indices of the steps the run plays: each
// candidate is replayed from scratch with the other steps skipped, which SimWorld
// makes deterministic (each step draws from its own random stream). "The same way"
// means a problem of the same kind (problem_kind) as one of the original problems, so
// the shrinking does not wander off to another failure.
//
// Bounded by a number of replays and a time; what it found by then is returned.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "fieldsync/status.h"
#include "sim_world.h"

namespace fieldsync::simulation {

struct ShrinkBudget {
  int max_replays = 300;
  std::chrono::milliseconds max_time{std::chrono::seconds(120)};
};

struct ShrunkRun {
  SimRun run;             // the smallest failing run found: up to its last kept step
  SimOutcome outcome;     // that run's problems and trace
  std::vector<int> kept;  // the steps it plays, ascending
  int replays = 0;        // runs replayed while shrinking
  bool replayed = false;  // the failing run failed again when replayed (else the
                          // failure is not deterministic and nothing was shrunk)
  bool complete = false;  // finished within the budget: skipping any one kept step
                          // more makes the failure go away
};

// `failing` failed with `failed`; the checks included `extra` (may be empty).
ShrunkRun shrink_failure(const SimRun& failing, const SimOutcome& failed,
                         const ExtraInvariant& extra, const ShrinkBudget& budget = {});

// A problem with its ids, stamps and numbers blanked: "c1: lacks payments <id>".
std::string problem_kind(const std::string& problem);

// Step indices as ascending ranges, "0-11,13,15-20"; and back (empty text: none).
std::string format_steps(const std::set<int>& steps);
Result<std::set<int>> parse_steps(const std::string& text);

// The environment that replays `run`: "FIELDSYNC_SIM_SEED=.. FIELDSYNC_SIM_STEPS=.."
// and FIELDSYNC_SIM_SKIP=.. when it skips steps.
std::string replay_environment(const SimRun& run);

}  // namespace fieldsync::simulation
