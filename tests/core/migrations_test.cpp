#include "migrations.h"

#include <gtest/gtest.h>

#include "fieldsync/device_store.h"
#include "fieldsync/id.h"
#include "test_support.h"

namespace fieldsync {
namespace {

using testing::must;

// Builds a database at `layout` by running only the first `layout` migration steps,
// with a device row and one record and change written the way that layout stores them.
void build_database_at(const std::string& path, int layout) {
  auto db = must(SqliteDb::open(path, true));
  ASSERT_TRUE(db->exec("PRAGMA journal_mode = WAL").ok());
  ASSERT_TRUE(migrate_device_layout(*db, layout).ok());
  ASSERT_TRUE(db->exec("INSERT INTO device (singleton, device_code, user_name, node_id, hlc,"
                       " receipt_counter, schema_version, created_ms) VALUES (1, 'OLD1', 'alice',"
                       " 'node1', '0193a6f27c1e.00000005.node1', 7, 1, 1795856400000)")
                  .ok());
  const std::string id = "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b";
  ASSERT_TRUE(db->exec("INSERT INTO records (id, collection, bucket, fields, stamps) VALUES ('" +
                       id + "', 'estates', 'estate:" + id +
                       "', '{\"name\":\"Riverside\"}',"
                       " '{\"name\":\"0193a6f27c1e.00000005.node1\"}')")
                  .ok());
  ASSERT_TRUE(db->exec("INSERT INTO outbox (change_id, collection, record_id, kind, fields, stamps,"
                       " base, created_ms) VALUES ('" +
                       new_id() + "', 'estates', '" + id +
                       "', 'create', '{\"name\":\"Riverside\"}',"
                       " '{\"name\":\"0193a6f27c1e.00000005.node1\"}', '{}', 1795856400000)")
                  .ok());
  // From layout 4 the device row counts the changes it has numbered.
  if (layout >= 4) {
    ASSERT_TRUE(db->exec("UPDATE device SET change_counter = 1").ok());
  }
}

TEST(Migrations, EveryEarlierLayoutMigratesToTheLatestKeepingItsData) {
  ASSERT_GE(latest_device_layout(), 2);
  for (int layout = 1; layout < latest_device_layout(); ++layout) {
    SCOPED_TRACE("from layout " + std::to_string(layout));
    testing::TempDir dir;
    const std::string path = dir.file("old.db");
    build_database_at(path, layout);

    auto store = must(DeviceStore::open(path));
    EXPECT_EQ(must(store->query("PRAGMA user_version", {})).at(0).at(0), latest_device_layout());
    EXPECT_EQ(store->identity().device_code, "OLD1");
    Record estate = must(store->get("estates", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"));
    EXPECT_EQ(estate.fields["name"], "Riverside");
    auto outbox = must(store->outbox());
    ASSERT_EQ(outbox.size(), 1u);
    EXPECT_EQ(outbox[0].state, "pending");
    EXPECT_EQ(must(store->pending_count()), 1);
    // The receipt counter carries on from where the old layout left it.
    auto household_free = store->query("SELECT receipt_counter FROM device", {});
    EXPECT_EQ(must(std::move(household_free)).at(0).at(0), 7);
    // Change numbers carry on after the old ones: never reused, whatever the layout.
    must(store->insert("estates", {{"name", "Hillside"}}));
    EXPECT_EQ(must(store->outbox()).back().seq, 2);
    // Layout 5: the blobs table and the index from a hash to its attachment records.
    EXPECT_EQ(must(store->query("SELECT count(*) FROM blobs", {})).at(0).at(0), 0);
    EXPECT_EQ(must(store->query(
                       "SELECT count(*) FROM sqlite_master WHERE name = 'records_by_sha256'", {}))
                  .at(0)
                  .at(0),
              1);
    EXPECT_TRUE(store->check_integrity().ok());
  }
}

TEST(Migrations, ChangeNumbersAreNeverReusedAfterTheOutboxEmpties) {
  testing::TempDir dir;
  auto store = must(DeviceStore::create(dir.file("d.db"), {"AB12", "bob", ""}));
  must(store->insert("estates", {{"name", "A"}}));
  must(store->insert("estates", {{"name", "B"}}));
  ASSERT_TRUE(store->acknowledge({{1, false, ""}, {2, false, ""}}).ok());
  EXPECT_TRUE(must(store->outbox()).empty());
  must(store->insert("estates", {{"name", "C"}}));
  EXPECT_EQ(must(store->outbox()).front().seq, 3);
}

TEST(Migrations, ANewerLayoutIsRefusedUntouched) {
  testing::TempDir dir;
  const std::string path = dir.file("new.db");
  must(DeviceStore::create(path, {"AB12", "bob", ""}));
  {
    auto db = must(SqliteDb::open(path, false));
    ASSERT_TRUE(db->exec("PRAGMA user_version = 99").ok());
  }
  auto opened = DeviceStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("newer fieldsync"), std::string::npos);
  auto db = must(SqliteDb::open(path, false));
  EXPECT_EQ(must(db->pragma_int("user_version")), 99);
}

TEST(Migrations, AFreshDatabaseIsAtTheLatestLayout) {
  testing::TempDir dir;
  auto store = must(DeviceStore::create(dir.file("d.db"), {"AB12", "bob", ""}));
  EXPECT_EQ(must(store->query("PRAGMA user_version", {})).at(0).at(0),
            device_store_layout_version());
  EXPECT_EQ(must(store->query("PRAGMA application_id", {})).at(0).at(0), kDeviceApplicationId);
  EXPECT_EQ(must(store->query("PRAGMA journal_mode", {})).at(0).at(0), "wal");
  EXPECT_EQ(must(store->query("PRAGMA synchronous", {})).at(0).at(0), 2);  // FULL
  EXPECT_EQ(must(store->query("PRAGMA foreign_keys", {})).at(0).at(0), 1);
}

}  // namespace
}  // namespace fieldsync
