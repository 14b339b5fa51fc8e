// The replicator against the real sync service and server store, in process.
#include "fieldsync/replicator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fieldsync/access.h"
#include "quotas.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::device_records;
using testing::must;
using testing::SyncWorld;

// Every record the device holds equals the server's, and it holds every server record
// of its buckets.
void expect_converged(SyncWorld& world, DeviceStore& store) {
  auto server = world.server_records();
  auto local = device_records(store);
  std::set<std::string> buckets;
  for (const auto& [bucket, seq] : must(store.cursors())) buckets.insert(bucket);
  for (const auto& [id, record] : local) {
    ASSERT_TRUE(server.count(id)) << "device has a record the server lacks: " << id;
    EXPECT_EQ(record.fields, server[id].fields) << record.collection << " " << id;
    EXPECT_EQ(record.stamps, server[id].stamps) << record.collection << " " << id;
    EXPECT_EQ(record.bucket, server[id].bucket);
  }
  for (const auto& [id, record] : server) {
    if (buckets.count(record.bucket)) {
      EXPECT_TRUE(local.count(id)) << "missing " << record.collection << " " << id;
    }
  }
}

TEST(Replicator, DevicesConvergeThroughTheServer) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& office = world.enroll("office", "office");
  alice.sync();
  EXPECT_TRUE(must(alice.store->get("households", world.household_a)).fields.contains("owner_name"));
  EXPECT_FALSE(alice.store->get("households", world.household_b).ok());  // another building

  FeeVisitInput visit = testing::visit_to(world.household_a, "paid_full");
  must(alice.work().record_visit(visit));
  Record payment = must(alice.work().record_payment(testing::payment(world.household_a, 12000)));
  EXPECT_EQ(payment.fields["receipt_number"].get<std::string>().rfind(alice.store->identity().device_code + "-", 0), 0u);
  SyncReport report = alice.sync();
  EXPECT_EQ(report.pushed, 2);
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(must(alice.store->pending_count()), 0);

  office.sync();
  EXPECT_EQ(must(office.store->get("payments", payment.id)).fields["amount"], 12000);
  expect_converged(world, *alice.store);
  expect_converged(world, *office.store);
  EXPECT_EQ(must(office.work().arrears(world.household_a)).balance(), 0);
}

TEST(Replicator, ALostResponseIsRetriedWithoutDuplicates) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  for (int i = 0; i < 3; ++i) must(alice.work().record_payment(testing::payment(world.household_a, 1000 + i)));
  alice.transport->drop_next_responses(1);  // the server commits, the phone never hears
  SyncReport report = alice.sync();
  EXPECT_EQ(report.retries, 1);
  EXPECT_EQ(report.pushed, 3);
  EXPECT_EQ(world.sleeper.slept.size(), 1u);
  int payments = 0;
  for (const auto& [id, r] : world.server_records()) payments += r.collection == "payments";
  EXPECT_EQ(payments, 3);
  expect_converged(world, *alice.store);
}

TEST(Replicator, ADroppedRequestIsRetriedWithGrowingBackoff) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.transport->drop_next_requests(3);
  SyncReport report = alice.sync();
  EXPECT_EQ(report.retries, 3);
  ASSERT_EQ(world.sleeper.slept.size(), 3u);
  EXPECT_GE(world.sleeper.slept[0], 100);  // half of the first step, at least
  EXPECT_LE(world.sleeper.slept[0], 200);
  EXPECT_GE(world.sleeper.slept[2], 400);
  EXPECT_LE(world.sleeper.slept[2], 800);
}

// Answers the first request 429 asking for `seconds` of patience, then passes through.
class BusyOnce final : public HttpTransport {
 public:
  BusyOnce(HttpTransport& inner, int64_t seconds) : inner_(inner), seconds_(seconds) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    if (busy_) {
      busy_ = false;
      HttpResponse r{429, encode(ErrorBody{ErrorCode::kTooManyRequests, "slow down", true}),
                     "application/json"};
      r.retry_after_s = seconds_;
      return r;
    }
    return inner_.send(request);
  }

 private:
  HttpTransport& inner_;
  int64_t seconds_;
  bool busy_ = true;
};

TEST(Replicator, ARetryWaitsAtLeastWhatTheServerAsksButAMinuteAtMost) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  for (const auto& [asked, waited] : {std::pair<int64_t, int64_t>{5, 5000}, {3600, 60000}}) {
    world.sleeper.slept.clear();
    BusyOnce busy(*alice.transport, asked);
    ReplicatorOptions options;
    options.sleeper = &world.sleeper;
    SyncReport report = must(Replicator(*alice.store, busy, options).sync());
    EXPECT_EQ(report.retries, 1);
    ASSERT_EQ(world.sleeper.slept.size(), 1u);
    EXPECT_EQ(world.sleeper.slept[0], waited);  // the backoff of a first retry is far less
  }
}

TEST(Replicator, GivesUpAfterTheLastAttemptKeepingTheOutbox) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  must(alice.work().record_payment(testing::payment(world.household_a, 500)));
  alice.transport->drop_next_requests(100);
  auto failed = alice.replicator->sync();
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().retryable());
  EXPECT_EQ(must(alice.store->pending_count()), 1);
  alice.transport->drop_next_requests(0);
  EXPECT_EQ(alice.sync().pushed, 1);
}

// Past the office's quota on changes a day, a sync stops at once saying why (a quota
// does not lift in seconds, so it is not retried) and every change stays on the phone,
// pending, not parked.
TEST(Replicator, ChangesPastTheQuotaStayOnThePhoneAndTheSyncSaysWhy) {
  SyncWorld world;
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(server::set_quota(*txn, "changes_per_day_per_user", "1").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  must(alice.work().record_payment(testing::payment(world.household_a, 500)));
  must(alice.work().record_payment(testing::payment(world.household_a, 700)));
  const int64_t requests = alice.transport->requests();
  auto refused = alice.replicator->sync();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("alice's devices sent 0 changes in the last 24 hours; 2 more "
                                            "would pass 1 (quota changes_per_day_per_user)"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(alice.transport->requests() - requests, 1);  // no retry
  EXPECT_EQ(must(alice.store->pending_count()), 2);
  EXPECT_TRUE(must(alice.store->parked_changes()).empty());
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(server::set_quota(*txn, "changes_per_day_per_user", "10").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ(alice.sync().applied, 2);
}

TEST(Replicator, ARejectedChangeIsParkedAndTheRestSyncs) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  // Offline, alice takes a payment and records a visit; meanwhile the office makes her
  // customer service, who may record visits but not payments. The server refuses the
  // payment and the visit still syncs.
  FeeVisitInput visit = testing::visit_to(world.household_a, "not_home");
  Record v = must(alice.work().record_visit(visit));
  PaymentInput payment = testing::payment(world.household_a, 5000);
  Record paid = must(alice.work().record_payment(payment));
  ASSERT_TRUE(world.admin->add_user("alice", "customer_service").ok());
  SyncReport report = alice.sync();
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(report.applied, 1);
  auto parked = must(alice.store->parked_changes());
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].record_id, paid.id);
  EXPECT_NE(parked[0].parked_reason.find("a customer_service may not record payments"),
            std::string::npos)
      << parked[0].parked_reason;
  EXPECT_TRUE(world.server_records().count(v.id));
  EXPECT_FALSE(world.server_records().count(paid.id));
  EXPECT_EQ(must(alice.replicator->status()).parked, 1);
  EXPECT_EQ(must(alice.replicator->status()).pending, 0);

  // The pull told the phone its new role: the next payment is refused on the phone,
  // before a receipt number is used.
  EXPECT_EQ(alice.store->access().role, "customer_service");
  auto refused = alice.work().record_payment(payment);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(must(alice.store->list("payments")).size(), 1u);
}

TEST(Replicator, ARefusedEditLeavesTheServersValueOnThePhone) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  // A collector may correct a household's phones; by the time the edit arrives the
  // office has made her a technician, who may not. The server refuses, and the phone
  // must not go on showing a number the office never got (the simulation found this).
  must(alice.store->update("households", world.household_a, {{"phones", {"999"}}}));
  ASSERT_TRUE(world.admin->add_user("alice", "technician").ok());
  EXPECT_EQ(alice.sync().rejected, 1);
  EXPECT_EQ(must(alice.store->get("households", world.household_a)).fields["phones"],
            Json({"111"}));
  EXPECT_EQ(must(alice.store->parked_changes()).size(), 1u);
}

TEST(Replicator, ConcurrentEditsBecomeAConflictThatCanBeResolved) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& office = world.enroll("office", "office");
  alice.sync();
  office.sync();
  must(office.store->update("households", world.household_a, {{"phones", {"222"}}}));
  world.clock.advance(60000);
  must(alice.store->update("households", world.household_a, {{"phones", {"333"}}}));
  office.sync();
  SyncReport report = alice.sync();
  EXPECT_EQ(report.conflicts, 1);
  office.sync();

  // The later edit (alice's) won; the office's value is kept in a conflict record.
  EXPECT_EQ(must(office.store->get("households", world.household_a)).fields["phones"], Json({"333"}));
  auto conflicts = must(office.store->list("conflicts"));
  ASSERT_EQ(conflicts.size(), 1u);
  const Record& conflict = conflicts[0];
  EXPECT_EQ(conflict.fields["field"], "phones");
  EXPECT_EQ(conflict.fields["loser_value"], Json({"222"}).dump());
  EXPECT_EQ(conflict.fields["winner_value"], Json({"333"}).dump());
  EXPECT_EQ(conflict.fields["status"], "open");
  const std::string alice_code = alice.store->identity().device_code;
  EXPECT_EQ(conflict.fields["winner_device"], alice_code + " (alice)");
  EXPECT_EQ(conflict.fields["loser_device"], office.store->identity().device_code + " (office)");
  EXPECT_EQ(must(alice.store->list("conflicts")).size(), 1u);  // the device concerned sees it

  // The office keeps its own value: an ordinary edit plus the conflict's resolution.
  Record resolved = must(office.work().resolve_conflict(conflict.id, ConflictChoice::kKeepLoser));
  EXPECT_EQ(resolved.fields["resolution"], "kept_loser");
  EXPECT_EQ(resolved.fields["resolved_by"], "office");
  EXPECT_FALSE(office.work().resolve_conflict(conflict.id, ConflictChoice::kKeepWinner).ok());
  EXPECT_EQ(office.sync().conflicts, 0);
  alice.sync();
  EXPECT_EQ(must(alice.store->get("households", world.household_a)).fields["phones"], Json({"222"}));
  EXPECT_EQ(must(alice.store->get("conflicts", conflict.id)).fields["status"], "resolved");
  expect_converged(world, *alice.store);
  expect_converged(world, *office.store);
}

TEST(Replicator, AStaleStatusCannotReopenAClosedWorkOrderButAReopenCan) {
  SyncWorld world;
  auto& tech = world.enroll("tom", "technician", {world.building_a});
  auto& office = world.enroll("office", "office");
  WorkOrderInput order;
  order.household = world.household_a;
  order.category = "plumbing";
  order.description = "leak";
  office.sync();
  Record wo = must(office.work().open_work_order(order));
  office.sync();
  tech.sync();
  must(tech.store->advance_status("work_orders", wo.id, "in_progress"));  // offline, from an old view
  must(office.store->advance_status("work_orders", wo.id, "closed"));
  office.sync();
  SyncReport stale = tech.sync();
  EXPECT_EQ(stale.merged, 1);
  EXPECT_EQ(must(tech.store->get("work_orders", wo.id)).fields["status"], "closed");

  must(tech.store->reopen("work_orders", wo.id));
  EXPECT_EQ(tech.sync().applied, 1);
  office.sync();
  Record reopened = must(office.store->get("work_orders", wo.id));
  EXPECT_EQ(reopened.fields["status"], "reported");
  EXPECT_EQ(reopened.fields["status_reopens"], 1);
}

TEST(Replicator, AClockFarAheadIsClampedAndReported) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  ManualClock phone_clock(testing::kSaturdayMorning + 365LL * 24 * 3600 * 1000);  // a year ahead
  DeviceStoreOptions options;
  options.clock = &phone_clock;
  alice.store.reset();
  alice.store = must(DeviceStore::open(world.dir.file("alice.db"), options));
  testing::RecordingSleeper sleeper;
  ReplicatorOptions ro;
  ro.sleeper = &sleeper;
  alice.replicator = std::make_unique<Replicator>(*alice.store, *alice.transport, ro);
  must(alice.store->update("households", world.household_a, {{"notes", "dog in the yard"}}));
  SyncReport report = alice.sync();
  EXPECT_GT(report.clock_ahead_ms, 364LL * 24 * 3600 * 1000);
  EXPECT_GT(must(alice.replicator->status()).clock_ahead_ms, 0);
  // The stored stamp is the server's time, so an honest later edit still wins.
  Record server = world.server_records()[world.household_a];
  EXPECT_LT(Stamp::decode(server.stamps["notes"].get<std::string>())->wall_ms,
            testing::kSaturdayMorning + 3600 * 1000);
  auto& office = world.enroll("office", "office");
  office.sync();
  world.clock.advance(1000);
  must(office.store->update("households", world.household_a, {{"notes", "dog rehomed"}}));
  EXPECT_EQ(office.sync().conflicts, 0);
  alice.sync();
  EXPECT_EQ(must(alice.store->get("households", world.household_a)).fields["notes"], "dog rehomed");
}

TEST(Replicator, AReassignedBuildingSyncsFromItsStartAndTheOldOneIsEvicted) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  FeeVisitInput visit = testing::visit_to(world.household_a, "not_home");
  must(alice.work().record_visit(visit));  // pending when the building is taken away
  ASSERT_TRUE(world.admin->unassign("alice", "building", world.building_a).ok());
  ASSERT_TRUE(world.admin->assign("alice", "building", world.building_b).ok());
  SyncReport report = alice.sync();
  EXPECT_EQ(report.rejected, 1);  // the visit is outside her buckets now: parked, not lost
  EXPECT_TRUE(alice.store->get("households", world.household_b).ok());
  EXPECT_FALSE(alice.store->get("charges", world.charge_a).ok());  // evicted
  auto cursors = must(alice.store->cursors());
  // A collector holds a building's places, residents and fees, each with its cursor.
  for (const char* kind : {":places", ":residents", ":fees"}) {
    EXPECT_FALSE(cursors.count("building:" + world.building_a + kind)) << kind;
  }
  for (const char* kind : {":places", ":residents"}) {  // Block B has no fees yet
    EXPECT_TRUE(cursors.count("building:" + world.building_b + kind)) << kind;
  }
  EXPECT_EQ(must(alice.store->parked_changes()).size(), 1u);
}

TEST(Replicator, EvictionFollowsEveryChangeOfScopeAndNothingElse) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a, world.building_b});
  alice.sync();
  alice.sync();  // the same scope again: nothing to evict
  EXPECT_TRUE(alice.store->get("charges", world.charge_a).ok());
  EXPECT_TRUE(alice.store->get("households", world.household_b).ok());
  ASSERT_TRUE(world.admin->unassign("alice", "building", world.building_b).ok());
  alice.sync();
  EXPECT_TRUE(alice.store->get("charges", world.charge_a).ok());
  EXPECT_FALSE(alice.store->get("households", world.household_b).ok());  // evicted
  ASSERT_TRUE(world.admin->assign("alice", "building", world.building_b).ok());
  alice.sync();  // building B syncs from its start again
  EXPECT_TRUE(alice.store->get("households", world.household_b).ok());
  ASSERT_TRUE(world.admin->unassign("alice", "building", world.building_b).ok());
  alice.sync();
  EXPECT_FALSE(alice.store->get("households", world.household_b).ok());  // evicted again
  expect_converged(world, *alice.store);
}

TEST(Replicator, PullsInPagesAndResumes) {
  SyncWorld world;
  for (int i = 0; i < 25; ++i) {
    must(world.admin->create_record("charges", {{"household", world.household_a},
                                                {"fee_item", "parking"},
                                                {"period", "2026-11"},
                                                {"amount", 100 + i}}));
  }
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  ReplicatorOptions ro;
  ro.sleeper = &world.sleeper;
  ro.pull_page = 7;
  alice.replicator = std::make_unique<Replicator>(*alice.store, *alice.transport, ro);
  SyncReport report = alice.sync();
  EXPECT_GE(report.pull_pages, 4);
  expect_converged(world, *alice.store);
  EXPECT_EQ(alice.sync().pulled, 0);  // nothing new
}

TEST(Replicator, RefusesToSyncBeforeEnrollment) {
  testing::TempDir dir;
  auto store = must(DeviceStore::create(dir.file("d.db"), {"AB12", "bob", ""}));
  SyncWorld world;
  testing::LoopbackTransport transport(*world.service);
  Replicator replicator(*store, transport);
  auto result = replicator.sync();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("enroll"), std::string::npos);
}

TEST(Replicator, ATokenTheAppKeepsIsSentInsteadOfTheStoredOne) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string token = must(alice.store->sync_value(kSyncToken));
  // The app moved the token to its keychain; the database keeps only a marker.
  ASSERT_TRUE(alice.store->set_sync_value(kSyncToken, kTokenKeptByHost).ok());
  EXPECT_EQ(Replicator(*alice.store, *alice.transport).sync().status().code(), StatusCode::kPermissionDenied);
  ReplicatorOptions options;
  options.device_token = token;
  SyncReport report = must(Replicator(*alice.store, *alice.transport, options).sync());
  EXPECT_GT(report.pulled, 0);
}

TEST(StatusFromResponse, ABare404IsRetriedAndTheServersOwn404IsNot) {
  // The HTTP layer of a server that is starting (or a proxy) answers 404 with no
  // fieldsync error: retried. The sync service's own 404 names what is missing.
  Status bare = status_from_response({404, "", "text/plain"});
  EXPECT_EQ(bare.code(), StatusCode::kUnavailable) << bare.to_string();
  EXPECT_TRUE(bare.retryable());
  Status own = status_from_response(
      {404, encode(ErrorBody{ErrorCode::kNotFound, "no such endpoint: /v1/pusj", false}),
       "application/json"});
  EXPECT_EQ(own.code(), StatusCode::kNotFound);
  EXPECT_FALSE(own.retryable());
  EXPECT_NE(own.message().find("/v1/pusj"), std::string::npos);
}

// Reads by role: a patrol phone holds the places and the repairs of its building, and
// never an owner's name, a phone number, a charge or a payment.
TEST(Replicator, APatrolPhoneNeverReceivesFeesOrResidents) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  PaymentInput payment = testing::payment(world.household_a, 5000);
  must(alice.work().record_payment(payment));
  alice.sync();
  auto& pat = world.enroll("pat", "patrol", {world.building_a});
  pat.sync();
  EXPECT_TRUE(pat.store->get("units", world.unit_a).ok());
  for (const char* collection :
       {"households", "charges", "payments", "fee_visits", "collection_plans"}) {
    EXPECT_TRUE(must(pat.store->list(collection)).empty()) << collection;
  }
  for (const auto& [bucket, seq] : must(pat.store->cursors())) {
    const std::string kind = bucket_kind(Schema::property_management(), bucket);
    EXPECT_TRUE(kind == "places" || kind == "patrol" || kind == "service") << bucket;
  }
}

// A collector made patrol loses the fee and resident buckets: evicted, with their
// cursors, once her pending changes are pushed (the visit she can no longer record is
// parked, not lost); made a collector again, she gets them back from their start.
TEST(Replicator, ARoleChangeGainsAndLosesWholeKindsOfData) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  ASSERT_TRUE(alice.store->get("charges", world.charge_a).ok());
  FeeVisitInput visit = testing::visit_to(world.household_a, "not_home");
  must(alice.work().record_visit(visit));
  ASSERT_TRUE(world.admin->add_user("alice", "patrol").ok());
  SyncReport report = alice.sync();
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(alice.store->access().role, "patrol");
  EXPECT_FALSE(alice.store->get("charges", world.charge_a).ok());
  EXPECT_FALSE(alice.store->get("households", world.household_a).ok());
  EXPECT_TRUE(alice.store->get("units", world.unit_a).ok());
  auto cursors = must(alice.store->cursors());
  EXPECT_FALSE(cursors.count("building:" + world.building_a + ":fees"));
  EXPECT_FALSE(cursors.count("building:" + world.building_a + ":residents"));
  EXPECT_TRUE(cursors.count("building:" + world.building_a + ":places"));
  EXPECT_EQ(must(alice.store->parked_changes()).size(), 1u);

  ASSERT_TRUE(world.admin->add_user("alice", "collector").ok());
  alice.sync();
  EXPECT_TRUE(alice.store->get("charges", world.charge_a).ok());
  EXPECT_TRUE(alice.store->get("households", world.household_a).ok());
}

// The app one schema version behind: schema 3 had no settlements of refused changes
// and no accepted_from field. The server serves it: it enrolls, pulls, records and
// pushes, and the records it gets back carry the newer fields, kept as they come.
Schema schema_three() {
  std::vector<CollectionDef> collections = Schema::property_management().collections();
  for (auto& c : collections) {
    c.fields.erase(std::remove_if(c.fields.begin(), c.fields.end(),
                                  [](const FieldDef& f) { return f.since_version > 3; }),
                   c.fields.end());
  }
  const Schema& current = Schema::property_management();
  return Schema(3, collections, current.roles(), current.data_kinds());
}

TEST(Replicator, AnAppOneSchemaVersionBehindStillSyncs) {
  SyncWorld world;
  static const Schema three = schema_three();
  auto& old = world.enroll("olda", "collector", {world.building_a}, &three);
  EXPECT_EQ(old.store->schema().version(), 3);
  old.sync();
  EXPECT_TRUE(old.store->get("households", world.household_a).ok());
  EXPECT_EQ(old.store->access().role, "collector");
  FeeVisitInput visit = testing::visit_to(world.household_a, "not_home");
  Record v = must(old.work().record_visit(visit));
  EXPECT_EQ(v.bucket, "building:" + world.building_a + ":fees");
  SyncReport report = old.sync();
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.rejected, 0);
  auto server = world.server_records();
  ASSERT_TRUE(server.count(v.id));
  EXPECT_EQ(server.at(v.id).bucket, "building:" + world.building_a + ":fees");
  EXPECT_EQ(server.at(v.id).fields.value("time_check", ""), "device");
  old.sync();
  EXPECT_EQ(must(old.store->get("fee_visits", v.id)).bucket, server.at(v.id).bucket);
  for (const auto& [id, record] : server) {
    if (!old.store->get(record.collection, id).ok()) continue;
    EXPECT_EQ(must(old.store->get(record.collection, id)).fields, record.fields)
        << record.collection;
  }
}

// A server that never answers: the phone waits between attempts and says so, and when it
// gives up it says its changes are kept for the next sync.
class UnreachableTransport final : public HttpTransport {
 public:
  Result<HttpResponse> send(const HttpRequest&) override {
    ++attempts;
    return Status::unavailable("connection refused");
  }
  int attempts = 0;
};

TEST(Replicator, WithTheServerDownTheProgressShowsEachWaitAndTheChangesAreKept) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  must(alice.work().record_visit(testing::visit_to(world.household_a, "not_home")));
  UnreachableTransport down;
  testing::RecordingSleeper sleeper;
  ReplicatorOptions options;
  options.sleeper = &sleeper;
  options.max_attempts = 4;
  Replicator replicator(*alice.store, down, options);
  std::vector<SyncProgress> waits;
  auto report = replicator.sync([&](const SyncProgress& p) {
    if (p.retry_in_ms > 0) waits.push_back(p);
  });
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(report.status().message().find("gave up after 4 attempts"), std::string::npos)
      << report.status().message();
  EXPECT_NE(
      report.status().message().find("1 change is kept on this phone and goes with the next sync"),
      std::string::npos)
      << report.status().message();
  EXPECT_EQ(down.attempts, 4);
  // One progress report per wait, before it, with how long and why; the sleeper slept that.
  ASSERT_EQ(waits.size(), 3u);
  ASSERT_EQ(sleeper.slept.size(), 3u);
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_EQ(waits[i].retry_in_ms, sleeper.slept[i]);
    EXPECT_EQ(waits[i].phase, "push");
    EXPECT_NE(waits[i].waiting_because.find("connection refused"), std::string::npos);
  }
  EXPECT_EQ(must(alice.store->pending_count()), 1);
}

}  // namespace
}  // namespace fieldsync
