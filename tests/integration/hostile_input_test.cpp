// Hostile input against the running `fieldsync-server`, over HTTP: malformed and
// truncated JSON, wrong types, missing and extra fields, unknown collections and
// fields, invalid ids, bodies over the limit, deep nesting, huge strings, negative and
// overflowing money, SQL-looking text, another device's change ids, replayed and
// revoked tokens, wrong versions, writes and reads outside the device's buckets, and
// malformed HTTP on a raw socket.
//
// What each must get is what docs/protocol.md says: a whole request that is wrong is
// answered 4xx with the error body {code, message, retryable}; a well-formed push
// whose change is wrong is answered 200 with that change "rejected" and a reason (the
// device parks it). Afterwards the server still answers a health check and a normal
// sync, and its database holds the same records (ids, buckets, fields, stamps,
// sequence numbers), users, assignments and devices as before; the only thing allowed
// to move is the progress of the devices whose pushes were answered 200 (the answers
// are remembered, so a replay gets them again).
#include <chrono>
#include <cstdio>

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"
#include "raw_http.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;

const std::string kSql[] = {"'; DROP TABLE records; --", "x' OR '1'='1",
                            "Robert'); DROP TABLE users;--",
                            "1 UNION SELECT token_hash FROM devices --"};

// The start of `text`, for a failure message.
std::string clip(const std::string& text, size_t max_bytes) {
  return text.size() <= max_bytes ? text : text.substr(0, max_bytes) + "...";
}

std::string text_of(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Nested arrays `depth` deep around `inner`.
std::string nested_arrays(size_t depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

// ---------------------------------------------------------------------------------

class HostileInputTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    // Each request here is a new connection from 127.0.0.1, hundreds within a second:
    // the rate of new connections per address (front_address_test.cpp) is lifted.
    ASSERT_EQ(server_.stop(), 0);
    server_.set_serve_options({"--new-connections-per-address", "1000000"});
    ASSERT_TRUE(server_.start_again().ok());
    // alice records a payment and syncs it: a change of another device to steal.
    FieldDevice& alice = enroll("alice", "collector", {ref_.building_a});
    alice.sync();
    must(alice.work().record_payment(payment(ref_.household_a, 4200)));
    alice_change_ = must(alice.store->pending_changes(1)).at(0);
    alice_push_ = encode_push({to_wire(alice_change_)});
    ASSERT_EQ(alice.sync().applied, 1);
    enroll("office", "office").sync();
    // mallory, the hostile phone, holds building A as alice does.
    FieldDevice& mallory = enroll("mallory", "collector", {ref_.building_a});
    mallory.sync();
    // eve's phone was revoked; frank has left.
    FieldDevice& eve = enroll("eve", "collector", {ref_.building_a});
    revoked_token_ = eve.token();
    admin({"revoke", eve.code()});
    FieldDevice& frank = enroll("frank", "collector", {ref_.building_a});
    departed_token_ = frank.token();
    admin({"user", "deactivate", "frank"});
    admin({"user", "add", "gina", "--role", "collector"});
    used_code_ = admin({"enroll-code", "gina"});
    ASSERT_EQ(send("/v1/enroll", "", enroll_body(used_code_).dump()).status, 200);
    before_ = state();
  }

  // What hostile input must not change, by key: records, users, assignments, devices.
  // The progress of the devices in `answered` (last change number, last seen, HLC node)
  // is left out: their pushes were answered and the answers remembered.
  std::map<std::string, std::string> state(const std::set<std::string>& answered = {}) const {
    std::map<std::string, std::string> out;
    for (const auto& [id, stored] : server_records()) {
      const Record& r = stored.record;
      out["record " + id] = r.collection + " " + r.bucket + " " + std::to_string(stored.seq) + " " +
                            text_of(r.fields) + " " + text_of(r.stamps);
    }
    auto store = must(server::open_sqlite_server_store(server_.database()));
    auto txn = must(store->begin(/*write=*/false));
    for (const server::User& user : must(txn->list_users())) {
      out["user " + user.name] = user.role + (user.active ? " active" : " inactive");
      for (const server::Assignment& a : must(txn->assignments_of(user.name))) {
        out["assignment " + a.user + " " + a.kind + " " + a.target] = "";
      }
    }
    for (const server::Device& d : must(txn->list_devices())) {
      std::string described = d.user + " " + d.device_code + (d.revoked ? " revoked " : " ") +
                              std::to_string(d.created_ms);
      if (!answered.count(d.id)) {
        described += " " + d.node_id + " " + std::to_string(d.last_seq) + " " +
                     std::to_string(d.last_seen_ms);
      }
      out["device " + d.id] = described;
    }
    return out;
  }

  int64_t last_seq_of(const std::string& device_id) const {
    auto store = must(server::open_sqlite_server_store(server_.database()));
    for (const server::Device& d : must(must(store->begin(false))->list_devices())) {
      if (d.id == device_id) return d.last_seq;
    }
    return -1;
  }

  FieldDevice& mallory() { return devices_.at("mallory"); }
  std::string mallory_token() { return mallory().token(); }
  std::string device_id(FieldDevice& device) {
    return must(device.store->sync_value(kSyncDeviceId));
  }
  int port() const { return std::stoi(server_.url().substr(server_.url().rfind(':') + 1)); }

  static std::string encode_push(const std::vector<WireChange>& changes) {
    PushRequest request;
    request.schema_version = Schema::property_management().version();
    request.changes = changes;
    return encode(request);
  }
  static Json push_body(Json changes) {
    return {{"protocol_version", kProtocolVersion},
            {"schema_version", Schema::property_management().version()},
            {"changes", std::move(changes)}};
  }
  static Json pull_body(Json cursors = Json::object()) {
    return {{"protocol_version", kProtocolVersion},
            {"schema_version", Schema::property_management().version()},
            {"cursors", std::move(cursors)},
            {"limit", 100}};
  }
  static Json enroll_body(const std::string& code) {
    return {{"protocol_version", kProtocolVersion},
            {"schema_version", Schema::property_management().version()},
            {"enrollment_code", code}};
  }

  // A well-formed payment by mallory, stamped by her node, with the next change number.
  Json good_payment() {
    const std::string stamp = stamp_now();
    Json fields = {{"household", ref_.household_a},
                   {"amount", 100},
                   {"method", "cash"},
                   {"collector", "mallory"},
                   {"paid_at", Clock::system().now_ms()},
                   {"receipt_number", mallory().code() + "-000001"}};
    Json stamps = Json::object();
    for (const auto& [name, value] : fields.items()) stamps[name] = stamp;
    return {{"seq", next_seq_++},    {"change_id", new_id()}, {"collection", "payments"},
            {"record_id", new_id()}, {"kind", "create"},      {"fields", fields},
            {"stamps", stamps},      {"base", Json::object()}};
  }
  // mallory's update of one field of a household, as her phone would send it.
  Json household_update(const std::string& household, const std::string& field, Json value) {
    const ServerRecords server = server_records();
    const std::string base =
        server.count(household) ? server.at(household).record.stamps.value(field, "") : "";
    return {{"seq", next_seq_++},
            {"change_id", new_id()},
            {"collection", "households"},
            {"record_id", household},
            {"kind", "update"},
            {"fields", {{field, std::move(value)}}},
            {"stamps", {{field, stamp_now()}}},
            {"base", {{field, base}}}};
  }
  std::string stamp_now() {
    return Stamp{Clock::system().now_ms(), stamp_counter_++, mallory().store->identity().node_id}
        .encode();
  }
  // `change` as a new change: the next change number, a new change id.
  Json renumbered(Json change) {
    change["seq"] = next_seq_++;
    change["change_id"] = new_id();
    return change;
  }
  // `change` writing `name` too, stamped by mallory's clock.
  Json with_field(Json change, const std::string& name, Json value) {
    change["fields"][name] = std::move(value);
    change["stamps"][name] = stamp_now();
    return change;
  }

  // Sends `body` and expects the whole request refused with `status`, the error body
  // naming `code`, and a message that says `says`.
  void expect_refused(const std::string& kind, const std::string& path, const std::string& token,
                      const std::string& body, int status, const std::string& code,
                      const std::string& says = "") {
    ++tried_[kind];
    HttpResponse r = send(path, token, body);
    const std::string shown = kind + ": " + clip(body, 200);
    EXPECT_EQ(r.status, status) << shown << "\n  answer: " << clip(r.body, 300);
    auto error = decode_error(r.body);
    ASSERT_TRUE(error.ok()) << shown << "\n  not an error body: " << clip(r.body, 300);
    EXPECT_EQ(error_code_name(error->code), code) << shown << "\n  " << error->message;
    EXPECT_FALSE(error->retryable) << shown;
    EXPECT_NE(error->message.find(says), std::string::npos)
        << shown << "\n  the message does not say '" << says << "': " << error->message;
  }
  void expect_invalid(const std::string& kind, const std::string& path, const std::string& body,
                      const std::string& says = "") {
    const std::string token = path == "/v1/enroll" ? "" : mallory_token();
    expect_refused(kind, path, token, body, 400, "invalid_argument", says);
  }

  // Pushes one change of mallory's and expects it answered "rejected" with a reason that
  // says `says`, in a 200.
  void expect_rejected(const std::string& kind, const Json& change, const std::string& says,
                       const std::string& token = "") {
    ++tried_[kind];
    HttpResponse r = send("/v1/push", token.empty() ? mallory_token() : token,
                          push_body(Json::array({change})).dump());
    const std::string shown = kind + ": " + clip(text_of(change), 300);
    ASSERT_EQ(r.status, 200) << shown << "\n  answer: " << clip(r.body, 300);
    auto answer = decode_push_response(r.body);
    ASSERT_TRUE(answer.ok()) << shown << "\n  " << answer.status().to_string();
    ASSERT_EQ(answer->results.size(), 1u) << shown;
    const ChangeResult& result = answer->results[0];
    EXPECT_EQ(change_outcome_name(result.outcome), std::string("rejected")) << shown;
    EXPECT_NE(result.reason.find(says), std::string::npos)
        << shown << "\n  the reason does not say '" << says << "': " << result.reason;
    EXPECT_LE(result.reason.size(), 4096u) << shown;
    highest_answered_ = std::max(highest_answered_, change.value("seq", int64_t{0}));
  }

  // Pushes `change` with the JSON text `raw` in place of the string "@@RAW@@", for values
  // no JSON library here should have to build (100,000 nested arrays).
  void expect_raw_refused(const std::string& kind, const Json& change, const std::string& raw,
                          const std::string& says) {
    std::string body = push_body(Json::array({change})).dump();
    const std::string placeholder = "\"@@RAW@@\"";
    for (size_t at = body.find(placeholder); at != std::string::npos; at = body.find(placeholder)) {
      body.replace(at, placeholder.size(), raw);
    }
    expect_invalid(kind, "/v1/push", body, says);
  }

  // Sends raw bytes and expects a 4xx or the connection closed without an answer.
  void expect_http_refused(const std::string& kind, const std::string& bytes) {
    ++tried_[kind];
    RawAnswer answer = raw_exchange(port(), bytes);
    const std::string shown = kind + ": " + clip(bytes, 120);
    EXPECT_TRUE(answer.status == 0 || (answer.status >= 400 && answer.status < 500))
        << shown << "\n  answer: " << clip(answer.text, 300);
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

  // The server still answers a health check, and mallory's honest payment syncs.
  void expect_still_serving() {
    HttpRequest health;
    health.method = "GET";
    health.path = "/v1/health";
    auto http = must(CpprestTransport::create(server_.url()));
    HttpResponse r = must(http->send(health));
    EXPECT_EQ(r.status, 200) << r.body;
    Record paid = must(mallory().work().record_payment(payment(ref_.household_a, 1500)));
    SyncReport report = mallory().sync();
    EXPECT_EQ(report.applied, 1);
    EXPECT_EQ(report.rejected, 0);
    EXPECT_TRUE(server_records().count(paid.id));
  }

  void expect_unchanged(const std::set<std::string>& answered) {
    const auto after = state(answered);
    const auto before = [&] {
      std::map<std::string, std::string> masked;
      for (auto [key, value] : before_) {
        for (const auto& id : answered) {
          if (key == "device " + id) value = after.count(key) ? after.at(key) : value;
        }
        masked[key] = value;
      }
      return masked;
    }();
    for (const auto& [key, value] : before) {
      auto it = after.find(key);
      if (it == after.end()) {
        ADD_FAILURE() << key << " is gone; it was " << clip(value, 300);
      } else {
        EXPECT_EQ(it->second, value) << key << " changed";
      }
    }
    for (const auto& [key, value] : after) {
      if (!before.count(key)) ADD_FAILURE() << key << " is new: " << clip(value, 300);
    }
  }

  OutboxChange alice_change_;
  std::string alice_push_;
  std::string revoked_token_, departed_token_, used_code_;
  std::map<std::string, std::string> before_;
  std::map<std::string, int> tried_;
  int64_t next_seq_ = 1000;
  int64_t highest_answered_ = 0;
  uint32_t stamp_counter_ = 0;
};

// ---------------------------------------------------------------------------------
// Whole requests that are wrong: 4xx with an error body.

TEST_F(HostileInputTest, WrongRequestsAreRefusedWithAClearErrorAndChangeNothing) {
  const std::string push = push_body(Json::array({good_payment(), good_payment()})).dump();
  const std::string pull = pull_body({{"building:" + ref_.building_a, 0}}).dump();
  const std::string enroll = enroll_body("ABCD2345").dump();

  // Malformed JSON, on every endpoint.
  const std::vector<std::string> malformed = {"",
                                              " ",
                                              "{",
                                              "}",
                                              "[]",
                                              "null",
                                              "42",
                                              "\"text\"",
                                              "true",
                                              "garbage",
                                              "{'protocol_version': 1}",
                                              "{\"protocol_version\":1,}",
                                              "{\"a\":NaN}",
                                              "{\"a\":Infinity}",
                                              "{\"a\":-Infinity}",
                                              "/* note */ {}",
                                              "{\"a\":1}{\"b\":2}",
                                              "{\"a\":\"\xff\xfe\"}",
                                              "{\"a\":\"\\ud800\"}",
                                              std::string("{\"a\":\"x\0y\"}", 12),
                                              "{\"a\":01}",
                                              "{\"a\":.5}",
                                              "{\"a\":1e}",
                                              "{\"a\" 1}",
                                              "\xEF\xBB\xBF{}",
                                              push + "x",
                                              push + "}",
                                              "[" + push + "]"};
  for (const auto& path : {"/v1/push", "/v1/pull", "/v1/enroll"}) {
    for (const auto& body : malformed) expect_invalid("malformed JSON", path, body);
  }
  // Truncated anywhere.
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/push", push}, {"/v1/pull", pull}, {"/v1/enroll", enroll}}) {
    for (int cut = 1; cut < 16; ++cut) {
      expect_invalid("truncated JSON", path, body.substr(0, body.size() * cut / 16));
    }
  }

  // Wrong types, missing and unknown fields, at the top and in a change.
  auto mutated = [](const std::string& body, const std::string& pointer, const Json* value) {
    Json j = Json::parse(body);
    if (value) {
      j[Json::json_pointer(pointer)] = *value;
    } else {
      const Json::json_pointer at(pointer);
      j[at.parent_pointer()].erase(at.back());
    }
    return j.dump();
  };
  const std::string kPush = "/v1/push", kPull = "/v1/pull", kEnroll = "/v1/enroll";
  const std::map<std::string, const std::string*> body_of = {
      {kPush, &push}, {kPull, &pull}, {kEnroll, &enroll}};
  const std::string cursor = "/cursors/building:" + ref_.building_a;
  const std::vector<std::tuple<std::string, std::string, Json>> wrong_types = {
      {kPush, "/protocol_version", "1"},
      {kPush, "/protocol_version", 1.0},
      {kPush, "/protocol_version", true},
      {kPush, "/protocol_version", Json::array({1})},
      {kPush, "/schema_version", "1"},
      {kPush, "/schema_version", 1.5},
      {kPush, "/changes", Json::object()},
      {kPush, "/changes", "x"},
      {kPush, "/changes", 5},
      {kPush, "/changes", Json::array({1})},
      {kPush, "/changes", Json::array({Json::array()})},
      {kPush, "/changes/0/seq", "1"},
      {kPush, "/changes/0/seq", 1.5},
      {kPush, "/changes/0/seq", 0},
      {kPush, "/changes/0/seq", -1},
      {kPush, "/changes/0/seq", INT64_MAX},
      {kPush, "/changes/0/seq", uint64_t{1} << 63},
      {kPush, "/changes/0/change_id", 5},
      {kPush, "/changes/0/change_id", Json::array()},
      {kPush, "/changes/0/collection", 5},
      {kPush, "/changes/0/collection", Json::object()},
      {kPush, "/changes/0/record_id", 5},
      {kPush, "/changes/0/kind", Json::array()},
      {kPush, "/changes/0/fields", Json::array()},
      {kPush, "/changes/0/fields", "x"},
      {kPush, "/changes/0/stamps", Json::array()},
      {kPush, "/changes/0/stamps", 5},
      {kPush, "/changes/0/base", "x"},
      {kPush, "/changes/1/seq", 1000},  // not increasing through the batch
      {kPull, "/cursors", Json::array()},
      {kPull, "/cursors", "x"},
      {kPull, cursor, "1"},
      {kPull, cursor, -1},
      {kPull, cursor, 1.5},
      {kPull, "/limit", "10"},
      {kPull, "/limit", 0},
      {kPull, "/limit", -1},
      {kPull, "/limit", kMaxPullLimit + 1},
      {kPull, "/limit", uint64_t{1} << 63},
      {kEnroll, "/enrollment_code", 12345678},
      {kEnroll, "/enrollment_code", Json::array()},
      {kEnroll, "/protocol_version", "1"}};
  for (const auto& [path, pointer, value] : wrong_types) {
    expect_invalid("wrong type", path, mutated(*body_of.at(path), pointer, &value));
  }
  for (const auto& pointer :
       {"/protocol_version", "/schema_version", "/changes", "/changes/0/seq",
        "/changes/0/change_id", "/changes/0/collection", "/changes/0/record_id", "/changes/0/kind",
        "/changes/0/fields", "/changes/0/stamps", "/changes/0/base"}) {
    expect_invalid("missing field", "/v1/push", mutated(push, pointer, nullptr), "is missing");
  }
  expect_invalid("missing field", "/v1/pull", mutated(pull, "/cursors", nullptr), "is missing");
  expect_invalid("missing field", "/v1/enroll", mutated(enroll, "/enrollment_code", nullptr),
                 "is missing");
  const Json extra = "surprise";
  expect_invalid("unknown field", "/v1/push", mutated(push, "/extra", &extra),
                 "unknown field 'extra'");
  expect_invalid("unknown field", "/v1/push", mutated(push, "/changes/1/extra", &extra),
                 "unknown field 'extra'");
  expect_invalid("unknown field", "/v1/pull", mutated(pull, "/extra", &extra), "unknown field");
  expect_invalid("unknown field", "/v1/enroll", mutated(enroll, "/extra", &extra), "unknown field");
  for (const auto& sql : kSql) {
    const Json value = 1;
    expect_invalid("SQL-looking text", "/v1/push", mutated(push, "/" + sql, &value),
                   "unknown field");
  }

  // Limits: too many changes, too many cursors, names too long.
  Json many = Json::array();
  for (size_t i = 0; i <= kMaxPushChanges; ++i) many.push_back(good_payment());
  expect_invalid("over a limit", "/v1/push", push_body(many).dump(), "at most 500 changes");
  Json cursors = Json::object();
  for (int i = 0; i <= 10000; ++i) cursors["user:u" + std::to_string(i)] = 0;
  expect_invalid("over a limit", "/v1/pull", pull_body(cursors).dump(), "too many cursors");
  expect_invalid("over a limit", "/v1/pull", pull_body({{std::string(129, 'b'), 0}}).dump(),
                 "1 to 128 characters");

  // Versions.
  for (int version : {0, kProtocolVersion + 1, 7}) {
    Json body = Json::parse(push);
    body["protocol_version"] = version;
    expect_refused("wrong protocol version", "/v1/push", mallory_token(), body.dump(), 400,
                   "unsupported_protocol", "protocol version " + std::to_string(version));
    body = Json::parse(pull);
    body["protocol_version"] = version;
    expect_refused("wrong protocol version", "/v1/pull", mallory_token(), body.dump(), 400,
                   "unsupported_protocol");
    body = Json::parse(enroll);
    body["protocol_version"] = version;
    expect_refused("wrong protocol version", "/v1/enroll", "", body.dump(), 400,
                   "unsupported_protocol");
  }
  for (int version : {-1, 1000001}) {
    Json body = Json::parse(push);
    body["protocol_version"] = version;
    expect_invalid("wrong protocol version", "/v1/push", body.dump(),
                   "protocol_version must be between");
  }
  for (int schema : {Schema::property_management().version() + 1, 1000000}) {
    Json body = Json::parse(push);
    body["schema_version"] = schema;
    expect_refused("wrong schema version", "/v1/push", mallory_token(), body.dump(), 400,
                   "server_too_old");
  }

  // Tokens: none, unknown, malformed, SQL-looking, huge, revoked, of a departed user,
  // and a one-time enrollment code replayed.
  for (const std::string& token : std::vector<std::string>{
           "", "not-a-token", std::string(64, '0'), mallory_token() + "0",
           mallory_token().substr(1), kSql[0], kSql[1]}) {
    expect_refused("unknown token", "/v1/push", token, push, 401, "unauthenticated");
    expect_refused("unknown token", "/v1/pull", token, pull, 401, "unauthenticated");
  }
  // A token longer than all headers may be is refused before it is looked at.
  expect_refused("unknown token", "/v1/push", std::string(100000, 'a'), push, 431,
                 "headers_too_large");
  expect_refused("revoked or replayed token", "/v1/push", revoked_token_, push, 401,
                 "unauthenticated", "revoked");
  expect_refused("revoked or replayed token", "/v1/pull", revoked_token_, pull, 401,
                 "unauthenticated", "revoked");
  expect_refused("revoked or replayed token", "/v1/push", departed_token_, push, 401,
                 "unauthenticated", "no longer active");
  expect_refused("revoked or replayed token", "/v1/enroll", "", enroll_body(used_code_).dump(), 401,
                 "unauthenticated", "already used");
  for (const auto& sql : kSql) {
    expect_refused("SQL-looking text", "/v1/enroll", "", enroll_body(sql).dump(), 401,
                   "unauthenticated");
  }
  // Enrollment needs no token, so it may bring only a small body: refused from its
  // Content-Length, before it is read.
  expect_refused("huge string", "/v1/enroll", "", enroll_body(std::string(5 << 20, 'K')).dump(),
                 413, "too_large", "65536 bytes");
  expect_invalid("huge string", "/v1/enroll", enroll_body(std::string(60000, 'K')).dump(),
                 "longer than 64");

  // Huge strings where the codec bounds them, and deep nesting anywhere.
  const Json huge(std::string(5 << 20, 'c'));
  expect_invalid("huge string", "/v1/push", mutated(push, "/changes/0/collection", &huge),
                 "longer than 64");
  expect_invalid("huge string", "/v1/pull", pull_body({{std::string(5 << 20, 'b'), 0}}).dump(),
                 "1 to 128 characters");
  expect_invalid("deep nesting", "/v1/push", nested_arrays(100000));
  expect_invalid("deep nesting", "/v1/pull", nested_arrays(100000));
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(100000, '}');
  expect_invalid("deep nesting", "/v1/pull",
                 "{\"protocol_version\":1,\"schema_version\":1,\"cursors\":" + deep_objects + "}");
  expect_invalid(
      "deep nesting", "/v1/push",
      "{\"protocol_version\":1,\"schema_version\":1,\"changes\":" + nested_arrays(100000) + "}");

  // Money that is not a number JSON can hold.
  expect_invalid("money out of range", "/v1/push",
                 std::string("{\"protocol_version\":1,\"schema_version\":1,\"changes\":[") +
                     "{\"seq\":5000,\"change_id\":\"" + new_id() +
                     "\",\"collection\":\"payments\"," + "\"record_id\":\"" + new_id() +
                     "\",\"kind\":\"create\",\"fields\":{\"amount\":1e400}," +
                     "\"stamps\":{},\"base\":{}}]}",
                 "not valid JSON");

  // Bodies over the limit (8 MiB): sent whole, declared and not sent, and chunked.
  expect_refused(
      "over the size limit", "/v1/push", mallory_token(),
      push_body(Json::array({with_field(good_payment(), "note", std::string(9 << 20, 'n'))}))
          .dump(),
      413, "too_large");
  // Paths and methods.
  expect_refused("unknown path", "/v2/push", mallory_token(), push, 404, "not_found");
  expect_refused("unknown path", "/v1/push/../../etc/passwd", mallory_token(), push, 404,
                 "not_found");
  expect_refused("SQL-looking text", "/v1/%27%3B%20DROP%20TABLE%20records%3B%20--", mallory_token(),
                 push, 404, "not_found");

  expect_unchanged({});
  expect_still_serving();
  print_tally("whole requests refused");
}

// ---------------------------------------------------------------------------------
// Wrong changes in a well-formed push: 200, each "rejected" with a reason, which the
// device parks; nothing written.

TEST_F(HostileInputTest, WrongChangesAreRejectedOneByOneAndWriteNothing) {
  // Unknown collections, kinds and fields; writes a collector may not make.
  for (const std::string& collection :
       {std::string("nonsense"), std::string(), std::string("Payments"), std::string("payments "),
        std::string("sqlite_master"), kSql[0], kSql[1]}) {
    Json change = good_payment();
    change["collection"] = collection;
    expect_rejected("unknown collection or field", change, "unknown collection");
  }
  Json conflict = good_payment();
  conflict["collection"] = "conflicts";
  expect_rejected("unknown collection or field", conflict, "created by the server");
  Json estate = good_payment();
  estate["collection"] = "estates";
  estate["stamps"] = {{"name", estate["stamps"]["amount"]}};
  estate["fields"] = {{"name", "Hilltop"}};
  expect_rejected("unknown collection or field", estate, "estates are created by the office");
  Json for_bob = with_field(good_payment(), "collector", "bob");
  expect_rejected(
      "unknown collection or field", for_bob,
      "collector: names \"bob\", but a payment is recorded in the name of the device's user");
  // Voiding alice's payment (mallory holds its building too, and names herself).
  const std::string void_stamp = stamp_now();
  Json void_fields = {{"payment", alice_change_.record_id}, {"reason", "entered twice"},
                      {"voided_by", "mallory"}, {"voided_at", Clock::system().now_ms()}};
  Json void_stamps = Json::object();
  for (const auto& [name, value] : void_fields.items()) void_stamps[name] = void_stamp;
  expect_rejected("unknown collection or field",
                  {{"seq", next_seq_++}, {"change_id", new_id()}, {"collection", "payment_voids"},
                   {"record_id", new_id()}, {"kind", "create"}, {"fields", void_fields},
                   {"stamps", void_stamps}, {"base", Json::object()}},
                  "payment: a collector may void only a payment of their own (collector mallory); "
                  "this one's collector is alice");
  expect_rejected("unknown collection or field", with_field(good_payment(), "colour", "red"),
                  "colour: payments have no such field");
  for (const auto& sql : kSql) {
    expect_rejected("SQL-looking text", with_field(good_payment(), sql, 1), "have no such field");
  }
  expect_rejected("unknown collection or field",
                  household_update(ref_.household_a, "colour", "red"),
                  "colour: households have no such field");
  for (const std::string& kind :
       {std::string("delete"), std::string("CREATE"), std::string("' OR 1=1 --")}) {
    Json change = good_payment();
    change["kind"] = kind;
    expect_rejected("unknown collection or field", change,
                    "is not create, update, status or reopen");
  }
  Json sql_kind = good_payment();
  sql_kind["kind"] = kSql[0];  // longer than any kind: the codec refuses the push
  expect_invalid("SQL-looking text", "/v1/push", push_body(Json::array({sql_kind})).dump(),
                 "kind is longer than 16 characters");
  Json no_stamp = good_payment();
  no_stamp["stamps"].erase("amount");
  expect_rejected("stamps and bases", no_stamp, "no stamp for field 'amount'");
  for (const std::string& stamp : {std::string("yesterday"), std::string(), kSql[0],
                                   std::string("0193a6f27c1e.00000000."), std::string(5000, '9')}) {
    Json change = good_payment();
    change["stamps"]["amount"] = stamp;
    expect_rejected("stamps and bases", change, "stamps: amount: ");
  }
  Json bad_base = household_update(ref_.household_a, "phones", Json::array({"13800000009"}));
  bad_base["base"]["phones"] = kSql[0];
  expect_rejected("stamps and bases", bad_base, "base: phones: ");
  // New stamps of another node (alice's phone, the server, one never seen): refused, or
  // mallory could write as them and win ties. The base, the stamp of the value
  // replaced, may be anyone's.
  for (const std::string& node : {devices_.at("alice").store->identity().node_id,
                                  std::string("server"), std::string("n0body")}) {
    Json forged = household_update(ref_.household_a, "phones", Json::array({"13800000010"}));
    forged["stamps"]["phones"] = Stamp{Clock::system().now_ms(), 0, node}.encode();
    expect_rejected("stamps and bases", forged, "stamps: phones: node '" + node + "'");
  }

  // Invalid ids: the record's, the change's, and the records it refers to.
  const std::string unit_as_household = ref_.unit_a;
  for (const std::string& id :
       {std::string("not-an-id"), std::string(), std::string("0193a6f2-7c1e-7b3a-9f00"),
        std::string(64, 'f'), std::string("../../etc/passwd"), std::string("{") + new_id() + "}",
        kSql[0]}) {
    Json change = good_payment();
    change["record_id"] = id;
    expect_rejected("invalid id", change, "record_id: ");
    change = good_payment();
    change["change_id"] = id;
    expect_rejected("invalid id", change, "change_id: ");
    expect_rejected("invalid id", with_field(good_payment(), "household", id), "household: ");
  }
  expect_rejected("invalid id", with_field(good_payment(), "household", new_id()),
                  "no households record");
  expect_rejected("invalid id", with_field(good_payment(), "household", unit_as_household),
                  "no households record");

  // Huge strings.
  const std::string five_mb(5 << 20, 'x');
  expect_rejected("huge string", with_field(good_payment(), "note", five_mb),
                  "note: is 5242880 characters long");
  expect_rejected("huge string", household_update(ref_.household_a, "owner_name", five_mb),
                  "owner_name: is 5242880 characters long");
  expect_rejected("huge string", with_field(good_payment(), std::string(3 << 20, 'y'), 1),
                  "have no such field");
  expect_rejected("huge string", with_field(good_payment(), "receipt_number", five_mb),
                  "receipt_number: ");
  Json many_fields = good_payment();
  for (int i = 0; i < 100000; ++i)
    many_fields = with_field(std::move(many_fields), "f" + std::to_string(i), 1);
  expect_rejected("huge string", many_fields, "have no such field");

  // Deep nesting inside a change: the body is refused whole.
  for (const char* field : {"method", "household", "note", "charges", "amount"}) {
    expect_raw_refused("deep nesting", with_field(good_payment(), field, "@@RAW@@"),
                       nested_arrays(100000), "nested deeper than");
  }
  std::string deep_object;
  for (int i = 0; i < 100000; ++i) deep_object += "{\"lat\":";
  deep_object += "1" + std::string(100000, '}');
  Json located = good_payment();
  located["collection"] = "fee_visits";
  expect_raw_refused("deep nesting", with_field(located, "location", "@@RAW@@"), deep_object,
                     "nested deeper than");
  Json deep_stamp = good_payment();
  deep_stamp["stamps"]["amount"] = "@@RAW@@";
  expect_raw_refused("deep nesting", deep_stamp, nested_arrays(100000), "nested deeper than");
  expect_raw_refused("deep nesting", household_update(ref_.household_a, "phones", "@@RAW@@"),
                     nested_arrays(100000, "\"13800000009\""), "nested deeper than");

  // Money: negative, zero, fractions, text, and past what minor units can hold.
  const std::vector<std::pair<Json, std::string>> amounts = {
      {-1, "must not be negative"},
      {0, "must be at least 0.01"},
      {kMaxAmountMinor + 1, "at most 10000000.00 is allowed in one record"},
      {kDefaultEstateMaxAmountMinor + 1, "more than this estate's maximum of 100000.00"},
      {INT64_MIN, "must not be negative"},
      {INT64_MAX, "too large an amount"},
      {uint64_t{1} << 63, "too large an amount"},
      {UINT64_MAX, "too large an amount"},
      {kMaxMoneyMinor + 1, "too large an amount"},
      {1.5, "minor units"},
      {1e2, "minor units"},
      {1e20, "minor units"},
      {"100", "minor units"},
      {Json::array({100}), "minor units"}};
  for (const auto& [amount, says] : amounts) {
    expect_rejected("money out of range", with_field(good_payment(), "amount", amount), says);
  }
  Json visit = good_payment();
  visit["collection"] = "fee_visits";
  visit["fields"] = Json::object();
  visit["stamps"] = Json::object();
  visit = with_field(
      with_field(with_field(with_field(with_field(std::move(visit), "household", ref_.household_a),
                                       "collector", "mallory"),
                            "visited_at", Clock::system().now_ms()),
                 "channel", "door"),
      "outcome", "promised");
  visit = with_field(std::move(visit), "promise_date", "2026-12-05");
  expect_rejected("money out of range", with_field(renumbered(visit), "promise_amount", -1),
                  "must not be negative");
  expect_rejected("money out of range", with_field(renumbered(visit), "promise_amount", UINT64_MAX),
                  "too large an amount");

  // SQL-looking text where a value must be one of a kind.
  for (const auto& sql : kSql) {
    expect_rejected("SQL-looking text", with_field(good_payment(), "method", sql), "is not one of");
    expect_rejected("SQL-looking text", with_field(good_payment(), "receipt_number", sql),
                    "does not start with this device's code");
    expect_rejected("SQL-looking text", with_field(good_payment(), "periods", Json::array({sql})),
                    "periods: ");
  }

  // Outside the device's buckets.
  expect_rejected("outside the device's buckets",
                  with_field(good_payment(), "household", ref_.household_b),
                  "is outside this device's buckets");
  expect_rejected("outside the device's buckets",
                  household_update(ref_.household_b, "phones", Json::array({"13800000009"})),
                  "the record is outside this device's buckets");
  expect_rejected("outside the device's buckets",
                  with_field(with_field(good_payment(), "household", ref_.household_b), "charges",
                             Json::array({ref_.charge_b})),
                  "outside this device's buckets");

  // Another device's receipt numbers and change ids. A change number reused for
  // another change gets the first answer's refusal, not a second go.
  Json foreign_receipt =
      with_field(good_payment(), "receipt_number", devices_.at("alice").code() + "-000999");
  expect_rejected("another device's change or receipt", foreign_receipt,
                  "does not start with this device's code");
  Json reused = good_payment();
  reused["seq"] = foreign_receipt["seq"];
  expect_rejected("another device's change or receipt", reused,
                  "was already used by another change");
  Json stolen = good_payment();
  stolen["change_id"] = alice_change_.change_id;
  stolen["seq"] = next_seq_++;
  stolen = with_field(std::move(stolen), "amount", 1);
  stolen["record_id"] = alice_change_.record_id;
  expect_rejected("another device's change or receipt", stolen, "already exists");

  std::set<std::string> answered = {device_id(mallory())};
  // mallory replays alice's change, word for word, under a number of her own: its
  // stamps carry alice's node, so it is refused and writes nothing.
  ++tried_["another device's change or receipt"];
  WireChange replayed = to_wire(alice_change_);
  replayed.seq = next_seq_++;
  auto replay =
      decode_push_response(send("/v1/push", mallory_token(), encode_push({replayed})).body);
  ASSERT_TRUE(replay.ok()) << replay.status().to_string();
  EXPECT_EQ(change_outcome_name(replay->results.at(0).outcome), std::string("rejected"));
  EXPECT_NE(replay->results.at(0).reason.find("is not this device's node"), std::string::npos)
      << replay->results.at(0).reason;
  highest_answered_ = replayed.seq;
  // alice's own replay is still answered as the first time: nothing mallory sent
  // touched alice's exactly-once record.
  ++tried_["another device's change or receipt"];
  auto again =
      decode_push_response(send("/v1/push", devices_.at("alice").token(), alice_push_).body);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(change_outcome_name(again->results.at(0).outcome), std::string("applied"));
  EXPECT_EQ(again->results.at(0).change_id, alice_change_.change_id);
  answered.insert(device_id(devices_.at("alice")));

  // Reading outside the buckets: cursors for buckets the device does not hold bring
  // nothing from them.
  for (const std::string& bucket : {"building:" + ref_.building_b, std::string("office"),
                                    std::string("user:alice"), kSql[0], kSql[3]}) {
    ++tried_["outside the device's buckets"];
    HttpResponse r = send("/v1/pull", mallory_token(), pull_body({{bucket, 0}}).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = must(decode_pull_response(r.body));
    for (const auto& held : page.buckets) EXPECT_NE(held, bucket);
    for (const auto& record : page.records) EXPECT_NE(record.record.bucket, bucket);
  }

  // Overflowing whole numbers, from the office (units are its to edit).
  FieldDevice& office = devices_.at("office");
  ++tried_["money out of range"];
  const std::string unit_stamp =
      Stamp{Clock::system().now_ms(), 0, office.store->identity().node_id}.encode();
  Json floor = {{"seq", 500},
                {"change_id", new_id()},
                {"collection", "units"},
                {"record_id", ref_.unit_a},
                {"kind", "update"},
                {"fields", {{"floor", UINT64_MAX}}},
                {"stamps", {{"floor", unit_stamp}}},
                {"base", {{"floor", ""}}}};
  auto floored = decode_push_response(
      send("/v1/push", office.token(), push_body(Json::array({floor})).dump()).body);
  ASSERT_TRUE(floored.ok()) << floored.status().to_string();
  EXPECT_EQ(change_outcome_name(floored->results.at(0).outcome), std::string("rejected"));
  EXPECT_NE(floored->results.at(0).reason.find("floor: is too large a number"), std::string::npos)
      << floored->results.at(0).reason;
  answered.insert(device_id(office));

  expect_unchanged(answered);
  EXPECT_EQ(last_seq_of(device_id(mallory())), highest_answered_);
  expect_still_serving();
  print_tally("changes rejected one by one (deep nesting: whole push refused)");
}

// ---------------------------------------------------------------------------------
// Malformed HTTP on a raw socket: a 4xx, or the connection closed; never an answer of
// the sync service to a request it could not read.

TEST_F(HostileInputTest, MalformedHttpIsRefusedAndTheServerKeepsServing) {
  const std::string auth = "Authorization: Bearer " + mallory_token() + "\r\n";
  const std::string body = push_body(Json::array({good_payment()})).dump();
  const std::string head = "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth;
  std::string binary;
  for (int i = 0; i < 1024; ++i) binary += static_cast<char>(i * 37 % 256);
  const std::vector<std::string> requests = {
      "GARBAGE\r\n\r\n",
      "POST /v1/push\r\n\r\n",
      "GET /v1/health\r\n",
      "POST /v1/push HTTP/9.9\r\n\r\n",
      head + "NoColonHere\r\nContent-Length: 2\r\n\r\n{}",
      head + "Content-Length: abc\r\n\r\n" + body,
      head + "Content-Length: -5\r\n\r\n" + body,
      head + "Content-Length: 99999999999999999999999\r\n\r\n" + body,
      head + "Content-Length: " + std::to_string(body.size() + 100) + "\r\n\r\n" + body,
      head + "Content-Length: 2\r\nContent-Length: 5\r\n\r\n" + body,
      head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n0\r\n\r\n",
      head + "Transfer-Encoding: chunked\r\n\r\n10\r\nab",
      head + "X-Long: " + std::string(1 << 20, 'h') + "\r\nContent-Length: 2\r\n\r\n{}",
      "POST /v1/%zzush HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 2\r\n\r\n{}",
      "POST /v1/pu\0sh HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 2\r\n\r\n{}",
      "FROB /v1/push HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 2\r\n\r\n{}",
      "PUT /v1/push HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n",
      "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
      "bWFsbG9yeTpzZWNyZXQ=\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      // Declared over the limit and never sent: answered at once.
      head + "Content-Length: " + std::to_string((8 << 20) + 1) + "\r\n\r\n",
      binary,
      std::string(),
  };
  for (const auto& request : requests) expect_http_refused("malformed HTTP", request);

  // A chunked body over the limit, which no Content-Length announces.
  std::string chunked = head + "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(1 << 20, ' ');
  for (int i = 0; i < 9; ++i) chunked += "100000\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  ++tried_["over the size limit"];
  RawAnswer too_big = raw_exchange(port(), chunked, milliseconds(10000));
  EXPECT_EQ(too_big.status, 413) << clip(too_big.text, 300);
  EXPECT_NE(too_big.text.find("\"too_large\""), std::string::npos) << clip(too_big.text, 300);

  expect_unchanged({});
  expect_still_serving();
  print_tally("malformed HTTP");
}

}  // namespace
}  // namespace fieldsync::testing
