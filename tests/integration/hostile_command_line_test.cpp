// Hostile input to the two command lines: the phone's `fieldsync` with hostile
// arguments, and the office's `fieldsync-server import` with hostile CSV files. Each is
// refused with its documented exit code and a message on stderr that names the
// problem, and nothing is written: the phone's records, outbox and receipt counter, or
// the server's records, are as they were. SQL-looking text where text belongs is no
// attack: it is stored as the text it is, and everything keeps working.
//
// What tests/platform/cli_errors_test.cpp and tests/server-stub/csv_import_test.cpp
// already show (12.345, abc, -5 and 0 as amounts, ids like "12345", an unknown outcome,
// one invalid UTF-8 name, empty and unreadable CSV files, bad quotes, duplicate ids) is
// not repeated here.
#include <filesystem>
#include <fstream>
#include <random>

#include "server_world.h"

namespace fieldsync::testing {
namespace {

const std::string kSql = "'; DROP TABLE records; --";

struct Refusal {
  std::vector<std::string> args;
  int exit_code;
  std::string says;
};

class HostileCommandLineTest : public ServerTest {
 protected:
  // What a refused command must not change on the phone: every record, the outbox, and
  // the receipt and change counters.
  std::string phone_state() const {
    auto store = must(DeviceStore::open(phone_db_));
    std::string out;
    for (const auto& [id, record] : device_records(*store)) {
      out += id + " " + record.fields.dump() + " " + record.stamps.dump() + "\n";
    }
    for (const auto& change : must(store->outbox())) out += std::to_string(change.seq) + "\n";
    for (const Json& row :
         must(store->query("SELECT receipt_counter, change_counter FROM device", {}))) {
      out += row.dump();
    }
    return out;
  }

  void expect_refused(const std::string& kind, const Refusal& refusal) {
    ++tried_[kind];
    ProcessResult r = phone_cli(phone_db_, refusal.args);
    std::string shown = kind + ":";
    for (const auto& arg : refusal.args) shown += " " + arg.substr(0, 80);
    EXPECT_EQ(r.exit_code, refusal.exit_code) << shown << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("fieldsync: error: ", 0), 0u) << shown << "\n" << r.err;
    EXPECT_NE(r.err.find(refusal.says), std::string::npos)
        << shown << "\n  does not say '" << refusal.says << "': " << r.err.substr(0, 400);
    EXPECT_TRUE(r.out.empty()) << shown << "\n" << r.out.substr(0, 400);
  }

  // Imports `csv` (written to a file) into `collection`, expecting a refusal.
  void expect_import_refused(const std::string& kind, const std::string& collection,
                             const std::string& csv, int exit_code, const std::string& says) {
    const std::string path = dir_.file("hostile.csv");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << csv;
    expect_import_of_file_refused(kind, collection, path, exit_code, says);
  }
  void expect_import_of_file_refused(const std::string& kind, const std::string& collection,
                                     const std::string& path, int exit_code,
                                     const std::string& says) {
    ++tried_[kind];
    ProcessResult r = run_process(FIELDSYNC_SERVER_PATH,
                                  {"--db", server_.database(), "import", collection, path});
    const std::string shown = kind + ": import " + collection.substr(0, 80);
    EXPECT_EQ(r.exit_code, exit_code) << shown << "\n" << r.err.substr(0, 400);
    EXPECT_EQ(r.err.rfind("fieldsync-server: ", 0), 0u) << shown << "\n" << r.err.substr(0, 400);
    EXPECT_NE(r.err.find(says), std::string::npos)
        << shown << "\n  does not say '" << says << "': " << r.err.substr(0, 400);
    EXPECT_TRUE(r.out.empty()) << shown << "\n" << r.out.substr(0, 400);
  }

  void print_tally(const std::string& suite) const {
    int total = 0;
    std::string by_kind;
    for (const auto& [kind, n] : tried_) {
      total += n;
      by_kind += "\n  " + std::to_string(n) + "  " + kind;
    }
    std::printf("[hostile] %s: %d inputs tried%s\n", suite.c_str(), total, by_kind.c_str());
  }

  std::string phone_db_ = dir_.file("carl.db");
  std::map<std::string, int> tried_;
};

TEST_F(HostileCommandLineTest, ThePhoneRefusesHostileArgumentsAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(enroll_phone(phone_db_, "carl", {ref_.building_a}));
  const std::string h = ref_.household_a;
  const std::string before = phone_state();
  const std::string huge(100000, 'x');  // argv allows 128 KiB per argument
  const std::string nine(100000, '9');

  for (const auto& refusal : std::vector<Refusal>{
           {{"list", "payments; DROP TABLE records"}, 3, "unknown collection"},
           {{"add", kSql, "name=x"}, 3, "unknown collection"},
           {{"list", "households", "owner_name') OR 1=1 --=x"}, 3, "unknown field"},
           {{"edit", "households", h, kSql + "=x"}, 3, "unknown field"},
           {{"add", "estates", "name=x", kSql + "=1"}, 3, "unknown field"},
           {{"show", "households", kSql}, 3, "is not an id"},
           {{"void", "--payment", kSql, "--reason", "x"}, 3, "is not an id"},
           {{"conflicts", "resolve", kSql, "--keep", "winner"}, 3, "is not an id"},
           {{"pay", "--household", kSql, "--amount", "1"}, 3, "is not an id"},
           {{"pay", "--household", h, "--amount", kSql}, 3, "is not an amount"},
           {{"visit", "--household", h, "--outcome", kSql}, 3, "is not one of"},
           {{"pay", "--household", h, "--amount", "1", "--method", kSql}, 3, "is not one of"}}) {
    expect_refused("SQL-looking text", refusal);
  }
  for (const auto& refusal : std::vector<Refusal>{
           {{"visit", "--household", h, "--outcome", "not_home", "--note", huge},
            3,
            "--note: is 100000 characters long; at most 2000 are allowed"},
           {{"edit", "households", h, "owner_name=" + huge}, 3, "at most 2000 are allowed"},
           {{"add", "estates", "name=" + huge}, 3, "at most 2000 are allowed"},
           {{"pay", "--household", huge, "--amount", "1"}, 3, "this has 100000"},
           {{"pay", "--household", h, "--amount", nine}, 3, "is too large an amount"},
           {{"list", "households", "--limit", nine}, 2, "--limit needs a whole number"},
           {{"list", huge}, 3, "unknown collection"}}) {
    expect_refused("huge value", refusal);
  }
  for (const std::string& bad :
       {std::string("caf\xe9"), std::string("\xff"), std::string("\xc3"), std::string("\xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"visit", "--household", h, "--outcome", "not_home", "--note", bad},
             {"visit", "--household", h, "--outcome", bad},
             {"pay", "--household", h, "--amount", "1" + bad},
             {"edit", "households", h, "phones=" + bad},
             {"show", "households", bad},
             {"list", bad}}) {
      expect_refused("invalid UTF-8", {args, 3, "is not valid UTF-8 text"});
    }
  }
  for (const char* amount : {"1e400", "5e2", "0x10", "1,000.00", "+5", "NaN", "inf",
                             "\xd9\xa1\xd9\xa2", "1.", ".5", "1.2.3", "", "1 000", "1_000"}) {
    expect_refused("malformed amount",
                   {{"pay", "--household", h, "--amount", amount}, 3, "is not an amount"});
  }
  for (const char* amount : {"92233720368547758.08", "92233720368547758.07", "10000000000000.01",
                             "18446744073709551616"}) {
    expect_refused("malformed amount",
                   {{"pay", "--household", h, "--amount", amount}, 3, "is too large an amount"});
  }
  expect_refused("malformed amount",
                 {{"pay", "--household", h, "--amount", "0.001"}, 3, "more than two decimals"});
  expect_refused("malformed amount", {{"visit", "--household", h, "--outcome", "promised",
                                       "--promise-date", "2026-12-05", "--promise-amount", "1e400"},
                                      3,
                                      "--promise-amount"});
  for (const std::string& id : {std::string(), h + "0", "{" + h + "}", h.substr(0, 35) + "g",
                                std::string(h).replace(8, 1, "_"), "\xef\xbc\x90" + h.substr(1)}) {
    expect_refused("malformed id",
                   {{"pay", "--household", id, "--amount", "1"}, 3, "is not an id"});
    expect_refused("malformed id", {{"show", "households", id}, 3, "is not an id"});
  }
  expect_refused("malformed id",
                 {{"visit", "--household", h, "--outcome", "not_home", "--at", "9999-99-99"},
                  3,
                  "is not a time"});

  EXPECT_EQ(phone_state(), before) << "a refused command wrote to the phone";
  print_tally("fieldsync command line");
}

TEST_F(HostileCommandLineTest, TheImportRefusesHostileFilesAndWritesNothing) {
  const ServerRecords before = server_records();
  const std::string h = ref_.household_a;
  expect_import_refused("SQL-looking text", kSql, "name\nx\n", 3, "unknown collection");
  expect_import_refused("SQL-looking text", "estates", "name,\"" + kSql + "\"\nx,y\n", 3,
                        "unknown column");
  expect_import_refused("SQL-looking text", "estates", "id,name\n\"" + kSql + "\",x\n", 3,
                        "is not an id");
  expect_import_refused("SQL-looking text", "charges",
                        "household,fee_item,period,amount\n\"" + kSql + "\",water,2026-11,1\n", 3,
                        "is not an id");
  for (const std::string& bad : {std::string("caf\xe9"), std::string("\xc0\xaf"),
                                 std::string("\xed\xa0\x80"), std::string("\xff\xfe")}) {
    expect_import_refused("invalid UTF-8", "estates", "name\n" + bad + "\n", 3,
                          "is not UTF-8 text: ");
  }
  expect_import_refused("huge value", "estates", "name\n" + std::string(5 << 20, 'x') + "\n", 3,
                        "is 5242880 characters long");
  std::string wide, values;
  for (int i = 0; i < 100000; ++i) {
    wide += (i ? ",c" : "c") + std::to_string(i);
    values += i ? ",v" : "v";
  }
  expect_import_refused("huge value", "estates", wide + "\n" + values + "\n", 3, "unknown column");
  {
    const std::string path = dir_.file("too-big.csv");
    std::ofstream big(path, std::ios::binary);
    big << "name\n";
    const std::string row(1 << 20, 'e');
    for (int i = 0; i < 65; ++i) big << row << "\n";
    big.close();
    expect_import_of_file_refused("huge value", "estates", path, 3, "larger than 64 MiB");
    std::filesystem::remove(path);
  }
  for (const char* amount : {"92233720368547758.08", "18446744073709551616", "1e400", "-1",
                             "\xd9\xa1\xd9\xa2", "0x10"}) {
    expect_import_refused(
        "malformed amount", "charges",
        "household,fee_item,period,amount\n" + h + ",water,2026-11," + amount + "\n", 3,
        "amount: ");
  }
  expect_import_refused("malformed amount", "units",
                        "building,number,floor\n" + ref_.building_a + ",9,18446744073709551615\n",
                        3, "floor: ");
  expect_import_refused("malformed id", "charges",
                        "household,fee_item,period,amount\n" + ref_.unit_a + ",water,2026-11,1\n",
                        3, "no households record");
  std::mt19937 rng(7);
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>(rng());
  expect_import_refused("not a CSV file", "estates", noise, 3, "");
  expect_import_refused("not a CSV file", "estates", "name\rCR estate\r", 3, "unknown column");
  std::filesystem::create_directory(dir_.file("folder.csv"));
  expect_import_of_file_refused("not a CSV file", "estates", dir_.file("folder.csv"), 4, "no file");
  expect_import_of_file_refused("not a CSV file", "estates", "/dev/zero", 4, "no file");
  expect_import_of_file_refused("not a CSV file", "estates", "/dev/urandom", 4, "no file");

  EXPECT_TRUE(same_records(server_records(), before)) << "a refused import wrote to the server";
  print_tally("fieldsync-server import");
}

// Text that looks like SQL, where text belongs, is text: stored as it was typed, sent
// and pulled back as it was, and the databases keep every table.
TEST_F(HostileCommandLineTest, SqlLookingTextIsStoredAsText) {
  ASSERT_NO_FATAL_FAILURE(enroll_phone(phone_db_, "carl", {ref_.building_a}));
  const std::string csv = dir_.file("estates.csv");
  std::ofstream(csv) << "name,address\n\"" << kSql << "\",\"Robert'); DROP TABLE users;--\"\n";
  EXPECT_EQ(admin({"import", "estates", csv}).rfind("imported 1 record into estates\nline 2  ", 0),
            0u);
  ProcessResult visited = phone_cli(phone_db_, {"--json", "visit", "--household", ref_.household_a,
                                                "--outcome", "not_home", "--note", kSql});
  ASSERT_EQ(visited.exit_code, 0) << visited.err;
  const std::string visit = Json::parse(visited.out)["id"];
  ProcessResult synced = phone_cli(phone_db_, {"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;

  const ServerRecords server = server_records();
  ASSERT_TRUE(server.count(visit));
  EXPECT_EQ(server.at(visit).record.fields["note"], kSql);
  int estates_named_so = 0;
  for (const Record& estate : of_collection(server, "estates")) {
    if (estate.fields.value("name", "") == kSql) {
      ++estates_named_so;
      EXPECT_EQ(estate.fields["address"], "Robert'); DROP TABLE users;--");
    }
  }
  EXPECT_EQ(estates_named_so, 1);
  EXPECT_NE(admin({"users"}).find("carl"), std::string::npos);
  auto phone = must(DeviceStore::open(phone_db_));
  EXPECT_TRUE(phone->check_integrity().ok());
  EXPECT_EQ(must(phone->get("fee_visits", visit)).fields["note"], kSql);
  expect_converged(server, *phone);
}

}  // namespace
}  // namespace fieldsync::testing
