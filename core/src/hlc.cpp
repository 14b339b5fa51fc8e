#include "fieldsync/hlc.h"

#include <cinttypes>
#include <cstdio>
#include <limits>

#include "fieldsync/text_values.h"

namespace fieldsync {

std::string Stamp::encode() const {
  char head[32];
  std::snprintf(head, sizeof head, "%012" PRIx64 ".%08" PRIx32 ".", static_cast<uint64_t>(wall_ms),
                counter);
  return head + node;
}

Result<Stamp> Stamp::decode(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::invalid_argument("'" + utf8_prefix(text, 80) + "' is not a stamp: " + why);
  };
  if (text.size() < 22 || text[12] != '.' || text[21] != '.') {
    return bad("expected 12 hex digits, '.', 8 hex digits, '.', node id");
  }
  auto hex = [](std::string_view digits, uint64_t& out) {
    out = 0;
    for (char c : digits) {
      int v;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else return false;
      out = out * 16 + static_cast<uint64_t>(v);
    }
    return true;
  };
  uint64_t wall = 0, counter = 0;
  if (!hex(text.substr(0, 12), wall) || !hex(text.substr(13, 8), counter)) {
    return bad("wall time and counter must be lower-case hex digits");
  }
  Stamp s;
  s.wall_ms = static_cast<int64_t>(wall);
  s.counter = static_cast<uint32_t>(counter);
  s.node = std::string(text.substr(22));
  if (s.node.empty() || s.node.size() > 64) return bad("node id must have 1 to 64 characters");
  return s;
}

HybridClock::HybridClock(const Clock& clock, std::string node, Stamp last)
    : clock_(clock), node_(std::move(node)), last_(std::move(last)) {}

Stamp HybridClock::tick() {
  const int64_t now = clock_.now_ms();
  if (now > last_.wall_ms) {
    last_.wall_ms = now;
    last_.counter = 0;
  } else if (last_.counter == std::numeric_limits<uint32_t>::max()) {
    // The counter is spent (a stamp from a hostile phone can spend it at once): move to
    // the next millisecond rather than wrap to 0, which would sort before the last.
    ++last_.wall_ms;
    last_.counter = 0;
  } else {
    ++last_.counter;
  }
  last_.node = node_;
  return last_;
}

void HybridClock::observe(const Stamp& remote) {
  if (remote.wall_ms > last_.wall_ms ||
      (remote.wall_ms == last_.wall_ms && remote.counter > last_.counter)) {
    last_.wall_ms = remote.wall_ms;
    last_.counter = remote.counter;
  }
}

}  // namespace fieldsync
