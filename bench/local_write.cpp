// local_write: the cost of recording one fee visit durably (FieldWork::record_visit:
// one transaction that validates, writes the record and its stamps, persists the
// clock and appends to the outbox) against the floor SQLite sets on the same disk: a
// prepared single-row INSERT in its own transaction, with a row of the same size, the
// same journal (WAL) and the same synchronous mode, in the same folder. Rounds of the
// two alternate so that disk noise falls on both. Runs with synchronous FULL (the
// store's default, the figure the goal is about) and then NORMAL. A third writer does
// the same fee visits in an encrypted store (DeviceStoreOptions::key), in the same
// rounds, for the cost of encryption: ratio_encrypted_vs_plain.
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>

#include "benchmark.h"
#include "fieldsync/device_store.h"
#include "fieldsync/field_work.h"
#include "fieldsync/id.h"

namespace fieldsync::bench {
namespace {

constexpr int64_t kOperations = 2000;  // of each kind, per synchronous mode
constexpr int64_t kWarmUp = 50;
constexpr int64_t kRoundSize = 20;
using Timer = std::chrono::steady_clock;

// One SQLite file with one table, written one row per transaction.
class RawSqliteWriter {
 public:
  static Result<std::unique_ptr<RawSqliteWriter>> open(const std::string& path, bool sync_full) {
    std::unique_ptr<RawSqliteWriter> writer(new RawSqliteWriter());
    if (sqlite3_open(path.c_str(), &writer->db_) != SQLITE_OK) return writer->error("opening");
    const std::string setup = std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = ") +
                              (sync_full ? "FULL" : "NORMAL") +
                              "; CREATE TABLE rows (id TEXT PRIMARY KEY, body TEXT NOT NULL);";
    if (sqlite3_exec(writer->db_, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return writer->error("setting up");
    }
    if (!writer->prepare("BEGIN", &writer->begin_) ||
        !writer->prepare("INSERT INTO rows (id, body) VALUES (?, ?)", &writer->insert_) ||
        !writer->prepare("COMMIT", &writer->commit_)) {
      return writer->error("preparing");
    }
    return writer;
  }
  ~RawSqliteWriter() {
    for (sqlite3_stmt* stmt : {begin_, insert_, commit_}) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  // BEGIN; INSERT; COMMIT.
  Status write(const std::string& id, const std::string& body) {
    sqlite3_bind_text(insert_, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    for (sqlite3_stmt* stmt : {begin_, insert_, commit_}) {
      const int rc = sqlite3_step(stmt);
      sqlite3_reset(stmt);
      if (rc != SQLITE_DONE) return error("writing").status();
    }
    return Status();
  }

 private:
  RawSqliteWriter() = default;
  bool prepare(const char* sql, sqlite3_stmt** stmt) {
    return sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) == SQLITE_OK;
  }
  Result<std::unique_ptr<RawSqliteWriter>> error(const std::string& doing) const {
    return Status::io_error("raw SQLite: " + doing + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

// A device store holding one household, recording fee visits to it.
class FeeVisitWriter {
 public:
  static Result<std::unique_ptr<FeeVisitWriter>> open(
      const std::string& path, bool sync_full, std::optional<DatabaseKey> key = std::nullopt) {
    DeviceStoreOptions options;
    options.synchronous_full = sync_full;
    options.key = std::move(key);
    auto store = DeviceStore::create(path, {"BN01", "alice", ""}, options);
    if (!store.ok()) return store.status();
    std::unique_ptr<FeeVisitWriter> writer(new FeeVisitWriter(std::move(store).value()));
    auto household = writer->seed_household();
    if (!household.ok()) return household.status();
    writer->visit_.household = *household;
    return writer;
  }

  // Records one visit; `row_bytes` gets the size of the record row written.
  Status write(size_t* row_bytes = nullptr) {
    auto visit = work_.record_visit(visit_);
    if (!visit.ok()) return visit.status();
    if (row_bytes != nullptr) {
      *row_bytes = visit->id.size() + visit->bucket.size() + visit->fields.dump().size() +
                   visit->stamps.dump().size();
    }
    return Status();
  }

 private:
  explicit FeeVisitWriter(std::unique_ptr<DeviceStore> store)
      : store_(std::move(store)), work_(*store_) {
    visit_.outcome = "promised";
    visit_.person_met = "owner";
    visit_.promise_date = "2026-12-05";
    visit_.promise_amount = 12000;
    visit_.note = "Owner will pay the November fee at the office next week";
    visit_.location = GeoPoint{31.2304, 121.4737, 8.0};
  }

  Result<std::string> seed_household() {
    auto estate = store_->insert("estates", {{"name", "Riverside"}});
    if (!estate.ok()) return estate.status();
    auto building = store_->insert("buildings", {{"estate", estate->id}, {"name", "Block 3"}});
    if (!building.ok()) return building.status();
    auto unit = store_->insert("units", {{"building", building->id}, {"number", "3-1204"}});
    if (!unit.ok()) return unit.status();
    auto household = store_->insert("households", {{"unit", unit->id},
                                                   {"owner_name", "Wang Li"},
                                                   {"phones", {"13800000001"}},
                                                   {"collector", "alice"}});
    if (!household.ok()) return household.status();
    return household->id;
  }

  std::unique_ptr<DeviceStore> store_;
  FieldWork work_;
  FeeVisitInput visit_;
};

Status time_fee_visits(FeeVisitWriter& writer, int64_t count, Latencies& latencies) {
  for (int64_t i = 0; i < count; ++i) {
    const auto start = Timer::now();
    FIELDSYNC_RETURN_IF_ERROR(writer.write());
    latencies.add(Timer::now() - start);
  }
  return Status();
}

Status time_raw_rows(RawSqliteWriter& writer, const std::string& body, int64_t count,
                     Latencies& latencies) {
  for (int64_t i = 0; i < count; ++i) {
    const std::string id = new_id();
    const auto start = Timer::now();
    FIELDSYNC_RETURN_IF_ERROR(writer.write(id, body));
    latencies.add(Timer::now() - start);
  }
  return Status();
}

void report_encrypted(const std::string& suffix, const Latencies& plain,
                      const Latencies& encrypted) {
  report("local_write", "fieldsync_encrypted_writes_per_s" + suffix, encrypted.per_second(),
         "ops/s");
  report("local_write", "ratio_encrypted_vs_plain" + suffix,
         plain.per_second() / encrypted.per_second(), "x");
  report("local_write", "ratio_p50_encrypted_vs_plain" + suffix,
         encrypted.percentile_us(50) / plain.percentile_us(50), "x");
  report("local_write", "fieldsync_encrypted_p50_latency" + suffix, encrypted.percentile_us(50),
         "us");
  report("local_write", "fieldsync_encrypted_p99_latency" + suffix, encrypted.percentile_us(99),
         "us");
}

void report_mode(const std::string& suffix, const Latencies& fieldsync, const Latencies& raw) {
  report("local_write", "operations" + suffix, static_cast<double>(fieldsync.count()), "count");
  report("local_write", "fieldsync_writes_per_s" + suffix, fieldsync.per_second(), "ops/s");
  report("local_write", "raw_sqlite_writes_per_s" + suffix, raw.per_second(), "ops/s");
  report("local_write", "ratio_vs_raw_sqlite" + suffix, raw.per_second() / fieldsync.per_second(),
         "x");
  // The same ratio from median latencies: steadier when other work shares the disk.
  report("local_write", "ratio_p50_vs_raw_sqlite" + suffix,
         fieldsync.percentile_us(50) / raw.percentile_us(50), "x");
  report("local_write", "fieldsync_p50_latency" + suffix, fieldsync.percentile_us(50), "us");
  report("local_write", "fieldsync_p99_latency" + suffix, fieldsync.percentile_us(99), "us");
  report("local_write", "raw_sqlite_p50_latency" + suffix, raw.percentile_us(50), "us");
  report("local_write", "raw_sqlite_p99_latency" + suffix, raw.percentile_us(99), "us");
}

Status run_mode(const BenchmarkContext& context, bool sync_full) {
  ScratchDir dir(context, "local_write");
  auto fieldsync = FeeVisitWriter::open(dir.file("fieldsync.db"), sync_full);
  if (!fieldsync.ok()) return fieldsync.status();
  auto raw = RawSqliteWriter::open(dir.file("raw.db"), sync_full);
  if (!raw.ok()) return raw.status();
  auto encrypted = FeeVisitWriter::open(dir.file("encrypted.db"), sync_full, DatabaseKey::random());
  if (!encrypted.ok()) return encrypted.status();

  size_t row_bytes = 0;
  FIELDSYNC_RETURN_IF_ERROR((*fieldsync)->write(&row_bytes));
  const std::string body = std::string(row_bytes - 36, 'x');  // 36: the id column
  Latencies ignored;
  FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**fieldsync, kWarmUp, ignored));
  FIELDSYNC_RETURN_IF_ERROR(time_raw_rows(**raw, body, kWarmUp, ignored));
  FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**encrypted, kWarmUp, ignored));

  Latencies fieldsync_latencies, raw_latencies, encrypted_latencies;
  const int64_t total = context.scaled(kOperations);
  for (int64_t done = 0, round = 0; done < total; done += kRoundSize, ++round) {
    const int64_t count = std::min(kRoundSize, total - done);
    const bool fieldsync_first = round % 2 == 0;
    if (fieldsync_first) {
      FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**fieldsync, count, fieldsync_latencies));
      FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**encrypted, count, encrypted_latencies));
    }
    FIELDSYNC_RETURN_IF_ERROR(time_raw_rows(**raw, body, count, raw_latencies));
    if (!fieldsync_first) {
      FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**encrypted, count, encrypted_latencies));
      FIELDSYNC_RETURN_IF_ERROR(time_fee_visits(**fieldsync, count, fieldsync_latencies));
    }
  }
  const std::string suffix = sync_full ? "" : "_sync_normal";
  report_mode(suffix, fieldsync_latencies, raw_latencies);
  report_encrypted(suffix, fieldsync_latencies, encrypted_latencies);
  return Status();
}

Status local_write(const BenchmarkContext& context) {
  FIELDSYNC_RETURN_IF_ERROR(run_mode(context, /*sync_full=*/true));
  return run_mode(context, /*sync_full=*/false);
}

}  // namespace

FIELDSYNC_BENCHMARK(local_write, local_write);

}  // namespace fieldsync::bench
