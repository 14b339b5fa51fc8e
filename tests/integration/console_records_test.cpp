// The console's records of any collection against the real `fieldsync-server`
// (docs/console.md, "Records"): payments and visits recorded on two phones, listed with
// filters (a field, the building, the local day in the estate's zone), newest first and
// page by page; one record with the photos that name it; the same selection as
// `fieldsync-server list`; bad filters, days, cursors and collections refused with a
// message; the office roles allowed, anyone else refused.
#include <algorithm>
#include <set>

#include "console_client.h"
#include "fieldsync/attachments.h"
#include "fieldsync/text_values.h"

namespace fieldsync::testing {
namespace {

int64_t at(const std::string& text) {
  return must(parse_timestamp(text));
}

std::vector<std::string> ids_of(const Json& items) {
  std::vector<std::string> ids;
  for (const Json& item : items) ids.push_back(item["id"].get<std::string>());
  return ids;
}

class ConsoleRecordsTest : public ConsoleTestBase {
 protected:
  // Payments and visits around the estate's local midnight: 23:30 on the 27th and 00:30
  // on the 28th in Shanghai are both the 27th in UTC.
  void SetUp() override {
    ConsoleTestBase::SetUp();
    admin({"edit", ref_.estate, "time_zone=Asia/Shanghai"});
    FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
    FieldDevice& bob = enroll("bob", "collector", {ref_.building_b});
    alice.sync();
    bob.sync();
    auto pay = [](FieldDevice& device, const std::string& household, int64_t amount,
                  const std::string& when) {
      PaymentInput p;
      p.household = household;
      p.amount = amount;
      p.paid_at = at(when);
      return must(device.work().record_payment(p)).id;
    };
    late_27_ = pay(alice, ref_.household_a, 5000, "2026-11-27T23:30:00+08:00");
    early_28_ = pay(alice, ref_.household_a, 15000, "2026-11-28T00:30:00+08:00");
    on_29_ = pay(alice, ref_.household_a, 2000, "2026-11-29T09:00:00+08:00");
    bobs_28_ = pay(bob, ref_.household_b, 8000, "2026-11-28T18:00:00+08:00");
    FeeVisitInput visit;
    visit.household = ref_.household_a;
    visit.outcome = "not_home";
    visit.visited_at = at("2026-11-28T00:10:00+08:00");
    not_home_ = must(alice.work().record_visit(visit)).id;
    visit.outcome = "paid_full";
    visit.visited_at = at("2026-11-28T00:35:00+08:00");
    paid_visit_ = must(alice.work().record_visit(visit)).id;
    must(alice.work().void_payment(late_27_, "entered twice"));
    const std::string photo = dir_.file("door.jpg");
    write_photo(photo, 2048, 7);
    photo_ = must(AttachmentStore(*alice.store).attach("fee_visits", not_home_, photo)).record.id;
    alice.sync();
    bob.sync();
  }

  ConsoleAnswer get(const ConsoleSession& as, const std::string& path) {
    return request("GET", path, "", {as.cookie});
  }
  // The list's items' ids, answered 200.
  std::vector<std::string> listed(const ConsoleSession& as, const std::string& path) {
    ConsoleAnswer answer = get(as, path);
    EXPECT_EQ(answer.status, 200) << path << ": " << answer.body;
    return ids_of(answer.json()["items"]);
  }
  std::string refusal(const ConsoleSession& as, const std::string& path, int status) {
    ConsoleAnswer answer = get(as, path);
    EXPECT_EQ(answer.status, status) << path << ": " << answer.body;
    return answer.json()["error"].value("message", "");
  }

  std::string late_27_, early_28_, on_29_, bobs_28_, not_home_, paid_visit_, photo_;
};

TEST_F(ConsoleRecordsTest, ListsPaymentsNewestFirstAsPeopleWriteThem) {
  const ConsoleSession olga = signed_in("olga", "office");
  ConsoleAnswer all = get(olga, "/v1/office/records/payments");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["collection"], "payments");
  EXPECT_EQ(all.json()["total"], 4);
  EXPECT_TRUE(all.json()["next_cursor"].is_null());
  // The values of a field of a set, from its declaration, for a page's filters.
  const Json methods = all.json()["choices"]["method"];
  EXPECT_NE(std::find(methods.begin(), methods.end(), "cash"), methods.end()) << all.body;
  EXPECT_EQ(ids_of(all.json()["items"]),
            (std::vector<std::string>{on_29_, bobs_28_, early_28_, late_27_}));

  const Json paid = all.json()["items"][2];
  EXPECT_EQ(paid["fields"]["amount"], "150.00");
  EXPECT_EQ(paid["fields"]["collector"], "alice");
  EXPECT_EQ(paid["fields"]["method"], "cash");
  EXPECT_EQ(paid["fields"]["paid_at"], "2026-11-28T00:30:00+08:00");
  EXPECT_EQ(paid["fields"]["household"], ref_.household_a);
  EXPECT_EQ(paid["references"]["household"]["id"], ref_.household_a);
  EXPECT_EQ(paid["references"]["household"]["label"], "Block A · A-101 · Wang Li");
  EXPECT_FALSE(paid["fields"]["receipt_number"].get<std::string>().empty());
  EXPECT_NE(paid["label"].get<std::string>().find("Wang Li"), std::string::npos) << paid.dump();
  EXPECT_EQ(paid["written_by"], "alice");
  EXPECT_TRUE(paid["received_at"].is_string()) << paid.dump();
  EXPECT_NE(paid["received_at"].get<std::string>().find("+08:00"), std::string::npos);

  // The void names its payment by the payment's label.
  ConsoleAnswer voids = get(olga, "/v1/office/records/payment_voids?payment=" + late_27_);
  ASSERT_EQ(voids.status, 200) << voids.body;
  ASSERT_EQ(voids.json()["total"], 1);
  const Json void_item = voids.json()["items"][0];
  EXPECT_EQ(void_item["references"]["payment"]["id"], late_27_);
  EXPECT_EQ(void_item["fields"]["reason"], "entered twice");
  EXPECT_EQ(void_item["fields"]["voided_by"], "alice");
  EXPECT_EQ(listed(olga, "/v1/office/records/payment_voids?payment=" + early_28_).size(), 0u);

  // Reference data has no event: listed too, by id, with received_at null.
  ConsoleAnswer households = get(olga, "/v1/office/records/households");
  ASSERT_EQ(households.status, 200) << households.body;
  EXPECT_EQ(households.json()["total"], 2);
  EXPECT_TRUE(households.json()["items"][0]["received_at"].is_null());
  EXPECT_EQ(households.json()["items"][0]["written_by"], "office");
  EXPECT_EQ(listed(olga, "/v1/office/records/households?phones=13900000003"),
            std::vector<std::string>{ref_.household_b});
}

TEST_F(ConsoleRecordsTest, FiltersByFieldBuildingAndTheEstatesLocalDay) {
  const ConsoleSession olga = signed_in("olga", "office");
  const std::string payments = "/v1/office/records/payments";
  // The 28th in Shanghai: not 23:30 on the 27th, though the UTC day of both is the 27th.
  EXPECT_EQ(listed(olga, payments + "?from=2026-11-28&to=2026-11-28"),
            (std::vector<std::string>{bobs_28_, early_28_}));
  EXPECT_EQ(listed(olga, payments + "?collector=alice&from=2026-11-28&to=2026-11-28"),
            std::vector<std::string>{early_28_});
  EXPECT_EQ(listed(olga, payments + "?from=2026-11-28"),
            (std::vector<std::string>{on_29_, bobs_28_, early_28_}));
  EXPECT_EQ(listed(olga, payments + "?to=2026-11-27"), std::vector<std::string>{late_27_});
  EXPECT_EQ(listed(olga, payments + "?building=" + ref_.building_b),
            std::vector<std::string>{bobs_28_});
  EXPECT_EQ(listed(olga, payments + "?amount=150.00"), std::vector<std::string>{early_28_});
  EXPECT_EQ(listed(olga, payments + "?collector=carl").size(), 0u);
  const std::string receipt = get(olga, "/v1/office/records/payments/" + early_28_)
                                  .json()["fields"]["receipt_number"]
                                  .get<std::string>();
  EXPECT_EQ(listed(olga, payments + "?receipt_number=" + receipt),
            std::vector<std::string>{early_28_});
  EXPECT_EQ(listed(olga, "/v1/office/records/fee_visits?outcome=not_home&from=2026-11-28"),
            std::vector<std::string>{not_home_});
  EXPECT_EQ(listed(olga, "/v1/office/records/fee_visits?collector=alice&building=" +
                             ref_.building_a + "&to=2026-11-28"),
            (std::vector<std::string>{paid_visit_, not_home_}));

  // The command line's `list` takes the same records for the same selection.
  const Json cli = Json::parse(admin({"list", "payments", "--where", "collector=alice", "--since",
                                      "2026-11-28", "--until", "2026-11-28", "--json"}));
  ASSERT_EQ(cli["records"].size(), 1u) << cli.dump();
  EXPECT_EQ(cli["records"][0]["id"], early_28_);
  const Json cli_b =
      Json::parse(admin({"list", "payments", "--where", "building=" + ref_.building_b, "--json"}));
  EXPECT_EQ(ids_of(cli_b["records"]), std::vector<std::string>{bobs_28_});
}

TEST_F(ConsoleRecordsTest, PagesByKeyCursorsToTheEnd) {
  const ConsoleSession mei = signed_in("mei", "office_manager");
  std::vector<std::string> seen;
  std::string path = "/v1/office/records/payments?limit=1";
  for (int page = 0; page < 10; ++page) {
    ConsoleAnswer answer = get(mei, path);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.json()["total"], 4);
    ASSERT_EQ(answer.json()["items"].size(), 1u);
    seen.push_back(answer.json()["items"][0]["id"]);
    const Json next = answer.json()["next_cursor"];
    if (next.is_null()) break;
    path = "/v1/office/records/payments?limit=1&cursor=" + next.get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{on_29_, bobs_28_, early_28_, late_27_}));
  // A cursor keeps its filter's place: the 28th's second page.
  ConsoleAnswer first =
      get(mei, "/v1/office/records/payments?from=2026-11-28&to=2026-11-28&limit=1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(
      listed(mei, "/v1/office/records/payments?from=2026-11-28&to=2026-11-28&limit=1&cursor=" +
                      first.json()["next_cursor"].get<std::string>()),
      std::vector<std::string>{early_28_});
}

TEST_F(ConsoleRecordsTest, ShowsOneRecordWithThePhotosThatNameIt) {
  const ConsoleSession olga = signed_in("olga", "office");
  ConsoleAnswer visit = get(olga, "/v1/office/records/fee_visits/" + not_home_);
  ASSERT_EQ(visit.status, 200) << visit.body;
  EXPECT_EQ(visit.json()["id"], not_home_);
  EXPECT_EQ(visit.json()["collection"], "fee_visits");
  EXPECT_EQ(visit.json()["fields"]["outcome"], "not_home");
  EXPECT_EQ(visit.json()["fields"]["visited_at"], "2026-11-28T00:10:00+08:00");
  ASSERT_EQ(visit.json()["attachments"].size(), 1u) << visit.body;
  EXPECT_EQ(visit.json()["attachments"][0]["id"], photo_);
  EXPECT_EQ(visit.json()["attachments"][0]["content_type"], "image/jpeg");
  EXPECT_EQ(visit.json()["attachments"][0]["size"], 2048);
  EXPECT_EQ(get(olga, "/v1/office/records/fee_visits/" + paid_visit_).json()["attachments"],
            Json::array());
  // Payments take no photos: no attachments key.
  ConsoleAnswer payment = get(olga, "/v1/office/records/payments/" + early_28_);
  ASSERT_EQ(payment.status, 200) << payment.body;
  EXPECT_FALSE(payment.json().contains("attachments"));
  EXPECT_EQ(payment.json()["fields"]["amount"], "150.00");

  EXPECT_NE(
      refusal(olga, "/v1/office/records/payments/" + ref_.household_a, 404).find("no payment"),
      std::string::npos);
  EXPECT_NE(refusal(olga, "/v1/office/records/payments/not-an-id!", 400), "");
  EXPECT_NE(refusal(olga, "/v1/office/records/payments/" + early_28_ + "?x=1", 400)
                .find("unknown query parameter"),
            std::string::npos);
}

TEST_F(ConsoleRecordsTest, RefusesBadFiltersDaysCursorsAndCollections) {
  const ConsoleSession olga = signed_in("olga", "office");
  const std::string payments = "/v1/office/records/payments";
  const std::string unknown = refusal(olga, payments + "?colector=alice", 400);
  EXPECT_NE(unknown.find("colector"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("collector"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("receipt_number"), std::string::npos) << unknown;
  EXPECT_NE(refusal(olga, payments + "?amount=lots", 400).find("amount"), std::string::npos);
  EXPECT_NE(refusal(olga, payments + "?method=barter", 400).find("method"), std::string::npos);
  EXPECT_NE(refusal(olga, payments + "?from=2026-13-01", 400).find("from"), std::string::npos);
  EXPECT_NE(refusal(olga, payments + "?to=28/11/2026", 400).find("to"), std::string::npos);
  EXPECT_NE(refusal(olga, payments + "?from=2026-11-29&to=2026-11-28", 400).find("after"),
            std::string::npos);
  EXPECT_NE(refusal(olga, "/v1/office/records/households?from=2026-11-01", 400).find("no time"),
            std::string::npos);
  EXPECT_NE(
      refusal(olga, "/v1/office/records/estates?building=" + ref_.building_a, 400).find("building"),
      std::string::npos);
  EXPECT_NE(refusal(olga, payments + "?building=Block+A", 400), "");
  EXPECT_NE(refusal(olga, payments + "?collector=" + std::string(600, 'a'), 400).find("at most"),
            std::string::npos);
  for (const char* bad :
       {"limit=0", "limit=501", "cursor=zz", "cursor=5b5d", "collector=a&collector=b"}) {
    EXPECT_EQ(get(olga, payments + "?" + bad).status, 400) << bad;
  }
  const std::string missing = refusal(olga, "/v1/office/records/paymnts", 404);
  EXPECT_NE(missing.find("paymnts"), std::string::npos) << missing;
  EXPECT_NE(missing.find("`payments`"), std::string::npos) << missing;
  EXPECT_EQ(get(olga, "/v1/office/records/").status, 404);
  EXPECT_EQ(request("POST", payments, "{}", {olga.cookie, olga.csrf}).status, 405);
  // Nothing changed: still the four payments.
  EXPECT_EQ(get(olga, payments).json()["total"], 4);
}

TEST_F(ConsoleRecordsTest, IsForTheOfficeRolesOnly) {
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");
  const std::string path = "/v1/office/records/payments";
  EXPECT_EQ(get(olga, path).status, 200);
  EXPECT_EQ(get(mei, path).status, 200);
  EXPECT_EQ(get(mei, path + "/" + early_28_).status, 200);
  EXPECT_EQ(request("GET", path).status, 401);
  EXPECT_EQ(request("GET", path + "/" + early_28_).status, 401);
  // A phone's token is no way in.
  EXPECT_EQ(
      request("GET", path, "", {"Authorization: Bearer " + devices_.at("alice").token()}).status,
      401);
  // A field role never signs in to the console; a user moved to one loses their session.
  EXPECT_EQ(sign_in("alice", kConsolePassword).status == 200, false);
  admin({"user", "add", "olga", "--role", "collector"});
  EXPECT_EQ(get(olga, path).status, 401);
  EXPECT_EQ(get(mei, path).status, 200);
}

}  // namespace
}  // namespace fieldsync::testing
