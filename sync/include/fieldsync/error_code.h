// The protocol's error codes: one enum, its wire names and HTTP statuses, used by the
// server to answer and by the replicator to read the answer (docs/protocol.md, the
// error table). error_code_of() is the one mapping from a Status to a code, covering
// every StatusCode, so a refusal reads the same from every endpoint.
// Pure functions: thread-safe.
#pragma once

#include <string_view>

#include "fieldsync/status.h"

namespace fieldsync {

enum class ErrorCode {
  kInvalidArgument,      // 400 the request is wrong; fix it
  kBadRequest,           // 400 not HTTP the server can read
  kUnsupportedProtocol,  // 400 a protocol version this server does not speak
  kServerTooOld,         // 400 the app is newer than the server
  kUnauthenticated,      // 401 no token, an unknown or revoked one
  kForbidden,            // 403 the device may not do this
  kNotFound,             // 404
  kMethodNotAllowed,     // 405
  kAlreadyExists,        // 409 creating what is there
  kFailedPrecondition,   // 409 not in a state that allows it
  kOffsetMismatch,       // 409 a chunk that does not continue the upload (ask again)
  kTooLarge,             // 413
  kBlobCorrupt,          // 422 the whole blob did not match its hash: upload it again
  kChunkCorrupt,         // 422 a chunk did not match its hash: send it again
  kUpgradeRequired,      // 426 the app is too old
  kTooManyRequests,      // 429 over a rate limit; retry after the answer's Retry-After
  kQuotaExceeded,        // 429 over a quota the office sets: kept on the phone, tried next sync
  kHeadersTooLarge,      // 431 a header line, or all of them, over the limit
  kInternal,             // 500 a server failure; retryable
  kUnavailable,          // 503 busy, shutting down or its storage failed; retryable
  kUnknown,              // a name this build does not know (a newer server's)
};

// "invalid_argument", ...; "unknown" for kUnknown.
const char* error_code_name(ErrorCode code);
// The code of a wire name; kUnknown for a name this build does not know.
ErrorCode error_code_from_name(std::string_view name);
int http_status_of(ErrorCode code);
// Whether a client may retry the same request later, unless the answer says otherwise.
bool retryable_by_default(ErrorCode code);
// The code a Status is answered with: every StatusCode has one.
ErrorCode error_code_of(StatusCode code);

}  // namespace fieldsync
