#include "fieldsync/field_work.h"

#include <gtest/gtest.h>

#include <set>

#include "test_support.h"

namespace fieldsync {
namespace {

using testing::kSaturdayMorning;
using testing::must;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

class FieldWorkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeviceStoreOptions options;
    options.clock = &clock_;
    store_ = must(DeviceStore::create(dir_.file("device.db"), {"C001", "alice", ""}, options));
    e_ = testing::seed_estate(*store_);
    work_ = std::make_unique<FieldWork>(*store_);
  }

  testing::TempDir dir_;
  ManualClock clock_{kSaturdayMorning};
  std::unique_ptr<DeviceStore> store_;
  testing::Estate e_;
  std::unique_ptr<FieldWork> work_;
};

TEST_F(FieldWorkTest, AVisitDefaultsToNowAndTheDevicesUser) {
  FeeVisitInput visit;
  visit.household = e_.household;
  visit.outcome = "not_home";
  Record r = must(work_->record_visit(visit));
  EXPECT_EQ(r.fields["collector"], "alice");
  EXPECT_EQ(r.fields["visited_at"], kSaturdayMorning);
  EXPECT_EQ(r.fields["channel"], "door");
}

TEST_F(FieldWorkTest, PaymentsGetUniqueReceiptNumbersFromTheDeviceCode) {
  std::set<std::string> receipts;
  for (int i = 0; i < 50; ++i) {
    Record r = must(work_->record_payment(testing::payment(e_.household, 100 + i)));
    receipts.insert(r.fields["receipt_number"].get<std::string>());
  }
  EXPECT_EQ(receipts.size(), 50u);
  EXPECT_EQ(*receipts.begin(), "C001-000001");
  EXPECT_EQ(*receipts.rbegin(), "C001-000050");
}

TEST_F(FieldWorkTest, APaymentMayOnlyPayItsOwnHouseholdsCharges) {
  Record other_household = must(store_->insert("households", {{"unit", e_.unit}, {"owner_name", "Chen"}}));
  Record other_charge = must(store_->insert("charges", {{"household", other_household.id},
                                                        {"fee_item", "property_fee"},
                                                        {"period", "2026-11"},
                                                        {"amount", 9000}}));
  PaymentInput payment = testing::payment(e_.household, 12000);
  payment.charges = {e_.charge_nov, other_charge.id};
  auto refused = work_->record_payment(payment);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("another household"), std::string::npos);
  EXPECT_TRUE(must(store_->list("payments")).empty());
}

TEST_F(FieldWorkTest, ArrearsAreChargesMinusPaymentsPlusVoids) {
  EXPECT_EQ(must(work_->arrears(e_.household, "2026-12-31")).balance(), 24000);
  Record paid = must(work_->record_payment(testing::payment(e_.household, 12000)));
  must(work_->record_payment(testing::payment(e_.household, 5000)));
  HouseholdArrears after = must(work_->arrears(e_.household, "2026-12-31"));
  EXPECT_EQ(after.charged, 24000);
  EXPECT_EQ(after.paid, 17000);
  EXPECT_EQ(after.balance(), 7000);

  must(work_->void_payment(paid.id, "wrong household"));
  HouseholdArrears voided = must(work_->arrears(e_.household, "2026-12-31"));
  EXPECT_EQ(voided.voided, 12000);
  EXPECT_EQ(voided.balance(), 19000);

  auto twice = work_->void_payment(paid.id, "again");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(must(work_->arrears(e_.household, "2026-12-31")).balance(), 19000);

  must(store_->update("charges", e_.charge_dec, {{"cancelled", true}}));
  EXPECT_EQ(must(work_->arrears(e_.household, "2026-12-31")).balance(), 7000);
}

TEST_F(FieldWorkTest, PromisesAreDueUntilPaymentsCoverThem) {
  FeeVisitInput promise;
  promise.household = e_.household;
  promise.outcome = "promised";
  promise.promise_date = "2026-12-01";
  promise.promise_amount = 12000;
  Record visit = must(work_->record_visit(promise));

  EXPECT_TRUE(must(work_->promises_due("2026-11-30")).empty());  // not due yet
  auto due = must(work_->promises_due("2026-12-01"));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].visit, visit.id);
  EXPECT_FALSE(due[0].broken);
  auto broken = must(work_->promises_due("2026-12-02", "alice"));
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_TRUE(broken[0].broken);
  EXPECT_TRUE(must(work_->promises_due("2026-12-02", "bob")).empty());

  clock_.advance(kDay);
  must(work_->record_payment(testing::payment(e_.household, 5000)));
  auto partly = must(work_->promises_due("2026-12-02"));
  ASSERT_EQ(partly.size(), 1u);
  EXPECT_EQ(partly[0].paid_since, 5000);
  must(work_->record_payment(testing::payment(e_.household, 7000)));
  EXPECT_TRUE(must(work_->promises_due("2026-12-02")).empty());
  EXPECT_FALSE(work_->promises_due("tomorrow").ok());
}

TEST_F(FieldWorkTest, VisitsPerDayCountsVisitsAndHouseholdsAgainstThePlan) {
  must(store_->insert("collection_plans", {{"collector", "alice"},
                                           {"month", "2026-11"},
                                           {"households", {e_.household}},
                                           {"daily_visit_target", 12},
                                           {"amount_target", 1000000}}));
  FeeVisitInput visit;
  visit.household = e_.household;
  visit.outcome = "not_home";
  must(work_->record_visit(visit));
  clock_.advance(2 * kHour);
  must(work_->record_visit(visit));
  clock_.advance(kDay);  // Sunday
  must(work_->record_visit(visit));
  // Another collector's visit, as a pull brings it (a device records only its own).
  must(store_->insert("fee_visits", {{"household", e_.household},
                                     {"collector", "bob"},
                                     {"visited_at", clock_.now_ms()},
                                     {"channel", "door"},
                                     {"outcome", "not_home"}}));

  const auto visits = must(work_->visits("alice", "2026-11-01", "2026-11-30"));
  EXPECT_EQ(visits.visits, 3);
  EXPECT_EQ(visits.households, 1);  // visited on Saturday and Sunday: still one household
  const auto& days = visits.days;
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].date, "2026-11-28");
  EXPECT_EQ(days[0].visits, 2);
  EXPECT_EQ(days[0].households, 1);
  EXPECT_EQ(days[0].target, 12);
  EXPECT_EQ(days[1].date, "2026-11-29");
  EXPECT_EQ(days[1].visits, 1);
  EXPECT_TRUE(must(work_->visits("alice", "2026-12-01", "2026-12-31")).days.empty());
}

TEST_F(FieldWorkTest, PatrolCheckInsMustBeOnTheirRoute) {
  Record route = must(store_->insert("patrol_routes", {{"estate", e_.estate}, {"name", "North loop"}}));
  Record other = must(store_->insert("patrol_routes", {{"estate", e_.estate}, {"name", "South loop"}}));
  Record gate = must(store_->insert("checkpoints", {{"route", route.id}, {"name", "Gate"}, {"sequence", 1}}));
  CheckInInput check_in;
  check_in.route = route.id;
  check_in.checkpoint = gate.id;
  Record r = must(work_->check_in(check_in));
  EXPECT_EQ(r.fields["patroller"], "alice");
  EXPECT_EQ(r.fields["method"], "qr");
  check_in.route = other.id;
  auto wrong = work_->check_in(check_in);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("not on route"), std::string::npos);
}

TEST_F(FieldWorkTest, AFindingGoesThroughItsLifecycle) {
  FindingInput finding;
  finding.estate = e_.estate;
  finding.category = "fire";
  finding.severity = "high";
  finding.description = "fire door wedged open, stairwell B";
  finding.deadline = "2026-12-01";
  Record r = must(work_->report_finding(finding));
  EXPECT_EQ(r.fields["status"], "reported");
  EXPECT_EQ(r.bucket, "estate:" + e_.estate + ":patrol");
  for (const char* stage : {"notified", "rectifying", "awaiting_review", "closed"}) {
    EXPECT_EQ(must(store_->advance_status("findings", r.id, stage)).fields["status"], stage);
  }
  finding.category = "arson";
  EXPECT_FALSE(work_->report_finding(finding).ok());
}

TEST_F(FieldWorkTest, ARepairWithNotesAndAReturnVisit) {
  WorkOrderInput order;
  order.household = e_.household;
  order.category = "plumbing";
  order.description = "kitchen tap leaks";
  Record wo = must(work_->open_work_order(order));
  EXPECT_EQ(wo.bucket, "building:" + e_.building + ":service");
  must(work_->add_work_order_note(wo.id, "replaced washer"));
  must(work_->add_work_order_note(wo.id, "tested, no leak"));
  must(store_->advance_status("work_orders", wo.id, "completed"));
  ReturnVisitInput rv;
  rv.work_order = wo.id;
  rv.satisfaction = 5;
  Record visit = must(work_->record_return_visit(rv));
  EXPECT_EQ(visit.bucket, wo.bucket);
  EXPECT_EQ(must(store_->list("work_order_notes", ListQuery{{{"work_order", wo.id}}})).size(), 2u);
  rv.satisfaction = 9;
  EXPECT_FALSE(work_->record_return_visit(rv).ok());
  EXPECT_FALSE(work_->add_work_order_note(e_.household, "not a work order").ok());

  WorkOrderInput public_area;
  public_area.building = e_.building;
  public_area.area = "lift lobby";
  public_area.category = "public_facility";
  public_area.description = "light out";
  EXPECT_TRUE(work_->open_work_order(public_area).ok());
}

TEST_F(FieldWorkTest, AComplaintAndItsReturnVisit) {
  ComplaintInput complaint;
  complaint.household = e_.household;
  complaint.description = "noise from renovation after 22:00";
  Record c = must(work_->log_complaint(complaint));
  EXPECT_EQ(c.fields["status"], "open");
  must(store_->advance_status("complaints", c.id, "resolved"));
  ReturnVisitInput rv;
  rv.complaint = c.id;
  rv.satisfaction = 3;
  rv.comment = "ok now";
  EXPECT_TRUE(work_->record_return_visit(rv).ok());
  rv.work_order = c.id;  // both, and the wrong kind
  EXPECT_FALSE(work_->record_return_visit(rv).ok());
}

TEST_F(FieldWorkTest, RefusalOverServiceLinksTheWorkOrder) {
  WorkOrderInput order;
  order.household = e_.household;
  order.category = "heating";
  order.description = "radiator cold since October";
  Record wo = must(work_->open_work_order(order));
  FeeVisitInput visit;
  visit.household = e_.household;
  visit.outcome = "refused_service";
  visit.work_order = wo.id;
  EXPECT_TRUE(work_->record_visit(visit).ok());
  visit.outcome = "not_home";
  EXPECT_FALSE(work_->record_visit(visit).ok());
}

}  // namespace
}  // namespace fieldsync
