// Each merge rule through the real server: immutable fields and append-only events
// refuse edits, a concurrent last-writer-wins edit becomes a conflict that is resolved
// and synced, a stale status cannot drag a closed work order back while a reopen can,
// and a clock a year ahead is clamped and reported.
#include <gtest/gtest.h>

#include "server_world.h"

namespace fieldsync::testing {
namespace {

constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;

TEST_F(ServerTest, ImmutableFieldsAndAppendOnlyEventsRefuseEdits) {
  FieldDevice& office = enroll("office", "office");
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  office.sync();
  alice.sync();
  Record paid = must(alice.work().record_payment(payment(ref_.household_a, 12000)));
  alice.sync();

  // The phone itself refuses; a crafted push gets the same answer from the server.
  EXPECT_FALSE(office.store->update("households", ref_.household_a, {{"unit", ref_.unit_b}}).ok());
  const ServerRecords before = server_records();
  const Record& household = before.at(ref_.household_a).record;
  HttpResponse moved = push(
      office.token(), {raw_change(office, 1001, "households", household.id, "update",
                                  {{"unit", ref_.unit_b}}, {{"unit", household.stamps["unit"]}})});
  ASSERT_EQ(moved.status, 200) << moved.body;
  PushResponse answer = must(decode_push_response(moved.body));
  ASSERT_EQ(answer.results.size(), 1u);
  EXPECT_EQ(answer.results[0].outcome, ChangeOutcome::kRejected);
  EXPECT_NE(answer.results[0].reason.find("unit: is immutable"), std::string::npos)
      << answer.results[0].reason;

  const Record& payment_record = before.at(paid.id).record;
  HttpResponse edited =
      push(alice.token(), {raw_change(alice, 1001, "payments", paid.id, "update", {{"amount", 1}},
                                      {{"amount", payment_record.stamps["amount"]}})});
  ASSERT_EQ(edited.status, 200) << edited.body;
  answer = must(decode_push_response(edited.body));
  ASSERT_EQ(answer.results.size(), 1u);
  EXPECT_EQ(answer.results[0].outcome, ChangeOutcome::kRejected);
  EXPECT_NE(answer.results[0].reason.find("append-only"), std::string::npos)
      << answer.results[0].reason;
  EXPECT_TRUE(same_records(before, server_records()));
}

TEST_F(ServerTest, AConcurrentEditBecomesAConflictWhoseResolutionSyncs) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  alice.sync();
  office.sync();
  must(office.store->update("households", ref_.household_a, {{"phones", {"222"}}}));
  field_clock_.advance(60000);  // alice's edit is the later one
  must(alice.store->update("households", ref_.household_a, {{"phones", {"333"}}}));
  office.sync();
  EXPECT_EQ(alice.sync().conflicts, 1);
  office.sync();

  // The later edit won on the server; the office's value is kept in a conflict.
  ServerRecords server = server_records();
  EXPECT_EQ(server.at(ref_.household_a).record.fields["phones"], Json({"333"}));
  std::vector<Record> conflicts = of_collection(server, "conflicts");
  ASSERT_EQ(conflicts.size(), 1u);
  const Record& conflict = conflicts[0];
  EXPECT_EQ(conflict.fields["record"], ref_.household_a);
  EXPECT_EQ(conflict.fields["field"], "phones");
  EXPECT_EQ(conflict.fields["winner_value"], Json({"333"}).dump());
  EXPECT_EQ(conflict.fields["loser_value"], Json({"222"}).dump());
  EXPECT_EQ(conflict.fields["winner_device"], alice.code() + " (alice)");
  EXPECT_EQ(conflict.fields["loser_device"], office.code() + " (office)");
  EXPECT_EQ(must(office.store->get("households", ref_.household_a)).fields["phones"],
            Json({"333"}));
  EXPECT_TRUE(alice.store->get("conflicts", conflict.id).ok());  // the device concerned sees it

  // The office keeps its own value; the resolution reaches the server and alice.
  Record resolved = must(office.work().resolve_conflict(conflict.id, ConflictChoice::kKeepLoser));
  EXPECT_EQ(resolved.fields["resolution"], "kept_loser");
  EXPECT_EQ(office.sync().conflicts, 0);
  alice.sync();
  server = server_records();
  EXPECT_EQ(server.at(ref_.household_a).record.fields["phones"], Json({"222"}));
  EXPECT_EQ(server.at(conflict.id).record.fields["status"], "resolved");
  EXPECT_EQ(must(alice.store->get("households", ref_.household_a)).fields["phones"], Json({"222"}));
  EXPECT_EQ(must(alice.store->get("conflicts", conflict.id)).fields["status"], "resolved");
  expect_converged(server, *alice.store);
  expect_converged(server, *office.store);
}

TEST_F(ServerTest, AStaleStatusCannotReopenAClosedWorkOrderButAReopenCan) {
  FieldDevice& tom = enroll("tom", "technician", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  office.sync();
  WorkOrderInput order;
  order.household = ref_.household_a;
  order.category = "plumbing";
  order.description = "leak under the sink";
  Record work_order = must(office.work().open_work_order(order));
  office.sync();
  tom.sync();
  must(tom.store->advance_status("work_orders", work_order.id, "in_progress"));  // offline
  must(office.store->advance_status("work_orders", work_order.id, "closed"));
  office.sync();
  SyncReport stale = tom.sync();
  EXPECT_EQ(stale.merged, 1);
  EXPECT_EQ(server_records().at(work_order.id).record.fields["status"], "closed");
  EXPECT_EQ(must(tom.store->get("work_orders", work_order.id)).fields["status"], "closed");

  must(tom.store->reopen("work_orders", work_order.id));
  EXPECT_EQ(tom.sync().applied, 1);
  office.sync();
  const Record on_server = server_records().at(work_order.id).record;
  EXPECT_EQ(on_server.fields["status"], "reported");
  EXPECT_EQ(on_server.fields["status_reopens"], 1);
  EXPECT_EQ(must(office.store->get("work_orders", work_order.id)).fields, on_server.fields);
}

TEST_F(ServerTest, AClockAYearAheadIsClampedAndReported) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const int64_t real_now = Clock::system().now_ms();
  ManualClock phone_clock(real_now + kYearMs);
  DeviceStoreOptions options;
  options.clock = &phone_clock;
  reopen(alice, options);
  must(alice.store->update("households", ref_.household_a, {{"notes", "dog in the yard"}}));
  SyncReport report = alice.sync();
  EXPECT_GT(report.clock_ahead_ms, kYearMs - 3600 * 1000);
  EXPECT_GT(must(alice.replicator->status()).clock_ahead_ms, 0);

  // The stored stamp is the server's time, still alice's write.
  const Record household = server_records().at(ref_.household_a).record;
  EXPECT_EQ(household.fields["notes"], "dog in the yard");
  Stamp stamp = must(Stamp::decode(household.stamps["notes"].get<std::string>()));
  EXPECT_LT(stamp.wall_ms, Clock::system().now_ms() + 3600 * 1000);
  EXPECT_EQ(stamp.node, alice.store->identity().node_id);

  // The command line shows the warning too.
  ProcessResult status = run_process(FIELDSYNC_CLI_PATH, {"--db", alice.path, "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("days ahead of the server"), std::string::npos) << status.out;

  // So an honest later edit still wins, with no conflict.
  FieldDevice& office = enroll("office", "office");
  office.sync();
  must(office.store->update("households", ref_.household_a, {{"notes", "dog rehomed"}}));
  EXPECT_EQ(office.sync().conflicts, 0);
  alice.sync();
  EXPECT_EQ(must(alice.store->get("households", ref_.household_a)).fields["notes"], "dog rehomed");
}

}  // namespace
}  // namespace fieldsync::testing
