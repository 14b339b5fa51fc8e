// The replicator's attachment bytes: chunked, resumable uploads and downloads
// (docs/protocol.md, "Attachments"). A chunk is read when it is sent, so a device holds
// at most one chunk of a photo in memory, never the photo. Every byte is read and
// written through AttachmentStore (read, begin_download), which decrypts and seals them
// when the database is encrypted: the server always gets the plaintext.
#include <algorithm>

#include "fieldsync/attachments.h"
#include "fieldsync/replicator.h"

namespace fieldsync {
namespace {

// How often one blob may come back corrupt from the server before the device checks
// its own copy and gives up on it for this sync.
constexpr int kMaxBlobRestarts = 3;

std::string blob_path(const std::string& sha256) { return "/v1/blobs/" + sha256; }

// The fieldsync error code of an answer; kUnknown when it carries none.
ErrorCode answer_code(const HttpResponse& response) {
  auto error = decode_error(response.body);
  return error.ok() ? error->code : ErrorCode::kUnknown;
}

// `size` bytes of a blob from `offset`: exactly that many, or an error.
Result<std::string> read_chunk(const AttachmentStore& attachments, const std::string& sha256,
                               int64_t offset, int64_t size) {
  auto chunk = attachments.read(sha256, offset, size);
  if (chunk.ok() && static_cast<int64_t>(chunk->size()) != size) {
    return Status::corruption("the bytes of " + sha256 +
                              " on this device are shorter than their attachment record says");
  }
  return chunk;
}

// What fetch_blob() returns: the path of the bytes' file in a plain store, "" in an
// encrypted one (its files are sealed; AttachmentStore::read gives the bytes).
Result<std::string> fetched_path(const AttachmentStore& attachments, const std::string& sha256) {
  if (attachments.encrypted()) return std::string();
  return attachments.path_of(sha256);
}

}  // namespace

Result<WireChange> Replicator::wire_change(const OutboxChange& change) {
  WireChange wire = to_wire(change);
  if (options_.protocol_version < 2 || change.collection != "attachments" ||
      change.kind != "create") {
    return wire;
  }
  const Json& sha256 = change.fields.value("sha256", Json());
  const Json& size = change.fields.value("size", Json());
  if (!sha256.is_string() || !size.is_number_integer()) return wire;
  AttachmentStore attachments(store_);
  PossessionProof proof(change.record_id);
  for (int64_t offset = 0, total = size.get<int64_t>(); offset < total;) {
    const int64_t length = std::min(options_.blob_chunk, total - offset);
    auto chunk = read_chunk(attachments, sha256.get<std::string>(), offset, length);
    // Bytes no longer here (reclaimed after an earlier upload) prove nothing: the server
    // then decides without a proof, as for a phone of protocol 1. Damaged ones neither:
    // the upload says what is wrong with them.
    if (!chunk.ok()) return wire;
    proof.update(*chunk);
    offset += length;
  }
  wire.proof = proof.hex();
  return wire;
}

Status Replicator::upload_blobs(const std::string& token, SyncReport& report, SyncProgress& progress,
                                const ProgressCallback& callback) {
  AttachmentStore attachments(store_);
  auto blobs = attachments.to_upload();
  if (!blobs.ok()) return blobs.status();
  progress.phase = "upload";
  for (const auto& blob : *blobs) progress.bytes_to_send += blob.size - blob.uploaded;
  if (blobs->empty()) return Status();
  if (callback) callback(progress);
  for (size_t first = 0; first < blobs->size(); first += kMaxBlobStatusHashes) {
    const size_t end = std::min(blobs->size(), first + kMaxBlobStatusHashes);
    BlobStatusRequest request;
    request.protocol_version = options_.protocol_version;
    request.schema_version = store_.schema().version();
    for (size_t i = first; i < end; ++i) request.hashes.push_back((*blobs)[i].sha256);
    auto response = send_with_retry({"POST", "/v1/blobs/status", token, encode(request)}, progress);
    if (!response.ok() && response.status().code() == StatusCode::kNotFound) {
      // A server without a blob store: the records are synced, the bytes wait here.
      for (const auto& blob : *blobs) {
        FIELDSYNC_RETURN_IF_ERROR(attachments.record_upload_error(
            blob.sha256, "the server does not take attachment bytes: " + response.status().message()));
      }
      report.blobs_waiting += static_cast<int64_t>(blobs->size());
      return Status();
    }
    if (!response.ok()) return response.status().with_context("blob status");
    auto states = decode_blob_status_response(response->body);
    if (!states.ok()) return states.status();
    if (states->blobs.size() != end - first) {
      return Status::invalid_argument("the server answered a blob status with " +
                                      std::to_string(states->blobs.size()) + " entries for " +
                                      std::to_string(end - first) + " hashes");
    }
    for (size_t i = first; i < end; ++i) {
      const BlobToUpload& blob = (*blobs)[i];
      const BlobStatus& state = states->blobs[i - first];
      switch (state.state) {
        case BlobState::kComplete:
          FIELDSYNC_RETURN_IF_ERROR(attachments.record_upload(blob.sha256, blob.size, true));
          ++report.blobs_uploaded;
          break;
        case BlobState::kForbidden:
          // The record was refused or moved out of this device's buckets: the bytes
          // stay here, and the reason shows in `fieldsync attachments`.
          FIELDSYNC_RETURN_IF_ERROR(attachments.record_upload_error(
              blob.sha256, "the server has no attachment record for it in this device's buckets"));
          ++report.blobs_waiting;
          break;
        case BlobState::kMissing:
        case BlobState::kPartial:
          FIELDSYNC_RETURN_IF_ERROR(upload_blob(token, blob.sha256, blob.size, state.received,
                                                report, progress, callback));
          break;
      }
    }
  }
  return Status();
}

Status Replicator::upload_blob(const std::string& token, const std::string& sha256, int64_t size,
                               int64_t offset, SyncReport& report, SyncProgress& progress,
                               const ProgressCallback& callback) {
  AttachmentStore attachments(store_);
  int restarts = 0;
  int attempts = 0;  // failed attempts in a row
  int64_t asked_s = 0;  // Retry-After of the last answer
  Status last;
  while (offset < size) {
    if (attempts > 0) {
      if (attempts >= options_.max_attempts) {
        return last.with_context("uploading attachment " + sha256 + ": gave up after " +
                                 std::to_string(attempts) + " attempts");
      }
      ++progress.retries;
      sleeper_.sleep_ms(wait_before_retry(attempts - 1, asked_s));
      asked_s = 0;
    }
    const int64_t length = std::min(options_.blob_chunk, size - offset);
    auto chunk = read_chunk(attachments, sha256, offset, length);
    if (!chunk.ok()) {
      ++report.blobs_waiting;
      return attachments.record_upload_error(sha256, chunk.status().message());
    }
    const std::string chunk_sha256 = Sha256::of(*chunk);
    auto response = transport_.send({"PUT",
                                     blob_path(sha256) + "?offset=" + std::to_string(offset) +
                                         "&size=" + std::to_string(size) + "&chunk_sha256=" + chunk_sha256,
                                     token, std::move(chunk).value(), "application/octet-stream"});
    if (!response.ok()) {
      if (!response.status().retryable()) return response.status();
      last = response.status();
      ++attempts;
      continue;
    }
    if (response->status == 200) {
      auto answer = decode_blob_put_response(response->body);
      if (!answer.ok()) return answer.status();
      const int64_t sent = std::max<int64_t>(answer->received - offset, 0);
      report.blob_bytes_sent += sent;
      progress.bytes_sent += sent;
      offset = answer->complete ? size : answer->received;
      FIELDSYNC_RETURN_IF_ERROR(attachments.record_upload(sha256, offset, answer->complete));
      if (answer->complete) ++report.blobs_uploaded;
      if (callback) callback(progress);
      attempts = 0;
      continue;
    }
    asked_s = response->retry_after_s;
    const ErrorCode code = answer_code(*response);
    if (code == ErrorCode::kOffsetMismatch) {  // ask where to go on from
      BlobStatusRequest ask;
      ask.schema_version = store_.schema().version();
      ask.hashes = {sha256};
      auto state = send_with_retry({"POST", "/v1/blobs/status", token, encode(ask)}, progress);
      if (!state.ok()) return state.status().with_context("blob status");
      auto decoded = decode_blob_status_response(state->body);
      if (!decoded.ok()) return decoded.status();
      if (decoded->blobs.size() != 1) return Status::invalid_argument("the server answered a blob status badly");
      offset = decoded->blobs[0].state == BlobState::kComplete ? size : decoded->blobs[0].received;
      last = status_from_response(*response);
      ++attempts;  // bounded: a server that keeps moving the offset is not followed for ever
      continue;
    }
    if (code == ErrorCode::kBlobCorrupt) {  // the whole blob did not match its hash: again from 0
      ++report.blob_resends;
      if (++restarts > kMaxBlobRestarts) {
        const Status local = attachments.verify(sha256);
        const std::string why = local.code() == StatusCode::kCorruption
                                    ? "the copy on this device is damaged: " + local.message()
                                    : "the server found the blob corrupt " +
                                          std::to_string(restarts) +
                                          " times; it is sent again at the next sync";
        ++report.blobs_waiting;
        return attachments.record_upload_error(sha256, why);
      }
      offset = 0;
      continue;
    }
    if (code == ErrorCode::kChunkCorrupt)
      ++report.blob_resends;  // damaged on the way: send it again
    last = status_from_response(*response);
    if (code == ErrorCode::kQuotaExceeded) {  // not within this sync: the bytes wait here
      ++report.blobs_waiting;
      return attachments.record_upload_error(sha256, last.message());
    }
    if (!last.retryable()) {  // refused for good (too large, out of scope): the bytes stay here
      ++report.blobs_waiting;
      return attachments.record_upload_error(sha256, last.message());
    }
    ++attempts;
  }
  return Status();
}

Result<std::string> Replicator::download_blob(const std::string& token, const std::string& sha256,
                                              SyncProgress& progress, const ProgressCallback& callback) {
  AttachmentStore attachments(store_);
  auto attachment = attachments.find(sha256);
  if (!attachment.ok()) return attachment.status();
  if (attachment->local) return fetched_path(attachments, sha256);
  // A download broken off earlier goes on from where it stopped.
  auto download = attachments.begin_download(sha256);
  if (!download.ok()) return download.status();
  int64_t offset = (*download)->offset();
  progress.phase = "download";
  while (offset < attachment->size) {
    const int64_t length = std::min(options_.blob_chunk, attachment->size - offset);
    const HttpRequest request{"GET",
                              blob_path(sha256) + "?offset=" + std::to_string(offset) +
                                  "&length=" + std::to_string(length),
                              token, "", "application/json"};
    // A 404 means the phone that took it has not uploaded it yet: said at once, not
    // retried here (the next sync or fetch tries again).
    Result<HttpResponse> response = transport_.send(request);
    if (response.ok() && response->status == 404) {
      return Status::not_found("the server does not have the bytes of " + sha256 +
                               " yet: the phone that attached them has not uploaded them");
    }
    if (!response.ok() || response->status != 200) response = send_with_retry(request, progress);
    if (!response.ok()) return response.status().with_context("downloading attachment " + sha256);
    if (response->body.empty() || static_cast<int64_t>(response->body.size()) > length) {
      return Status::invalid_argument("the server sent " + std::to_string(response->body.size()) +
                                      " bytes of attachment " + sha256 + " for a request of " +
                                      std::to_string(length));
    }
    FIELDSYNC_RETURN_IF_ERROR((*download)->append(response->body));
    offset = (*download)->offset();
    progress.bytes_received += static_cast<int64_t>(response->body.size());
    if (callback) callback(progress);
  }
  download->reset();
  FIELDSYNC_RETURN_IF_ERROR(attachments.adopt_download(sha256));
  return fetched_path(attachments, sha256);
}

Result<std::string> Replicator::fetch_blob(const std::string& sha256, const ProgressCallback& callback) {
  if (!is_sha256_hex(sha256)) {
    return Status::invalid_argument("'" + sha256 + "' is not a SHA-256 (64 lowercase hexadecimal digits)");
  }
  auto token = device_token();
  if (!token.ok()) return token.status();
  SyncProgress progress;
  return download_blob(*token, sha256, progress, callback);
}

Status Replicator::prefetch_blobs(const std::string& token, SyncReport& report, SyncProgress& progress,
                                  const ProgressCallback& callback) {
  AttachmentStore attachments(store_);
  auto missing = attachments.missing_locally();
  if (!missing.ok()) return missing.status();
  int64_t budget = options_.prefetch_max_bytes;
  for (const auto& sha256 : *missing) {
    auto attachment = attachments.find(sha256);
    if (!attachment.ok()) return attachment.status();
    if (attachment->size > budget) continue;
    auto fetched = download_blob(token, sha256, progress, callback);
    if (!fetched.ok()) {
      // Not uploaded yet by the phone that took it, or damaged on the way: the next
      // sync tries again. A network failure stops the sync.
      if (fetched.status().code() == StatusCode::kUnavailable) return fetched.status();
      continue;
    }
    budget -= attachment->size;
    ++report.blobs_downloaded;
  }
  return Status();
}

}  // namespace fieldsync
