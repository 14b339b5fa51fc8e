// A deterministic multi-device simulation: several devices, each with its own real
// SQLite store, syncing with the real sync service and server store through an
// in-process transport that injects faults, all driven by one seed. Steps are random
// field work on shared records, syncs, crashes, server restarts, clock skew and a
// building changing hands; every step is written to a trace that replays the run.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fieldsync/field_work.h"
#include "fieldsync/replicator.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/sync_service.h"
#include "test_support.h"

namespace fieldsync::simulation {

// Counts of what was injected, summed over a run.
struct FaultCounts {
  int64_t dropped_requests = 0;
  int64_t dropped_responses = 0;
  int64_t duplicated = 0;
  int64_t crashes = 0;
  int64_t server_restarts = 0;
  int64_t skews = 0;
  int64_t reassignments = 0;
};

class FaultyTransport;

// An lww edit the simulation made, to check that no concurrent edit vanished.
struct LwwEdit {
  std::string device;
  std::string collection, record, field;
  Json value;
};

struct SimDevice {
  std::string user;
  std::string role;
  std::string path;
  std::unique_ptr<ManualClock> clock;  // the phone's own clock, maybe skewed
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<FaultyTransport> transport;
  std::set<std::string> created;  // ids of events this device recorded (ok returned)
};

class SimWorld {
 public:
  SimWorld(uint64_t seed, const std::string& folder);
  ~SimWorld();

  // Runs `steps` random steps, then syncs everyone until nothing moves.
  Status run(int steps);
  // Every invariant of the design brief; the problems found (empty when all hold).
  std::vector<std::string> check_invariants();

  const std::vector<std::string>& trace() const { return trace_; }
  const FaultCounts& faults() const { return faults_; }

 private:
  friend class FaultyTransport;
  Status set_up();
  Status enroll(const std::string& user, const std::string& role, const std::vector<std::string>& buildings);
  Status open_device(SimDevice& device);
  Status open_server();
  Status step();
  Status field_work(SimDevice& device);
  Status sync(SimDevice& device, bool faults);
  Status quiesce();
  std::string pick(const std::vector<std::string>& from);
  std::vector<std::string> held(SimDevice& device, const std::string& collection);
  void note(const std::string& line) { trace_.push_back(line); }

  std::mt19937_64 rng_;
  std::string folder_;
  ManualClock server_clock_;
  std::unique_ptr<server::ServerStore> server_store_;
  std::unique_ptr<server::SyncService> service_;
  std::unique_ptr<server::OfficeAdmin> admin_;
  std::map<std::string, SimDevice> devices_;
  std::vector<std::string> buildings_;
  std::string estate_;
  std::vector<LwwEdit> edits_;
  FaultCounts faults_;
  std::vector<std::string> trace_;
  bool faults_on_ = true;
};

}  // namespace fieldsync::simulation
