// Hybrid logical clock stamps: wall milliseconds + counter + node id. Stamps are
// totally ordered (wall, then counter, then node), and their text form sorts the same
// way, so SQL can compare them as strings.
//
// HybridClock is not thread-safe; each DeviceStore owns one and uses it under its
// write transaction.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "fieldsync/clock.h"
#include "fieldsync/status.h"

namespace fieldsync {

struct Stamp {
  int64_t wall_ms = 0;
  uint32_t counter = 0;
  std::string node;

  bool is_zero() const { return wall_ms == 0 && counter == 0 && node.empty(); }
  // "0193a6f27c1e.00000000.node": 12 hex digits, 8 hex digits, node.
  std::string encode() const;
  static Result<Stamp> decode(std::string_view text);

  friend std::strong_ordering operator<=>(const Stamp& a, const Stamp& b) {
    if (auto c = a.wall_ms <=> b.wall_ms; c != 0) return c;
    if (auto c = a.counter <=> b.counter; c != 0) return c;
    return a.node.compare(b.node) <=> 0;
  }
  friend bool operator==(const Stamp&, const Stamp&) = default;
};

class HybridClock {
 public:
  // `last` is the newest stamp this node has issued or seen (persisted by the caller).
  HybridClock(const Clock& clock, std::string node, Stamp last = {});

  // A stamp for a local event, strictly greater than every stamp issued or observed
  // before, even when the wall clock has gone backwards.
  Stamp tick();
  // Folds in a stamp received from elsewhere so later ticks order after it.
  void observe(const Stamp& remote);

  const Stamp& last() const { return last_; }
  const std::string& node() const { return node_; }

 private:
  const Clock& clock_;
  std::string node_;
  Stamp last_;
};

}  // namespace fieldsync
