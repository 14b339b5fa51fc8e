#include "fieldsync/error_code.h"

namespace fieldsync {
namespace {

struct ErrorCodeInfo {
  ErrorCode code;
  const char* name;
  int http_status;
  bool retryable;
};

constexpr ErrorCodeInfo kErrorCodes[] = {
    {ErrorCode::kInvalidArgument, "invalid_argument", 400, false},
    {ErrorCode::kBadRequest, "bad_request", 400, false},
    {ErrorCode::kUnsupportedProtocol, "unsupported_protocol", 400, false},
    {ErrorCode::kServerTooOld, "server_too_old", 400, false},
    {ErrorCode::kUnauthenticated, "unauthenticated", 401, false},
    {ErrorCode::kForbidden, "forbidden", 403, false},
    {ErrorCode::kNotFound, "not_found", 404, false},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, false},
    {ErrorCode::kAlreadyExists, "already_exists", 409, false},
    {ErrorCode::kFailedPrecondition, "failed_precondition", 409, false},
    {ErrorCode::kOffsetMismatch, "offset_mismatch", 409, true},
    {ErrorCode::kTooLarge, "too_large", 413, false},
    {ErrorCode::kBlobCorrupt, "blob_corrupt", 422, true},
    {ErrorCode::kChunkCorrupt, "chunk_corrupt", 422, true},
    {ErrorCode::kUpgradeRequired, "upgrade_required", 426, false},
    {ErrorCode::kTooManyRequests, "too_many_requests", 429, true},
    {ErrorCode::kQuotaExceeded, "quota_exceeded", 429, true},
    {ErrorCode::kHeadersTooLarge, "headers_too_large", 431, false},
    {ErrorCode::kInternal, "internal", 500, true},
    {ErrorCode::kUnavailable, "unavailable", 503, true},
    {ErrorCode::kUnknown, "unknown", 500, true},
};

const ErrorCodeInfo& info(ErrorCode code) {
  for (const auto& i : kErrorCodes) {
    if (i.code == code) return i;
  }
  return kErrorCodes[sizeof kErrorCodes / sizeof kErrorCodes[0] - 1];
}

}  // namespace

const char* error_code_name(ErrorCode code) {
  return info(code).name;
}

ErrorCode error_code_from_name(std::string_view name) {
  for (const auto& i : kErrorCodes) {
    if (name == i.name) return i.code;
  }
  return ErrorCode::kUnknown;
}

int http_status_of(ErrorCode code) {
  return info(code).http_status;
}

bool retryable_by_default(ErrorCode code) {
  return info(code).retryable;
}

ErrorCode error_code_of(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:  // not an error; answered as a server failure if ever sent
    case StatusCode::kInternal:
    case StatusCode::kCorruption:
      return ErrorCode::kInternal;
    case StatusCode::kInvalidArgument:
      return ErrorCode::kInvalidArgument;
    case StatusCode::kNotFound:
      return ErrorCode::kNotFound;
    case StatusCode::kAlreadyExists:
      return ErrorCode::kAlreadyExists;
    case StatusCode::kFailedPrecondition:
      return ErrorCode::kFailedPrecondition;
    case StatusCode::kPermissionDenied:
      return ErrorCode::kForbidden;
    case StatusCode::kIOError:
    case StatusCode::kUnavailable:
      return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

}  // namespace fieldsync
