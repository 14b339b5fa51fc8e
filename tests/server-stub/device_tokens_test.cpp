// Device tokens that rotate during a sync and expire when a phone stays away
// (docs/protocol.md, "Token rotation"): the sync service and replicators over loopback,
// with the world's manual clock standing for the days in between.
#include <gtest/gtest.h>

#include "fieldsync/protocol.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::count_payments;
using testing::must;
using testing::SyncWorld;
using testing::TestDevice;

constexpr int64_t kDayMs = 24 * 3600 * 1000;

// The HTTP status of a pull sent with `token` by an app of `protocol`. A pull of
// protocol 2 is never offered a new token, so it only tells whether `token` works.
int pull_status(SyncWorld& world, const std::string& token, int protocol = 2) {
  PullRequest request;
  request.protocol_version = protocol;
  request.schema_version = Schema::property_management().version();
  return world.service->handle({"POST", "/v1/pull", token, encode(request)}).status;
}

std::string token_of(TestDevice& device) {
  return must(device.store->sync_value(kSyncToken));
}

TEST(DeviceTokens, ASyncingPhoneGetsANewTokenAndTheOldOneEndsOnceTheNewOneIsUsed) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  EXPECT_FALSE(alice.sync().token_rotated);  // a new token is not due yet
  const std::string first = token_of(alice);

  world.clock.advance(8 * kDayMs);  // past token_rotation_days (7)
  SyncReport rotated = alice.sync();
  EXPECT_TRUE(rotated.token_rotated);
  const std::string second = token_of(alice);
  EXPECT_NE(second, first);
  // Until the phone uses the new token, both work: a phone killed before it stored the
  // new one has lost nothing.
  EXPECT_EQ(pull_status(world, first), 200);

  must(alice.work().record_payment(testing::payment(world.household_a, 2500)));
  SyncReport next = alice.sync();  // with the new token
  EXPECT_FALSE(next.token_rotated);
  EXPECT_EQ(next.applied, 1);
  EXPECT_EQ(pull_status(world, first), 401);
  EXPECT_EQ(pull_status(world, second), 200);
  EXPECT_EQ(token_of(alice), second);
}

TEST(DeviceTokens, ANewTokenLostOnTheWayCostsNothing) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string first = token_of(alice);
  world.clock.advance(8 * kDayMs);
  ASSERT_TRUE(alice.sync().token_rotated);
  const std::string lost = token_of(alice);
  // The phone was killed before it kept the new token: it still has the first.
  ASSERT_TRUE(alice.store->set_sync_value(kSyncToken, first).ok());
  must(alice.work().record_payment(testing::payment(world.household_a, 2500)));

  SyncReport again = alice.sync();
  EXPECT_EQ(again.applied, 1);
  EXPECT_TRUE(again.token_rotated);  // offered another, in place of the lost one
  const std::string third = token_of(alice);
  EXPECT_NE(third, lost);
  EXPECT_EQ(pull_status(world, lost), 401);
  alice.sync();
  EXPECT_EQ(pull_status(world, first), 401);
  EXPECT_EQ(pull_status(world, third), 200);
}

TEST(DeviceTokens, TheGateKnowsAnOfferedTokenAtOnce) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  // The gate has loaded its map of tokens: a miss within two seconds is not reloaded.
  ASSERT_FALSE(world.service->admit_headers("POST", "/v1/pull", token_of(alice)).refusal);
  world.clock.advance(8 * kDayMs);
  ASSERT_TRUE(alice.sync().token_rotated);
  EXPECT_FALSE(world.service->admit_headers("POST", "/v1/pull", token_of(alice)).refusal);
}

// Once the phone uses its new token, the old one is gone from the gate too (at the
// gate's next reload: here at every request), not only from the full check.
TEST(DeviceTokens, TheGateForgetsATokenRotatedAway) {
  SyncWorld world;
  server::SyncServiceOptions options;
  options.gate_reload_every = std::chrono::milliseconds(0);
  world.keep_attachments(options);
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string first = token_of(alice);
  ASSERT_FALSE(world.service->admit_headers("POST", "/v1/pull", first).refusal);
  world.clock.advance(8 * kDayMs);
  ASSERT_TRUE(alice.sync().token_rotated);
  EXPECT_FALSE(world.service->admit_headers("POST", "/v1/pull", first).refusal);  // not yet used
  alice.sync();  // with the new token: the old one goes
  auto refused = world.service->admit_headers("POST", "/v1/pull", first).refusal;
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  EXPECT_FALSE(world.service->admit_headers("POST", "/v1/pull", token_of(alice)).refusal);
}

TEST(DeviceTokens, AnAppOfTheLastProtocolKeepsItsTokenAndSyncs) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  ReplicatorOptions options;
  options.sleeper = &world.sleeper;
  options.protocol_version = 2;
  Replicator old_app(*alice.store, *alice.transport, options);
  const std::string token = token_of(alice);
  // Past token_days_unused: an app that only pulls stays alive by syncing.
  for (int week = 0; week < 14; ++week) {
    world.clock.advance(8 * kDayMs);
    auto report = old_app.sync();
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    EXPECT_FALSE(report->token_rotated);
  }
  EXPECT_EQ(token_of(alice), token);
  EXPECT_EQ(pull_status(world, token), 200);
}

TEST(DeviceTokens, AnAppThatKeepsItsTokenFindsTheNewOneInTheStore) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string first = token_of(alice);
  ASSERT_TRUE(alice.store->set_sync_value(kSyncToken, kTokenKeptByHost).ok());
  ReplicatorOptions options;
  options.sleeper = &world.sleeper;
  options.device_token = first;  // from the app's keychain
  Replicator app(*alice.store, *alice.transport, options);
  world.clock.advance(8 * kDayMs);
  auto rotated = app.sync();
  ASSERT_TRUE(rotated.ok()) << rotated.status().to_string();
  EXPECT_TRUE(rotated->token_rotated);
  const std::string second = token_of(alice);
  ASSERT_NE(second, kTokenKeptByHost);
  // The app has not moved the new token to its keychain yet: the next sync uses the
  // stored one all the same, so the app's old one ends without the phone being locked out.
  ASSERT_TRUE(app.sync().ok());
  EXPECT_EQ(pull_status(world, first), 401);
  EXPECT_EQ(pull_status(world, second), 200);
}

TEST(DeviceTokens, APhoneAwayPastTheLimitIsRefusedUntilReadmittedAndLosesNothing) {
  SyncWorld world;
  TestDevice& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  must(alice.work().record_payment(testing::payment(world.household_a, 3000)));
  // Syncing now and then keeps a token alive however old the phone is.
  world.clock.advance(80 * kDayMs);
  alice.sync();
  world.clock.advance(80 * kDayMs);
  alice.sync();
  must(alice.work().record_payment(testing::payment(world.household_a, 3100)));

  world.clock.advance(91 * kDayMs);  // past token_days_unused (90)
  auto refused = alice.replicator->sync();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("expired"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("kept on the phone"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(must(Replicator::read_status(*alice.store)).refused_by_server.empty());

  // The office readmits the phone (not revoked, but expired); its change goes once.
  const std::string code = must(world.admin->readmit(alice.store->identity().device_code));
  auto enrollment =
      must(request_enrollment(*alice.transport, must(enrollment_request(*alice.store, code))));
  ASSERT_TRUE(adopt_enrollment(*alice.store, enrollment, "loopback").ok());
  EXPECT_EQ(alice.sync().applied, 1);
  EXPECT_EQ(alice.sync().pushed, 0);
  EXPECT_EQ(count_payments(world, world.household_a), 2);
}

}  // namespace
}  // namespace fieldsync
