// AttachmentStore on the device: attach (stored once under the hash, refusals that
// keep nothing), the policy, media-type sniffing and SHA-256. Space, reclaim and the
// replicator's bookkeeping are in attachments_space_test.cpp.
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

TEST_F(AttachmentsTest, AttachStoresTheBytesUnderTheirHashAndRecordsTheAttachment) {
  const std::string bytes = photo_bytes(100 * 1024, 1);
  AttachOptions options;
  options.caption = "before the repair";
  Attachment a = attach_bytes("door.jpg", bytes, options);

  EXPECT_EQ(a.sha256, Sha256::of(bytes));
  EXPECT_EQ(a.size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(a.media_type, "image/jpeg");
  EXPECT_EQ(a.state, "upload");
  EXPECT_EQ(a.uploaded, 0);
  EXPECT_TRUE(a.local);
  EXPECT_FALSE(a.pinned);
  EXPECT_EQ(read_file(attachments_->folder() + "/" + a.sha256), bytes);
  EXPECT_EQ(must(attachments_->path_of(a.sha256)), attachments_->folder() + "/" + a.sha256);
  EXPECT_EQ(attachments_->folder(), store_->path() + ".blobs");

  Record stored = must(store_->get("attachments", a.record.id));
  EXPECT_EQ(stored.fields["finding"], finding_);
  EXPECT_EQ(stored.fields["sha256"], a.sha256);
  EXPECT_EQ(stored.fields["size"], a.size);
  EXPECT_EQ(stored.fields["media_type"], "image/jpeg");
  EXPECT_EQ(stored.fields["file_name"], "door.jpg");
  EXPECT_EQ(stored.fields["caption"], "before the repair");
  EXPECT_EQ(stored.fields["attached_by"], "alice");
  EXPECT_EQ(stored.fields["attached_at"], testing::kSaturdayMorning);
  EXPECT_EQ(stored.bucket, "estate:" + estate_.estate + ":patrol");  // travels with its finding

  auto outbox = must(store_->outbox());
  ASSERT_FALSE(outbox.empty());
  EXPECT_EQ(outbox.back().collection, "attachments");
  EXPECT_EQ(outbox.back().kind, "create");
  EXPECT_EQ(outbox.back().record_id, a.record.id);

  EXPECT_EQ(blob_state(a.sha256), "upload");
  EXPECT_EQ(files_under(attachments_->folder()),
            std::vector<std::string>{a.sha256});  // tmp/ is empty

  BlobUsage usage = must(attachments_->usage());
  EXPECT_EQ(usage.local_blobs, 1);
  EXPECT_EQ(usage.local_bytes, a.size);
  EXPECT_EQ(usage.upload_blobs, 1);
  EXPECT_EQ(usage.upload_bytes, a.size);
  EXPECT_EQ(usage.evictable_bytes, 0);
  EXPECT_EQ(usage.remote_blobs, 0);
}

TEST_F(AttachmentsTest, TheMediaTypeGivenAndTheFileNameGivenAreKept) {
  AttachOptions options;
  options.media_type = "application/pdf";
  options.file_name = "notice.pdf";
  options.pin = true;
  Attachment a = attach_bytes("scan-0001", photo_bytes(5000, 2, kPdfStart), options);
  EXPECT_EQ(a.media_type, "application/pdf");
  EXPECT_EQ(a.record.fields["file_name"], "notice.pdf");
  EXPECT_TRUE(a.pinned);
}

TEST_F(AttachmentsTest, TheSamePhotoAttachedTwiceIsStoredOnce) {
  const std::string bytes = photo_bytes(64 * 1024, 3);
  Attachment first = attach_bytes("door.jpg", bytes);
  Attachment again = attach_bytes("door-copy.jpg", bytes);
  Attachment other_record =
      must(attachments_->attach("work_orders", work_order_, source("leak.jpg", bytes)));

  EXPECT_NE(first.record.id, again.record.id);
  EXPECT_NE(first.record.id, other_record.record.id);
  EXPECT_EQ(again.sha256, first.sha256);
  EXPECT_EQ(other_record.sha256, first.sha256);
  EXPECT_EQ(count("SELECT count(*) FROM blobs"), 1);
  EXPECT_EQ(files_under(attachments_->folder()), std::vector<std::string>{first.sha256});
  EXPECT_EQ(read_file(attachments_->folder() + "/" + first.sha256), bytes);
  EXPECT_EQ(must(attachments_->usage()).local_bytes, first.size);
  EXPECT_EQ(must(attachments_->usage()).upload_bytes,
            first.size);  // uploaded once, not three times

  EXPECT_EQ(must(attachments_->list()).size(), 3u);
  EXPECT_EQ(must(attachments_->list("findings", finding_)).size(), 2u);
  ASSERT_EQ(must(attachments_->list("work_orders", work_order_)).size(), 1u);
  EXPECT_EQ(must(attachments_->list("work_orders", work_order_))[0].record.id,
            other_record.record.id);
  EXPECT_EQ(must(attachments_->find(first.sha256)).sha256, first.sha256);
  EXPECT_EQ(must(attachments_->find(again.record.id)).record.id, again.record.id);
}

TEST_F(AttachmentsTest, APhotoAlreadyQueuedIsAttachedAgainWhenTheQueueIsFull) {
  const std::string bytes = photo_bytes(64 * 1024, 4);
  AttachmentPolicy policy = must(attachments_->policy());
  policy.max_bytes = 80 * 1024;
  policy.max_queue_bytes = 100 * 1024;
  ASSERT_TRUE(attachments_->set_policy(policy).ok());
  Attachment first = attach_bytes("door.jpg", bytes);
  // The same bytes add nothing to the queue: accepted although 64 + 64 KiB > 100 KiB.
  Attachment again = attach_bytes("door-again.jpg", bytes);
  EXPECT_EQ(again.sha256, first.sha256);
  EXPECT_EQ(must(attachments_->usage()).upload_bytes, first.size);
  // Other bytes would: refused, and nothing kept.
  const AttachState before = state();
  Result<Attachment> other = attachments_->attach("findings", finding_, source("other.jpg", photo_bytes(64 * 1024, 5)));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(state(), before);
}

TEST_F(AttachmentsTest, ListAndFindRefuseWhatIsNotThere) {
  EXPECT_EQ(attachments_->list("payments", new_id()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(attachments_->find(std::string(64, 'a')).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(attachments_->find(new_id()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(attachments_->path_of("not-a-hash").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(attachments_->path_of(std::string(64, 'b')).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(attachments_->pin(std::string(64, 'c'), true).code(), StatusCode::kNotFound);
}

// One way to be refused: what to prepare, what to attach, and the error expected.
struct Refusal {
  std::string name;
  std::function<std::string(AttachmentsTest&)> prepare;  // returns the file to attach
  std::string collection = "findings";
  bool unknown_record = false;
  std::string media_type;
  StatusCode code = StatusCode::kInvalidArgument;
  std::string message;
};

class AttachRefusals : public AttachmentsTest {
 public:
  void check(const Refusal& refusal) {
    SCOPED_TRACE(refusal.name);
    const std::string file = refusal.prepare(*this);
    const AttachState before = state();
    AttachOptions options;
    options.media_type = refusal.media_type;
    std::string parent = refusal.collection == "findings" ? finding_ : estate_.household;
    if (refusal.unknown_record) parent = new_id();
    auto attached = attachments_->attach(refusal.collection, parent, file, options);
    ASSERT_FALSE(attached.ok());
    EXPECT_EQ(attached.status().code(), refusal.code) << attached.status().to_string();
    EXPECT_NE(attached.status().to_string().find(refusal.message), std::string::npos)
        << attached.status().to_string();
    EXPECT_EQ(state(), before) << "a refused attach kept something";
  }
};

TEST_F(AttachRefusals, EveryRefusalKeepsNothing) {
  const std::string jpeg = photo_bytes(2000, 4);
  const std::vector<Refusal> refusals = {
      {"missing file", [](AttachmentsTest& t) { return t.dir_.file("nowhere.jpg"); }, "findings",
       false, "", StatusCode::kNotFound, "no file at"},
      {"a directory",
       [](AttachmentsTest& t) {
         fs::create_directories(t.dir_.file("photos"));
         return t.dir_.file("photos");
       },
       "findings", false, "", StatusCode::kInvalidArgument, "is not a file"},
      {"empty file", [](AttachmentsTest& t) { return t.source("empty.jpg", ""); }, "findings",
       false, "", StatusCode::kInvalidArgument, "is empty"},
      {"too large",
       [](AttachmentsTest& t) {
         AttachmentPolicy policy;
         policy.max_bytes = 1024;
         EXPECT_TRUE(t.attachments_->set_policy(policy).ok());
         return t.source("big.jpg", photo_bytes(1025, 5));
       },
       "findings", false, "", StatusCode::kInvalidArgument, "may be at most 1.0 KiB"},
      {"queue full",
       [](AttachmentsTest& t) {
         AttachmentPolicy policy;
         policy.max_bytes = 1000;
         policy.max_queue_bytes = 1500;
         EXPECT_TRUE(t.attachments_->set_policy(policy).ok());
         t.attach_bytes("first.jpg", photo_bytes(1000, 6));
         return t.source("second.jpg", photo_bytes(600, 7));
       },
       "findings", false, "", StatusCode::kFailedPrecondition, "upload queue is full"},
      {"wrong media type", [&](AttachmentsTest& t) { return t.source("photo.png", jpeg); },
       "findings", false, "image/png", StatusCode::kInvalidArgument, "its bytes are image/jpeg"},
      {"unknown bytes",
       [](AttachmentsTest& t) { return t.source("notes.txt", "hello, this is text"); }, "findings",
       false, "", StatusCode::kInvalidArgument, "is not a photo or document"},
      {"media type the policy does not allow",
       [](AttachmentsTest& t) {
         AttachmentPolicy policy;
         policy.media_types = {"image/jpeg"};
         EXPECT_TRUE(t.attachments_->set_policy(policy).ok());
         return t.source("notice.pdf", photo_bytes(3000, 8, kPdfStart));
       },
       "findings", false, "", StatusCode::kInvalidArgument, "does not allow (allowed: image/jpeg)"},
      {"unknown parent collection", [&](AttachmentsTest& t) { return t.source("door.jpg", jpeg); },
       "households", false, "", StatusCode::kInvalidArgument,
       "attachments belong to fee_visits, findings, work_orders"},
      {"missing parent record", [&](AttachmentsTest& t) { return t.source("door.jpg", jpeg); },
       "findings", true, "", StatusCode::kNotFound, ""},
  };
  for (const Refusal& refusal : refusals) {
    check(refusal);
    ASSERT_TRUE(attachments_->set_policy(AttachmentPolicy()).ok());
  }
}

TEST_F(AttachRefusals, AnUnreadableFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a file whatever its mode";
  Refusal refusal{"unreadable",
                  [](AttachmentsTest& t) {
                    const std::string path = t.source("locked.jpg", photo_bytes(2000, 9));
                    ::chmod(path.c_str(), 0);
                    return path;
                  },
                  "findings",
                  false,
                  "",
                  StatusCode::kIOError,
                  "cannot read"};
  check(refusal);
}

TEST_F(AttachmentsTest, APolicyIsKeptWithTheDatabase) {
  AttachmentPolicy defaults = must(attachments_->policy());
  EXPECT_EQ(defaults.max_bytes, int64_t{25} << 20);
  EXPECT_EQ(defaults.max_queue_bytes, int64_t{512} << 20);
  EXPECT_EQ(defaults.media_types, attachment_media_types());

  AttachmentPolicy policy;
  policy.max_bytes = 10 << 20;
  policy.max_queue_bytes = 100 << 20;
  policy.media_types = {"image/jpeg", "application/pdf"};
  ASSERT_TRUE(attachments_->set_policy(policy).ok());
  open_store(/*create=*/false);
  AttachmentPolicy read = must(attachments_->policy());
  EXPECT_EQ(read.max_bytes, policy.max_bytes);
  EXPECT_EQ(read.max_queue_bytes, policy.max_queue_bytes);
  EXPECT_EQ(read.media_types, policy.media_types);
}

TEST_F(AttachmentsTest, AnInvalidPolicyIsRefusedNamingEveryProblem) {
  AttachmentPolicy nonsense;
  nonsense.max_bytes = 0;
  nonsense.max_queue_bytes = -1;
  nonsense.media_types = {};
  Status refused = attachments_->set_policy(nonsense);
  ASSERT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.details().size(), 3u) << refused.to_string();
  EXPECT_EQ(refused.details()[0].rfind("max_bytes:", 0), 0u);
  EXPECT_EQ(refused.details()[1].rfind("max_queue_bytes:", 0), 0u);
  EXPECT_EQ(refused.details()[2].rfind("media_types:", 0), 0u);

  AttachmentPolicy unknown_types;
  unknown_types.max_bytes = kMaxAttachmentBytes + 1;
  unknown_types.max_queue_bytes = kMaxAttachmentBytes + 1;
  unknown_types.media_types = {"image/jpeg", "image/gif", ""};
  refused = attachments_->set_policy(unknown_types);
  ASSERT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.details().size(), 3u) << refused.to_string();
  EXPECT_NE(refused.details()[0].find("max_bytes"), std::string::npos);
  EXPECT_NE(refused.details()[1].find("'image/gif'"), std::string::npos);
  EXPECT_NE(refused.details()[2].find("''"), std::string::npos);

  AttachmentPolicy read = must(attachments_->policy());  // unchanged
  EXPECT_EQ(read.max_bytes, AttachmentPolicy().max_bytes);
  EXPECT_EQ(read.media_types, attachment_media_types());
}

TEST(SniffMediaType, RecognisesEveryMediaTypeItKnows) {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"\xFF\xD8\xFF\xE0\x00\x10JFIF"s, "image/jpeg"},
      {"\xFF\xD8\xFF\xE1"s, "image/jpeg"},
      {"\x89PNG\r\n\x1A\n\0\0\0\rIHDR"s, "image/png"},
      {"RIFF\x24\x00\x00\x00WEBPVP8 "s, "image/webp"},
      {"\0\0\0\x18"
       "ftypheic\0\0\0\0"s,
       "image/heic"},
      {"\0\0\0\x18"
       "ftypmif1\0\0\0\0"s,
       "image/heic"},
      {"%PDF-1.7\n"s, "application/pdf"},
      {"\0\0\0\x20"
       "ftypisom\0\0\x02\0"s,
       "video/mp4"},
      {"\0\0\0\x18"
       "ftypmp42"s,
       "video/mp4"},
  };
  std::set<std::string> seen;
  for (const auto& [bytes, type] : samples) {
    EXPECT_EQ(sniff_media_type(bytes), type) << type;
    seen.insert(type);
  }
  // Each media type attach() may accept has a sample above.
  EXPECT_EQ(seen, std::set<std::string>(attachment_media_types().begin(),
                                        attachment_media_types().end()));
}

TEST(SniffMediaType, NearMissesAreNotRecognised) {
  using namespace std::string_literals;
  const std::vector<std::string> near_misses = {
      ""s,
      "\xFF\xD8"s,                      // a JPEG cut short
      "\xFF\xD9\xFF\xE0"s,              // one byte off
      "\x89PNG\r\n\x1A"s,               // the PNG signature without its last byte
      "\x89PNG\n\n\x1A\n"s,             // a PNG mangled by a text transfer
      "RIFF\x24\x00\x00\x00WAVEfmt "s,  // RIFF, but audio
      "RIFF\x24\x00WEBP"s,              // WEBP at the wrong place
      "%PDF"s,                          // no dash
      "%pdf-1.7"s,                      // lower case
      "GIF89a"s,                        // a GIF: not allowed
      "\0\0\0\x18"
      "ftypqt  "s,  // QuickTime
      "\0\0\0\x18"
      "ftyphei"s,           // a brand cut short
      "ftypheic\0\0\0\0"s,  // ftyp at the wrong place
      "\0\0\0\x18"
      "FTYPheic"s,  // upper case box
      "hello world"s,
  };
  for (const std::string& bytes : near_misses) {
    EXPECT_EQ(sniff_media_type(bytes), "") << ::testing::PrintToString(bytes);
  }
}

TEST(Sha256Test, MatchesKnownVectors) {
  EXPECT_EQ(Sha256::of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, StreamingInPiecesEqualsOneShotAndTheFile) {
  const std::string bytes = photo_bytes(1 << 20, 10);
  for (size_t piece : {size_t{1}, size_t{63}, size_t{64}, size_t{4096}, size_t{100000}}) {
    Sha256 sha;
    for (size_t at = 0; at < bytes.size(); at += piece) {
      sha.update(bytes.data() + at, std::min(piece, bytes.size() - at));
    }
    EXPECT_EQ(sha.hex(), Sha256::of(bytes)) << "pieces of " << piece;
  }
  TempDir dir;
  write_file(dir.file("photo.jpg"), bytes);
  EXPECT_EQ(must(Sha256::of_file(dir.file("photo.jpg"))), Sha256::of(bytes));
  EXPECT_EQ(Sha256::of_file(dir.file("missing.jpg")).status().code(), StatusCode::kIOError);
}

TEST(Sha256Test, IsSha256HexWantsSixtyFourLowerCaseHexDigits) {
  const std::string hash = Sha256::of("abc");
  EXPECT_TRUE(is_sha256_hex(hash));
  EXPECT_FALSE(is_sha256_hex(hash.substr(1)));
  EXPECT_FALSE(is_sha256_hex(hash + "0"));
  std::string upper = hash;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  EXPECT_FALSE(is_sha256_hex(upper));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(is_sha256_hex(""));
}

}  // namespace
}  // namespace fieldsync
