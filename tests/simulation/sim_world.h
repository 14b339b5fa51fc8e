// A deterministic multi-device simulation: several devices, each with its own real
// SQLite store, syncing with the real sync service and server store through an
// in-process transport that injects faults, all driven by one seed. Steps are random
// field work on shared records, syncs, crashes, server restarts, clock skew and a
// building changing hands, photos attached and their bytes uploaded in chunks; every
// step is written to a trace that replays the run.
//
// Every phase draws from its own random stream, derived from (seed, phase): the
// set-up, each step by its index, the final quiescence. So a run with some steps
// skipped plays every other step with the same draws as the full run, which is what
// lets a failing run be shrunk (trace_shrinker.h). Node ids are fixed per user and
// records made in the set-up get distinct milliseconds, so ids and stamps sort the
// same way in every replay.
#pragma once

#include <functional>
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
  int64_t damaged_chunks = 0;           // a blob chunk's bytes changed on the way up
  int64_t damaged_chunks_rehashed = 0;  // ... with a chunk_sha256 that matches the damage
  int64_t refused_accepted = 0;         // refused changes the office accepted
  int64_t refused_voided = 0;           // ... and voided
};

// What the attachment work of a run did, summed over a run.
struct AttachmentCounts {
  int64_t attached = 0;  // attach() calls that returned ok
  int64_t bytes_attached = 0;
  int64_t bytes_put = 0;  // chunk bytes of every upload request the server saw
  int64_t reclaims = 0;
  int64_t fetches = 0;  // fetch_blob() calls, whatever they answered
  int64_t prefetch_syncs = 0;
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
  std::set<std::string> created;                // ids of events this device recorded (ok returned)
  std::map<std::string, std::string> attached;  // attachment id -> sha256, recorded here
  std::vector<uint64_t> photos;                 // numbers of the photos it attached
};

// A check added to the design brief's invariants, given the server's records by id
// after quiescence; returns the problems found. Tests plant failures with it.
using ExtraInvariant =
    std::function<std::vector<std::string>(const std::map<std::string, Record>& server)>;

class SimWorld {
 public:
  SimWorld(uint64_t seed, const std::string& folder);
  ~SimWorld();

  // Runs the steps 0 .. steps-1 except those in `skipped`, then syncs everyone until
  // nothing moves.
  Status run(int steps, const std::set<int>& skipped = {});
  // Every invariant of the design brief, and the extra one if set; the problems found
  // (empty when all hold).
  std::vector<std::string> check_invariants();
  void set_extra_invariant(ExtraInvariant check) { extra_invariant_ = std::move(check); }

  const std::vector<std::string>& trace() const { return trace_; }
  const FaultCounts& faults() const { return faults_; }
  const AttachmentCounts& attachments() const { return attachments_; }

 private:
  friend class FaultyTransport;
  Status set_up();
  Status enroll(const std::string& user, const std::string& role,
                const std::vector<std::string>& buildings);
  Status open_device(SimDevice& device);
  Status open_server();
  // Reseeds the random stream for a phase (0: set-up, i + 1: step i, then quiescence)
  // and labels the trace lines that follow.
  void enter(uint64_t phase, const std::string& label);
  Status step();
  // The office settles one open refused change: accepts it as it came, or voids it.
  Status office_settles();
  void check_refused(const std::map<std::string, Record>& server,
                     std::vector<std::string>& problems);
  Status field_work(SimDevice& device);
  // sim_attachments.cpp: attach a photo, reclaim space, fetch another phone's photo or
  // sync with prefetch.
  Status attachment_work(SimDevice& device);
  Status attach_photo(SimDevice& device);
  Status fetch_photo(SimDevice& device);
  ReplicatorOptions replicator_options(bool faults);
  Status sync(SimDevice& device, bool faults, bool prefetch = false);
  Status quiesce();
  bool blobs_waiting();
  void check_figures(const std::map<std::string, Record>& server,
                     std::vector<std::string>& problems);
  void check_attachments(const std::map<std::string, Record>& server,
                         std::vector<std::string>& problems);
  std::string pick(const std::vector<std::string>& from);
  std::vector<std::string> held(SimDevice& device, const std::string& collection);
  void note(const std::string& line) { trace_.push_back(label_ + line); }

  uint64_t seed_;
  std::mt19937_64 rng_;
  std::string label_;
  std::string folder_;
  ManualClock server_clock_;
  int64_t blob_chunk_;  // bytes per blob request, drawn per seed
  std::unique_ptr<server::ServerStore> server_store_;
  std::unique_ptr<server::BlobStore> blobs_;  // outlives service_, which borrows it
  std::unique_ptr<server::SyncService> service_;
  std::unique_ptr<server::OfficeAdmin> admin_;
  std::map<std::string, SimDevice> devices_;
  std::vector<std::string> buildings_;
  std::string estate_;
  std::vector<LwwEdit> edits_;
  std::vector<server::RefusedChange> accepted_;  // as accept_refused returned them
  std::set<std::string> voided_creates_;         // records whose refused create was voided
  std::set<std::string> settled_records_;        // records of any settled refused change
  FaultCounts faults_;
  AttachmentCounts attachments_;
  std::vector<std::string> trace_;
  bool faults_on_ = true;
  ExtraInvariant extra_invariant_;
};

// One simulation run: a seed, a number of steps, and the steps it skips.
struct SimRun {
  uint64_t seed = 1;
  int steps = 60;
  std::set<int> skipped;
};

struct SimOutcome {
  std::vector<std::string> problems;  // empty: every invariant held
  std::vector<std::string> trace;
  FaultCounts faults;
  AttachmentCounts attachments;
};

// Field work a phone refused for a reason a person can act on (not a failure of the run).
bool refused_for_a_reason(const Status& s);

// Plays `run` in a fresh folder (on a memory file system when there is one), checks
// every invariant, removes the folder.
SimOutcome run_simulation(const SimRun& run, const ExtraInvariant& extra = {});

}  // namespace fieldsync::simulation
