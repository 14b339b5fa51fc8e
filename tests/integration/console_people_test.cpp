// The console's page "Devices and people" against the real `fieldsync-server` on
// loopback (docs/console.md, "Devices and people"): what the office reads, what only a
// manager changes (with the session's CSRF token), bodies refused with a message and
// nothing changed, the audit log, a revoked phone refused on its next sync, and an
// enrollment code from the console that enrolls a phone, its QR code decoded by zbar.
#include <zbar.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <tuple>

#include "console_client.h"
#include "fieldsync/schema.h"

namespace fieldsync::testing {
namespace {

// What a QR code of `svg` (the server's drawing) says, decoded by zbar from a grey image
// drawn from its rectangles, 4 pixels a module; "" when zbar finds no code.
std::string qr_decoded(const std::string& svg, int& modules) {
  // The number after `name="` at `from`, or -1 (plain parsing: std::regex trips GCC 12's
  // -Wmaybe-uninitialized in optimised sanitizer builds).
  const auto number_after = [&svg](const std::string& name, size_t& from) {
    const std::string key = name + "=\"";
    const size_t at = svg.find(key, from);
    if (at == std::string::npos) return -1;
    size_t end = at + key.size();
    int value = 0;
    bool any = false;
    for (; end < svg.size() && svg[end] >= '0' && svg[end] <= '9'; ++end, any = true) {
      value = value * 10 + (svg[end] - '0');
    }
    from = end;
    return any ? value : -1;
  };
  size_t at = 0;
  modules = number_after("data-modules", at);
  if (modules <= 0) return "";
  constexpr int kScale = 4;
  const int side = (modules + 8) * kScale;
  std::string pixels(static_cast<size_t>(side * side), static_cast<char>(255));
  const std::string kModule = "<rect class=\"m\" ";
  for (at = svg.find(kModule); at != std::string::npos; at = svg.find(kModule, at)) {
    at += kModule.size();
    const int x = number_after("x", at), y = number_after("y", at);
    if (x < 0 || y < 0 || x >= modules + 8 || y >= modules + 8) return "";
    for (int dy = 0; dy < kScale; ++dy) {
      for (int dx = 0; dx < kScale; ++dx) pixels[(y * kScale + dy) * side + x * kScale + dx] = 0;
    }
  }
  zbar::zbar_image_scanner_t* scanner = zbar::zbar_image_scanner_create();
  zbar::zbar_image_scanner_set_config(scanner, zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
  zbar::zbar_image_scanner_set_config(scanner, zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
  zbar::zbar_image_t* image = zbar::zbar_image_create();
  zbar::zbar_image_set_format(image, zbar_fourcc('Y', '8', '0', '0'));
  zbar::zbar_image_set_size(image, static_cast<unsigned>(side), static_cast<unsigned>(side));
  zbar::zbar_image_set_data(image, pixels.data(), pixels.size(), nullptr);
  std::string text;
  if (zbar::zbar_scan_image(scanner, image) > 0) {
    text = zbar::zbar_symbol_get_data(zbar::zbar_image_first_symbol(image));
  }
  zbar::zbar_image_destroy(image);
  zbar::zbar_image_scanner_destroy(scanner);
  return text;
}

// The smallest QR version whose byte mode at level M holds `bytes` (ISO/IEC 18004,
// table 7), for versions 1 to 10.
int qr_version_for(size_t bytes) {
  const size_t kCapacity[] = {14, 26, 42, 62, 84, 106, 122, 152, 180, 213};
  for (int v = 1; v <= 10; ++v) {
    if (bytes <= kCapacity[v - 1]) return v;
  }
  return 0;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ConsolePeopleTest : public ConsoleTestBase {
 protected:
  void SetUp() override {
    ConsoleTestBase::SetUp();
    mei_ = signed_in("mei", "office_manager");
    olga_ = signed_in("olga", "office");
  }

  Json people(const ConsoleSession& as) {
    ConsoleAnswer page = request("GET", "/v1/office/people", "", {as.cookie});
    EXPECT_EQ(page.status, 200) << page.body;
    return page.json();
  }
  ConsoleAnswer change(const std::string& method, const std::string& path, const Json& body,
                       const ConsoleSession& as) {
    return request(method, path, body.dump(), {as.cookie, as.csrf});
  }
  Json user(const Json& page, const std::string& name) {
    for (const Json& u : page["users"]) {
      if (u["name"] == name) return u;
    }
    return nullptr;
  }
  // The audit log, newest first, as a manager reads it.
  Json audit() {
    ConsoleAnswer log = request("GET", "/v1/office/audit?limit=500", "", {mei_.cookie});
    EXPECT_EQ(log.status, 200) << log.body;
    return log.json()["items"];
  }

  ConsoleSession mei_, olga_;
};

TEST_F(ConsolePeopleTest, TheOfficeReadsUsersAssignmentsAndPhones) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a});
  ann.sync();
  admin({"assign", "ann", "--estate", ref_.estate});

  const Json page = people(olga_);
  const Json a = user(page, "ann");
  ASSERT_TRUE(a.is_object()) << page.dump();
  EXPECT_EQ(a["role"], "collector");
  EXPECT_EQ(a["active"], true);
  EXPECT_EQ(a["assignments"].size(), 2u) << a.dump();
  for (const Json& assigned : a["assignments"]) {
    if (assigned["kind"] == "building") {
      EXPECT_EQ(assigned["target"], ref_.building_a);
      EXPECT_EQ(assigned["label"], "Block A");
    } else {
      EXPECT_EQ(assigned["kind"], "estate");
      EXPECT_EQ(assigned["target"], ref_.estate);
      EXPECT_EQ(assigned["label"], "Riverside");
    }
  }
  EXPECT_EQ(user(page, "mei")["role"], "office_manager");
  ASSERT_EQ(page["devices"].size(), 1u);
  const Json phone = page["devices"][0];
  EXPECT_EQ(phone["device"], ann.code());
  EXPECT_EQ(phone["user"], "ann");
  EXPECT_EQ(phone["revoked"], false);
  EXPECT_TRUE(phone["last_seen_at"].is_string()) << phone.dump();
  EXPECT_TRUE(phone["enrolled_at"].is_string()) << phone.dump();
  EXPECT_TRUE(phone["last_change"].is_number_integer()) << phone.dump();
  Json roles = Json::array();
  for (const RoleDef& r : Schema::property_management().roles()) roles.push_back(r.name);
  EXPECT_EQ(page["roles"], roles);
  EXPECT_EQ(page["estates"], Json::array({{{"id", ref_.estate}, {"label", "Riverside"}}}));
  EXPECT_EQ(page["buildings"].size(), 2u);
  ConsoleAnswer get = request("GET", "/v1/office/people");
  EXPECT_EQ(get.status, 401);
  EXPECT_FALSE(get.header("content-security-policy").empty());
  EXPECT_EQ(request("GET", "/v1/office/people?limit=10", "", {olga_.cookie}).status, 400);
  EXPECT_EQ(request("POST", "/v1/office/people", "{}", {olga_.cookie, olga_.csrf}).status, 405);
}

TEST_F(ConsolePeopleTest, OnlyAManagerWithTheSessionsTokenChangesAnything) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a});
  const std::vector<std::tuple<std::string, std::string, Json>> writes = {
      {"POST", "/v1/office/users", {{"name", "lin"}, {"role", "collector"}}},
      {"POST", "/v1/office/users/deactivate", {{"name", "ann"}}},
      {"POST",
       "/v1/office/assignments",
       {{"user", "ann"}, {"kind", "estate"}, {"target", ref_.estate}}},
      {"DELETE",
       "/v1/office/assignments",
       {{"user", "ann"}, {"kind", "building"}, {"target", ref_.building_a}}},
      {"POST", "/v1/office/devices/revoke", {{"device", ann.code()}}},
      {"POST", "/v1/office/devices/readmit", {{"device", ann.code()}}},
      {"POST", "/v1/office/enrollment-codes", {{"user", "ann"}}}};
  const Json before = people(mei_);
  const size_t audited = audit().size();
  for (const auto& [method, path, body] : writes) {
    EXPECT_EQ(request(method, path, body.dump()).status, 401) << path;
    ConsoleAnswer office = change(method, path, body, olga_);
    EXPECT_EQ(office.status, 403) << path;
    EXPECT_NE(office.body.find("office managers"), std::string::npos) << office.body;
    ConsoleAnswer no_token = request(method, path, body.dump(), {mei_.cookie});
    EXPECT_EQ(no_token.status, 403) << path;
    EXPECT_NE(no_token.body.find("CSRF"), std::string::npos) << no_token.body;
    EXPECT_EQ(request(method, path, body.dump(), {mei_.cookie, olga_.csrf}).status, 403) << path;
    EXPECT_EQ(request("GET", path, "", {mei_.cookie, mei_.csrf}).status, 405) << path;
  }
  EXPECT_EQ(people(mei_), before);
  EXPECT_EQ(audit().size(), audited);
  ann.sync();  // still admitted
}

TEST_F(ConsolePeopleTest, BadBodiesAreRefusedWithAMessageAndChangeNothing) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a});
  const Json before = people(mei_);
  const size_t audited = audit().size();
  struct Bad {
    std::string method, path, body;
    int status;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {"POST", "/v1/office/users", "not json", 400, "JSON object"},
      {"POST", "/v1/office/users", "[\"lin\"]", 400, "JSON object"},
      {"POST", "/v1/office/users", R"({"name": "lin"})", 400, "'role' is missing"},
      {"POST", "/v1/office/users", R"({"name": "lin", "role": "collector", "admin": true})", 400,
       "unknown field 'admin'"},
      {"POST", "/v1/office/users", R"({"name": 7, "role": "collector"})", 400,
       "'name' must be a string"},
      {"POST", "/v1/office/users", R"({"name": "", "role": "collector"})", 400, "'name' must have"},
      {"POST", "/v1/office/users", R"({"name": "lin", "role": "boss"})", 400, "role 'boss'"},
      {"POST", "/v1/office/users", R"({"name": "a b", "role": "collector"})", 400, "user name"},
      {"POST", "/v1/office/users", R"({"name": "mei", "role": "office"})", 409, "their own"},
      {"POST", "/v1/office/users/deactivate", R"({"name": "mei"})", 409, "their own"},
      {"POST", "/v1/office/users/deactivate", R"({"name": "nobody"})", 404, "nobody"},
      {"POST", "/v1/office/assignments",
       Json{{"user", "ann"}, {"kind", "street"}, {"target", ref_.estate}}.dump(), 400, "street"},
      {"POST", "/v1/office/assignments",
       Json{{"user", "ann"}, {"kind", "building"}, {"target", ref_.estate}}.dump(), 404,
       "no building"},
      {"POST", "/v1/office/assignments",
       Json{{"user", "nobody"}, {"kind", "building"}, {"target", ref_.building_b}}.dump(), 404,
       "nobody"},
      {"DELETE", "/v1/office/assignments",
       Json{{"user", "ann"}, {"kind", "building"}, {"target", ref_.building_b}}.dump(), 404,
       "not assigned"},
      {"POST", "/v1/office/devices/revoke", R"({"device": "ZZZZ"})", 404, "no device"},
      {"POST", "/v1/office/devices/readmit", Json{{"device", ann.code()}}.dump(), 409,
       "not revoked"},
      {"POST", "/v1/office/enrollment-codes", R"({"user": "nobody"})", 404, "nobody"},
      {"POST", "/v1/office/enrollment-codes", R"({})", 400, "'user' is missing"}};
  for (const Bad& b : bad) {
    ConsoleAnswer refused = request(b.method, b.path, b.body, {mei_.cookie, mei_.csrf});
    EXPECT_EQ(refused.status, b.status) << b.path << " " << b.body << ": " << refused.body;
    const std::string message = refused.json()["error"].value("message", "");
    EXPECT_NE(message.find(b.says), std::string::npos) << b.body << ": " << message;
  }
  EXPECT_EQ(people(mei_), before);
  EXPECT_EQ(audit().size(), audited);
}

TEST_F(ConsolePeopleTest, AManagerChangesUsersAndAssignmentsAndEachIsAudited) {
  const auto ok = [&](const std::string& method, const std::string& path, const Json& body) {
    ConsoleAnswer done = change(method, path, body, mei_);
    EXPECT_EQ(done.status, 200) << path << ": " << done.body;
    return done.json();
  };
  EXPECT_EQ(ok("POST", "/v1/office/users", {{"name", "lin"}, {"role", "collector"}}),
            Json({{"name", "lin"}, {"role", "collector"}, {"active", true}}));
  EXPECT_EQ(user(people(olga_), "lin")["role"], "collector");
  ok("POST", "/v1/office/users", {{"name", "lin"}, {"role", "patrol"}});
  EXPECT_EQ(user(people(olga_), "lin")["role"], "patrol");
  ok("POST", "/v1/office/assignments",
     {{"user", "lin"}, {"kind", "building"}, {"target", ref_.building_b}});
  EXPECT_EQ(
      user(people(olga_), "lin")["assignments"],
      Json::array({{{"kind", "building"}, {"target", ref_.building_b}, {"label", "Block B"}}}));
  EXPECT_NE(admin({"users"}).find("lin"), std::string::npos);
  ok("DELETE", "/v1/office/assignments",
     {{"user", "lin"}, {"kind", "building"}, {"target", ref_.building_b}});
  EXPECT_EQ(user(people(olga_), "lin")["assignments"], Json::array());
  ok("POST", "/v1/office/users/deactivate", {{"name", "olga"}});
  EXPECT_EQ(request("GET", "/v1/office/session", "", {olga_.cookie}).status, 401);  // signed out
  EXPECT_EQ(user(people(mei_), "olga")["active"], false);

  const Json log = audit();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"deactivate_user", "olga"},
      {"unassign", "lin building " + ref_.building_b},
      {"assign", "lin building " + ref_.building_b},
      {"set_user", "lin patrol"},
      {"set_user", "lin collector"}};
  ASSERT_GE(log.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(log[i]["action"], expected[i].first) << log[i].dump();
    EXPECT_EQ(log[i]["detail"], expected[i].second) << log[i].dump();
    EXPECT_EQ(log[i]["user"], "mei");
    EXPECT_EQ(log[i]["address"], "127.0.0.1");
    EXPECT_GT(log[i]["at_ms"].get<int64_t>(), 0);
  }
}

TEST_F(ConsolePeopleTest, ARevokedPhoneIsRefusedOnItsNextSyncAndComesBackByReadmit) {
  FieldDevice& ann = enroll("ann", "collector", {ref_.building_a});
  ann.sync();
  ConsoleAnswer revoked =
      change("POST", "/v1/office/devices/revoke", {{"device", ann.code()}}, mei_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json(), Json({{"device", ann.code()}, {"revoked", true}}));
  auto refused = ann.replicator->sync();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("revoked by the office"), std::string::npos)
      << refused.status().to_string();
  EXPECT_EQ(people(olga_)["devices"][0]["revoked"], true);

  ConsoleAnswer readmitted =
      change("POST", "/v1/office/devices/readmit", {{"device", ann.code()}}, mei_);
  ASSERT_EQ(readmitted.status, 200) << readmitted.body;
  const Json code = readmitted.json();
  EXPECT_EQ(code["device"], ann.code());
  EXPECT_EQ(code["code"].get<std::string>().size(), 14u);  // XXXX-XXXX-XXXX
  EXPECT_NE(code["enroll_uri"].get<std::string>().find("code=" + code["code"].get<std::string>()),
            std::string::npos);
  auto http = must(CpprestTransport::create(server_.url()));
  // A live code for that phone alone: another phone is told whose it is, and it stays unused.
  auto stranger = request_enrollment(*http, code["code"], Schema::property_management().version());
  ASSERT_FALSE(stranger.ok());
  EXPECT_NE(stranger.status().message().find("re-admits device " + ann.code()), std::string::npos)
      << stranger.status().to_string();
  EXPECT_EQ(audit()[0]["action"], "readmit_device");
  EXPECT_EQ(audit()[0]["detail"], ann.code());
  EXPECT_EQ(audit()[1]["action"], "revoke_device");
}

TEST_F(ConsolePeopleTest, AnEnrollmentCodeFromTheConsoleEnrollsAPhoneOnce) {
  ASSERT_EQ(
      change("POST", "/v1/office/users", {{"name", "lin"}, {"role", "collector"}}, mei_).status,
      200);
  ConsoleAnswer issued = change("POST", "/v1/office/enrollment-codes", {{"user", "lin"}}, mei_);
  ASSERT_EQ(issued.status, 200) << issued.body;
  const Json answer = issued.json();
  const std::string code = answer["code"], uri = answer["enroll_uri"];
  EXPECT_EQ(answer["user"], "lin");
  EXPECT_TRUE(answer["expires_at"].is_string());
  // Plain HTTP on loopback, no key: the request's own address, and no pin.
  EXPECT_EQ(uri, "fieldsync://enroll?server=http%3A%2F%2F127.0.0.1%3A" +
                     std::to_string(server_.port()) + "&code=" + code);

  // The QR code is the URI: decoded for real, in the smallest version that holds it.
  int modules = 0;
  EXPECT_EQ(qr_decoded(answer["qr_svg"], modules), uri);
  EXPECT_EQ(modules, 17 + 4 * qr_version_for(uri.size())) << uri.size() << " bytes";
  const std::string svg = answer["qr_svg"];
  EXPECT_EQ(svg.find("<text"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);

  // Shown once: neither the audit log nor the database holds it.
  EXPECT_EQ(audit()[0]["action"], "issue_enrollment_code");
  EXPECT_EQ(audit()[0]["detail"], "lin");
  std::string plain = code;
  plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
  for (const std::string suffix : {"", "-wal"}) {
    const std::string bytes = file_text(server_.database() + suffix);
    EXPECT_EQ(bytes.find(plain), std::string::npos) << suffix;
    EXPECT_EQ(bytes.find(code), std::string::npos) << suffix;
  }

  auto http = must(CpprestTransport::create(server_.url()));
  auto enrollment = must(request_enrollment(*http, code, Schema::property_management().version()));
  EXPECT_EQ(enrollment.user, "lin");
  EXPECT_EQ(enrollment.role, "collector");
  EXPECT_EQ(people(olga_)["devices"][0]["user"], "lin");
  EXPECT_FALSE(request_enrollment(*http, code, Schema::property_management().version()).ok());

  // A deactivated user gets no code.
  ASSERT_EQ(change("POST", "/v1/office/users/deactivate", {{"name", "lin"}}, mei_).status, 200);
  EXPECT_EQ(change("POST", "/v1/office/enrollment-codes", {{"user", "lin"}}, mei_).status, 409);
}

TEST_F(ConsolePeopleTest, TheEnrollmentUriCarriesTheAddressServeWasGiven) {
  ASSERT_EQ(server_.stop(), 0);
  server_.set_serve_options({"--public-url", "https://office.example:8443/"});
  ASSERT_TRUE(server_.start_again().ok());  // mei's session outlives the restart
  ConsoleAnswer issued = change("POST", "/v1/office/enrollment-codes", {{"user", "olga"}}, mei_);
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string uri = issued.json()["enroll_uri"];
  EXPECT_EQ(uri.rfind("fieldsync://enroll?server=https%3A%2F%2Foffice.example%3A8443&code=", 0), 0u)
      << uri;
  int modules = 0;
  EXPECT_EQ(qr_decoded(issued.json()["qr_svg"], modules), uri);
}

}  // namespace
}  // namespace fieldsync::testing
