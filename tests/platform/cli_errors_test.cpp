// Bad input and bad databases: each is refused with the documented exit code and a
// message naming the problem, and nothing is written (the records and the outbox are
// unchanged; a file that is not ours is left byte for byte as it was).
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_fixture.h"

namespace fieldsync::testing {
namespace {

using CliErrorsTest = CliTest;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST_F(CliErrorsTest, BadAmountsAreRefused) {
  CliEstate e = seed();
  expect_refused({"pay", "--household", e.household, "--amount", "12.345"}, 3,
                 "more than two decimals");
  expect_refused({"pay", "--household", e.household, "--amount", "abc"}, 3,
                 "'abc' is not an amount");
  expect_refused({"pay", "--household", e.household, "--amount", "-5"}, 3, "negative");
  expect_refused({"pay", "--household", e.household, "--amount", "0"}, 3,
                 "--amount: must be at least 0.01");
  expect_refused({"add", "charges", "household=" + e.household, "fee_item=x", "period=2026-11",
                  "amount=1.234"},
                 3, "amount: '1.234' has more than two decimals");
  expect_refused({"visit", "--household", e.household, "--outcome", "promised", "--promise-date",
                  "2026-12-05", "--promise-amount", "ten"},
                 3, "--promise-amount");
}

TEST_F(CliErrorsTest, UnknownOrMalformedReferencesAreRefused) {
  CliEstate e = seed();
  const std::string nobody = "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b";
  expect_refused({"visit", "--household", nobody, "--outcome", "not_home"}, 3,
                 "no household with id " + nobody);
  expect_refused({"pay", "--household", nobody, "--amount", "5"}, 3, "no household with id");
  expect_refused({"pay", "--household", "12345", "--amount", "5"}, 3, "'12345' is not an id");
  expect_refused({"void", "--payment", "not-an-id", "--reason", "x"}, 3, "is not an id");
  expect_refused(
      {"pay", "--household", e.other_household, "--amount", "5", "--charges", e.charge_nov}, 3,
      "belongs to another household");
  expect_refused({"check-in", "--route", e.route, "--checkpoint", e.other_checkpoint}, 3,
                 "is not on route");
  expect_refused({"add", "units", "building=" + e.estate, "number=1"}, 3, "not a building");
}

TEST_F(CliErrorsTest, ValuesOutsideTheirChoicesOrRangesAreRefused) {
  CliEstate e = seed();
  expect_refused({"visit", "--household", e.household, "--outcome", "bogus"}, 3,
                 "'bogus' is not one of paid_full");
  expect_refused({"visit", "--household", e.household, "--outcome", "promised"}, 3,
                 "promise_date: a promised payment needs the date");
  expect_refused(
      {"visit", "--household", e.household, "--outcome", "not_home", "--at", "yesterday"}, 3,
      "--at: 'yesterday' is not a time");
  expect_refused({"pay", "--household", e.household, "--amount", "5", "--periods", "2026-13"}, 3,
                 "periods: '2026-13' is not a real month");
  // The declaration's own checks across fields: invalid input, every problem at once.
  expect_refused({"work-order", "--category", "other", "--description", "x"}, 3,
                 "household: give a household or a building; area: a work order for a public area "
                 "names the area");
  expect_refused(
      {"work-order", "--building", e.building, "--category", "other", "--description", "x"}, 3,
      "area: a work order for a public area names the area");
  expect_refused({"return-visit", "--satisfaction", "3"}, 3,
                 "work_order: give a work_order or a complaint");
  expect_refused({"finding", "--estate", e.estate, "--category", "fire", "--severity", "huge",
                  "--description", "x"},
                 3, "--severity: 'huge' is not one of low");
  expect_refused(
      {"check-in", "--route", e.route, "--checkpoint", e.checkpoint, "--location", "95,10"}, 3,
      "lat must be between -90 and 90");
  const std::string order = json({"work-order", "--household", e.household, "--category", "other",
                                  "--description", "x"})["id"];
  expect_refused({"return-visit", "--work-order", order, "--satisfaction", "6"}, 3,
                 "--satisfaction: must be at most 5");
  expect_refused({"advance", "work_orders", order, "finished"}, 3,
                 "'finished' is not a stage of a work order; the stages are reported");
  expect_refused({"advance", "households", e.household, "closed"}, 3, "households have no status");
}

TEST_F(CliErrorsTest, UnknownCollectionsAndFieldsAreNamed) {
  CliEstate e = seed();
  expect_refused({"add", "nothing", "name=x"}, 3,
                 "unknown collection 'nothing'; the collections are: estates");
  expect_refused({"list", "nothing"}, 3, "unknown collection 'nothing'");
  expect_refused({"add", "estates", "name=x", "colour=red"}, 3,
                 "unknown field 'colour'; the fields of estates are: name, address, archived");
  expect_refused({"edit", "households", e.household, "colour=red"}, 3, "unknown field 'colour'");
  expect_refused({"add", "estates", "nme=x"}, 3, "unknown field 'nme'; did you mean `name`?");
  expect_refused({"list", "households", "ownr_name=x"}, 3,
                 "unknown field 'ownr_name'; did you mean `owner_name`?");
  expect_refused({"edit", "households", e.household, "unit=" + e.unit}, 3, "unit: is immutable");
  expect_refused({"edit", "households", e.household, "owner_name="}, 3,
                 "is required and cannot be cleared");
  expect_refused({"add", "payments", "household=" + e.household, "amount=1", "method=cash",
                  "collector=a", "paid_at=2026-11-28", "receipt_number=X-1"},
                 3, "receipt_number: is set by fieldsync");
  expect_refused({"add", "estates"}, 3, "name: is required");
  const std::string visit =
      json({"visit", "--household", e.household, "--outcome", "not_home"})["id"];
  expect_refused({"edit", "fee_visits", visit, "note=changed"}, 3, "append-only");
}

TEST_F(CliErrorsTest, TyposGetTheNearestCommandOptionCollectionOrValue) {
  CliEstate e = seed();
  expect_refused({"payy", "--household", e.household}, 2,
                 "unknown command 'payy'; did you mean `pay`?");
  expect_refused({"lst", "households"}, 2, "did you mean `list`?");
  expect_refused({"pay", "--househld", e.household, "--amount", "5"}, 2,
                 "unknown option '--househld'; did you mean `--household`?");
  expect_refused({"list", "househols"}, 3,
                 "unknown collection 'househols'; did you mean `households`?");
  expect_refused({"visit", "--household", e.household, "--outcome", "not_hom"}, 3,
                 "did you mean `not_home`?");
  // An unknown command points to the list of commands, not to its own help.
  ProcessResult r = cli_raw({"--db", db_, "help", "payy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean `pay`?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run 'fieldsync help' for usage"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("help help"), std::string::npos) << r.err;
}

TEST_F(CliErrorsTest, TextThatIsNotUtf8IsRefused) {
  expect_refused({"add", "estates", std::string("name=Caf\xe9")}, 3, "not valid UTF-8");
}

TEST_F(CliErrorsTest, UsageErrorsExitWith2) {
  CliEstate e = seed();
  expect_refused({"frobnicate"}, 2, "unknown command 'frobnicate'");
  expect_refused({"pay", "--household", e.household, "--amount", "5", "--tip", "1"}, 2,
                 "unknown option '--tip'");
  expect_refused({"pay", "--household", e.household}, 2, "missing --amount");
  expect_refused({"pay", "--household", e.household, "--amount"}, 2, "option --amount needs");
  expect_refused({"pay", "--household", e.household, "--amount", "1", "--amount", "2"}, 2,
                 "--amount is given twice");
  expect_refused({"list", "households", "--limit", "lots"}, 2, "--limit needs a whole number");
  expect_refused({"add", "estates", "Riverside"}, 2, "expected field=value, got 'Riverside'");
  expect_refused({"edit", "households", e.household}, 2, "missing field=value");
  expect_refused({"show", "households"}, 2, "missing <collection> <id>");
  expect_refused({"arrears", e.household, "extra"}, 2, "unexpected argument 'extra'");
  expect_refused({"visits", "--collector", "alice", "--from", "2026-11-01"}, 2, "missing --to");

  ProcessResult none = cli_raw({"info"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("pass --db PATH or set FIELDSYNC_DB"), std::string::npos) << none.err;
}

TEST_F(CliErrorsTest, JsonErrorsAreAnObjectOnStdout) {
  CliEstate e = seed();
  ProcessResult r = cli({"--json", "pay", "--household", e.household, "--amount", "12.345"});
  EXPECT_EQ(r.exit_code, 3);
  Json error = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(error.is_discarded()) << r.out;
  EXPECT_EQ(error["error"]["code"], "invalid_argument");
  EXPECT_EQ(error["error"]["exit_code"], 3);
  EXPECT_NE(error["error"]["message"].get<std::string>().find("12.345"), std::string::npos);
  ASSERT_EQ(error["error"]["details"].size(), 1u);
  // Said once: the message names the problem, so it is not listed again under it.
  EXPECT_EQ(r.err,
            "fieldsync: error: invalid payment: --amount: '12.345' has more than two decimals\n")
      << r.err;

  ProcessResult missing =
      cli({"show", "payments", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b", "--json"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_EQ(Json::parse(missing.out)["error"]["code"], "not_found");
}

TEST_F(CliErrorsTest, MissingRecordsAreNotFound) {
  const std::string nobody = "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b";
  expect_refused({"show", "households", nobody}, 4, "no household with id " + nobody);
  expect_refused({"arrears", nobody}, 4, "no household with id");
  expect_refused({"edit", "estates", nobody, "name=x"}, 4, "no estate with id");
  expect_refused({"reopen", "work_orders", nobody}, 4, "no work order with id");
}

TEST_F(CliErrorsTest, InitRefusesAFileThatExists) {
  const std::string before = read_bytes(db_);
  expect_refused({"init", "--device-code", "C002", "--user", "bob"}, 6, "already exists");
  EXPECT_EQ(read_bytes(db_), before);
  EXPECT_EQ(json({"info"})["device_code"], "C001");

  const std::string fresh = dir_.file("bad.db");
  ProcessResult bad = cli_raw({"--db", fresh, "init", "--device-code", "c2", "--user", "bob"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("device code: must be 2 to 8 upper-case"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(fresh));
}

TEST_F(CliErrorsTest, AMissingDatabaseIsNotFoundExceptForInit) {
  const std::string missing = dir_.file("missing.db");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"info"}, {"list", "households"}, {"outbox"}, {"add", "estates", "name=x"}}) {
    std::vector<std::string> all = {"--db", missing};
    all.insert(all.end(), args.begin(), args.end());
    ProcessResult r = cli_raw(all);
    EXPECT_EQ(r.exit_code, 4) << args[0];
    EXPECT_NE(r.err.find("no fieldsync database at '" + missing + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("a phone joins the office with 'fieldsync enroll"), std::string::npos)
        << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing)) << args[0] << " created the file";
  }
  EXPECT_EQ(cli_raw({"--db", missing, "init", "--device-code", "C9", "--user", "x"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(missing));
}

// Every command that opens the database refuses a file that is not ours with exit 5
// and leaves it exactly as it was (no -wal or -shm beside it either).
class CliForeignFileTest : public CliTest {
 protected:
  void expect_untouched(const std::string& path, const std::string& expected) {
    const std::string before = read_bytes(path);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"info"}, {"add", "estates", "name=x"}, {"outbox"}, {"list", "estates"}}) {
      std::vector<std::string> all = {"--db", path};
      all.insert(all.end(), args.begin(), args.end());
      ProcessResult r = cli_raw(all);
      EXPECT_EQ(r.exit_code, 5) << args[0] << ": " << r.err;
      EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    }
    EXPECT_EQ(read_bytes(path), before);
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
    EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  }
};

TEST_F(CliForeignFileTest, ATextFileIsNotADatabase) {
  const std::string path = dir_.file("notes.txt");
  write_bytes(path, "shopping list\nmilk\neggs\n");
  expect_untouched(path, "not a fieldsync database");
}

TEST_F(CliForeignFileTest, AnotherApplicationsSqliteDatabaseIsLeftAlone) {
  const std::string path = dir_.file("other.sqlite");
  sqlite_exec(path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Li');");
  ASSERT_FALSE(read_bytes(path).empty());
  expect_untouched(path, "another application");
}

TEST_F(CliForeignFileTest, AnEmptyFileIsNotADatabase) {
  const std::string path = dir_.file("empty.db");
  write_bytes(path, "");
  expect_untouched(path, "empty file");
}

TEST_F(CliForeignFileTest, ADatabaseFromANewerFieldsyncIsRefused) {
  sqlite_exec(db_, "PRAGMA user_version = 99");
  const std::string before = read_bytes(db_);
  ProcessResult r = cli({"info"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("newer fieldsync"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(db_), before);
}

}  // namespace
}  // namespace fieldsync::testing
