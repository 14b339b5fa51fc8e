// The simulation's network: hands requests to the world's current sync service, and
// when faults are on, loses some requests before the server sees them, loses some
// responses after the server committed, delivers some requests twice, damages the
// bytes of some blob chunks on the way up (sometimes with a chunk_sha256 that matches
// the damage, so only the whole blob's hash can tell), and can play a phone dying
// after a number of requests (everything after fails). Blob requests meet the same
// faults as the others.
#pragma once

#include <cstdint>
#include <string>

#include "fieldsync/attachments.h"
#include "fieldsync/http_transport.h"
#include "sim_world.h"

namespace fieldsync::simulation {

class FaultyTransport final : public HttpTransport {
 public:
  explicit FaultyTransport(SimWorld& world) : world_(world) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (dies_after_ == 0) return Status::unavailable("sim: the phone is dead");
    if (dies_after_ > 0) --dies_after_;
    if (!world_.faults_on_) return deliver(request);
    const int roll = static_cast<int>(world_.rng_() % 100);
    if (roll < 7) {
      ++world_.faults_.dropped_requests;
      return Status::unavailable("sim: request lost");
    }
    if (roll >= 18 && roll < 22 && is_chunk(request)) return deliver(damaged(request));
    HttpResponse response = deliver(request);
    if (roll < 14) {
      ++world_.faults_.dropped_responses;
      return Status::unavailable("sim: response lost");
    }
    if (roll < 18) {
      ++world_.faults_.duplicated;
      return deliver(request);  // delivered twice; the second answer arrives
    }
    return response;
  }

  // The phone dies after `requests` more requests (negative: never).
  void die_after(int64_t requests) { dies_after_ = requests; }

 private:
  static bool is_chunk(const HttpRequest& request) {
    return request.method == "PUT" && !request.body.empty();
  }

  HttpResponse deliver(const HttpRequest& request) {
    if (is_chunk(request)) {
      world_.attachments_.bytes_put += static_cast<int64_t>(request.body.size());
    }
    return world_.service_->handle(request);
  }

  // The chunk with one byte changed, and half the time its chunk_sha256 with it.
  HttpRequest damaged(const HttpRequest& request) {
    ++world_.faults_.damaged_chunks;
    HttpRequest copy = request;
    copy.body[world_.rng_() % copy.body.size()] ^= static_cast<char>(1 + world_.rng_() % 255);
    const size_t at = copy.path.find("chunk_sha256=");
    if (world_.rng_() % 2 && at != std::string::npos) {
      ++world_.faults_.damaged_chunks_rehashed;
      copy.path.replace(at + 13, 64, Sha256::of(copy.body));
    }
    return copy;
  }

  SimWorld& world_;
  int64_t dies_after_ = -1;
};

}  // namespace fieldsync::simulation
