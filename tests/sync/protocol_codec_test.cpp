#include <gtest/gtest.h>

#include <set>

#include "fieldsync/protocol.h"

namespace fieldsync {
namespace {

TEST(ProtocolCodec, PushRequestsRoundTrip) {
  PushRequest request;
  request.schema_version = 1;
  WireChange w;
  w.seq = 7;
  w.change.change_id = "c";
  w.change.collection = "households";
  w.change.record_id = "r";
  w.change.kind = "update";
  w.change.fields = {{"phones", {"1"}}};
  w.change.stamps = {{"phones", "s"}};
  w.change.base = {{"phones", ""}};
  request.changes.push_back(w);
  auto decoded = decode_push_request(encode(request));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->changes.size(), 1u);
  EXPECT_EQ(decoded->changes[0].seq, 7);
  EXPECT_EQ(decoded->changes[0].change.fields, w.change.fields);
  EXPECT_TRUE(decoded->changes[0].proof.empty());

  // An attachment's possession proof (protocol 2) travels with its change.
  PossessionProof proof("r");
  proof.update("the bytes");
  request.changes[0].proof = proof.hex();
  decoded = decode_push_request(encode(request));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->changes[0].proof, request.changes[0].proof);
  EXPECT_EQ(request.changes[0].proof.size(), 64u);
}

TEST(ProtocolCodec, PullResponsesRoundTripAsOneJsonDocument) {
  PullResponse response;
  response.buckets = {"building:a", "user:\"quoted\""};
  response.cursors = {{"building:a", 12}};
  response.more = true;
  response.server_time_ms = 1764216000000;
  for (int64_t seq : {11, 12}) {
    Record r;
    r.collection = "households";
    r.id = "id-" + std::to_string(seq);
    r.bucket = "building:a";
    r.fields = {{"owner_name", "Chen \"Sam\" Yu"}, {"phones", {"1", "2"}}, {"floor", 3}};
    r.stamps = {{"owner_name", "s1"}, {"phones", "s2"}, {"floor", "s3"}};
    response.records.push_back({r, seq});
  }
  // The text is exactly the document's, written record by record.
  Json records = Json::array();
  for (const auto& r : response.records) records.push_back(wire_record_to_json(r));
  const Json document = {{"buckets", response.buckets},
                         {"records", records},
                         {"cursors", {{"building:a", 12}}},
                         {"more", true},
                         {"server_time_ms", response.server_time_ms}};
  EXPECT_EQ(encode(response), document.dump());
  auto decoded = decode_pull_response(encode(response));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->records.size(), 2u);
  EXPECT_EQ(decoded->records[1].record.fields, response.records[1].record.fields);
  EXPECT_EQ(decoded->records[1].record.stamps, response.records[1].record.stamps);
  EXPECT_EQ(decoded->records[1].seq, 12);
  EXPECT_EQ(decoded->buckets, response.buckets);
  EXPECT_EQ(decoded->cursors, response.cursors);
  EXPECT_TRUE(decoded->more);
  EXPECT_EQ(decoded->new_device_token, "");
}

TEST(ProtocolCodec, ARotatedTokenIsCarriedAndBounded) {
  PullResponse page;
  page.new_device_token = "t0k3n";
  auto decoded = decode_pull_response(encode(page));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->new_device_token, "t0k3n");
  page.new_device_token = std::string(kMaxTokenLength + 1, 'a');
  EXPECT_FALSE(decode_pull_response(encode(page)).ok());
  Json empty = Json::parse(encode(PullResponse{}));
  empty["new_device_token"] = "";
  EXPECT_FALSE(decode_pull_response(empty.dump()).ok());
}

TEST(ProtocolCodec, DecodersNameWhatIsWrong) {
  auto not_json = decode_push_request("{\"changes\": [");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.status().message().find("not valid JSON"), std::string::npos);

  auto wrong_type = decode_push_request(R"({"protocol_version": "1", "schema_version": 1, "changes": []})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("protocol_version must be a whole number"), std::string::npos);

  auto missing = decode_pull_request(R"({"protocol_version": 1, "schema_version": 1})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cursors is missing"), std::string::npos);

  auto extra = decode_pull_request(R"({"protocol_version": 1, "schema_version": 1, "cursors": {}, "admin": true})");
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("unknown field 'admin'"), std::string::npos);

  auto bad_change = decode_push_request(
      R"({"protocol_version": 1, "schema_version": 1, "changes": [{"seq": 1, "change_id": "c",
          "collection": "payments", "record_id": "r", "kind": "create", "fields": [], "stamps": {},
          "base": {}}]})");
  ASSERT_FALSE(bad_change.ok());
  EXPECT_NE(bad_change.status().message().find("change 1: fields must be an object"), std::string::npos);

  auto negative_cursor = decode_pull_request(
      R"({"protocol_version": 1, "schema_version": 1, "cursors": {"building:x": -4}})");
  EXPECT_FALSE(negative_cursor.ok());
  auto big_limit = decode_pull_request(
      R"({"protocol_version": 1, "schema_version": 1, "cursors": {}, "limit": 999999999})");
  EXPECT_FALSE(big_limit.ok());
  EXPECT_FALSE(decode_push_request("[1, 2]").ok());

  auto bad_proof = decode_push_request(
      R"({"protocol_version": 2, "schema_version": 1, "changes": [{"seq": 1, "change_id": "c",
          "collection": "attachments", "record_id": "r", "kind": "create", "fields": {}, "stamps": {},
          "base": {}, "proof": "SHA"}]})");
  ASSERT_FALSE(bad_proof.ok());
  EXPECT_NE(bad_proof.status().message().find("change 1: proof must be 64 lowercase hexadecimal digits"),
            std::string::npos);
}

TEST(ProtocolCodec, SeqsMustIncreaseThroughABatch) {
  auto decoded = decode_push_request(
      R"({"protocol_version": 1, "schema_version": 1, "changes": [
          {"seq": 2, "change_id": "a", "collection": "c", "record_id": "r", "kind": "update",
           "fields": {"x": 1}, "stamps": {"x": "s"}, "base": {}},
          {"seq": 2, "change_id": "b", "collection": "c", "record_id": "r", "kind": "update",
           "fields": {"x": 1}, "stamps": {"x": "s"}, "base": {}}]})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("seq must increase"), std::string::npos);
}

TEST(ProtocolCodec, ErrorsRoundTrip) {
  auto e = decode_error(encode(ErrorBody{ErrorCode::kUpgradeRequired, "update the app", false}));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, ErrorCode::kUpgradeRequired);
  EXPECT_EQ(decode_error(encode(ErrorBody{ErrorCode::kUnknown, "x", true}))->code,
            ErrorCode::kUnknown);
  EXPECT_FALSE(e->retryable);
}

// One enum of error codes: every code has its own wire name that reads back as the
// code, and every Status code is answered with one of them.
TEST(ErrorCodes, EveryCodeHasOneWireNameAndEveryStatusAnAnswer) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnknown); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const std::string name = error_code_name(code);
    EXPECT_TRUE(names.insert(name).second) << name << " twice";
    EXPECT_EQ(error_code_from_name(name), code) << name;
    EXPECT_GE(http_status_of(code), 400) << name;
    EXPECT_LT(http_status_of(code), 600) << name;
  }
  EXPECT_EQ(error_code_from_name("a_code_from_a_newer_server"), ErrorCode::kUnknown);
  for (int i = static_cast<int>(StatusCode::kInvalidArgument);
       i <= static_cast<int>(StatusCode::kInternal); ++i) {
    const ErrorCode code = error_code_of(static_cast<StatusCode>(i));
    EXPECT_NE(code, ErrorCode::kUnknown) << i;
  }
  EXPECT_EQ(http_status_of(error_code_of(StatusCode::kPermissionDenied)), 403);
  EXPECT_EQ(error_code_name(error_code_of(StatusCode::kPermissionDenied)),
            std::string("forbidden"));
  EXPECT_EQ(http_status_of(error_code_of(StatusCode::kUnavailable)), 503);
  EXPECT_TRUE(retryable_by_default(error_code_of(StatusCode::kIOError)));
}

// The pull tells a phone of schema 2 what it may do; the member reads back whole.
TEST(ProtocolCodec, ThePullCarriesTheDevicesAccess) {
  PullResponse page;
  page.buckets = {"building:b1:fees"};
  page.access = Access{"ann", "collector", {"e1"}, {"b1", "b2"}};
  auto decoded = decode_pull_response(encode(page));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  ASSERT_TRUE(decoded->access.has_value());
  EXPECT_EQ(decoded->access->role, "collector");
  EXPECT_EQ(decoded->access->buildings, (std::vector<std::string>{"b1", "b2"}));
  page.access.reset();  // as a schema-1 phone is sent it
  EXPECT_EQ(encode(page).find("access"), std::string::npos);
  EXPECT_FALSE(decode_pull_response(encode(page))->access.has_value());
}

}  // namespace
}  // namespace fieldsync
