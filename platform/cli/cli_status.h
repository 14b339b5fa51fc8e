// How a command ends: ok, or a Status and the process exit code it maps to. Every
// StatusCode maps to an exit code in exit_code_for(); the only other ways to fail are
// a usage error (the command line itself is wrong) and a database that cannot be
// opened, which are named explicitly where they happen.
#pragma once

#include <string>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync::cli {

enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,      // a bug: an invariant did not hold
  kUsage = 2,         // unknown command or option, missing argument, malformed option
  kInvalidInput = 3,  // the values given failed validation; nothing was written
  kNotFound = 4,      // the record, or the database file, does not exist
  kDatabase = 5,      // not a fieldsync database, damaged, newer layout, I/O error
  kRefused = 6,       // the record's state refuses it (already voided, cannot go back, exists)
  kUnreachable = 7,   // the server could not be reached or is busy; retry later, nothing is lost
  kDenied = 8,        // the role may not make the change, or the server refused this device
};

// The one mapping from a StatusCode to the exit code a script sees.
ExitCode exit_code_for(StatusCode code);

class [[nodiscard]] CliStatus {
 public:
  CliStatus() = default;     // ok
  CliStatus(Status status);  // NOLINT: implicit by design; exit code by exit_code_for()

  // The command line is wrong (exit 2); `message` says what and how to fix it.
  static CliStatus usage(std::string message);
  // Opening the database failed: exit 4 when there is no file, otherwise 5, whatever
  // the code (an empty file, another application's database, a newer layout).
  static CliStatus database(Status status);

  bool ok() const { return exit_code_ == ExitCode::kOk; }
  ExitCode exit_code() const { return exit_code_; }
  const Status& status() const { return status_; }

 private:
  CliStatus(Status status, ExitCode exit_code)
      : status_(std::move(status)), exit_code_(exit_code) {}

  Status status_;
  ExitCode exit_code_ = ExitCode::kOk;
};

}  // namespace fieldsync::cli

// Returns early from the enclosing function when `expr` yields a non-ok CliStatus.
#define FIELDSYNC_CLI_RETURN_IF_ERROR(expr)           \
  do {                                                \
    ::fieldsync::cli::CliStatus _cli_status = (expr); \
    if (!_cli_status.ok()) return _cli_status;        \
  } while (false)
