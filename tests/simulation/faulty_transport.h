// The simulation's network: hands requests to the world's current sync service, and
// when faults are on, loses some requests before the server sees them, loses some
// responses after the server committed, delivers some requests twice, and can play a
// phone dying after a number of requests (everything after fails).
#pragma once

#include <cstdint>

#include "fieldsync/http_transport.h"
#include "sim_world.h"

namespace fieldsync::simulation {

class FaultyTransport final : public HttpTransport {
 public:
  explicit FaultyTransport(SimWorld& world) : world_(world) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (dies_after_ == 0) return Status::unavailable("sim: the phone is dead");
    if (dies_after_ > 0) --dies_after_;
    if (!world_.faults_on_) return world_.service_->handle(request);
    const int roll = static_cast<int>(world_.rng_() % 100);
    if (roll < 7) {
      ++world_.faults_.dropped_requests;
      return Status::unavailable("sim: request lost");
    }
    HttpResponse response = world_.service_->handle(request);
    if (roll < 14) {
      ++world_.faults_.dropped_responses;
      return Status::unavailable("sim: response lost");
    }
    if (roll < 18) {
      ++world_.faults_.duplicated;
      return world_.service_->handle(request);  // delivered twice; the second answer arrives
    }
    return response;
  }

  // The phone dies after `requests` more requests (negative: never).
  void die_after(int64_t requests) { dies_after_ = requests; }

 private:
  SimWorld& world_;
  int64_t dies_after_ = -1;
};

}  // namespace fieldsync::simulation
