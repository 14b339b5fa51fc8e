// The wall clock, as an interface so tests and simulations can drive time by hand.
// SystemClock is the real one; ManualClock moves only when told to. Both are
// thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace fieldsync {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual int64_t now_ms() const = 0;

  // The process-wide real clock. Never null; lives for the whole program.
  static Clock& system();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void set(int64_t ms) { now_.store(ms); }
  void advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace fieldsync
