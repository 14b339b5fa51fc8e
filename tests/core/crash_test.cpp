// Kills a process that is recording payments (fieldsync_crash_writer) with SIGKILL at
// random moments, then checks what every kill must leave behind: a database that
// passes PRAGMA integrity_check, every payment the writer reported as written present
// exactly once, unique and consecutive receipt numbers, and one outbox change per
// payment. The same for a writer attaching photos: every attachment reported is there
// with its bytes, and no attachment record or blob row promises bytes that are gone. The kill
// moments come from a seeded RNG (FIELDSYNC_CRASH_SEED replays a run); they spread the kills over
// start-up, recovery and writing, and no check depends on when a kill lands.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fieldsync/attachments.h"
#include "test_support.h"

extern char** environ;

namespace fieldsync {
namespace {

using testing::must;
using Clock = std::chrono::steady_clock;

constexpr int kRounds = 25;
constexpr int kMaxKillDelayMs = 300;
constexpr auto kMaxWaitForLines = std::chrono::seconds(20);
constexpr char kDeviceCode[] = "CR01";

// One line the writer reported: a record id and its receipt number (payments) or its
// sha256 (attachments).
struct ReportedLine {
  std::string id;
  std::string detail;
};

struct WriterRun {
  std::vector<ReportedLine> reported;  // complete lines only
  int wait_status = 0;
};

std::vector<ReportedLine> complete_lines(const std::string& output) {
  std::vector<ReportedLine> out;
  size_t start = 0;
  for (size_t end = output.find('\n'); end != std::string::npos;
       start = end + 1, end = output.find('\n', start)) {
    std::istringstream line(output.substr(start, end - start));
    ReportedLine reported;
    line >> reported.id >> reported.detail;
    out.push_back(reported);
  }
  return out;  // an unterminated tail is a line the kill cut: not reported
}

// Reads what is available on `fd` into `output`; false at end of file.
bool read_some(int fd, std::string& output) {
  char buffer[4096];
  ssize_t n;
  do {
    n = ::read(fd, buffer, sizeof buffer);
  } while (n < 0 && errno == EINTR);
  if (n > 0) output.append(buffer, static_cast<size_t>(n));
  return n > 0;
}

size_t count_lines(const std::string& output) {
  return static_cast<size_t>(std::count(output.begin(), output.end(), '\n'));
}

// Starts the writer (with `mode`, "" for payments) on `db`, lets it run until `delay` has passed
// since its start and it has reported at least `min_lines` payments (or it exits), then kills it
// with SIGKILL and collects everything it wrote.
WriterRun run_and_kill(const std::string& mode, const std::string& db,
                       std::chrono::milliseconds delay, size_t min_lines) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::string program = FIELDSYNC_CRASH_WRITER;
  std::vector<std::string> args = {program};
  if (!mode.empty()) args.push_back(mode);
  args.push_back(db);
  std::vector<char*> child_argv;
  for (auto& arg : args) child_argv.push_back(arg.data());
  child_argv.push_back(nullptr);
  pid_t pid = 0;
  const auto started = Clock::now();
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, child_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }

  std::string output;
  bool open = true;
  const auto kill_at = started + delay;
  const auto give_up = started + kMaxWaitForLines;  // a writer that hangs fails the test
  while (open && Clock::now() < give_up &&
         (Clock::now() < kill_at || count_lines(output) < min_lines)) {
    const auto until = count_lines(output) < min_lines ? give_up : kill_at;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    pollfd readable{pipe_fds[0], POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(std::max<int64_t>(left, 0))) > 0) {
      open = read_some(pipe_fds[0], output);
    }
  }
  ::kill(pid, SIGKILL);
  WriterRun run;
  while (::waitpid(pid, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  while (open) open = read_some(pipe_fds[0], output);  // the child is gone: reads end at EOF
  ::close(pipe_fds[0]);
  run.reported = complete_lines(output);
  return run;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "wait status " + std::to_string(status);
}

// The serial of a receipt number "CR01-000042" (42), or -1 when it is not one of ours.
int64_t receipt_serial(const std::string& receipt) {
  const std::string prefix = std::string(kDeviceCode) + "-";
  if (receipt.rfind(prefix, 0) != 0 || receipt.size() == prefix.size()) return -1;
  const std::string digits = receipt.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

uint64_t crash_seed() {
  if (const char* text = std::getenv("FIELDSYNC_CRASH_SEED")) return std::stoull(text);
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

// Checks everything a sequence of kills must leave intact.
void check_database(const std::string& path, const std::vector<ReportedLine>& reported) {
  auto store = must(DeviceStore::open(path));
  ASSERT_TRUE(store->check_integrity().ok()) << store->check_integrity().to_string();

  std::map<std::string, std::string> receipt_by_payment;
  std::set<std::string> receipts;
  std::vector<int64_t> serials;
  for (const Record& payment : must(store->list("payments"))) {
    const std::string receipt = payment.fields.value("receipt_number", std::string());
    receipt_by_payment[payment.id] = receipt;
    EXPECT_TRUE(receipts.insert(receipt).second) << "receipt number used twice: " << receipt;
    serials.push_back(receipt_serial(receipt));
  }

  std::set<std::string> reported_ids;
  for (const auto& payment : reported) {
    EXPECT_TRUE(reported_ids.insert(payment.id).second) << "payment reported twice: " << payment.id;
    auto stored = receipt_by_payment.find(payment.id);
    if (stored == receipt_by_payment.end()) {
      ADD_FAILURE() << "payment " << payment.id << " (" << payment.detail
                    << ") was reported written but is not in the database";
    } else {
      EXPECT_EQ(stored->second, payment.detail) << "payment " << payment.id;
    }
  }

  // Receipt serials are 1..n with no gap and no repeat, and the counter is at n.
  std::sort(serials.begin(), serials.end());
  for (size_t i = 0; i < serials.size(); ++i) {
    ASSERT_EQ(serials[i], static_cast<int64_t>(i + 1))
        << "receipt serials are not 1.." << serials.size();
  }
  auto counter = must(store->query("SELECT receipt_counter FROM device", {}));
  ASSERT_EQ(counter.size(), 1u);
  EXPECT_EQ(counter[0][0].get<int64_t>(), static_cast<int64_t>(serials.size()));

  // One outbox 'create' per payment, and the outbox numbers its changes 1, 2, 3, ...
  std::map<std::string, int> creates_by_payment;
  int64_t expected_seq = 1;
  for (const OutboxChange& change : must(store->outbox())) {
    EXPECT_EQ(change.seq, expected_seq++) << "the outbox skips or repeats a change number";
    if (change.collection == "payments" && change.kind == "create")
      ++creates_by_payment[change.record_id];
  }
  EXPECT_EQ(creates_by_payment.size(), receipt_by_payment.size());
  for (const auto& [id, receipt] : receipt_by_payment) {
    EXPECT_EQ(creates_by_payment[id], 1)
        << "outbox creates for payment " << id << " (" << receipt << ")";
  }
  // Payments stored but not reported: kills that landed between a commit and its line.
  std::printf("%zu payments stored, %zu reported\n", receipt_by_payment.size(), reported.size());
}

// Runs the writer (with `mode`) kRounds + 1 times on `db`, killing it each time at a
// moment drawn from `rng`, and returns every line it reported.
std::vector<ReportedLine> kill_repeatedly(const std::string& mode, const std::string& db,
                                          std::mt19937_64& rng) {
  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  std::vector<ReportedLine> reported;
  auto collect = [&](const WriterRun& run, int round) {
    const bool killed = WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGKILL;
    const bool finished = WIFEXITED(run.wait_status) && WEXITSTATUS(run.wait_status) == 0;
    EXPECT_TRUE(killed || finished)
        << "round " << round << ": the writer " << describe_wait_status(run.wait_status);
    reported.insert(reported.end(), run.reported.begin(), run.reported.end());
  };
  for (int round = 0; round < kRounds; ++round) {
    collect(run_and_kill(mode, db, std::chrono::milliseconds(delay_ms(rng)), 0), round);
  }
  // One more kill, once the writer has surely written, so the checks are never vacuous.
  collect(run_and_kill(mode, db, std::chrono::milliseconds(delay_ms(rng)), 1), kRounds);
  return reported;
}

TEST(CrashTest, KilledWriterLosesAndDuplicatesNoPayment) {
  const uint64_t seed = crash_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with FIELDSYNC_CRASH_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  const std::string db = dir.file("device.db");
  const std::vector<ReportedLine> reported = kill_repeatedly("", db, rng);
  ASSERT_FALSE(reported.empty());
  check_database(db, reported);
  std::printf("seed %llu: %zu payments reported over %d kills\n",
              static_cast<unsigned long long>(seed), reported.size(), kRounds + 1);
}

// Checks that every attachment reported is there with its bytes, that no attachment
// record and no blob row promises bytes that are gone, and that every blob file holds
// the bytes its name says. Leftovers are allowed: part-written copies in tmp/, and a
// blob file renamed into place by an attach killed before its commit (reclaim sweeps
// both after an hour).
void check_attachments(const std::string& path, const std::vector<ReportedLine>& reported) {
  auto store = must(DeviceStore::open(path));
  ASSERT_TRUE(store->check_integrity().ok()) << store->check_integrity().to_string();
  AttachmentStore attachments(*store);

  std::set<std::string> reported_ids;
  for (const auto& line : reported) {
    EXPECT_TRUE(reported_ids.insert(line.id).second) << "attachment reported twice: " << line.id;
    auto found = attachments.find(line.id);
    if (!found.ok()) {
      ADD_FAILURE() << "attachment " << line.id
                    << " was reported written but is not in the database: "
                    << found.status().to_string();
      continue;
    }
    EXPECT_EQ(found->sha256, line.detail) << "attachment " << line.id;
    EXPECT_TRUE(found->local) << "attachment " << line.id << " has lost its bytes";
  }

  const std::vector<Attachment> all = must(attachments.list());
  std::set<std::string> hashes_in_records;
  for (const Attachment& a : all) {
    hashes_in_records.insert(a.sha256);
    EXPECT_EQ(a.state, "upload") << "attachment " << a.record.id << " has no blob row";
    EXPECT_TRUE(a.local) << "attachment " << a.record.id << " has no bytes";
  }
  int64_t blob_rows = 0;
  for (const Json& row : must(store->query("SELECT hash, size FROM blobs", {}))) {
    ++blob_rows;
    const std::string hash = row[0].get<std::string>();
    EXPECT_TRUE(hashes_in_records.count(hash)) << "blob " << hash << " belongs to no attachment";
    auto file = attachments.path_of(hash);
    if (!file.ok()) {
      ADD_FAILURE() << "blob " << hash << " has a row but no file";
      continue;
    }
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(*file)), row[1].get<int64_t>())
        << hash;
  }
  EXPECT_EQ(blob_rows, static_cast<int64_t>(hashes_in_records.size()));

  int64_t leftovers = 0;
  for (const auto& entry : std::filesystem::directory_iterator(attachments.folder())) {
    const std::string name = entry.path().filename().string();
    if (name == "tmp" && entry.is_directory()) continue;
    ASSERT_TRUE(is_sha256_hex(name)) << "unexpected file in the blob folder: " << name;
    EXPECT_EQ(must(Sha256::of_file(entry.path().string())), name)
        << "a blob file holds other bytes";
    leftovers += hashes_in_records.count(name) ? 0 : 1;
  }
  std::printf("%zu attachments stored (%zu reported), %lld blobs, %lld blob files without a row\n",
              all.size(), reported.size(), static_cast<long long>(blob_rows),
              static_cast<long long>(leftovers));
}

TEST(CrashTest, KilledAttacherLosesNoAttachmentAndNoBytes) {
  const uint64_t seed = crash_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay with FIELDSYNC_CRASH_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  const std::string db = dir.file("device.db");
  const std::vector<ReportedLine> reported = kill_repeatedly("--attachments", db, rng);
  ASSERT_FALSE(reported.empty());
  check_attachments(db, reported);
  std::printf("seed %llu: %zu attachments reported over %d kills\n",
              static_cast<unsigned long long>(seed), reported.size(), kRounds + 1);
}

}  // namespace
}  // namespace fieldsync
