// Scope over real HTTP: a device reads and writes only its buckets, whatever it asks
// for; a bad or revoked token gets 401 and nothing; a building moved from one
// collector to another syncs from its start on the new phone and leaves the old one.
#include <gtest/gtest.h>

#include "fieldsync/access.h"
#include "fieldsync/id.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

// The `error.code` of an error response.
std::string error_code(const HttpResponse& response) {
  Json body = Json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error"))
    return "(no error body: " + response.body + ")";
  return body["error"].value("code", "");
}

std::string pull_body(const std::map<std::string, int64_t>& cursors) {
  PullRequest pull;
  pull.schema_version = Schema::property_management().version();
  pull.cursors = cursors;
  return encode(pull);
}

TEST_F(ServerTest, AnotherBuildingIsNeitherPulledNorWritable) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& bob = enroll("bob", "collector", {ref_.building_b});
  alice.sync();
  bob.sync();
  EXPECT_TRUE(alice.store->get("charges", ref_.charge_a).ok());
  EXPECT_TRUE(bob.store->get("charges", ref_.charge_b).ok());
  EXPECT_FALSE(alice.store->get("units", ref_.unit_b).ok());
  EXPECT_FALSE(alice.store->get("households", ref_.household_b).ok());
  EXPECT_FALSE(alice.store->get("charges", ref_.charge_b).ok());
  const std::string bucket_b = "building:" + ref_.building_b;
  EXPECT_FALSE(must(alice.store->cursors()).count(bucket_b));

  // Asking for Block B from its start brings nothing of it.
  HttpResponse pulled = send("/v1/pull", alice.token(), pull_body({{bucket_b, 0}}));
  ASSERT_EQ(pulled.status, 200) << pulled.body;
  PullResponse page = must(decode_pull_response(pulled.body));
  for (const auto& b : page.buckets) EXPECT_NE(b, bucket_b);
  for (const auto& r : page.records) EXPECT_NE(r.record.bucket, bucket_b) << r.record.id;
  EXPECT_FALSE(page.cursors.count(bucket_b));

  // A crafted push that edits Block B's household and pays into it is refused.
  const ServerRecords before = server_records();
  const Json phones_stamp = before.at(ref_.household_b).record.stamps["phones"];
  const std::string payment_id = new_id();
  HttpResponse pushed =
      push(alice.token(), {raw_change(alice, 1001, "households", ref_.household_b, "update",
                                      {{"phones", {"13000000000"}}}, {{"phones", phones_stamp}}),
                           raw_change(alice, 1002, "payments", payment_id, "create",
                                      {{"household", ref_.household_b},
                                       {"amount", 5000},
                                       {"method", "cash"},
                                       {"collector", "alice"},
                                       {"paid_at", Clock::system().now_ms()},
                                       {"receipt_number", alice.code() + "-000900"}})});
  ASSERT_EQ(pushed.status, 200) << pushed.body;
  PushResponse answer = must(decode_push_response(pushed.body));
  ASSERT_EQ(answer.results.size(), 2u);
  for (const ChangeResult& r : answer.results) {
    EXPECT_EQ(r.outcome, ChangeOutcome::kRejected) << r.seq;
    EXPECT_NE(r.reason.find("outside this device's buckets"), std::string::npos) << r.reason;
  }
  const ServerRecords after = server_records();
  EXPECT_TRUE(same_records(before, after)) << "a refused push changed the server's records";
  EXPECT_FALSE(after.count(payment_id));
}

TEST_F(ServerTest, ABadOrRevokedTokenGetsNothing) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const ServerRecords before = server_records();
  // A well-formed push inside alice's buckets, which would apply with her token.
  const WireChange paid = raw_change(alice, 1, "payments", new_id(), "create",
                                     {{"household", ref_.household_a},
                                      {"amount", 5000},
                                      {"method", "cash"},
                                      {"collector", "alice"},
                                      {"paid_at", Clock::system().now_ms()},
                                      {"receipt_number", alice.code() + "-000900"}});
  for (const std::string& token :
       std::vector<std::string>{"", "not-a-token", std::string(64, 'f')}) {
    SCOPED_TRACE("token '" + token + "'");
    HttpResponse pushed = push(token, {paid});
    EXPECT_EQ(pushed.status, 401) << pushed.body;
    EXPECT_EQ(error_code(pushed), "unauthenticated");
    HttpResponse pulled = send("/v1/pull", token, pull_body({}));
    EXPECT_EQ(pulled.status, 401) << pulled.body;
    EXPECT_EQ(pulled.body.find(ref_.household_a), std::string::npos);
  }

  // The phone is lost: the office revokes it.
  EXPECT_EQ(admin({"revoke", alice.code()}), "revoked " + alice.code());
  must(alice.work().record_payment(payment(ref_.household_a, 3000)));
  auto refused = alice.replicator->sync();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status().to_string();
  EXPECT_EQ(must(alice.store->pending_count()), 1);  // kept on the phone
  HttpResponse pulled = send("/v1/pull", alice.token(), pull_body({}));
  EXPECT_EQ(pulled.status, 401) << pulled.body;
  EXPECT_EQ(error_code(pulled), "unauthenticated");
  EXPECT_EQ(push(alice.token(), {paid}).status, 401);
  EXPECT_TRUE(same_records(before, server_records())) << "a refused device changed the server";
}

TEST_F(ServerTest, AReassignedBuildingMovesFromOneCollectorToTheOther) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& bob = enroll("bob", "collector", {ref_.building_b});
  alice.sync();
  bob.sync();
  Record paid = must(alice.work().record_payment(payment(ref_.household_a, 12000)));
  alice.sync();
  EXPECT_FALSE(bob.store->get("households", ref_.household_a).ok());

  admin({"unassign", "alice", "--building", ref_.building_a});
  admin({"assign", "bob", "--building", ref_.building_a});

  // Bob gets Block A from its start: its reference data and alice's payment.
  const std::string place_a = "building:" + ref_.building_a;
  SyncReport moved_in = bob.sync();
  ServerRecords server = server_records();
  int64_t in_a = 0;
  for (const auto& [id, stored] : server) {
    const std::string kind = bucket_kind(Schema::property_management(), stored.record.bucket);
    in_a += bucket_place(stored.record.bucket) == place_a && kind != "patrol" && kind != "service";
  }
  EXPECT_EQ(moved_in.pulled, in_a);
  EXPECT_TRUE(bob.store->get("households", ref_.household_a).ok());
  EXPECT_TRUE(bob.store->get("charges", ref_.charge_a).ok());
  EXPECT_TRUE(bob.store->get("payments", paid.id).ok());
  EXPECT_TRUE(must(bob.store->cursors()).count(place_a + ":fees"));

  // Alice's phone lets Block A go; it was all she held.
  alice.sync();
  EXPECT_FALSE(must(alice.store->cursors()).count(place_a + ":fees"));
  for (const auto& [id, record] : device_records(*alice.store)) {
    ADD_FAILURE() << "alice still holds " << record.collection << " " << id << " of "
                  << record.bucket;
  }

  // Bob now works Block A; alice can no longer write there.
  FeeVisitInput visit = visit_to(ref_.household_a, "not_home");
  must(bob.work().record_visit(visit));
  EXPECT_EQ(bob.sync().applied, 1);
  server = server_records();
  expect_converged(server, *alice.store);
  expect_converged(server, *bob.store);
}

}  // namespace
}  // namespace fieldsync::testing
