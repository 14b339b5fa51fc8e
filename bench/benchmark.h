// The benchmark registry of fieldsync-bench. Each benchmark is one file that
// registers a function under a stable name with FIELDSYNC_BENCHMARK; main.cpp runs
// them all or the one named. A benchmark prints its figures with report(), one JSON
// line per figure on stdout, and returns a non-ok Status when it cannot run.
// Registration happens during static initialisation; nothing here is thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync::bench {

struct BenchmarkContext {
  // Multiplies each benchmark's default operation counts (FIELDSYNC_BENCH_SCALE or
  // --scale=X); 0.1 gives a quick smoke run.
  double scale = 1.0;
  // Where benchmarks make their scratch folders (FIELDSYNC_BENCH_DIR, else the
  // system temp folder); put it on the disk whose speed you want to measure.
  std::filesystem::path scratch_root = std::filesystem::temp_directory_path();

  int64_t scaled(int64_t count) const {
    return std::max<int64_t>(1, std::llround(static_cast<double>(count) * scale));
  }
};

using BenchmarkFn = Status (*)(const BenchmarkContext&);

// Benchmark name -> function, sorted by name.
inline std::map<std::string, BenchmarkFn>& registry() {
  static std::map<std::string, BenchmarkFn> benchmarks;
  return benchmarks;
}

struct Registration {
  Registration(const char* name, BenchmarkFn run) { registry().emplace(name, run); }
};

// Registers `fn` as the benchmark `name` (an identifier, used on the command line).
#define FIELDSYNC_BENCHMARK(name, fn) \
  static const ::fieldsync::bench::Registration fieldsync_benchmark_##name(#name, fn)

// Prints {"benchmark":..,"metric":..,"value":..,"unit":..} and a newline, flushed.
inline void report(const std::string& benchmark, const std::string& metric, double value,
                   const std::string& unit) {
  const nlohmann::json line = {
      {"benchmark", benchmark}, {"metric", metric}, {"value", value}, {"unit", unit}};
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

// Per-operation latencies of one kind of operation.
class Latencies {
 public:
  void add(std::chrono::steady_clock::duration d) {
    samples_us_.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  size_t count() const { return samples_us_.size(); }
  double total_s() const {
    double sum = 0;
    for (double us : samples_us_) sum += us;
    return sum / 1e6;
  }
  double per_second() const { return static_cast<double>(count()) / total_s(); }
  // The p-th percentile (0..100) in microseconds, nearest rank.
  double percentile_us(double p) const {
    std::vector<double> sorted = samples_us_;
    std::sort(sorted.begin(), sorted.end());
    const auto rank =
        static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
  }

 private:
  std::vector<double> samples_us_;
};

// A fresh folder under the context's scratch root, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(const BenchmarkContext& context, const std::string& name) {
    std::random_device rd;
    path_ = context.scratch_root / ("fieldsync-bench-" + name + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace fieldsync::bench
