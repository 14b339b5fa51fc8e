// The replicator: pushes the outbox in bounded batches, then pulls every bucket in
// pages, retrying retryable failures with exponential backoff and jitter. Every step
// commits locally before the next request, so a sync killed at any point resumes
// where it stopped, and the server's exactly-once answers make re-sending harmless.
//
// A Replicator borrows its DeviceStore and HttpTransport, which must outlive it. It is
// not thread-safe: run one sync at a time per store. The progress callback is called
// on the syncing thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fieldsync/device_store.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/protocol.h"

namespace fieldsync {

// Waits between retries. Tests and simulations replace it to run without waiting.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_ms(int64_t ms) = 0;
  static Sleeper& real();
};

struct ReplicatorOptions {
  size_t push_batch = 200;          // changes per push, at most kMaxPushChanges
  int64_t pull_page = 1000;         // records per pull page, at most kMaxPullLimit
  int max_attempts = 6;             // per request, for retryable failures
  int64_t backoff_initial_ms = 200;
  int64_t backoff_max_ms = 10'000;
  uint64_t jitter_seed = 0;         // 0: seeded from the clock
  Sleeper* sleeper = nullptr;       // Sleeper::real() when null
  // Attachments: bytes per upload or download request (at most kMaxBlobChunk), and
  // whether a sync also downloads the bytes of every attachment in the device's
  // buckets (otherwise they come on request, with fetch_blob()), up to a budget.
  int64_t blob_chunk = int64_t{1} << 20;
  // The device token, when the app keeps it in the platform keychain rather than in
  // the database; empty: the one enrollment stored (DeviceStore::sync_value). A token
  // the server rotated and the app has not taken yet is stored, and wins over this.
  std::string device_token;
  bool prefetch_blobs = false;
  int64_t prefetch_max_bytes = int64_t{256} << 20;
  // The protocol version the requests name (kMinProtocolVersion to kProtocolVersion):
  // a build of the previous version is tested against this server by setting it.
  int protocol_version = kProtocolVersion;
};

struct SyncProgress {
  std::string phase;  // "push", "pull", "upload" or "download"
  int64_t pushed = 0;
  int64_t to_push = 0;
  int64_t pulled = 0;
  int64_t retries = 0;
  int64_t bytes_sent = 0;  // attachment bytes, this sync
  int64_t bytes_to_send = 0;
  int64_t bytes_received = 0;
  // While waiting to try a request again: how long the wait is and what failed; 0 and
  // empty otherwise.
  int64_t retry_in_ms = 0;
  std::string waiting_because;
};
using ProgressCallback = std::function<void(const SyncProgress&)>;

// One of this device's parked changes the office settled, as the phone held it, with
// the office's note ("paid at the office; void the duplicate").
struct OfficeSettlement {
  OutboxChange change;
  bool voided = false;
  std::string note;
};

struct SyncReport {
  int64_t pushed = 0;
  int64_t applied = 0;
  int64_t merged = 0;
  int64_t conflicts = 0;
  int64_t rejected = 0;
  int64_t pulled = 0;
  int64_t pull_pages = 0;
  int64_t retries = 0;
  int64_t clock_ahead_ms = 0;      // this device's clock minus the server's; 0 when right
  int64_t blobs_uploaded = 0;      // now on the server (some without sending a byte)
  int64_t blob_bytes_sent = 0;
  int64_t blobs_waiting = 0;       // still to upload: refused for now, see `attachments`
  int64_t blob_resends = 0;        // chunks or blobs the server found corrupt and got again
  int64_t blobs_downloaded = 0;    // prefetched
  int64_t accepted_by_office = 0;  // refused changes the office accepted since the last sync
  int64_t voided_by_office = 0;    // ... and voided; their parked entries are gone
  std::vector<OfficeSettlement> settled;  // those entries, each told once
  // The server rotated the device's token: the store holds the new one, used from the
  // next sync on. An app that keeps the token itself (ReplicatorOptions::device_token)
  // moves it to its keychain (fieldsync_take_device_token in the C API); until then
  // the stored one is used.
  bool token_rotated = false;
};

struct SyncStatus {
  bool enrolled = false;
  // Why the server no longer admits this device (revoked, or its user deactivated),
  // as it last said; empty while it does. Enrolling again clears it.
  std::string refused_by_server;
  std::string server;
  int64_t pending = 0;
  int64_t parked = 0;
  int64_t last_success_ms = 0;  // 0: never
  int64_t clock_ahead_ms = 0;  // the clock error the last sync measured (< 0: behind), 0 when right
  int64_t upload_blobs = 0;     // attachments whose bytes are not all on the server
  int64_t upload_bytes = 0;     // the bytes still to send
};

// Keys of DeviceStore::sync_value used by the replicator.
inline constexpr const char* kSyncServer = "server";
inline constexpr const char* kSyncToken = "device_token";
// What kSyncToken holds when the app keeps the device token in its keychain (the C
// API's FIELDSYNC_TOKEN_IN_HOST): the device is enrolled, the token is elsewhere.
inline constexpr const char* kTokenKeptByHost = "@kept-by-host";
// TLS to the server, as given at enrollment: a CA file to trust, a key pin.
inline constexpr const char* kSyncCaFile = "server_ca_file";
inline constexpr const char* kSyncPin = "server_pin";
// The last settlement of this device's refused changes it has applied (PullRequest).
inline constexpr const char* kSettledCursor = "settled_cursor";
// Set when the server said this device is revoked; cleared by enrolling again.
inline constexpr const char* kSyncRevoked = "revoked";
inline constexpr const char* kSyncDeviceId = "device_id";
inline constexpr const char* kSyncLastSuccess = "last_success_ms";
inline constexpr const char* kSyncClockAhead = "clock_ahead_ms";

// The enrollment request of a device database that exists already: its schema, its
// user and the device code its receipts carry, which the server checks before it uses
// the code, so a phone that cannot take the enrollment does not spend it.
Result<EnrollRequest> enrollment_request(const DeviceStore& store, const std::string& code);
// Exchanges a one-time enrollment code for this device's token and code.
Result<EnrollResponse> request_enrollment(HttpTransport& transport, const EnrollRequest& request);
// The same for a phone with no database yet.
Result<EnrollResponse> request_enrollment(HttpTransport& transport, const std::string& code,
                                          int schema_version);
// Stores an enrollment in the device database: the server's device code (refused if
// receipts were already issued under another), the token and the server address; a
// device the server had revoked is no longer marked so.
Status adopt_enrollment(DeviceStore& store, const EnrollResponse& enrollment,
                        const std::string& server);

class Replicator {
 public:
  Replicator(DeviceStore& store, HttpTransport& transport, ReplicatorOptions options = {});

  // Pushes everything pending, pulls until the server has nothing more, then uploads
  // the bytes of attachments (records first: a slow photo never holds back a
  // payment), resuming each from what the server confirmed, and prefetches when
  // asked to.
  Result<SyncReport> sync(const ProgressCallback& progress = {});
  // Brings the bytes of an attachment (by its sha256) to this device, resuming a
  // download broken off earlier, and returns the path of their file; "" when the
  // database is encrypted, whose files are sealed (AttachmentStore::read and export_to
  // give the bytes). The server must hold them and the attachment must be in this
  // device's buckets.
  Result<std::string> fetch_blob(const std::string& sha256, const ProgressCallback& progress = {});
  Result<SyncStatus> status() const { return read_status(store_); }
  // The same without a transport, for a status screen while offline.
  static Result<SyncStatus> read_status(const DeviceStore& store);

 private:
  // One sync, without noting a refusal of this device (sync() does that).
  Result<SyncReport> sync_once(const ProgressCallback& callback, SyncProgress& progress);
  Result<HttpResponse> send_with_retry(const HttpRequest& request, SyncProgress& progress);
  Status push_all(const std::string& token, SyncReport& report, SyncProgress& progress,
                  const ProgressCallback& callback);
  Status pull_all(const std::string& token, SyncReport& report, SyncProgress& progress,
                  const ProgressCallback& callback);
  int64_t backoff_ms(int attempt);
  // The wait before retry number `attempt` + 1: the backoff, or what the server asked
  // (Retry-After, in seconds) when longer, up to a minute so a sync stays bounded.
  int64_t wait_before_retry(int attempt, int64_t retry_after_s);
  // The token of every request: the options' or the stored one; failed_precondition
  // when the device is not enrolled.
  Result<std::string> device_token() const;
  // Attachments (blob_transfer.cpp).
  Status upload_blobs(const std::string& token, SyncReport& report, SyncProgress& progress,
                      const ProgressCallback& callback);
  Status upload_blob(const std::string& token, const std::string& sha256, int64_t size,
                     int64_t offset, SyncReport& report, SyncProgress& progress,
                     const ProgressCallback& callback);
  Result<std::string> download_blob(const std::string& token, const std::string& sha256,
                                    SyncProgress& progress, const ProgressCallback& callback);
  Status prefetch_blobs(const std::string& token, SyncReport& report, SyncProgress& progress,
                        const ProgressCallback& callback);
  // The change as sent: with the possession proof of an attachment's bytes (protocol
  // 2) when they are on this device.
  Result<WireChange> wire_change(const OutboxChange& change);

  DeviceStore& store_;
  HttpTransport& transport_;
  ReplicatorOptions options_;
  Sleeper& sleeper_;
  uint64_t rng_state_;
  // The callback of the sync under way, told of each wait before a retry.
  const ProgressCallback* waiting_callback_ = nullptr;
};

// The Status an HTTP error response stands for (401 -> permission_denied, 426 ->
// failed_precondition "update the app", 5xx -> unavailable, ...), with the server's
// message.
Status status_from_response(const HttpResponse& response);

}  // namespace fieldsync
