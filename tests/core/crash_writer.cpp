// fieldsync_crash_writer DB_PATH: the child process of the crash test. It records
// payments in a loop and, after each record_payment that returned ok, writes one line
// "<payment id> <receipt number>\n" to stdout with a single write(2), so a kill can
// cut the stream only between lines or leave an unterminated tail, never a line that
// looks complete but is not. It stops by itself after kMaxPayments or kMaxRunTime.
//
// The database is made once: created and seeded under a temporary name, closed and
// renamed into place, so a kill during creation leaves no half-made DB_PATH behind
// (DeviceStore::create and seed_estate are several transactions, not one).
// Exit codes: 0 when done, 1 on any error (reported on stderr).
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "fieldsync/device_store.h"
#include "fieldsync/field_work.h"
#include "test_support.h"

namespace {

using fieldsync::DeviceStore;
using fieldsync::Status;

constexpr int kMaxPayments = 100000;
constexpr auto kMaxRunTime = std::chrono::seconds(60);

int fail(const std::string& doing, const Status& status) {
  std::fprintf(stderr, "fieldsync_crash_writer: %s: %s\n", doing.c_str(),
               status.to_string().c_str());
  return 1;
}

// Writes all of `line` with one write(2); false when stdout is gone.
bool write_line(const std::string& line) {
  ssize_t n;
  do {
    n = ::write(STDOUT_FILENO, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(line.size());
}

// Creates and seeds the database at `path + ".creating"`, then renames it to `path`.
Status create_seeded(const std::string& path) {
  const std::string temp = path + ".creating";
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(temp + suffix, ec);  // left by a kill during a creation
  }
  {
    auto store = DeviceStore::create(temp, {"CR01", "alice", ""});
    if (!store.ok()) return store.status();
    try {
      fieldsync::testing::seed_estate(**store);
    } catch (const std::exception& e) {
      return Status::internal(std::string("seeding the estate: ") + e.what());
    }
  }  // closing the last connection checkpoints and removes the WAL
  if (std::filesystem::exists(temp + "-wal", ec)) {
    return Status::internal("the WAL of '" + temp + "' is still there after closing it");
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) return Status::io_error("renaming '" + temp + "': " + ec.message());
  return Status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fieldsync_crash_writer DB_PATH\n");
    return 2;
  }
  const std::string path = argv[1];
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (Status s = create_seeded(path); !s.ok()) return fail("creating '" + path + "'", s);
  }
  auto store = DeviceStore::open(path);
  if (!store.ok()) return fail("opening '" + path + "'", store.status());
  auto households = (*store)->list("households");
  if (!households.ok()) return fail("listing households", households.status());
  if (households->size() != 1) {
    return fail("listing households", Status::internal("expected 1 household, found " +
                                                       std::to_string(households->size())));
  }

  fieldsync::FieldWork work(**store);
  fieldsync::PaymentInput payment;
  payment.household = households->front().id;
  payment.note = "crash test";
  const auto deadline = std::chrono::steady_clock::now() + kMaxRunTime;
  for (int i = 0; i < kMaxPayments && std::chrono::steady_clock::now() < deadline; ++i) {
    payment.amount = 100 + (i % 97) * 25;
    auto recorded = work.record_payment(payment);
    if (!recorded.ok()) return fail("recording payment " + std::to_string(i), recorded.status());
    const std::string line =
        recorded->id + " " + recorded->fields.value("receipt_number", std::string()) + "\n";
    if (!write_line(line)) return fail("writing to stdout", Status::io_error("write failed"));
  }
  return 0;
}
