// The office report over a server that devices synced to: collectors, a patroller, a
// technician and the office record their work on phones (SyncWorld, loopback), and
// each figure of the report is checked against what they recorded.
#include "fieldsync/server/office_report.h"

#include <gtest/gtest.h>

#include "support/sync_world.h"

namespace fieldsync::server {
namespace {

using testing::must;
using testing::SyncWorld;

constexpr int64_t kHour = 3600 * 1000;

FeeVisitInput visit(const std::string& household, const std::string& outcome) {
  FeeVisitInput v;
  v.household = household;
  v.outcome = outcome;
  return v;
}

FeeVisitInput promise(const std::string& household, const std::string& date, int64_t amount) {
  FeeVisitInput v = visit(household, "promised");
  v.promise_date = date;
  v.promise_amount = amount;
  return v;
}

FindingInput finding(const std::string& estate, const std::string& severity,
                     const std::string& deadline) {
  FindingInput f;
  f.estate = estate;
  f.category = "fire";
  f.severity = severity;
  f.description = "blocked exit";
  f.deadline = deadline;
  return f;
}

// The world of the report: reference data by the office, then two days of field work
// (2026-11-28 and 2026-11-29) and one payment on 2026-12-01.
class OfficeReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& admin = *world_.admin;
    charge_a_oct_ = create("charges", {{"household", world_.household_a},
                                       {"fee_item", "property_fee"},
                                       {"period", "2026-10"},
                                       {"amount", 10000}});
    charge_b_nov_ = create("charges", {{"household", world_.household_b},
                                       {"fee_item", "property_fee"},
                                       {"period", "2026-11"},
                                       {"amount", 8000}});
    create("charges", {{"household", world_.household_b},
                       {"fee_item", "property_fee"},
                       {"period", "2026-10"},
                       {"amount", 5000},
                       {"cancelled", true}});
    create("collection_plans", {{"collector", "alice"},
                                {"month", "2026-11"},
                                {"daily_visit_target", 2},
                                {"amount_target", 50000}});
    create("collection_plans", {{"collector", "alice"},
                                {"month", "2026-10"},
                                {"daily_visit_target", 9},
                                {"amount_target", 1}});
    create("collection_plans", {{"collector", "carl"},
                                {"month", "2026-11"},
                                {"daily_visit_target", 10},
                                {"amount_target", 30000}});
    ASSERT_TRUE(admin.add_user("pat", "patrol").ok());
    ASSERT_TRUE(admin.assign("pat", "estate", world_.estate).ok());
    alice_ = &world_.enroll("alice", "collector", {world_.building_a, world_.building_b});
    pat_ = &world_.enroll("pat", "patrol");
    tom_ = &world_.enroll("tom", "technician", {world_.building_a});
    olga_ = &world_.enroll("olga", "office");
    for (auto* device : {alice_, pat_, tom_, olga_}) device->sync();
  }

  std::string create(const std::string& collection, const Json& fields) {
    return must(world_.admin->create_record(collection, fields)).id;
  }

  OfficeReport report(const std::string& period, const std::string& as_of) {
    return must(
        build_office_report(*world_.server_store, Schema::property_management(), period, as_of));
  }

  // Collections on 2026-11-28 (09:00 UTC) and 2026-11-29, and a payment on 2026-12-01.
  void record_field_work() {
    FieldWork alice = alice_->work();
    must(alice.record_visit(visit(world_.household_a, "paid_partial")));
    must(alice.record_payment(testing::payment(world_.household_a, 15000)));  // no target
    must(alice.record_visit(promise(world_.household_b, "2026-11-29", 8000)));
    world_.clock.advance(60000);
    PaymentInput for_november = testing::payment(world_.household_b, 3000);
    for_november.periods = {"2026-11"};
    must(alice.record_payment(for_november));
    Record mistake = must(alice.record_payment(testing::payment(world_.household_b, 2000)));
    must(alice.void_payment(mistake.id, "typed twice"));
    alice_->sync();

    world_.clock.set(testing::kSaturdayMorning + 25 * kHour);  // 2026-11-29 10:00
    must(alice.record_visit(promise(world_.household_b, "2026-11-30", 4000)));
    alice_->sync();

    world_.clock.set(testing::kSaturdayMorning + 73 * kHour);  // 2026-12-01 10:00
    must(alice.record_payment(testing::payment(world_.household_a, 1000)));
    alice_->sync();
  }

  // Findings, work orders and a conflict, all on 2026-11-28.
  void record_patrol_service_and_conflict() {
    FieldWork pat = pat_->work();
    high_ = must(pat.report_finding(finding(world_.estate, "high", "2026-11-29"))).id;
    must(pat.report_finding(finding(world_.estate, "low", "2026-12-05")));
    const std::string closed =
        must(pat.report_finding(finding(world_.estate, "critical", "2026-11-01"))).id;
    must(pat_->store->advance_status("findings", closed, "closed"));
    pat_->sync();

    WorkOrderInput order;
    order.household = world_.household_a;
    order.category = "plumbing";
    order.description = "leaking tap";
    order.assignee = "tom";
    completed_ = must(tom_->work().open_work_order(order)).id;
    must(tom_->store->advance_status("work_orders", completed_, "completed"));
    const std::string visited = must(tom_->work().open_work_order(order)).id;
    must(tom_->store->advance_status("work_orders", visited, "return_visited"));
    tom_->sync();

    olga_->sync();
    alice_->sync();
    must(olga_->store->update("households", world_.household_a, {{"phones", {"222"}}}));
    world_.clock.advance(60000);
    must(alice_->store->update("households", world_.household_a, {{"phones", {"333"}}}));
    olga_->sync();
    EXPECT_EQ(alice_->sync().conflicts, 1);
  }

  SyncWorld world_;
  testing::TestDevice *alice_ = nullptr, *pat_ = nullptr, *tom_ = nullptr, *olga_ = nullptr;
  std::string charge_a_oct_, charge_b_nov_, high_, completed_;
};

// The console's kept records, brought up to date by what was written since, give the
// report a fresh load gives: before the field work, after it, and after the office
// edits a record (replaced in place) and closes a month.
TEST_F(OfficeReportTest, KeptFiguresEqualAFreshLoad) {
  KeptFigures kept(*world_.server_store);
  const Schema& schema = Schema::property_management();
  auto expect_same = [&](const std::string& when) {
    Json from_kept;
    ASSERT_TRUE(kept.use([&](const ServerFigures& figures) {
                      auto r = build_office_report(figures, *world_.server_store, schema, "2026-11",
                                                   "2026-12-01");
                      if (!r.ok()) return r.status();
                      from_kept = to_json(*r);
                      EXPECT_GT(figures.seq, 0) << when;
                      return Status();
                    })
                    .ok());
    EXPECT_EQ(from_kept, to_json(report("2026-11", "2026-12-01"))) << when;
    auto kept_arrears = Result<std::vector<ArrearsEntry>>(std::vector<ArrearsEntry>());
    ASSERT_TRUE(kept.use([&](const ServerFigures& figures) {
                      kept_arrears = build_arrears_list(figures, schema, "2026-12-01", 0);
                      return kept_arrears.status();
                    })
                    .ok());
    auto fresh = must(build_arrears_list(*world_.server_store, schema, "2026-12-01", 0));
    ASSERT_EQ(kept_arrears->size(), fresh.size()) << when;
    for (size_t i = 0; i < fresh.size(); ++i) {
      EXPECT_EQ((*kept_arrears)[i].account.household, fresh[i].account.household) << when;
      EXPECT_EQ((*kept_arrears)[i].account.balance(), fresh[i].account.balance()) << when;
    }
  };
  expect_same("before the field work");
  record_field_work();
  record_patrol_service_and_conflict();
  expect_same("after the field work");
  must(world_.admin->edit_record(charge_b_nov_, {{"cancelled", true}}));
  {
    auto txn = must(world_.server_store->begin(true));
    ASSERT_TRUE(txn->close_period("2026-11", 1).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  expect_same("after an edit and a closed month");
}

TEST_F(OfficeReportTest, CollectionRatesOfThePeriodAndOfOlderArrears) {
  record_field_work();
  OfficeReport r = report("2026-11", "2026-11-30");
  // November: 120.00 (A) + 80.00 (B) due. A's unnamed 150.00 pays October's 100.00
  // first, then 50.00 of November; B's 30.00 names November; the voided 20.00 and the
  // December payment take no part.
  EXPECT_EQ(r.collection.period.due, 20000);
  EXPECT_EQ(r.collection.period.collected, 8000);
  EXPECT_DOUBLE_EQ(*r.collection.period.rate(), 0.4);
  // Arrears: A's October 100.00 (B's October charge is cancelled), all paid in November.
  EXPECT_EQ(r.collection.arrears.due, 10000);
  EXPECT_EQ(r.collection.arrears.collected, 10000);
  EXPECT_DOUBLE_EQ(*r.collection.arrears.rate(), 1.0);
  EXPECT_EQ(r.collection.collected_in_period, 18000);
  EXPECT_EQ(r.collection.credit_in_period, 0);

  // December: what was unpaid on December 1st (300.00 - 180.00) and the 10.00 paid since.
  OfficeReport december = report("2026-12", "2026-12-01");
  EXPECT_EQ(december.collection.period.due, 0);
  EXPECT_FALSE(december.collection.period.rate().has_value());
  EXPECT_EQ(december.collection.arrears.due, 12000);
  EXPECT_EQ(december.collection.arrears.collected, 1000);
  EXPECT_EQ(december.collection.collected_in_period, 1000);
}

TEST_F(OfficeReportTest, VisitsAndMoneyPerCollectorAgainstThePlan) {
  record_field_work();
  OfficeReport r = report("2026-11", "2026-11-30");
  ASSERT_EQ(r.collectors.size(), 2u);
  const CollectorFigures& alice = r.collectors[0];
  EXPECT_EQ(alice.collector, "alice");
  EXPECT_EQ(alice.daily_visit_target, 2);  // November's plan, not October's
  EXPECT_EQ(alice.amount_target, 50000);
  EXPECT_EQ(alice.visits, 3);
  ASSERT_EQ(alice.days.size(), 2u);
  EXPECT_EQ(alice.days[0].date, "2026-11-28");
  EXPECT_EQ(alice.days[0].visits, 2);
  EXPECT_EQ(alice.days[0].households, 2);
  EXPECT_EQ(alice.days[1].date, "2026-11-29");
  EXPECT_EQ(alice.days[1].visits, 1);
  EXPECT_EQ(alice.days_on_target, 1);
  EXPECT_EQ(alice.collected, 18000);
  const CollectorFigures& carl = r.collectors[1];  // a plan and no work yet
  EXPECT_EQ(carl.collector, "carl");
  EXPECT_EQ(carl.visits, 0);
  EXPECT_EQ(carl.collected, 0);
  EXPECT_EQ(carl.amount_target, 30000);

  // As of the 28th, the 29th has not happened yet.
  OfficeReport earlier = report("2026-11", "2026-11-28");
  EXPECT_EQ(earlier.collectors[0].visits, 2);
}

TEST_F(OfficeReportTest, PromisesDueAndBroken) {
  record_field_work();
  OfficeReport r = report("2026-11", "2026-11-30");
  ASSERT_EQ(r.promises.size(), 2u);
  EXPECT_EQ(r.promises[0].promise_date, "2026-11-29");
  EXPECT_TRUE(r.promises[0].broken);  // 80.00 promised, 30.00 paid since (20.00 voided)
  EXPECT_EQ(r.promises[0].paid_since, 3000);
  EXPECT_EQ(r.promises[0].household, world_.household_b);
  EXPECT_EQ(r.household_names.at(world_.household_b), "Chen");
  EXPECT_EQ(r.promises[1].promise_date, "2026-11-30");
  EXPECT_FALSE(r.promises[1].broken);  // due today
  EXPECT_EQ(r.promises_broken(), 1);
  EXPECT_EQ(report("2026-12", "2026-12-01").promises_broken(), 2);
}

TEST_F(OfficeReportTest, FindingsWorkOrdersAndConflicts) {
  record_patrol_service_and_conflict();
  OfficeReport r = report("2026-11", "2026-11-30");
  std::map<std::string, FindingsBySeverity> by_severity;
  for (const auto& s : r.findings.by_severity) by_severity[s.severity] = s;
  ASSERT_EQ(r.findings.by_severity.size(), 4u);
  EXPECT_EQ(by_severity["high"].open, 1);
  EXPECT_EQ(by_severity["high"].overdue, 1);
  EXPECT_EQ(by_severity["low"].open, 1);
  EXPECT_EQ(by_severity["low"].overdue, 0);
  EXPECT_EQ(by_severity["critical"].open, 0);  // closed, though its deadline passed
  ASSERT_EQ(r.findings.overdue.size(), 1u);
  EXPECT_EQ(r.findings.overdue[0].id, high_);

  ASSERT_EQ(r.awaiting_return_visit.size(), 1u);
  EXPECT_EQ(r.awaiting_return_visit[0].id, completed_);
  EXPECT_EQ(r.awaiting_return_visit[0].household, world_.household_a);
  EXPECT_GT(r.awaiting_return_visit[0].done_ms, 0);

  ASSERT_EQ(r.conflicts.size(), 1u);
  const OpenConflict& c = r.conflicts[0];
  EXPECT_EQ(c.collection, "households");
  EXPECT_EQ(c.record, world_.household_a);
  EXPECT_EQ(c.field, "phones");
  EXPECT_EQ(c.winner_value, Json({"333"}).dump());
  EXPECT_EQ(c.loser_value, Json({"222"}).dump());
  EXPECT_NE(c.winner_device.find("alice"), std::string::npos);
}

TEST_F(OfficeReportTest, ANamedChargeIsPaidFirstAndWhatIsLeftIsCredit) {
  FieldWork alice = alice_->work();
  must(alice.record_payment(testing::payment(world_.household_b, 5000)));
  world_.clock.advance(60000);
  PaymentInput named = testing::payment(world_.household_b, 10000);
  named.charges = {charge_b_nov_};
  must(alice.record_payment(named));
  alice_->sync();
  OfficeReport r = report("2026-11", "2026-11-30");
  // B owes 80.00 for November: the later payment names it and takes it all.
  EXPECT_EQ(r.collection.period.due, 20000);
  EXPECT_EQ(r.collection.period.collected, 8000);
  EXPECT_EQ(r.collection.collected_in_period, 15000);
  EXPECT_EQ(r.collection.credit_in_period, 7000);
}

TEST_F(OfficeReportTest, JsonAndTableShowTheSameFigures) {
  record_field_work();
  record_patrol_service_and_conflict();
  OfficeReport r = report("2026-11", "2026-11-30");
  Json j = to_json(r);
  EXPECT_EQ(j["period"], "2026-11");
  EXPECT_EQ(j["as_of"], "2026-11-30");
  EXPECT_EQ(j["collection"]["period"]["due"], "200.00");
  EXPECT_EQ(j["collection"]["period"]["collected"], "80.00");
  EXPECT_DOUBLE_EQ(j["collection"]["period"]["rate"].get<double>(), 0.4);
  EXPECT_EQ(j["collection"]["arrears"]["collected"], "100.00");
  EXPECT_EQ(j["collectors"][0]["collected"], "180.00");
  EXPECT_DOUBLE_EQ(j["collectors"][0]["amount_rate"].get<double>(), 0.36);
  EXPECT_EQ(j["promises"]["broken"], 1);
  EXPECT_EQ(j["promises"]["list"][0]["promise_amount"], "80.00");
  EXPECT_EQ(j["findings"]["overdue"], 1) << j["findings"].dump();
  ASSERT_EQ(j["work_orders_awaiting_return_visit"].size(), 1u);
  // Households and buildings are named by their labels beside their ids.
  const Json& awaiting = j["work_orders_awaiting_return_visit"][0];
  EXPECT_EQ(awaiting["household"], world_.household_a);
  EXPECT_EQ(awaiting["household_label"], "Block A · A-101 · Wang");
  EXPECT_EQ(awaiting["building_label"], nullptr);
  EXPECT_EQ(j["findings"]["overdue_list"][0]["building_label"], nullptr);  // an estate's
  EXPECT_EQ(j["open_conflicts"][0]["winner_value"], Json({"333"}));

  const std::string table = to_table(r);
  EXPECT_NE(table.find("2026-11 charges"), std::string::npos);
  EXPECT_NE(table.find("40.0%"), std::string::npos);
  EXPECT_NE(table.find("36.0%"), std::string::npos);
  EXPECT_NE(table.find("broken"), std::string::npos);
  EXPECT_NE(table.find(completed_), std::string::npos);
  EXPECT_NE(table.find("Block A · A-101 · Wang"), std::string::npos);
  EXPECT_NE(table.find("phones"), std::string::npos);
}

TEST_F(OfficeReportTest, RefusesAMalformedPeriodOrDate) {
  auto bad_period = build_office_report(*world_.server_store, Schema::property_management(),
                                        "2026-13", "2026-11-30");
  ASSERT_FALSE(bad_period.ok());
  EXPECT_EQ(bad_period.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_period.status().message().find("period"), std::string::npos);
  auto bad_date = build_office_report(*world_.server_store, Schema::property_management(),
                                      "2026-11", "30/11/2026");
  ASSERT_FALSE(bad_date.ok());
  EXPECT_NE(bad_date.status().message().find("as-of"), std::string::npos);
}

TEST(FormatTable, AlignsColumnsByScreenColumns) {
  const std::string table =
      format_table({"name", "amount"}, {{"王丽", "5.00"}, {"Li\nWang", "120.00"}}, {1});
  EXPECT_EQ(table,
            "name     amount\n"
            "---------------\n"
            "王丽       5.00\n"
            "Li Wang  120.00\n");
}

}  // namespace
}  // namespace fieldsync::server
