// Devices syncing with the real fieldsync-server over HTTP: convergence, exactly-once
// pushes when the network loses requests and responses, parked rejections, and a
// server restart between a push and a pull. The same scenarios run in process in
// tests/sync/replicator_test.cpp.
#include <gtest/gtest.h>

#include <set>

#include "server_world.h"

namespace fieldsync::testing {
namespace {

// The receipt numbers of the server's payments, each once.
std::set<std::string> receipts(const ServerRecords& server) {
  std::set<std::string> out;
  for (const Record& p : of_collection(server, "payments")) {
    const std::string receipt = p.fields.value("receipt_number", "");
    EXPECT_TRUE(out.insert(receipt).second) << "receipt " << receipt << " is used twice";
  }
  return out;
}

TEST_F(ServerTest, CollectorsAndTheOfficeConvergeWithTheServerDatabase) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& bob = enroll("bob", "collector", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  for (FieldDevice* d : {&alice, &bob, &office}) d->sync();
  EXPECT_TRUE(alice.store->get("charges", ref_.charge_a).ok());
  EXPECT_FALSE(alice.store->get("households", ref_.household_b).ok());  // Block B is not hers

  // Both collectors work Block A offline; the office edits a household of Block B.
  Record visit = must(alice.work().record_visit(visit_to(ref_.household_a, "paid_partial")));
  Record alice_paid = must(alice.work().record_payment(payment(ref_.household_a, 5000)));
  Record bob_paid = must(bob.work().record_payment(payment(ref_.household_a, 7000)));
  WorkOrderInput order;
  order.household = ref_.household_a;
  order.category = "plumbing";
  order.description = "dripping tap";
  Record work_order = must(bob.work().open_work_order(order));
  must(office.store->update("households", ref_.household_b, {{"notes", "gate code 1234"}}));

  // The first round pushes everything; the second brings each device the others' work.
  for (int round = 0; round < 2; ++round) {
    for (FieldDevice* d : {&alice, &bob, &office}) d->sync();
  }

  const ServerRecords server = server_records();
  for (const auto& id : {visit.id, alice_paid.id, bob_paid.id, work_order.id}) {
    EXPECT_TRUE(server.count(id)) << id;
  }
  EXPECT_EQ(server.at(ref_.household_b).record.fields["notes"], "gate code 1234");
  for (FieldDevice* d : {&alice, &bob, &office}) {
    SCOPED_TRACE(d->user);
    expect_converged(server, *d->store);
    EXPECT_EQ(must(d->store->pending_count()), 0);
  }
  EXPECT_TRUE(bob.store->get("payments", alice_paid.id).ok());
  EXPECT_TRUE(alice.store->get("work_orders", work_order.id).ok());
  EXPECT_FALSE(alice.store->get("households", ref_.household_b).ok());
  EXPECT_EQ(must(office.work().arrears(ref_.household_a)).balance(), 0);  // 120.00 paid in two
  EXPECT_EQ(alice.sync().pulled, 0);                                      // nothing new
}

TEST_F(ServerTest, APushRetriedAfterItsResponseWasLostAddsNoDuplicate) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  std::set<std::string> paid;
  for (int i = 0; i < 3; ++i) {
    paid.insert(must(alice.work().record_payment(payment(ref_.household_a, 1000 + i))).id);
  }
  alice.link->lose_responses(1);  // the server commits the batch; the phone never hears
  SyncReport report = alice.sync();
  EXPECT_EQ(alice.link->lost(), 1);
  EXPECT_EQ(report.retries, 1);
  EXPECT_EQ(report.pushed, 3);
  EXPECT_EQ(report.applied, 3);  // the replay gets the first answers again

  ServerRecords server = server_records();
  std::set<std::string> on_server;
  for (const Record& p : of_collection(server, "payments")) on_server.insert(p.id);
  EXPECT_EQ(on_server, paid);
  std::set<std::string> numbers = receipts(server);
  EXPECT_EQ(numbers.size(), 3u);
  for (const auto& n : numbers) EXPECT_EQ(n.rfind(alice.code() + "-", 0), 0u) << n;
  EXPECT_EQ(must(alice.store->pending_count()), 0);
  expect_converged(server, *alice.store);

  // A request lost on its way is sent again just the same.
  paid.insert(must(alice.work().record_payment(payment(ref_.household_a, 2000))).id);
  alice.link->lose_requests(2);
  EXPECT_EQ(alice.sync().retries, 2);
  server = server_records();
  EXPECT_EQ(of_collection(server, "payments").size(), 4u);
  EXPECT_EQ(receipts(server).size(), 4u);
}

TEST_F(ServerTest, AnEditThatLostAConflictIsNotRecordedTwiceWhenRetried) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  alice.sync();
  office.sync();
  must(alice.store->update("households", ref_.household_a, {{"phones", {"333"}}}));
  field_clock_.advance(60000);  // the office's edit is the later one, and wins
  must(office.store->update("households", ref_.household_a, {{"phones", {"222"}}}));
  office.sync();
  alice.link->lose_responses(1);  // the conflict is recorded; alice never hears of it
  SyncReport report = alice.sync();
  EXPECT_EQ(report.retries, 1);
  EXPECT_EQ(report.conflicts, 1);

  // Retrying gets the first answer again: still one conflict, not a second one.
  const ServerRecords server = server_records();
  EXPECT_EQ(of_collection(server, "conflicts").size(), 1u);
  EXPECT_EQ(server.at(ref_.household_a).record.fields["phones"], Json({"222"}));
  expect_converged(server, *alice.store);
}

TEST_F(ServerTest, ARejectedChangeIsParkedWhileTheRestSyncs) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  // Offline, alice takes a payment and records a visit while the office makes her
  // customer service, who records visits but not payments: the server refuses the
  // payment, the visit still syncs.
  PaymentInput payment = testing::payment(ref_.household_a, 5000);
  Record paid = must(alice.work().record_payment(payment));
  Record visit = must(alice.work().record_visit(visit_to(ref_.household_a, "not_home")));
  admin({"user", "add", "alice", "--role", "customer_service"});
  SyncReport report = alice.sync();
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(report.applied, 1);
  auto parked = must(alice.store->parked_changes());
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].record_id, paid.id);
  EXPECT_NE(parked[0].parked_reason.find("may not record payments"), std::string::npos)
      << parked[0].parked_reason;
  ServerRecords server = server_records();
  EXPECT_TRUE(server.count(visit.id));
  EXPECT_FALSE(server.count(paid.id));

  // The parked change never blocks what comes after it.
  Record later = must(alice.work().record_visit(visit_to(ref_.household_a, "refused_hardship")));
  EXPECT_EQ(alice.sync().applied, 1);
  EXPECT_TRUE(server_records().count(later.id));
  SyncStatus status = must(alice.replicator->status());
  EXPECT_EQ(status.parked, 1);
  EXPECT_EQ(status.pending, 0);
}

TEST_F(ServerTest, AServerRestartBetweenPushAndPullLosesAndDuplicatesNothing) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  alice.sync();
  office.sync();
  must(alice.work().record_payment(payment(ref_.household_a, 4000)));
  must(alice.work().record_payment(payment(ref_.household_a, 8000)));
  must(alice.work().record_visit(visit_to(ref_.household_a, "paid_full")));
  // Every answer is lost: the server applies the batch, the phone gives up.
  alice.link->lose_responses(100);
  auto failed = alice.replicator->sync();
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().retryable());
  EXPECT_EQ(must(alice.store->pending_count()), 3);
  EXPECT_EQ(of_collection(server_records(), "payments").size(), 2u);
  alice.link->lose_responses(0);

  Status restarted = server_.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.to_string();

  SyncReport pulled = office.sync();
  EXPECT_EQ(pulled.pulled, 3);  // both payments and the visit, once each
  EXPECT_EQ(must(office.store->list("payments")).size(), 2u);
  SyncReport again = alice.sync();
  EXPECT_EQ(again.pushed, 3);
  EXPECT_EQ(must(alice.store->pending_count()), 0);
  office.sync();

  const ServerRecords server = server_records();
  EXPECT_EQ(of_collection(server, "payments").size(), 2u);
  EXPECT_EQ(of_collection(server, "fee_visits").size(), 1u);
  EXPECT_EQ(receipts(server).size(), 2u);
  expect_converged(server, *alice.store);
  expect_converged(server, *office.store);
  EXPECT_EQ(must(office.work().arrears(ref_.household_a)).balance(), 0);
}

}  // namespace
}  // namespace fieldsync::testing
