// HostTransport: the HttpTransport over a host's fieldsync_http_transport (the phone's
// own HTTP stack). It builds the full URL from the server address, sends nothing once
// the sync is cancelled, and remembers whether the last failure was the network's (no
// answer), which decides the error's domain. (A token the host keeps reaches the
// requests through ReplicatorOptions::device_token.)
//
// Cancellation is the Sleeper of a replicator that can be cancelled: its backoff waits
// end early on cancel().
//
// One thread at a time calls send() and sleep_ms(), as HttpTransport and the
// replicator require; cancel() may be called from any thread. Private to capi.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "fieldsync/fieldsync.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/replicator.h"

// The response sink the host's send() fills.
struct fieldsync_http_response {
  std::string body;
  std::string failure;  // why no answer came, when the host says
};

namespace fieldsync::capi {

class Cancellation final : public Sleeper {
 public:
  void sleep_ms(int64_t ms) override;
  // Starts a new sync: not cancelled.
  void reset() { cancelled_.store(false); }
  // Ends a backoff wait, and makes the transport refuse every later request.
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable woken_;
};

class HostTransport final : public HttpTransport {
 public:
  // `server_url` without a trailing slash; `cancellation` may be null (enrollment
  // cannot be cancelled).
  HostTransport(const fieldsync_http_transport& host, std::string server_url,
                const Cancellation* cancellation);

  Result<HttpResponse> send(const HttpRequest& request) override;

  // True when the last send() got no answer from the host's transport.
  bool last_failure_was_network() const { return last_failure_was_network_; }

 private:
  fieldsync_http_transport host_;
  std::string server_url_;
  const Cancellation* cancellation_;
  bool last_failure_was_network_ = false;
};

// The message of a sync stopped by fieldsync_replicator_cancel().
inline constexpr const char* kCancelledMessage = "the sync was cancelled";

}  // namespace fieldsync::capi
