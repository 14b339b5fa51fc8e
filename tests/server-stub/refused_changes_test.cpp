// Refused changes kept by the server and settled by the office, and revoked phones
// re-admitted with their outbox: through the library, over loopback (tests/support).
#include <gtest/gtest.h>

#include "fieldsync/server/office_admin.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::SyncWorld;
using testing::TestDevice;
using testing::must;

using testing::count_payments;

// alice records a payment while offline, then loses building A before she syncs: the
// server refuses it and keeps it for the office.
struct RefusedPayment {
  SyncWorld world;
  TestDevice* alice = nullptr;
  Record payment;
  std::vector<server::RefusedChange> open;

  RefusedPayment() {
    alice = &world.enroll("alice", "collector", {world.building_a});
    alice->sync();
    payment = must(alice->work().record_payment(testing::payment(world.household_a, 5000)));
    EXPECT_TRUE(world.admin->unassign("alice", "building", world.building_a).ok());
    SyncReport report = alice->sync();
    EXPECT_EQ(report.rejected, 1);
    auto txn = must(world.server_store->begin(false));
    open = must(txn->refused_changes(false));
  }
};

TEST(RefusedChanges, TheServerKeepsTheWholeChangeWithWhoWhenAndWhy) {
  RefusedPayment f;
  ASSERT_EQ(f.open.size(), 1u);
  const server::RefusedChange& r = f.open[0];
  EXPECT_EQ(r.user, "alice");
  EXPECT_EQ(r.collection, "payments");
  EXPECT_EQ(r.record_id, f.payment.id);
  EXPECT_EQ(r.kind, "create");
  EXPECT_EQ(r.state, "open");
  EXPECT_EQ(r.refused_ms, f.world.clock.now_ms());
  EXPECT_FALSE(r.reason.empty());
  EXPECT_EQ(r.change["fields"]["amount"], 5000);
  EXPECT_EQ(r.change["fields"]["receipt_number"], f.payment.fields["receipt_number"]);
  EXPECT_EQ(must(f.alice->store->parked_changes()).size(), 1u);
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 0);
}

TEST(RefusedChanges, AnAcceptedPaymentIsWrittenOnceAndClearsThePhoneOnce) {
  RefusedPayment f;
  ASSERT_EQ(f.open.size(), 1u);
  auto accepted = must(f.world.admin->accept_refused(f.open[0].id, Json::object(), "office",
                                                     "alice was moved the same morning"));
  EXPECT_EQ(accepted.state, "accepted");
  EXPECT_EQ(accepted.settled_by, "office");
  EXPECT_EQ(accepted.accepted_record, f.payment.id);
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 1);
  const Record on_server = f.world.server_records().at(f.payment.id);
  EXPECT_EQ(on_server.fields["accepted_from"], f.open[0].change_id);
  EXPECT_EQ(on_server.fields["receipt_number"], f.payment.fields["receipt_number"]);

  SyncReport report = f.alice->sync();
  EXPECT_EQ(report.accepted_by_office, 1);
  EXPECT_TRUE(must(f.alice->store->parked_changes()).empty());
  EXPECT_TRUE(must(f.alice->store->outbox()).empty());
  report = f.alice->sync();
  EXPECT_EQ(report.accepted_by_office, 0);
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 1);

  // Settled once: a second acceptance or a void is refused and changes nothing.
  auto again = f.world.admin->accept_refused(f.open[0].id, Json::object(), "office", "");
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.world.admin->void_refused(f.open[0].id, "office", "x").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 1);
}

TEST(RefusedChanges, TheOfficeCorrectsAPaymentBeforeAcceptingIt) {
  RefusedPayment f;
  ASSERT_EQ(f.open.size(), 1u);
  // A correction the collection refuses leaves the change open and writes nothing.
  auto bad = f.world.admin->accept_refused(f.open[0].id, {{"amount", -5}}, "office", "");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("still refused"), std::string::npos)
      << bad.status().message();
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 0);
  auto txn = must(f.world.server_store->begin(false));
  EXPECT_EQ(must(txn->refused_changes(false)).size(), 1u);
  txn.reset();

  must(f.world.admin->accept_refused(f.open[0].id, {{"amount", 4500}}, "office",
                                     "the receipt says 45.00"));
  EXPECT_EQ(f.world.server_records().at(f.payment.id).fields["amount"], 4500);
  f.alice->sync();
  EXPECT_TRUE(must(f.alice->store->parked_changes()).empty());
}

TEST(RefusedChanges, AVoidedChangeClearsThePhoneAndWritesNothing) {
  RefusedPayment f;
  ASSERT_EQ(f.open.size(), 1u);
  auto voided = must(f.world.admin->void_refused(f.open[0].id, "office", "entered twice"));
  EXPECT_EQ(voided.state, "voided");
  EXPECT_EQ(voided.note, "entered twice");
  SyncReport report = f.alice->sync();
  EXPECT_EQ(report.voided_by_office, 1);
  // The phone is told which change and why, once.
  ASSERT_EQ(report.settled.size(), 1u);
  EXPECT_TRUE(report.settled[0].voided);
  EXPECT_EQ(report.settled[0].note, "entered twice");
  EXPECT_EQ(report.settled[0].change.record_id, f.payment.id);
  EXPECT_TRUE(f.alice->sync().settled.empty());
  EXPECT_TRUE(must(f.alice->store->parked_changes()).empty());
  EXPECT_EQ(count_payments(f.world, f.world.household_a), 0);
  auto txn = must(f.world.server_store->begin(false));
  EXPECT_TRUE(must(txn->refused_changes(false)).empty());
  EXPECT_EQ(must(txn->refused_changes(true)).size(), 1u);
}

TEST(Readmission, ARevokedPhoneIsReadmittedAndItsOutboxArrivesOnce) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  const std::string device_id = must(alice.store->sync_value(kSyncDeviceId));
  const std::string device_code = alice.store->identity().device_code;
  ASSERT_FALSE(device_id.empty());
  must(alice.work().record_payment(testing::payment(world.household_a, 3000)));
  ASSERT_TRUE(world.admin->revoke_device(device_code).ok());

  auto refused = alice.replicator->sync();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("kept on the phone"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("(1 change waiting)"), std::string::npos)
      << refused.status().message();
  const SyncStatus status = must(Replicator::read_status(*alice.store));
  EXPECT_FALSE(status.refused_by_server.empty());
  EXPECT_EQ(status.pending, 1);

  // A plain enroll code cannot take a phone that issued receipts: refused with the way
  // out, and the code is still good for a new phone; no device row appears.
  const size_t devices_before = must(must(world.server_store->begin(false))->list_devices()).size();
  const std::string plain = must(world.admin->issue_enrollment_code("alice"));
  auto wrong = request_enrollment(*alice.transport, must(enrollment_request(*alice.store, plain)));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("readmit"), std::string::npos) << wrong.status().message();
  EXPECT_EQ(must(must(world.server_store->begin(false))->list_devices()).size(), devices_before);
  testing::LoopbackTransport fresh(*world.service);
  EXPECT_TRUE(request_enrollment(fresh, plain, Schema::property_management().version()).ok());

  // Readmit takes the device code in any case.
  std::string lower = device_code;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string code = must(world.admin->readmit(lower));
  auto enrollment =
      must(request_enrollment(*alice.transport, must(enrollment_request(*alice.store, code))));
  EXPECT_EQ(enrollment.device_id, device_id);
  EXPECT_EQ(enrollment.device_code, device_code);
  ASSERT_TRUE(adopt_enrollment(*alice.store, enrollment, "loopback").ok());
  EXPECT_TRUE(must(Replicator::read_status(*alice.store)).refused_by_server.empty());

  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(count_payments(world, world.household_a), 1);
  report = alice.sync();
  EXPECT_EQ(report.pushed, 0);
  EXPECT_EQ(count_payments(world, world.household_a), 1);
  // The code was used once.
  auto reused = request_enrollment(*alice.transport, must(enrollment_request(*alice.store, code)));
  EXPECT_FALSE(reused.ok());
}

TEST(Readmission, OnlyARevokedDeviceIsReadmitted) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  auto active = world.admin->readmit(alice.store->identity().device_code);
  EXPECT_EQ(active.status().code(), StatusCode::kFailedPrecondition) << active.status().to_string();
  EXPECT_EQ(world.admin->readmit("ZZZZ").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace fieldsync
