// The blob endpoints of the sync service (docs/protocol.md, "Attachments"):
//   POST /v1/blobs/status                                   which blobs the server lacks;
//   PUT  /v1/blobs/<sha256>?offset=&size=&chunk_sha256=     one chunk of an upload;
//   GET  /v1/blobs/<sha256>?offset=&length=                 bytes of a complete blob.
// A device may touch a blob only when an `attachments` record in its buckets names it,
// and may upload one its own record names (pushed by it, or accepted by the office from
// its refused change) even after that record's building went to someone else (its
// evidence still reaches the server); the record's `size` is the only size an upload
// may claim, and a blob whose size no such record gives is not shown or sent. Such a
// record names bytes the server already holds only when the device showed it has them
// (PushBatch::possession_refusal). An upload in progress is the device's that began
// it. The database transaction that checks this is closed before any blob byte is read
// or written.
#include <map>
#include <set>

#include "access_policy.h"
#include "fieldsync/attachments.h"
#include "fieldsync/hlc.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/sync_service.h"
#include "quotas.h"
#include "request_checks.h"

namespace fieldsync::server {
namespace {

constexpr const char* kOctetStream = "application/octet-stream";

HttpResponse invalid(const std::string& message) {
  return error_response(ErrorCode::kInvalidArgument, message);
}

HttpResponse forbidden() {
  return error_response(ErrorCode::kForbidden,
                        "no attachment in this device's buckets names this blob");
}

// A blob store failure as the answer the protocol gives for it: a refused offset and
// damaged bytes have codes of their own, a blob gone missing may come back (another
// device may still upload it); everything else is answered as any Status is.
HttpResponse from_blob_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::kFailedPrecondition:
      return error_response(ErrorCode::kOffsetMismatch, s.message());
    case StatusCode::kCorruption:
      return error_response(ErrorCode::kBlobCorrupt, s.message());
    case StatusCode::kNotFound:
      return error_response(ErrorCode::kNotFound, s.message(), /*retryable=*/true);
    default:
      return from_status(s);
  }
}

// The parameters of a query string, each named in `expected` exactly once; anything
// else (an unknown, repeated or missing parameter) is invalid_argument naming it.
Result<std::map<std::string, std::string>> parse_query(const std::string& query,
                                                       const std::set<std::string>& expected) {
  std::map<std::string, std::string> values;
  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    const size_t equals = pair.find('=');
    const std::string name = pair.substr(0, equals);
    if (!expected.count(name)) {
      return Status::invalid_argument("unknown query parameter '" + name.substr(0, 40) + "'");
    }
    if (equals == std::string::npos) {
      return Status::invalid_argument("query parameter '" + name + "' has no value");
    }
    if (!values.emplace(name, pair.substr(equals + 1)).second) {
      return Status::invalid_argument("query parameter '" + name + "' is given twice");
    }
    start = end + 1;
  }
  for (const std::string& name : expected) {
    if (!values.count(name))
      return Status::invalid_argument("query parameter '" + name + "' is missing");
  }
  return values;
}

// A whole number of at most 18 digits (no sign, no spaces).
Result<int64_t> parse_count(const std::map<std::string, std::string>& values,
                            const std::string& name) {
  const std::string& text = values.at(name);
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid_argument("query parameter '" + name +
                                    "' must be a whole number, zero or more");
  }
  return std::stoll(text);
}

// Whether `record` came from `device`: its stamps carry the device's node, which the
// server ties to the device at its first push.
bool pushed_by(const Record& record, const Device& device) {
  if (device.node_id.empty() || !record.stamps.contains("sha256")) return false;
  const Json& encoded = record.stamps["sha256"];
  if (!encoded.is_string()) return false;
  auto stamp = Stamp::decode(encoded.get<std::string>());
  return stamp.ok() && stamp->node == device.node_id;
}

// True when the office accepted `record_id` from a refused change `device` sent: the
// record is the device's own, though the office wrote it.
Result<bool> accepted_from(ServerTransaction& txn, const std::string& record_id,
                           const Device& device) {
  auto history = txn.record_changes(record_id);
  if (!history.ok()) return history.status();
  for (const RecordChange& change : *history) {
    if (change.outcome == "accepted" && change.device_code == device.device_code) return true;
  }
  return false;
}

// The sizes that attachment records in `scope` give for `hash`, and for an upload
// (`uploader` set) those of the uploader's own records too (pushed by it, or accepted
// by the office from its refused change): empty when no such record names it.
Result<std::set<int64_t>> sizes_in_scope(ServerTransaction& txn, const Scope& scope,
                                         const std::string& hash,
                                         const Device* uploader = nullptr) {
  auto ids = txn.find_ids("attachments", "sha256", hash);
  if (!ids.ok()) return ids.status();
  std::set<int64_t> sizes;
  for (const std::string& id : *ids) {
    auto stored = txn.get_record(id);
    if (!stored.ok()) return stored.status();
    if (!*stored) continue;
    bool own = false;
    if (!scope.contains((*stored)->record.bucket) && uploader != nullptr) {
      own = pushed_by((*stored)->record, *uploader);
      if (!own) {
        auto accepted = accepted_from(txn, id, *uploader);
        if (!accepted.ok()) return accepted.status();
        own = *accepted;
      }
    }
    if (!scope.contains((*stored)->record.bucket) && !own) continue;
    const Json& size = (*stored)->record.fields["size"];
    if (size.is_number_integer()) sizes.insert(size.get<int64_t>());
  }
  return sizes;
}

// What an upload may add: the quotas in force and the devices of the caller's user.
struct UploadLimits {
  Quotas quotas;
  std::vector<std::string> user_devices;
};

// Why `bytes` more from `caller` would pass a quota, in words for the phone's screen
// and the office; empty when they would not.
std::string quota_refusal(const BlobStore& blobs, const UploadLimits& limits, const Caller& caller,
                          int64_t bytes) {
  BlobUsage device = blobs.usage_of(caller.device.id), user;
  for (const std::string& id : limits.user_devices) {
    const BlobUsage u = blobs.usage_of(id);
    user.complete += u.complete;
    user.partial += u.partial;
  }
  const auto over = [&](int64_t used, int64_t quota_mb, const char* name,
                        const std::string& whose) {
    if (used + bytes <= quota_mb * (int64_t{1} << 20)) return std::string();
    return whose + " attachments on the server would pass " + std::to_string(quota_mb) +
           " MiB (quota " + name +
           "); the photos wait on the phone until the office raises it "
           "(fieldsync-server quota " +
           name + " N)";
  };
  for (const std::string& refusal :
       {over(device.partial, limits.quotas.partial_mb_per_device, "partial_mb_per_device",
             "this device's unfinished"),
        over(user.partial, limits.quotas.partial_mb_per_user, "partial_mb_per_user",
             caller.user.name + "'s unfinished"),
        over(device.complete + device.partial, limits.quotas.blob_mb_per_device,
             "blob_mb_per_device", "this device's"),
        over(user.complete + user.partial, limits.quotas.blob_mb_per_user, "blob_mb_per_user",
             caller.user.name + "'s")}) {
    if (!refusal.empty()) return refusal;
  }
  return std::string();
}

// Authenticates the caller and gives the sizes its attachment records give `hash`, or
// the error response to answer; for an upload, `limits` too.
std::optional<HttpResponse> sizes_for_caller(ServerStore& store, const Schema& schema,
                                             int64_t now_ms, const std::string& token,
                                             const std::string& hash, bool upload,
                                             std::set<int64_t>& sizes, Caller& caller,
                                             UploadLimits* limits = nullptr) {
  auto txn = store.begin(false);
  if (!txn.ok()) return from_status(txn.status());
  if (auto denied = authenticate(**txn, token, now_ms, caller)) return denied;
  if (limits != nullptr) {
    limits->quotas = caller.quotas;
    auto devices = (*txn)->list_devices();
    if (!devices.ok()) return from_status(devices.status());
    for (const Device& d : *devices) {
      if (d.user == caller.user.name) limits->user_devices.push_back(d.id);
    }
  }
  if (!is_sha256_hex(hash)) {
    return invalid("the blob's name in the path must be 64 lowercase hexadecimal digits");
  }
  auto scope = scope_of(**txn, schema, caller.user);
  if (!scope.ok()) return from_status(scope.status());
  auto found = sizes_in_scope(**txn, *scope, hash, upload ? &caller.device : nullptr);
  if (!found.ok()) return from_status(found.status());
  sizes = std::move(found).value();
  return std::nullopt;
}

}  // namespace

HttpResponse SyncService::route_blobs(const HttpRequest& request, const std::string& path,
                                      const std::string& query) {
  if (blobs_ == nullptr) {
    return error_response(ErrorCode::kNotFound, "this server does not keep attachments");
  }
  const std::string name = path.substr(std::string("/v1/blobs/").size());
  if (name == "status") {
    if (request.method != "POST") {
      return error_response(ErrorCode::kMethodNotAllowed, "/v1/blobs/status takes POST");
    }
    return blob_status(request.bearer_token, request.body);
  }
  if (request.method == "PUT") return blob_put(request.bearer_token, name, query, request.body);
  if (request.method == "GET") return blob_get(request.bearer_token, name, query);
  return error_response(ErrorCode::kMethodNotAllowed, "/v1/blobs/<sha256> takes PUT or GET");
}

HttpResponse SyncService::blob_status(const std::string& token, const std::string& body) {
  auto request = decode_blob_status_request(body);
  std::vector<std::pair<std::string, bool>> allowed;  // hash, named in the device's buckets
  std::map<std::string, std::set<int64_t>> sizes_of;  // the sizes those records give
  {
    auto txn = store_.begin(false);
    if (!txn.ok()) return from_status(txn.status());
    Caller caller;
    if (auto denied = authenticate(**txn, token, clock_.now_ms(), caller)) return *denied;
    if (!request.ok()) return from_status(request.status());
    if (auto bad = check_versions(request->protocol_version, request->schema_version, schema_)) {
      return *bad;
    }
    auto scope = scope_of(**txn, schema_, caller.user);
    if (!scope.ok()) return from_status(scope.status());
    for (const std::string& hash : request->hashes) {
      auto sizes = sizes_in_scope(**txn, *scope, hash, &caller.device);
      if (!sizes.ok()) return from_status(sizes.status());
      allowed.emplace_back(hash, !sizes->empty());
      sizes_of[hash] = std::move(sizes).value();
    }
  }
  BlobStatusResponse response;
  for (const auto& [hash, named] : allowed) {
    BlobStatus status{hash, BlobState::kForbidden, 0};
    if (named) {
      auto held = blobs_->holding(hash);
      if (!held.ok()) return from_blob_status(held.status());
      if (held->complete && !sizes_of[hash].count(held->received)) {
        response.blobs.push_back(std::move(status));  // no record of it gives its size
        continue;
      }
      status.received = held->received;
      status.state = held->complete       ? BlobState::kComplete
                     : held->received > 0 ? BlobState::kPartial
                                          : BlobState::kMissing;
    }
    response.blobs.push_back(std::move(status));
  }
  return ok_response(encode(response));
}

HttpResponse SyncService::blob_put(const std::string& token, const std::string& hash,
                                   const std::string& query, const std::string& body) {
  std::set<int64_t> sizes;
  Caller caller;
  UploadLimits limits;
  if (auto refused = sizes_for_caller(store_, schema_, clock_.now_ms(), token, hash,
                                      /*upload=*/true, sizes, caller, &limits))
    return *refused;
  auto params = parse_query(query, {"offset", "size", "chunk_sha256"});
  if (!params.ok()) return from_status(params.status());
  auto offset = parse_count(*params, "offset");
  if (!offset.ok()) return from_status(offset.status());
  auto size = parse_count(*params, "size");
  if (!size.ok()) return from_status(size.status());
  const std::string& chunk_sha256 = params->at("chunk_sha256");
  if (!is_sha256_hex(chunk_sha256)) {
    return invalid("query parameter 'chunk_sha256' must be 64 lowercase hexadecimal digits");
  }
  const auto chunk = static_cast<int64_t>(body.size());
  if (chunk > kMaxBlobChunk) {
    return invalid("a chunk is at most " + std::to_string(kMaxBlobChunk) + " bytes, not " +
                   std::to_string(chunk));
  }
  if (chunk == 0) return invalid("the chunk is empty");
  if (*offset > *size || chunk > *size - *offset) {
    return invalid("the chunk runs past the blob's size of " + std::to_string(*size) + " bytes");
  }
  if (sizes.empty()) return forbidden();
  if (!sizes.count(*size)) {
    return invalid("query parameter 'size' is " + std::to_string(*size) +
                   " but the attachment record says " + std::to_string(*sizes.begin()));
  }
  if (*size > options_.max_blob_bytes) {
    return error_response(ErrorCode::kTooLarge, "this server keeps attachments of at most " +
                                                    std::to_string(options_.max_blob_bytes) +
                                                    " bytes, not " + std::to_string(*size));
  }
  auto held = blobs_->holding(hash);
  if (!held.ok()) return from_blob_status(held.status());
  if (!held->complete && held->received != *offset) {
    return from_blob_status(Status::failed_precondition(
        "the chunk starts at byte " + std::to_string(*offset) + " but the server holds " +
        std::to_string(held->received) + " bytes of this blob; continue from there"));
  }
  if (!held->complete) {
    if (std::string over = quota_refusal(*blobs_, limits, caller, chunk); !over.empty()) {
      return error_response(ErrorCode::kQuotaExceeded, over);
    }
  }
  if (!held->complete && Sha256::of(body) != chunk_sha256) {
    return error_response(ErrorCode::kChunkCorrupt,
                          "the chunk's bytes do not match chunk_sha256; send it again",
                          /*retryable=*/true);
  }
  auto appended =
      held->complete ? held : blobs_->append(hash, *size, *offset, body, caller.device.id);
  if (!appended.ok()) {
    if (appended.status().code() == StatusCode::kPermissionDenied) {
      return error_response(ErrorCode::kForbidden, appended.status().message());
    }
    return from_blob_status(appended.status());
  }
  return ok_response(encode(BlobPutResponse{appended->received, appended->complete}));
}

HttpResponse SyncService::blob_get(const std::string& token, const std::string& hash,
                                   const std::string& query) {
  std::set<int64_t> sizes;
  Caller caller;
  if (auto refused = sizes_for_caller(store_, schema_, clock_.now_ms(), token, hash,
                                      /*upload=*/false, sizes, caller))
    return *refused;
  auto params = parse_query(query, {"offset", "length"});
  if (!params.ok()) return from_status(params.status());
  auto offset = parse_count(*params, "offset");
  if (!offset.ok()) return from_status(offset.status());
  auto length = parse_count(*params, "length");
  if (!length.ok()) return from_status(length.status());
  if (*length < 1 || *length > kMaxBlobChunk) {
    return invalid("query parameter 'length' must be between 1 and " +
                   std::to_string(kMaxBlobChunk));
  }
  if (sizes.empty()) return forbidden();
  auto held = blobs_->holding(hash);
  if (!held.ok()) return from_blob_status(held.status());
  if (held->complete && !sizes.count(held->received)) return forbidden();
  auto bytes = blobs_->read(hash, *offset, *length);
  if (!bytes.ok()) return from_blob_status(bytes.status());
  return HttpResponse{200, std::move(bytes).value(), kOctetStream};
}

}  // namespace fieldsync::server
