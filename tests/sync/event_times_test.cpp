// When an event happened, decided by the server: a phone's clock a year ahead cannot
// move money between months, a time in the future is flagged, a closed month does not
// change, the clock warning lasts until the clock is right, and the phone's views agree
// with the office report over the same records.
#include <gtest/gtest.h>

#include <random>

#include "fieldsync/figures.h"
#include "fieldsync/server/office_report.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::kSaturdayMorning;
using testing::must;
using testing::SyncWorld;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int64_t kYear = 365 * kDay;

server::OfficeReport report(SyncWorld& world, const std::string& period, const std::string& as_of) {
  return must(server::build_office_report(*world.server_store, Schema::property_management(),
                                          period, as_of));
}

TEST(EventTimes, APhoneAYearAheadCannotMoveAPaymentOrItsVoidIntoNextYear) {
  SyncWorld world("Asia/Shanghai");
  ManualClock phone(kSaturdayMorning + kYear);
  auto& alice = world.enroll("alice", "collector", {world.building_a}, nullptr, &phone);
  alice.sync();
  Record paid = must(alice.work().record_payment(testing::payment(world.household_a, 12000)));
  EXPECT_EQ(paid.fields["paid_at"], kSaturdayMorning + kYear);  // what the phone wrote
  SyncReport first = alice.sync();
  EXPECT_GT(first.clock_ahead_ms, kYear - kMinute);

  const Record stored = world.server_records().at(paid.id);
  EXPECT_EQ(stored.fields["paid_at"], kSaturdayMorning + kYear);  // kept
  EXPECT_EQ(stored.fields["occurred_at"], kSaturdayMorning);
  EXPECT_EQ(stored.fields["arrived_at"], kSaturdayMorning);
  EXPECT_EQ(stored.fields["time_check"], "corrected");
  EXPECT_EQ(report(world, "2026-11", "2026-11-28").collection.collected_in_period, 12000);
  EXPECT_EQ(report(world, "2027-11", "2027-11-30").collection.collected_in_period, 0);
  // The phone's own view reads the server's time once it has pulled it.
  EXPECT_EQ(must(alice.store->get("payments", paid.id)).fields["occurred_at"], kSaturdayMorning);
  EXPECT_EQ(must(alice.work().arrears(world.household_a, "2026-11-28")).balance(), 0);

  world.clock.advance(kDay);
  phone.advance(kDay);
  must(alice.work().void_payment(paid.id, "wrong household"));
  alice.sync();
  EXPECT_EQ(report(world, "2026-11", "2026-11-29").collection.collected_in_period, 0);
  EXPECT_EQ(report(world, "2026-11", "2026-11-28").collection.collected_in_period, 12000);
  EXPECT_EQ(must(alice.work().arrears(world.household_a, "2026-11-29")).balance(), 12000);

  // The warning stays while nothing is pushed, and goes when the clock is right.
  EXPECT_GT(alice.sync().clock_ahead_ms, kYear - kMinute);
  EXPECT_GT(must(alice.replicator->status()).clock_ahead_ms, 0);
  phone.set(world.clock.now_ms());
  EXPECT_EQ(alice.sync().clock_ahead_ms, 0);
  EXPECT_EQ(must(alice.replicator->status()).clock_ahead_ms, 0);
}

TEST(EventTimes, AnEventDatedAfterItArrivedIsFlaggedAndCountedAtItsArrival) {
  SyncWorld world("Asia/Shanghai");
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  PaymentInput p = testing::payment(world.household_a, 3000);
  p.paid_at = kSaturdayMorning + 40 * kDay;
  Record future = must(alice.work().record_payment(p));
  alice.sync();
  const Record stored = world.server_records().at(future.id);
  EXPECT_EQ(stored.fields["time_check"], "unexplained");
  EXPECT_EQ(stored.fields["occurred_at"], kSaturdayMorning);
  const server::OfficeReport r = report(world, "2026-11", "2026-11-30");
  EXPECT_EQ(r.collection.collected_in_period, 3000);
  ASSERT_EQ(r.time_notes.size(), 1u);
  EXPECT_EQ(r.time_notes[0].id, future.id);
  EXPECT_EQ(r.time_notes[0].device_time, kSaturdayMorning + 40 * kDay);
}

// A complaint's own time ("received_at": when customer service took it) is the phone's
// and stays; the server's arrival is a field of its own.
TEST(EventTimes, AComplaintKeepsTheTimeItWasTakenBesideTheServersArrival) {
  SyncWorld world("Asia/Shanghai");
  ManualClock phone(kSaturdayMorning + 2 * 60 * kMinute);
  auto& carol = world.enroll("carol", "customer_service", {world.building_a}, nullptr, &phone);
  carol.sync();
  ComplaintInput complaint;
  complaint.household = world.household_a;
  complaint.description = "lift stops between floors";
  Record taken = must(carol.work().log_complaint(complaint));
  carol.sync();
  const Record stored = world.server_records().at(taken.id);
  EXPECT_EQ(stored.fields["received_at"], kSaturdayMorning + 2 * 60 * kMinute);
  EXPECT_EQ(stored.fields["arrived_at"], kSaturdayMorning);
  EXPECT_EQ(stored.fields["occurred_at"], kSaturdayMorning);
  EXPECT_EQ(stored.fields["time_check"], "corrected");
}

TEST(EventTimes, AClosedMonthDoesNotChange) {
  SyncWorld world("Asia/Shanghai");
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  const int64_t october = must(parse_timestamp("2026-10-30T02:00:00Z"));
  PaymentInput on_time = testing::payment(world.household_a, 1000);
  on_time.paid_at = october;
  must(alice.work().record_payment(on_time));
  alice.sync();
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(txn->close_period("2026-10", world.clock.now_ms()).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  PaymentInput late = testing::payment(world.household_a, 2000);
  late.paid_at = october;
  Record entry = must(alice.work().record_payment(late));
  alice.sync();
  EXPECT_EQ(world.server_records().at(entry.id).fields["late_for"], "2026-10");
  const server::OfficeReport closed = report(world, "2026-10", "2026-10-31");
  EXPECT_TRUE(closed.period_closed);
  EXPECT_EQ(closed.collection.collected_in_period, 1000);
  const server::OfficeReport now = report(world, "2026-11", "2026-11-30");
  EXPECT_EQ(now.collection.collected_in_period, 2000);  // counted when it arrived
  ASSERT_EQ(now.time_notes.size(), 1u);
  EXPECT_EQ(now.time_notes[0].late_for, "2026-10");
}

TEST(EventTimes, AReturnVisitMovesItsWorkOrderOnEverySide) {
  SyncWorld world;
  auto& tom = world.enroll("tom", "technician", {world.building_a});
  tom.sync();
  WorkOrderInput order;
  order.household = world.household_a;
  order.category = "plumbing";
  order.description = "kitchen leak";
  Record w = must(tom.work().open_work_order(order));
  must(tom.store->advance_status("work_orders", w.id, "completed"));
  tom.sync();
  EXPECT_EQ(report(world, "2026-11", "2026-11-30").awaiting_return_visit.size(), 1u);
  ReturnVisitInput visit;
  visit.work_order = w.id;
  visit.satisfaction = 5;
  must(tom.work().record_return_visit(visit));
  EXPECT_EQ(must(tom.store->get("work_orders", w.id)).fields["status"], "return_visited");
  tom.sync();
  EXPECT_EQ(world.server_records().at(w.id).fields["status"], "return_visited");
  const server::OfficeReport r = report(world, "2026-11", "2026-11-30");
  EXPECT_TRUE(r.awaiting_return_visit.empty());
  EXPECT_EQ(r.satisfaction.visits, 1);
}

// The same records, the phone's views and the server's report: every figure equal, on
// worlds of random visits, promises, payments and voids around a month's end.
TEST(EventTimes, ThePhonesViewsAndTheReportAgreeOnEveryFigure) {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SyncWorld world("Asia/Shanghai");
    must(world.admin->create_record("collection_plans", {{"collector", "alice"},
                                                         {"month", "2026-11"},
                                                         {"daily_visit_target", 2},
                                                         {"amount_target", 50000},
                                                         {"households", {world.household_a}}}));
    std::mt19937 random(seed);
    ManualClock phone(kSaturdayMorning + (seed % 3 == 0 ? 3600 * 1000 : 0));
    auto& alice = world.enroll("alice", "collector", {world.building_a}, nullptr, &phone);
    alice.sync();
    std::vector<std::string> payments;
    for (int step = 0; step < 25; ++step) {
      const int64_t when = kSaturdayMorning + static_cast<int64_t>(random() % (6 * kDay));
      switch (random() % 4) {
        case 0: {
          FeeVisitInput v = testing::visit_to(world.household_a, "promised");
          v.visited_at = when;
          v.promise_date = format_date(civil_from_days((when + 2 * kDay) / kDay));
          v.promise_amount = 1000 + static_cast<int64_t>(random() % 5000);
          must(alice.work().record_visit(v));
          break;
        }
        case 1: {
          FeeVisitInput v = testing::visit_to(world.household_a, "not_home");
          v.visited_at = when;
          must(alice.work().record_visit(v));
          break;
        }
        case 2: {
          PaymentInput p = testing::payment(world.household_a, 500 + random() % 4000);
          p.paid_at = when;
          payments.push_back(must(alice.work().record_payment(p)).id);
          break;
        }
        default:
          if (payments.empty()) break;
          (void)alice.work().void_payment(payments[random() % payments.size()], "mistake");
      }
      if (random() % 5 == 0) alice.sync();
    }
    alice.sync();
    auto figures = must(server::load_server_figures(*world.server_store));
    const Calendar server = figures.calendar(Schema::property_management());
    for (const char* day : {"2026-11-28", "2026-11-30", "2026-12-01", "2026-12-03"}) {
      SCOPED_TRACE(day);
      const HouseholdArrears phone_view = must(alice.work().arrears(world.household_a, day));
      const HouseholdArrears office = household_arrears(server, world.household_a, day);
      EXPECT_EQ(phone_view.balance(), office.balance());
      EXPECT_EQ(phone_view.paid, office.paid);
      EXPECT_EQ(phone_view.voided, office.voided);
      EXPECT_EQ(phone_view.unpaid_periods, office.unpaid_periods);
      const auto phone_promises = must(alice.work().promises_due(day));
      const auto report_promises = report(world, std::string(day).substr(0, 7), day).promises;
      ASSERT_EQ(phone_promises.size(), report_promises.size());
      for (size_t i = 0; i < phone_promises.size(); ++i) {
        EXPECT_EQ(phone_promises[i].visit, report_promises[i].visit);
        EXPECT_EQ(phone_promises[i].paid_since, report_promises[i].paid_since);
        EXPECT_EQ(phone_promises[i].broken, report_promises[i].broken);
      }
      const server::OfficeReport r = report(world, "2026-11", day);
      const auto phone_days = must(alice.work().visits("alice", "2026-11-01", day)).days;
      int64_t phone_visits = 0;
      for (const auto& d : phone_days) phone_visits += d.visits;
      ASSERT_EQ(r.collectors.size(), 1u);
      int64_t in_november = 0;
      for (const auto& d : phone_days)
        in_november += d.date.substr(0, 7) == "2026-11" ? d.visits : 0;
      EXPECT_EQ(r.collectors[0].visits, in_november);
      EXPECT_LE(in_november, phone_visits);
    }
  }
}

}  // namespace
}  // namespace fieldsync
