// fieldsync_crash_writer [--attachments] DB_PATH: the child process of the crash test.
// It records payments in a loop and, after each record_payment that returned ok,
// writes one line "<payment id> <receipt number>\n" to stdout with a single write(2),
// so a kill can cut the stream only between lines or leave an unterminated tail, never
// a line that looks complete but is not. With --attachments it attaches photos to a
// finding instead (some new, some the same bytes again) and writes
// "<attachment id> <sha256>\n" after each attach that returned ok. It stops by itself
// after kMaxPayments writes or kMaxRunTime.
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
#include <fstream>
#include <random>
#include <string>

#include "fieldsync/attachments.h"
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

// Creates and seeds the database at `path + ".creating"` (with a finding to attach
// photos to), then renames it to `path`.
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
      const auto estate = fieldsync::testing::seed_estate(**store);
      fieldsync::FindingInput finding;
      finding.estate = estate.estate;
      finding.category = "fire";
      finding.severity = "high";
      finding.description = "crash test";
      auto reported = fieldsync::FieldWork(**store).report_finding(finding);
      if (!reported.ok()) return reported.status();
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

// The bytes of photo `i` of this run: a JPEG start and 1 KiB to 64 KiB of noise. Every
// fourth photo is one of seven shared by every run, so the same bytes are attached
// again (stored once) as often as new ones are stored.
std::string photo(int i, uint64_t run_seed) {
  const bool shared = i % 4 == 0;
  std::mt19937_64 rng(shared ? static_cast<uint64_t>(i / 4 % 7)
                             : run_seed * 100003 + static_cast<uint64_t>(i));
  std::string bytes = "\xFF\xD8\xFF\xE0";
  bytes.resize(1024 + rng() % (63 * 1024));
  for (size_t at = 4; at < bytes.size(); ++at) bytes[at] = static_cast<char>(rng() & 0xFF);
  return bytes;
}

int attach_photos(DeviceStore& store, const std::string& path) {
  auto findings = store.list("findings");
  if (!findings.ok()) return fail("listing findings", findings.status());
  if (findings->size() != 1) {
    return fail("listing findings",
                Status::internal("expected 1 finding, found " + std::to_string(findings->size())));
  }
  const std::string source = path + ".photo-" + std::to_string(::getpid()) + ".jpg";
  const uint64_t run_seed = std::random_device()();
  fieldsync::AttachmentStore attachments(store);
  const auto deadline = std::chrono::steady_clock::now() + kMaxRunTime;
  for (int i = 0; i < kMaxPayments && std::chrono::steady_clock::now() < deadline; ++i) {
    {
      std::ofstream out(source, std::ios::binary | std::ios::trunc);
      out << photo(i, run_seed);
      if (!out.flush()) return fail("writing '" + source + "'", Status::io_error("write failed"));
    }
    auto attached = attachments.attach("findings", findings->front().id, source);
    if (!attached.ok()) return fail("attaching photo " + std::to_string(i), attached.status());
    if (!write_line(attached->record.id + " " + attached->sha256 + "\n")) {
      return fail("writing to stdout", Status::io_error("write failed"));
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool photos = argc == 3 && std::string(argv[1]) == "--attachments";
  if (argc != 2 && !photos) {
    std::fprintf(stderr, "usage: fieldsync_crash_writer [--attachments] DB_PATH\n");
    return 2;
  }
  const std::string path = argv[argc - 1];
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (Status s = create_seeded(path); !s.ok()) return fail("creating '" + path + "'", s);
  }
  auto store = DeviceStore::open(path);
  if (!store.ok()) return fail("opening '" + path + "'", store.status());
  if (photos) return attach_photos(**store, path);
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
