#include "fieldsync/merge.h"

#include <cstdint>

#include <gtest/gtest.h>

#include "fieldsync/hlc.h"

namespace fieldsync {
namespace {

const Schema& schema() { return Schema::property_management(); }
const CollectionDef& households() { return *schema().find("households"); }
const CollectionDef& work_orders() { return *schema().find("work_orders"); }

std::string stamp(int64_t ms, const std::string& node) { return Stamp{ms, 0, node}.encode(); }

constexpr int64_t kT = 1795856400000LL;
const char* kUnit = "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b";
const char* kId = "0193a6f2-7c1e-7b3a-9f00-000000000001";

Record household_at(const std::string& phone_stamp) {
  Record r;
  r.collection = "households";
  r.id = kId;
  r.bucket = "building:b";
  r.fields = {{"unit", kUnit}, {"owner_name", "Wang"}, {"phones", {"111"}}};
  r.stamps = {{"unit", stamp(kT, "office")}, {"owner_name", stamp(kT, "office")}, {"phones", phone_stamp}};
  return r;
}

IncomingChange phone_edit(const std::string& phone, const std::string& new_stamp, const std::string& base) {
  IncomingChange c;
  c.change_id = "c1";
  c.collection = "households";
  c.record_id = kId;
  c.kind = "update";
  c.fields = {{"phones", {phone}}};
  c.stamps = {{"phones", new_stamp}};
  c.base = {{"phones", base}};
  return c;
}

TEST(Merge, ASequentialEditApplies) {
  Record current = household_at(stamp(kT, "office"));
  auto r = merge_change(households(), schema(), current,
                        phone_edit("222", stamp(kT + 10, "phone1"), stamp(kT, "office")));
  EXPECT_EQ(r.outcome, ChangeOutcome::kApplied);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.record.fields["phones"], Json({"222"}));
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(Merge, AConcurrentLaterEditWinsAndTheLoserIsKept) {
  Record current = household_at(stamp(kT + 5, "office"));  // the office edited since
  auto r = merge_change(households(), schema(), current,
                        phone_edit("222", stamp(kT + 10, "phone1"), stamp(kT, "office")));
  EXPECT_EQ(r.outcome, ChangeOutcome::kConflict);
  EXPECT_EQ(r.record.fields["phones"], Json({"222"}));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_TRUE(r.conflicts[0].incoming_won);
  EXPECT_EQ(r.conflicts[0].loser_value, Json({"111"}));
  EXPECT_EQ(r.conflicts[0].loser_stamp, stamp(kT + 5, "office"));
}

TEST(Merge, AConcurrentEarlierEditLosesButIsKept) {
  Record current = household_at(stamp(kT + 50, "office"));
  auto r = merge_change(households(), schema(), current,
                        phone_edit("222", stamp(kT + 10, "phone1"), stamp(kT, "office")));
  EXPECT_EQ(r.outcome, ChangeOutcome::kConflict);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.record.fields["phones"], Json({"111"}));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(r.conflicts[0].loser_value, Json({"222"}));
}

TEST(Merge, ConcurrentEqualValuesAreNotAConflict) {
  Record current = household_at(stamp(kT + 5, "office"));
  current.fields["phones"] = Json({"222"});
  auto r = merge_change(households(), schema(), current,
                        phone_edit("222", stamp(kT + 10, "phone1"), stamp(kT, "office")));
  EXPECT_EQ(r.outcome, ChangeOutcome::kMerged);
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(Merge, ADevicesOwnEditsAreSequentialEvenWhenTheServerRestamped) {
  // The server clamped phone1's first edit (its clock was ahead): the stamp differs
  // from the base phone1 remembers, but phone1 wrote it, so the next edit follows it.
  Record current = household_at(stamp(kT + 1, "phone1"));
  auto r = merge_change(households(), schema(), current,
                        phone_edit("333", stamp(kT + 900000, "phone1"), stamp(kT + 800000, "phone1")));
  EXPECT_EQ(r.outcome, ChangeOutcome::kApplied);
  EXPECT_EQ(r.record.fields["phones"], Json({"333"}));
}

TEST(Merge, ImmutableFieldsAndAppendOnlyCollectionsRefuseEdits) {
  Record current = household_at(stamp(kT, "office"));
  IncomingChange c = phone_edit("222", stamp(kT + 10, "phone1"), stamp(kT, "office"));
  c.fields = {{"unit", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6c"}};
  c.stamps = {{"unit", stamp(kT + 10, "phone1")}};
  auto r = merge_change(households(), schema(), current, c);
  EXPECT_EQ(r.outcome, ChangeOutcome::kRejected);
  EXPECT_NE(r.reason.find("immutable"), std::string::npos);
  EXPECT_FALSE(r.changed);
}

Record order_at(const std::string& stage, int64_t reopens) {
  Record r;
  r.collection = "work_orders";
  r.id = kId;
  r.fields = {{"status", stage}, {"status_reopens", reopens}};
  r.stamps = {{"status", stamp(kT, "tech")}, {"status_reopens", stamp(kT, "tech")}};
  return r;
}

IncomingChange status_change(const std::string& stage, int64_t reopens, int64_t at) {
  IncomingChange c;
  c.collection = "work_orders";
  c.record_id = kId;
  c.kind = reopens > 0 && stage == "reported" ? "reopen" : "status";
  c.fields = {{"status", stage}, {"status_reopens", reopens}};
  c.stamps = {{"status", stamp(at, "phone")}, {"status_reopens", stamp(at, "phone")}};
  return c;
}

TEST(Merge, AStaleStatusCannotDragAClosedOrderBack) {
  auto r = merge_change(work_orders(), schema(), order_at("closed", 0),
                        status_change("in_progress", 0, kT + 100000));
  EXPECT_EQ(r.outcome, ChangeOutcome::kMerged);
  EXPECT_EQ(r.record.fields["status"], "closed");
  EXPECT_NE(r.reason.find("closed"), std::string::npos);
}

TEST(Merge, StatusTakesTheFurthestStage) {
  auto r = merge_change(work_orders(), schema(), order_at("dispatched", 0),
                        status_change("completed", 0, kT - 100000));  // even with an older stamp
  EXPECT_EQ(r.outcome, ChangeOutcome::kApplied);
  EXPECT_EQ(r.record.fields["status"], "completed");
}

TEST(Merge, AReopenWinsOverEveryStageOfTheEarlierCycle) {
  auto r = merge_change(work_orders(), schema(), order_at("closed", 0),
                        status_change("reported", 1, kT + 10));
  EXPECT_EQ(r.outcome, ChangeOutcome::kApplied);
  EXPECT_EQ(r.record.fields["status"], "reported");
  EXPECT_EQ(r.record.fields["status_reopens"], 1);
  auto stale = merge_change(work_orders(), schema(), r.record, status_change("closed", 0, kT + 20));
  EXPECT_EQ(stale.outcome, ChangeOutcome::kMerged);
  EXPECT_EQ(stale.record.fields["status"], "reported");
}

TEST(Merge, TwoOfflineReopensOfOneCycleCountOnce) {
  // Two phones saw the order closed in cycle 0 and each reopened it: the first counts,
  // the second finds the cycle already reopened and changes nothing.
  auto first = merge_change(work_orders(), schema(), order_at("closed", 0), status_change("reported", 1, kT + 10));
  ASSERT_EQ(first.outcome, ChangeOutcome::kApplied);
  auto second = merge_change(work_orders(), schema(), first.record, status_change("reported", 1, kT + 20));
  EXPECT_EQ(second.outcome, ChangeOutcome::kMerged);
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(second.record.fields["status_reopens"], 1);
  EXPECT_NE(second.reason.find("already reopened"), std::string::npos) << second.reason;
  // The office, in cycle 1, reopens once more after the order closed again.
  Record closed_again = first.record;
  closed_again.fields["status"] = "closed";
  auto office = merge_change(work_orders(), schema(), closed_again, status_change("reported", 2, kT + 30));
  EXPECT_EQ(office.outcome, ChangeOutcome::kApplied);
  EXPECT_EQ(office.record.fields["status_reopens"], 2);
}

TEST(Merge, NoChangeCanJumpTheReopenCounter) {
  // The audit's reopen to 2^63-1: refused, and the count stays where it was.
  auto jump = merge_change(work_orders(), schema(), order_at("closed", 0),
                           status_change("reported", INT64_MAX, kT + 10));
  EXPECT_EQ(jump.outcome, ChangeOutcome::kRejected);
  EXPECT_NE(jump.reason.find("past the work order's count of 0"), std::string::npos) << jump.reason;
  EXPECT_EQ(merge_change(work_orders(), schema(), order_at("closed", 3), status_change("reported", 5, kT + 10)).outcome,
            ChangeOutcome::kRejected);
  // A status change keeps the count it saw: one naming a later cycle is refused too.
  auto ahead = merge_change(work_orders(), schema(), order_at("dispatched", 0), status_change("completed", 4, kT + 10));
  EXPECT_EQ(ahead.outcome, ChangeOutcome::kRejected);
  EXPECT_NE(ahead.reason.find("a status change keeps it"), std::string::npos) << ahead.reason;
  // A reopen moves the status back to the first stage, nowhere else.
  IncomingChange sideways = status_change("reported", 1, kT + 10);
  sideways.kind = "reopen";
  sideways.fields["status"] = "completed";
  EXPECT_EQ(merge_change(work_orders(), schema(), order_at("closed", 0), sideways).outcome,
            ChangeOutcome::kRejected);
}

TEST(Merge, StatusChangesMustNameARealStage) {
  auto r = merge_change(work_orders(), schema(), order_at("closed", 0), status_change("done", 0, kT));
  EXPECT_EQ(r.outcome, ChangeOutcome::kRejected);
}

TEST(Merge, CreatesAreValidatedAndNeverOverwrite) {
  IncomingChange create;
  create.collection = "households";
  create.record_id = kId;
  create.kind = "create";
  create.fields = {{"unit", kUnit}, {"owner_name", "Wang"}};
  create.stamps = {{"unit", stamp(kT, "p")}, {"owner_name", stamp(kT, "p")}};
  auto r = merge_change(households(), schema(), std::nullopt, create);
  EXPECT_EQ(r.outcome, ChangeOutcome::kApplied);
  EXPECT_EQ(r.record.fields["owner_name"], "Wang");

  auto again = merge_change(households(), schema(), r.record, create);
  EXPECT_EQ(again.outcome, ChangeOutcome::kApplied);
  EXPECT_FALSE(again.changed);

  IncomingChange clash = create;
  clash.fields["owner_name"] = "Chen";
  EXPECT_EQ(merge_change(households(), schema(), r.record, clash).outcome, ChangeOutcome::kRejected);

  IncomingChange invalid = create;
  invalid.fields.erase("owner_name");
  invalid.record_id = "0193a6f2-7c1e-7b3a-9f00-000000000002";
  auto bad = merge_change(households(), schema(), std::nullopt, invalid);
  EXPECT_EQ(bad.outcome, ChangeOutcome::kRejected);
  EXPECT_NE(bad.reason.find("owner_name"), std::string::npos);
}

TEST(Merge, MalformedChangesAreRejected) {
  IncomingChange c = phone_edit("222", "not a stamp", "");
  EXPECT_EQ(merge_change(households(), schema(), household_at(stamp(kT, "o")), c).outcome,
            ChangeOutcome::kRejected);
  c = phone_edit("222", stamp(kT, "p"), "");
  c.kind = "delete";
  EXPECT_EQ(merge_change(households(), schema(), household_at(stamp(kT, "o")), c).outcome,
            ChangeOutcome::kRejected);
  c.kind = "update";
  EXPECT_EQ(merge_change(households(), schema(), std::nullopt, c).outcome, ChangeOutcome::kRejected);
}

}  // namespace
}  // namespace fieldsync
