// The attachment commands (attach, attachments, fetch-attachment, reclaim-space,
// attachment-limits) and the attachment lines of status, run as a subprocess.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "cli_fixture.h"
#include "fieldsync/attachments.h"
#include "fieldsync/id.h"

namespace fieldsync::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CliAttachmentsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    estate_ = seed();
    finding_ = json({"finding", "--estate", estate_.estate, "--category", "fire", "--severity",
                     "high", "--description", "blocked exit"})["id"];
  }

  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = dir_.file(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    return path;
  }

  std::string folder() const { return db_ + ".blobs"; }

  // Every file in the blob folder and its tmp/.
  std::vector<std::string> blob_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(folder(), ec)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(folder(), ec)) {
      if (entry.is_regular_file()) out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // expect_refused, and the blob folder is untouched too.
  void expect_attach_refused(const std::vector<std::string>& args, int exit_code,
                             const std::string& expected) const {
    const auto files = blob_files();
    expect_refused(args, exit_code, expected);
    EXPECT_EQ(blob_files(), files) << "a refused command left a file in the blob folder";
  }

  CliEstate estate_;
  std::string finding_;
};

TEST_F(CliAttachmentsTest, AttachPrintsTheAttachmentAndItsHash) {
  const std::string bytes = photo_bytes(3000, 1);
  ProcessResult r = cli({"attach", "findings", finding_, write("door.jpg", bytes)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string hash = Sha256::of(bytes);
  EXPECT_NE(r.out.find("sha256      " + hash + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("media type  image/jpeg\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("size        2.9 KiB\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bytes       waiting to upload\n"), std::string::npos) << r.out;
  const Json listed = json({"attachments"});
  ASSERT_EQ(listed["attachments"].size(), 1u);
  EXPECT_EQ(
      r.out.rfind("attachment  " + listed["attachments"][0]["id"].get<std::string>() + "\n", 0), 0u)
      << r.out;
  EXPECT_EQ(read_file(folder() + "/" + hash), bytes);
}

TEST_F(CliAttachmentsTest, AttachJsonIsTheRecordWithTheStateOfItsBytes) {
  const std::string bytes = photo_bytes(5000, 2);
  Json a = json({"attach", "findings", finding_, write("door.jpg", bytes), "--caption", "before",
                 "--pin", "--media-type", "image/jpeg"});
  EXPECT_EQ(a["collection"], "attachments");
  EXPECT_TRUE(parse_id(a["id"].get<std::string>()).ok()) << a.dump();
  EXPECT_EQ(a["bucket"], "estate:" + estate_.estate + ":patrol");
  const Json& f = a["fields"];
  EXPECT_EQ(f["finding"], finding_);
  EXPECT_EQ(f["sha256"], Sha256::of(bytes));
  EXPECT_EQ(f["size"], 5000);
  EXPECT_EQ(f["media_type"], "image/jpeg");
  EXPECT_EQ(f["file_name"], "door.jpg");
  EXPECT_EQ(f["caption"], "before");
  EXPECT_EQ(f["attached_by"], "alice");
  EXPECT_TRUE(f["attached_at"].is_number_integer());
  EXPECT_EQ(a["state"], "upload");
  EXPECT_EQ(a["uploaded"], 0);
  EXPECT_EQ(a["local"], true);
  EXPECT_EQ(a["pinned"], true);
  EXPECT_FALSE(a.contains("last_error"));
}

TEST_F(CliAttachmentsTest, AttachmentsListsEachWithItsStateAndTheSpaceUsed) {
  const std::string order = json({"work-order", "--household", estate_.household, "--category",
                                  "plumbing", "--description", "kitchen leak"})["id"];
  const std::string bytes = photo_bytes(2048, 3);
  json({"attach", "findings", finding_, write("a.jpg", bytes)});
  json({"attach", "work_orders", order, write("b.jpg", bytes)});  // the same photo: stored once

  Json all = json({"attachments"});
  ASSERT_EQ(all["attachments"].size(), 2u);
  for (const Json& a : all["attachments"]) {
    EXPECT_EQ(a["state"], "upload");
    EXPECT_EQ(a["local"], true);
  }
  EXPECT_EQ(all["usage"]["local_bytes"], 2048);
  EXPECT_EQ(all["usage"]["upload_bytes"], 2048);
  EXPECT_EQ(all["usage"]["evictable_bytes"], 0);
  EXPECT_EQ(all["usage"]["remote_blobs"], 0);

  Json of_order = json({"attachments", "work_orders", order});
  ASSERT_EQ(of_order["attachments"].size(), 1u);
  EXPECT_EQ(of_order["attachments"][0]["fields"]["work_order"], order);

  ProcessResult table = cli({"attachments"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("finding " + finding_), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("work_order " + order), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(Sha256::of(bytes).substr(0, 12)), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("waiting to upload"), std::string::npos) << table.out;
  EXPECT_NE(
      table.out.find("2.0 KiB on this device, 2.0 KiB waiting to upload, 0 B can be reclaimed; 0 "
                     "attachments only on the server\n"),
      std::string::npos)
      << table.out;

  expect_refused({"attachments", "findings"}, 2, "a collection and a record id");
  expect_refused({"attachments", "payments", finding_}, 3, "have no attachments");
}

TEST_F(CliAttachmentsTest, BadInputIsRefusedWithItsExitCodeAndKeepsNothing) {
  const std::string jpeg = write("door.jpg", photo_bytes(2000, 4));
  fs::create_directories(dir_.file("photos"));
  expect_attach_refused({"attach", "findings", finding_, dir_.file("nowhere.jpg")}, 4,
                        "no file at");
  expect_attach_refused({"attach", "findings", finding_, dir_.file("photos")}, 3, "is not a file");
  expect_attach_refused({"attach", "findings", finding_, write("empty.jpg", "")}, 3, "is empty");
  expect_attach_refused(
      {"attach", "findings", finding_, write("notes.txt", "plain text, not a photo")}, 3,
      "is not a photo or document");
  expect_attach_refused({"attach", "findings", finding_, jpeg, "--media-type", "image/png"}, 3,
                        "its bytes are image/jpeg");
  expect_attach_refused({"attach", "households", estate_.household, jpeg}, 3,
                        "attachments belong to");
  expect_attach_refused({"attach", "findings", new_id(), jpeg}, 4, "no finding");
  expect_attach_refused({"attach", "findings", finding_}, 2, "");
  if (::geteuid() != 0) {  // root reads a file whatever its mode
    const std::string locked = write("locked.jpg", photo_bytes(2000, 5));
    fs::permissions(locked, fs::perms::none);
    expect_attach_refused({"attach", "findings", finding_, locked}, 5, "cannot read");
  }

  ProcessResult set = cli(
      {"attachment-limits", "--max-size", "1KiB", "--max-queue", "1500", "--types", "image/jpeg"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  expect_attach_refused({"attach", "findings", finding_, jpeg}, 3, "may be at most 1.0 KiB");
  expect_attach_refused({"attach", "findings", finding_, write("n.pdf", "%PDF-1.4\nnot much more")},
                        3, "which this device does not allow");
  json({"attach", "findings", finding_, write("small.jpg", photo_bytes(1000, 6))});
  expect_attach_refused({"attach", "findings", finding_, write("other.jpg", photo_bytes(600, 7))},
                        6, "the upload queue is full");
  EXPECT_EQ(blob_files().size(), 1u);
}

TEST_F(CliAttachmentsTest, AttachmentLimitsShowsSetsAndRefusesNonsense) {
  Json defaults = json({"attachment-limits"});
  EXPECT_EQ(defaults["max_bytes"], 25 << 20);
  EXPECT_EQ(defaults["max_queue_bytes"], int64_t{512} << 20);
  EXPECT_EQ(defaults["media_types"], Json(attachment_media_types()));

  Json set = json({"attachment-limits", "--max-size", "10MiB", "--max-queue", "1G", "--types",
                   "image/jpeg,application/pdf"});
  EXPECT_EQ(set["max_bytes"], 10 << 20);
  EXPECT_EQ(set["max_queue_bytes"], 1 << 30);
  EXPECT_EQ(set["media_types"], Json::array({"image/jpeg", "application/pdf"}));
  EXPECT_EQ(json({"attachment-limits"}), set);  // kept in the database

  ProcessResult shown = cli({"attachment-limits"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out,
            "largest attachment  10.0 MiB\n"
            "upload queue        1024.0 MiB\n"
            "media types         image/jpeg, application/pdf\n");

  expect_refused({"attachment-limits", "--max-size", "abc"}, 3, "is not a size");
  expect_refused({"attachment-limits", "--max-size", "10XB"}, 3, "is not a size");
  expect_refused({"attachment-limits", "--max-size", "-5"}, 3, "is not a size");
  expect_refused({"attachment-limits", "--max-size", "0"}, 3, "max_bytes");
  expect_refused({"attachment-limits", "--max-size", "2GiB", "--max-queue", "4GiB"}, 3,
                 "max_bytes");
  expect_refused({"attachment-limits", "--max-queue", "1MiB"}, 3,
                 "max_queue_bytes: must be at least");
  expect_refused({"attachment-limits", "--types", "image/gif"}, 3, "'image/gif' is not one of");
  expect_refused({"attachment-limits", "--types", ""}, 3, "media_types");
  // 17179869185 GiB is 2^64 + 1 GiB bytes: it must not wrap around to 1 GiB.
  expect_refused({"attachment-limits", "--max-size", "17179869185GiB"}, 3, "--max-size");
  expect_refused({"attachment-limits", "--max-queue", "999999999999G"}, 3, "--max-queue");
  expect_refused({"attachment-limits", "--max-size"}, 2, "");
  EXPECT_EQ(json({"attachment-limits"}), set);  // every refusal left the limits alone
}

TEST_F(CliAttachmentsTest, ReclaimSpaceFreesNothingThatIsNotOnTheServer) {
  const std::string bytes = photo_bytes(4000, 8);
  json({"attach", "findings", finding_, write("a.jpg", bytes)});
  Json reclaimed = json({"reclaim-space"});
  EXPECT_EQ(reclaimed["freed_bytes"], 0);
  EXPECT_EQ(reclaimed["local_bytes"], 4000);
  EXPECT_EQ(read_file(folder() + "/" + Sha256::of(bytes)), bytes);

  ProcessResult text = cli({"reclaim-space", "--bytes", "200MiB"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "freed       0 B\nstill here  3.9 KiB\n");
  expect_refused({"reclaim-space", "--bytes", "lots"}, 3, "is not a size");
  expect_refused({"reclaim-space", "extra"}, 2, "");
}

TEST_F(CliAttachmentsTest, StatusShowsTheAttachmentBytesWaitingToUpload) {
  Json before = json({"status"});
  EXPECT_EQ(before["pending_attachments"], 0);
  EXPECT_EQ(before["pending_attachment_bytes"], 0);

  json({"attach", "findings", finding_, write("a.jpg", photo_bytes(4000, 9))});
  json({"attach", "findings", finding_, write("b.jpg", photo_bytes(6000, 10))});
  json({"attach", "findings", finding_, write("c.jpg", photo_bytes(4000, 9))});  // a.jpg again
  Json after = json({"status"});
  EXPECT_EQ(after["pending_attachments"], 2);
  EXPECT_EQ(after["pending_attachment_bytes"], 10000);
  EXPECT_EQ(after["pending_changes"], before["pending_changes"].get<int64_t>() + 3);

  ProcessResult text = cli({"status"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("attachments to upload  2 (10000 bytes)\n"), std::string::npos)
      << text.out;
}

TEST_F(CliAttachmentsTest, FetchAttachmentOfALocalOnePrintsItsPathAndCopiesIt) {
  const std::string bytes = photo_bytes(7000, 11);
  const std::string id = json({"attach", "findings", finding_, write("a.jpg", bytes)})["id"];
  const std::string hash = Sha256::of(bytes);

  ProcessResult by_id = cli({"fetch-attachment", id});
  ASSERT_EQ(by_id.exit_code, 0) << by_id.err;
  EXPECT_EQ(by_id.out, folder() + "/" + hash + "\n");

  Json by_hash = json({"fetch-attachment", hash});
  EXPECT_EQ(by_hash, Json({{"id", id}, {"sha256", hash}, {"path", folder() + "/" + hash}}));

  const std::string out = dir_.file("copy.jpg");
  ProcessResult copied = cli({"fetch-attachment", id, "--out", out});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(copied.out, out + "\n");
  EXPECT_EQ(read_file(out), bytes);

  expect_refused({"fetch-attachment", new_id()}, 4, "no attachment");
  expect_refused({"fetch-attachment", std::string(64, 'a')}, 4,
                 "no attachment on this device has the hash");
  expect_refused({"fetch-attachment", id, "--out", dir_.file("no-such-folder/copy.jpg")}, 5,
                 "cannot write");
}

TEST_F(CliAttachmentsTest, FetchAttachmentOfARemoteOneNeedsTheServer) {
  // Another phone's attachment record arrives with a sync; its bytes stay on the server.
  const std::string bytes = photo_bytes(9000, 12);
  const std::string hash = Sha256::of(bytes);
  {
    auto store = must(DeviceStore::open(db_));
    Record r;
    r.collection = "attachments";
    r.id = new_id();
    r.bucket = "estate:" + estate_.estate;
    r.fields = {{"finding", finding_},  {"sha256", hash},
                {"size", 9000},         {"media_type", "image/jpeg"},
                {"attached_by", "bob"}, {"attached_at", kSaturdayMorning}};
    for (const auto& [field, value] : r.fields.items())
      r.stamps[field] = "0193a6f20000.00000000.server";
    ASSERT_TRUE(store->apply_pull_page({r}, {{r.bucket, 1}}).ok());
  }
  Json listed = json({"attachments"});
  ASSERT_EQ(listed["attachments"].size(), 1u);
  EXPECT_EQ(listed["attachments"][0]["state"], "remote");
  EXPECT_EQ(listed["attachments"][0]["local"], false);
  EXPECT_EQ(listed["usage"]["remote_blobs"], 1);
  ProcessResult table = cli({"attachments"});
  EXPECT_NE(table.out.find("on the server only"), std::string::npos) << table.out;

  expect_refused({"fetch-attachment", hash}, 3, "no server address");
  expect_refused({"fetch-attachment", hash, "--server", "http://127.0.0.1:1"}, 6, "not enrolled");
  {
    auto store = must(DeviceStore::open(db_));
    ASSERT_TRUE(store->set_sync_value("device_token", "token-of-this-device").ok());
  }
  // Port 1 refuses connections: unreachable after the retries, and nothing is kept.
  ProcessResult unreachable = cli({"fetch-attachment", hash, "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(unreachable.exit_code, 7) << unreachable.err;
  EXPECT_TRUE(unreachable.out.empty()) << unreachable.out;
  EXPECT_FALSE(fs::exists(folder() + "/" + hash));
  EXPECT_EQ(json({"attachments"})["attachments"][0]["state"], "remote");
}

}  // namespace
}  // namespace fieldsync::testing
