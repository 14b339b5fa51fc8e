// The HTTP front of fieldsync-server: a cpprestsdk listener that reads each request
// (refusing bodies over the limit before reading them), hands it to the SyncService
// on a worker thread of its own (never blocking cpprestsdk's fixed pool), and replies.
// This header is free of cpprestsdk types, so only http_front.cpp pays for them.
#pragma once

#include <memory>
#include <string>

#include "fieldsync/server/sync_service.h"

namespace fieldsync::server {

struct HttpFrontOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0: any free port (url() says which)
  size_t max_body_bytes = 8 * 1024 * 1024;
  int workers = 2;  // threads that run the sync service
};

class HttpFront {
 public:
  // Starts listening; fails with a clear message when the address cannot be bound.
  static Result<std::unique_ptr<HttpFront>> start(SyncService& service, const HttpFrontOptions& options);
  virtual ~HttpFront() = default;
  // Stops accepting, lets requests in flight finish, and returns. Idempotent.
  virtual void stop() = 0;
  virtual std::string url() const = 0;

 private:
  static Result<std::unique_ptr<HttpFront>> start_on_port(SyncService& service,
                                                          const HttpFrontOptions& options);
};

}  // namespace fieldsync::server
