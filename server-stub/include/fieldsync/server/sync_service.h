// The server's sync service: turns one HTTP request (already read by the HTTP front,
// or handed over in-process by a test's loopback transport) into one response.
// It authenticates the device, checks versions and scope, merges pushed changes with
// the shared merge rules in one transaction per request, and serves pulls by bucket.
//
// handle() never throws and is thread-safe; requests are serialised by the store.
#pragma once

#include <cstdint>
#include <string>

#include "fieldsync/clock.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

struct SyncServiceOptions {
  int64_t max_clock_skew_ms = 5 * 60 * 1000;  // stamps further ahead are clamped
  size_t max_body_bytes = 8 * 1024 * 1024;
};

class SyncService {
 public:
  SyncService(ServerStore& store, const Schema& schema, const Clock& clock,
              SyncServiceOptions options = {});

  HttpResponse handle(const HttpRequest& request);

  const SyncServiceOptions& options() const { return options_; }

 private:
  HttpResponse route(const HttpRequest& request);
  HttpResponse enroll(const std::string& body);
  HttpResponse push(const std::string& token, const std::string& body);
  HttpResponse pull(const std::string& token, const std::string& body);

  ServerStore& store_;
  const Schema& schema_;
  const Clock& clock_;
  SyncServiceOptions options_;
};

// An error response: {"error": {"code", "message", "retryable"}}.
HttpResponse error_response(int status, const std::string& code, const std::string& message,
                            bool retryable = false);

}  // namespace fieldsync::server
