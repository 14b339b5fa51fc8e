// The office report's list of attachments whose bytes have not arrived: through the
// library with a BlobStore, and through `fieldsync-server report` with the default
// blob folder beside the database.
#include <gtest/gtest.h>

#include "fieldsync/attachments.h"
#include "fieldsync/clock.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/office_report.h"
#include "process.h"
#include "test_support.h"

namespace fieldsync::server {
namespace {

using testing::must;

class ReportWorld {
 public:
  ReportWorld() : clock(testing::kSaturdayMorning) {
    store = must(open_sqlite_server_store(db()));
    OfficeAdmin admin(*store, Schema::property_management(), clock);
    const std::string estate = must(admin.create_record("estates", {{"name", "Riverside"}})).id;
    const std::string building =
        must(admin.create_record("buildings", {{"estate", estate}, {"name", "Block A"}})).id;
    const std::string order =
        must(admin.create_record("work_orders", {{"building", building},
                                                 {"area", "lobby"},
                                                 {"category", "plumbing"},
                                                 {"channel", "phone"},
                                                 {"description", "leak"},
                                                 {"priority", "normal"},
                                                 {"status", "reported"},
                                                 {"reported_at", testing::kSaturdayMorning}}))
            .id;
    for (const auto& [bytes, minutes] : {std::pair<std::string, int>{uploaded, 5}, {half, 1}}) {
      must(admin.create_record("attachments",
                               {{"work_order", order},
                                {"sha256", Sha256::of(bytes)},
                                {"size", static_cast<int64_t>(bytes.size())},
                                {"media_type", "image/png"},
                                {"attached_by", "tom"},
                                {"attached_at", testing::kSaturdayMorning + minutes * 60000}}));
    }
    blobs = must(BlobStore::open(db() + ".blobs"));
    must(blobs->append(Sha256::of(uploaded), static_cast<int64_t>(uploaded.size()), 0, uploaded, "device-1"));
    must(blobs->append(Sha256::of(half), static_cast<int64_t>(half.size()), 0,
                       std::string_view(half).substr(0, 10), "device-1"));
  }

  std::string db() const { return dir.file("server.db"); }

  testing::TempDir dir;
  ManualClock clock;
  const std::string uploaded = "the whole photo", half = "half of a photo that is long";
  std::unique_ptr<ServerStore> store;
  std::unique_ptr<BlobStore> blobs;
};

TEST(OfficeReportBlobs, ListsAttachmentsWhoseBytesHaveNotArrived) {
  ReportWorld w;
  OfficeReport report = must(build_office_report(*w.store, Schema::property_management(), "2026-11",
                                                 "2026-11-30", w.blobs.get()));
  ASSERT_TRUE(report.attachments_waiting.has_value());
  ASSERT_EQ(report.attachments_waiting->size(), 1u);
  const WaitingAttachment& waiting = report.attachments_waiting->front();
  EXPECT_EQ(waiting.sha256, Sha256::of(w.half));
  EXPECT_EQ(waiting.size, static_cast<int64_t>(w.half.size()));
  EXPECT_EQ(waiting.received, 10);
  EXPECT_EQ(waiting.attached_by, "tom");
  EXPECT_EQ(to_json(report)["attachments_waiting_for_bytes"].size(), 1u);
  EXPECT_NE(to_table(report).find("Attachments waiting for their bytes (1)"), std::string::npos);

  OfficeReport without =
      must(build_office_report(*w.store, Schema::property_management(), "2026-11", "2026-11-30"));
  EXPECT_FALSE(without.attachments_waiting.has_value());
  EXPECT_FALSE(to_json(without).contains("attachments_waiting_for_bytes"));
  EXPECT_EQ(to_table(without).find("Attachments waiting"), std::string::npos);
}

TEST(OfficeReportBlobs, TheCommandLineFindsTheBlobFolderBesideTheDatabase) {
  ReportWorld w;
  w.store.reset();
  ProcessResult r = run_process(
      FIELDSYNC_SERVER_PATH,
      {"--db", w.db(), "report", "--period", "2026-11", "--as-of", "2026-11-30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json report = Json::parse(r.out);
  ASSERT_TRUE(report.contains("attachments_waiting_for_bytes")) << r.out;
  ASSERT_EQ(report["attachments_waiting_for_bytes"].size(), 1u);
  EXPECT_EQ(report["attachments_waiting_for_bytes"][0]["received"], 10);
}

}  // namespace
}  // namespace fieldsync::server
