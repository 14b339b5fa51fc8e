#include "fieldsync/replicator.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fieldsync/attachments.h"

namespace fieldsync {
namespace {

class RealSleeper final : public Sleeper {
 public:
  void sleep_ms(int64_t ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
};

int64_t to_int(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoll(text);
  } catch (...) {
    return 0;
  }
}

}  // namespace

Sleeper& Sleeper::real() {
  static RealSleeper sleeper;
  return sleeper;
}

Status status_from_response(const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300) return Status();
  auto error = decode_error(response.body);
  const std::string message = error.ok() ? error->message
                                         : "the server answered HTTP " + std::to_string(response.status);
  if (response.status >= 500 || response.status == 429 || (error.ok() && error->retryable)) {
    return Status::unavailable(message);
  }
  // A fieldsync server answers every error with its JSON body. A bare 404 comes from
  // the HTTP layer: cpprestsdk's listener accepts connections a moment before its
  // paths are registered, so a server that is starting answers so (and a proxy whose
  // backend is not up yet says the same). Retried like a server that is not there.
  if (response.status == 404 && !error.ok()) {
    return Status::unavailable(message + " without a fieldsync error: the server is starting, or this is not "
                                         "a fieldsync server");
  }
  switch (response.status) {
    case 401:
    case 403: return Status::permission_denied(message);
    case 404: return Status::not_found(message);
    case 409: return Status::already_exists(message);
    case 426: return Status::failed_precondition(message);
    default: return Status::invalid_argument(message);
  }
}

Result<EnrollRequest> enrollment_request(const DeviceStore& store, const std::string& code) {
  EnrollRequest request;
  request.enrollment_code = code;
  request.schema_version = store.schema().version();
  request.user = store.identity().user;
  auto issued = store.has_issued_receipts();
  if (!issued.ok()) return issued.status();
  // A database a server enrolled before says which device it was, receipts or not: a
  // readmission code is taken only by the phone of the device it re-admits.
  auto enrolled_as = store.sync_value(kSyncDeviceId);
  if (!enrolled_as.ok()) return enrolled_as.status();
  if (*issued || !enrolled_as->empty()) request.receipt_code = store.identity().device_code;
  return request;
}

Result<EnrollResponse> request_enrollment(HttpTransport& transport, const EnrollRequest& request) {
  auto response = transport.send({"POST", "/v1/enroll", "", encode(request)});
  if (!response.ok()) return response.status().with_context("enrollment");
  FIELDSYNC_RETURN_IF_ERROR(status_from_response(*response).with_context("enrollment"));
  return decode_enroll_response(response->body);
}

Result<EnrollResponse> request_enrollment(HttpTransport& transport, const std::string& code,
                                          int schema_version) {
  EnrollRequest request;
  request.enrollment_code = code;
  request.schema_version = schema_version;
  return request_enrollment(transport, request);
}

Status adopt_enrollment(DeviceStore& store, const EnrollResponse& enrollment,
                        const std::string& server) {
  if (store.identity().user != enrollment.user) {
    return Status::failed_precondition("this device database belongs to '" + store.identity().user +
                                       "' but the enrollment code was issued to '" +
                                       enrollment.user + "'");
  }
  FIELDSYNC_RETURN_IF_ERROR(store.set_device_code(enrollment.device_code));
  FIELDSYNC_RETURN_IF_ERROR(store.set_sync_value(kSyncServer, server));
  FIELDSYNC_RETURN_IF_ERROR(store.set_sync_value(kSyncDeviceId, enrollment.device_id));
  FIELDSYNC_RETURN_IF_ERROR(store.set_access(Access{enrollment.user, enrollment.role, {}, {}}));
  FIELDSYNC_RETURN_IF_ERROR(store.set_sync_value(kSyncRevoked, ""));
  return store.set_sync_value(kSyncToken, enrollment.device_token);
}

Replicator::Replicator(DeviceStore& store, HttpTransport& transport, ReplicatorOptions options)
    : store_(store),
      transport_(transport),
      options_(options),
      sleeper_(options.sleeper ? *options.sleeper : Sleeper::real()),
      rng_state_(options.jitter_seed ? options.jitter_seed
                                     : static_cast<uint64_t>(store.clock().now_ms()) | 1) {
  options_.push_batch = std::clamp<size_t>(options_.push_batch, 1, kMaxPushChanges);
  options_.pull_page = std::clamp<int64_t>(options_.pull_page, 1, kMaxPullLimit);
  options_.max_attempts = std::max(options_.max_attempts, 1);
  options_.blob_chunk = std::clamp<int64_t>(options_.blob_chunk, 1, kMaxBlobChunk);
}

int64_t Replicator::backoff_ms(int attempt) {
  // Exponential backoff with "equal jitter": half fixed, half random, so retries of
  // many phones after an outage spread out instead of arriving together.
  const int64_t ceiling = std::min(options_.backoff_max_ms,
                                   options_.backoff_initial_ms << std::min(attempt, 20));
  rng_state_ ^= rng_state_ << 13;
  rng_state_ ^= rng_state_ >> 7;
  rng_state_ ^= rng_state_ << 17;
  const int64_t half = ceiling / 2;
  return half + (half > 0 ? static_cast<int64_t>(rng_state_ % static_cast<uint64_t>(half + 1)) : 0);
}

int64_t Replicator::wait_before_retry(int attempt, int64_t retry_after_s) {
  constexpr int64_t kMaxRetryAfterMs = 60'000;
  return std::max(backoff_ms(attempt), std::min(retry_after_s * 1000, kMaxRetryAfterMs));
}

Result<HttpResponse> Replicator::send_with_retry(const HttpRequest& request, SyncProgress& progress) {
  Status last;
  int64_t asked_s = 0;  // Retry-After of the last answer
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      ++progress.retries;
      const int64_t wait = wait_before_retry(attempt - 1, asked_s);
      if (waiting_callback_ != nullptr && *waiting_callback_) {
        progress.retry_in_ms = wait;
        progress.waiting_because = last.message();
        (*waiting_callback_)(progress);
        progress.retry_in_ms = 0;
        progress.waiting_because.clear();
      }
      sleeper_.sleep_ms(wait);
    }
    auto response = transport_.send(request);
    asked_s = 0;
    if (response.ok()) {
      Status s = status_from_response(*response);
      if (s.ok()) return response;
      asked_s = response->retry_after_s;
      // A quota the office sets does not lift in seconds: the next sync tries again.
      auto error = decode_error(response->body);
      if (error.ok() && error->code == ErrorCode::kQuotaExceeded) return s;
      last = s;
    } else {
      last = response.status();
    }
    if (!last.retryable()) return last;
  }
  return last.with_context("gave up after " + std::to_string(options_.max_attempts) + " attempts");
}

Status Replicator::push_all(const std::string& token, SyncReport& report, SyncProgress& progress,
                            const ProgressCallback& callback) {
  auto total = store_.pending_count();
  if (!total.ok()) return total.status();
  progress.phase = "push";
  progress.to_push = *total;
  if (callback) callback(progress);
  while (true) {
    auto batch = store_.pending_changes(static_cast<int64_t>(options_.push_batch));
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return Status();
    PushRequest request;
    request.protocol_version = options_.protocol_version;
    request.schema_version = store_.schema().version();
    request.device_time_ms = store_.clock().now_ms();
    for (const auto& change : *batch) {
      auto wire = wire_change(change);
      if (!wire.ok()) return wire.status();
      request.changes.push_back(std::move(wire).value());
    }
    auto response = send_with_retry({"POST", "/v1/push", token, encode(request)}, progress);
    if (!response.ok()) return response.status().with_context("push");
    auto decoded = decode_push_response(response->body);
    if (!decoded.ok()) return decoded.status();
    std::vector<ChangeAck> acks;
    for (const auto& result : decoded->results) {
      acks.push_back({result.seq, result.outcome == ChangeOutcome::kRejected, result.reason});
      switch (result.outcome) {
        case ChangeOutcome::kApplied: ++report.applied; break;
        case ChangeOutcome::kMerged: ++report.merged; break;
        case ChangeOutcome::kConflict: ++report.conflicts; break;
        case ChangeOutcome::kRejected: ++report.rejected; break;
      }
    }
    if (acks.empty()) return Status::internal("the server answered a push with no results");
    FIELDSYNC_RETURN_IF_ERROR(store_.acknowledge(acks));
    report.pushed += static_cast<int64_t>(acks.size());
    progress.pushed = report.pushed;
    if (callback) callback(progress);
  }
}

Status Replicator::pull_all(const std::string& token, SyncReport& report, SyncProgress& progress,
                            const ProgressCallback& callback) {
  progress.phase = "pull";
  if (callback) callback(progress);
  while (true) {
    auto cursors = store_.cursors();
    if (!cursors.ok()) return cursors.status();
    auto settled_after = store_.sync_value(kSettledCursor);
    if (!settled_after.ok()) return settled_after.status();
    PullRequest request;
    request.protocol_version = options_.protocol_version;
    request.schema_version = store_.schema().version();
    request.cursors = *cursors;
    request.limit = options_.pull_page;
    request.settled_after = std::strtoll(settled_after->c_str(), nullptr, 10);
    auto response = send_with_retry({"POST", "/v1/pull", token, encode(request)}, progress);
    if (!response.ok()) return response.status().with_context("pull");
    auto page = decode_pull_response(response->body);
    if (!page.ok()) return page.status();
    // Every sync measures the clock again, so a warning lasts until the clock is right.
    if (page->server_time_ms > 0) {
      const int64_t error = store_.clock().now_ms() - page->server_time_ms;
      report.clock_ahead_ms = std::llabs(error) > kClockToleranceMs ? error : 0;
    }
    // Settlements first: an accepted change's record may come in this very page, and
    // its parked entry must be gone before then.
    // Each is told to the user once: when it clears an entry still parked here.
    if (page->settled && !page->settled->empty()) {
      auto parked = store_.parked_changes();
      if (!parked.ok()) return parked.status();
      std::vector<SettledChange> settled;
      for (const Settlement& s : *page->settled) {
        const bool voided = s.outcome == "voided";
        settled.push_back({s.seq, s.change_id, voided});
        auto entry = std::find_if(parked->begin(), parked->end(), [&](const OutboxChange& c) {
          return c.seq == s.seq && c.change_id == s.change_id;
        });
        if (entry == parked->end()) continue;
        report.settled.push_back({*entry, voided, s.note});
        ++(voided ? report.voided_by_office : report.accepted_by_office);
      }
      FIELDSYNC_RETURN_IF_ERROR(store_.settle_parked(settled));
      FIELDSYNC_RETURN_IF_ERROR(
          store_.set_sync_value(kSettledCursor, std::to_string(page->settled_cursor)));
    }
    // A rotated token is kept at once and used from the next sync on: the one this
    // sync uses works until the server sees the new one, so a kill here loses nothing.
    if (!page->new_device_token.empty()) {
      FIELDSYNC_RETURN_IF_ERROR(store_.set_sync_value(kSyncToken, page->new_device_token));
      report.token_rotated = true;
    }
    std::vector<Record> records;
    records.reserve(page->records.size());
    for (auto& wire : page->records) records.push_back(std::move(wire.record));
    FIELDSYNC_RETURN_IF_ERROR(
        store_.apply_pull_page(records, page->cursors, page->more ? nullptr : &page->buckets));
    if (page->access) FIELDSYNC_RETURN_IF_ERROR(store_.set_access(*page->access));
    report.pulled += static_cast<int64_t>(records.size());
    ++report.pull_pages;
    progress.pulled = report.pulled;
    if (callback) callback(progress);
    if (!page->more) return Status();
  }
}

Result<std::string> Replicator::device_token() const {
  auto stored = store_.sync_value(kSyncToken);
  if (!stored.ok()) return stored.status();
  if (stored->empty()) {
    return Status::failed_precondition("this device is not enrolled; run 'fieldsync enroll' first");
  }
  const bool host_keeps_it = *stored == kTokenKeptByHost;
  return options_.device_token.empty() || !host_keeps_it ? *stored : options_.device_token;
}

Result<SyncReport> Replicator::sync(const ProgressCallback& callback) {
  SyncProgress progress;
  waiting_callback_ = &callback;
  auto report = sync_once(callback, progress);
  waiting_callback_ = nullptr;
  if (report.ok()) return report;
  const Status& failed = report.status();
  // The server no longer takes this device's token (attachments have their own
  // refusals, so only push and pull say so): remember why until it enrolls again.
  if (failed.code() == StatusCode::kPermissionDenied &&
      (progress.phase.empty() || progress.phase == "push" || progress.phase == "pull")) {
    FIELDSYNC_RETURN_IF_ERROR(store_.set_sync_value(kSyncRevoked, failed.message()));
  }
  if (failed.code() == StatusCode::kUnavailable || failed.code() == StatusCode::kPermissionDenied) {
    auto pending = store_.pending_count();
    if (pending.ok() && *pending > 0) {
      const std::string count = std::to_string(*pending) + (*pending == 1 ? " change" : " changes");
      if (failed.code() == StatusCode::kUnavailable) {
        return Status::unavailable(
            failed.message() + "; " + count +
            (*pending == 1 ? " is kept on this phone and goes" : " are kept on this phone and go") +
            " with the next sync that reaches the server");
      }
      // The server's refusal already says the changes are kept; say how many.
      return Status::permission_denied(failed.message() + " (" + count + " waiting)");
    }
  }
  return report;
}

Result<SyncReport> Replicator::sync_once(const ProgressCallback& callback, SyncProgress& progress) {
  auto token = device_token();
  if (!token.ok()) return token.status();
  SyncReport report;
  FIELDSYNC_RETURN_IF_ERROR(push_all(*token, report, progress, callback));
  FIELDSYNC_RETURN_IF_ERROR(pull_all(*token, report, progress, callback));
  FIELDSYNC_RETURN_IF_ERROR(upload_blobs(*token, report, progress, callback));
  if (options_.prefetch_blobs) FIELDSYNC_RETURN_IF_ERROR(prefetch_blobs(*token, report, progress, callback));
  report.retries = progress.retries;
  FIELDSYNC_RETURN_IF_ERROR(store_.set_sync_value(kSyncClockAhead, std::to_string(report.clock_ahead_ms)));
  FIELDSYNC_RETURN_IF_ERROR(
      store_.set_sync_value(kSyncLastSuccess, std::to_string(store_.clock().now_ms())));
  return report;
}

Result<SyncStatus> Replicator::read_status(const DeviceStore& store_) {
  SyncStatus s;
  auto token = store_.sync_value(kSyncToken);
  if (!token.ok()) return token.status();
  s.enrolled = !token->empty();
  auto refused = store_.sync_value(kSyncRevoked);
  if (!refused.ok()) return refused.status();
  s.refused_by_server = *refused;
  auto server = store_.sync_value(kSyncServer);
  if (!server.ok()) return server.status();
  s.server = *server;
  auto pending = store_.pending_count();
  if (!pending.ok()) return pending.status();
  s.pending = *pending;
  auto parked = store_.parked_changes();
  if (!parked.ok()) return parked.status();
  s.parked = static_cast<int64_t>(parked->size());
  auto last = store_.sync_value(kSyncLastSuccess);
  if (!last.ok()) return last.status();
  s.last_success_ms = to_int(*last);
  auto ahead = store_.sync_value(kSyncClockAhead);
  if (!ahead.ok()) return ahead.status();
  s.clock_ahead_ms = to_int(*ahead);
  auto usage = blob_usage(store_);
  if (!usage.ok()) return usage.status();
  s.upload_blobs = usage->upload_blobs;
  s.upload_bytes = usage->upload_bytes;
  return s;
}

}  // namespace fieldsync
