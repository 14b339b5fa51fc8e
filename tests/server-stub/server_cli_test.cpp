// The office side of `fieldsync-server`, run as a subprocess of the real binary
// (FIELDSYNC_SERVER_PATH): what it prints, its exit codes, and that refused commands
// leave the server database as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fieldsync/server/secrets.h"
#include "fieldsync/server/server_store.h"
#include "process.h"
#include "test_support.h"

namespace fieldsync::server {
namespace {

using testing::must;

// Runs the real binary with exactly `environment` (nothing inherited), so the caller's
// FIELDSYNC_SERVER_DB cannot leak into a test about that variable.
ProcessResult run_server(const std::vector<std::string>& args,
                         const std::vector<std::string>& environment = {}) {
  return run_process(FIELDSYNC_SERVER_PATH, args, environment);
}

class ServerCliTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = dir_.file("server.db"); }

  // Runs `fieldsync-server --db <db> args...`.
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", db_});
    return run_server(args);
  }
  // Runs a command that must succeed and returns what it printed.
  std::string ok(const std::vector<std::string>& args) const {
    ProcessResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  // Users and records on the server, to prove a refused command wrote nothing.
  std::pair<size_t, size_t> snapshot() const {
    auto store = must(open_sqlite_server_store(db_));
    auto txn = must(store->begin(false));
    size_t records = 0;
    for (const auto& c : Schema::property_management().collections()) {
      Status s = txn->for_each_record(c.name, [&](const StoredRecord&) {
        ++records;
        return true;
      });
      EXPECT_TRUE(s.ok()) << s.to_string();
    }
    return {must(txn->list_users()).size(), records};
  }
  std::string last_line(const std::string& out) const {
    std::string text = out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text.substr(text.find_last_of('\n') == std::string::npos ? 0
                                                                    : text.find_last_of('\n') + 1);
  }

  testing::TempDir dir_;
  std::string db_;
};

TEST_F(ServerCliTest, AddsUsersAndRefusesAnUnknownRoleWritingNothing) {
  EXPECT_EQ(ok({"user", "add", "alice", "--role", "collector"}), "user alice (collector)\n");
  const auto before = snapshot();
  ProcessResult bad = run({"user", "add", "bob", "--role", "boss"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("role 'boss' is not one of"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(snapshot(), before);
  const std::string users = ok({"users"});
  EXPECT_NE(users.find("alice"), std::string::npos);
  EXPECT_EQ(users.find("bob"), std::string::npos);

  EXPECT_EQ(run({"user", "add", "carl"}).exit_code, 2);  // no --role
  EXPECT_EQ(run({"user", "deactivate", "nobody"}).exit_code, 4);
  ok({"user", "deactivate", "alice"});
  EXPECT_NE(ok({"users"}).find("alice  collector  no"), std::string::npos);
}

TEST_F(ServerCliTest, TheOfficeSeesAndSetsQuotasAndABadOneChangesNothing) {
  const std::string defaults = ok({"quota"});
  EXPECT_NE(defaults.find("blob_mb_per_device          1024 MiB"), std::string::npos) << defaults;
  EXPECT_NE(defaults.find("changes_per_day_per_device  20000 changes"), std::string::npos) << defaults;
  EXPECT_NE(defaults.find("partial_mb_per_user"), std::string::npos) << defaults;
  EXPECT_EQ(ok({"quota", "blob_mb_per_device", "2048"}), "blob_mb_per_device is 2048 MiB\n");
  EXPECT_NE(ok({"quota"}).find("blob_mb_per_device          2048 MiB"), std::string::npos);
  EXPECT_EQ(ok({"quota", "changes_per_day_per_user", "500"}), "changes_per_day_per_user is 500 changes\n");
  const auto before = snapshot();
  ProcessResult unknown = run({"quota", "photos", "5"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no quota 'photos'; the quotas are blob_mb_per_device, blob_mb_per_user"),
            std::string::npos)
      << unknown.err;
  for (const char* bad : {"0", "-1", "1.5", "99999999", "lots"}) {
    ProcessResult r = run({"quota", "blob_mb_per_user", bad});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("blob_mb_per_user: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(run({"quota", "blob_mb_per_user"}).exit_code, 2);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(ServerCliTest, UserNamesAreLettersOfAnyScriptKeptInOneNormalForm) {
  EXPECT_EQ(ok({"user", "add", "李华", "--role", "collector"}), "user 李华 (collector)\n");
  // "René" typed with a combining accent (as some keyboards send it) is the same user as
  // "René" typed with the composed letter.
  EXPECT_EQ(ok({"user", "add", "Rene\xCC\x81", "--role", "patrol"}), "user Ren\xC3\xA9 (patrol)\n");
  EXPECT_EQ(ok({"enroll-code", "Ren\xC3\xA9"}).size(), 15u);
  EXPECT_EQ(ok({"enroll-code", "李华"}).size(), 15u);
  const auto before = snapshot();
  for (const std::string& bad :
       {std::string("李 华"), std::string("ab\xE2\x80\xAE"), std::string("a\x01"),
        std::string("ab\xE2\x80\x8B"), std::string(65, 'a')}) {
    ProcessResult r = run({"user", "add", bad, "--role", "collector"});
    EXPECT_EQ(r.exit_code, 3) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("user name '"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  ProcessResult bidi = run({"user", "add", "ab\xE2\x80\xAE", "--role", "collector"});
  EXPECT_NE(bidi.err.find("character 3 (U+202E) is not a letter"), std::string::npos) << bidi.err;
  EXPECT_EQ(snapshot(), before);
  const std::string users = ok({"users"});
  EXPECT_NE(users.find("李华"), std::string::npos) << users;
  EXPECT_EQ(users.find("Rene\xCC\x81"), std::string::npos) << users;
}

TEST_F(ServerCliTest, NamesOfUsersTypedInRecordsAreKeptAsTheUserIs) {
  ok({"user", "add", "Ren\xC3\xA9", "--role", "collector"});
  // The office types her name with a combining accent: the plan still names her and
  // lands in her bucket, where her phone reads it.
  ok({"add", "collection_plans", "collector=Rene\xCC\x81", "month=2026-12", "daily_visit_target=5",
      "amount_target=100.00"});
  auto store = must(open_sqlite_server_store(db_));
  auto txn = must(store->begin(false));
  std::vector<StoredRecord> plans;
  ASSERT_TRUE(txn->for_each_record("collection_plans",
                                   [&](const StoredRecord& r) {
                                     plans.push_back(r);
                                     return true;
                                   })
                  .ok());
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].record.fields["collector"], "Ren\xC3\xA9");
  EXPECT_EQ(plans[0].record.bucket, "user:Ren\xC3\xA9:fees");
}

TEST_F(ServerCliTest, IssuesAnEnrollmentCodeForAKnownUser) {
  ok({"user", "add", "alice", "--role", "collector"});
  const std::string code = ok({"enroll-code", "alice", "--ttl-hours", "24"});
  // Twelve characters of five bits (60 bits) in groups of four, and a newline.
  EXPECT_EQ(code.size(), 15u) << code;
  EXPECT_EQ(code.find_first_not_of("ABCDEFGHJKLMNPQRSTUVWXYZ23456789-\n"), std::string::npos);
  EXPECT_EQ(code[4], '-');
  EXPECT_EQ(run({"enroll-code", "nobody"}).exit_code, 4);
  EXPECT_EQ(run({"enroll-code", "alice", "--ttl-hours", "soon"}).exit_code, 2);
  EXPECT_EQ(ok({"devices"}).find("alice"), std::string::npos);  // not enrolled yet

  // Stored under the server's key, kept in a file of its own that only the server reads:
  // the database alone holds nothing a search of all codes could match.
  const auto key_file = std::filesystem::path(db_ + ".key");
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  std::string db_bytes;
  for (const std::string& file : {db_, db_ + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    db_bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  std::ifstream key_in(key_file);
  std::string key;
  std::getline(key_in, key);
  EXPECT_NE(db_bytes.find(server::code_hash(key, server::typed_code(code))), std::string::npos);
  EXPECT_EQ(db_bytes.find(server::secret_hash(server::typed_code(code))), std::string::npos);
  std::filesystem::permissions(key_file, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  ProcessResult exposed = run({"enroll-code", "alice"});
  EXPECT_NE(exposed.exit_code, 0);
  EXPECT_NE(exposed.err.find("chmod 600"), std::string::npos) << exposed.err;
}

TEST_F(ServerCliTest, AddsAndAssignsReferenceData) {
  const std::string estate = last_line(ok({"add", "estates", "name=Riverside"}));
  const std::string building =
      last_line(ok({"add", "buildings", "estate=" + estate, "name=Block A"}));
  ok({"user", "add", "alice", "--role", "collector"});
  ok({"assign", "alice", "--building", building});
  EXPECT_NE(ok({"users"}).find("building " + building + " (Block A)"), std::string::npos);
  ok({"unassign", "alice", "--building", building});
  EXPECT_EQ(ok({"users"}).find(building), std::string::npos);

  const auto before = snapshot();
  ProcessResult bad = run({"add", "charges", "amount=12.345", "colour=red"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("amount:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("colour:"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"assign", "alice", "--estate", building}).exit_code, 4);  // not an estate
  EXPECT_EQ(run({"assign", "alice"}).exit_code, 2);
  EXPECT_EQ(run({"add", "payments", "amount=1"}).exit_code, 3);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(ServerCliTest, EditsReferenceDataButNeverAnEvent) {
  const std::string estate = last_line(ok({"add", "estates", "name=Riverside"}));
  EXPECT_EQ(ok({"edit", estate, "max_amount=200000.00"}), "changed estate " + estate + "\n");
  const auto before = snapshot();
  ProcessResult bad = run({"edit", estate, "max_amount=0", "colour=red"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("colour"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"edit", "01234567-89ab-7def-8123-456789abcdef", "name=X"}).exit_code, 4);
  EXPECT_EQ(run({"edit", estate}).exit_code, 2);
  EXPECT_EQ(snapshot(), before);
  auto store = must(open_sqlite_server_store(db_));
  auto txn = must(store->begin(false));
  auto record = must(txn->get_record(estate));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->record.fields["max_amount"], 20'000'000);
  EXPECT_EQ(must(txn->record_changes(estate)).size(), 2u);  // added, then edited
}

TEST_F(ServerCliTest, ImportsAGoodFileAndRefusesABadOneWithLineNumbers) {
  const std::string estates =
      write("estates.csv",
            "id,name,address\n"
            "11111111-1111-7111-8111-111111111111,Riverside,\"1 River Rd, East\"\n");
  EXPECT_EQ(ok({"import", "estates", estates}),
            "imported 1 record into estates\nline 2  11111111-1111-7111-8111-111111111111\n");
  const auto before = snapshot();
  const std::string bad = write("buildings.csv",
                                "estate,name\n"
                                "11111111-1111-7111-8111-111111111111,Block A\n"
                                "99999999-9999-7999-8999-999999999999,Block B\n"
                                "11111111-1111-7111-8111-111111111111,\n"
                                "11111111-1111-7111-8111-111111111111,Block \"D\"\n");
  ProcessResult r = run({"import", "buildings", bad});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("3 bad rows; nothing was imported"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 3: estate: no estates record"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4: name:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 5: a quote inside an unquoted value"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(), before);

  EXPECT_EQ(run({"import", "buildings", dir_.file("missing.csv")}).exit_code, 4);
  EXPECT_EQ(run({"import", "buildings", write("empty.csv", "")}).exit_code, 3);
  EXPECT_EQ(run({"import", "buildings"}).exit_code, 2);
}

TEST_F(ServerCliTest, ReportsAsJsonAndAsATable) {
  ok({"user", "add", "alice", "--role", "collector"});
  ProcessResult r = run({"report", "--period", "2026-11", "--as-of", "2026-11-30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json report = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_EQ(report["period"], "2026-11");
  EXPECT_TRUE(report["collection"]["period"]["rate"].is_null());  // nothing charged
  EXPECT_EQ(report["open_conflicts"], Json::array());
  EXPECT_NE(ok({"report", "--period=2026-11"}).find("Office report for 2026-11"),
            std::string::npos);
  EXPECT_EQ(run({"report", "--period", "November"}).exit_code, 3);
  EXPECT_EQ(run({"report", "--colour"}).exit_code, 2);
}

TEST_F(ServerCliTest, SetsItsTimeZoneAndClosesEndedMonthsOnly) {
  EXPECT_EQ(last_line(ok({"time-zone", "Asia/Shanghai"})),
            "the server's time zone is Asia/Shanghai; estates added without a time_zone get it");
  EXPECT_EQ(ok({"time-zone"}), "Asia/Shanghai\n");
  ProcessResult unknown = run({"time-zone", "Asia/Atlantis"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("Asia/Atlantis"), std::string::npos) << unknown.err;
  EXPECT_EQ(ok({"time-zone"}), "Asia/Shanghai\n");  // unchanged

  EXPECT_NE(ok({"close-period", "2026-10"}).find("closed 2026-10"), std::string::npos);
  EXPECT_NE(ok({"close-period", "2026-10"}).find("already closed"), std::string::npos);
  ProcessResult future = run({"close-period", "2999-01"});
  EXPECT_EQ(future.exit_code, 3);
  EXPECT_NE(future.err.find("has not ended yet"), std::string::npos) << future.err;
  EXPECT_EQ(run({"close-period", "October"}).exit_code, 3);
  EXPECT_EQ(run({"close-period"}).exit_code, 2);
  auto store = must(open_sqlite_server_store(db_));
  auto txn = must(store->begin(false));
  const auto closed = must(txn->closed_periods());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed.begin()->first, "2026-10");
}

TEST_F(ServerCliTest, UsageDatabaseAndEnvironment) {
  EXPECT_EQ(run_server({}).exit_code, 2);
  EXPECT_EQ(run_server({"users"}).exit_code, 2);  // no --db
  EXPECT_EQ(run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run({"users"}).exit_code, 4);  // no database yet, and none is made
  EXPECT_EQ(run({"report"}).exit_code, 4);
  ok({"user", "add", "alice", "--role", "office"});
  ProcessResult from_env = run_server({"users"}, {"FIELDSYNC_SERVER_DB=" + db_});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_NE(from_env.out.find("alice"), std::string::npos);

  const std::string not_a_db = write("notes.txt", "these are not the tables you are looking for\n");
  ProcessResult foreign = run_server({"--db", not_a_db, "users"});
  EXPECT_EQ(foreign.exit_code, 5) << foreign.err;

  ProcessResult help = run_server({"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("import COLLECTION FILE.csv"), std::string::npos);
  EXPECT_EQ(run_server({"help", "report"}).exit_code, 0);
}

}  // namespace
}  // namespace fieldsync::server
