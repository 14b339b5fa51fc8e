// `fieldsync-server serve`'s blob options, run as a subprocess of the real binary
// (FIELDSYNC_SERVER_PATH): --max-blob-mb refuses bad values, --blobs names the folder
// (by default beside the database), and stale partial uploads are removed at start.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "fieldsync/attachments.h"
#include "fieldsync/server/blob_store.h"
#include "process.h"
#include "test_support.h"

namespace fieldsync::server {
namespace {

namespace fs = std::filesystem;

TEST(ServeBlobs, ABadMaximumBlobSizeIsAUsageErrorNamingTheOption) {
  testing::TempDir dir;
  for (const std::string bad : {"0", "-1", "abc", "1025", "5MB", ""}) {
    ProcessResult r = run_process(FIELDSYNC_SERVER_PATH, {"--db", dir.file("server.db"), "serve",
                                                          "--port", "0", "--max-blob-mb", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--max-blob-mb takes a whole number from 1 to 1024"), std::string::npos)
        << r.err;
  }
}

TEST(ServeBlobs, ABlobFolderThatCannotBeMadeIsAClearError) {
  testing::TempDir dir;
  std::ofstream(dir.file("a-file")) << "x";
  ProcessResult r = run_process(
      FIELDSYNC_SERVER_PATH,
      {"--db", dir.file("server.db"), "serve", "--port", "0", "--blobs", dir.file("a-file/blobs")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot create the blob folder"), std::string::npos) << r.err;
}

// Starts `serve` with `args`, waits for it to listen, and stops it with SIGTERM.
void serve_once(const std::vector<std::string>& args) {
  std::string error;
  auto server = ChildProcess::start(FIELDSYNC_SERVER_PATH, args, error);
  ASSERT_TRUE(server) << error;
  auto line = server->read_line(std::chrono::seconds(20));
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("listening on http://127.0.0.1:"), std::string::npos) << *line;
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(), 0);
}

TEST(ServeBlobs, TheBlobFolderIsBesideTheDatabaseUnlessGiven) {
  testing::TempDir dir;
  serve_once({"--db", dir.file("server.db"), "serve", "--port", "0", "--max-blob-mb", "200"});
  EXPECT_TRUE(fs::is_directory(dir.file("server.db.blobs/partial")));
  serve_once(
      {"--db", dir.file("server.db"), "serve", "--port", "0", "--blobs", dir.file("photos")});
  EXPECT_TRUE(fs::is_directory(dir.file("photos/partial")));
}

TEST(ServeBlobs, PartialUploadsUntouchedForADayAreRemovedAtStart) {
  testing::TempDir dir;
  fs::create_directories(dir.file("blobs/partial"));
  const std::string stale =
      dir.file("blobs/partial/" + BlobStore::partial_name(Sha256::of("stale"), "device-1"));
  const std::string stale_owner = stale + ".owner";
  const std::string fresh =
      dir.file("blobs/partial/" + BlobStore::partial_name(Sha256::of("fresh"), "device-2"));
  std::ofstream(stale) << "old bytes";
  std::ofstream(stale_owner) << "device-1";
  std::ofstream(fresh) << "new bytes";
  std::ofstream(fresh + ".owner") << "device-2";
  const auto day_and_more = fs::file_time_type::clock::now() - std::chrono::hours(25);
  fs::last_write_time(stale, day_and_more);
  fs::last_write_time(stale_owner, day_and_more);
  fs::last_write_time(fresh, fs::file_time_type::clock::now() - std::chrono::hours(23));
  serve_once({"--db", dir.file("server.db"), "serve", "--port", "0", "--blobs", dir.file("blobs")});
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(stale_owner));
  EXPECT_TRUE(fs::exists(fresh));
}

}  // namespace
}  // namespace fieldsync::server
