#include "fieldsync/device_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "fieldsync/id.h"
#include "test_support.h"

namespace fieldsync {
namespace {

using testing::must;
using testing::TempDir;

class DeviceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeviceStoreOptions options;
    options.clock = &clock_;
    store_ = must(DeviceStore::create(dir_.file("device.db"), {"K7Q2", "alice", "node1"}, options));
  }

  std::unique_ptr<DeviceStore> reopen_store() {
    store_.reset();
    DeviceStoreOptions options;
    options.clock = &clock_;
    return must(DeviceStore::open(dir_.file("device.db"), options));
  }

  int64_t count(const std::string& table) {
    return must(store_->query("SELECT count(*) FROM " + table, {})).at(0).at(0).get<int64_t>();
  }

  TempDir dir_;
  ManualClock clock_{testing::kSaturdayMorning};
  std::unique_ptr<DeviceStore> store_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(DeviceStoreTest, InsertStoresTheRecordItsStampsAndAnOutboxChange) {
  Record estate = must(store_->insert("estates", {{"name", "Riverside"}}));
  EXPECT_EQ(estate.bucket, "estate:" + estate.id + ":places");
  EXPECT_EQ(estate.stamps["name"], store_->last_stamp().encode());

  Record read = must(store_->get("estates", estate.id));
  EXPECT_EQ(read.fields, estate.fields);
  auto outbox = must(store_->outbox());
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].seq, 1);
  EXPECT_EQ(outbox[0].kind, "create");
  EXPECT_EQ(outbox[0].record_id, estate.id);
  EXPECT_EQ(outbox[0].state, "pending");
  EXPECT_EQ(outbox[0].fields["name"], "Riverside");
}

TEST_F(DeviceStoreTest, BucketsComeFromTheRecordsData) {
  auto e = testing::seed_estate(*store_);
  // A bucket is a place and the kind of data: each role reads only its kinds.
  EXPECT_EQ(must(store_->get("buildings", e.building)).bucket,
            "building:" + e.building + ":places");
  EXPECT_EQ(must(store_->get("units", e.unit)).bucket, "building:" + e.building + ":places");
  EXPECT_EQ(must(store_->get("households", e.household)).bucket,
            "building:" + e.building + ":residents");
  EXPECT_EQ(must(store_->get("charges", e.charge_nov)).bucket, "building:" + e.building + ":fees");
  Record plan = must(store_->insert("collection_plans", {{"collector", "alice"},
                                                         {"month", "2026-11"},
                                                         {"daily_visit_target", 10},
                                                         {"amount_target", 500000}}));
  EXPECT_EQ(plan.bucket, "user:alice:fees");
}

TEST_F(DeviceStoreTest, RejectedWritesChangeNothing) {
  auto e = testing::seed_estate(*store_);
  const int64_t records = count("records"), changes = count("outbox");
  const Stamp stamp = store_->last_stamp();

  auto unknown_household = store_->insert(
      "payments", {{"household", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"}, {"amount", 100},
                   {"method", "cash"}, {"collector", "alice"}, {"paid_at", testing::kSaturdayMorning}});
  ASSERT_FALSE(unknown_household.ok());
  EXPECT_NE(unknown_household.status().message().find("no household with id"), std::string::npos);

  auto wrong_target = store_->insert(
      "payments", {{"household", e.charge_nov}, {"amount", 100}, {"method", "cash"},
                   {"collector", "alice"}, {"paid_at", testing::kSaturdayMorning}});
  ASSERT_FALSE(wrong_target.ok());
  EXPECT_NE(wrong_target.status().message().find("not a household"), std::string::npos);

  EXPECT_FALSE(store_->insert("payments", {{"household", e.household}, {"amount", -5}}).ok());
  EXPECT_FALSE(store_->insert("nonsense", {{"a", 1}}).ok());
  EXPECT_FALSE(store_->update("households", e.household, {{"unit", e.unit}}).ok());
  EXPECT_FALSE(store_->update("households", "not-an-id", {{"notes", "x"}}).ok());

  EXPECT_EQ(count("records"), records);
  EXPECT_EQ(count("outbox"), changes);
  EXPECT_EQ(store_->last_stamp(), stamp);
  EXPECT_EQ(must(store_->query("SELECT receipt_counter FROM device", {})).at(0).at(0), 0);
}

TEST_F(DeviceStoreTest, UpdateRecordsTheBaseStampItEditedFrom) {
  auto e = testing::seed_estate(*store_);
  const std::string before = must(store_->get("households", e.household)).stamps["phones"];
  clock_.advance(1000);
  Record updated = must(store_->update("households", e.household, {{"phones", {"13911112222"}}}));
  EXPECT_EQ(updated.fields["phones"], Json({"13911112222"}));
  EXPECT_GT(updated.stamps["phones"].get<std::string>(), before);
  EXPECT_EQ(updated.stamps["owner_name"], before);  // untouched fields keep their stamps

  auto outbox = must(store_->outbox());
  const OutboxChange& change = outbox.back();
  EXPECT_EQ(change.kind, "update");
  EXPECT_EQ(change.fields, Json({{"phones", {"13911112222"}}}));
  EXPECT_EQ(change.base["phones"], before);
}

TEST_F(DeviceStoreTest, AnEditThatChangesNothingWritesNothing) {
  auto e = testing::seed_estate(*store_);
  const int64_t changes = count("outbox");
  must(store_->update("households", e.household, {{"owner_name", "Wang Li"}}));
  EXPECT_EQ(count("outbox"), changes);
}

TEST_F(DeviceStoreTest, ClearingAnOptionalField) {
  auto e = testing::seed_estate(*store_);
  Record r = must(store_->update("households", e.household, {{"collector", nullptr}}));
  EXPECT_FALSE(r.fields.contains("collector"));
  EXPECT_EQ(must(store_->outbox()).back().fields["collector"], nullptr);
}

TEST_F(DeviceStoreTest, StatusMovesForwardOnlyAndReopenStartsANewCycle) {
  auto e = testing::seed_estate(*store_);
  Record order = must(store_->insert("work_orders", {{"household", e.household},
                                                     {"category", "plumbing"},
                                                     {"channel", "phone"},
                                                     {"description", "kitchen tap leaks"},
                                                     {"priority", "normal"},
                                                     {"reported_at", testing::kSaturdayMorning}}));
  EXPECT_EQ(order.fields["status"], "reported");
  EXPECT_EQ(order.fields["status_reopens"], 0);
  must(store_->advance_status("work_orders", order.id, "in_progress"));
  must(store_->advance_status("work_orders", order.id, "closed"));

  auto back = store_->advance_status("work_orders", order.id, "in_progress");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(back.status().message().find("reopen"), std::string::npos);
  auto same = store_->advance_status("work_orders", order.id, "closed");
  EXPECT_FALSE(same.ok());
  auto unknown = store_->advance_status("work_orders", order.id, "done");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("return_visited"), std::string::npos);

  Record reopened = must(store_->reopen("work_orders", order.id));
  EXPECT_EQ(reopened.fields["status"], "reported");
  EXPECT_EQ(reopened.fields["status_reopens"], 1);
  EXPECT_EQ(must(store_->outbox()).back().kind, "reopen");
  EXPECT_FALSE(store_->reopen("work_orders", order.id).ok());  // nothing to reopen yet
  EXPECT_FALSE(store_->advance_status("households", e.household, "closed").ok());
}

TEST_F(DeviceStoreTest, ListFiltersByFieldValues) {
  auto e = testing::seed_estate(*store_);
  auto november = must(store_->list("charges", ListQuery{{{"period", "2026-11"}}}));
  ASSERT_EQ(november.size(), 1u);
  EXPECT_EQ(november[0].id, e.charge_nov);
  EXPECT_EQ(must(store_->list("charges", ListQuery{{{"household", e.household}}})).size(), 2u);
  EXPECT_EQ(must(store_->list("charges", ListQuery{{}, 1})).size(), 1u);
  EXPECT_FALSE(store_->list("charges", ListQuery{{{"colour", "red"}}}).ok());
}

TEST_F(DeviceStoreTest, ReceiptNumbersAndTheClockSurviveAReopen) {
  auto e = testing::seed_estate(*store_);
  FieldWork work(*store_);
  Record first = must(work.record_payment(testing::payment(e.household, 12000)));
  EXPECT_EQ(first.fields["receipt_number"], "K7Q2-000001");
  const Stamp before = store_->last_stamp();
  clock_.set(testing::kSaturdayMorning - 86400000);  // the phone's clock jumps back a day
  store_ = reopen_store();
  FieldWork again(*store_);
  Record second = must(again.record_payment(testing::payment(e.household, 500)));
  EXPECT_EQ(second.fields["receipt_number"], "K7Q2-000002");
  EXPECT_GT(Stamp::decode(second.stamps["amount"].get<std::string>())->wall_ms, before.wall_ms - 1);
  EXPECT_LT(before, store_->last_stamp());
  EXPECT_EQ(store_->identity().device_code, "K7Q2");
  EXPECT_EQ(store_->identity().user, "alice");
}

TEST_F(DeviceStoreTest, WritesTogetherLandTogetherOrNotAtAll) {
  auto e = testing::seed_estate(*store_);
  const int64_t changes = count("outbox");
  Status failed = store_->write_together([&]() -> Status {
    auto first = store_->update("households", e.household, {{"notes", "first"}});
    if (!first.ok()) return first.status();
    return store_->update("households", e.household, {{"unit", e.unit}}).status();  // refused
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(count("outbox"), changes);
  EXPECT_FALSE(must(store_->get("households", e.household)).fields.contains("notes"));

  ASSERT_TRUE(store_->write_together([&]() -> Status {
    auto first = store_->update("households", e.household, {{"notes", "first"}});
    if (!first.ok()) return first.status();
    return store_->update("households", e.household, {{"owner_name", "Wang Li (estate)"}}).status();
  }).ok());
  EXPECT_EQ(count("outbox"), changes + 2);
}

TEST_F(DeviceStoreTest, ReadOnlyQueriesOnly) {
  auto write = store_->query("DELETE FROM records", {});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DeviceStoreTest, PassesIntegrityCheck) { EXPECT_TRUE(store_->check_integrity().ok()); }

TEST(DeviceStoreFiles, CreateRefusesAnExistingFileAndBadIdentities) {
  TempDir dir;
  const std::string path = dir.file("d.db");
  must(DeviceStore::create(path, {"AB12", "bob", ""}));
  auto again = DeviceStore::create(path, {"AB12", "bob", ""});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);

  auto bad = DeviceStore::create(dir.file("e.db"), {"lower", "", ""});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().details().size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("e.db")));
}

// A pulled record of `bucket`, as a page from the server brings it.
Record pulled_household(const std::string& bucket) {
  Record r;
  r.collection = "households";
  r.id = new_id();
  r.bucket = bucket;
  r.fields = {{"unit", new_id()}, {"owner_name", "Wang Li"}};
  r.stamps = {{"unit", "0193a6f20000.00000000.server"},
              {"owner_name", "0193a6f20000.00000000.server"}};
  return r;
}

TEST_F(DeviceStoreTest, ABucketPulledMidSyncAndGoneFromTheScopeByItsLastPageIsEvicted) {
  const std::vector<std::string> scope = {"building:a"};
  const Record a = pulled_household("building:a");
  ASSERT_TRUE(store_->apply_pull_page({a}, {{"building:a", 1}}, &scope).ok());  // a whole sync
  // The next sync: a first page of a newly assigned building, then the building is
  // taken away again before the last page, whose scope is the one already evicted to.
  const Record b = pulled_household("building:b");
  ASSERT_TRUE(store_->apply_pull_page({b}, {{"building:b", 2}}).ok());
  ASSERT_TRUE(store_->apply_pull_page({}, {}, &scope).ok());
  EXPECT_TRUE(store_->get("households", a.id).ok());
  EXPECT_FALSE(store_->get("households", b.id).ok());  // evicted
  EXPECT_FALSE(must(store_->cursors()).count("building:b"));
}

TEST(DeviceStoreFiles, CreateIsAllOrNothingEvenAfterACrashMidway) {
  TempDir dir;
  const std::string path = dir.file("d.db");
  {  // What a kill during an earlier create leaves behind: a half-built file aside.
    std::ofstream half(path + ".creating", std::ios::binary);
    half << "SQLite format 3";
  }
  auto store = must(DeviceStore::create(path, {"AB12", "bob", ""}));
  EXPECT_EQ(store->identity().device_code, "AB12");
  EXPECT_FALSE(std::filesystem::exists(path + ".creating"));
  store.reset();
  EXPECT_TRUE(DeviceStore::open(path).ok());
}

TEST(DeviceStoreFiles, OpeningAMissingFileCreatesNothing) {
  TempDir dir;
  auto missing = DeviceStore::open(dir.file("none.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("fieldsync init"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("none.db")));
}

TEST(DeviceStoreFiles, OpeningAFileThatIsNotADatabaseChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "shopping list: rice, eggs, tea\n";
  }
  const std::string before = read_file(path);
  auto opened = DeviceStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
  EXPECT_NE(opened.status().message().find("not a fieldsync database"), std::string::npos);
  EXPECT_EQ(read_file(path), before);
}

TEST(DeviceStoreFiles, OpeningAnotherApplicationsDatabaseChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('x');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const std::string before = read_file(path);
  auto opened = DeviceStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
  EXPECT_NE(opened.status().message().find("another application"), std::string::npos);
  EXPECT_EQ(read_file(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(DeviceStoreFiles, ADamagedDatabaseFailsWithAClearError) {
  TempDir dir;
  const std::string path = dir.file("d.db");
  {
    auto store = must(DeviceStore::create(path, {"AB12", "bob", ""}));
    auto e = testing::seed_estate(*store);
    for (int i = 0; i < 200; ++i) {
      must(store->update("households", e.household, {{"notes", std::string(500, 'a' + i % 26)}}));
    }
  }
  {  // Scribble over the middle of the file, where the b-tree pages are.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 100);
    const std::string junk(8192, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto opened = DeviceStore::open(path);
  if (opened.ok()) {
    Status integrity = (*opened)->check_integrity();
    EXPECT_FALSE(integrity.ok());
    EXPECT_EQ(integrity.code(), StatusCode::kCorruption);
  } else {
    EXPECT_EQ(opened.status().code(), StatusCode::kCorruption) << opened.status().to_string();
  }
}

}  // namespace
}  // namespace fieldsync
