// The blob endpoints of the sync service (docs/protocol.md, "Attachments"):
//   POST /v1/blobs/status                                   which blobs the server lacks;
//   PUT  /v1/blobs/<sha256>?offset=&size=&chunk_sha256=     one chunk of an upload;
//   GET  /v1/blobs/<sha256>?offset=&length=                 bytes of a complete blob.
// A device may touch a blob only when an `attachments` record in its buckets names it,
// and may upload one its own record names (pushed by it, or accepted by the office from
// its refused change) even after that record's building went to someone else (its
// evidence still reaches the server); the record's `size` is the only size an upload
// may claim. Reading is by possession, not by name (blob_access.h): a device reads the
// bytes only through a record written by a device that has shown it holds them, and is
// told they are here only then. A device whose own record names bytes it has not shown
// is told they are missing and sends them: when they are here already they are hashed
// as they come and not kept (BlobStore::show). An upload in progress is the device's
// that began it. The database transaction that checks this is closed before any blob
// byte is read or written.
#include <map>
#include <set>

#include "access_policy.h"
#include "blob_access.h"
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

// Authenticates the caller and gives what the records naming `hash` let it do, or the
// error response to answer; for an upload, `limits` too.
std::optional<HttpResponse> naming_for_caller(ServerStore& store, BlobStore& blobs,
                                              const Schema& schema, int64_t now_ms,
                                              const std::string& token, const std::string& hash,
                                              BlobNaming& naming, Caller& caller,
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
  auto found = naming_of(**txn, blobs, *scope, hash, caller.device);
  if (!found.ok()) return from_status(found.status());
  naming = std::move(found).value();
  return std::nullopt;
}

// What the caller may be told of a blob it may touch (`naming`), the store holding
// `held` of it (the whole blob, or the caller's own upload). Whether bytes are here is
// told only to a device that may read them: an author that has not shown them is told
// how far its own sending stands, and a reader whose records no holder wrote that
// nothing is here yet.
BlobStatus status_for(const std::string& hash, const BlobNaming& naming, const BlobHolding& held,
                      int64_t shown) {
  BlobStatus status{hash, BlobState::kForbidden, 0};
  if (naming.sizes.empty()) return status;
  const auto sending = [&](int64_t received) {
    status.received = received;
    status.state = received > 0 ? BlobState::kPartial : BlobState::kMissing;
    return status;
  };
  if (held.complete) {
    if (naming.holder && naming.sizes.count(held.received)) {
      status.state = BlobState::kComplete;
      status.received = held.received;
      return status;
    }
    if (naming.own) return sending(shown);
    if (naming.readable.count(held.received)) {
      status.state = BlobState::kComplete;
      status.received = held.received;
      return status;
    }
    return sending(0);
  }
  return sending(held.received);
}

// Notes that `device` holds the bytes of `hash`, in a transaction of its own.
Status note_holder(ServerStore& store, const std::string& hash, const Device& device) {
  auto txn = store.begin(true);
  if (!txn.ok()) return txn.status();
  FIELDSYNC_RETURN_IF_ERROR((*txn)->add_blob_holder(hash, device.id));
  return (*txn)->commit();
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
  std::vector<std::pair<std::string, BlobNaming>> named;
  Device device;
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
      auto naming = naming_of(**txn, *blobs_, *scope, hash, caller.device);
      if (!naming.ok()) return from_status(naming.status());
      named.emplace_back(hash, std::move(naming).value());
    }
    device = caller.device;
  }
  BlobStatusResponse response;
  for (const auto& [hash, naming] : named) {
    auto held = blobs_->holding(hash, device.id);  // with this device's own upload
    if (!held.ok()) return from_blob_status(held.status());
    response.blobs.push_back(status_for(hash, naming, *held, blobs_->shown(hash, device.id)));
  }
  return ok_response(encode(response));
}

HttpResponse SyncService::blob_put(const std::string& token, const std::string& hash,
                                   const std::string& query, const std::string& body) {
  BlobNaming naming;
  Caller caller;
  UploadLimits limits;
  if (auto refused = naming_for_caller(store_, *blobs_, schema_, clock_.now_ms(), token, hash,
                                       naming, caller, &limits))
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
  if (naming.sizes.empty()) return forbidden();
  if (!naming.sizes.count(*size)) {
    return invalid("query parameter 'size' is " + std::to_string(*size) +
                   " but the attachment record says " + std::to_string(*naming.sizes.begin()));
  }
  if (*size > options_.max_blob_bytes) {
    return error_response(ErrorCode::kTooLarge, "this server keeps attachments of at most " +
                                                    std::to_string(options_.max_blob_bytes) +
                                                    " bytes, not " + std::to_string(*size));
  }
  auto held = blobs_->holding(hash);
  if (!held.ok()) return from_blob_status(held.status());
  // Bytes this device may read already: done at once, nothing written. Its own record
  // is vouched for only once it has shown them.
  if (held->complete && (naming.holder || (!naming.own && naming.readable.count(held->received)))) {
    return ok_response(encode(BlobPutResponse{held->received, true}));
  }
  if (Sha256::of(body) != chunk_sha256) {
    return error_response(ErrorCode::kChunkCorrupt,
                          "the chunk's bytes do not match chunk_sha256; send it again",
                          /*retryable=*/true);
  }
  Result<BlobHolding> sent = Status();
  if (held->complete) {
    // The bytes are here but this device has not shown it holds them: it sends them
    // again, hashed as they come and not kept.
    sent = blobs_->show(hash, *size, *offset, body, caller.device.id);
  } else {
    // The offset, and whose upload this is, the blob store checks.
    if (std::string over = quota_refusal(*blobs_, limits, caller, chunk); !over.empty()) {
      return error_response(ErrorCode::kQuotaExceeded, over);
    }
    sent = blobs_->append(hash, *size, *offset, body, caller.device.id);
  }
  if (!sent.ok()) {
    if (sent.status().code() == StatusCode::kPermissionDenied) {
      return error_response(ErrorCode::kForbidden, sent.status().message());
    }
    return from_blob_status(sent.status());
  }
  if (sent->complete) {
    if (Status noted = note_holder(store_, hash, caller.device); !noted.ok()) {
      return from_status(noted);
    }
  }
  return ok_response(encode(BlobPutResponse{sent->received, sent->complete}));
}

HttpResponse SyncService::blob_get(const std::string& token, const std::string& hash,
                                   const std::string& query) {
  BlobNaming naming;
  Caller caller;
  if (auto refused =
          naming_for_caller(store_, *blobs_, schema_, clock_.now_ms(), token, hash, naming, caller))
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
  if (naming.visible.empty()) return forbidden();
  auto held = blobs_->holding(hash);
  if (!held.ok()) return from_blob_status(held.status());
  // Bytes no holder's record vouches for are not here as far as this device may know:
  // the phone that attached them has not uploaded them (the same answer as for bytes
  // not here at all).
  const bool readable = held->complete && (naming.holder ? naming.visible.count(held->received)
                                                         : naming.readable.count(held->received));
  if (!readable) {
    return from_blob_status(Status::not_found("the server does not hold this whole blob yet"));
  }
  auto bytes = blobs_->read(hash, *offset, *length);
  if (!bytes.ok()) return from_blob_status(bytes.status());
  return HttpResponse{200, std::move(bytes).value(), kOctetStream};
}

}  // namespace fieldsync::server
