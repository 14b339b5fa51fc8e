// The most one payment, charge or promise may hold is its estate's (max_amount,
// 100,000.00 unless the office sets it): the phone refuses more before it prints a
// receipt, the server refuses what a phone that did not know sends, and the office's own
// charges obey it too. Through the sync service and replicators over loopback.
#include <gtest/gtest.h>

#include "fieldsync/server/office_admin.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::count_payments;
using testing::must;
using testing::SyncWorld;
using testing::TestDevice;

TEST(EstateMaximum, ThePhoneKnowsItsEstatesMaximumAndTheServerHoldsToIt) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  // A collector assigned one building holds its estate's record: its maximum and zone.
  EXPECT_TRUE(testing::device_records(*alice.store).count(world.estate));

  auto over = alice.work().record_payment(testing::payment(world.household_a, 10'000'001));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("more than this estate's maximum of 100000.00"),
            std::string::npos)
      << over.status().message();
  EXPECT_TRUE(must(alice.store->pending_changes(10)).empty());  // no receipt number used
  must(alice.work().record_payment(testing::payment(world.household_a, 10'000'000)));

  // The office raises it; the phone learns it at its next sync.
  must(world.admin->edit_record(world.estate, {{"max_amount", 20'000'000}}));
  alice.sync();
  must(alice.work().record_payment(testing::payment(world.household_a, 15'000'000)));
  EXPECT_EQ(alice.sync().applied, 1);
  EXPECT_EQ(count_payments(world, world.household_a), 2);

  // The office lowers it while the phone is offline: what the phone took under the old
  // maximum is refused by the server, kept for the office, and parked on the phone.
  must(world.admin->edit_record(world.estate, {{"max_amount", 5'000'000}}));
  must(alice.work().record_payment(testing::payment(world.household_a, 6'000'000)));
  SyncReport report = alice.sync();
  EXPECT_EQ(report.rejected, 1);
  const auto parked = must(alice.store->parked_changes());
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_NE(parked[0].parked_reason.find("maximum of 50000.00"), std::string::npos)
      << parked[0].parked_reason;
  EXPECT_EQ(count_payments(world, world.household_a), 2);
}

TEST(EstateMaximum, TheOfficesChargesAndPromisesObeyItToo) {
  SyncWorld world;
  auto charge = world.admin->create_record("charges", {{"household", world.household_a},
                                                       {"fee_item", "repair_fund"},
                                                       {"period", "2026-11"},
                                                       {"amount", 10'000'001}});
  ASSERT_FALSE(charge.ok());
  EXPECT_NE(charge.status().message().find("amount: 100000.01 is more than this estate's maximum"),
            std::string::npos)
      << charge.status().message();
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  FeeVisitInput visit;
  visit.household = world.household_a;
  visit.outcome = "promised";
  visit.promise_date = "2026-12-20";
  visit.promise_amount = 10'000'001;
  auto promise = alice.work().record_visit(visit);
  ASSERT_FALSE(promise.ok());
  EXPECT_NE(promise.status().message().find("promise_amount:"), std::string::npos)
      << promise.status().message();
  // Events are not edited, and a bad maximum changes nothing.
  EXPECT_FALSE(world.admin->edit_record(world.charge_a, {{"amount", 1}}).ok());
  EXPECT_FALSE(world.admin->edit_record(world.estate, {{"max_amount", 0}}).ok());
  EXPECT_FALSE(world.server_records().at(world.estate).fields.contains("max_amount"));
}

}  // namespace
}  // namespace fieldsync
