// The device and record commands: init, info, collections, add, edit, list, show,
// advance, reopen, outbox; tables for people and --json documents.
#include <cctype>
#include <set>
#include <sstream>

#include "cli_fixture.h"
#include "fieldsync/schema.h"

namespace fieldsync::testing {
namespace {

using CliRecordsTest = CliTest;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(CliRecordsTest, InitMakesADatabaseThatInfoDescribes) {
  Json info = json({"info"});
  EXPECT_EQ(info["device_code"], "C001");
  EXPECT_EQ(info["user"], "alice");
  EXPECT_EQ(info["layout_version"], device_store_layout_version());
  EXPECT_EQ(info["schema_version"], Schema::property_management().version());
  EXPECT_EQ(info["pending_changes"], 0);

  ProcessResult text = cli({"info"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("device code      C001"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("pending changes  0"), std::string::npos) << text.out;
}

TEST_F(CliRecordsTest, CollectionsAreListedFromTheSchema) {
  Json all = json({"collections"});
  std::set<std::string> listed_names, schema_names;
  for (const auto& c : all["collections"]) listed_names.insert(c["name"].get<std::string>());
  for (const auto& c : Schema::property_management().collections()) schema_names.insert(c.name);
  EXPECT_EQ(listed_names, schema_names);

  Json visits = json({"collections", "fee_visits"});
  EXPECT_TRUE(visits["append_only"].get<bool>());
  bool saw_outcome = false;
  for (const auto& field : visits["fields"]) {
    if (field["name"] != "outcome") continue;
    saw_outcome = true;
    EXPECT_EQ(field["type"], "enumeration");
    EXPECT_TRUE(field["required"].get<bool>());
    EXPECT_EQ(field["merge"], "immutable");
    EXPECT_NE(field["choices"].dump().find("promised"), std::string::npos);
  }
  EXPECT_TRUE(saw_outcome);

  ProcessResult text = cli({"collections", "work_orders"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("reported > dispatched > in_progress"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("-> households"), std::string::npos) << text.out;
}

TEST_F(CliRecordsTest, AddParsesValuesAsPeopleWriteThemAndStoresThemTyped) {
  CliEstate e = seed();
  Json charge = json({"show", "charges", e.charge_nov});
  EXPECT_EQ(charge["fields"]["amount"], 12000);  // "120.00" -> minor units
  EXPECT_EQ(json({"show", "charges", e.charge_dec})["fields"]["amount"], 12000);  // "120"
  Json odd = json({"add", "charges", "household=" + e.household, "fee_item=water", "period=2026-11",
                   "amount=7.5"});
  EXPECT_EQ(odd["fields"]["amount"], 750);

  Json household = json({"show", "households", e.household});
  EXPECT_EQ(household["fields"]["phones"], Json::array({"13800000001", "13800000002"}));
  EXPECT_EQ(household["id"], e.household);
  EXPECT_EQ(household["collection"], "households");
  EXPECT_EQ(household["bucket"], "building:" + e.building + ":residents");
  EXPECT_TRUE(household["stamps"].contains("owner_name"));  // show --json includes stamps

  Json checkpoint = json({"show", "checkpoints", e.checkpoint});
  EXPECT_DOUBLE_EQ(checkpoint["fields"]["location"]["lat"].get<double>(), 31.2304);
  EXPECT_DOUBLE_EQ(checkpoint["fields"]["location"]["accuracy_m"].get<double>(), 5.0);
  Json plan = json({"show", "collection_plans", e.plan});
  EXPECT_EQ(plan["fields"]["amount_target"], 500000);
  EXPECT_EQ(plan["fields"]["households"].size(), 2u);
}

TEST_F(CliRecordsTest, AddPrintsTheNewRecordIdFirst) {
  ProcessResult r = cli({"add", "estates", "name=Hillside"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].rfind("id  ", 0), 0u) << r.out;
  const std::string id = lines[0].substr(lines[0].find_last_of(' ') + 1);
  EXPECT_EQ(json({"show", "estates", id})["fields"]["name"], "Hillside");
}

TEST_F(CliRecordsTest, IdsTypedInUpperCaseStillMatch) {
  CliEstate e = seed();
  std::string upper = e.household;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Json visit = json({"visit", "--household", upper, "--outcome", "not_home"});
  EXPECT_EQ(visit["fields"]["household"], e.household);
  Json charge = json(
      {"add", "charges", "household=" + upper, "fee_item=water", "period=2026-11", "amount=1"});
  EXPECT_EQ(charge["fields"]["household"], e.household);
}

TEST_F(CliRecordsTest, ShowPrintsEveryFieldFormattedForPeople) {
  CliEstate e = seed();
  ProcessResult r = cli({"show", "charges", e.charge_dec});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("amount     120.00"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("due_date   2026-12-31"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cancelled"), std::string::npos) << r.out;  // unset fields are listed too
  EXPECT_NE(r.out.find("bucket     building:" + e.building), std::string::npos) << r.out;
}

TEST_F(CliRecordsTest, ListPrintsAnAlignedTableAndFilters) {
  CliEstate e = seed();
  ProcessResult r = cli({"list", "households"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;  // header, rule, two households
  const size_t column = lines[0].find("owner_name");
  ASSERT_NE(column, std::string::npos);
  EXPECT_EQ(lines[1].find_first_not_of("- "), std::string::npos);
  // Columns line up on screen: count characters, not bytes (the unit column names
  // its unit as "Block 3 · 3-1204", with a two-byte dot).
  auto screen_column = [](const std::string& line, size_t byte) {
    size_t chars = 0;
    for (size_t i = 0; i < byte; ++i) chars += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
    return chars;
  };
  std::set<std::string> owners;
  for (size_t i = 2; i < lines.size(); ++i) {
    for (const char* owner : {"Wang Li", "Chen Jing"}) {
      const size_t at = lines[i].find(owner);
      if (at == std::string::npos) continue;
      EXPECT_EQ(screen_column(lines[i], at), column) << lines[i];
      owners.insert(owner);
    }
    EXPECT_NE(lines[i].find("Block 3 · 3-1204"), std::string::npos)
        << "the unit is named, not an id: " << lines[i];
  }
  EXPECT_EQ(owners, (std::set<std::string>{"Wang Li", "Chen Jing"}));

  Json filtered = json({"list", "charges", "period=2026-12"});
  ASSERT_EQ(listed(filtered), 1u);
  EXPECT_EQ(filtered["records"][0]["id"], e.charge_dec);
  EXPECT_EQ(listed(json({"list", "charges", "amount=120.00"})), 2u);  // money filter in decimal
  EXPECT_EQ(listed(json({"list", "charges", "--limit", "1"})), 1u);
  EXPECT_EQ(cli({"list", "work_orders"}).out, "no work_orders\n");
}

TEST_F(CliRecordsTest, EditChangesAndClearsEditableFields) {
  CliEstate e = seed();
  Json edited = json({"edit", "households", e.household, "notes=gate code 4411", "collector=bob"});
  EXPECT_EQ(edited["fields"]["notes"], "gate code 4411");
  EXPECT_EQ(edited["fields"]["collector"], "bob");
  Json cleared = json({"edit", "households", e.household, "notes="});
  EXPECT_FALSE(cleared["fields"].contains("notes"));
  EXPECT_FALSE(json({"show", "households", e.household})["fields"].contains("notes"));

  Json outbox = json({"outbox"});
  const Json& last = outbox["changes"].back();
  EXPECT_EQ(last["kind"], "update");
  EXPECT_EQ(last["record_id"], e.household);
  EXPECT_TRUE(last["fields"]["notes"].is_null());
}

TEST_F(CliRecordsTest, AdvanceMovesForwardAndReopenStartsANewCycle) {
  CliEstate e = seed();
  Json order = json({"work-order", "--household", e.household, "--category", "plumbing",
                     "--description", "kitchen leak"});
  const std::string id = order["id"];
  EXPECT_EQ(order["fields"]["status"], "reported");
  EXPECT_EQ(json({"advance", "work_orders", id, "dispatched"})["fields"]["status"], "dispatched");
  EXPECT_EQ(json({"advance", "work_orders", id, "completed"})["fields"]["status"], "completed");
  expect_refused({"advance", "work_orders", id, "in_progress"}, 6, "only moves forward");
  Json reopened = json({"reopen", "work_orders", id});
  EXPECT_EQ(reopened["fields"]["status"], "reported");
  EXPECT_EQ(reopened["fields"]["status_reopens"], 1);
  expect_refused({"reopen", "work_orders", id}, 6, "nothing to reopen");

  Json outbox = json({"outbox"});
  std::vector<std::string> kinds;
  for (const auto& change : outbox["changes"]) {
    if (change["record_id"] == id) kinds.push_back(change["kind"]);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"create", "status", "status", "reopen"}));
}

TEST_F(CliRecordsTest, OutboxListsEveryChangeInOrder) {
  CliEstate e = seed();
  Json outbox = json({"outbox"});
  ASSERT_EQ(outbox["changes"].size(), 12u);  // one create per seeded record
  EXPECT_EQ(outbox["changes"][0]["seq"], 1);
  EXPECT_EQ(outbox["changes"][0]["collection"], "estates");
  EXPECT_EQ(outbox["changes"][0]["record_id"], e.estate);
  EXPECT_EQ(outbox["changes"][0]["state"], "pending");
  EXPECT_EQ(json({"info"})["pending_changes"], 12);

  ProcessResult text = cli({"outbox", "--limit", "2"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  auto lines = lines_of(text.out);
  ASSERT_EQ(lines.size(), 4u) << text.out;
  EXPECT_NE(lines[0].find("change id"), std::string::npos);
  EXPECT_NE(lines[3].find("buildings"), std::string::npos);
  EXPECT_NE(lines[3].find(e.building), std::string::npos);
}

TEST_F(CliRecordsTest, GlobalOptionsMayFollowTheCommandAndDbMayComeFromTheEnvironment) {
  ProcessResult after = cli_raw({"info", "--json", "--db", db_});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(Json::parse(after.out)["device_code"], "C001");

  ProcessResult from_env = cli_raw({"--json", "info"}, {"FIELDSYNC_DB=" + db_});
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(Json::parse(from_env.out)["user"], "alice");

  ProcessResult flag_wins =
      cli_raw({"--db", db_, "info"}, {"FIELDSYNC_DB=" + dir_.file("none.db")});
  EXPECT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
}

TEST_F(CliRecordsTest, HelpDescribesEveryCommandAndTheExitCodes) {
  ProcessResult help = cli_raw({"help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  for (const char* command :
       {"init",     "info",     "collections", "add",   "edit",         "advance",
        "reopen",   "list",     "show",        "visit", "pay",          "void",
        "check-in", "finding",  "work-order",  "note",  "return-visit", "complaint",
        "arrears",  "promises", "visits",      "outbox"}) {
    EXPECT_NE(help.out.find("\n  " + std::string(command) + " "), std::string::npos) << command;
    ProcessResult one = cli_raw({"help", command});
    EXPECT_EQ(one.exit_code, 0) << command;
    EXPECT_NE(one.out.find("usage: fieldsync [--db PATH] [--json] " + std::string(command)),
              std::string::npos)
        << one.out;
  }
  EXPECT_NE(help.out.find("6  refused by the record's state"), std::string::npos);
  EXPECT_EQ(cli_raw({"--help"}).out, help.out);
  ProcessResult visit_help = cli_raw({"help", "visit"});
  for (const auto& outcome :
       Schema::property_management().find("fee_visits")->field("outcome")->choices) {
    EXPECT_NE(visit_help.out.find(outcome), std::string::npos) << outcome;
  }
  ProcessResult pay_help = cli_raw({"pay", "--help"});
  EXPECT_EQ(pay_help.exit_code, 0);
  EXPECT_NE(pay_help.out.find("--amount AMOUNT"), std::string::npos) << pay_help.out;
  // -h after the command is --help too, even where options are required or a
  // collection is expected.
  for (const std::string command : {"pay", "list", "sync", "conflicts"}) {
    ProcessResult short_help = cli_raw({command, "-h"});
    EXPECT_EQ(short_help.exit_code, 0) << command << ": " << short_help.err;
    EXPECT_EQ(short_help.out, cli_raw({command, "--help"}).out) << command;
  }
}

}  // namespace
}  // namespace fieldsync::testing
