// Attachments against the real fieldsync-server over HTTP: the bytes go up after the
// records, in chunks; a connection broken mid-upload resumes from the last chunk the
// server confirmed; a chunk or a blob damaged on the way is refused and sent again,
// never stored; the same photo from two phones is stored once; a blob outside a
// device's buckets is refused both ways; downloads are lazy, or prefetched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fieldsync/attachments.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kChunk = 256 * 1024;

int64_t offset_in(const std::string& path) {
  const size_t at = path.find("offset=");
  return at == std::string::npos ? -1 : std::stoll(path.substr(at + 7));
}

// The device's link for one test: it can break the connection for good at the n-th
// chunk upload, lose the server's answer to one, or damage one's bytes on the way
// (with `consistent`, also their chunk_sha256, so only the whole blob's hash shows it).
class BlobLink final : public HttpTransport {
 public:
  explicit BlobLink(HttpTransport& inner) : inner_(inner) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (down_) return Status::unavailable("the connection is down");
    if (request.method != "PUT") return inner_.send(request);
    ++puts_;
    put_offsets_.push_back(offset_in(request.path));
    if (puts_ == break_at_) {
      down_ = true;
      return Status::unavailable("the connection broke mid-upload");
    }
    if (puts_ == lose_answer_at_) {
      (void)inner_.send(request);
      return Status::unavailable("the answer was lost");
    }
    if (puts_ == damage_at_) {
      HttpRequest damaged = request;
      damaged.body[damaged.body.size() / 2] ^= 0x5A;
      if (consistent_) {
        const size_t at = damaged.path.find("chunk_sha256=") + 13;
        damaged.path.replace(at, 64, Sha256::of(damaged.body));
      }
      return inner_.send(damaged);
    }
    return inner_.send(request);
  }

  void break_at(int put) { break_at_ = put; }
  void lose_answer_at(int put) { lose_answer_at_ = put; }
  void damage_at(int put, bool consistent) {
    damage_at_ = put;
    consistent_ = consistent;
  }
  void restore() { down_ = false; }
  void forget() {
    puts_ = 0;
    put_offsets_.clear();
    break_at_ = lose_answer_at_ = damage_at_ = 0;
  }
  const std::vector<int64_t>& put_offsets() const { return put_offsets_; }

 private:
  HttpTransport& inner_;
  bool down_ = false;
  int puts_ = 0;
  int break_at_ = 0;
  int lose_answer_at_ = 0;
  int damage_at_ = 0;
  bool consistent_ = false;
  std::vector<int64_t> put_offsets_;
};

class AttachmentTest : public ServerTest {
 protected:
  // A work order on household A, so collectors of Block A see it and of Block B not.
  std::string work_order(FieldDevice& device) {
    WorkOrderInput order;
    order.household = ref_.household_a;
    order.category = "plumbing";
    order.description = "leak under the sink";
    return must(device.work().open_work_order(order)).id;
  }

  Attachment attach(FieldDevice& device, const std::string& order, const std::string& file) {
    return must(AttachmentStore(*device.store).attach("work_orders", order, file));
  }

  // A replicator for `device` through `link`, with small chunks.
  std::unique_ptr<Replicator> replicator(FieldDevice& device, HttpTransport& link) {
    ReplicatorOptions options;
    options.sleeper = &sleeper_;
    options.jitter_seed = 7;
    options.blob_chunk = kChunk;
    return std::make_unique<Replicator>(*device.store, link, options);
  }

  std::string server_blobs() const { return server_.database() + ".blobs"; }

  // The server holds the blob whole, under its name, and its bytes match it.
  void expect_server_has(const std::string& sha256) {
    const std::string path = server_blobs() + "/" + sha256;
    ASSERT_TRUE(fs::exists(path)) << path;
    EXPECT_EQ(must(Sha256::of_file(path)), sha256);
  }

  // Every complete blob on the server matches its name: nothing damaged was stored.
  void expect_server_blobs_whole() {
    for (const auto& entry : fs::directory_iterator(server_blobs())) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (!is_sha256_hex(name)) continue;
      EXPECT_EQ(must(Sha256::of_file(entry.path().string())), name);
    }
  }

  int64_t server_blob_count() const {
    int64_t n = 0;
    for (const auto& entry : fs::directory_iterator(server_blobs())) {
      n += entry.is_regular_file() && is_sha256_hex(entry.path().filename().string());
    }
    return n;
  }
};

TEST_F(AttachmentTest, RecordsGoFirstAndTheBytesFollowInChunks) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const std::string order = work_order(alice);
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, 5 * kChunk + 100, 1);
  Attachment attached = attach(alice, order, photo);
  EXPECT_EQ(attached.sha256, hash);
  EXPECT_EQ(attached.state, "upload");
  EXPECT_EQ(must(Replicator::read_status(*alice.store)).upload_bytes, 5 * kChunk + 100);

  BlobLink link(*alice.link);
  SyncReport report = must(replicator(alice, link)->sync());
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_EQ(report.blob_bytes_sent, 5 * kChunk + 100);
  EXPECT_EQ(link.put_offsets(), (std::vector<int64_t>{0, kChunk, 2 * kChunk, 3 * kChunk, 4 * kChunk, 5 * kChunk}));
  expect_server_has(hash);
  EXPECT_TRUE(server_records().count(attached.record.id));
  Attachment after = must(AttachmentStore(*alice.store).find(attached.record.id));
  EXPECT_EQ(after.state, "synced");
  EXPECT_EQ(must(Replicator::read_status(*alice.store)).upload_bytes, 0);

  // Nothing left to send: the next sync sends no byte.
  link.forget();
  EXPECT_EQ(must(replicator(alice, link)->sync()).blob_bytes_sent, 0);
  EXPECT_TRUE(link.put_offsets().empty());
}

TEST_F(AttachmentTest, ABrokenUploadResumesFromTheLastChunkTheServerConfirmed) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const std::string photo = dir_.file("leak.jpg");
  const int64_t size = 6 * kChunk + 17;
  const std::string hash = write_photo(photo, size, 2);
  Attachment attached = attach(alice, work_order(alice), photo);

  BlobLink link(*alice.link);
  link.break_at(3);  // two chunks arrive, then the signal is gone
  Result<SyncReport> broken = replicator(alice, link)->sync();
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(broken.status().retryable()) << broken.status().to_string();
  // The records are on the server already; the bytes are not.
  EXPECT_TRUE(server_records().count(attached.record.id));
  EXPECT_FALSE(fs::exists(server_blobs() + "/" + hash));
  EXPECT_EQ(must(AttachmentStore(*alice.store).find(hash)).uploaded, 2 * kChunk);

  link.restore();
  link.forget();
  SyncReport resumed = must(replicator(alice, link)->sync());
  ASSERT_FALSE(link.put_offsets().empty());
  EXPECT_EQ(link.put_offsets().front(), 2 * kChunk);  // not from the start
  EXPECT_EQ(resumed.blob_bytes_sent, size - 2 * kChunk);
  EXPECT_EQ(resumed.blobs_uploaded, 1);
  expect_server_has(hash);
}

TEST_F(AttachmentTest, ALostAnswerToAChunkIsNotSentTwice) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, 4 * kChunk, 3);
  attach(alice, work_order(alice), photo);

  BlobLink link(*alice.link);
  link.lose_answer_at(2);  // the server stored the second chunk; the phone never heard
  SyncReport report = must(replicator(alice, link)->sync());
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_EQ(report.blob_bytes_sent, 3 * kChunk);  // the lost answer's chunk counted by the server only
  // The retry of the second chunk was answered "offset mismatch"; the phone asked
  // where to go on and sent the third chunk next.
  EXPECT_EQ(link.put_offsets(), (std::vector<int64_t>{0, kChunk, kChunk, 2 * kChunk, 3 * kChunk}));
  expect_server_has(hash);
}

TEST_F(AttachmentTest, ADamagedChunkIsRefusedAndSentAgain) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, 3 * kChunk, 4);
  attach(alice, work_order(alice), photo);

  BlobLink link(*alice.link);
  link.damage_at(2, /*consistent=*/false);
  SyncReport report = must(replicator(alice, link)->sync());
  EXPECT_EQ(report.blob_resends, 1);
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_EQ(link.put_offsets(), (std::vector<int64_t>{0, kChunk, kChunk, 2 * kChunk}));
  expect_server_has(hash);
  expect_server_blobs_whole();
}

TEST_F(AttachmentTest, ABlobWhoseBytesDoNotMatchItsHashIsNeverStored) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  alice.sync();
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, 3 * kChunk, 5);
  attach(alice, work_order(alice), photo);

  // The chunk's own checksum is damaged with it: only the whole hash can tell.
  BlobLink link(*alice.link);
  link.damage_at(2, /*consistent=*/true);
  SyncReport report = must(replicator(alice, link)->sync());
  EXPECT_EQ(report.blob_resends, 1);
  EXPECT_EQ(report.blobs_uploaded, 1);
  // Sent whole, refused at the last chunk, sent again from the start.
  EXPECT_EQ(link.put_offsets(), (std::vector<int64_t>{0, kChunk, 2 * kChunk, 0, kChunk, 2 * kChunk}));
  expect_server_has(hash);
  expect_server_blobs_whole();
}

TEST_F(AttachmentTest, TheSamePhotoFromTwoPhonesIsStoredOnce) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& bob = enroll("bob", "collector", {ref_.building_a});
  alice.sync();
  bob.sync();
  const std::string photo = dir_.file("notice.jpg");
  const std::string hash = write_photo(photo, 2 * kChunk + 5, 6);
  attach(alice, work_order(alice), photo);
  attach(bob, work_order(bob), photo);

  BlobLink alice_link(*alice.link), bob_link(*bob.link);
  EXPECT_EQ(must(replicator(alice, alice_link)->sync()).blob_bytes_sent, 2 * kChunk + 5);
  SyncReport second = must(replicator(bob, bob_link)->sync());
  EXPECT_EQ(second.blobs_uploaded, 1);
  EXPECT_EQ(second.blob_bytes_sent, 0);
  EXPECT_TRUE(bob_link.put_offsets().empty());
  EXPECT_EQ(must(AttachmentStore(*bob.store).find(hash)).state, "synced");
  EXPECT_EQ(server_blob_count(), 1);
  expect_server_has(hash);
}

TEST_F(AttachmentTest, ABlobOutsideTheDevicesBucketsIsRefusedBothWays) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& carol = enroll("carol", "collector", {ref_.building_b});
  alice.sync();
  carol.sync();
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, kChunk, 7);
  attach(alice, work_order(alice), photo);
  alice.sync();
  expect_server_has(hash);

  // Carol (Block B) may not read a photo of Block A, though the server has it...
  auto http = must(CpprestTransport::create(server_.url()));
  HttpResponse get = must(http->send({"GET", "/v1/blobs/" + hash + "?offset=0&length=100", carol.token(), ""}));
  EXPECT_EQ(get.status, 403) << get.body;
  BlobStatusRequest ask;
  ask.hashes = {hash};
  ask.schema_version = Schema::property_management().version();
  HttpResponse state = must(http->send({"POST", "/v1/blobs/status", carol.token(), encode(ask)}));
  ASSERT_EQ(state.status, 200) << state.body;
  EXPECT_EQ(must(decode_blob_status_response(state.body)).blobs.at(0).state, BlobState::kForbidden);
  // ...nor upload bytes no record of hers names.
  const std::string bytes = "\xFF\xD8\xFF\xE0 not in any record";
  const std::string stray = Sha256::of(bytes);
  HttpResponse put = must(http->send({"PUT",
                                      "/v1/blobs/" + stray + "?offset=0&size=" + std::to_string(bytes.size()) +
                                          "&chunk_sha256=" + stray,
                                      carol.token(), bytes, "application/octet-stream"}));
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_FALSE(fs::exists(server_blobs() + "/" + stray));
  // Her replicator is told the same when she asks for it.
  EXPECT_FALSE(carol.store->get("attachments", must(AttachmentStore(*alice.store).find(hash)).record.id).ok());
}

TEST_F(AttachmentTest, DownloadsAreLazyResumableAndComeBackAfterSpaceIsReclaimed) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& office = enroll("office", "office");
  alice.sync();
  const std::string photo = dir_.file("leak.jpg");
  const std::string hash = write_photo(photo, 3 * kChunk + 9, 8);
  attach(alice, work_order(alice), photo);
  alice.sync();
  office.sync();

  AttachmentStore office_attachments(*office.store);
  Attachment seen = must(office_attachments.find(hash));
  EXPECT_FALSE(seen.local);  // lazy: the record came, the bytes did not
  EXPECT_EQ(must(office_attachments.usage()).remote_blobs, 1);

  // A download broken off after two chunks goes on from there.
  BlobLink link(*office.link);
  auto office_replicator = replicator(office, link);
  fs::create_directories(fs::path(office_attachments.download_path(hash)).parent_path());
  {
    std::ifstream in(photo, std::ios::binary);
    std::string first(2 * kChunk, '\0');
    in.read(first.data(), 2 * kChunk);
    std::ofstream(office_attachments.download_path(hash), std::ios::binary).write(first.data(), 2 * kChunk);
  }
  const std::string path = must(office_replicator->fetch_blob(hash));
  EXPECT_EQ(must(Sha256::of_file(path)), hash);
  EXPECT_TRUE(must(office_attachments.find(hash)).local);

  // Reclaimed, and brought back on demand.
  EXPECT_EQ(must(office_attachments.reclaim()), 3 * kChunk + 9);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(must(office_attachments.find(hash)).local);
  EXPECT_EQ(must(Sha256::of_file(must(office_replicator->fetch_blob(hash)))), hash);
}

TEST_F(AttachmentTest, APrefetchingSyncBringsTheBytesOfTheDevicesBuckets) {
  FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
  FieldDevice& bob = enroll("bob", "collector", {ref_.building_a});
  alice.sync();
  const std::string hash = write_photo(dir_.file("a.jpg"), kChunk + 1, 9);
  attach(alice, work_order(alice), dir_.file("a.jpg"));
  alice.sync();

  ReplicatorOptions options;
  options.sleeper = &sleeper_;
  options.prefetch_blobs = true;
  Replicator prefetching(*bob.store, *bob.link, options);
  SyncReport report = must(prefetching.sync());
  EXPECT_EQ(report.blobs_downloaded, 1);
  EXPECT_EQ(must(Sha256::of_file(must(AttachmentStore(*bob.store).path_of(hash)))), hash);
}

}  // namespace
}  // namespace fieldsync::testing
