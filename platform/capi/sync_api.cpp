// The C API's sync: enrollment (creating the device database from the server's
// answer), moving the device token to the host's keychain, and the replicator handle,
// which syncs on its own database connection through the host's HTTP stack.
//
// The device token may live with the host: the database then keeps kTokenKeptByHost
// in place of the token, so the device reads as enrolled, and the replicator is given
// the host's token (ReplicatorOptions::device_token) for every request.
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include "boundary.h"
#include "fieldsync/fieldsync.h"
#include "fieldsync/replicator.h"
#include "handles.h"
#include "host_transport.h"

using namespace fieldsync;
using namespace fieldsync::capi;

// Members are destroyed replicator first, then the transport, then the store.
struct fieldsync_replicator {
  std::mutex running;  // held for the length of a sync
  Cancellation cancellation;
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<HostTransport> transport;
  std::unique_ptr<Replicator> replicator;
};

namespace {

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

fieldsync_error transport_error(const Status& status, const HostTransport& transport) {
  return to_error(status, transport.last_failure_was_network() ? FIELDSYNC_DOMAIN_NETWORK
                                                               : FIELDSYNC_DOMAIN_FIELDSYNC);
}

// Enrolls the database at `path`, creating it when there is none. An existing one says
// who it belongs to and which receipts it has issued, so the server refuses a code it
// cannot take without using it up.
struct Enrolled {
  std::unique_ptr<DeviceStore> store;
  EnrollResponse enrollment;
};
Result<Enrolled> ask_enrollment(const std::string& path, const DeviceStoreOptions& options,
                                HttpTransport& http, const std::string& code) {
  Enrolled enrolled;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto store = DeviceStore::open(path, options);
    if (!store.ok()) return store.status();
    enrolled.store = std::move(store).value();
    auto request = enrollment_request(*enrolled.store, code);
    if (!request.ok()) return request.status();
    auto enrollment = request_enrollment(http, *request);
    if (!enrollment.ok()) return enrollment.status();
    enrolled.enrollment = std::move(enrollment).value();
    return enrolled;
  }
  auto enrollment = request_enrollment(http, code, Schema::property_management().version());
  if (!enrollment.ok()) return enrollment.status();
  enrolled.enrollment = std::move(enrollment).value();
  auto store = DeviceStore::create(
      path, {enrolled.enrollment.device_code, enrolled.enrollment.user, ""}, options);
  if (!store.ok()) return store.status();
  enrolled.store = std::move(store).value();
  return enrolled;
}

ReplicatorOptions replicator_options(const fieldsync_replicator_options& c, Sleeper& sleeper,
                                     const std::string& host_token) {
  ReplicatorOptions options;
  options.device_token = host_token;
  if (c.max_attempts > 0) options.max_attempts = c.max_attempts;
  if (c.backoff_initial_ms > 0) options.backoff_initial_ms = c.backoff_initial_ms;
  if (c.backoff_max_ms > 0) options.backoff_max_ms = c.backoff_max_ms;
  options.prefetch_blobs = c.prefetch_attachments != 0;
  if (c.prefetch_max_bytes > 0) options.prefetch_max_bytes = c.prefetch_max_bytes;
  options.sleeper = &sleeper;
  return options;
}

// The server address and the token a new replicator uses: the options' when given,
// otherwise what enrollment stored.
Status sync_settings(const DeviceStore& store, const fieldsync_replicator_options& options,
                     std::string& server, std::string& host_token) {
  auto stored_token = store.sync_value(kSyncToken);
  if (!stored_token.ok()) return stored_token.status();
  host_token = options.device_token != nullptr ? options.device_token : "";
  if (stored_token->empty()) {
    return Status::failed_precondition("this device is not enrolled: call fieldsync_enroll first");
  }
  if (*stored_token == kTokenKeptByHost && host_token.empty()) {
    return Status::failed_precondition(
        "this device's token is kept by the app (FIELDSYNC_TOKEN_IN_HOST): pass it in "
        "fieldsync_replicator_options.device_token");
  }
  auto stored_server = store.sync_value(kSyncServer);
  if (!stored_server.ok()) return stored_server.status();
  server =
      without_trailing_slash(options.server_url != nullptr ? options.server_url : *stored_server);
  if (server.empty()) {
    return Status::failed_precondition(
        "no server address: pass fieldsync_replicator_options.server_url");
  }
  return Status();
}

void copy_report(const SyncReport& report, fieldsync_sync_report& out) {
  out.pushed = report.pushed;
  out.applied = report.applied;
  out.merged = report.merged;
  out.conflicts = report.conflicts;
  out.rejected = report.rejected;
  out.pulled = report.pulled;
  out.retries = report.retries;
  out.clock_ahead_ms = report.clock_ahead_ms;
  out.blobs_uploaded = report.blobs_uploaded;
  out.blob_bytes_sent = report.blob_bytes_sent;
  out.blobs_waiting = report.blobs_waiting;
  out.blobs_downloaded = report.blobs_downloaded;
}

// The progress callback of the C++ replicator over the app's C one (none when NULL).
ProgressCallback progress_callback(fieldsync_progress_fn progress, void* context) {
  if (progress == nullptr) return {};
  return [progress, context](const SyncProgress& p) {
    const fieldsync_sync_progress c{p.phase.c_str(), p.pushed,        p.to_push,
                                    p.pulled,        p.retries,       p.bytes_sent,
                                    p.bytes_to_send, p.bytes_received};
    progress(context, &c);
  };
}

// Runs one network job (`work`: a sync or a fetch) on the replicator, alone: a second
// job at the same time fails at once. A job stopped by fieldsync_replicator_cancel is
// FIELDSYNC_CANCELLED; one that got no answer is in the network domain.
template <class Work>
fieldsync_error run_alone(fieldsync_replicator& replicator, Work&& work) {
  return guarded([&] {
    std::unique_lock<std::mutex> running(replicator.running, std::try_to_lock);
    if (!running.owns_lock()) {
      fieldsync_error busy = to_error(Status::failed_precondition(
          "a sync is already running on this replicator; wait for it to end"));
      busy.retryable = 1;
      return busy;
    }
    replicator.cancellation.reset();
    const Status status = work();
    if (status.ok()) return ok_error();
    if (replicator.cancellation.cancelled()) {
      fieldsync_error cancelled = to_error(Status::failed_precondition(kCancelledMessage));
      cancelled.code = FIELDSYNC_CANCELLED;
      return cancelled;
    }
    return transport_error(status, *replicator.transport);
  });
}

fieldsync_error enroll_with(const char* path, const uint8_t* key, size_t key_size,
                            const char* server_url, const char* enrollment_code,
                            const fieldsync_http_transport* transport, int32_t token_storage,
                            fieldsync_db** out_db, char** out_enrollment_json) {
  if (out_db != nullptr) *out_db = nullptr;
  clear_outputs({out_enrollment_json});
  if (auto e = require_arguments({{path, "path"},
                                  {server_url, "server_url"},
                                  {enrollment_code, "enrollment_code"},
                                  {transport, "transport"}});
      failed(e)) {
    return e;
  }
  if (transport->send == nullptr) return api_error("transport->send is NULL");
  if (token_storage != FIELDSYNC_TOKEN_IN_DATABASE && token_storage != FIELDSYNC_TOKEN_IN_HOST) {
    return api_error("token_storage " + std::to_string(token_storage) +
                     " is not a fieldsync_token_storage (0 or 1)");
  }
  return guarded([&] {
    DeviceStoreOptions options;
    if (key != nullptr) {
      auto parsed =
          DatabaseKey::from_bytes(std::string_view(reinterpret_cast<const char*>(key), key_size));
      if (!parsed.ok()) return to_error(parsed.status().with_context("key"));
      options.key = std::move(parsed).value();
    }
    const std::string server = without_trailing_slash(server_url);
    HostTransport http(*transport, server, nullptr);
    auto enrolled = ask_enrollment(path, options, http, enrollment_code);
    if (!enrolled.ok()) return transport_error(enrolled.status(), http);
    const EnrollResponse& enrollment = enrolled->enrollment;
    const bool host_keeps_token = token_storage == FIELDSYNC_TOKEN_IN_HOST;
    EnrollResponse kept = enrollment;
    if (host_keeps_token) kept.device_token = kTokenKeptByHost;
    if (Status s = adopt_enrollment(*enrolled->store, kept, server); !s.ok()) return to_error(s);

    Json answer = {{"user", enrollment.user},
                   {"role", enrollment.role},
                   {"device_code", enrollment.device_code},
                   {"device_id", enrollment.device_id},
                   {"server", server}};
    if (host_keeps_token) answer["device_token"] = enrollment.device_token;
    auto db = std::make_unique<fieldsync_db>();
    db->path = path;
    db->options = options;
    db->store = std::move(enrolled->store);
    give_strings({{out_enrollment_json, dump_json(answer)}});
    if (out_db != nullptr) *out_db = db.release();
    return ok_error();
  });
}

}  // namespace

extern "C" {

fieldsync_error fieldsync_enroll(const char* path, const char* server_url,
                                 const char* enrollment_code,
                                 const fieldsync_http_transport* transport, int32_t token_storage,
                                 fieldsync_db** out_db, char** out_enrollment_json) {
  return enroll_with(path, nullptr, 0, server_url, enrollment_code, transport, token_storage,
                     out_db, out_enrollment_json);
}

fieldsync_error fieldsync_enroll_encrypted(const char* path, const uint8_t* key, size_t key_size,
                                           const char* server_url, const char* enrollment_code,
                                           const fieldsync_http_transport* transport,
                                           int32_t token_storage, fieldsync_db** out_db,
                                           char** out_enrollment_json) {
  if (out_db != nullptr) *out_db = nullptr;
  clear_outputs({out_enrollment_json});
  if (auto e = require_arguments({{key, "key"}}); failed(e)) return e;
  return enroll_with(path, key, key_size, server_url, enrollment_code, transport, token_storage,
                     out_db, out_enrollment_json);
}

fieldsync_error fieldsync_take_device_token(fieldsync_db* db, char** out_token) {
  clear_outputs({out_token});
  if (auto e = require_arguments({{out_token, "out_token"}}); failed(e)) return e;
  return with_db(db, [&](DeviceStore& store) {
    auto token = store.sync_value(kSyncToken);
    if (!token.ok()) return to_error(token.status());
    if (token->empty() || *token == kTokenKeptByHost) {
      return to_error(Status::failed_precondition(
          token->empty() ? "this device is not enrolled" : "the app keeps the token already"));
    }
    // The copy is made before the database forgets the token, so it cannot be lost.
    char* copy = nullptr;
    give_strings({{&copy, *token}});
    if (Status s = store.set_sync_value(kSyncToken, kTokenKeptByHost); !s.ok()) {
      fieldsync_string_free(copy);
      return to_error(s);
    }
    *out_token = copy;
    return ok_error();
  });
}

void fieldsync_replicator_options_init(fieldsync_replicator_options* options) {
  if (options != nullptr) std::memset(options, 0, sizeof *options);
}

fieldsync_error fieldsync_replicator_create(fieldsync_db* db,
                                            const fieldsync_http_transport* transport,
                                            const fieldsync_replicator_options* options,
                                            fieldsync_replicator** out_replicator) {
  if (out_replicator != nullptr) *out_replicator = nullptr;
  if (auto e = require_arguments(
          {{db, "db"}, {transport, "transport"}, {out_replicator, "out_replicator"}});
      failed(e)) {
    return e;
  }
  if (transport->send == nullptr) return api_error("transport->send is NULL");
  fieldsync_replicator_options given;
  fieldsync_replicator_options_init(&given);
  if (options != nullptr) given = *options;
  return guarded([&] {
    auto replicator = std::make_unique<fieldsync_replicator>();
    // Its own connection: a sync on a background thread leaves `db` free for the UI.
    auto store = DeviceStore::open(db->path, db->options);
    if (!store.ok()) return to_error(store.status());
    replicator->store = std::move(store).value();
    std::string server, host_token;
    if (Status s = sync_settings(*replicator->store, given, server, host_token); !s.ok()) {
      return to_error(s);
    }
    replicator->transport =
        std::make_unique<HostTransport>(*transport, server, &replicator->cancellation);
    replicator->replicator =
        std::make_unique<Replicator>(*replicator->store, *replicator->transport,
                                     replicator_options(given, replicator->cancellation, host_token));
    *out_replicator = replicator.release();
    return ok_error();
  });
}

void fieldsync_replicator_close(fieldsync_replicator* replicator) {
  delete replicator;
}

fieldsync_error fieldsync_replicator_sync(fieldsync_replicator* replicator,
                                          fieldsync_progress_fn progress, void* progress_context,
                                          fieldsync_sync_report* out_report) {
  if (out_report != nullptr) std::memset(out_report, 0, sizeof *out_report);
  if (auto e = require_arguments({{replicator, "replicator"}}); failed(e)) return e;
  return run_alone(*replicator, [&]() -> Status {
    auto report = replicator->replicator->sync(progress_callback(progress, progress_context));
    if (!report.ok()) return report.status();
    if (out_report != nullptr) copy_report(*report, *out_report);
    return Status();
  });
}

fieldsync_error fieldsync_replicator_fetch_attachment(fieldsync_replicator* replicator,
                                                      const char* sha256,
                                                      fieldsync_progress_fn progress,
                                                      void* progress_context, char** out_path) {
  clear_outputs({out_path});
  if (auto e = require_arguments({{replicator, "replicator"}, {sha256, "sha256"}}); failed(e)) {
    return e;
  }
  return run_alone(*replicator, [&]() -> Status {
    auto path =
        replicator->replicator->fetch_blob(sha256, progress_callback(progress, progress_context));
    if (!path.ok()) return path.status();
    give_strings({{out_path, *path}});
    return Status();
  });
}

void fieldsync_replicator_cancel(fieldsync_replicator* replicator) {
  if (replicator != nullptr) replicator->cancellation.cancel();
}

}  // extern "C"
