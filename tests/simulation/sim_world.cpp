#include "sim_world.h"

#include <unistd.h>

#include <filesystem>

#include "faulty_transport.h"
#include "fieldsync/attachments.h"
#include "fieldsync/id.h"

namespace fieldsync::simulation {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kYear = 365LL * 24 * 60 * kMinute;

class NoSleep final : public Sleeper {
 public:
  void sleep_ms(int64_t) override {}
};

NoSleep& no_sleep() {
  static NoSleep sleeper;
  return sleeper;
}

// SplitMix64's finaliser: nearby inputs give unrelated outputs.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr uint64_t kQuiescePhase = uint64_t{1} << 40;

}  // namespace

// Blob chunks of 4 to 16 KiB, so that most photos take several requests and faults land
// in the middle of uploads. Drawn from the seed alone: the set-up's stream is untouched.
SimWorld::SimWorld(uint64_t seed, const std::string& folder)
    : seed_(seed),
      folder_(folder),
      server_clock_(testing::kSaturdayMorning),
      blob_chunk_(int64_t{4096} * (1 + static_cast<int64_t>(mix(seed ^ 0xb10bULL) % 4))) {}

SimWorld::~SimWorld() = default;

void SimWorld::enter(uint64_t phase, const std::string& label) {
  rng_.seed(mix(seed_ ^ mix(phase)));
  label_ = label;
}

std::string SimWorld::pick(const std::vector<std::string>& from) {
  return from.empty() ? std::string() : from[rng_() % from.size()];
}

Status SimWorld::open_server() {
  auto store = server::open_sqlite_server_store(folder_ + "/server.db");
  if (!store.ok()) return store.status();
  server_store_ = std::move(store).value();
  auto blobs = server::BlobStore::open(folder_ + "/server.blobs");
  if (!blobs.ok()) return blobs.status();
  blobs_ = std::move(blobs).value();
  service_ = std::make_unique<server::SyncService>(*server_store_, Schema::property_management(),
                                                   server_clock_, server::SyncServiceOptions{},
                                                   blobs_.get());
  admin_ = std::make_unique<server::OfficeAdmin>(*server_store_, Schema::property_management(),
                                                 server_clock_);
  return Status();
}

Status SimWorld::open_device(SimDevice& device) {
  DeviceStoreOptions options;
  options.clock = device.clock.get();
  options.synchronous_full = false;  // an app kill, not a power cut, is what the simulation plays
  auto store = DeviceStore::open(device.path, options);
  if (!store.ok()) return store.status();
  device.store = std::move(store).value();
  return Status();
}

Status SimWorld::enroll(const std::string& user, const std::string& role,
                        const std::vector<std::string>& buildings) {
  FIELDSYNC_RETURN_IF_ERROR(admin_->add_user(user, role));
  for (const auto& b : buildings) FIELDSYNC_RETURN_IF_ERROR(admin_->assign(user, "building", b));
  if (role == "patrol") FIELDSYNC_RETURN_IF_ERROR(admin_->assign(user, "estate", estate_));
  auto code = admin_->issue_enrollment_code(user);
  if (!code.ok()) return code.status();
  SimDevice& d = devices_[user];
  d.user = user;
  d.role = role;
  d.path = folder_ + "/" + user + ".db";
  d.clock = std::make_unique<ManualClock>(server_clock_.now_ms());
  d.transport = std::make_unique<FaultyTransport>(*this);
  faults_on_ = false;
  auto enrollment =
      request_enrollment(*d.transport, *code, Schema::property_management().version());
  faults_on_ = true;
  if (!enrollment.ok()) return enrollment.status();
  DeviceStoreOptions options;
  options.clock = d.clock.get();
  options.synchronous_full = false;
  // A fixed node id: stamps that tie on time are ordered the same way in every replay.
  auto store = DeviceStore::create(d.path, {enrollment->device_code, user, "sim" + user}, options);
  if (!store.ok()) return store.status();
  d.store = std::move(store).value();
  return adopt_enrollment(*d.store, *enrollment, "sim");
}

Status SimWorld::set_up() {
  enter(0, "set-up: ");
  FIELDSYNC_RETURN_IF_ERROR(open_server());
  // One millisecond apart, so the records' ids sort by creation in every replay.
  auto create = [this](const std::string& collection, const Json& fields) {
    server_clock_.advance(1);
    return admin_->create_record(collection, fields);
  };
  auto estate = create("estates", {{"name", "Sim Gardens"}});
  if (!estate.ok()) return estate.status();
  estate_ = estate->id;
  for (int b = 0; b < 2; ++b) {
    auto building =
        create("buildings", {{"estate", estate_}, {"name", "Block " + std::to_string(b)}});
    if (!building.ok()) return building.status();
    buildings_.push_back(building->id);
    for (int u = 0; u < 3; ++u) {
      auto unit = create("units", {{"building", building->id}, {"number", std::to_string(u)}});
      if (!unit.ok()) return unit.status();
      auto household = create("households", {{"unit", unit->id}, {"owner_name", "Owner"}});
      if (!household.ok()) return household.status();
      auto charge = create("charges", {{"household", household->id},
                                       {"fee_item", "property_fee"},
                                       {"period", "2026-11"},
                                       {"amount", 12000}});
      if (!charge.ok()) return charge.status();
    }
    auto order = create("work_orders", {{"building", building->id},
                                        {"area", "lobby"},
                                        {"category", "electrical"},
                                        {"channel", "patrol"},
                                        {"description", "light"},
                                        {"priority", "normal"},
                                        {"reported_at", server_clock_.now_ms()}});
    if (!order.ok()) return order.status();
  }
  auto route = create("patrol_routes", {{"estate", estate_}, {"name", "Loop"}});
  if (!route.ok()) return route.status();
  for (int c = 0; c < 2; ++c) {
    auto point = create("checkpoints", {{"route", route->id}, {"name", "P" + std::to_string(c)}});
    if (!point.ok()) return point.status();
  }
  FIELDSYNC_RETURN_IF_ERROR(enroll("office", "office", {}));
  FIELDSYNC_RETURN_IF_ERROR(enroll("c1", "collector", {buildings_[0]}));
  FIELDSYNC_RETURN_IF_ERROR(enroll("c2", "collector", {buildings_[0]}));
  FIELDSYNC_RETURN_IF_ERROR(enroll("c3", "collector", {buildings_[1]}));
  FIELDSYNC_RETURN_IF_ERROR(enroll("p1", "patrol", {}));
  FIELDSYNC_RETURN_IF_ERROR(enroll("t1", "technician", {buildings_[0]}));
  for (auto& [user, device] : devices_) FIELDSYNC_RETURN_IF_ERROR(sync(device, false));
  return Status();
}

std::vector<std::string> SimWorld::held(SimDevice& device, const std::string& collection) {
  std::vector<std::string> ids;
  auto records = device.store->list(collection);
  if (records.ok()) {
    for (const auto& r : *records) ids.push_back(r.id);
  }
  return ids;
}

ReplicatorOptions SimWorld::replicator_options(bool faults) {
  ReplicatorOptions options;
  options.sleeper = &no_sleep();
  options.max_attempts = faults ? 3 : 2;
  options.jitter_seed = rng_() | 1;
  options.push_batch = 1 + rng_() % 20;
  options.pull_page = 1 + static_cast<int64_t>(rng_() % 50);
  options.blob_chunk = blob_chunk_;
  return options;
}

Status SimWorld::sync(SimDevice& device, bool faults, bool prefetch) {
  faults_on_ = faults;
  ReplicatorOptions options = replicator_options(faults);
  options.prefetch_blobs = prefetch;
  Replicator replicator(*device.store, *device.transport, options);
  auto report = replicator.sync();
  faults_on_ = true;
  note("sync " + device.user + (prefetch ? " with prefetch" : "") +
       (report.ok() ? " ok" : " failed: " + report.status().message()));
  if (report.ok() || (faults && report.status().retryable())) return Status();
  return report.status().with_context("sync of " + device.user);
}

Status SimWorld::step() {
  std::vector<std::string> users;
  for (const auto& [user, d] : devices_) users.push_back(user);
  SimDevice& device = devices_[pick(users)];
  const int roll = static_cast<int>(rng_() % 100);
  const int64_t tick = 1 + static_cast<int64_t>(rng_() % kMinute);
  server_clock_.advance(tick);
  for (auto& [user, d] : devices_) d.clock->advance(tick);
  if (roll < 55) return field_work(device);
  if (roll < 80) return sync(device, true);
  if (roll < 87) {  // the app is killed, maybe in the middle of a sync
    ++faults_.crashes;
    const int64_t after = static_cast<int64_t>(rng_() % 10);
    note("crash " + device.user + " after " + std::to_string(after) + " requests");
    device.transport->die_after(after);
    (void)sync(device, true);
    device.transport->die_after(-1);
    device.store.reset();
    return open_device(device);
  }
  if (roll < 91) {
    ++faults_.server_restarts;
    note("server restart");
    admin_.reset();
    service_.reset();
    blobs_.reset();
    server_store_.reset();
    return open_server();
  }
  if (roll < 94) {
    ++faults_.skews;
    const int64_t skew =
        static_cast<int64_t>(rng_() % 2 ? rng_() % kYear : rng_() % (30 * kMinute));
    const int64_t sign = rng_() % 2 ? 1 : -1;
    device.clock->set(server_clock_.now_ms() + sign * skew);
    note("skew " + device.user + " by " + std::to_string(sign * skew) + " ms");
    return Status();
  }
  if (roll < 97) return office_settles();
  ++faults_.reassignments;
  const bool to_second = rng_() % 2;
  note(std::string("reassign c3 to building ") + (to_second ? "1" : "0"));
  (void)admin_->unassign("c3", "building", buildings_[to_second ? 0 : 1]);
  return admin_->assign("c3", "building", buildings_[to_second ? 1 : 0]);
}

Status SimWorld::office_settles() {
  std::vector<server::RefusedChange> open;
  {
    auto txn = server_store_->begin(false);
    if (!txn.ok()) return txn.status();
    auto listed = (*txn)->refused_changes(false);
    if (!listed.ok()) return listed.status();
    open = std::move(listed).value();
  }
  if (open.empty()) {
    note("office: no refused change to settle");
    return Status();
  }
  const server::RefusedChange& change = open[rng_() % open.size()];
  const std::string what = std::to_string(change.id) + " (" + change.user + " " + change.kind +
                           " " + change.collection + " " + change.record_id + ")";
  if (rng_() % 2) {
    auto accepted = admin_->accept_refused(change.id, Json::object(), "office", "as it came");
    if (accepted.ok()) {
      ++faults_.refused_accepted;
      note("office accepts refused change " + what);
      accepted_.push_back(*accepted);
      settled_records_.insert(change.record_id);
      return Status();
    }
    // Still refused as it came (the record moved on): an office voids it, as below.
    note("office cannot accept " + what + ": " + accepted.status().message());
  }
  auto voided = admin_->void_refused(change.id, "office", "not wanted");
  if (!voided.ok()) return voided.status().with_context("voiding refused change " + what);
  ++faults_.refused_voided;
  note("office voids refused change " + what);
  if (change.kind == "create") voided_creates_.insert(change.record_id);
  settled_records_.insert(change.record_id);
  return Status();
}

Status SimWorld::run(int steps, const std::set<int>& skipped) {
  FIELDSYNC_RETURN_IF_ERROR(set_up());
  for (int i = 0; i < steps; ++i) {
    if (skipped.count(i)) continue;
    enter(static_cast<uint64_t>(i) + 1, "step " + std::to_string(i) + ": ");
    FIELDSYNC_RETURN_IF_ERROR(step().with_context("step " + std::to_string(i)));
  }
  return quiesce();
}

Status SimWorld::quiesce() {
  enter(kQuiescePhase, "quiesce: ");
  for (auto& [user, d] : devices_) d.clock->set(server_clock_.now_ms());
  // Four rounds bring every record everywhere; a sync uploads after it pushed and
  // pulled, and more rounds follow while a blob still waits (none should).
  for (int round = 0; round < 8; ++round) {
    if (round >= 4 && !blobs_waiting()) break;
    for (auto& [user, device] : devices_) FIELDSYNC_RETURN_IF_ERROR(sync(device, false));
  }
  return Status();
}

bool SimWorld::blobs_waiting() {
  for (auto& [user, device] : devices_) {
    auto waiting = AttachmentStore(*device.store).to_upload(1);
    if (!waiting.ok() || !waiting->empty()) return true;
  }
  return false;
}

namespace {

// A fresh folder on a memory file system when there is one: the simulation is about
// orderings and faults, not about the disk.
std::string fresh_folder(uint64_t seed) {
  const std::filesystem::path root = std::filesystem::exists("/dev/shm")
                                         ? std::filesystem::path("/dev/shm")
                                         : std::filesystem::temp_directory_path();
  auto folder = root / ("fieldsync-sim-" + std::to_string(getpid()) + "-" + std::to_string(seed));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder.string();
}

}  // namespace

SimOutcome run_simulation(const SimRun& run, const ExtraInvariant& extra) {
  const std::string folder = fresh_folder(run.seed);
  SimOutcome outcome;
  {
    SimWorld world(run.seed, folder);
    world.set_extra_invariant(extra);
    Status ran = world.run(run.steps, run.skipped);
    if (!ran.ok()) outcome.problems.push_back("the run failed: " + ran.to_string());
    if (outcome.problems.empty()) outcome.problems = world.check_invariants();
    outcome.trace = world.trace();
    outcome.faults = world.faults();
    outcome.attachments = world.attachments();
  }
  std::filesystem::remove_all(folder);
  return outcome;
}

}  // namespace fieldsync::simulation
