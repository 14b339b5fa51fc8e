// Fuzzes CSV import (server-stub/include/fieldsync/server/csv_import.h) into a real
// SQLite server store. Input: byte 0 picks the collection among those the office may
// import, the rest is the file. One store is reused across inputs (in a folder on
// /dev/shm when there is one) and starts over once it holds kMaxRecords records; it
// holds an estate, a building, a unit, a household and a patrol route with known ids
// (below) that files can refer to.
// Invariants: nothing throws or crashes; parse_csv keeps its records in line order; a
// refused import is an invalid_argument (its messages UTF-8 when the file is) and
// changes nothing: the record count is unchanged and no transaction was committed
// (PRAGMA data_version, read on a second connection, stays the same); an accepted one
// creates exactly one record per row, each of which passes validation as stored.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fieldsync/clock.h"
#include "fieldsync/server/csv_import.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/sqlite_db.h"
#include "fuzz_check.h"

namespace fieldsync::fuzz {
namespace {

using server::ServerStore;

constexpr int64_t kSaturdayMorning = 1795856400000LL;  // 2026-11-28T09:00:00Z
constexpr int64_t kMaxRecords = 500;

// The records every fresh store starts with (tests/fuzz/corpus/csv_import_fuzzer uses them).
const char* const kEstate = "11111111-1111-7111-8111-111111111111";
const char* const kBuilding = "22222222-2222-7222-8222-222222222222";
const char* const kUnit = "33333333-3333-7333-8333-333333333333";
const char* const kHousehold = "44444444-4444-7444-8444-444444444444";
const char* const kRoute = "55555555-5555-7555-8555-555555555555";

const Schema& schema() {
  return Schema::property_management();
}

template <class T>
T must(Result<T> result, const char* what) {
  FUZZ_CHECK(result.ok(), std::string(what) + ": " + result.status().to_string());
  return std::move(result).value();
}

class FuzzStore {
 public:
  FuzzStore() : clock_(kSaturdayMorning) {
    const std::filesystem::path root = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    folder_ = root / ("fieldsync-csv-fuzz-" + std::to_string(getpid()));
    start_over();
  }
  ~FuzzStore() {
    probe_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  ServerStore& store() { return *store_; }
  const Clock& clock() const { return clock_; }

  // What the second connection sees: the records, and a number that changes whenever
  // another connection commits.
  struct Snapshot {
    int64_t records = 0;
    int64_t data_version = 0;
  };
  Snapshot snapshot() {
    return {probe_int("SELECT count(*) FROM records"), probe_int("PRAGMA data_version")};
  }

  // A fresh store holding only the records files can refer to.
  void start_over() {
    probe_.reset();
    store_.reset();
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
    const std::string path = (folder_ / "server.db").string();
    store_ = must(server::open_sqlite_server_store(path), "open store");
    server::OfficeAdmin admin(*store_, schema(), clock_);
    must(admin.create_record("estates", {{"name", "Riverside"}}, kEstate), "estate");
    must(admin.create_record("buildings", {{"estate", kEstate}, {"name", "Block A"}}, kBuilding),
         "building");
    must(admin.create_record("units", {{"building", kBuilding}, {"number", "A-101"}}, kUnit),
         "unit");
    must(admin.create_record("households", {{"unit", kUnit}, {"owner_name", "Wang"}}, kHousehold),
         "household");
    must(admin.create_record("patrol_routes", {{"estate", kEstate}, {"name", "Night"}}, kRoute),
         "route");
    probe_ = must(SqliteDb::open(path, /*create=*/false), "probe");
  }

 private:
  int64_t probe_int(const char* sql) {
    auto statement = probe_->cached(sql);
    FUZZ_CHECK(statement.ok(), std::string(sql) + ": " + statement.status().to_string());
    auto row = (*statement)->step();
    FUZZ_CHECK(row.ok() && *row, std::string(sql) + ": no row");
    return (*statement)->column_int(0);
  }

  ManualClock clock_;
  std::filesystem::path folder_;
  std::unique_ptr<ServerStore> store_;
  std::unique_ptr<SqliteDb> probe_;  // a second connection to the store's file
};

FuzzStore* fuzz_store = nullptr;

std::vector<const CollectionDef*> importable() {
  std::vector<const CollectionDef*> out;
  for (const auto& c : schema().collections()) {
    if (!c.append_only && !c.server_created) out.push_back(&c);
  }
  return out;
}

// parse_csv reads every line: the records start on increasing lines inside the text.
void check_parse(std::string_view text) {
  int64_t previous = 0;
  for (const auto& record : server::parse_csv(text)) {
    FUZZ_CHECK(record.line > previous, "parse_csv: records out of line order");
    FUZZ_CHECK(record.problem.empty() || is_valid_utf8(record.problem),
               "parse_csv: problem not UTF-8");
    previous = record.line;
  }
}

void check_created(const CollectionDef& c, const server::ImportSummary& summary) {
  auto txn = must(fuzz_store->store().begin(false), "begin");
  for (const auto& id : summary.ids) {
    auto stored = must(txn->get_record(id), "get_record");
    FUZZ_CHECK(stored.has_value(), "an imported record is missing: " + id);
    FUZZ_CHECK(stored->record.collection == c.name,
               "an imported record is in " + stored->record.collection);
    // The server's own fields (arrival time, event time, clock check) are refused from a
    // device, so they are checked value by value and the rest as a replayed create.
    Json given = stored->record.fields;
    for (const auto& field : c.fields) {
      if (field.auto_value != AutoValue::kSetByServer || !given.contains(field.name)) continue;
      const auto problem = Schema::check_value(field, given[field.name]);
      FUZZ_CHECK(!problem, "a server-set field is not valid: " + field.name + ": " +
                               problem.value_or(""));
      given.erase(field.name);
    }
    Status valid = schema().validate_create(c, given, /*managed_given=*/true);
    FUZZ_CHECK(valid.ok(), "an imported record does not pass validation: " + valid.to_string() +
                               "\n  fields: " + stored->record.fields.dump());
  }
}

void fuzz_one(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static const std::vector<const CollectionDef*> collections = importable();
  const CollectionDef& c = *collections[data[0] % collections.size()];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_parse(text);

  const FuzzStore::Snapshot before = fuzz_store->snapshot();
  auto imported =
      server::import_csv(fuzz_store->store(), schema(), fuzz_store->clock(), c.name, text);
  const FuzzStore::Snapshot after = fuzz_store->snapshot();
  if (!imported.ok()) {
    check_refusal(imported.status(), "import_csv(" + c.name + ")",
                  is_valid_utf8(std::string(text)));
    FUZZ_CHECK(imported.status().code() == StatusCode::kInvalidArgument,
               "import_csv: " + imported.status().to_string());
    FUZZ_CHECK(after.records == before.records, "a refused import changed the record count from " +
                                                    std::to_string(before.records) + " to " +
                                                    std::to_string(after.records));
    FUZZ_CHECK(after.data_version == before.data_version, "a refused import committed something");
    return;
  }
  const auto rows = static_cast<int64_t>(server::parse_csv(text).size()) - 1;
  FUZZ_CHECK(static_cast<int64_t>(imported->ids.size()) == rows,
             "import_csv: " + std::to_string(imported->ids.size()) + " records for " +
                 std::to_string(rows) + " rows");
  FUZZ_CHECK(after.records == before.records + rows,
             "an import of " + std::to_string(rows) + " rows took the count from " +
                 std::to_string(before.records) + " to " + std::to_string(after.records));
  check_created(c, *imported);
  if (after.records > kMaxRecords) fuzz_store->start_over();
}

}  // namespace
}  // namespace fieldsync::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fieldsync::fuzz::fuzz_store = new fieldsync::fuzz::FuzzStore();
  std::atexit([] { delete fieldsync::fuzz::fuzz_store; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fieldsync::fuzz::fuzz_one(data, size);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
  }
  return 0;
}
