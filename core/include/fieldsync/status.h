// Errors are values. A Status carries a code, a message a person can act on, the
// individual problems behind it (one per field for validation), and whether retrying
// the same operation later may succeed. Result<T> holds either a value or a non-ok
// Status. Neither type throws; both are cheap to move and safe to copy.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fieldsync {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the input is wrong; fix it and try again
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // creating something that is already there
  kFailedPrecondition,  // the system is not in a state that allows this
  kCorruption,          // stored data is damaged or is not ours
  kIOError,             // the file system or database refused
  kUnavailable,         // a peer could not be reached; retryable
  kPermissionDenied,    // the caller may not do this
  kInternal,            // a bug: an invariant did not hold
};

// The stable lower-case name of a code ("invalid_argument"), used in JSON errors.
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string message, std::vector<std::string> details = {}) {
    return Status(StatusCode::kInvalidArgument, std::move(message), std::move(details));
  }
  static Status not_found(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status already_exists(std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  static Status failed_precondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status io_error(std::string message, bool retryable = false) {
    Status s(StatusCode::kIOError, std::move(message));
    s.retryable_ = retryable;
    return s;
  }
  static Status unavailable(std::string message) {
    Status s(StatusCode::kUnavailable, std::move(message));
    s.retryable_ = true;
    return s;
  }
  static Status permission_denied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<std::string>& details() const { return details_; }
  bool retryable() const { return retryable_; }
  // The details the message does not already say, as printers list them under it
  // ("invalid estate: name: is required" says its detail "name: is required"; "3 bad
  // rows; nothing was imported" says none of its).
  std::vector<std::string> unsaid_details() const;

  // "invalid_argument: 2 bad rows; nothing was imported; line 2: ...; line 3: ..."
  std::string to_string() const;

  // A copy whose message is prefixed with `context: `.
  Status with_context(const std::string& context) const;

 private:
  Status(StatusCode code, std::string message, std::vector<std::string> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<std::string> details_;
  bool retryable_ = false;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an ok Status has no value");
    if (status_.ok()) status_ = Status::internal("Result built from an ok Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace fieldsync

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define FIELDSYNC_RETURN_IF_ERROR(expr)          \
  do {                                           \
    ::fieldsync::Status _fs_status = (expr);     \
    if (!_fs_status.ok()) return _fs_status;     \
  } while (false)
