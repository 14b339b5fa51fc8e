// The console's page Repairs and complaints against the real `fieldsync-server`
// (docs/console.md, "Repairs and complaints"): customer service's phone opens work orders,
// notes, complaints and return visits and syncs; GET /v1/office/repairs gives the
// figures of figures.h over the server's records (status_counts, awaiting_return_visit
// with the households and buildings named by their labels, return_visit_satisfaction),
// in pages; GET /v1/office/households/<id>/file gives the household's maintenance file
// as maintenance_file and the phone's `fieldsync repairs --json` give it, in time order,
// dated in the estate's zone. Every office role reads both; no session, a user no longer
// of an office role, and bad input are refused with a message.
#include "console_client.h"
#include "fieldsync/figures.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::testing {
namespace {

class ConsoleRepairsTest : public ConsoleTestBase {
 protected:
  void SetUp() override {
    ConsoleTestBase::SetUp();
    // The estate's days are Shanghai's; the server's zone stays UTC.
    admin({"edit", ref_.estate, "time_zone=Asia/Shanghai"});
  }

  // Customer service's phone (tom), in both buildings, with what the tests look at:
  //   household A: a plumbing order completed, with a note and a return visit (4);
  //                a complaint resolved, with a return visit (2); an order reported;
  //   household B: a complaint resolved, awaiting its return visit;
  //   Block B's lobby: an order completed, awaiting its return visit.
  // Each written a minute after the one before.
  void record_service() {
    FieldDevice& tom = enroll("tom", "customer_service", {ref_.building_a, ref_.building_b});
    tom.sync();
    FieldWork work = tom.work();
    auto next = [&] { field_clock_.advance(60000); };
    WorkOrderInput leak;
    leak.household = ref_.household_a;
    leak.category = "plumbing";
    leak.description = "kitchen tap leaks";
    leak.assignee = "tom";
    leak_ = must(work.open_work_order(leak)).id;
    next();
    note_ = must(work.add_work_order_note(leak_, "replaced the washer")).id;
    next();
    must(tom.store->advance_status("work_orders", leak_, "completed"));
    next();
    ReturnVisitInput visit;
    visit.work_order = leak_;
    visit.satisfaction = 4;
    visit.comment = "dry since";
    leak_visit_ = must(work.record_return_visit(visit)).id;
    next();
    ComplaintInput noise;
    noise.household = ref_.household_a;
    noise.description = "<b>noise</b> at night";
    noise.assignee = "sue";
    noise_ = must(work.log_complaint(noise)).id;
    must(tom.store->advance_status("complaints", noise_, "resolved"));
    next();
    ReturnVisitInput asked;
    asked.complaint = noise_;
    asked.satisfaction = 2;
    noise_visit_ = must(work.record_return_visit(asked)).id;
    next();
    WorkOrderInput lamp = leak;
    lamp.category = "electrical";
    lamp.description = "hall lamp";
    lamp_ = must(work.open_work_order(lamp)).id;
    next();
    ComplaintInput parking;
    parking.household = ref_.household_b;
    parking.description = "parking";
    parking_ = must(work.log_complaint(parking)).id;
    must(tom.store->advance_status("complaints", parking_, "resolved"));
    next();
    WorkOrderInput lobby;
    lobby.building = ref_.building_b;
    lobby.area = "lobby";
    lobby.category = "public_facility";
    lobby.description = "door closer";
    lobby_ = must(work.open_work_order(lobby)).id;
    must(tom.store->advance_status("work_orders", lobby_, "completed"));
    tom.sync();
  }

  // The server's records as the figures read them.
  RecordSet server_figures_records() {
    RecordSet records;
    for (auto& [id, stored] : server_records()) records.add(stored.record);
    return records;
  }

  ConsoleAnswer get(const ConsoleSession& as, const std::string& path) {
    return request("GET", path, "", {as.cookie});
  }

  std::string leak_, note_, leak_visit_, noise_, noise_visit_, lamp_, parking_, lobby_;
};

const char* kLabelA = "Block A · A-101 · Wang Li";
const char* kLabelB = "Block B · B-201 · Chen \"Sam\" Yu";

TEST_F(ConsoleRepairsTest, GivesTheFiguresByStatusAwaitingAndSatisfaction) {
  record_service();
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");
  const std::string today = must(TimeZone::named("Asia/Shanghai")).date_of(field_clock_.now_ms());
  const std::string period = today.substr(0, 7);
  const std::string path = "/v1/office/repairs?period=" + period + "&as_of=" + today;

  ConsoleAnswer answer = get(olga, path);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json j = answer.json();
  EXPECT_EQ(get(mei, path).json(), j) << "every office role reads the same";
  EXPECT_EQ(j["period"], period);
  EXPECT_EQ(j["as_of"], today);

  // The figures of figures.h over the server's records.
  const RecordSet records = server_figures_records();
  const Calendar calendar(Schema::property_management(), records, TimeZone::utc());
  for (const char* collection : {"work_orders", "complaints"}) {
    Json expected = Json::array();
    for (const StatusCount& s : status_counts(calendar, collection)) {
      expected.push_back({{"status", s.status}, {"count", s.count}});
    }
    EXPECT_EQ(j[collection], expected) << collection;
  }
  EXPECT_EQ(j["work_orders"][0], Json({{"status", "reported"}, {"count", 1}}));  // the lamp
  const Satisfaction satisfaction = return_visit_satisfaction(calendar, period, today);
  ASSERT_EQ(satisfaction.visits, 2);
  EXPECT_EQ(j["return_visits"]["visits"], 2);
  EXPECT_DOUBLE_EQ(j["return_visits"]["average_satisfaction"].get<double>(), 3.0);
  EXPECT_EQ(j["return_visits"]["by_score"], Json({0, 1, 0, 1, 0}));

  // Awaiting a return visit: B's complaint and Block B's lobby, by when they were done,
  // each household and building named by its label beside its id.
  std::vector<std::string> awaiting;
  for (const AwaitingReturnVisit& w : awaiting_return_visit(calendar)) awaiting.push_back(w.id);
  ASSERT_EQ(awaiting, std::vector<std::string>({parking_, lobby_}));
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["next_cursor"], nullptr);
  const Json& complaint = j["items"][0];
  EXPECT_EQ(complaint["id"], parking_);
  EXPECT_EQ(complaint["collection"], "complaints");
  EXPECT_EQ(complaint["household"], ref_.household_b);
  EXPECT_EQ(complaint["household_label"], kLabelB);
  EXPECT_EQ(complaint["building"], nullptr);
  const Json& lobby = j["items"][1];
  EXPECT_EQ(lobby["id"], lobby_);
  EXPECT_EQ(lobby["household"], nullptr);
  EXPECT_EQ(lobby["household_label"], nullptr);
  EXPECT_EQ(lobby["building"], ref_.building_b);
  EXPECT_EQ(lobby["building_label"], "Block B");
  EXPECT_EQ(lobby["area"], "lobby");
  EXPECT_EQ(lobby["category"], "public_facility");

  // The Today page names them the same way: one function writes both.
  ConsoleAnswer today_page = get(olga, "/v1/office/today?period=" + period + "&as_of=" + today);
  ASSERT_EQ(today_page.status, 200) << today_page.body;
  EXPECT_EQ(today_page.json()["report"]["work_orders_awaiting_return_visit"], j["items"]);

  // In pages of one.
  ConsoleAnswer first = get(olga, path + "&limit=1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["items"], Json::array({j["items"][0]}));
  EXPECT_EQ(first.json()["total"], 2);
  const std::string cursor = first.json()["next_cursor"];
  ConsoleAnswer second = get(olga, path + "&limit=1&cursor=" + cursor);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["items"], Json::array({j["items"][1]}));
  EXPECT_EQ(second.json()["next_cursor"], nullptr);

  // Without period and day: this month as of today in the server's zone (UTC).
  ConsoleAnswer plain = get(olga, "/v1/office/repairs");
  ASSERT_EQ(plain.status, 200) << plain.body;
  const std::string utc_today = TimeZone::utc().date_of(field_clock_.now_ms());
  EXPECT_EQ(plain.json()["as_of"], utc_today);
  EXPECT_EQ(plain.json()["period"], utc_today.substr(0, 7));
}

TEST_F(ConsoleRepairsTest, RefusesBadInputNoSessionAndFieldRoles) {
  const ConsoleSession olga = signed_in("olga", "office");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"period=2026-13", "period"},  {"period=november", "period"},
      {"as_of=2026-02-30", "as_of"}, {"as_of=yesterday", "as_of"},
      {"limit=0", "limit"},          {"limit=501", "limit"},
      {"cursor=zz", "cursor"},       {"cursor=" + std::string(600, 'a'), "cursor"},
      {"status=open", "status"},     {"period=2026-11&period=2026-10", "period"},
  };
  for (const auto& [query, named] : bad) {
    ConsoleAnswer refused = get(olga, "/v1/office/repairs?" + query);
    EXPECT_EQ(refused.status, 400) << query << ": " << refused.body;
    EXPECT_NE(refused.json()["error"].value("message", "").find(named), std::string::npos)
        << query << ": " << refused.body;
  }
  EXPECT_EQ(request("GET", "/v1/office/repairs").status, 401);
  EXPECT_EQ(request("POST", "/v1/office/repairs", "{}", {olga.cookie, olga.csrf}).status, 405);
  const std::string file = "/v1/office/households/" + ref_.household_a + "/file";
  EXPECT_EQ(request("GET", file).status, 401);
  EXPECT_EQ(request("DELETE", file, "", {olga.cookie, olga.csrf}).status, 405);
  // A user moved to a field role loses the console, these calls with it.
  const ConsoleSession sue = signed_in("sue", "office");
  ASSERT_EQ(get(sue, "/v1/office/repairs").status, 200);
  admin({"user", "add", "sue", "--role", "customer_service"});
  EXPECT_EQ(get(sue, "/v1/office/repairs").status, 401);
  EXPECT_EQ(get(sue, file).status, 401);
}

TEST_F(ConsoleRepairsTest, TheMaintenanceFileListsEveryRepairOfTheHouseholdInTimeOrder) {
  record_service();
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");
  const std::string path = "/v1/office/households/" + ref_.household_a + "/file";
  ConsoleAnswer answer = get(olga, path);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json j = answer.json();
  EXPECT_EQ(get(mei, path).json(), j);
  EXPECT_EQ(j["household"], ref_.household_a);
  EXPECT_EQ(j["household_label"], kLabelA);
  EXPECT_EQ(j["next_cursor"], nullptr);

  // What maintenance_file gives over the server's records, in the order it happened.
  const RecordSet records = server_figures_records();
  const Calendar calendar(Schema::property_management(), records, TimeZone::utc());
  const MaintenanceFile file = maintenance_file(calendar, ref_.household_a);
  std::vector<const Record*> expected;
  for (const auto* histories : {&file.work_orders, &file.complaints}) {
    for (const RepairHistory& h : *histories) {
      expected.push_back(&h.order);
      for (const Record& n : h.notes) expected.push_back(&n);
      for (const Record& v : h.return_visits) expected.push_back(&v);
    }
  }
  const Schema& schema = Schema::property_management();
  auto time_of = [&](const Record* r) { return event_time_of(*schema.find(r->collection), *r); };
  std::sort(expected.begin(), expected.end(), [&](const Record* a, const Record* b) {
    return std::make_pair(time_of(a), a->id) < std::make_pair(time_of(b), b->id);
  });
  ASSERT_EQ(j["total"], expected.size());
  ASSERT_EQ(j["items"].size(), expected.size());
  const TimeZone shanghai = must(TimeZone::named("Asia/Shanghai"));
  for (size_t i = 0; i < expected.size(); ++i) {
    const Json& item = j["items"][i];
    EXPECT_EQ(item["id"], expected[i]->id) << i;
    EXPECT_EQ(item["kind"], expected[i]->collection) << i;
    EXPECT_EQ(item["at"], shanghai.format(time_of(expected[i]))) << "the estate's zone";
    EXPECT_EQ(item["date"], shanghai.date_of(time_of(expected[i])));
  }
  // As it happened: the order, its note, its return visit, then the complaint with its
  // visit, then the lamp; nothing of household B or of the lobby.
  std::vector<std::string> ids;
  for (const Json& item : j["items"]) ids.push_back(item["id"]);
  EXPECT_EQ(ids,
            std::vector<std::string>({leak_, note_, leak_visit_, noise_, noise_visit_, lamp_}));
  const Json& order = j["items"][0];
  EXPECT_EQ(order["status"], "return_visited");
  EXPECT_EQ(order["category"], "plumbing");
  EXPECT_EQ(order["who"], "tom");
  EXPECT_EQ(order["text"], "kitchen tap leaks");
  EXPECT_EQ(order["order"], leak_);
  const Json& note = j["items"][1];
  EXPECT_EQ(note["kind"], "work_order_notes");
  EXPECT_EQ(note["who"], "tom");
  EXPECT_EQ(note["text"], "replaced the washer");
  EXPECT_EQ(note["status"], nullptr);
  EXPECT_EQ(note["order"], leak_);
  EXPECT_EQ(note["category"], "plumbing");
  EXPECT_EQ(j["items"][2]["satisfaction"], 4);
  EXPECT_EQ(j["items"][2]["text"], "dry since");
  const Json& complaint = j["items"][3];
  EXPECT_EQ(complaint["text"], "<b>noise</b> at night");  // as typed, for the page to escape
  EXPECT_EQ(complaint["category"], "complaint");
  EXPECT_EQ(complaint["who"], "sue");
  EXPECT_EQ(j["items"][4]["order"], noise_);
  EXPECT_EQ(j["items"][4]["satisfaction"], 2);

  // The phone's `fieldsync repairs --json` holds the same records.
  ProcessResult cli = phone_cli(devices_.at("tom").path, {"--json", "repairs", ref_.household_a});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::vector<std::string> on_phone;
  const Json phone = Json::parse(cli.out);
  for (const char* part : {"work_orders", "complaints"}) {
    for (const Json& h : phone[part]) {
      on_phone.push_back(h["record"]["id"]);
      for (const char* under : {"notes", "return_visits"}) {
        for (const Json& r : h[under]) on_phone.push_back(r["id"]);
      }
    }
  }
  std::vector<std::string> sorted_ids = ids;
  std::sort(on_phone.begin(), on_phone.end());
  std::sort(sorted_ids.begin(), sorted_ids.end());
  EXPECT_EQ(on_phone, sorted_ids);

  // In pages: four, then two.
  ConsoleAnswer first = get(olga, path + "?limit=4");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["items"].size(), 4u);
  EXPECT_EQ(first.json()["total"], 6);
  ConsoleAnswer rest =
      get(olga, path + "?limit=4&cursor=" + first.json()["next_cursor"].get<std::string>());
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(rest.json()["items"][0]["id"], noise_visit_);
  EXPECT_EQ(rest.json()["items"].size(), 2u);
  EXPECT_EQ(rest.json()["next_cursor"], nullptr);

  // Household B's file holds its complaint alone.
  ConsoleAnswer b = get(olga, "/v1/office/households/" + ref_.household_b + "/file");
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json()["household_label"], kLabelB);
  ASSERT_EQ(b.json()["total"], 1);
  EXPECT_EQ(b.json()["items"][0]["id"], parking_);

  // An unknown household, a record that is no household, an id that is none.
  for (const std::string& id : {std::string("0193a6f2-0000-7000-8000-00000000ffff"), ref_.unit_a}) {
    ConsoleAnswer missing = get(olga, "/v1/office/households/" + id + "/file");
    EXPECT_EQ(missing.status, 404) << id << missing.body;
    EXPECT_NE(missing.body.find("no household"), std::string::npos) << missing.body;
  }
  for (const std::string& bad : {std::string("not-an-id"), std::string(300, '9')}) {
    ConsoleAnswer refused = get(olga, "/v1/office/households/" + bad + "/file");
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_NE(refused.body.find("household"), std::string::npos) << refused.body;
  }
  for (const char* query : {"?as_of=2026-11-30", "?limit=0", "?cursor=00"}) {
    EXPECT_EQ(get(olga, path + query).status, 400) << query;
  }
}

}  // namespace
}  // namespace fieldsync::testing
