// Runs a program as a child process and captures what it printed: stdout, stderr and
// the exit code. The child gets exactly the environment given (nothing inherited), so
// a test controls variables such as FIELDSYNC_DB. Blocks until the child exits.
#pragma once

#include <string>
#include <vector>

namespace fieldsync::testing {

struct ProcessResult {
  int exit_code = -1;  // the child's exit status; 128 + signal when it was killed
  std::string out;
  std::string err;
};

// Runs `program` with `args` (argv[1..]) and `environment` ("NAME=value" entries).
// A failure to start the child is reported as exit code 127 with the reason in `err`.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& environment = {});

}  // namespace fieldsync::testing
