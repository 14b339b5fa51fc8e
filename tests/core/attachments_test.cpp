// AttachmentStore on the device: attach (stored once under the hash, refusals that
// keep nothing), the policy, media-type sniffing, SHA-256, space and reclaim, and the
// bookkeeping the replicator relies on (to_upload, record_upload, adopt_download,
// missing_locally).
#include "fieldsync/attachments.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <set>

#include "fieldsync/id.h"
#include "test_support.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::photo_bytes;
using testing::TempDir;

constexpr char kPdfStart[] = "%PDF-1.7\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Every regular file under `folder` (the blob folder and its tmp/), relative names.
std::vector<std::string> files_under(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(folder, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(folder, ec)) {
    if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), folder).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What a refused attach must leave as it was.
struct AttachState {
  int64_t records = 0;
  int64_t outbox = 0;
  int64_t blob_rows = 0;
  std::vector<std::string> files;
  bool operator==(const AttachState&) const = default;
};

// Members are public so the refusal cases below can prepare through them.
class AttachmentsTest : public ::testing::Test {
 public:
  void SetUp() override {
    open_store(/*create=*/true);
    estate_ = testing::seed_estate(*store_);
    FindingInput finding;
    finding.estate = estate_.estate;
    finding.category = "fire";
    finding.severity = "high";
    finding.description = "fire door wedged open";
    finding_ = must(FieldWork(*store_).report_finding(finding)).id;
    WorkOrderInput order;
    order.household = estate_.household;
    order.category = "plumbing";
    order.description = "kitchen leak";
    work_order_ = must(FieldWork(*store_).open_work_order(order)).id;
  }

  void open_store(bool create) {
    attachments_.reset();
    store_.reset();
    DeviceStoreOptions options;
    options.clock = &clock_;
    const std::string path = dir_.file("device.db");
    store_ = create ? must(DeviceStore::create(path, {"K7Q2", "alice", "node1"}, options))
                    : must(DeviceStore::open(path, options));
    attachments_ = std::make_unique<AttachmentStore>(*store_);
  }

  // Writes `bytes` to a source file named `name` and returns its path.
  std::string source(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.file(name);
    write_file(path, bytes);
    return path;
  }

  Attachment attach_bytes(const std::string& name, const std::string& bytes,
                          const AttachOptions& options = {}) {
    return must(attachments_->attach("findings", finding_, source(name, bytes), options));
  }

  int64_t count(const std::string& sql) {
    return must(store_->query(sql, {})).at(0).at(0).get<int64_t>();
  }

  AttachState state() {
    AttachState s;
    s.records = count("SELECT count(*) FROM records");
    s.outbox = count("SELECT count(*) FROM outbox");
    s.blob_rows = count("SELECT count(*) FROM blobs");
    s.files = files_under(attachments_->folder());
    return s;
  }

  std::string blob_state(const std::string& hash) {
    auto rows = must(store_->query("SELECT state FROM blobs WHERE hash = ?", {hash}));
    return rows.empty() ? "" : rows[0][0].get<std::string>();
  }

  // The server accepted the outbox change that created attachment `id`.
  void acknowledge_record(const std::string& id) {
    for (const OutboxChange& change : must(store_->outbox())) {
      if (change.record_id == id) {
        ASSERT_TRUE(store_->acknowledge({{change.seq, false, ""}}).ok());
      }
    }
  }

  // An attachment record made by another phone, as a pull page brings it.
  Record pulled_attachment(const std::string& bytes) {
    Record r;
    r.collection = "attachments";
    r.id = new_id();
    r.bucket = "estate:" + estate_.estate;
    r.fields = {{"finding", finding_},
                {"sha256", Sha256::of(bytes)},
                {"size", static_cast<int64_t>(bytes.size())},
                {"media_type", "image/jpeg"},
                {"file_name", "door.jpg"},
                {"attached_by", "bob"},
                {"attached_at", testing::kSaturdayMorning - 1000}};
    for (const auto& [field, value] : r.fields.items())
      r.stamps[field] = "0193a6f20000.00000000.server";
    return r;
  }

  TempDir dir_;
  ManualClock clock_{testing::kSaturdayMorning};
  std::unique_ptr<DeviceStore> store_;
  std::unique_ptr<AttachmentStore> attachments_;
  testing::Estate estate_;
  std::string finding_;
  std::string work_order_;
};

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
  EXPECT_EQ(stored.bucket, "estate:" + estate_.estate);  // travels with its finding

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
       "households", false, "", StatusCode::kInvalidArgument, "attachments belong to findings"},
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
  EXPECT_EQ(uploads[0].path, attachments_->folder() + "/" + b.sha256);

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
