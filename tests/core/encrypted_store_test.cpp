// The encrypted device store (core/src/encrypted_vfs.h): no plaintext in the database
// file or its WAL, a wrong key and a missing key refused with what to do, a changed
// page detected and named, a writer killed mid-write recovered, and rekeying.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fieldsync/database_key.h"
#include "fieldsync/device_store.h"
#include "page_cipher.h"
#include "test_support.h"

namespace fieldsync {
namespace {

using testing::must;
using testing::TempDir;

// A name no page of an encrypted store may show.
constexpr const char* kOwner = "Wanjiru Kamau-Otieno";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class EncryptedStoreTest : public ::testing::Test {
 protected:
  DeviceStoreOptions options(const DatabaseKey& key) const {
    DeviceStoreOptions o;
    o.key = key;
    return o;
  }

  std::unique_ptr<DeviceStore> create(const DatabaseKey& key) {
    return must(DeviceStore::create(path_, {"K7Q2", "alice", "node1"}, options(key)));
  }

  Record add_owner(DeviceStore& store, const std::string& name) {
    return must(store.insert("estates", {{"name", name}}));
  }

  TempDir dir_;
  std::string path_ = dir_.file("device.db");
  DatabaseKey key_ = DatabaseKey::random();
};

TEST(DatabaseKeyTest, ReadsSixtyFourHexDigitsAndRefusesAnythingElse) {
  const DatabaseKey key = DatabaseKey::random();
  EXPECT_EQ(must(DatabaseKey::from_hex("  " + key.hex() + "\n")), key);
  EXPECT_NE(DatabaseKey::random(), key);
  EXPECT_EQ(DatabaseKey::from_hex(key.hex().substr(1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(DatabaseKey::from_hex(std::string(64, 'g')).ok());
  EXPECT_FALSE(DatabaseKey::from_bytes("short").ok());
  EXPECT_TRUE(DatabaseKey::from_bytes(std::string(32, '\x01')).ok());
}

TEST(PageCipherTest, EverySealHasAFreshIvEvenAcrossAFork) {
  PageCipher cipher(derive_page_keys(DatabaseKey::random()));
  std::array<unsigned char, 4096> plain{};
  std::array<unsigned char, 4096> sealed{};
  std::array<unsigned char, 4096> again{};
  const size_t iv_at = 4096 - 32;  // the IV starts the reserved bytes
  ASSERT_TRUE(cipher.seal(2, plain.data(), sealed.data()));
  ASSERT_TRUE(cipher.seal(2, plain.data(), again.data()));
  EXPECT_NE(std::memcmp(sealed.data() + iv_at, again.data() + iv_at, 12), 0);
  std::array<unsigned char, 4096> opened{};
  ASSERT_TRUE(cipher.open(2, again.data(), opened.data()));
  EXPECT_EQ(opened, plain);
  EXPECT_FALSE(cipher.open(3, again.data(), opened.data())) << "a page read at another number";

  // IVs come in batches: a forked child must not take the next IV of its parent's.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::array<unsigned char, 4096> mine{};
    const bool sealed_ok = cipher.seal(2, plain.data(), mine.data());
    ::_exit(sealed_ok && ::write(fds[1], mine.data() + iv_at, 12) == 12 ? 0 : 1);
  }
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  unsigned char child_iv[12];
  ASSERT_EQ(::read(fds[0], child_iv, sizeof(child_iv)), 12);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_TRUE(cipher.seal(2, plain.data(), sealed.data()));
  EXPECT_NE(std::memcmp(sealed.data() + iv_at, child_iv, 12), 0);
}

TEST_F(EncryptedStoreTest, ReopensWithItsKeyAndTheFilesAreTheOwnersOnly) {
  const std::string id = add_owner(*create(key_), kOwner).id;
  auto store = must(DeviceStore::open(path_, options(key_)));
  EXPECT_EQ(must(store->get("estates", id)).fields["name"], kOwner);
  EXPECT_TRUE(store->check_integrity().ok());
  struct stat info {};
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(EncryptedStoreTest, PlainStoresAreCreatedForTheOwnerOnlyToo) {
  must(DeviceStore::create(path_, {"K7Q2", "alice", "node1"}));
  struct stat info {};
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(EncryptedStoreTest, NeitherTheDatabaseNorItsWalHoldsThePlaintext) {
  auto store = create(key_);
  for (int i = 0; i < 50; ++i) add_owner(*store, std::string(kOwner) + " " + std::to_string(i));
  ASSERT_TRUE(store->set_sync_value("device_token", "token-in-clear-0123456789abcdef").ok());
  // The store is open: the last writes are WAL frames not yet checkpointed.
  const std::string wal = read_file(path_ + "-wal");
  ASSERT_GT(wal.size(), 32u + 24u + 4096u) << "the writes should be in the WAL";
  EXPECT_FALSE(contains(wal, kOwner));
  EXPECT_FALSE(contains(wal, "token-in-clear"));
  EXPECT_FALSE(contains(read_file(path_), kOwner));
  store.reset();  // checkpointed into the database file
  const std::string db = read_file(path_);
  EXPECT_GE(db.size(), 4u * 4096u);
  EXPECT_FALSE(contains(db, kOwner));
  EXPECT_FALSE(contains(db, "token-in-clear"));
  EXPECT_FALSE(contains(db, "SQLite format 3"));
  EXPECT_FALSE(contains(db, "CREATE TABLE"));

  // The same writes in a plain store show the name: the search above can find it.
  const std::string plain_path = dir_.file("plain.db");
  auto plain = must(DeviceStore::create(plain_path, {"K7Q2", "alice", "node1"}));
  add_owner(*plain, kOwner);
  plain.reset();
  EXPECT_TRUE(contains(read_file(plain_path), kOwner));
}

TEST_F(EncryptedStoreTest, TwoConnectionsShareTheEncryptedWal) {
  auto writer = create(key_);
  auto reader = must(DeviceStore::open(path_, options(key_)));
  const std::string id = add_owner(*writer, kOwner).id;
  EXPECT_EQ(must(reader->get("estates", id)).fields["name"], kOwner);
  must(reader->update("estates", id, {{"name", "Renamed by the reader"}}));
  EXPECT_EQ(must(writer->get("estates", id)).fields["name"], "Renamed by the reader");
}

TEST_F(EncryptedStoreTest, CheckpointsCarryTheWalIntoTheEncryptedFile) {
  std::string first;
  {
    DeviceStoreOptions fast = options(key_);
    fast.synchronous_full = false;
    auto store = must(DeviceStore::create(path_, {"K7Q2", "alice", "node1"}, fast));
    // Enough pages for SQLite's automatic checkpoints (every 1000 WAL frames).
    for (int i = 0; i < 1500; ++i) {
      const std::string id = add_owner(*store, std::string(kOwner) + " " + std::to_string(i)).id;
      if (i == 0) first = id;
    }
    EXPECT_TRUE(store->check_integrity().ok());
    EXPECT_GT(std::filesystem::file_size(path_), 100u * 4096u) << "checkpoints wrote pages";
  }
  auto store = must(DeviceStore::open(path_, options(key_)));
  EXPECT_TRUE(store->check_integrity().ok());
  EXPECT_EQ(must(store->get("estates", first)).fields["name"], std::string(kOwner) + " 0");
  EXPECT_FALSE(contains(read_file(path_), kOwner));
}

TEST_F(EncryptedStoreTest, AWrongKeyIsRefusedWithAClearMessage) {
  add_owner(*create(key_), kOwner);
  auto opened = DeviceStore::open(path_, options(DatabaseKey::random()));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(contains(opened.status().message(), "the key does not open '" + path_ + "'"))
      << opened.status().message();
  EXPECT_TRUE(must(DeviceStore::open(path_, options(key_)))->check_integrity().ok());
}

TEST_F(EncryptedStoreTest, AnEncryptedStoreWithoutItsKeyIsRefused) {
  add_owner(*create(key_), kOwner);
  auto opened = DeviceStore::open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(contains(opened.status().message(), "is encrypted: give its key (--key-file FILE"))
      << opened.status().message();
}

TEST_F(EncryptedStoreTest, APlainStoreOpenedWithAKeyIsRefused) {
  must(DeviceStore::create(path_, {"K7Q2", "alice", "node1"}));
  auto opened = DeviceStore::open(path_, options(key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(contains(opened.status().message(), "is not encrypted")) << opened.status().message();
  EXPECT_TRUE(must(DeviceStore::open(path_))->check_integrity().ok());
}

// Flips one byte of the database file at `offset`.
void flip_byte(const std::string& path, off_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  unsigned char byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, offset), 1);
  byte ^= 0x01;
  ASSERT_EQ(::pwrite(fd, &byte, 1, offset), 1);
  ::close(fd);
}

TEST_F(EncryptedStoreTest, AChangedPageIsReportedAsDamageNamingThePage) {
  {
    auto store = create(key_);
    for (int i = 0; i < 200; ++i) add_owner(*store, std::string(kOwner) + " " + std::to_string(i));
  }
  const auto size = static_cast<off_t>(std::filesystem::file_size(path_));
  const off_t last_page = size / 4096;
  flip_byte(path_, (last_page - 1) * 4096 + 1000);
  // The page is read when the store opens or when every page is checked: either way
  // the read fails as damage, never as different data.
  Status status;
  auto opened = DeviceStore::open(path_, options(key_));
  if (!opened.ok()) {
    status = opened.status();
  } else {
    status = (*opened)->check_integrity();
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  EXPECT_TRUE(contains(status.message(), "page " + std::to_string(last_page) + " of '" + path_ +
                                             "' fails its authentication check"))
      << status.message();
}

TEST_F(EncryptedStoreTest, AChangedFirstPageIsReportedAsDamageNotAsAForeignFile) {
  add_owner(*create(key_), kOwner);
  flip_byte(path_, 200);
  auto opened = DeviceStore::open(path_, options(key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption) << opened.status().to_string();
  EXPECT_TRUE(contains(opened.status().message(),
                       "page 1 of '" + path_ + "' fails its authentication check"))
      << opened.status().message();
}

TEST_F(EncryptedStoreTest, AChangedWalFrameIsReportedAsDamage) {
  auto writer = create(key_);
  const std::string id = add_owner(*writer, kOwner).id;
  must(writer->update("estates", id, {{"name", "Second name"}}));
  // A byte of the last frame's page image changes; another connection then reads the
  // store through the WAL index the writer keeps.
  const auto wal_size = static_cast<off_t>(std::filesystem::file_size(path_ + "-wal"));
  flip_byte(path_ + "-wal", wal_size - 2000);
  auto reader = DeviceStore::open(path_, options(key_));
  const Status status = reader.ok() ? (*reader)->check_integrity() : reader.status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  EXPECT_TRUE(contains(status.message(),
                       "in the WAL of '" + path_ + "-wal' fails its authentication check"))
      << status.message();
}

TEST_F(EncryptedStoreTest, AWriterKilledMidWriteLeavesACommittedWholeStore) {
  create(key_).reset();
  for (int round = 0; round < 3; ++round) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // the writer: one estate per transaction, each reported once committed
      ::close(pipe_fds[0]);
      auto store = DeviceStore::open(path_, options(key_));
      if (!store.ok()) ::_exit(2);
      for (int i = 0;; ++i) {
        auto written =
            (*store)->insert("estates", {{"name", std::string(kOwner) + " " + std::to_string(i)}});
        if (!written.ok()) ::_exit(3);
        const char tick = 'w';
        if (::write(pipe_fds[1], &tick, 1) != 1) ::_exit(4);
      }
    }
    ::close(pipe_fds[1]);
    int committed = 0;
    char tick = 0;
    // Kill it at a different point each round, while it writes.
    while (committed < 40 + 37 * round && ::read(pipe_fds[0], &tick, 1) == 1) ++committed;
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    while (::read(pipe_fds[0], &tick, 1) == 1) ++committed;  // reported before the kill landed
    ::close(pipe_fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "the writer stopped by itself with " << WEXITSTATUS(wstatus);

    auto store = must(DeviceStore::open(path_, options(key_)));
    EXPECT_TRUE(store->check_integrity().ok());
    const int64_t rows =
        must(store->query("SELECT count(*) FROM records WHERE collection = 'estates'", {}))
            .at(0)
            .at(0)
            .get<int64_t>();
    EXPECT_GE(rows, committed) << "round " << round;
  }
}

TEST_F(EncryptedStoreTest, RekeyingMovesEveryPageToTheNewKey) {
  std::string id;
  {
    auto store = create(key_);
    for (int i = 0; i < 100; ++i)
      id = add_owner(*store, std::string(kOwner) + " " + std::to_string(i)).id;
  }
  const DatabaseKey next = DatabaseKey::random();
  ASSERT_TRUE(rekey_device_database(path_, key_, next).ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".rekeying"));
  auto old = DeviceStore::open(path_, options(key_));
  ASSERT_FALSE(old.ok());
  EXPECT_TRUE(contains(old.status().message(), "the key does not open")) << old.status().message();
  auto store = must(DeviceStore::open(path_, options(next)));
  EXPECT_TRUE(store->check_integrity().ok());
  EXPECT_EQ(must(store->get("estates", id)).fields["name"], std::string(kOwner) + " 99");
  EXPECT_FALSE(contains(read_file(path_), kOwner));
  struct stat info {};
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(EncryptedStoreTest, RekeyingIsRefusedWithTheWrongKeyOrWhileTheStoreIsOpen) {
  auto store = create(key_);
  add_owner(*store, kOwner);
  const DatabaseKey next = DatabaseKey::random();
  Status busy = rekey_device_database(path_, key_, next);
  EXPECT_EQ(busy.code(), StatusCode::kFailedPrecondition) << busy.to_string();
  store.reset();
  Status wrong = rekey_device_database(path_, next, DatabaseKey::random());
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied) << wrong.to_string();
  // Neither touched it.
  EXPECT_TRUE(must(DeviceStore::open(path_, options(key_)))->check_integrity().ok());
}

TEST_F(EncryptedStoreTest, ADamagedPageStopsARekeyAndLeavesTheStoreUnderItsKey) {
  {
    auto store = create(key_);
    for (int i = 0; i < 100; ++i) add_owner(*store, std::string(kOwner) + " " + std::to_string(i));
  }
  const std::string before = read_file(path_);
  const auto pages = static_cast<off_t>(before.size() / 4096);
  flip_byte(path_, (pages - 1) * 4096 + 10);
  const std::string damaged = read_file(path_);
  Status status = rekey_device_database(path_, key_, DatabaseKey::random());
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  EXPECT_TRUE(contains(status.message(), "page " + std::to_string(pages))) << status.message();
  EXPECT_EQ(read_file(path_), damaged);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".rekeying"));
}

}  // namespace
}  // namespace fieldsync
