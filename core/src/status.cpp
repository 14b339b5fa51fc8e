#include "fieldsync/status.h"

namespace fieldsync {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIOError: return "io_error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out = status_code_name(code_);
  out += ": ";
  out += message_;
  for (const auto& detail : unsaid_details()) out += "; " + detail;
  return out;
}

std::vector<std::string> Status::unsaid_details() const {
  std::vector<std::string> unsaid;
  for (const auto& detail : details_) {
    if (message_.find(detail) == std::string::npos) unsaid.push_back(detail);
  }
  return unsaid;
}

Status Status::with_context(const std::string& context) const {
  if (ok()) return *this;
  Status copy = *this;
  copy.message_ = context + ": " + message_;
  return copy;
}

}  // namespace fieldsync
