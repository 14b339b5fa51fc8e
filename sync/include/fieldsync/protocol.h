// The sync protocol's messages and their JSON codec (docs/protocol.md describes the
// wire format with examples). Decoders are strict: malformed JSON, a missing or
// extra field, or a value of the wrong type is an invalid_argument that names the
// field, so the server can answer 400 with a message a developer can act on.
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/access.h"
#include "fieldsync/attachments.h"
#include "fieldsync/error_code.h"
#include "fieldsync/merge.h"
#include "fieldsync/record.h"
#include "fieldsync/status.h"

namespace fieldsync {

// The protocol this build speaks, and the oldest one its server still serves: version
// 2 added the possession proof of an attachment (WireChange::proof); a phone of version
// 1 sends none and is served as before, except where a proof is needed. Version 3 added
// the device token's rotation (PullResponse::new_device_token); a phone of an earlier
// version keeps its token, which still expires when the phone stays away too long.
inline constexpr int kProtocolVersion = 3;
inline constexpr int kMinProtocolVersion = 1;
// The largest protocol or schema version a request may name; more is malformed.
inline constexpr int kMaxVersion = 1000000;
// Bounds the server enforces and the replicator respects.
inline constexpr size_t kMaxPushChanges = 500;
inline constexpr int64_t kMaxPullLimit = 5000;

struct EnrollRequest {
  int protocol_version = kProtocolVersion;
  int schema_version = 0;
  std::string enrollment_code;
  // What the server checks before it uses the code, so a phone that cannot take the
  // enrollment does not spend it: the user the device database belongs to, and the
  // device code its receipts already carry or a server enrolled it as (empty: neither).
  std::string user;
  std::string receipt_code;
};

struct EnrollResponse {
  std::string device_id;
  std::string device_code;   // starts this device's receipt numbers
  std::string device_token;  // bearer token for every later request; shown once
  std::string user;
  std::string role;
  int64_t server_time_ms = 0;
};

// One outbox change on the wire.
struct WireChange {
  int64_t seq = 0;  // the device's change number
  IncomingChange change;
  // The create of an attachment record (protocol 2): blob_possession_proof() of its
  // bytes, showing the server the phone holds them; empty for every other change.
  std::string proof;
};

// Proof that the holder of `bytes` (a blob) has them, tied to one attachment record:
// SHA-256 of a fixed label, the record's id and the bytes, in lowercase hex. Knowing
// the blob's SHA-256 alone does not give it, and a proof made for one record is no use
// for another. `update` is called with the bytes in order, piece by piece.
class PossessionProof {
 public:
  explicit PossessionProof(const std::string& record_id);
  void update(std::string_view bytes);
  std::string hex();  // finishes; call once

 private:
  Sha256 hash_;
};

// A device clock within this of the server's is right: nothing is corrected or warned of.
inline constexpr int64_t kClockToleranceMs = 2 * 60 * 1000;

struct PushRequest {
  int protocol_version = kProtocolVersion;
  int schema_version = 0;
  std::vector<WireChange> changes;
  // The device's clock as it sent the push (0: not sent): the server measures the
  // device's clock error from it and corrects the events' times (docs/server.md).
  int64_t device_time_ms = 0;
};

struct ChangeResult {
  int64_t seq = 0;
  std::string change_id;
  ChangeOutcome outcome = ChangeOutcome::kApplied;
  std::string reason;  // for rejected and merged
};

struct PushResponse {
  std::vector<ChangeResult> results;
  int64_t server_time_ms = 0;
  int64_t clock_ahead_ms = 0;  // > 0: the device's clock is ahead and was clamped
};

struct PullRequest {
  int protocol_version = kProtocolVersion;
  int schema_version = 0;
  std::map<std::string, int64_t> cursors;  // bucket -> last sequence number pulled
  int64_t limit = 1000;
  int64_t settled_after = 0;  // the last settlement of this device's refused changes seen
};

// The office settled one of this device's refused changes: the phone's parked entry
// for it goes (docs/protocol.md, "Refused changes settled by the office").
struct Settlement {
  int64_t seq = 0;  // the device's change number
  std::string change_id;
  std::string outcome;  // "accepted" or "voided"
  std::string record_id;  // the record the acceptance wrote; empty when voided
  std::string note;
};
inline constexpr int64_t kMaxSettlementsPerPull = 200;

struct WireRecord {
  Record record;
  int64_t seq = 0;
};

struct PullResponse {
  std::vector<std::string> buckets;  // every bucket the device may hold now
  std::vector<WireRecord> records;   // in sequence order within each bucket
  std::map<std::string, int64_t> cursors;
  bool more = false;  // another page is waiting
  int64_t server_time_ms = 0;
  // What the device may do now (its user's role and assignments), so the phone refuses
  // what the server would. Sent to devices of schema 2 and later.
  std::optional<Access> access;
  // Settlements after the request's settled_after, oldest first, and the last one's
  // number; sent to devices of schema 4 and later.
  std::optional<std::vector<Settlement>> settled;
  int64_t settled_cursor = 0;
  // The device's next token, when the server rotates it (protocol 3 and later): the
  // phone keeps it and uses it from its next sync on; the token it has works until
  // then (docs/protocol.md, "Token rotation").
  std::string new_device_token;
};
// The longest token the phone takes.
inline constexpr size_t kMaxTokenLength = 256;

struct ErrorBody {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  bool retryable = false;
};

std::string encode(const EnrollRequest& m);
std::string encode(const EnrollResponse& m);
std::string encode(const PushRequest& m);
std::string encode(const PushResponse& m);
std::string encode(const PullRequest& m);
std::string encode(const PullResponse& m);
std::string encode(const ErrorBody& m);

Result<EnrollRequest> decode_enroll_request(const std::string& body);
Result<EnrollResponse> decode_enroll_response(const std::string& body);
Result<PushRequest> decode_push_request(const std::string& body);
Result<PushResponse> decode_push_response(const std::string& body);
Result<PullRequest> decode_pull_request(const std::string& body);
Result<PullResponse> decode_pull_response(const std::string& body);
Result<ErrorBody> decode_error(const std::string& body);

// Building blocks shared with the server's store: a change result and a wire record
// as JSON.
Json change_result_to_json(const ChangeResult& r);
// An outbox change as the push sends it, and one change of a push as JSON.
WireChange to_wire(const OutboxChange& change);
Json wire_change_to_json(const WireChange& change);
Result<ChangeResult> change_result_from_json(const Json& j);
Json wire_record_to_json(const WireRecord& r);

// ---- Blobs: the bytes of attachments (docs/protocol.md, "Attachments") ----
// Chunk bodies of PUT and GET /v1/blobs/<sha256> are raw bytes, not JSON; only the
// status request and response and the answer to a chunk upload are messages.

inline constexpr size_t kMaxBlobStatusHashes = 500;

struct BlobStatusRequest {
  int protocol_version = kProtocolVersion;
  int schema_version = 0;
  std::vector<std::string> hashes;  // 64 lowercase hex digits each
};

enum class BlobState {
  kMissing,    // the server holds none of it
  kPartial,    // an upload was broken off: continue from `received`
  kComplete,   // the server holds the whole blob, verified
  kForbidden,  // no attachments record in the device's buckets names it
};
const char* blob_state_name(BlobState state);  // "missing", "partial", ...

struct BlobStatus {
  std::string hash;
  BlobState state = BlobState::kMissing;
  int64_t received = 0;  // bytes the server holds durably
};

struct BlobStatusResponse {
  std::vector<BlobStatus> blobs;  // one per requested hash, in request order
};

// The answer to one PUT of a chunk.
struct BlobPutResponse {
  int64_t received = 0;
  bool complete = false;
};

std::string encode(const BlobStatusRequest& m);
std::string encode(const BlobStatusResponse& m);
std::string encode(const BlobPutResponse& m);

Result<BlobStatusRequest> decode_blob_status_request(const std::string& body);
Result<BlobStatusResponse> decode_blob_status_response(const std::string& body);
Result<BlobPutResponse> decode_blob_put_response(const std::string& body);

}  // namespace fieldsync
