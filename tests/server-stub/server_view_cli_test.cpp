// The office's own view of its records through the real `fieldsync-server` binary
// (FIELDSYNC_SERVER_PATH): list, show and export, named as the declarations name
// records; import of a GB18030 file; tables aligned by screen columns for Chinese names;
// and the suggestions a typo gets.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "process.h"
#include "test_support.h"
#include "text/text.h"

namespace fieldsync::server {
namespace {

using testing::must;

class ServerViewCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("server.db");
    estate_ = single_line(ok({"add", "estates", "name=Sunrise"}));
    building_ = single_line(ok({"add", "buildings", "estate=" + estate_, "name=B1"}));
    unit_101_ = single_line(ok({"add", "units", "building=" + building_, "number=101"}));
    unit_1202_ = single_line(ok({"add", "units", "building=" + building_, "number=1202"}));
    li_ = single_line(
        ok({"add", "households", "unit=" + unit_101_, "owner_name=李华", "phones=13800000000"}));
    wang_ = single_line(ok({"add", "households", "unit=" + unit_1202_, "owner_name=Wang Li"}));
  }

  ProcessResult run(std::vector<std::string> args, const std::string& db = {}) const {
    args.insert(args.begin(), {"--db", db.empty() ? db_ : db});
    return run_process(FIELDSYNC_SERVER_PATH, args, {});
  }
  std::string ok(const std::vector<std::string>& args, const std::string& db = {}) const {
    ProcessResult r = run(args, db);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
  static std::string single_line(std::string out) {
    while (!out.empty() && out.back() == '\n') out.pop_back();
    EXPECT_EQ(out.find('\n'), std::string::npos) << out;
    return out;
  }
  static std::vector<std::string> lines(const std::string& out) {
    std::vector<std::string> all;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) all.push_back(line);
    return all;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }

  testing::TempDir dir_;
  std::string db_, estate_, building_, unit_101_, unit_1202_, li_, wang_;
};

TEST_F(ServerViewCliTest, ListsRecordsByTheirNamesInColumnsAlignedOnScreen) {
  const auto table = lines(ok({"list", "households"}));
  ASSERT_EQ(table.size(), 5u) << ok({"list", "households"});  // header, rule, 2 rows, total
  EXPECT_EQ(table[4], "1-2 of 2 households");
  EXPECT_NE(table[2].find("B1 · 101 · 李华"), std::string::npos) << table[2];
  EXPECT_NE(table[3].find("B1 · 1202 · Wang Li"), std::string::npos) << table[3];
  // Every column starts at the same screen column in every line, though 李华 takes four
  // columns in two characters: the ids (the last column) line up under "id".
  const size_t id_column = text::display_width(table[0].substr(0, table[0].rfind("id")));
  EXPECT_EQ(text::display_width(table[2].substr(0, table[2].find(li_))), id_column) << table[2];
  EXPECT_EQ(text::display_width(table[3].substr(0, table[3].find(wang_))), id_column) << table[3];
  const size_t phones_column = text::display_width(table[0].substr(0, table[0].find("phones")));
  EXPECT_EQ(text::display_width(table[2].substr(0, table[2].find("13800000000"))), phones_column);

  Json chosen = Json::parse(ok({"list", "households", "--where", "owner_name=李华", "--json"}));
  EXPECT_EQ(chosen["collection"], "households");
  EXPECT_EQ(chosen["count"], 1);
  ASSERT_EQ(chosen["records"].size(), 1u);
  EXPECT_EQ(chosen["records"][0]["id"], li_);
  EXPECT_EQ(chosen["records"][0]["label"], "B1 · 101 · 李华");
  EXPECT_EQ(chosen["records"][0]["fields"]["phones"], Json::array({"13800000000"}));

  // Paging: the count is of every match, the page holds `limit` from `offset`.
  Json page = Json::parse(ok({"list", "households", "--limit", "1", "--offset", "1", "--json"}));
  EXPECT_EQ(page["count"], 2);
  EXPECT_EQ(page["offset"], 1);
  EXPECT_EQ(page["limit"], 1);
  ASSERT_EQ(page["records"].size(), 1u);
  Json first = Json::parse(ok({"list", "households", "--limit", "1", "--json"}));
  EXPECT_NE(first["records"][0]["id"], page["records"][0]["id"]);

  ProcessResult bad_where = run({"list", "households", "--where", "owner=李华"});
  EXPECT_EQ(bad_where.exit_code, 3);
  EXPECT_EQ(bad_where.out, "");
  EXPECT_EQ(run({"list", "households", "--limit", "0"}).exit_code, 2);
}

TEST_F(ServerViewCliTest, ShowsARecordWithWhoSetEachFieldAndItsHistory) {
  const std::string shown = ok({"show", li_});
  EXPECT_EQ(shown.rfind("B1 · 101 · 李华\n", 0), 0u) << shown;
  EXPECT_NE(shown.find("owner_name  李华"), std::string::npos) << shown;
  EXPECT_NE(shown.find("History (1"), std::string::npos) << shown;
  EXPECT_NE(shown.find("create  applied"), std::string::npos) << shown;

  Json record = Json::parse(ok({"show", li_, "--json"}));
  EXPECT_EQ(record["id"], li_);
  EXPECT_EQ(record["collection"], "households");
  EXPECT_EQ(record["fields"]["owner_name"], "李华");
  ASSERT_EQ(record["history"].size(), 1u);
  EXPECT_EQ(record["history"][0]["user"], "office");
  EXPECT_EQ(record["history"][0]["kind"], "create");
  EXPECT_TRUE(record["conflicts"].empty());
  EXPECT_TRUE(record["refused_changes"].empty());

  ProcessResult missing = run({"show", "01a24679-15ec-749f-aab9-000000000000"});
  EXPECT_EQ(missing.exit_code, 4) << missing.err;
  EXPECT_EQ(missing.out, "");
}

TEST_F(ServerViewCliTest, ExportsCsvThatASpreadsheetOpensAndImportReadsBack) {
  std::vector<std::string> files;
  for (const std::string c : {"estates", "buildings", "units", "households"}) {
    files.push_back(dir_.file(c + ".csv"));
    EXPECT_NE(ok({"export", c, "--csv", files.back()}).find("exported"), std::string::npos);
  }
  const std::string households = read(files.back());
  EXPECT_EQ(households.rfind("\xEF\xBB\xBFid,unit,owner_name,", 0), 0u) << households;
  EXPECT_NE(households.find(",label\r\n"), std::string::npos) << households;
  EXPECT_NE(households.find(li_ + "," + unit_101_ + ",李华,13800000000,"), std::string::npos)
      << households;
  EXPECT_NE(households.find(",B1 · 101 · 李华\r\n"), std::string::npos) << households;

  // Into an empty server, collection by collection: the same records under the same ids,
  // so its export is the same bytes.
  const std::string other = dir_.file("other.db");
  const std::vector<std::string> names = {"estates", "buildings", "units", "households"};
  for (size_t i = 0; i < names.size(); ++i) ok({"import", names[i], files[i]}, other);
  const std::string again = dir_.file("again.csv");
  ok({"export", "households", "--csv", again}, other);
  EXPECT_EQ(read(again), households);

  // An existing file is kept unless --force.
  ProcessResult kept = run({"export", "estates", "--csv", again});
  EXPECT_EQ(kept.exit_code, 3) << kept.err;
  EXPECT_NE(kept.err.find("--force"), std::string::npos) << kept.err;
  EXPECT_EQ(read(again), households);
  ok({"export", "estates", "--csv", again, "--force"});
  EXPECT_EQ(read(again), read(files[0]));

  // --where and --since choose as list does.
  const std::string one = dir_.file("one.csv");
  ok({"export", "households", "--csv", one, "--where", "owner_name=Wang Li"});
  EXPECT_EQ(read(one).find("李华"), std::string::npos);
  EXPECT_NE(read(one).find("Wang Li"), std::string::npos);
}

TEST_F(ServerViewCliTest, ImportsAGb18030FileWithEncodingAndHintsAtItWithout) {
  // "name\n李华苑\n" as Chinese Windows saves it: 李 C0 EE, 华 BB AA, 苑 D4 B7.
  const std::string path = dir_.file("gbk.csv");
  std::ofstream(path, std::ios::binary) << "name\r\n\xC0\xEE\xBB\xAA\xD4\xB7\r\n";
  const std::string before = ok({"list", "estates", "--json"});
  ProcessResult refused = run({"import", "estates", path});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("is not UTF-8 text"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--encoding gb18030"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(ok({"list", "estates", "--json"}), before);

  ProcessResult unknown = run({"import", "estates", path, "--encoding", "klingon"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;
  EXPECT_NE(unknown.err.find("klingon"), std::string::npos) << unknown.err;
  EXPECT_EQ(ok({"list", "estates", "--json"}), before);

  Json imported = Json::parse(ok({"import", "estates", path, "--encoding", "gb18030", "--json"}));
  EXPECT_EQ(imported["collection"], "estates");
  EXPECT_EQ(imported["count"], 1);
  ASSERT_EQ(imported["records"].size(), 1u);
  EXPECT_EQ(imported["records"][0]["line"], 2);
  const std::string id = imported["records"][0]["id"];
  Json shown = Json::parse(ok({"show", id, "--json"}));
  EXPECT_EQ(shown["fields"]["name"], "李华苑");
}

TEST_F(ServerViewCliTest, ImportWritesTheIdsItCreatedToAFileWhenAsked) {
  const std::string path = dir_.file("buildings.csv");
  std::ofstream(path, std::ios::binary) << "estate,name\n"
                                        << estate_ << ",B2\n"
                                        << estate_ << ",B3\n";
  const std::string ids = dir_.file("ids.csv");
  EXPECT_EQ(ok({"import", "buildings", path, "--ids-out", ids}),
            "imported 2 records into buildings\n");
  const auto written = lines(read(ids));
  ASSERT_EQ(written.size(), 3u) << read(ids);
  EXPECT_EQ(written[0], "line,id\r");
  EXPECT_EQ(written[1].rfind("2,", 0), 0u);
  EXPECT_EQ(written[2].rfind("3,", 0), 0u);
  const std::string b3 = written[2].substr(2, written[2].size() - 3);
  EXPECT_EQ(Json::parse(ok({"show", b3, "--json"}))["fields"]["name"], "B3");
}

TEST_F(ServerViewCliTest, TyposGetTheNearestNameAndHelpWorksOnEveryCommand) {
  struct Typo {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  };
  for (const Typo& t : std::vector<Typo>{
           {{"lst", "estates"}, 2, "no command 'lst'; did you mean `list`?"},
           {{"list", "househols"}, 3, "unknown collection 'househols'; did you mean `households`?"},
           {{"import", "househols", "x.csv"}, 3, "did you mean `households`?"},
           {{"list", "households", "--wher", "unit=x"}, 2, "did you mean `--where`?"},
           {{"report", "--perod", "2026-11"}, 2, "did you mean `--period`?"},
           {{"user", "add", "bob", "--role", "colector"}, 3, "did you mean `collector`?"},
           {{"add", "estates", "nam=x"},
            3,
            "nam: estates have no such field; did you mean `name`?"},
           {{"help", "reprot"}, 2, "did you mean `report`?"}}) {
    ProcessResult r = run(t.args);
    EXPECT_EQ(r.exit_code, t.exit_code) << t.args[0] << " " << t.args[1] << "\n" << r.err;
    EXPECT_NE(r.err.find(t.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  // An unknown command is helped by the list of commands, not by its own page.
  ProcessResult unknown = run({"lst"});
  EXPECT_NE(unknown.err.find("see `fieldsync-server help`\n"), std::string::npos) << unknown.err;

  ProcessResult overview = run({"help"});
  ASSERT_EQ(overview.exit_code, 0);
  std::istringstream listed(overview.out.substr(overview.out.find("commands:\n")));
  size_t commands = 0;
  for (std::string line; std::getline(listed, line);) {
    if (line.rfind("  ", 0) != 0 || line.rfind("      ", 0) == 0) continue;
    const std::string command = line.substr(2, line.find(' ', 2) - 2);
    for (const std::string flag : {"--help", "-h"}) {
      ProcessResult help = run({command, flag});
      EXPECT_EQ(help.exit_code, 0) << command << " " << flag << ": " << help.err;
      EXPECT_EQ(help.out.rfind("usage: fieldsync-server --db PATH " + command, 0), 0u)
          << command << " " << flag << ": " << help.out;
      EXPECT_EQ(help.out, ok({"help", command})) << command;
    }
    ++commands;
  }
  EXPECT_GE(commands, 20u);
}

// Every `--json` output is one JSON object (never a bare array); a list sits under a plural
// key with `count` beside it; a failure is {"error": {...}} on stdout as well as in words
// on stderr, as the phone's `fieldsync --json` gives it.
TEST_F(ServerViewCliTest, EveryJsonOutputIsOneObjectWithItsListsCounted) {
  const std::string csv = dir_.file("units.csv");
  std::ofstream(csv) << "building,number\n" << building_ << ",303\n";
  struct Call {
    std::vector<std::string> args;
    std::string list_key;  // empty when the output holds no list of its own
  };
  const std::vector<Call> calls = {{{"list", "households", "--json"}, "records"},
                                   {{"show", li_, "--json"}, ""},
                                   {{"parked", "--json"}, "refused_changes"},
                                   {{"arrears", "--json"}, "households"},
                                   {{"report", "--period", "2026-11", "--json"}, ""},
                                   {{"import", "units", csv, "--json"}, "records"}};
  std::set<std::string> covered;
  for (const Call& call : calls) {
    covered.insert(call.args[0]);
    const std::string out = ok(call.args);
    Json doc = Json::parse(out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << call.args[0] << ": " << out;
    if (call.list_key.empty()) continue;
    ASSERT_TRUE(doc[call.list_key].is_array()) << call.args[0] << ": " << out;
    EXPECT_EQ(doc.value("count", -1), static_cast<int>(doc[call.list_key].size()))
        << call.args[0] << ": " << out;
  }
  // Every command whose help offers --json is among those checked above.
  std::istringstream listed(ok({"help"}));
  for (std::string line; std::getline(listed, line);) {
    if (line.rfind("  ", 0) != 0 || line.rfind("      ", 0) == 0) continue;
    if (line.find("[--json]") == std::string::npos) continue;
    EXPECT_TRUE(covered.count(line.substr(2, line.find(' ', 2) - 2))) << line;
  }

  ProcessResult failed = run({"list", "househols", "--json"});
  EXPECT_EQ(failed.exit_code, 3);
  Json error = Json::parse(failed.out, nullptr, false);
  ASSERT_TRUE(error.is_object()) << failed.out;
  EXPECT_EQ(error["error"].value("code", ""), "invalid_argument") << failed.out;
  EXPECT_EQ(error["error"].value("exit_code", 0), 3);
  EXPECT_NE(error["error"].value("message", "").find("did you mean `households`?"),
            std::string::npos);
  EXPECT_NE(failed.err.find("did you mean `households`?"), std::string::npos) << failed.err;
}

}  // namespace
}  // namespace fieldsync::server
