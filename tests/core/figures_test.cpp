// The figures as pure functions over records: local days, the void's own time, a
// duplicate void, arrears by age, collectors' days around a month's end, return visits
// closing the loop, records by status, late entries counted when they arrive, patrol
// rounds and the checkpoints they missed.
#include "fieldsync/figures.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace fieldsync {
namespace {

using testing::must;

int64_t at(const char* text) {
  return must(parse_timestamp(text));
}

class FiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    add("estates", "e1", {{"name", "Riverside"}, {"time_zone", "Asia/Shanghai"}});
    add("buildings", "b1", {{"estate", "e1"}, {"name", "Block 3"}});
    add("units", "u1", {{"building", "b1"}, {"number", "3-1204"}});
    add("households", "h1",
        {{"unit", "u1"},
         {"owner_name", "Wang Li"},
         {"phones", {"13800000001"}},
         {"collector", "alice"}});
  }

  const Record& add(const std::string& collection, const std::string& id, Json fields) {
    Record r;
    r.collection = collection;
    r.id = id;
    r.fields = std::move(fields);
    records_.add(r);
    return *records_.find(id);
  }
  void charge(const std::string& id, const std::string& period, int64_t amount) {
    add("charges", id,
        {{"household", "h1"},
         {"fee_item", "property_fee"},
         {"period", period},
         {"amount", amount}});
  }
  void pay(const std::string& id, int64_t amount, const char* when, Json extra = Json::object()) {
    Json f = {
        {"household", "h1"}, {"amount", amount}, {"collector", "alice"}, {"paid_at", at(when)}};
    f.update(extra);
    add("payments", id, f);
  }
  void visit(const std::string& id, const char* when, const std::string& collector = "alice") {
    add("fee_visits", id,
        {{"household", "h1"},
         {"collector", collector},
         {"visited_at", at(when)},
         {"outcome", "not_home"}});
  }
  Calendar calendar() const {
    return Calendar(Schema::property_management(), records_, TimeZone::utc());
  }

  RecordSet records_;
};

TEST_F(FiguresTest, APaymentEarlyOnTheFirstCountsInThatLocalMonth) {
  charge("c1", "2026-12", 12000);
  pay("p1", 12000, "2026-11-30T23:30:00Z");  // 07:30 on 1 December in Shanghai
  const CollectionRates december = collection_rates(calendar(), "2026-12", "2026-12-01");
  EXPECT_EQ(december.collected_in_period, 12000);
  EXPECT_EQ(december.period.collected, 12000);
  EXPECT_EQ(collection_rates(calendar(), "2026-11", "2026-11-30").collected_in_period, 0);
  // The same record in an estate of no zone counts by the fallback, UTC.
  RecordSet bare;
  for (const char* id : {"c1", "p1"}) bare.add(*records_.find(id));
  EXPECT_EQ(collection_rates(Calendar(Schema::property_management(), bare, TimeZone::utc()),
                             "2026-11", "2026-11-30")
                .collected_in_period,
            12000);
}

TEST_F(FiguresTest, AVoidCountsFromItsOwnTimeAndASecondVoidChangesNothing) {
  charge("c1", "2026-11", 12000);
  pay("p1", 12000, "2026-11-10T02:00:00Z");
  add("payment_voids", "v1",
      {{"payment", "p1"},
       {"reason", "twice"},
       {"voided_by", "alice"},
       {"voided_at", at("2026-12-02T02:00:00Z")}});
  add("payment_voids", "v2",
      {{"payment", "p1"},
       {"reason", "again"},
       {"voided_by", "bob"},
       {"voided_at", at("2026-12-03T02:00:00Z")}});
  // As of November the payment stands; from the void's day it is as if never paid.
  EXPECT_EQ(household_arrears(calendar(), "h1", "2026-11-30").balance(), 0);
  EXPECT_EQ(collection_rates(calendar(), "2026-11", "2026-11-30").period.collected, 12000);
  const HouseholdArrears december = household_arrears(calendar(), "h1", "2026-12-02");
  EXPECT_EQ(december.paid, 12000);
  EXPECT_EQ(december.voided, 12000);  // once, not twice
  EXPECT_EQ(december.balance(), 12000);
  EXPECT_EQ(collection_rates(calendar(), "2026-11", "2026-12-02").period.collected, 0);
  const auto duplicates = duplicate_voids(calendar());
  ASSERT_EQ(duplicates.size(), 1u);
  EXPECT_EQ(duplicates[0].void_id, "v2");
  EXPECT_EQ(duplicates[0].first_void, "v1");
}

TEST_F(FiguresTest, ArrearsAreAgedFromTheOldestPeriodNotFullyPaid) {
  charge("c2022", "2022-06", 10000);
  charge("c2023", "2023-06", 10000);
  charge("c2026", "2026-11", 10000);
  charge("c2027", "2027-01", 10000);         // billed ahead: not owed yet
  pay("p1", 15000, "2026-11-20T02:00:00Z");  // pays 2022 and half of 2023
  const HouseholdArrears a = household_arrears(calendar(), "h1", "2026-12-03");
  EXPECT_EQ(a.charged, 30000);
  EXPECT_EQ(a.balance(), 15000);
  EXPECT_EQ(a.unpaid_periods, (std::vector<std::string>{"2023-06", "2026-11"}));
  EXPECT_EQ(a.oldest_period, "2023-06");
  EXPECT_EQ(a.months_overdue, 42);
  EXPECT_EQ(a.years_overdue(), 3);
  const auto three = arrears_list(calendar(), "2026-12-03", 3);
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(three[0].owner, "Wang Li");
  EXPECT_EQ(three[0].building, "Block 3");
  EXPECT_EQ(three[0].unit, "3-1204");
  EXPECT_EQ(three[0].phones, (std::vector<std::string>{"13800000001"}));
  EXPECT_TRUE(arrears_list(calendar(), "2026-12-03", 4).empty());
}

TEST_F(FiguresTest, AWeekAcrossTheMonthsEndCountsEachDayAgainstItsMonthsPlan) {
  add("collection_plans", "plan-nov",
      {{"collector", "alice"},
       {"month", "2026-11"},
       {"daily_visit_target", 2},
       {"amount_target", 100000}});
  add("collection_plans", "plan-dec",
      {{"collector", "alice"},
       {"month", "2026-12"},
       {"daily_visit_target", 1},
       {"amount_target", 100000}});
  visit("v1", "2026-11-29T01:00:00Z");
  visit("v2", "2026-11-29T02:00:00Z");
  visit("v3", "2026-11-30T17:00:00Z");  // 01:00 on 1 December in Shanghai
  visit("v4", "2026-12-02T03:00:00Z");
  const auto visits = collector_visits(calendar(), "alice", "2026-11-28", "2026-12-04");
  EXPECT_EQ(visits.visits, 4);
  EXPECT_EQ(visits.households, 1);  // one door on three days is one household
  const auto& week = visits.days;
  ASSERT_EQ(week.size(), 3u);
  EXPECT_EQ(week[0].date, "2026-11-29");
  EXPECT_EQ(week[0].visits, 2);
  EXPECT_EQ(week[0].households, 1);  // the same household twice
  EXPECT_TRUE(week[0].on_target());
  EXPECT_EQ(week[1].date, "2026-12-01");
  EXPECT_EQ(week[1].target, 1);
  EXPECT_TRUE(week[1].on_target());
  const auto november = collector_figures(calendar(), "2026-11", "2026-11-30");
  ASSERT_EQ(november.size(), 1u);
  EXPECT_EQ(november[0].visits, 2);
  EXPECT_EQ(november[0].days_on_target, 1);
  const auto december = collector_figures(calendar(), "2026-12", "2026-12-31");
  EXPECT_EQ(december[0].visits, 2);
  EXPECT_EQ(december[0].days_on_target, 2);
}

TEST_F(FiguresTest, PromisesAreDueByTheLocalDayAndKeptByLaterPayments) {
  add("fee_visits", "visit",
      {{"household", "h1"},
       {"collector", "alice"},
       {"outcome", "promised"},
       {"visited_at", at("2026-11-28T02:00:00Z")},
       {"promise_date", "2026-12-01"},
       {"promise_amount", 5000}});
  EXPECT_TRUE(promises_due(calendar(), "2026-11-30").empty());
  auto due = promises_due(calendar(), "2026-12-01");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_FALSE(due[0].broken);
  EXPECT_TRUE(promises_due(calendar(), "2026-12-02")[0].broken);
  pay("p1", 5000, "2026-12-01T20:00:00Z");  // 04:00 on 2 December locally
  EXPECT_TRUE(promises_due(calendar(), "2026-12-02").empty());
  EXPECT_EQ(promises_due(calendar(), "2026-12-01").size(), 1u);  // not yet paid that day
}

TEST_F(FiguresTest, ReturnVisitsCloseTheLoopAndFillTheMaintenanceFile) {
  add("work_orders", "w1",
      {{"household", "h1"},
       {"category", "plumbing"},
       {"description", "leak"},
       {"status", "completed"},
       {"reported_at", at("2026-11-20T02:00:00Z")}});
  add("work_orders", "w2",
      {{"household", "h1"},
       {"category", "electrical"},
       {"description", "lamp"},
       {"status", "completed"},
       {"reported_at", at("2026-11-21T02:00:00Z")}});
  add("complaints", "k1",
      {{"household", "h1"},
       {"description", "noise"},
       {"status", "resolved"},
       {"arrived_at", at("2026-11-22T02:00:00Z")}});
  add("work_order_notes", "n1",
      {{"work_order", "w1"},
       {"author", "tom"},
       {"text", "valve"},
       {"written_at", at("2026-11-21T02:00:00Z")}});
  add("return_visits", "r1",
      {{"work_order", "w1"},
       {"satisfaction", 4},
       {"visited_by", "tom"},
       {"visited_at", at("2026-11-25T02:00:00Z")}});
  add("return_visits", "r2",
      {{"complaint", "k1"},
       {"satisfaction", 2},
       {"visited_by", "sue"},
       {"visited_at", at("2026-11-26T02:00:00Z")}});
  const auto waiting = awaiting_return_visit(calendar());
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].id, "w2");
  const Satisfaction s = return_visit_satisfaction(calendar(), "2026-11", "2026-11-30");
  EXPECT_EQ(s.visits, 2);
  EXPECT_DOUBLE_EQ(*s.average(), 3.0);
  EXPECT_EQ(s.by_score[3], 1);
  const MaintenanceFile file = maintenance_file(calendar(), "h1");
  ASSERT_EQ(file.work_orders.size(), 2u);
  EXPECT_EQ(file.work_orders[0].order.id, "w1");
  ASSERT_EQ(file.work_orders[0].notes.size(), 1u);
  ASSERT_EQ(file.work_orders[0].return_visits.size(), 1u);
  EXPECT_TRUE(file.work_orders[1].return_visits.empty());
  ASSERT_EQ(file.complaints.size(), 1u);
  EXPECT_EQ(file.complaints[0].return_visits[0].id, "r2");
}

TEST_F(FiguresTest, StatusCountsListEveryStageInLifecycleOrderThenOthers) {
  add("work_orders", "w1", {{"household", "h1"}, {"status", "completed"}});
  add("work_orders", "w2", {{"household", "h1"}, {"status", "reported"}});
  add("work_orders", "w3", {{"household", "h1"}, {"status", "completed"}});
  add("work_orders", "w4", {{"household", "h1"}, {"status", "lost"}});  // an older schema's
  add("complaints", "k1", {{"household", "h1"}, {"status", "resolved"}});
  const auto orders = status_counts(calendar(), "work_orders");
  std::vector<std::pair<std::string, int64_t>> got;
  for (const StatusCount& s : orders) got.emplace_back(s.status, s.count);
  const std::vector<std::pair<std::string, int64_t>> want = {
      {"reported", 1},       {"dispatched", 0}, {"in_progress", 0}, {"completed", 2},
      {"return_visited", 0}, {"closed", 0},     {"lost", 1}};
  EXPECT_EQ(got, want);
  const auto complaints = status_counts(calendar(), "complaints");
  ASSERT_EQ(complaints.size(), 5u);
  EXPECT_EQ(complaints[0].status, "open");
  EXPECT_EQ(complaints[0].count, 0);
  EXPECT_EQ(complaints[2].status, "resolved");
  EXPECT_EQ(complaints[2].count, 1);
  EXPECT_TRUE(status_counts(calendar(), "payments").empty());  // no status
  EXPECT_TRUE(status_counts(calendar(), "no_such").empty());
}

TEST_F(FiguresTest, TheServersTimeWinsAndALateEntryCountsWhenItArrived) {
  charge("c1", "2026-10", 12000);
  // The phone said next year; the server corrected it to 3 December.
  pay("p1", 5000, "2027-12-03T02:00:00Z",
      {{"occurred_at", at("2026-12-03T02:00:00Z")},
       {"arrived_at", at("2026-12-03T03:00:00Z")},
       {"time_check", "corrected"}});
  // Dated into October, which the office had closed: it counts in December, apart.
  pay("p2", 7000, "2026-10-15T02:00:00Z",
      {{"occurred_at", at("2026-10-15T02:00:00Z")},
       {"arrived_at", at("2026-12-02T03:00:00Z")},
       {"time_check", "device"},
       {"late_for", "2026-10"}});
  const Calendar cal = calendar();
  EXPECT_EQ(collection_rates(cal, "2026-10", "2026-10-31").collected_in_period, 0);
  EXPECT_EQ(collection_rates(cal, "2026-12", "2026-12-03").collected_in_period, 12000);
  EXPECT_EQ(collection_rates(cal, "2027-12", "2027-12-31").collected_in_period, 0);
  const auto notes = time_notes(cal, "2026-12", "2026-12-31");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].id, "p2");
  EXPECT_EQ(notes[0].late_for, "2026-10");
}

TEST_F(FiguresTest, APatrolRoundListsEachCheckpointOfTheLocalDayAndThoseMissed) {
  add("patrol_routes", "r-night", {{"estate", "e1"}, {"name", "Night round"}});
  add("patrol_routes", "r-old", {{"estate", "e1"}, {"name", "Old round"}, {"archived", true}});
  add("patrol_routes", "r-closed",
      {{"estate", "e1"}, {"name", "Closed round"}, {"archived", true}});
  add("checkpoints", "cp-roof", {{"route", "r-night"}, {"name", "Roof"}});
  add("checkpoints", "cp-car", {{"route", "r-night"}, {"name", "Car park"}, {"sequence", 2}});
  add("checkpoints", "cp-gate", {{"route", "r-night"}, {"name", "Gate"}, {"sequence", 1}});
  add("checkpoints", "cp-shed",
      {{"route", "r-night"}, {"name", "Shed"}, {"sequence", 3}, {"archived", true}});
  add("checkpoints", "cp-pond", {{"route", "r-closed"}, {"name", "Pond"}});
  auto check_in = [&](const std::string& id, const std::string& route,
                      const std::string& checkpoint, const std::string& who, const char* when) {
    add("checkins", id,
        {{"route", route},
         {"checkpoint", checkpoint},
         {"patroller", who},
         {"checked_at", at(when)},
         {"method", "qr"},
         {"condition", "normal"}});
  };
  check_in("k-car-2", "r-night", "cp-car", "sam", "2026-11-30T13:00:00Z");
  check_in("k-gate", "r-night", "cp-gate", "pat", "2026-11-29T23:30:00Z");  // 07:30 on the 30th
  check_in("k-car-1", "r-night", "cp-car", "pat", "2026-11-30T00:10:00Z");
  check_in("k-late", "r-night", "cp-gate", "pat", "2026-12-01T16:30:00Z");  // the 2nd there
  check_in("k-pond", "r-closed", "cp-pond", "pat", "2026-11-30T02:00:00Z");

  const auto rounds = patrol_rounds(calendar(), "2026-11-30", "2026-12-01");
  ASSERT_EQ(rounds.size(), 4u);  // two days each of Closed round and Night round, not Old round
  EXPECT_EQ(rounds[0].route_name, "Closed round");
  EXPECT_EQ(rounds[0].date, "2026-11-30");
  EXPECT_EQ(rounds[0].missed, 0);
  EXPECT_EQ(rounds[1].missed, 1);  // its pond on 1 December

  const PatrolRound& night = rounds[2];
  EXPECT_EQ(night.route, "r-night");
  EXPECT_EQ(night.estate, "e1");
  EXPECT_EQ(night.date, "2026-11-30");
  ASSERT_EQ(night.checkpoints.size(), 3u);  // the archived shed, never checked, is left out
  EXPECT_EQ(night.checkpoints[0].name, "Gate");
  EXPECT_EQ(night.checkpoints[1].name, "Car park");
  EXPECT_EQ(night.checkpoints[2].name, "Roof");  // no sequence: last
  ASSERT_EQ(night.checkpoints[0].checkins.size(), 1u);
  EXPECT_EQ(night.checkpoints[0].checkins[0].patroller, "pat");
  EXPECT_EQ(night.checkpoints[0].checkins[0].at_ms, at("2026-11-29T23:30:00Z"));
  ASSERT_EQ(night.checkpoints[1].checkins.size(), 2u);
  EXPECT_EQ(night.checkpoints[1].checkins[0].id, "k-car-1");  // in time order
  EXPECT_EQ(night.checkpoints[1].checkins[1].patroller, "sam");
  EXPECT_TRUE(night.checkpoints[2].missed());
  EXPECT_EQ(night.checkins, 3);
  EXPECT_EQ(night.missed, 1);

  const PatrolRound& next = rounds[3];  // 1 December: nobody came; 00:30 on the 2nd is not it
  EXPECT_EQ(next.date, "2026-12-01");
  EXPECT_EQ(next.checkins, 0);
  EXPECT_EQ(next.missed, 3);

  EXPECT_TRUE(patrol_rounds(calendar(), "2026-12-02", "2026-11-30").empty());
  EXPECT_TRUE(patrol_rounds(calendar(), "2026-11-31", "2026-12-01").empty());
  const auto second = patrol_rounds(calendar(), "2026-12-02", "2026-12-02");
  ASSERT_EQ(second.size(), 1u);  // the archived route had no check-in that day
  EXPECT_EQ(second[0].checkins, 1);
}

}  // namespace
}  // namespace fieldsync
