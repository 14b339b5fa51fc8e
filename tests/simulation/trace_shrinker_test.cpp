// The shrinking of failing simulation runs: replays are deterministic, step lists
// round-trip through the replay command, and a planted failure shrinks to the few
// steps that cause it, which still fail when replayed.
#include "trace_shrinker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace fieldsync::simulation {
namespace {

constexpr char kPlanted[] = "planted: payments from two phones";

// A failure planted for the test: payments recorded by two different phones (their
// receipt numbers start with the phone's code) on the server. It takes at least two
// steps: a payment by one collector and a payment by another.
std::vector<std::string> payments_from_one_phone(const std::map<std::string, Record>& server) {
  std::set<std::string> phones;
  for (const auto& [id, record] : server) {
    if (record.collection != "payments") continue;
    const std::string receipt = record.fields.value("receipt_number", "");
    phones.insert(receipt.substr(0, receipt.find('-')));
  }
  return phones.size() > 1 ? std::vector<std::string>{kPlanted} : std::vector<std::string>{};
}

bool has_planted(const SimOutcome& outcome) {
  return std::find(outcome.problems.begin(), outcome.problems.end(), kPlanted) !=
         outcome.problems.end();
}

size_t lines_saying(const std::vector<std::string>& trace, const std::string& what) {
  return static_cast<size_t>(
      std::count_if(trace.begin(), trace.end(), [&](const std::string& line) {
        return line.rfind("step ", 0) == 0 && line.find(what) != std::string::npos;
      }));
}

TEST(TraceShrinker, StepListsRoundTripThroughTheReplayCommand) {
  EXPECT_EQ(format_steps({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
  EXPECT_EQ(format_steps({}), "");
  EXPECT_EQ(*parse_steps("0-2,5,7-8"), (std::set<int>{0, 1, 2, 5, 7, 8}));
  EXPECT_TRUE(parse_steps("")->empty());
  EXPECT_FALSE(parse_steps("3-1").ok());
  EXPECT_FALSE(parse_steps("3,,4").ok());
  EXPECT_FALSE(parse_steps("x").ok());
  SimRun run;
  run.seed = 7;
  run.steps = 12;
  run.skipped = {0, 1, 2, 3, 9};
  EXPECT_EQ(replay_environment(run),
            "FIELDSYNC_SIM_SEED=7 FIELDSYNC_SIM_STEPS=12 FIELDSYNC_SIM_SKIP=0-3,9");
}

TEST(TraceShrinker, ProblemKindsIgnoreIdsStampsAndNumbers) {
  EXPECT_EQ(problem_kind("c1: lacks payments 0193a6f2-7c1e-7abc-8def-0123456789ab"),
            "c1: lacks payments <id>");
  EXPECT_EQ(problem_kind("the server has 12 payments, the phones recorded 11"),
            "the server has N payments, the phones recorded N");
  EXPECT_EQ(problem_kind("stamp 0193a6f27c1e.0000000a.simc1"), "stamp <stamp>.simc1");
  EXPECT_NE(problem_kind("c1: lacks payments x"), problem_kind("c2: lacks payments x"));
}

// What shrinking stands on: the same run, with the same steps skipped, plays the same.
TEST(TraceShrinker, ARunWithStepsSkippedReplaysTheSame) {
  SimRun run;
  run.seed = 11;
  run.steps = 30;
  run.skipped = {2, 3, 17};
  const SimOutcome first = run_simulation(run);
  const SimOutcome second = run_simulation(run);
  EXPECT_EQ(first.trace, second.trace);
  EXPECT_EQ(lines_saying(first.trace, "step 17:"), 0u);
  EXPECT_GT(lines_saying(first.trace, "step 16:"), 0u);
}

TEST(TraceShrinker, APlantedFailureShrinksToTheStepsThatCauseItAndStillFailsWhenReplayed) {
  SimRun full;
  full.steps = 40;
  SimOutcome failed;
  for (full.seed = 1; full.seed <= 20 && !has_planted(failed); ++full.seed)
    failed = run_simulation(full, payments_from_one_phone);
  --full.seed;
  ASSERT_TRUE(has_planted(failed))
      << "no seed in 1..20 had payments by two phones in " << full.steps << " steps";

  const ShrunkRun shrunk = shrink_failure(full, failed, payments_from_one_phone);
  ASSERT_TRUE(shrunk.replayed);
  ASSERT_TRUE(shrunk.complete) << "budget spent after " << shrunk.replays << " replays";
  EXPECT_LT(shrunk.kept.size(), static_cast<size_t>(full.steps));
  // Two payments by two collectors, nothing else.
  EXPECT_EQ(shrunk.kept.size(), 2u) << ::testing::PrintToString(shrunk.outcome.trace);
  EXPECT_EQ(lines_saying(shrunk.outcome.trace, " payment"), 2u)
      << ::testing::PrintToString(shrunk.outcome.trace);

  // Replayed from its command's step list, it fails the same way...
  SimRun replay;
  replay.seed = shrunk.run.seed;
  replay.steps = shrunk.run.steps;
  replay.skipped = *parse_steps(format_steps(shrunk.run.skipped));
  EXPECT_EQ(replay.steps, shrunk.kept.back() + 1);
  const SimOutcome replayed = run_simulation(replay, payments_from_one_phone);
  EXPECT_TRUE(has_planted(replayed));
  EXPECT_EQ(replayed.trace, shrunk.outcome.trace);
  // ...and it is minimal: leaving out any one of its steps more, it passes.
  for (int step : shrunk.kept) {
    SimRun without = replay;
    without.skipped.insert(step);
    EXPECT_FALSE(has_planted(run_simulation(without, payments_from_one_phone)))
        << "step " << step << " is not needed";
  }
}

}  // namespace
}  // namespace fieldsync::simulation
