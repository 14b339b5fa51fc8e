// An in-process HttpTransport that hands requests straight to a SyncService, with
// faults on demand: drop the request before the server sees it, or drop the response
// after the server committed. Used by the sync tests and the simulation; no sockets.
#pragma once

#include <cstdint>

#include "fieldsync/http_transport.h"
#include "fieldsync/server/sync_service.h"

namespace fieldsync::testing {

class LoopbackTransport final : public HttpTransport {
 public:
  explicit LoopbackTransport(server::SyncService& service) : service_(service) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    ++requests_;
    if (drop_requests_ > 0) {
      --drop_requests_;
      return Status::unavailable("loopback: request dropped before the server");
    }
    HttpResponse response = service_.handle(request);
    if (drop_responses_ > 0) {
      --drop_responses_;
      return Status::unavailable("loopback: response dropped after the server answered");
    }
    return response;
  }

  void drop_next_requests(int n) { drop_requests_ = n; }
  void drop_next_responses(int n) { drop_responses_ = n; }
  int64_t requests() const { return requests_; }

 private:
  server::SyncService& service_;
  int drop_requests_ = 0;
  int drop_responses_ = 0;
  int64_t requests_ = 0;
};

}  // namespace fieldsync::testing
