#include "trace_shrinker.h"

#include <algorithm>

namespace fieldsync::simulation {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Whether `text` at `at` has `shape`: 'h' stands for a lower-case hex digit, any other
// character for itself.
bool has_shape(const std::string& text, size_t at, const std::string& shape) {
  if (text.size() - at < shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const char c = text[at + i];
    const bool ok = shape[i] == 'h' ? is_digit(c) || (c >= 'a' && c <= 'f') : c == shape[i];
    if (!ok) return false;
  }
  return true;
}

// 1 to 6 digits: a step index in a step list.
bool is_step_number(const std::string& text) {
  return !text.empty() && text.size() <= 6 && std::all_of(text.begin(), text.end(), is_digit);
}

// The run that plays exactly the steps `kept` (ascending) of `seed`.
SimRun run_keeping(uint64_t seed, const std::vector<int>& kept) {
  SimRun run;
  run.seed = seed;
  run.steps = kept.empty() ? 0 : kept.back() + 1;
  for (int i = 0, k = 0; i < run.steps; ++i) {
    if (kept[static_cast<size_t>(k)] == i) {
      ++k;
    } else {
      run.skipped.insert(i);
    }
  }
  return run;
}

// Replays candidates within the budget, remembering the smallest one that failed.
class Shrinker {
 public:
  Shrinker(const SimRun& failing, const SimOutcome& failed, const ExtraInvariant& extra,
           const ShrinkBudget& budget)
      : seed_(failing.seed),
        extra_(extra),
        budget_(budget),
        deadline_(SteadyClock::now() + budget.max_time) {
    for (const auto& p : failed.problems) kinds_.insert(problem_kind(p));
    for (int i = 0; i < failing.steps; ++i) {
      if (!failing.skipped.count(i)) best_.kept.push_back(i);
    }
    best_.run = failing;
    best_.outcome = failed;
  }

  bool out_of_budget() const {
    return best_.replays >= budget_.max_replays || SteadyClock::now() >= deadline_;
  }

  // Whether the run playing `kept` fails the same way; keeps it as the best if so.
  bool fails(const std::vector<int>& kept) {
    ++best_.replays;
    SimRun run = run_keeping(seed_, kept);
    SimOutcome outcome = run_simulation(run, extra_);
    const bool same =
        std::any_of(outcome.problems.begin(), outcome.problems.end(),
                    [&](const std::string& p) { return kinds_.count(problem_kind(p)) > 0; });
    if (same && kept.size() < best_.kept.size()) {
      best_.kept = kept;
      best_.run = std::move(run);
      best_.outcome = std::move(outcome);
    }
    return same;
  }

  // ddmin: try each of n chunks alone, then each complement; on a failure keep it and
  // start over coarser, else split finer, until single steps cannot be removed.
  ShrunkRun shrink() {
    best_.replayed = fails(best_.kept);
    if (!best_.replayed) return best_;  // not deterministic: nothing to shrink
    if (!best_.kept.empty() && !out_of_budget() && fails({})) return finished();
    std::vector<int> steps = best_.kept;
    size_t n = 2;
    while (steps.size() >= 2) {
      const std::vector<std::vector<int>> chunks = split(steps, n);
      bool reduced = false;
      for (size_t i = 0; i < chunks.size() && !reduced; ++i) {
        if (out_of_budget()) return best_;
        if (fails(chunks[i])) {
          steps = chunks[i];
          n = 2;
          reduced = true;
        }
      }
      for (size_t i = 0; i < chunks.size() && !reduced && chunks.size() > 2; ++i) {
        if (out_of_budget()) return best_;
        std::vector<int> complement;
        for (size_t j = 0; j < chunks.size(); ++j) {
          if (j != i) complement.insert(complement.end(), chunks[j].begin(), chunks[j].end());
        }
        std::sort(complement.begin(), complement.end());
        if (fails(complement)) {
          steps = complement;
          n = std::max<size_t>(n - 1, 2);
          reduced = true;
        }
      }
      if (reduced) continue;
      if (n >= steps.size()) break;
      n = std::min(n * 2, steps.size());
    }
    return finished();
  }

 private:
  static std::vector<std::vector<int>> split(const std::vector<int>& steps, size_t n) {
    std::vector<std::vector<int>> chunks;
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t end = start + (steps.size() - start) / (n - i);
      chunks.emplace_back(steps.begin() + static_cast<std::ptrdiff_t>(start),
                          steps.begin() + static_cast<std::ptrdiff_t>(end));
      start = end;
    }
    return chunks;
  }

  ShrunkRun finished() {
    best_.complete = true;
    return best_;
  }

  uint64_t seed_;
  const ExtraInvariant& extra_;
  ShrinkBudget budget_;
  SteadyClock::time_point deadline_;
  std::set<std::string> kinds_;
  ShrunkRun best_;
};

}  // namespace

ShrunkRun shrink_failure(const SimRun& failing, const SimOutcome& failed,
                         const ExtraInvariant& extra, const ShrinkBudget& budget) {
  return Shrinker(failing, failed, extra, budget).shrink();
}

std::string problem_kind(const std::string& problem) {
  static const std::string kId = "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
  static const std::string kStamp = "hhhhhhhhhhhh.hhhhhhhh.";
  std::string kind;
  for (size_t i = 0; i < problem.size();) {
    if (has_shape(problem, i, kId)) {
      kind += "<id>";
      i += kId.size();
    } else if (has_shape(problem, i, kStamp)) {
      kind += "<stamp>.";
      i += kStamp.size();
    } else if (is_digit(problem[i]) && (i == 0 || !is_word(problem[i - 1]))) {
      size_t end = i;
      while (end < problem.size() && is_digit(problem[end])) ++end;
      const bool whole = end == problem.size() || !is_word(problem[end]);
      kind += whole ? std::string("N") : problem.substr(i, end - i);
      i = end;
    } else {
      kind += problem[i++];
    }
  }
  return kind;
}

std::string format_steps(const std::set<int>& steps) {
  std::string text;
  for (auto it = steps.begin(); it != steps.end();) {
    const int first = *it;
    int last = first;
    for (++it; it != steps.end() && *it == last + 1; ++it) last = *it;
    if (!text.empty()) text += ",";
    text += std::to_string(first);
    if (last != first) text += "-" + std::to_string(last);
  }
  return text;
}

Result<std::set<int>> parse_steps(const std::string& text) {
  std::set<int> steps;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    const size_t dash = part.find('-');
    const std::string first_text = part.substr(0, dash);
    const std::string last_text = dash == std::string::npos ? first_text : part.substr(dash + 1);
    if (!is_step_number(first_text) || !is_step_number(last_text)) {
      return Status::invalid_argument("step list: '" + part +
                                      "' is not a step or a range like 3-7");
    }
    const int first = std::stoi(first_text);
    const int last = std::stoi(last_text);
    if (last < first)
      return Status::invalid_argument("step list: the range '" + part + "' runs backwards");
    for (int i = first; i <= last; ++i) steps.insert(i);
    start = comma + 1;
  }
  return steps;
}

std::string replay_environment(const SimRun& run) {
  std::string env = "FIELDSYNC_SIM_SEED=" + std::to_string(run.seed) +
                    " FIELDSYNC_SIM_STEPS=" + std::to_string(run.steps);
  if (!run.skipped.empty()) env += " FIELDSYNC_SIM_SKIP=" + format_steps(run.skipped);
  return env;
}

}  // namespace fieldsync::simulation
