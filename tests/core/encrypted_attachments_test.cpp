// The attachments of an encrypted store (core/src/blob_file.h): no plaintext in a blob
// file, any range read back, a changed byte, a cut file, moved segments, a file swapped
// for another blob's and one sealed under another key each refused with what happened,
// downloads sealed as they arrive, and rekeying, also killed part-way. A plain store's
// files stay plain.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "attachments_fixture.h"
#include "blob_file.h"
#include "blob_rekey.h"
#include "fieldsync/database_key.h"
#include "page_cipher.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::photo_bytes;

// A run of bytes no sealed file may show; photos carry it at several places.
const std::string kTell = "fire door 3B wedged open with a folded leaflet, seen 09:12";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A JPEG-headed photo of `size` bytes with kTell written every 50,000 bytes, so that
// it falls inside and across segments.
std::string telling_photo(size_t size, unsigned seed) {
  std::string bytes = photo_bytes(size, seed);
  for (size_t at = 1000; at + kTell.size() < size; at += 50000)
    bytes.replace(at, kTell.size(), kTell);
  return bytes;
}

int64_t segment_offset(int64_t index) {
  return kBlobHeaderBytes + index * (kBlobSegmentBytes + kBlobSegmentOverhead);
}

void flip_byte(const std::string& path, int64_t offset) {
  std::string bytes = read_file(path);
  ASSERT_LT(offset, static_cast<int64_t>(bytes.size()));
  bytes[static_cast<size_t>(offset)] ^= 0x01;
  write_file(path, bytes);
}

class EncryptedAttachmentsTest : public AttachmentsTest {
 public:
  void SetUp() override {
    // The fixture's store, made again with a key (the fixture's own is plain).
    AttachmentsTest::SetUp();
    plain_finding_ = finding_;
    reopen(/*create=*/true);
  }

  DeviceStoreOptions options(const DatabaseKey& key) {
    DeviceStoreOptions o;
    o.clock = &clock_;
    o.key = key;
    return o;
  }

  void reopen(bool create, const DatabaseKey* key = nullptr) {
    attachments_.reset();
    store_.reset();
    const std::string path = dir_.file("secret.db");
    const DatabaseKey& use = key != nullptr ? *key : key_;
    store_ = create ? must(DeviceStore::create(path, {"K7Q2", "alice", "node1"}, options(use)))
                    : must(DeviceStore::open(path, options(use)));
    attachments_ = std::make_unique<AttachmentStore>(*store_);
    if (create) {
      estate_ = testing::seed_estate(*store_);
      FindingInput finding;
      finding.estate = estate_.estate;
      finding.category = "fire";
      finding.severity = "high";
      finding.description = "fire door wedged open";
      finding_ = must(FieldWork(*store_).report_finding(finding)).id;
    }
  }

  std::string blob_file(const std::string& sha256) { return attachments_->folder() + "/" + sha256; }

  std::string read_all(const std::string& sha256) {
    return must(attachments_->read(sha256, 0, int64_t{1} << 30));
  }

  DatabaseKey key_ = DatabaseKey::random();
  std::string plain_finding_;  // in the fixture's plain store
};

TEST_F(EncryptedAttachmentsTest, TheBlobFileHoldsNoneOfThePhotosBytes) {
  const std::string bytes = telling_photo(300 * 1024, 1);
  ASSERT_TRUE(contains(bytes, kTell));
  Attachment a = attach_bytes("door.jpg", bytes);
  EXPECT_EQ(a.sha256, Sha256::of(bytes));  // named by the plaintext, as the server names it
  EXPECT_EQ(a.size, 300 * 1024);
  EXPECT_TRUE(attachments_->encrypted());

  const std::string sealed = read_file(blob_file(a.sha256));
  EXPECT_FALSE(contains(sealed, kTell));
  EXPECT_FALSE(contains(sealed, bytes.substr(0, 16)));
  EXPECT_EQ(sealed.substr(0, 8), "FSBLOB01");
  EXPECT_EQ(static_cast<int64_t>(sealed.size()),
            kBlobHeaderBytes + 300 * 1024 + 5 * kBlobSegmentOverhead);  // 5 segments
  struct stat info {};
  ASSERT_EQ(::stat(blob_file(a.sha256).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(files_under(attachments_->folder()), std::vector<std::string>{a.sha256});

  EXPECT_EQ(read_all(a.sha256), bytes);
  EXPECT_TRUE(attachments_->verify(a.sha256).ok());
  auto path = attachments_->path_of(a.sha256);
  EXPECT_EQ(path.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(contains(path.status().message(), "export_to")) << path.status().message();
  // What users see and what counts against the queue are the photo's own bytes.
  BlobUsage usage = must(attachments_->usage());
  EXPECT_EQ(usage.local_bytes, 300 * 1024);
  EXPECT_EQ(usage.upload_bytes, 300 * 1024);

  // The same photo attached again is the same blob, sealed afresh (new IVs).
  attach_bytes("again.jpg", bytes);
  EXPECT_NE(read_file(blob_file(a.sha256)), sealed);
  EXPECT_EQ(read_all(a.sha256), bytes);
  EXPECT_EQ(count("SELECT count(*) FROM blobs"), 1);
}

TEST_F(EncryptedAttachmentsTest, APlainStoreKeepsPlainFiles) {
  AttachmentsTest::open_store(/*create=*/false);  // the fixture's plain store
  finding_ = plain_finding_;
  const std::string bytes = telling_photo(100 * 1024, 2);
  Attachment a = attach_bytes("door.jpg", bytes);
  EXPECT_FALSE(attachments_->encrypted());
  EXPECT_EQ(read_file(must(attachments_->path_of(a.sha256))), bytes);
  EXPECT_TRUE(contains(read_file(blob_file(a.sha256)), kTell));  // the search above finds it
  EXPECT_EQ(must(attachments_->read(a.sha256, 1000, kTell.size())), kTell);
  const std::string out = dir_.file("out.jpg");
  ASSERT_TRUE(attachments_->export_to(a.sha256, out).ok());
  EXPECT_EQ(read_file(out), bytes);
}

TEST_F(EncryptedAttachmentsTest, AnyRangeReadsBackAcrossSegments) {
  const std::string bytes = telling_photo(200000, 3);
  Attachment a = attach_bytes("door.jpg", bytes);
  for (int64_t offset : {int64_t{0}, int64_t{1}, kBlobSegmentBytes - 3, kBlobSegmentBytes,
                         2 * kBlobSegmentBytes + 17, int64_t{199990}}) {
    for (int64_t length : {int64_t{1}, int64_t{10}, kBlobSegmentBytes + 5, int64_t{1} << 20}) {
      const int64_t expected = std::min<int64_t>(length, 200000 - offset);
      EXPECT_EQ(must(attachments_->read(a.sha256, offset, length)),
                bytes.substr(static_cast<size_t>(offset), static_cast<size_t>(expected)))
          << offset << " " << length;
    }
  }
  EXPECT_EQ(must(attachments_->read(a.sha256, 200000, 10)), "");
  EXPECT_EQ(must(attachments_->read(a.sha256, int64_t{1} << 40, 10)), "");
  EXPECT_EQ(attachments_->read(a.sha256, -1, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(attachments_->read(std::string(64, 'b'), 0, 10).status().code(), StatusCode::kNotFound);

  const std::string out = dir_.file("export/door.jpg");
  fs::create_directories(dir_.file("export"));
  ASSERT_TRUE(attachments_->export_to(a.sha256, out).ok());
  EXPECT_EQ(read_file(out), bytes);
  struct stat info {};
  ASSERT_EQ(::stat(out.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(files_under(dir_.file("export")), std::vector<std::string>{"door.jpg"});
}

TEST_F(EncryptedAttachmentsTest, AFlippedByteIsRefusedNamingItsSegmentAndGivesNothing) {
  const std::string bytes = telling_photo(200000, 4);
  Attachment a = attach_bytes("door.jpg", bytes);
  flip_byte(blob_file(a.sha256), segment_offset(1) + 12 + 500);

  auto damaged = attachments_->read(a.sha256, kBlobSegmentBytes, 100);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(damaged.status().message(), "segment 2 of 4 of '" + blob_file(a.sha256) +
                                                       "' fails its authentication check"))
      << damaged.status().message();
  // A range that does not touch it is still the photo's, checked.
  EXPECT_EQ(must(attachments_->read(a.sha256, 0, 1000)), bytes.substr(0, 1000));
  EXPECT_EQ(attachments_->read(a.sha256, 0, 1 << 20).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(attachments_->verify(a.sha256).code(), StatusCode::kCorruption);
  const std::string out = dir_.file("out.jpg");
  Status exported = attachments_->export_to(a.sha256, out);
  EXPECT_EQ(exported.code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(exported.message(), "nothing was written to '" + out + "'"))
      << exported.message();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".part"));

  // A flipped IV or tag is refused the same way.
  Attachment b = attach_bytes("other.jpg", telling_photo(1000, 5));
  flip_byte(blob_file(b.sha256), kBlobHeaderBytes + 3);
  EXPECT_EQ(attachments_->read(b.sha256, 0, 10).status().code(), StatusCode::kCorruption);
}

TEST_F(EncryptedAttachmentsTest, ACutFileIsRefused) {
  const std::string bytes = telling_photo(200000, 6);
  Attachment a = attach_bytes("door.jpg", bytes);
  const std::string sealed = read_file(blob_file(a.sha256));

  // After two whole segments: the second was not sealed as the last.
  write_file(blob_file(a.sha256), sealed.substr(0, static_cast<size_t>(segment_offset(2))));
  auto cut = attachments_->read(a.sha256, 0, 10);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(cut.status().message(), "it was cut short")) << cut.status().message();
  // The file's own reading says where it ends (the store first sees the size is short).
  const BlobKeys keys = derive_blob_keys(key_);
  auto reader = must(BlobReader::open(blob_file(a.sha256), a.sha256, &keys));
  auto whole = reader->read(0, 1 << 20);
  EXPECT_TRUE(contains(whole.status().message(),
                       "it ends with segment 2, which was not sealed as the last"))
      << whole.status().message();

  // Inside a segment.
  write_file(blob_file(a.sha256), sealed.substr(0, static_cast<size_t>(segment_offset(2) + 20)));
  cut = attachments_->read(a.sha256, 0, 10);
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(cut.status().message(), "cut short")) << cut.status().message();
}

TEST_F(EncryptedAttachmentsTest, TwoSwappedSegmentsAreRefused) {
  const std::string bytes = telling_photo(200000, 7);
  Attachment a = attach_bytes("door.jpg", bytes);
  std::string sealed = read_file(blob_file(a.sha256));
  const auto whole = static_cast<size_t>(kBlobSegmentBytes + kBlobSegmentOverhead);
  const std::string first = sealed.substr(static_cast<size_t>(segment_offset(0)), whole);
  const std::string second = sealed.substr(static_cast<size_t>(segment_offset(1)), whole);
  sealed.replace(static_cast<size_t>(segment_offset(0)), whole, second);
  sealed.replace(static_cast<size_t>(segment_offset(1)), whole, first);
  write_file(blob_file(a.sha256), sealed);
  auto swapped = attachments_->read(a.sha256, 0, 10);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(swapped.status().message(), "segment 1 of 4")) << swapped.status().message();
  EXPECT_EQ(attachments_->read(a.sha256, kBlobSegmentBytes, 10).status().code(),
            StatusCode::kCorruption);
}

TEST_F(EncryptedAttachmentsTest, AFileSwappedForAnotherBlobsIsRefused) {
  Attachment a = attach_bytes("a.jpg", telling_photo(100000, 8));
  Attachment b = attach_bytes("b.jpg", telling_photo(100000, 9));  // the same size
  Attachment c = attach_bytes("c.jpg", telling_photo(70000, 10));
  const std::string b_file = read_file(blob_file(b.sha256));
  write_file(blob_file(b.sha256), read_file(blob_file(a.sha256)));
  auto same_size = attachments_->read(b.sha256, 0, 10);
  ASSERT_FALSE(same_size.ok());
  EXPECT_EQ(same_size.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(same_size.status().message(), "or it holds another blob's bytes"))
      << same_size.status().message();
  // A whole segment of another blob at its own place is refused too.
  std::string mixed = b_file;
  const auto whole = static_cast<size_t>(kBlobSegmentBytes + kBlobSegmentOverhead);
  mixed.replace(
      static_cast<size_t>(segment_offset(0)), whole,
      read_file(blob_file(a.sha256)).substr(static_cast<size_t>(segment_offset(0)), whole));
  write_file(blob_file(b.sha256), mixed);
  EXPECT_EQ(attachments_->read(b.sha256, 0, 10).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(must(attachments_->read(b.sha256, kBlobSegmentBytes, 10)),
            telling_photo(100000, 9).substr(static_cast<size_t>(kBlobSegmentBytes), 10));

  write_file(blob_file(c.sha256), read_file(blob_file(a.sha256)));  // another size
  auto other_size = attachments_->read(c.sha256, 0, 10);
  EXPECT_EQ(other_size.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(other_size.status().message(), "its attachment record says 70000"))
      << other_size.status().message();
}

TEST_F(EncryptedAttachmentsTest, AFileSealedUnderAnotherKeyOrInClearIsRefused) {
  const std::string bytes = telling_photo(5000, 11);
  Attachment a = attach_bytes("door.jpg", bytes);
  const std::string mine = read_file(blob_file(a.sha256));
  // The same photo in another encrypted store, under its own key.
  {
    DeviceStoreOptions other = options(DatabaseKey::random());
    auto store = must(DeviceStore::create(dir_.file("other.db"), {"K7Q3", "bob", "node2"}, other));
    const testing::Estate estate = testing::seed_estate(*store);
    WorkOrderInput order;
    order.household = estate.household;
    order.category = "plumbing";
    order.description = "leak";
    const std::string id = must(FieldWork(*store).open_work_order(order)).id;
    must(AttachmentStore(*store).attach("work_orders", id, source("door2.jpg", bytes)));
  }
  write_file(blob_file(a.sha256), read_file(dir_.file("other.db.blobs/" + a.sha256)));
  auto foreign = attachments_->read(a.sha256, 0, 10);
  EXPECT_EQ(foreign.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(
      contains(foreign.status().message(), "was sealed under another key than this database's"))
      << foreign.status().message();

  write_file(blob_file(a.sha256), bytes);
  auto clear = attachments_->read(a.sha256, 0, 10);
  EXPECT_EQ(clear.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(clear.status().message(), "is not a sealed blob file"))
      << clear.status().message();

  write_file(blob_file(a.sha256), mine);
  EXPECT_EQ(read_all(a.sha256), bytes);
}

TEST_F(EncryptedAttachmentsTest, DownloadsAreSealedAsTheyArriveAndGoOnFromWholeSegments) {
  const std::string bytes = telling_photo(300000, 12);
  Record pulled = pulled_attachment(bytes);
  const std::string hash = pulled.fields["sha256"];
  ASSERT_TRUE(store_->apply_pull_page({pulled}, {{pulled.bucket, 1}}).ok());

  {
    auto download = must(attachments_->begin_download(hash));
    EXPECT_EQ(download->offset(), 0);
    for (size_t at = 0; at < 150000; at += 10000) {
      ASSERT_TRUE(download->append(std::string_view(bytes).substr(at, 10000)).ok());
    }
    EXPECT_EQ(download->offset(), 150000);
  }  // the connection broke: the segment still filling is lost
  EXPECT_FALSE(contains(read_file(attachments_->download_path(hash)), kTell));
  auto download = must(attachments_->begin_download(hash));
  EXPECT_EQ(download->offset(), 2 * kBlobSegmentBytes);
  EXPECT_EQ(download->append(std::string(300001 - 2 * kBlobSegmentBytes, 'x')).code(),
            StatusCode::kInvalidArgument);  // past the blob's size
  const size_t from = static_cast<size_t>(download->offset());
  ASSERT_TRUE(download->append(std::string_view(bytes).substr(from, 99999)).ok());
  ASSERT_TRUE(download->append(std::string_view(bytes).substr(from + 99999)).ok());
  EXPECT_EQ(download->offset(), 300000);
  download.reset();
  ASSERT_TRUE(attachments_->adopt_download(hash).ok());
  EXPECT_EQ(read_all(hash), bytes);
  EXPECT_FALSE(contains(read_file(blob_file(hash)), kTell));
  EXPECT_EQ(must(attachments_->find(hash)).state, "synced");

  // A download damaged on disk is discarded at adoption, whatever was damaged.
  ASSERT_EQ(must(attachments_->reclaim()), 300000);
  download = must(attachments_->begin_download(hash));
  ASSERT_TRUE(download->append(bytes).ok());
  download.reset();
  flip_byte(attachments_->download_path(hash), segment_offset(3) + 40);
  Status damaged = attachments_->adopt_download(hash);
  EXPECT_EQ(damaged.code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(damaged.message(), "fails its authentication check")) << damaged.message();
  EXPECT_FALSE(fs::exists(attachments_->download_path(hash)));
  EXPECT_EQ(attachments_->read(hash, 0, 10).status().code(), StatusCode::kNotFound);
}

// Photos of several segments each, attached to the store at `path` (encrypted under
// `key`); returns their bytes by hash.
std::map<std::string, std::string> attach_photos(EncryptedAttachmentsTest& test, int count) {
  std::map<std::string, std::string> photos;
  for (int i = 0; i < count; ++i) {
    const std::string bytes = telling_photo(70000 + 30000 * static_cast<size_t>(i), 20 + i);
    photos[test.attach_bytes("photo" + std::to_string(i) + ".jpg", bytes).sha256] = bytes;
  }
  return photos;
}

TEST_F(EncryptedAttachmentsTest, RekeyingReSealsEveryBlobUnderTheNewKey) {
  const auto photos = attach_photos(*this, 4);
  std::map<std::string, std::string> before;
  for (const auto& [hash, bytes] : photos) before[hash] = read_file(blob_file(hash));
  const std::string folder = attachments_->folder();
  attachments_.reset();
  store_.reset();
  const DatabaseKey next = DatabaseKey::random();
  ASSERT_TRUE(rekey_device_database(dir_.file("secret.db"), key_, next).ok());
  EXPECT_EQ(files_under(folder).size(), photos.size()) << "no copy is left in tmp/";
  const BlobKeys next_keys = derive_blob_keys(next);
  for (const auto& [hash, bytes] : photos) {
    EXPECT_TRUE(blob_file_sealed_under(folder + "/" + hash, next_keys)) << hash;
    EXPECT_NE(read_file(folder + "/" + hash), before[hash]);
  }
  reopen(/*create=*/false, &next);
  for (const auto& [hash, bytes] : photos) EXPECT_EQ(read_all(hash), bytes);
}

TEST_F(EncryptedAttachmentsTest, ADamagedBlobStopsARekeyAndChangesNothing) {
  const auto photos = attach_photos(*this, 3);
  const std::string damaged = photos.rbegin()->first;
  flip_byte(blob_file(damaged), segment_offset(1) + 100);
  const std::string folder = attachments_->folder();
  const std::string db_before = read_file(dir_.file("secret.db"));
  attachments_.reset();
  store_.reset();
  Status status = rekey_device_database(dir_.file("secret.db"), key_, DatabaseKey::random());
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  EXPECT_TRUE(contains(status.message(), folder + "/" + damaged)) << status.message();
  EXPECT_TRUE(contains(status.message(), "nothing was changed")) << status.message();
  EXPECT_EQ(files_under(folder).size(), photos.size()) << "no copy is left in tmp/";
  reopen(/*create=*/false);
  for (const auto& [hash, bytes] : photos) {
    if (hash != damaged) {
      EXPECT_EQ(read_all(hash), bytes);
    }
  }
}

// The two moments a kill can stop a rekey, one at a time: the copies are sealed and
// the database has not moved; the database has moved and the copies have not.
TEST_F(EncryptedAttachmentsTest, ARekeyStoppedBeforeTheDatabaseMovedLeavesEveryBlobUnderTheOldKey) {
  const auto photos = attach_photos(*this, 3);
  const std::string folder = attachments_->folder();
  attachments_.reset();
  store_.reset();
  const DatabaseKey next = DatabaseKey::random();
  ASSERT_TRUE(seal_blob_copies(folder, key_, next).ok());
  EXPECT_EQ(files_under(folder).size(), 2 * photos.size());

  reopen(/*create=*/false);  // the old key opens the database, and reads every blob
  for (const auto& [hash, bytes] : photos) EXPECT_EQ(read_all(hash), bytes);
  EXPECT_EQ(files_under(folder).size(), 2 * photos.size()) << "copies under another key stay";
  // reclaim-space sweeps them once they are old.
  for (const auto& name : files_under(folder)) {
    if (name.rfind("tmp/", 0) == 0) {
      fs::last_write_time(folder + "/" + name,
                          fs::file_time_type::clock::now() - std::chrono::hours(2));
    }
  }
  must(attachments_->reclaim(0));
  EXPECT_EQ(files_under(folder).size(), photos.size());

  // A rekey again, to yet another key, goes through.
  ASSERT_TRUE(seal_blob_copies(folder, key_, next).ok());
  attachments_.reset();
  store_.reset();
  const DatabaseKey third = DatabaseKey::random();
  ASSERT_TRUE(rekey_device_database(dir_.file("secret.db"), key_, third).ok());
  reopen(/*create=*/false, &third);
  for (const auto& [hash, bytes] : photos) EXPECT_EQ(read_all(hash), bytes);
  EXPECT_EQ(files_under(folder).size(), photos.size());
}

TEST_F(EncryptedAttachmentsTest, ARekeyStoppedAfterTheDatabaseMovedIsFinishedByTheNextOpen) {
  const auto photos = attach_photos(*this, 3);
  const std::string folder = attachments_->folder();
  attachments_.reset();
  store_.reset();
  const DatabaseKey next = DatabaseKey::random();
  ASSERT_TRUE(seal_blob_copies(folder, key_, next).ok());
  ASSERT_TRUE(reencrypt_database_file(dir_.file("secret.db"), key_, next).ok());
  // One copy was moved into place before the kill.
  const std::string moved = photos.begin()->first;
  fs::rename(folder + "/tmp/" + moved + ".rekeyed", folder + "/" + moved);

  reopen(/*create=*/false, &next);
  EXPECT_EQ(files_under(folder).size(), photos.size()) << "every copy was moved into place";
  for (const auto& [hash, bytes] : photos) EXPECT_EQ(read_all(hash), bytes);
}

// A real kill, at a different moment each round, of a process rekeying back and forth
// between two keys: afterwards one of the keys opens the database, and that key reads
// every photo.
TEST_F(EncryptedAttachmentsTest, ARekeyKilledAnywhereLeavesEveryBlobReadableWithTheKeyThatOpens) {
  const auto photos = attach_photos(*this, 8);
  attachments_.reset();
  store_.reset();
  const std::string path = dir_.file("secret.db");
  DatabaseKey keys[2] = {key_, DatabaseKey::random()};
  int current = 0;
  for (int round = 0; round < 10; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int k = current;; k = 1 - k) {
        if (!rekey_device_database(path, keys[k], keys[1 - k]).ok()) ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 29 * round));
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "the rekeying child stopped by itself with " << WEXITSTATUS(wstatus);
    auto opened = DeviceStore::open(path, options(keys[current]));
    if (!opened.ok()) {
      current = 1 - current;
      opened = DeviceStore::open(path, options(keys[current]));
    }
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    AttachmentStore attachments(**opened);
    for (const auto& [hash, bytes] : photos) {
      EXPECT_EQ(must(attachments.read(hash, 0, 1 << 20)), bytes) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace fieldsync
