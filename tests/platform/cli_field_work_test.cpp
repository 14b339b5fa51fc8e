// The typed field-work commands (visit, pay, void, check-in, finding, work-order,
// note, return-visit, complaint) and the derived views (arrears, promises, visits).
#include <fstream>

#include "cli_fixture.h"
#include "fieldsync/schema.h"

namespace fieldsync::testing {
namespace {

using CliFieldWorkTest = CliTest;

constexpr int64_t kMinute = 60 * 1000;

TEST_F(CliFieldWorkTest, EveryCollectionCanBeRecordedAndListed) {
  CliEstate e = seed();
  json({"visit", "--household", e.household, "--outcome", "not_home"});
  const std::string payment = json({"pay", "--household", e.household, "--amount", "10"})["id"];
  json({"void", "--payment", payment, "--reason", "entered twice"});
  json({"check-in", "--route", e.route, "--checkpoint", e.checkpoint});
  const std::string finding = json({"finding", "--estate", e.estate, "--category", "fire", "--severity",
                                    "high", "--description", "blocked exit"})["id"];
  const std::string photo = dir_.file("door.jpg");
  std::ofstream(photo, std::ios::binary) << "\xFF\xD8\xFF\xE0 a photo of the blocked exit";
  json({"attach", "findings", finding, photo});
  const std::string order =
      json({"work-order", "--building", e.building, "--area", "lobby", "--category",
            "public_facility", "--description", "lift stuck"})["id"];
  json({"note", "--work-order", order, "--text", "called the lift company"});
  json({"return-visit", "--work-order", order, "--satisfaction", "4"});
  json({"complaint", "--household", e.household, "--description", "noise at night"});

  // A copy: the document json() returns is a temporary that would die before the loop.
  const Json collections = json({"collections"})["collections"];
  for (const auto& collection : collections) {
    const std::string name = collection["name"];
    Json list = json({"list", name});
    EXPECT_EQ(list["collection"], name);
    if (collection["server_created"].get<bool>()) {
      EXPECT_EQ(listed(list), 0u) << name;
      expect_refused({"add", name, "field=x"}, 3, "created by the server");
    } else {
      EXPECT_GE(listed(list), 1u) << name << " was not recorded through the command line";
    }
  }

  // Every list a --json output gives sits in one object under a plural key, counted.
  for (const auto& [args, key] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"list", "payments"}, "records"},
           {{"outbox"}, "changes"},
           {{"attachments"}, "attachments"},
           {{"arrears"}, "households"},
           {{"promises", "--as-of", "2026-12-31"}, "promises"},
           {{"parked"}, "parked_changes"},
           {{"conflicts"}, "records"}}) {
    Json doc = json(args);
    ASSERT_TRUE(doc.is_object()) << args[0];
    ASSERT_TRUE(doc[key].is_array()) << args[0] << ": " << doc.dump();
    EXPECT_EQ(doc.value("count", -1), static_cast<int>(doc[key].size())) << args[0];
  }
}

TEST_F(CliFieldWorkTest, AVisitRecordsItsOptionsAsTypedFields) {
  CliEstate e = seed();
  Json visit = json({"visit", "--household", e.household, "--outcome", "promised", "--channel",
                     "phone", "--person-met", "Mrs Wang", "--promise-date", "2026-12-05",
                     "--promise-amount", "50.00", "--note", "will pay after payday", "--location",
                     "31.2,121.5", "--at", "2026-11-28T09:00:00Z"});
  const Json& f = visit["fields"];
  EXPECT_EQ(f["household"], e.household);
  EXPECT_EQ(f["outcome"], "promised");
  EXPECT_EQ(f["channel"], "phone");
  EXPECT_EQ(f["person_met"], "Mrs Wang");
  EXPECT_EQ(f["promise_date"], "2026-12-05");
  EXPECT_EQ(f["promise_amount"], 5000);
  EXPECT_EQ(f["visited_at"], kSaturdayMorning);
  EXPECT_EQ(f["collector"], "alice");  // always the device's user
  EXPECT_DOUBLE_EQ(f["location"]["lon"].get<double>(), 121.5);

  Json defaults = json({"visit", "--household", e.household, "--outcome", "not_home"});
  EXPECT_EQ(defaults["fields"]["collector"], "alice");  // the device's user
  EXPECT_EQ(defaults["fields"]["channel"], "door");
  EXPECT_TRUE(defaults["fields"]["visited_at"].is_number_integer());
}

TEST_F(CliFieldWorkTest, PayStoresMinorUnitsAndPrintsTheReceiptNumber) {
  CliEstate e = seed();
  ProcessResult first = cli({"pay", "--household", e.household, "--amount", "120.50", "--charges",
                             e.charge_nov, "--at", "2026-11-28T09:30:00Z", "--method", "mobile"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("receipt number: C001-000001\n", 0), 0u) << first.out;
  EXPECT_NE(first.out.find("amount          120.50"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("paid_at         2026-11-28T09:30:00Z"), std::string::npos) << first.out;

  Json second = json({"pay", "--household", e.household, "--amount", "0.05", "--periods",
                      "2026-11,2026-12", "--note", "coins"});
  EXPECT_EQ(second["fields"]["amount"], 5);
  EXPECT_EQ(second["fields"]["receipt_number"], "C001-000002");
  EXPECT_EQ(second["fields"]["periods"], Json::array({"2026-11", "2026-12"}));

  Json payments = json({"list", "payments", "receipt_number=C001-000001"});
  ASSERT_EQ(listed(payments), 1u);
  const Json& stored = payments["records"][0]["fields"];
  EXPECT_EQ(stored["amount"], 12050);
  EXPECT_EQ(stored["paid_at"], kSaturdayMorning + 30 * kMinute);
  EXPECT_EQ(stored["charges"], Json::array({e.charge_nov}));
  EXPECT_EQ(stored["method"], "mobile");
}

TEST_F(CliFieldWorkTest, AVoidCountsBackInArrearsAndHappensOnce) {
  CliEstate e = seed();
  Json arrears = json({"arrears", e.household});
  EXPECT_EQ(arrears["charged"], "240.00");
  EXPECT_EQ(arrears["balance"], "240.00");

  const std::string payment = json({"pay", "--household", e.household, "--amount", "120.50"})["id"];
  arrears = json({"arrears", e.household});
  EXPECT_EQ(arrears["paid"], "120.50");
  EXPECT_EQ(arrears["voided"], "0.00");
  EXPECT_EQ(arrears["balance"], "119.50");

  Json voided = json({"void", "--payment", payment, "--reason", "wrong household"});
  EXPECT_EQ(voided["collection"], "payment_voids");
  EXPECT_EQ(voided["fields"]["payment"], payment);
  EXPECT_EQ(voided["fields"]["voided_by"], "alice");
  arrears = json({"arrears", e.household});
  EXPECT_EQ(arrears["voided"], "120.50");
  EXPECT_EQ(arrears["balance"], "240.00");

  expect_refused({"void", "--payment", payment, "--reason", "again"}, 6,
                 "already has a payment void");

  ProcessResult text = cli({"arrears", e.household});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("charged         240.00"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("voided          120.50"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("balance         240.00"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("owner           Wang Li"), std::string::npos) << text.out;
}

TEST_F(CliFieldWorkTest, PromisesDueAreThoseNotYetKept) {
  CliEstate e = seed();
  const std::string kept_later =
      json({"visit", "--household", e.household, "--outcome", "promised", "--promise-date",
            "2026-12-05", "--promise-amount", "100", "--at", "2026-11-28T10:00:00Z"})["id"];
  const std::string broken =
      json({"visit", "--household", e.other_household, "--outcome", "promised", "--promise-date",
            "2026-12-01", "--at", "2026-11-28T11:00:00Z"})["id"];
  json({"pay", "--household", e.household, "--amount", "50", "--at", "2026-11-29T09:00:00Z"});

  Json due = json({"promises", "--as-of", "2026-12-05"});
  ASSERT_EQ(due["promises"].size(), 2u) << due.dump();
  EXPECT_EQ(due["promises"][0]["visit"], broken);
  EXPECT_TRUE(due["promises"][0]["broken"].get<bool>());
  EXPECT_EQ(due["promises"][1]["visit"], kept_later);
  EXPECT_FALSE(due["promises"][1]["broken"].get<bool>());  // due today, not yet broken
  EXPECT_EQ(due["promises"][1]["promise_amount"], "100.00");
  EXPECT_EQ(due["promises"][1]["paid_since"], "50.00");

  EXPECT_TRUE(json({"promises", "--as-of", "2026-11-30"})["promises"].empty());
  EXPECT_TRUE(
      json({"promises", "--as-of", "2026-12-05", "--collector", "bob"})["promises"].empty());

  json({"pay", "--household", e.household, "--amount", "50", "--at", "2026-11-30T09:00:00Z"});
  due = json({"promises", "--as-of", "2026-12-05"});
  ASSERT_EQ(due["promises"].size(), 1u);
  EXPECT_EQ(due["promises"][0]["visit"], broken);

  ProcessResult text = cli({"promises", "--as-of", "2026-12-05"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("2026-12-01    broken"), std::string::npos) << text.out;
}

TEST_F(CliFieldWorkTest, VisitsPerDayCountVisitsAndHouseholdsAgainstTheTarget) {
  CliEstate e = seed();
  for (const auto& [household, at] :
       std::vector<std::pair<std::string, std::string>>{{e.household, "2026-11-28T09:00"},
                                                        {e.household, "2026-11-28T15:00"},
                                                        {e.other_household, "2026-11-28T16:00"},
                                                        {e.other_household, "2026-11-29T10:00"}}) {
    json({"visit", "--household", household, "--outcome", "not_home", "--at", at});
  }
  // Another collector's visit, as a pull would bring it (a phone records only its user's).
  json({"add", "fee_visits", "household=" + e.household, "outcome=not_home", "channel=door",
        "visited_at=2026-11-28T10:00", "collector=bob"});

  Json visits =
      json({"visits", "--collector", "alice", "--from", "2026-11-28", "--to", "2026-11-30"});
  ASSERT_EQ(visits["days"].size(), 2u) << visits.dump();
  EXPECT_EQ(visits["days"][0],
            (Json{{"date", "2026-11-28"}, {"visits", 3}, {"households", 2}, {"target", 20}}));
  EXPECT_EQ(visits["days"][1],
            (Json{{"date", "2026-11-29"}, {"visits", 1}, {"households", 1}, {"target", 20}}));
  EXPECT_EQ(visits["visits"], 4);
  EXPECT_EQ(visits["households"], 2) << "the other household, visited on both days, counts once";

  ProcessResult text =
      cli({"visits", "--collector", "alice", "--from", "2026-11-01", "--to", "2026-11-30"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("2026-11-28       3           2      20"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("total            4           2"), std::string::npos) << text.out;
}

TEST_F(CliFieldWorkTest, PatrolCheckInsAndFindings) {
  CliEstate e = seed();
  Json check_in =
      json({"check-in", "--route", e.route, "--checkpoint", e.checkpoint, "--method", "nfc",
            "--condition", "abnormal", "--note", "gate open", "--at", "2026-11-28T09:00:00Z"});
  EXPECT_EQ(check_in["fields"]["method"], "nfc");
  EXPECT_EQ(check_in["fields"]["condition"], "abnormal");
  EXPECT_EQ(check_in["fields"]["patroller"], "alice");
  EXPECT_EQ(check_in["fields"]["checked_at"], kSaturdayMorning);

  Json finding =
      json({"finding", "--estate", e.estate, "--building", e.building, "--category", "safety",
            "--severity", "critical", "--description", "loose railing", "--location-text",
            "stair B, 5th floor", "--deadline", "2026-12-01", "--assignee", "zhao"});
  EXPECT_EQ(finding["fields"]["status"], "reported");
  EXPECT_EQ(finding["fields"]["deadline"], "2026-12-01");
  EXPECT_EQ(finding["fields"]["building"], e.building);
  Json closed = json({"advance", "findings", finding["id"], "closed"});
  EXPECT_EQ(closed["fields"]["status"], "closed");
}

TEST_F(CliFieldWorkTest, RepairsNotesReturnVisitsAndComplaints) {
  CliEstate e = seed();
  Json order =
      json({"work-order", "--household", e.household, "--category", "plumbing", "--description",
            "kitchen leak", "--priority", "urgent", "--channel", "app", "--assignee", "li"});
  EXPECT_EQ(order["fields"]["priority"], "urgent");
  EXPECT_EQ(order["fields"]["channel"], "app");
  Json note = json({"note", "--work-order", order["id"], "--text", "replaced the valve"});
  EXPECT_EQ(note["fields"]["text"], "replaced the valve");
  EXPECT_EQ(note["fields"]["author"], "alice");

  Json complaint = json({"complaint", "--type", "enquiry", "--building", e.building,
                         "--description", "when is the water off?"});
  EXPECT_EQ(complaint["fields"]["type"], "enquiry");
  EXPECT_EQ(complaint["fields"]["status"], "open");
  Json visit = json({"return-visit", "--complaint", complaint["id"], "--satisfaction", "5",
                     "--comment", "clear answer"});
  EXPECT_EQ(visit["fields"]["satisfaction"], 5);
  EXPECT_EQ(visit["fields"]["complaint"], complaint["id"]);
  EXPECT_EQ(
      listed(json({"list", "work_order_notes", "work_order=" + order["id"].get<std::string>()})),
      1u);
}

TEST_F(CliFieldWorkTest, ATimeWithoutAnOffsetIsReadInTheEstatesZone) {
  CliEstate e = seed();
  const std::string shanghai = add("estates", {"name=East Gate", "time_zone=Asia/Shanghai"});
  const std::string building = add("buildings", {"estate=" + shanghai, "name=Block 9"});
  const std::string unit = add("units", {"building=" + building, "number=9-101"});
  const std::string household = add("households", {"unit=" + unit, "owner_name=Li Hua"});
  ProcessResult local =
      cli({"visit", "--household", household, "--outcome", "not_home", "--at", "2026-11-28 07:30"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_NE(local.out.find("time read in Asia/Shanghai"), std::string::npos) << local.out;
  Json visits = json({"list", "fee_visits", "household=" + household});
  EXPECT_EQ(visits["records"][0]["fields"]["visited_at"],
            must(parse_timestamp("2026-11-27T23:30:00Z")));
  // An offset or Z wins; an estate with no zone (the server always gives one) reads them
  // in the device's home zone, the first of its estates that has one.
  Json offset = json({"visit", "--household", household, "--outcome", "not_home", "--at",
                      "2026-12-02T09:30+08:00"});
  EXPECT_EQ(offset["fields"]["visited_at"], must(parse_timestamp("2026-12-02T01:30:00Z")));
  Json utc = json(
      {"visit", "--household", e.household, "--outcome", "not_home", "--at", "2026-11-28 09:00"});
  EXPECT_EQ(utc["fields"]["visited_at"], kSaturdayMorning - 8 * 3600 * 1000);
  expect_refused(
      {"visit", "--household", household, "--outcome", "not_home", "--at", "2026-12-02T09:30+8"}, 3,
      "--at: '2026-12-02T09:30+8' is not a time");
  expect_refused({"add", "estates", "name=Nowhere", "time_zone=Mars/Base"}, 3,
                 "time_zone: 'Mars/Base' is not a time zone");
  // void and note take --at too.
  const std::string payment = json({"pay", "--household", household, "--amount", "10"})["id"];
  Json voided =
      json({"void", "--payment", payment, "--reason", "twice", "--at", "2026-12-02 10:00"});
  EXPECT_EQ(voided["fields"]["voided_at"], must(parse_timestamp("2026-12-02T02:00:00Z")));
}

TEST_F(CliFieldWorkTest, ArrearsListTheHouseholdsOwingAndHowLong) {
  CliEstate e = seed();
  add("charges",
      {"household=" + e.other_household, "fee_item=property_fee", "period=2022-05", "amount=300"});
  Json all = json({"arrears", "--as-of", "2026-12-31"});
  ASSERT_EQ(all["households"].size(), 2u);
  EXPECT_EQ(all["households"][0]["household"], e.other_household);  // most overdue first
  EXPECT_EQ(all["households"][0]["years_overdue"], 4);
  EXPECT_EQ(all["households"][0]["owner"], "Chen Jing");
  Json old = json({"arrears", "--more-than-years", "3", "--as-of", "2026-12-31"});
  ASSERT_EQ(old["households"].size(), 1u);
  ProcessResult table = cli({"arrears", "--more-than-years", "3"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Chen Jing"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2022-05"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("Wang Li"), std::string::npos) << table.out;
  expect_refused({"arrears", "--more-than-years", "x"}, 3, "--more-than-years");
}

TEST_F(CliFieldWorkTest, AHouseholdsRepairsAreOneFileAndAReturnVisitClosesTheLoop) {
  CliEstate e = seed();
  const std::string order = json({"work-order", "--household", e.household, "--category",
                                  "plumbing", "--description", "kitchen leak"})["id"];
  json({"note", "--work-order", order, "--text", "replaced the valve"});
  json({"advance", "work_orders", order, "completed"});
  json({"return-visit", "--work-order", order, "--satisfaction", "5"});
  EXPECT_EQ(json({"show", "work_orders", order})["fields"]["status"], "return_visited");
  Json file = json({"repairs", e.household});
  ASSERT_EQ(file["work_orders"].size(), 1u);
  EXPECT_EQ(file["work_orders"][0]["notes"].size(), 1u);
  EXPECT_EQ(file["work_orders"][0]["return_visits"].size(), 1u);
  ProcessResult table = cli({"repairs", e.household});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("kitchen leak"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("satisfaction 5"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace fieldsync::testing
