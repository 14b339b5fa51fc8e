// Devices syncing with the server over real HTTP on loopback: CpprestTransport and the
// Replicator on the device side, HttpFront over the sync service on the server side.
#include <gtest/gtest.h>

#include "http_world.h"

namespace fieldsync {
namespace {

using testing::HttpWorld;
using testing::must;

TEST(HttpSync, DevicesEnrollAndConvergeOverHttp) {
  HttpWorld http;
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  auto& office = http.enroll("office", "office");
  EXPECT_EQ(must(alice.replicator->status()).server, http.url());
  alice.sync();
  EXPECT_TRUE(alice.store->get("households", http.world.household_a).ok());
  EXPECT_FALSE(alice.store->get("households", http.world.household_b).ok());  // not her building

  FeeVisitInput visit;
  visit.household = http.world.household_a;
  visit.outcome = "paid_full";
  must(alice.work().record_visit(visit));
  Record payment =
      must(alice.work().record_payment(testing::payment(http.world.household_a, 12000)));
  SyncReport pushed = alice.sync();
  EXPECT_EQ(pushed.pushed, 2);
  EXPECT_EQ(pushed.applied, 2);
  EXPECT_EQ(pushed.retries, 0);

  office.sync();
  EXPECT_EQ(must(office.store->get("payments", payment.id)).fields["amount"], 12000);
  EXPECT_EQ(must(office.work().arrears(http.world.household_a)).balance(), 0);
  testing::expect_converged(http.world, *alice.store);
  testing::expect_converged(http.world, *office.store);
}

TEST(HttpSync, ConcurrentEditsOverHttpBecomeAConflict) {
  HttpWorld http;
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  auto& office = http.enroll("office", "office");
  alice.sync();
  office.sync();
  must(office.store->update("households", http.world.household_a, {{"phones", {"222"}}}));
  http.world.clock.advance(60000);
  must(alice.store->update("households", http.world.household_a, {{"phones", {"333"}}}));
  office.sync();
  EXPECT_EQ(alice.sync().conflicts, 1);
  office.sync();
  EXPECT_EQ(must(office.store->get("households", http.world.household_a)).fields["phones"],
            Json({"333"}));
  EXPECT_EQ(must(office.store->list("conflicts")).size(), 1u);
  testing::expect_converged(http.world, *alice.store);
  testing::expect_converged(http.world, *office.store);
}

TEST(HttpSync, ASyncAfterAServerRestartWorks) {
  HttpWorld http;
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  alice.sync();
  Record payment = must(alice.work().record_payment(testing::payment(http.world.household_a, 500)));

  http.stop_front();
  auto offline = alice.replicator->sync();
  ASSERT_FALSE(offline.ok());
  EXPECT_TRUE(offline.status().retryable()) << offline.status().to_string();
  EXPECT_EQ(must(alice.store->pending_count()), 1);  // kept for the next sync

  http.start_front();  // same port, same store: a server restart
  SyncReport report = alice.sync();
  EXPECT_EQ(report.pushed, 1);
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.retries, 0);
  EXPECT_EQ(must(alice.store->pending_count()), 0);
  EXPECT_TRUE(http.world.server_records().count(payment.id));
  testing::expect_converged(http.world, *alice.store);
}

TEST(HttpSync, AKeptAliveConnectionDoesNotFailTheFirstSyncAfterARestart) {
  HttpWorld http;
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  alice.sync();  // leaves a kept-alive connection in the transport's pool
  http.stop_front();
  http.start_front();
  must(alice.work().record_payment(testing::payment(http.world.household_a, 900)));
  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.retries, 0);
}

TEST(HttpSync, PullsInPagesOverHttp) {
  HttpWorld http;
  for (int i = 0; i < 25; ++i) {
    must(http.world.admin->create_record("charges", {{"household", http.world.household_a},
                                                     {"fee_item", "parking"},
                                                     {"period", "2026-11"},
                                                     {"amount", 100 + i}}));
  }
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  ReplicatorOptions options;
  options.sleeper = &http.world.sleeper;
  options.pull_page = 7;
  alice.replicator = std::make_unique<Replicator>(*alice.store, *alice.transport, options);
  EXPECT_GE(alice.sync().pull_pages, 4);
  testing::expect_converged(http.world, *alice.store);
}

}  // namespace
}  // namespace fieldsync
