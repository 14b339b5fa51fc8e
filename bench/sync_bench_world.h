// The world of the sync benchmarks (initial_sync, push_many, incremental_sync): a
// scratch folder, a server database filled directly through the server library (one
// transaction, no HTTP), the real `fieldsync-server serve` on a loopback port, and
// in-process devices enrolled over HTTP, each with its own CpprestTransport wrapped in
// a CountingTransport so the bytes on the wire can be reported.
//
// Order of use: build_estate() and add_staff() while the server is stopped (they
// write the server database directly), then start_server(), then enroll(). The world
// owns the server process and stops it when destroyed; devices are owned by the
// caller and must be destroyed before the world. One thread drives the world; each
// device may then be synced from a thread of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmark.h"
#include "cpprest_transport.h"
#include "fieldsync/replicator.h"
#include "server_process.h"

namespace fieldsync::bench {

// Counts the bodies a device sends and receives (the JSON of the protocol, without
// HTTP headers) and the time spent waiting for answers (the server's share of a sync,
// with the network and the HTTP client). Borrows the inner transport; one thread at a
// time.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(HttpTransport& inner) : inner_(inner) {}
  Result<HttpResponse> send(const HttpRequest& request) override;

  int64_t request_bytes() const { return request_bytes_; }
  int64_t response_bytes() const { return response_bytes_; }
  int64_t wire_bytes() const { return request_bytes_ + response_bytes_; }
  double waiting_seconds() const { return waiting_seconds_; }

 private:
  HttpTransport& inner_;
  int64_t request_bytes_ = 0;
  int64_t response_bytes_ = 0;
  double waiting_seconds_ = 0;
};

// An estate of `buildings` buildings with `households_per_building` units each, one
// household per unit and one charge per household.
struct EstateShape {
  int64_t buildings = 1;
  int64_t households_per_building = 1;
};

struct Estate {
  std::string id;
  std::vector<std::string> buildings;
  std::vector<std::vector<std::string>> households;  // per building, in unit order
  int64_t records = 0;                               // records created on the server
};

// "estate" or "building", and the id assigned.
using Assignment = std::pair<std::string, std::string>;

// One enrolled device. Destroy it before the world.
struct BenchDevice {
  std::string user;
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<CpprestTransport> http;
  std::unique_ptr<CountingTransport> link;  // wraps `http`; the replicator's transport
  std::unique_ptr<Replicator> replicator;
};

class SyncBenchWorld {
 public:
  SyncBenchWorld(const BenchmarkContext& context, const std::string& name);
  ~SyncBenchWorld();
  SyncBenchWorld(const SyncBenchWorld&) = delete;
  SyncBenchWorld& operator=(const SyncBenchWorld&) = delete;

  // Creates the estate on the server database in one transaction, as the office.
  Result<Estate> build_estate(const EstateShape& shape);
  // Adds the user with `role` and its assignments; a one-time enrollment code.
  Result<std::string> add_staff(const std::string& user, const std::string& role,
                                const std::vector<Assignment>& assignments);
  Status start_server();
  // Enrolls a device for the code's user over HTTP; its database is <user>.db here.
  Result<std::unique_ptr<BenchDevice>> enroll(const std::string& user, const std::string& code);
  // How many records of `collection` the server database holds now.
  Result<int64_t> count_server_records(const std::string& collection);

  const std::string& url() const;
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  ScratchDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

// Enrolls `user` with `code` at `url`, keeping the device database at `db_path`.
Result<std::unique_ptr<BenchDevice>> enroll_device(const std::string& url, const std::string& user,
                                                   const std::string& code,
                                                   const std::string& db_path);

// This process's peak resident set size so far, in MiB (VmHWM); -1 when unknown.
double peak_rss_mib();

// Seconds between two steady-clock points.
inline double seconds_between(std::chrono::steady_clock::time_point from,
                              std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace fieldsync::bench
