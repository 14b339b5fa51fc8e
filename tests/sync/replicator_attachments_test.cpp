// The replicator's attachment bytes against the real sync service in process: what
// happens when the server keeps no bytes, and when a photo's building changes hands
// before its bytes went up. (The chunked upload itself, with faults, is tested against
// the real server in tests/integration/attachments_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "fieldsync/attachments.h"
#include "fieldsync/replicator.h"
#include "quotas.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::SyncWorld;

// A work order on household A (or `household`) with a photo attached, on `device`: the
// same small photo every time, unless `padding` bytes are added to it.
Attachment photo_of_a_leak(SyncWorld& world, testing::TestDevice& device, std::string household = "",
                           size_t padding = 0) {
  WorkOrderInput order;
  order.household = household.empty() ? world.household_a : household;
  order.category = "plumbing";
  order.description = "leak";
  Record work_order = must(device.work().open_work_order(order));
  const std::string photo = world.dir.file("leak.jpg");
  std::ofstream(photo, std::ios::binary) << "\xFF\xD8\xFF\xE0 the leak before the repair"
                                         << std::string(padding, 'p');
  return must(AttachmentStore(*device.store).attach("work_orders", work_order.id, photo));
}

// Refuses every blob request: the records sync, the bytes cannot.
class NoBlobRequests final : public HttpTransport {
 public:
  explicit NoBlobRequests(HttpTransport& inner) : inner_(inner) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    if (request.path.rfind("/v1/blobs/", 0) == 0) return Status::unavailable("no signal");
    return inner_.send(request);
  }

 private:
  HttpTransport& inner_;
};

TEST(ReplicatorAttachments, AServerWithoutABlobStoreGetsTheRecordsAndTheBytesWaitOnThePhone) {
  SyncWorld world;  // its SyncService has no BlobStore: /v1/blobs answers 404
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  Attachment attached = photo_of_a_leak(world, alice);

  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.blobs_waiting, 1);
  EXPECT_EQ(report.blobs_uploaded, 0);
  EXPECT_TRUE(world.server_records().count(attached.record.id));
  Attachment after = must(AttachmentStore(*alice.store).find(attached.record.id));
  EXPECT_EQ(after.state, "upload");
  EXPECT_NE(after.last_error.find("does not take attachment bytes"), std::string::npos) << after.last_error;
  EXPECT_EQ(must(Replicator::read_status(*alice.store)).upload_blobs, 1);
}

// Found by the simulation (seed 60): a photo whose record was pushed, then the phone
// lost the building before the bytes went up. The pull evicted the record, and the
// bytes waited on the phone for ever while the server's record named bytes it never got.
TEST(ReplicatorAttachments, APhotoIsUploadedEvenWhenItsBuildingChangedHandsBeforeItsBytesWentUp) {
  SyncWorld world;
  world.keep_attachments();
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& carol = world.enroll("carol", "collector", {world.building_b});
  alice.sync();
  Attachment attached = photo_of_a_leak(world, alice);
  NoBlobRequests no_blobs(*alice.transport);
  ReplicatorOptions options;
  options.sleeper = &world.sleeper;
  EXPECT_FALSE(Replicator(*alice.store, no_blobs, options).sync().ok());
  ASSERT_TRUE(world.server_records().count(attached.record.id));

  ASSERT_TRUE(world.admin->unassign("alice", "building", world.building_a).ok());
  ASSERT_TRUE(world.admin->assign("alice", "building", world.building_b).ok());
  SyncReport report = alice.sync();
  EXPECT_FALSE(alice.store->get("attachments", attached.record.id).ok());  // evicted
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_TRUE(must(world.blobs->holding(attached.sha256)).complete);
  EXPECT_EQ(must(AttachmentStore(*alice.store).usage()).upload_bytes, 0);
  // Only the author gets past scope, and only to upload: she may not read it back.
  EXPECT_EQ(alice.transport
                ->send({"GET", "/v1/blobs/" + attached.sha256 + "?offset=0&length=10",
                        must(alice.store->sync_value(kSyncToken)), ""})
                ->status,
            403);
  BlobStatusRequest ask;
  ask.schema_version = Schema::property_management().version();
  ask.hashes = {attached.sha256};
  HttpResponse state = *carol.transport->send(
      {"POST", "/v1/blobs/status", must(carol.store->sync_value(kSyncToken)), encode(ask)});
  EXPECT_EQ(must(decode_blob_status_response(state.body)).blobs.at(0).state, BlobState::kForbidden);
}

// A photo's SHA-256 is no key to it: a phone of another building that names bytes the
// server holds for building A must show it has them before its record gives them to
// anyone. A phone of this protocol does so with each attachment record it pushes; a
// phone of the previous protocol, which the server still serves, sends the bytes
// themselves (hashed by the server, not stored again).
TEST(ReplicatorAttachments, BytesHeldForAnotherBuildingAreNamedOnlyWithAProofOfHavingThem) {
  SyncWorld world;
  world.keep_attachments();
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& carol = world.enroll("carol", "collector", {world.building_b});
  auto& dave = world.enroll("dave", "collector", {world.building_b});
  alice.sync();
  const int64_t size = photo_of_a_leak(world, alice).size;
  ASSERT_EQ(alice.sync().blobs_uploaded, 1);

  // carol's app speaks protocol 1: her record is taken, and her phone is asked for the bytes.
  ReplicatorOptions old;
  old.sleeper = &world.sleeper;
  old.protocol_version = kMinProtocolVersion;
  Replicator old_replicator(*carol.store, *carol.transport, old);
  must(old_replicator.sync());
  Attachment carols = photo_of_a_leak(world, carol, world.household_b);
  SyncReport report = must(old_replicator.sync());
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.rejected, 0);
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_EQ(report.blob_bytes_sent, size);
  EXPECT_EQ(must(AttachmentStore(*carol.store).find(carols.record.id)).state, "synced");

  // dave's app sends the proof: his record is taken, and the bytes are there at once.
  dave.sync();
  Attachment daves = photo_of_a_leak(world, dave, world.household_b);
  report = dave.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.rejected, 0);
  EXPECT_EQ(report.blob_bytes_sent, 0);
  EXPECT_TRUE(world.server_records().count(daves.record.id));
  EXPECT_EQ(must(AttachmentStore(*dave.store).find(daves.record.id)).state, "synced");
  EXPECT_EQ(std::count_if(fs::directory_iterator(world.blobs->folder()), fs::directory_iterator(),
                          [](const fs::directory_entry& e) {
                            return e.is_regular_file() && e.path().extension().empty();
                          }),
            1);
}

// Past the office's quota, the photo waits on the phone and says why; the records sync.
// Raised, the next sync uploads it.
TEST(ReplicatorAttachments, APhotoPastTheQuotaWaitsOnThePhoneSayingWhy) {
  SyncWorld world;
  world.keep_attachments();
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(server::set_quota(*txn, "blob_mb_per_device", "1").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  alice.sync();
  Attachment attached = photo_of_a_leak(world, alice, "", 3 << 19);  // 1.5 MiB

  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.blobs_waiting, 1);
  Attachment waiting = must(AttachmentStore(*alice.store).find(attached.record.id));
  EXPECT_EQ(waiting.state, "upload");
  EXPECT_NE(waiting.last_error.find("(quota blob_mb_per_device)"), std::string::npos) << waiting.last_error;

  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(server::set_quota(*txn, "blob_mb_per_device", "8").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ(alice.sync().blobs_uploaded, 1);
  EXPECT_EQ(must(AttachmentStore(*alice.store).find(attached.record.id)).state, "synced");
}

// A phone of `user` whose database is encrypted under `key`, enrolled as
// SyncWorld::enroll enrolls a plain one; its replicator moves `chunk` bytes a request.
testing::TestDevice& enroll_encrypted(SyncWorld& world, const std::string& user,
                                      const std::string& building, const DatabaseKey& key,
                                      int64_t chunk) {
  EXPECT_TRUE(world.admin->add_user(user, "collector").ok());
  EXPECT_TRUE(world.admin->assign(user, "building", building).ok());
  const std::string code = must(world.admin->issue_enrollment_code(user));
  auto& device = world.devices[user];
  DeviceStoreOptions options;
  options.clock = &world.clock;
  options.key = key;
  device.user = user;
  device.store =
      must(DeviceStore::create(world.dir.file(user + ".db"), {"TMP", user, ""}, options));
  device.transport = std::make_unique<testing::LoopbackTransport>(*world.service);
  auto enrollment =
      must(request_enrollment(*device.transport, code, Schema::property_management().version()));
  EXPECT_TRUE(adopt_enrollment(*device.store, enrollment, "loopback").ok());
  ReplicatorOptions ro;
  ro.sleeper = &world.sleeper;
  ro.jitter_seed = 42;
  ro.blob_chunk = chunk;
  device.replicator = std::make_unique<Replicator>(*device.store, *device.transport, ro);
  return device;
}

// A photo's bytes go up from an encrypted phone in clear, under the hash of their
// plaintext, in chunks that do not fall on its 64 KiB segments; evicted, they come back
// sealed again; a phone of another building that holds the same photo proves it from
// its own sealed copy. The phone's files never show the photo.
TEST(ReplicatorAttachments, AnEncryptedPhoneUploadsEvictsAndFetchesItsPhotosInClearOnTheWire) {
  SyncWorld world;
  world.keep_attachments();
  const DatabaseKey key = DatabaseKey::random();
  auto& alice = enroll_encrypted(world, "alice", world.building_a, key, 100000);
  alice.sync();
  const std::string tell = "the leak under flat A-101, photographed at 09:12";
  std::string photo = "\xFF\xD8\xFF\xE0";
  std::mt19937 random(7);
  while (photo.size() < 300000) photo.push_back(static_cast<char>(random() & 0xFF));
  for (size_t at = 1000; at + tell.size() < photo.size(); at += 70000)
    photo.replace(at, tell.size(), tell);
  WorkOrderInput order;
  order.household = world.household_a;
  order.category = "plumbing";
  order.description = "leak";
  Record work_order = must(alice.work().open_work_order(order));
  const std::string source = world.dir.file("leak.jpg");
  std::ofstream(source, std::ios::binary) << photo;
  AttachmentStore attachments(*alice.store);
  Attachment attached = must(attachments.attach("work_orders", work_order.id, source));
  ASSERT_EQ(attached.sha256, Sha256::of(photo));
  const std::string blob_file = attachments.folder() + "/" + attached.sha256;
  auto holds_tell = [&](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    return bytes.find(tell) != std::string::npos;
  };
  EXPECT_FALSE(holds_tell(blob_file));

  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.blobs_uploaded, 1);
  EXPECT_EQ(report.blob_bytes_sent, 300000);
  ASSERT_TRUE(must(world.blobs->holding(attached.sha256)).complete);
  EXPECT_TRUE(holds_tell(world.dir.file("blobs/" + attached.sha256)));  // the server's, in clear

  // Evicted, then fetched on request: sealed again, and read back whole.
  EXPECT_EQ(must(attachments.reclaim()), 300000);
  EXPECT_FALSE(must(attachments.find(attached.sha256)).local);
  EXPECT_EQ(must(alice.replicator->fetch_blob(attached.sha256)), "");  // no file to hand out
  EXPECT_TRUE(must(attachments.find(attached.sha256)).local);
  EXPECT_EQ(must(attachments.read(attached.sha256, 0, 1 << 20)), photo);
  EXPECT_FALSE(holds_tell(blob_file));
  EXPECT_EQ(attachments.path_of(attached.sha256).status().code(), StatusCode::kFailedPrecondition);

  // dave, encrypted under his own key in building B, attaches the same photo: his
  // record carries a proof made from his sealed copy, and is taken at once.
  auto& dave = enroll_encrypted(world, "dave", world.building_b, DatabaseKey::random(), 70000);
  dave.sync();
  order.household = world.household_b;
  Record daves_order = must(dave.work().open_work_order(order));
  Attachment daves =
      must(AttachmentStore(*dave.store).attach("work_orders", daves_order.id, source));
  report = dave.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.rejected, 0);
  EXPECT_EQ(must(AttachmentStore(*dave.store).find(daves.record.id)).state, "synced");

  // A sealed copy damaged on the phone is refused, never sent: the upload says why.
  auto& erin = enroll_encrypted(world, "erin", world.building_a, DatabaseKey::random(), 100000);
  erin.sync();
  order.household = world.household_a;
  Record erins_order = must(erin.work().open_work_order(order));
  std::string other = photo;
  other[5] = 'x';
  std::ofstream(source, std::ios::binary | std::ios::trunc) << other;
  AttachmentStore erins_attachments(*erin.store);
  Attachment erins = must(erins_attachments.attach("work_orders", erins_order.id, source));
  const std::string erins_file = erins_attachments.folder() + "/" + erins.sha256;
  std::fstream damaged(erins_file, std::ios::binary | std::ios::in | std::ios::out);
  damaged.seekp(16 + 65536 + 28 + 100);
  damaged.put('!');
  damaged.close();
  report = erin.sync();
  EXPECT_EQ(report.blobs_waiting, 1);
  EXPECT_EQ(report.blobs_uploaded, 0);
  const Attachment waiting = must(erins_attachments.find(erins.record.id));
  EXPECT_EQ(waiting.state, "upload");
  EXPECT_NE(waiting.last_error.find("fails its authentication check"), std::string::npos)
      << waiting.last_error;
  EXPECT_FALSE(must(world.blobs->holding(erins.sha256)).complete);
}

}  // namespace
}  // namespace fieldsync
