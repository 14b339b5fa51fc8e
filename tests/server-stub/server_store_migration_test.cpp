// The server database from every earlier layout: layout 1 kept buckets without a kind
// of data ("building:<id>"); opened by this build, every record's bucket is derived
// again, so phones pull the kind-carrying buckets from their start and read by role.
// Layout 2 had no closed periods; layout 3 kept no refused changes and had no codes
// that re-admit a device; layout 4 kept no history of each record's changes; layout 5
// had no indexes to count a device's or a user's changes of a day (quotas); layout 6
// did not rotate device tokens; layout 7 did not know who holds a blob's bytes; layout 8 had no
// console passwords, sessions or audit log.
#include <gtest/gtest.h>

#include <fstream>

#include "fieldsync/access.h"
#include "fieldsync/attachments.h"
#include "fieldsync/field_work.h"
#include "fieldsync/sqlite_db.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::must;
using testing::SyncWorld;

// Takes a database of this build back to layout 9.
void back_to_layout_9(SqliteDb& db) {
  ASSERT_TRUE(db.exec("DROP TABLE api_tokens").ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version = 9").ok());
}

// Takes a database of this build back to layout 8.
void back_to_layout_8(SqliteDb& db) {
  back_to_layout_9(db);
  for (const char* table : {"office_passwords", "office_sessions", "audit_log"}) {
    ASSERT_TRUE(db.exec(std::string("DROP TABLE ") + table).ok());
  }
  ASSERT_TRUE(db.exec("PRAGMA user_version = 8").ok());
}

// Takes a database of this build back to layout 7.
void back_to_layout_7(SqliteDb& db) {
  back_to_layout_8(db);
  ASSERT_TRUE(db.exec("DROP TABLE blob_holders").ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version = 7").ok());
}

// Takes a database of this build back to layout 6.
void back_to_layout_6(SqliteDb& db) {
  back_to_layout_7(db);
  ASSERT_TRUE(db.exec("DROP INDEX devices_by_next_token").ok());
  ASSERT_TRUE(db.exec("ALTER TABLE devices DROP COLUMN next_token_hash").ok());
  ASSERT_TRUE(db.exec("ALTER TABLE devices DROP COLUMN token_issued_ms").ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version = 6").ok());
}

// Takes a database of this build back to layout 5.
void back_to_layout_5(SqliteDb& db) {
  back_to_layout_6(db);
  for (const char* index : {"record_changes_by_device", "record_changes_by_user", "refused_by_device",
                            "refused_by_user"}) {
    ASSERT_TRUE(db.exec(std::string("DROP INDEX ") + index).ok());
  }
  ASSERT_TRUE(db.exec("PRAGMA user_version = 5").ok());
}

// Takes a database of this build back to layout 4.
void back_to_layout_4(SqliteDb& db) {
  back_to_layout_5(db);
  ASSERT_TRUE(db.exec("DROP TABLE record_changes").ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version = 4").ok());
}

// Takes a database of this build back to layout 3.
void back_to_layout_3(SqliteDb& db) {
  back_to_layout_4(db);
  ASSERT_TRUE(db.exec("DROP TABLE refused_changes").ok());
  ASSERT_TRUE(db.exec("ALTER TABLE enrollment_codes DROP COLUMN device_id").ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version = 3").ok());
}

// Closes the world's server, takes its database back with `downgrade`, opens it again
// (migrating it to this build's layout) and reconnects `device` to the new service.
void reopen_after(SyncWorld& world, testing::TestDevice& device, void (*downgrade)(SqliteDb&)) {
  const std::string path = world.dir.file("server.db");
  world.service.reset();
  world.admin.reset();
  world.server_store.reset();
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    downgrade(*db);
  }
  world.server_store = must(server::open_sqlite_server_store(path));
  world.restart_service();
  world.admin = std::make_unique<server::OfficeAdmin>(*world.server_store,
                                                      Schema::property_management(), world.clock);
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    EXPECT_EQ(must(db->pragma_int("user_version")), 10);
  }
  device.transport = std::make_unique<testing::LoopbackTransport>(*world.service);
  ReplicatorOptions options;
  options.sleeper = &world.sleeper;
  device.replicator = std::make_unique<Replicator>(*device.store, *device.transport, options);
}

TEST(ServerStoreMigration, ALayoutOneDatabaseGetsBucketsByKindOfData) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  PaymentInput payment = testing::payment(world.household_a, 5000);
  Record paid = must(alice.work().record_payment(payment));
  alice.sync();
  const auto current = world.server_records();
  const std::string path = world.dir.file("server.db");
  world.service.reset();
  world.admin.reset();
  world.server_store.reset();

  // Make it the layout-1 database that schema 1 wrote: buckets without their kind.
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    for (const auto& [id, record] : current) {
      ASSERT_TRUE(db->exec("UPDATE records SET bucket = '" + bucket_place(record.bucket) +
                           "' WHERE id = '" + id + "'")
                      .ok());
    }
    back_to_layout_3(*db);
    ASSERT_TRUE(db->exec("DROP TABLE closed_periods").ok());  // added by layout 3
    ASSERT_TRUE(db->exec("PRAGMA user_version = 1").ok());
  }
  world.server_store = must(server::open_sqlite_server_store(path));
  world.restart_service();
  const auto migrated = world.server_records();
  ASSERT_EQ(migrated.size(), current.size());
  for (const auto& [id, record] : current) {
    EXPECT_EQ(migrated.at(id).bucket, record.bucket) << record.collection;
    EXPECT_EQ(migrated.at(id).fields, record.fields) << record.collection;
  }
  EXPECT_EQ(migrated.at(paid.id).bucket, "building:" + world.building_a + ":fees");
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    EXPECT_EQ(must(db->pragma_int("user_version")), 10);
  }
  // A phone of this build syncs on the migrated server and holds what it held.
  alice.transport = std::make_unique<testing::LoopbackTransport>(*world.service);
  ReplicatorOptions options;
  options.sleeper = &world.sleeper;
  alice.replicator = std::make_unique<Replicator>(*alice.store, *alice.transport, options);
  alice.sync();
  EXPECT_TRUE(alice.store->get("payments", paid.id).ok());
  EXPECT_TRUE(alice.store->get("charges", world.charge_a).ok());
}

TEST(ServerStoreMigration, ALayoutTwoDatabaseGainsClosedPeriods) {
  testing::TempDir dir;
  const std::string path = dir.file("server.db");
  {
    auto store = must(server::open_sqlite_server_store(path));
    auto txn = must(store->begin(true));
    ASSERT_TRUE(txn->put_setting("time_zone", "Asia/Shanghai").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    back_to_layout_3(*db);
    ASSERT_TRUE(db->exec("DROP TABLE closed_periods").ok());
    ASSERT_TRUE(db->exec("PRAGMA user_version = 2").ok());
  }
  auto store = must(server::open_sqlite_server_store(path));
  {
    auto txn = must(store->begin(true));
    EXPECT_TRUE(must(txn->closed_periods()).empty());
    ASSERT_TRUE(txn->close_period("2026-11", 1000).ok());
    ASSERT_TRUE(txn->close_period("2026-11", 2000).ok());  // closing again keeps the first
    EXPECT_EQ(must(txn->setting("time_zone")), std::optional<std::string>("Asia/Shanghai"));
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = must(store->begin(false));
  const auto closed = must(txn->closed_periods());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed.at("2026-11"), 1000);
  auto db = must(SqliteDb::open(path, /*create=*/false));
  EXPECT_EQ(must(db->pragma_int("user_version")), 10);
}

TEST(ServerStoreMigration, ALayoutThreeDatabaseKeepsRefusedChangesFromThenOn) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  reopen_after(world, alice, back_to_layout_3);
  // The device enrolled under layout 3 still syncs, and a change the server refuses is
  // now kept for the office.
  Record paid = must(alice.work().record_payment(testing::payment(world.household_a, 5000)));
  ASSERT_TRUE(world.admin->unassign("alice", "building", world.building_a).ok());
  alice.sync();
  EXPECT_EQ(must(alice.store->parked_changes()).size(), 1u);
  auto txn = must(world.server_store->begin(false));
  const auto refused = must(txn->refused_changes(true));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].record_id, paid.id);
  EXPECT_EQ(refused[0].user, "alice");
  EXPECT_EQ(refused[0].state, "open");
}

TEST(ServerStoreMigration, ALayoutFourDatabaseKeepsEachRecordsHistoryFromThenOn) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  Record before = must(alice.work().record_payment(testing::payment(world.household_a, 5000)));
  alice.sync();
  reopen_after(world, alice, back_to_layout_4);
  Record after = must(alice.work().record_payment(testing::payment(world.household_a, 7000)));
  alice.sync();
  auto txn = must(world.server_store->begin(false));
  // Changes that arrived under layout 4 have no history; those after it do.
  EXPECT_TRUE(must(txn->record_changes(before.id)).empty());
  const auto history = must(txn->record_changes(after.id));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].user, "alice");
  EXPECT_EQ(history[0].kind, "create");
  EXPECT_EQ(history[0].outcome, "applied");
}

TEST(ServerStoreMigration, ALayoutSixDatabaseRotatesTheTokensOfDevicesEnrolledBefore) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  const std::string first = must(alice.store->sync_value(kSyncToken));
  reopen_after(world, alice, back_to_layout_6);
  EXPECT_FALSE(alice.sync().token_rotated);  // its token counts from the enrollment
  world.clock.advance(8 * 24 * 3600 * 1000);
  EXPECT_TRUE(alice.sync().token_rotated);
  alice.sync();
  EXPECT_NE(must(alice.store->sync_value(kSyncToken)), first);
  PullRequest pull;
  pull.protocol_version = 2;
  pull.schema_version = Schema::property_management().version();
  EXPECT_EQ(world.service->handle({"POST", "/v1/pull", first, encode(pull)}).status, 401);
}

// The attachment records a layout-7 server took were taken under the rules of their
// day: their devices are taken to hold the bytes, so their readers keep them.
TEST(ServerStoreMigration, ALayoutSevenDatabaseTakesTheWritersOfAttachmentsAsHolders) {
  SyncWorld world;
  world.keep_attachments();
  auto& alice = world.enroll("alice", "technician", {world.building_a});
  alice.sync();
  WorkOrderInput order;
  order.household = world.household_a;
  order.category = "plumbing";
  order.description = "leak";
  Record work_order = must(alice.work().open_work_order(order));
  const std::string photo = world.dir.file("leak.jpg");
  std::ofstream(photo, std::ios::binary) << "\xFF\xD8\xFF\xE0 the leak";
  Attachment attached =
      must(AttachmentStore(*alice.store).attach("work_orders", work_order.id, photo));
  ASSERT_EQ(alice.sync().blobs_uploaded, 1);
  reopen_after(world, alice, back_to_layout_7);
  auto txn = must(world.server_store->begin(false));
  std::set<std::string> expected;
  for (const server::Device& d : must(txn->list_devices())) {
    if (d.user == "alice") expected.insert(d.id);
  }
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(must(txn->blob_holders(attached.sha256)), expected);
}

TEST(ServerStoreMigration, ALayoutNineDatabaseGainsApiTokens) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  reopen_after(world, alice, back_to_layout_9);
  const server::ApiToken token{"t1", "hash", "mei", "nightly export", "mei", 1000, 0, 0};
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(txn->put_api_token(token).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  {
    auto txn = must(world.server_store->begin(false));
    auto read = must(txn->api_token_by_hash("hash"));
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->name, "nightly export");
    EXPECT_EQ(must(txn->api_tokens()).size(), 1u);
  }
  EXPECT_EQ(alice.sync().pulled, 0) << "the phone syncs on after the migration";
}

TEST(ServerStoreMigration, ALayoutThisBuildDoesNotKnowIsRefusedUntouched) {
  testing::TempDir dir;
  const std::string path = dir.file("server.db");
  must(server::open_sqlite_server_store(path)).reset();
  {
    auto db = must(SqliteDb::open(path, /*create=*/false));
    ASSERT_TRUE(db->exec("PRAGMA user_version = 11").ok());
  }
  auto opened = server::open_sqlite_server_store(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(
      opened.status().message().find("has server layout 11; this build knows layouts 1 to 10"),
      std::string::npos)
      << opened.status().to_string();
}

}  // namespace
}  // namespace fieldsync
