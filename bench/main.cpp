// fieldsync-bench [--scale=X] [NAME]: runs every registered benchmark, or the one
// named, printing one JSON line per figure. Exit codes: 0 ok, 1 a benchmark failed,
// 2 bad usage (an unknown name is answered with the list of names).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "benchmark.h"

namespace {

using fieldsync::bench::BenchmarkContext;
using fieldsync::bench::registry;

std::string benchmark_names() {
  std::string names;
  for (const auto& [name, run] : registry()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

int usage(const std::string& problem) {
  std::fprintf(stderr,
               "fieldsync-bench: %s\nusage: fieldsync-bench [--scale=X] [NAME]\n"
               "benchmarks: %s\n",
               problem.c_str(), benchmark_names().c_str());
  return 2;
}

bool parse_scale(const char* text, double& scale) {
  char* end = nullptr;
  scale = std::strtod(text, &end);
  return end != text && *end == '\0' && scale > 0;
}

}  // namespace

int main(int argc, char** argv) {
  BenchmarkContext context;
  if (const char* scale = std::getenv("FIELDSYNC_BENCH_SCALE")) {
    if (!parse_scale(scale, context.scale)) return usage("FIELDSYNC_BENCH_SCALE must be > 0");
  }
  if (const char* dir = std::getenv("FIELDSYNC_BENCH_DIR")) context.scratch_root = dir;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--scale=", 0) == 0) {
      if (!parse_scale(arg.c_str() + 8, context.scale)) return usage("--scale must be > 0");
    } else if (arg.rfind("-", 0) == 0 || !only.empty()) {
      return usage("unexpected argument '" + arg + "'");
    } else {
      only = arg;
    }
  }
  if (!only.empty() && registry().count(only) == 0) {
    return usage("unknown benchmark '" + only + "'");
  }
  int exit_code = 0;
  for (const auto& [name, run] : registry()) {
    if (!only.empty() && name != only) continue;
    fieldsync::Status status = run(context);
    if (!status.ok()) {
      std::fprintf(stderr, "fieldsync-bench: %s failed: %s\n", name.c_str(),
                   status.to_string().c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}
