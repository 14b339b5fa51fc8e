// Real processes, real kills. The device command line (`fieldsync sync`) is killed with
// SIGKILL at random moments while it syncs a backlog of payments and visits recorded
// through the command line; the server (`fieldsync-server serve`) is killed with
// SIGKILL at random moments while an in-process device pushes to it over HTTP, and
// started again on the same database. Afterwards everything syncs to quiescence and
// the checks are those of the design's invariants: every payment and visit recorded
// is on the server exactly once (payment by payment, receipt by receipt, and in
// count), both databases pass PRAGMA integrity_check, and the device holds exactly the
// server's records of its buckets.
//
// The kill moments come from a seeded RNG (FIELDSYNC_KILL_SEED replays a run; the seed
// is printed); no check depends on when a kill lands. Both tests stop by themselves
// after a bounded number of rounds and a time budget.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fieldsync/attachments.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMinKills = 20;     // the figure each test must reach
constexpr int kTargetKills = 24;  // what each test aims for
// Bounds a run in which kills keep missing. Runs are bounded by rounds, not by time: under
// a sanitizer a round takes seconds, and a time budget then ends the run short of kMinKills.
constexpr int kMaxRounds = 60;
constexpr int kKilledBySigkill = 128 + SIGKILL;

uint64_t kill_seed() {
  if (const char* text = std::getenv("FIELDSYNC_KILL_SEED")) return std::stoull(text);
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

std::string replay_hint(uint64_t seed) {
  return "seed " + std::to_string(seed) +
         " (replay with FIELDSYNC_KILL_SEED=" + std::to_string(seed) + ")";
}

// FIELDSYNC_KILL_TRACE=1 prints every round.
bool tracing() {
  return std::getenv("FIELDSYNC_KILL_TRACE") != nullptr;
}

int64_t ms_since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start).count();
}

// What the device reported recording: payment id -> receipt number, and visit ids.
struct Recorded {
  std::map<std::string, std::string> payments;
  std::set<std::string> visits;
};

class KillTest : public ServerTest {
 protected:
  // Every payment and visit recorded is on the server exactly once, with the receipt
  // number the device printed, and the server holds no other.
  void expect_delivered_exactly_once(const ServerRecords& server, const Recorded& recorded) {
    std::set<std::string> receipts;
    size_t payments = 0, visits = 0;
    for (const auto& [id, stored] : server) {
      const Record& record = stored.record;
      if (record.collection == "payments") {
        ++payments;
        const std::string receipt = record.fields.value("receipt_number", "");
        EXPECT_TRUE(receipts.insert(receipt).second) << "receipt number twice: " << receipt;
        auto reported = recorded.payments.find(id);
        if (reported == recorded.payments.end()) {
          ADD_FAILURE() << "the server holds payment " << id << " (" << receipt
                        << ") that no one recorded";
        } else {
          EXPECT_EQ(receipt, reported->second) << "payment " << id;
        }
      } else if (record.collection == "fee_visits") {
        ++visits;
        EXPECT_TRUE(recorded.visits.count(id))
            << "the server holds visit " << id << " that no one recorded";
      }
    }
    for (const auto& [id, receipt] : recorded.payments) {
      EXPECT_TRUE(server.count(id)) << "payment " << id << " (" << receipt << ") was lost";
    }
    for (const auto& id : recorded.visits) EXPECT_TRUE(server.count(id)) << "visit " << id;
    EXPECT_EQ(payments, recorded.payments.size());
    EXPECT_EQ(visits, recorded.visits.size());
  }

  void expect_server_integrity() {
    auto store = must(server::open_sqlite_server_store(server_.database()));
    Status integrity = store->check_integrity();
    EXPECT_TRUE(integrity.ok()) << "server database: " << integrity.to_string();
  }

  // The device database after the kills: whole, nothing pending or parked, and holding
  // exactly the server's records of its buckets.
  void expect_device_sound(DeviceStore& store, const ServerRecords& server) {
    Status integrity = store.check_integrity();
    EXPECT_TRUE(integrity.ok()) << "device database: " << integrity.to_string();
    EXPECT_EQ(must(store.pending_count()), 0);
    EXPECT_TRUE(must(store.parked_changes()).empty());
    expect_converged(server, store);
  }
};

// ---------------------------------------------------------------------------------
// The device command line, killed mid-sync.

class CliKillTest : public KillTest {
 protected:
  ProcessResult cli(const std::vector<std::string>& args) const {
    return phone_cli(phone_db_, args);
  }

  // Records `payments` payments and `visits` visits through the command line, `workers`
  // processes at a time (each a write transaction of its own, as on the phone).
  void record(int payments, int visits, int workers) {
    std::mutex mutex;
    std::vector<std::string> failures;
    std::atomic<int> next{0};
    auto work = [&] {
      for (int i = next++; i < payments + visits; i = next++) {
        const bool pay = i < payments;
        const std::string& household = i % 2 ? ref_.household_a : ref_.household_b;
        ProcessResult r =
            pay ? cli({"--json", "pay", "--household", household, "--amount",
                       std::to_string(1 + i % 90) + "." + std::to_string(10 + i % 90)})
                : cli({"--json", "visit", "--household", household, "--outcome", "not_home"});
        Json out = Json::parse(r.out, nullptr, false);
        std::lock_guard lock(mutex);
        if (r.exit_code != 0 || !out.is_object() || !out.contains("id")) {
          failures.push_back("exit " + std::to_string(r.exit_code) + ": " + r.err + r.out);
        } else if (pay) {
          recorded_.payments[out["id"].get<std::string>()] =
              out["fields"].value("receipt_number", "");
        } else {
          recorded_.visits.insert(out["id"].get<std::string>());
        }
      }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) threads.emplace_back(work);
    for (auto& t : threads) t.join();
    if (!failures.empty()) {
      ADD_FAILURE() << failures.size() << " recordings failed, the first: " << failures.front();
    }
  }

  // One run of `fieldsync sync`: whether it was killed mid-sync, its exit code and how
  // long it ran.
  struct SyncRun {
    bool killed = false;
    int exit_code = -1;
    int64_t ran_ms = 0;
  };

  // Starts `fieldsync sync` and kills it with SIGKILL `delay` after its start, unless it
  // has finished by then: printed its summary (its first line of output) or exited.
  SyncRun sync_killed_after(milliseconds delay) {
    std::string error;
    const auto started = SteadyClock::now();
    auto child = ChildProcess::start(FIELDSYNC_CLI_PATH, {"--db", phone_db_, "sync"}, error);
    if (!child) {
      ADD_FAILURE() << error;
      return {};
    }
    SyncRun run;
    const bool summarised = child->read_line(delay).has_value();
    if (!summarised) child->signal(SIGKILL);
    run.exit_code = child->wait();
    run.ran_ms = ms_since(started);
    // A summary that arrived just after the kill moment: the sync had finished and the
    // kill landed in its exit, which is no kill mid-sync.
    const bool finished = summarised || child->read_line(milliseconds(500)).has_value();
    run.killed = run.exit_code == kKilledBySigkill && !finished;
    return run;
  }

  // The record ids of the changes still pending on the phone, read by the command line
  // (which also recovers the database after a kill, as the next run on a phone would).
  std::set<std::string> pending_record_ids() {
    ProcessResult r = cli({"--json", "outbox"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Json out = Json::parse(r.out, nullptr, false);
    std::set<std::string> ids;
    if (!out.is_object()) return ids;
    for (const auto& change : out.value("changes", Json::array())) {
      if (change.value("state", "") == "pending") ids.insert(change.value("record_id", ""));
    }
    return ids;
  }

  std::string phone_db_ = dir_.file("carl.db");
  Recorded recorded_;
};

TEST_F(CliKillTest, SyncKilledAtRandomMomentsLosesAndDuplicatesNothing) {
  const uint64_t seed = kill_seed();
  SCOPED_TRACE(replay_hint(seed));
  std::mt19937_64 rng(seed);
  ASSERT_NO_FATAL_FAILURE(enroll_phone(phone_db_, "carl", {ref_.building_a, ref_.building_b}));
  // A backlog of two push batches and the pull of everything pushed back: a sync of a
  // hundred milliseconds or more, where the last ones take a few tens.
  record(/*payments=*/200, /*visits=*/60, /*workers=*/4);

  // Where each kill landed, told from the databases afterwards: before any change was
  // answered (start-up, or the first push request in flight), mid-push (some changes
  // answered, some still pending), or after the push (in the pull).
  int rounds = 0, finished = 0, kills = 0, before_answers = 0, mid_push = 0, in_pull = 0;
  int in_answer_window = 0;  // the server had committed changes the phone had not marked
  int64_t typical_ms = 80;   // how long the last whole sync took
  size_t pending = recorded_.payments.size() + recorded_.visits.size();
  while (kills < kTargetKills && rounds < kMaxRounds) {
    ++rounds;
    const milliseconds delay(std::uniform_int_distribution<int64_t>(0, typical_ms)(rng));
    const SyncRun run = sync_killed_after(delay);
    if (!run.killed) {
      ASSERT_EQ(run.exit_code, 0) << "round " << rounds << ": fieldsync sync failed";
      ++finished;
      typical_ms = std::max<int64_t>(run.ran_ms, 20);
      pending = 0;
    } else {
      ++kills;
      const std::set<std::string> left = pending_record_ids();
      const ServerRecords server = server_records();
      int answered = 0;
      for (const auto& id : left) answered += server.count(id) ? 1 : 0;
      if (left.empty()) {
        ++in_pull;
      } else if (left.size() == pending && answered == 0) {
        ++before_answers;
      } else {
        ++mid_push;
      }
      if (answered > 0) ++in_answer_window;
      if (tracing()) {
        std::printf(
            "round %d: killed after %lld ms; pending %zu -> %zu, %d of them on the server\n",
            rounds, static_cast<long long>(run.ran_ms), pending, left.size(), answered);
      }
      pending = left.size();
    }
    // A few more between the kills.
    record(/*payments=*/9, /*visits=*/3, /*workers=*/4);
    pending += 12;
  }
  ASSERT_GE(kills, kMinKills) << "only " << kills << " kills landed in " << rounds << " rounds";

  // Restarted, the phone syncs to quiescence.
  bool quiet = false;
  for (int attempt = 0; attempt < 5 && !quiet; ++attempt) {
    ProcessResult r = cli({"--json", "sync"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Json report = Json::parse(r.out);
    quiet = report["pushed"] == 0 && report["pulled"] == 0 && report["rejected"] == 0;
  }
  ASSERT_TRUE(quiet) << "the phone still had changes to sync after five syncs";

  const ServerRecords server = server_records();
  expect_delivered_exactly_once(server, recorded_);
  expect_server_integrity();
  auto phone = must(DeviceStore::open(phone_db_));
  expect_device_sound(*phone, server);
  EXPECT_EQ(must(phone->list("payments")).size(), recorded_.payments.size());
  std::printf(
      "[kill] %s: fieldsync sync killed %d times mid-sync in %d rounds (%d finished first): "
      "%d before any change was answered, %d mid-push, %d in the pull; %d with changes the "
      "server had committed and the phone not yet marked; %zu payments and %zu visits each on "
      "the server once\n",
      replay_hint(seed).c_str(), kills, rounds, finished, before_answers, mid_push, in_pull,
      in_answer_window, recorded_.payments.size(), recorded_.visits.size());
}

// The device command line killed while it uploads photos: each kill lands in the
// upload of some photo (or in the records before it); the next run goes on from the
// last chunk the server confirmed. Afterwards every photo is on the server once,
// whole, under its hash, with its attachment record, and nothing waits on the phone.
TEST_F(CliKillTest, SyncKilledMidUploadLosesAndDuplicatesNoPhoto) {
  const uint64_t seed = kill_seed();
  SCOPED_TRACE(replay_hint(seed));
  std::mt19937_64 rng(seed);
  ASSERT_NO_FATAL_FAILURE(enroll_phone(phone_db_, "carl", {ref_.building_a}));
  ProcessResult visit = cli({"--json", "visit", "--household", ref_.household_a, "--outcome", "notice_posted"});
  ASSERT_EQ(visit.exit_code, 0) << visit.err;
  const std::string visit_id = Json::parse(visit.out)["id"].get<std::string>();
  ASSERT_EQ(cli({"attachment-limits", "--max-queue", "1GiB"}).exit_code, 0);

  std::map<std::string, std::string> photos;  // attachment id -> sha256
  auto attach_photos = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const uint32_t n = static_cast<uint32_t>(photos.size()) + 1;
      const std::string path = dir_.file("notice-" + std::to_string(n) + ".jpg");
      const std::string hash = write_photo(path, (3 << 20) + n, n);
      ProcessResult r = cli({"--json", "attach", "fee_visits", visit_id, path});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      photos[Json::parse(r.out)["id"].get<std::string>()] = hash;
    }
  };
  ASSERT_NO_FATAL_FAILURE(attach_photos(8));

  int rounds = 0, kills = 0, mid_upload = 0;
  int64_t typical_ms = 400;
  while (kills < kTargetKills && rounds < kMaxRounds) {
    ++rounds;
    const milliseconds delay(std::uniform_int_distribution<int64_t>(0, typical_ms)(rng));
    const SyncRun run = sync_killed_after(delay);
    if (!run.killed) {
      ASSERT_EQ(run.exit_code, 0) << "round " << rounds << ": fieldsync sync failed";
      typical_ms = std::max<int64_t>(run.ran_ms, 40);
    } else {
      ++kills;
      ProcessResult listed = cli({"--json", "attachments"});
      ASSERT_EQ(listed.exit_code, 0) << listed.err;
      int synced = 0, partial = 0;
      const Json listing = Json::parse(listed.out);
      for (const auto& a : listing["attachments"]) {
        synced += a["state"] == "synced";
        partial += a["state"] == "upload" && a["uploaded"].get<int64_t>() > 0;
      }
      mid_upload += partial > 0;
      if (tracing()) {
        std::printf("round %d: killed after %lld ms; %d photos uploaded, %d half\n", rounds,
                    static_cast<long long>(run.ran_ms), synced, partial);
      }
    }
    ASSERT_NO_FATAL_FAILURE(attach_photos(1));
  }
  ASSERT_GE(kills, kMinKills) << "only " << kills << " kills landed in " << rounds << " rounds";

  ProcessResult last = cli({"--json", "sync"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  ProcessResult status = cli({"--json", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(Json::parse(status.out)["pending_attachment_bytes"], 0);
  EXPECT_EQ(Json::parse(status.out)["pending_changes"], 0);

  const ServerRecords server = server_records();
  std::set<std::string> hashes;
  for (const auto& [id, hash] : photos) {
    ASSERT_TRUE(server.count(id)) << "attachment " << id << " was lost";
    EXPECT_EQ(server.at(id).record.fields["sha256"], hash);
    const std::string blob = server_.database() + ".blobs/" + hash;
    ASSERT_TRUE(std::filesystem::exists(blob)) << "the bytes of " << id << " never arrived";
    EXPECT_EQ(must(Sha256::of_file(blob)), hash);
    hashes.insert(hash);
  }
  EXPECT_EQ(of_collection(server, "attachments").size(), photos.size());
  int64_t blobs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(server_.database() + ".blobs")) {
    blobs += entry.is_regular_file() && is_sha256_hex(entry.path().filename().string());
  }
  EXPECT_EQ(blobs, static_cast<int64_t>(hashes.size()));
  expect_server_integrity();
  auto phone = must(DeviceStore::open(phone_db_));
  expect_device_sound(*phone, server);
  for (const auto& attachment : must(AttachmentStore(*phone).list())) EXPECT_EQ(attachment.state, "synced");
  std::printf(
      "[kill] %s: fieldsync sync killed %d times while uploading in %d rounds (%d with a photo half "
      "uploaded); %zu photos of 3 MiB each on the server once, whole\n",
      replay_hint(seed).c_str(), kills, rounds, mid_upload, photos.size());
}

// ---------------------------------------------------------------------------------
// The server, killed mid-push.

// Which part of its sync the pushing device is in, as its progress callback says.
struct SyncWatch {
  enum Phase { kNotStarted, kPushing, kPulling };
  std::atomic<int> phase{kNotStarted};
  std::atomic<bool> done{false};
  std::atomic<int64_t> pull_began_ms{0};  // steady clock, once the push is over

  void on_progress(const SyncProgress& p) {
    if (p.phase == "push") {
      phase = kPushing;
    } else if (phase.exchange(kPulling) != kPulling) {
      pull_began_ms =
          std::chrono::duration_cast<milliseconds>(SteadyClock::now().time_since_epoch()).count();
    }
  }
};

TEST_F(KillTest, ServerKilledMidPushLosesAndDuplicatesNothing) {
  const uint64_t seed = kill_seed();
  SCOPED_TRACE(replay_hint(seed));
  std::mt19937_64 rng(seed);
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a, ref_.building_b});
  DeviceStoreOptions options;
  options.clock = &field_clock_;
  options.synchronous_full = false;  // the phone is not what is killed here
  reopen(ann, options);
  ann.sync();

  // Small batches, so a push is many requests, each a server transaction; retries
  // close together and many, so the sync rides out the server's restart.
  ReplicatorOptions patient;
  patient.push_batch = 10;
  patient.max_attempts = 500;
  patient.backoff_initial_ms = 5;
  patient.backoff_max_ms = 40;
  patient.jitter_seed = seed | 1;
  Replicator pusher(*ann.store, *ann.link, patient);

  Recorded recorded;
  int rounds = 0, kills_mid_push = 0, kills_other = 0;
  int64_t retries = 0;
  int64_t push_ms = 60;  // how long the last whole push took
  while (kills_mid_push < kTargetKills && rounds < kMaxRounds) {
    ++rounds;
    for (int i = 0; i < 150; ++i) {
      Record paid = must(
          ann.work().record_payment(payment(i % 2 ? ref_.household_a : ref_.household_b, 100 + i)));
      recorded.payments[paid.id] = paid.fields.value("receipt_number", "");
    }
    FeeVisitInput visit;
    visit.household = ref_.household_a;
    visit.outcome = "not_home";
    recorded.visits.insert(must(ann.work().record_visit(visit)).id);

    SyncWatch watch;
    Result<SyncReport> result = Status::internal("the sync did not run");
    std::thread syncing([&] {
      result = pusher.sync([&](const SyncProgress& p) { watch.on_progress(p); });
      watch.done = true;
    });
    // The kill moment is drawn from the push: wait (bounded) for it to begin.
    const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
    while (watch.phase == SyncWatch::kNotStarted && !watch.done && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    const auto push_began = SteadyClock::now();
    std::this_thread::sleep_for(
        milliseconds(std::uniform_int_distribution<int64_t>(0, push_ms)(rng)));
    const bool mid_push = watch.phase == SyncWatch::kPushing && !watch.done;
    if (!mid_push && watch.pull_began_ms > 0) {
      const int64_t began_ms =
          std::chrono::duration_cast<milliseconds>(push_began.time_since_epoch()).count();
      push_ms = std::max<int64_t>(watch.pull_began_ms - began_ms, 10);
    }
    const int killed = server_.kill();
    const Status back = server_.start_again();
    syncing.join();
    ASSERT_EQ(killed, kKilledBySigkill) << "round " << rounds;
    ASSERT_TRUE(back.ok()) << "round " << rounds << ": " << back.to_string();
    ASSERT_TRUE(result.ok()) << "round " << rounds << ": the sync did not ride out the restart: "
                             << result.status().to_string();
    retries += result->retries;
    ++(mid_push ? kills_mid_push : kills_other);
    if (tracing()) {
      std::printf("round %d: killed %s; %lld retries\n", rounds,
                  mid_push ? "mid-push" : "outside the push",
                  static_cast<long long>(result->retries));
    }
  }
  ASSERT_GE(kills_mid_push, kMinKills)
      << "only " << kills_mid_push << " kills landed mid-push in " << rounds << " rounds";

  // Restarted, the device syncs to quiescence.
  SyncReport last = ann.sync();
  for (int attempt = 0; attempt < 5 && (last.pushed > 0 || last.pulled > 0); ++attempt) {
    last = ann.sync();
  }
  ASSERT_EQ(last.pushed + last.pulled, 0) << "the device still had changes to sync";

  const ServerRecords server = server_records();
  expect_delivered_exactly_once(server, recorded);
  expect_server_integrity();
  expect_device_sound(*ann.store, server);
  std::printf(
      "[kill] %s: fieldsync-server killed %d times mid-push (%d more outside the push) in %d "
      "rounds; the device retried %lld requests; %zu payments and %zu visits each on the "
      "server once\n",
      replay_hint(seed).c_str(), kills_mid_push, kills_other, rounds,
      static_cast<long long>(retries), recorded.payments.size(), recorded.visits.size());
}

}  // namespace
}  // namespace fieldsync::testing
