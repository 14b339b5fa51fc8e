// The console's page Patrol against the real `fieldsync-server` (docs/console.md,
// "Patrol"): a patrol phone checks in at some checkpoints of a route and reports a
// finding with a photo; the office reads each route's rounds per day with the
// checkpoint missed, the findings overdue, and the photo's bytes as the phone uploaded
// them, once they are here. Every office role reads; a field role, a signed-out caller
// and bad input are refused with a message.
#include <fstream>
#include <iterator>

#include "console_client.h"
#include "fieldsync/attachments.h"
#include "fieldsync/id.h"

namespace fieldsync::testing {
namespace {

// A link that carries everything but the bytes of attachments: a phone whose records
// reached the server before its photos did.
class NoUploads final : public HttpTransport {
 public:
  explicit NoUploads(HttpTransport& inner) : inner_(inner) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    if (request.method == "PUT") return Status::unavailable("no signal for the photo");
    return inner_.send(request);
  }

 private:
  HttpTransport& inner_;
};

class ConsolePatrolTest : public ConsoleTestBase {
 protected:
  // Route "Night round" with checkpoints Gate, Car park and Roof, and a patrol phone of
  // the estate that has them.
  FieldDevice& patrol_world() {
    route_ = admin({"add", "patrol_routes", "estate=" + ref_.estate, "name=Night round"});
    const char* names[] = {"Gate", "Car park", "Roof"};
    for (int i = 0; i < 3; ++i) {
      checkpoints_.push_back(
          admin({"add", "checkpoints", "route=" + route_, std::string("name=") + names[i],
                 "sequence=" + std::to_string(i + 1)}));
    }
    FieldDevice& pat = enroll("pat", "patrol");
    admin({"assign", "pat", "--estate", ref_.estate});
    pat.sync();
    return pat;
  }

  void check_in(FieldDevice& device, int checkpoint, const char* at) {
    CheckInInput in;
    in.route = route_;
    in.checkpoint = checkpoints_.at(checkpoint);
    in.checked_at = must(parse_timestamp(at));
    must(device.work().check_in(in));
  }

  std::string finding(FieldDevice& device, const std::string& severity,
                      const std::string& deadline) {
    FindingInput in;
    in.estate = ref_.estate;
    in.building = ref_.building_a;
    in.category = "fire";
    in.severity = severity;
    in.description = "fire door wedged open";
    in.deadline = deadline;
    return must(device.work().report_finding(in)).id;
  }

  ConsoleAnswer get(const ConsoleSession& as, const std::string& path) {
    return request("GET", path, "", {as.cookie});
  }

  std::string route_;
  std::vector<std::string> checkpoints_;
};

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(ConsolePatrolTest, RoundsShowTheCheckpointMissedAndFindingsOverdue) {
  FieldDevice& pat = patrol_world();
  check_in(pat, 2, "2026-11-28T09:20:00Z");
  check_in(pat, 0, "2026-11-28T09:00:00Z");  // the car park is missed
  const std::string overdue = finding(pat, "high", "2026-11-25");
  finding(pat, "low", "2026-12-20");
  pat.sync();
  const ConsoleSession olga = signed_in("olga", "office");
  const ConsoleSession mei = signed_in("mei", "office_manager");

  const std::string two_days = "/v1/office/patrol?from=2026-11-27&to=2026-11-28";
  for (const ConsoleSession* as : {&olga, &mei}) {
    ConsoleAnswer answer = get(*as, two_days);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const Json page = answer.json();
    EXPECT_EQ(page["total"], 2);
    EXPECT_EQ(page["rounds_with_missed"], 2);
    EXPECT_TRUE(page["next_cursor"].is_null());
    ASSERT_EQ(page["items"].size(), 2u);
    const Json& nobody = page["items"][0];
    EXPECT_EQ(nobody["date"], "2026-11-27");
    EXPECT_EQ(nobody["checkins"], 0);
    EXPECT_EQ(nobody["missed"], 3);
    const Json& round = page["items"][1];
    EXPECT_EQ(round["route"], route_);
    EXPECT_EQ(round["route_name"], "Night round");
    EXPECT_EQ(round["estate_name"], "Riverside");
    EXPECT_EQ(round["date"], "2026-11-28");
    EXPECT_EQ(round["checkins"], 2);
    EXPECT_EQ(round["missed"], 1);
    ASSERT_EQ(round["checkpoints"].size(), 3u);
    EXPECT_EQ(round["checkpoints"][0]["name"], "Gate");
    EXPECT_EQ(round["checkpoints"][0]["checkins"][0]["patroller"], "pat");
    EXPECT_EQ(round["checkpoints"][0]["checkins"][0]["at"], "2026-11-28T09:00:00Z");
    EXPECT_EQ(round["checkpoints"][1]["name"], "Car park");
    EXPECT_EQ(round["checkpoints"][1]["missed"], true);
    EXPECT_TRUE(round["checkpoints"][1]["checkins"].empty());
    EXPECT_EQ(round["checkpoints"][2]["missed"], false);
    EXPECT_EQ(page["routes"], Json::parse(R"([{"id":")" + route_ +
                                          R"(","name":"Night round","estate_name":"Riverside"}])"));
  }

  // The findings the page marks overdue are the office report's (finding_figures): the
  // high one's deadline has passed by the 30th, the low one's not.
  ConsoleAnswer today = get(olga, "/v1/office/today?period=2026-11&as_of=2026-11-30");
  ASSERT_EQ(today.status, 200) << today.body;
  const Json findings = today.json()["report"]["findings"];
  ASSERT_EQ(findings["overdue_list"].size(), 1u) << findings.dump();
  EXPECT_EQ(findings["overdue_list"][0]["id"], overdue);
  EXPECT_EQ(findings["overdue_list"][0]["deadline"], "2026-11-25");

  // A page at a time, and one route.
  ConsoleAnswer first = get(olga, two_days + "&limit=1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["total"], 2);
  ASSERT_EQ(first.json()["items"].size(), 1u);
  EXPECT_EQ(first.json()["items"][0]["date"], "2026-11-27");
  const std::string cursor = first.json()["next_cursor"];
  ConsoleAnswer second = get(olga, two_days + "&limit=1&cursor=" + cursor);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json()["items"].size(), 1u);
  EXPECT_EQ(second.json()["items"][0]["date"], "2026-11-28");
  EXPECT_TRUE(second.json()["next_cursor"].is_null());
  EXPECT_EQ(get(olga, two_days + "&route=" + route_).json()["total"], 2);
  // Without a range: the week to today (when the tests run, no check-in).
  ConsoleAnswer week = get(olga, "/v1/office/patrol");
  ASSERT_EQ(week.status, 200) << week.body;
  EXPECT_EQ(week.json()["total"], 7);

  // Bad input is refused, saying what.
  const std::pair<const char*, const char*> bad[] = {
      {"from=2026-13-01", "from"},
      {"from=2026-11-29&to=2026-11-28", "is after"},
      {"from=2026-10-01&to=2026-11-28", "at most 31 days"},
      {"to=yesterday", "to"},
      {"limit=0", "limit"},
      {"limit=501", "limit"},
      {"cursor=zz", "cursor"},
      {"cursor=5b315d", "cursor"},  // [1]: hex JSON of another shape
      {"route=0193a6f2-0000-7000-8000-00000000ffff", "no patrol route"},
      {"sort=deadline", "sort"}};
  for (const auto& [query, says] : bad) {
    ConsoleAnswer refused = get(olga, std::string("/v1/office/patrol?") + query);
    EXPECT_EQ(refused.status, 400) << query << refused.body;
    EXPECT_NE(refused.json()["error"].value("message", "").find(says), std::string::npos)
        << query << refused.body;
  }
  EXPECT_EQ(request("POST", "/v1/office/patrol", "{}", {olga.cookie, olga.csrf}).status, 405);

  // Nobody else: signed out, a phone's token, a user moved to a field role.
  EXPECT_EQ(request("GET", two_days).status, 401);
  EXPECT_EQ(request("GET", two_days, "", {"Authorization: Bearer " + pat.token()}).status, 401);
  const ConsoleSession carl = signed_in("carl", "office");
  EXPECT_EQ(get(carl, two_days).status, 200);
  admin({"user", "add", "carl", "--role", "patrol"});
  EXPECT_EQ(get(carl, two_days).status, 401);
}

TEST_F(ConsolePatrolTest, AFindingsPhotoIsReadAsThePhoneUploadedIt) {
  FieldDevice& pat = patrol_world();
  const std::string id = finding(pat, "high", "2026-11-25");
  const std::string photo = dir_.file("door.jpg");
  write_photo(photo, 300'000, 11);
  const Attachment attached = must(AttachmentStore(*pat.store).attach("findings", id, photo));
  const std::string path = "/v1/office/attachments/" + attached.record.id;

  // The record arrives first; its bytes are not here yet.
  NoUploads no_uploads(*pat.link);
  ReplicatorOptions options;
  options.sleeper = &sleeper_;
  EXPECT_FALSE(Replicator(*pat.store, no_uploads, options).sync().ok());
  ASSERT_TRUE(server_records().count(attached.record.id));
  const ConsoleSession olga = signed_in("olga", "office");
  ConsoleAnswer waiting = get(olga, path);
  EXPECT_EQ(waiting.status, 404) << waiting.body;
  EXPECT_NE(waiting.body.find("has not uploaded"), std::string::npos) << waiting.body;

  pat.sync();
  const ConsoleSession mei = signed_in("mei", "office_manager");
  for (const ConsoleSession* as : {&olga, &mei}) {
    ConsoleAnswer answer = get(*as, path);
    ASSERT_EQ(answer.status, 200) << answer.body.substr(0, 200);
    EXPECT_TRUE(answer.body == bytes_of(photo)) << answer.body.size();
    EXPECT_EQ(answer.header("content-type"), "image/jpeg");
    EXPECT_EQ(answer.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(answer.header("cache-control"), "no-store");
    EXPECT_EQ(answer.header("content-disposition"),
              "inline; filename=\"" + attached.record.id + ".jpg\"");
  }

  // Unknown ids, ids of other records and malformed ones; other methods; anyone else.
  EXPECT_EQ(get(olga, "/v1/office/attachments/" + new_id()).status, 404);
  EXPECT_EQ(get(olga, "/v1/office/attachments/" + id).status, 404);  // the finding itself
  for (const std::string& bad : {std::string("..%2Fetc"), std::string(""), std::string(100, 'a'),
                                 attached.record.id + "/more"}) {
    ConsoleAnswer refused = get(olga, "/v1/office/attachments/" + bad);
    EXPECT_EQ(refused.status, 400) << bad << refused.body;
  }
  EXPECT_EQ(get(olga, path + "?size=1").status, 400);
  EXPECT_EQ(request("DELETE", path, "", {olga.cookie, olga.csrf}).status, 405);
  EXPECT_EQ(request("GET", path).status, 401);
  EXPECT_EQ(request("GET", path, "", {"Authorization: Bearer " + pat.token()}).status, 401);
  admin({"user", "add", "olga", "--role", "patrol"});
  EXPECT_EQ(get(olga, path).status, 401);
}

}  // namespace
}  // namespace fieldsync::testing
