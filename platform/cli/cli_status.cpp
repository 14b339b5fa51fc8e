#include "cli/cli_status.h"

namespace fieldsync::cli {

ExitCode exit_code_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return ExitCode::kOk;
    case StatusCode::kInvalidArgument:
      return ExitCode::kInvalidInput;
    case StatusCode::kNotFound:
      return ExitCode::kNotFound;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return ExitCode::kRefused;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
      return ExitCode::kDatabase;
    case StatusCode::kUnavailable:
      return ExitCode::kUnreachable;
    case StatusCode::kPermissionDenied:
      return ExitCode::kDenied;
    case StatusCode::kInternal:
      return ExitCode::kInternal;
  }
  return ExitCode::kInternal;
}

CliStatus::CliStatus(Status status) : status_(std::move(status)) {
  exit_code_ = exit_code_for(status_.code());
}

CliStatus CliStatus::usage(std::string message) {
  return CliStatus(Status::invalid_argument(std::move(message)), ExitCode::kUsage);
}

CliStatus CliStatus::database(Status status) {
  if (status.ok()) return CliStatus();
  const ExitCode exit_code =
      status.code() == StatusCode::kNotFound ? ExitCode::kNotFound : ExitCode::kDatabase;
  return CliStatus(std::move(status), exit_code);
}

}  // namespace fieldsync::cli
