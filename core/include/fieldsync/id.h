// Record and change identifiers: UUIDs in the version 7 layout (48 bits of Unix
// milliseconds, then random bits), so ids created later sort later and index well.
// Ids travel as canonical lower-case text ("0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b").
#pragma once

#include <string>
#include <string_view>

#include "fieldsync/clock.h"
#include "fieldsync/status.h"

namespace fieldsync {

// A new version 7 UUID stamped with `clock`'s time. Thread-safe.
std::string new_id(const Clock& clock = Clock::system());

// Checks that `text` is a UUID (8-4-4-4-12 hex digits, either case) and returns it in
// canonical lower case; anything else is an invalid_argument naming what is wrong.
Result<std::string> parse_id(std::string_view text);

// The Unix milliseconds in a version 7 id (0 for ids of other versions).
int64_t id_time_ms(std::string_view canonical_id);

}  // namespace fieldsync
