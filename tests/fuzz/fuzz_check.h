// What every fuzz target checks besides "no crash, no sanitizer report": the
// FUZZ_CHECK assertion, and that an error fieldsync produces about UTF-8 input can be
// sent to a device (in an ErrorBody, as a push result's reason): its message is valid
// UTF-8 too, since the JSON encoder throws on anything else. (Messages may quote input
// that is not UTF-8, from a command line or a CSV file, as it was given.)
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fieldsync/status.h"
#include "fieldsync/text_values.h"

// Fails the fuzz run (abort: libFuzzer saves the input) when `condition` is false.
#define FUZZ_CHECK(condition, what)                                                      \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #condition, std::string(what).c_str());                               \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

namespace fieldsync::fuzz {

// A refusal a caller can show: not ok, a message, and every text of it valid UTF-8
// when the input was.
inline void check_refusal(const Status& status, const std::string& where, bool input_was_utf8) {
  FUZZ_CHECK(!status.ok(), where + ": a refusal must not be ok");
  FUZZ_CHECK(!status.message().empty(), where + ": a refusal says why");
  if (!input_was_utf8) return;
  FUZZ_CHECK(is_valid_utf8(status.message()),
             where + ": message is not UTF-8: " + status.message());
  for (const auto& detail : status.details()) {
    FUZZ_CHECK(is_valid_utf8(detail), where + ": detail is not UTF-8: " + detail);
  }
}

}  // namespace fieldsync::fuzz
