// AttachmentStore: the space the bytes take and reclaim, and the bookkeeping the
// replicator relies on (to_upload, record_upload, adopt_download, missing_locally).
#include "fieldsync/attachments.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <set>

#include "attachments_fixture.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::photo_bytes;
using testing::TempDir;

TEST_F(AttachmentsTest, ReclaimFreesOnlySyncedUnpinnedBlobsAndAttachBringsThemBack) {
  const std::string synced_bytes = photo_bytes(3000, 11);
  Attachment synced = attach_bytes("a.jpg", synced_bytes);
  clock_.advance(1000);
  AttachOptions pin;
  pin.pin = true;
  Attachment pinned = attach_bytes("b.jpg", photo_bytes(4000, 12), pin);
  clock_.advance(1000);
  Attachment waiting = attach_bytes("c.jpg", photo_bytes(5000, 13));
  ASSERT_TRUE(attachments_->record_upload(synced.sha256, synced.size, true).ok());
  ASSERT_TRUE(attachments_->record_upload(pinned.sha256, pinned.size, true).ok());

  BlobUsage usage = must(attachments_->usage());
  EXPECT_EQ(usage.local_blobs, 3);
  EXPECT_EQ(usage.local_bytes, 12000);
  EXPECT_EQ(usage.upload_blobs, 1);
  EXPECT_EQ(usage.upload_bytes, 5000);
  EXPECT_EQ(usage.evictable_blobs, 1);
  EXPECT_EQ(usage.evictable_bytes, 3000);

  EXPECT_EQ(must(attachments_->reclaim()), 3000);
  EXPECT_EQ(blob_state(synced.sha256), "remote");
  EXPECT_FALSE(fs::exists(attachments_->folder() + "/" + synced.sha256));
  EXPECT_EQ(attachments_->path_of(synced.sha256).status().code(), StatusCode::kNotFound);
  Attachment gone = must(attachments_->find(synced.record.id));
  EXPECT_EQ(gone.state, "remote");
  EXPECT_FALSE(gone.local);
  EXPECT_TRUE(must(attachments_->find(pinned.record.id)).local);   // pinned
  EXPECT_TRUE(must(attachments_->find(waiting.record.id)).local);  // not on the server yet
  usage = must(attachments_->usage());
  EXPECT_EQ(usage.local_bytes, 9000);
  EXPECT_EQ(usage.evictable_bytes, 0);
  EXPECT_EQ(usage.remote_blobs, 1);
  EXPECT_EQ(must(attachments_->missing_locally()), std::vector<std::string>{synced.sha256});
  EXPECT_EQ(must(attachments_->reclaim()), 0);  // nothing more to free

  // Attaching the same photo again brings its bytes back, still known to the server.
  Attachment back = attach_bytes("a-again.jpg", synced_bytes);
  EXPECT_EQ(back.state, "synced");
  EXPECT_TRUE(back.local);
  EXPECT_EQ(read_file(must(attachments_->path_of(synced.sha256))), synced_bytes);
  EXPECT_TRUE(must(attachments_->missing_locally()).empty());
  EXPECT_EQ(must(attachments_->usage()).upload_bytes, 5000);  // nothing new to upload

  // Unpinned, the other one can go too.
  ASSERT_TRUE(attachments_->pin(pinned.sha256, false).ok());
  EXPECT_EQ(must(attachments_->reclaim()), 7000);
  EXPECT_EQ(must(attachments_->usage()).local_bytes, 5000);
}

TEST_F(AttachmentsTest, ReclaimWithATargetFreesTheLeastRecentlyUsedFirst) {
  Attachment older = attach_bytes("a.jpg", photo_bytes(3000, 14));
  clock_.advance(1000);
  Attachment newer = attach_bytes("b.jpg", photo_bytes(3000, 15));
  ASSERT_TRUE(attachments_->record_upload(older.sha256, older.size, true).ok());
  ASSERT_TRUE(attachments_->record_upload(newer.sha256, newer.size, true).ok());
  EXPECT_EQ(must(attachments_->reclaim(1)), 3000);
  EXPECT_EQ(blob_state(older.sha256), "remote");
  EXPECT_EQ(blob_state(newer.sha256), "synced");
  EXPECT_EQ(must(attachments_->reclaim(0)), 0);
}

TEST_F(AttachmentsTest, ToUploadListsOnlyBlobsWhoseRecordTheServerAccepted) {
  Attachment a = attach_bytes("a.jpg", photo_bytes(3000, 16));
  clock_.advance(1000);
  Attachment b = attach_bytes("b.jpg", photo_bytes(4000, 17));
  EXPECT_TRUE(must(attachments_->to_upload()).empty());  // their records wait in the outbox

  acknowledge_record(b.record.id);
  auto uploads = must(attachments_->to_upload());
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].sha256, b.sha256);
  EXPECT_EQ(uploads[0].size, 4000);
  EXPECT_EQ(uploads[0].uploaded, 0);

  // A record the server refused is parked: its bytes are not sent either.
  for (const OutboxChange& change : must(store_->outbox())) {
    if (change.record_id == a.record.id) {
      ASSERT_TRUE(store_->acknowledge({{change.seq, true, "no"}}).ok());
    }
  }
  EXPECT_EQ(must(attachments_->to_upload()).size(), 1u);

  acknowledge_record(a.record.id);  // replayed answers are ignored; the change stays parked
  EXPECT_EQ(must(attachments_->to_upload()).size(), 1u);
}

TEST_F(AttachmentsTest, ToUploadIsOldestFirstAndHonoursItsLimit) {
  Attachment a = attach_bytes("a.jpg", photo_bytes(3000, 18));
  clock_.advance(1000);
  Attachment b = attach_bytes("b.jpg", photo_bytes(3000, 19));
  acknowledge_record(b.record.id);
  acknowledge_record(a.record.id);
  auto uploads = must(attachments_->to_upload());
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_EQ(uploads[0].sha256, a.sha256);
  EXPECT_EQ(uploads[1].sha256, b.sha256);
  EXPECT_EQ(must(attachments_->to_upload(1)).size(), 1u);
}

TEST_F(AttachmentsTest, RecordUploadKeepsPartialProgressAndCompletes) {
  Attachment a = attach_bytes("a.jpg", photo_bytes(10000, 20));
  acknowledge_record(a.record.id);

  ASSERT_TRUE(attachments_->record_upload_error(a.sha256, "connection reset").ok());
  EXPECT_EQ(must(attachments_->find(a.sha256)).last_error, "connection reset");

  ASSERT_TRUE(attachments_->record_upload(a.sha256, 4096, false).ok());
  Attachment partial = must(attachments_->find(a.sha256));
  EXPECT_EQ(partial.state, "upload");
  EXPECT_EQ(partial.uploaded, 4096);
  EXPECT_EQ(partial.last_error, "");  // progress clears the last error
  EXPECT_EQ(must(attachments_->to_upload())[0].uploaded, 4096);
  EXPECT_EQ(must(attachments_->usage()).upload_bytes, 10000 - 4096);

  ASSERT_TRUE(attachments_->record_upload(a.sha256, 10000, true).ok());
  Attachment done = must(attachments_->find(a.sha256));
  EXPECT_EQ(done.state, "synced");
  EXPECT_EQ(done.uploaded, 10000);
  EXPECT_TRUE(must(attachments_->to_upload()).empty());
  BlobUsage usage = must(attachments_->usage());
  EXPECT_EQ(usage.upload_blobs, 0);
  EXPECT_EQ(usage.upload_bytes, 0);
  EXPECT_EQ(usage.evictable_bytes, 10000);

  // A late answer about an upload already complete does not send it back.
  ASSERT_TRUE(attachments_->record_upload(a.sha256, 4096, false).ok());
  EXPECT_EQ(must(attachments_->find(a.sha256)).state, "synced");
}

TEST_F(AttachmentsTest, AnAttachmentFromAnotherPhoneIsMissingUntilItsDownloadIsAdopted) {
  const std::string bytes = photo_bytes(20000, 21);
  const Record pulled = pulled_attachment(bytes);
  const std::string hash = pulled.fields["sha256"];
  ASSERT_TRUE(store_->apply_pull_page({pulled}, {{pulled.bucket, 1}}).ok());

  EXPECT_EQ(must(attachments_->missing_locally()), std::vector<std::string>{hash});
  Attachment remote = must(attachments_->find(hash));
  EXPECT_EQ(remote.record.id, pulled.id);
  EXPECT_EQ(remote.state, "remote");
  EXPECT_FALSE(remote.local);
  EXPECT_EQ(attachments_->path_of(hash).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(must(attachments_->usage()).remote_blobs, 1);
  EXPECT_EQ(attachments_->adopt_download(hash).code(),
            StatusCode::kNotFound);  // nothing downloaded

  const std::string download = attachments_->download_path(hash);
  fs::create_directories(fs::path(download).parent_path());
  // Too short: a download cut off.
  write_file(download, bytes.substr(0, 1000));
  Status cut = attachments_->adopt_download(hash);
  EXPECT_EQ(cut.code(), StatusCode::kCorruption) << cut.to_string();
  EXPECT_FALSE(fs::exists(download));
  // The right size, the wrong bytes.
  std::string damaged = bytes;
  damaged[12345] ^= 0x01;
  write_file(download, damaged);
  Status wrong = attachments_->adopt_download(hash);
  EXPECT_EQ(wrong.code(), StatusCode::kCorruption) << wrong.to_string();
  EXPECT_NE(wrong.message().find("do not match"), std::string::npos) << wrong.to_string();
  EXPECT_FALSE(fs::exists(download));
  EXPECT_EQ(attachments_->path_of(hash).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(count("SELECT count(*) FROM blobs"), 0);

  write_file(download, bytes);
  ASSERT_TRUE(attachments_->adopt_download(hash).ok());
  EXPECT_FALSE(fs::exists(download));
  EXPECT_EQ(read_file(must(attachments_->path_of(hash))), bytes);
  Attachment here = must(attachments_->find(hash));
  EXPECT_EQ(here.state, "synced");
  EXPECT_TRUE(here.local);
  EXPECT_TRUE(must(attachments_->missing_locally()).empty());
  BlobUsage usage = must(attachments_->usage());
  EXPECT_EQ(usage.remote_blobs, 0);
  EXPECT_EQ(usage.upload_bytes, 0);  // never uploaded back
  EXPECT_EQ(usage.evictable_bytes, 20000);
  EXPECT_TRUE(must(attachments_->to_upload()).empty());
}

TEST_F(AttachmentsTest, MissingLocallyListsEachHashOnceOldestFirst) {
  Record first = pulled_attachment(photo_bytes(1000, 22));
  Record second = pulled_attachment(photo_bytes(1000, 23));
  second.fields["attached_at"] = first.fields["attached_at"].get<int64_t>() + 5000;
  Record same_as_first = pulled_attachment(photo_bytes(1000, 22));
  ASSERT_TRUE(store_->apply_pull_page({second, first, same_as_first}, {{first.bucket, 3}}).ok());
  const std::vector<std::string> expected = {first.fields["sha256"], second.fields["sha256"]};
  EXPECT_EQ(must(attachments_->missing_locally()), expected);
  EXPECT_EQ(must(attachments_->missing_locally(1)), std::vector<std::string>{expected[0]});
  EXPECT_EQ(must(attachments_->usage()).remote_blobs, 2);
}

TEST_F(AttachmentsTest, AttachmentsSurviveReopeningTheStore) {
  const std::string bytes = photo_bytes(30000, 24);
  Attachment a = attach_bytes("a.jpg", bytes);
  open_store(/*create=*/false);
  auto listed = must(attachments_->list());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].record.id, a.record.id);
  EXPECT_EQ(listed[0].sha256, a.sha256);
  EXPECT_EQ(listed[0].state, "upload");
  EXPECT_TRUE(listed[0].local);
  EXPECT_EQ(read_file(must(attachments_->path_of(a.sha256))), bytes);
  EXPECT_TRUE(store_->check_integrity().ok());
}

}  // namespace
}  // namespace fieldsync
