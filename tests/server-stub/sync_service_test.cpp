// The sync service at the HTTP level, in process: authentication, versions, scope,
// exactly-once replay and receipt numbers, with raw requests a misbehaving or hostile
// client could send. Each refusal is checked to leave the server database unchanged.
#include "fieldsync/server/sync_service.h"

#include <gtest/gtest.h>

#include "fieldsync/id.h"
#include "fieldsync/protocol.h"
#include "quotas.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

using testing::must;
using testing::SyncWorld;

std::string token_of(testing::TestDevice& device) { return must(device.store->sync_value(kSyncToken)); }

HttpResponse post(SyncWorld& world, const std::string& path, const std::string& token, const Json& body) {
  return world.service->handle({"POST", path, token, body.dump()});
}

Json push_body(int schema_version, Json changes) {
  return {{"protocol_version", kProtocolVersion},
          {"schema_version", schema_version},
          {"changes", std::move(changes)}};
}
// A push from an app of this build's schema.
Json push_body(Json changes) {
  return push_body(Schema::property_management().version(), std::move(changes));
}

Json payment_change(int64_t seq, const std::string& change_id, const std::string& household,
                    const std::string& receipt, const std::string& node) {
  const std::string stamp = Stamp{testing::kSaturdayMorning, 0, node}.encode();
  Json fields = {{"household", household}, {"amount", 500}, {"method", "cash"}, {"collector", "alice"},
                 {"paid_at", testing::kSaturdayMorning}, {"receipt_number", receipt}};
  Json stamps = Json::object();
  for (const auto& [name, value] : fields.items()) stamps[name] = stamp;
  return {{"seq", seq}, {"change_id", change_id}, {"collection", "payments"}, {"record_id", new_id()},
          {"kind", "create"}, {"fields", fields}, {"stamps", stamps}, {"base", Json::object()}};
}

std::string outcome(const HttpResponse& response, size_t i = 0) {
  auto decoded = decode_push_response(response.body);
  if (!decoded.ok() || decoded->results.size() <= i) return "no result: " + response.body;
  return change_outcome_name(decoded->results[i].outcome);
}

TEST(SyncService, UnknownAndRevokedTokensGetNothing) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const Json pull = {{"protocol_version", 1},
                     {"schema_version", Schema::property_management().version()},
                     {"cursors", Json::object()}};
  EXPECT_EQ(post(world, "/v1/pull", "", pull).status, 401);
  EXPECT_EQ(post(world, "/v1/pull", "not-a-token", pull).status, 401);
  EXPECT_EQ(post(world, "/v1/pull", token_of(alice), pull).status, 200);
  ASSERT_TRUE(world.admin->revoke_device(alice.store->identity().device_code).ok());
  const auto before = world.server_records();
  HttpResponse revoked =
      post(world, "/v1/push", token_of(alice),
           push_body({payment_change(1, new_id(), world.household_a,
                                     alice.store->identity().device_code + "-000001", "n1")}));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos);
  EXPECT_EQ(world.server_records().size(), before.size());
}

TEST(SyncService, AnEnrollmentCodeWorksOnce) {
  SyncWorld world;
  ASSERT_TRUE(world.admin->add_user("bob", "collector").ok());
  const std::string code = must(world.admin->issue_enrollment_code("bob"));
  const Json body = {{"protocol_version", 1},
                     {"schema_version", Schema::property_management().version()},
                     {"enrollment_code", code}};
  EXPECT_EQ(post(world, "/v1/enroll", "", body).status, 200);
  EXPECT_EQ(post(world, "/v1/enroll", "", body).status, 401);
  world.clock.advance(8LL * 24 * 3600 * 1000);
  const std::string stale = must(world.admin->issue_enrollment_code("bob", 1000));
  world.clock.advance(2000);
  EXPECT_EQ(post(world, "/v1/enroll", "",
                 {{"protocol_version", 1},
                  {"schema_version", Schema::property_management().version()},
                  {"enrollment_code", stale}})
                .status,
            401);
}

TEST(SyncService, AReplayedBatchGetsTheSameAnswersAndChangesNothing) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string code = alice.store->identity().device_code;
  const Json batch =
      push_body({payment_change(1, new_id(), world.household_a, code + "-000001", "n1"),
                 payment_change(2, new_id(), world.household_a, code + "-000002", "n1")});
  HttpResponse first = post(world, "/v1/push", token_of(alice), batch);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto after_first = world.server_records();
  HttpResponse again = post(world, "/v1/push", token_of(alice), batch);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(must(decode_push_response(again.body)).results.size(), 2u);
  EXPECT_EQ(outcome(again, 0), "applied");
  EXPECT_EQ(outcome(again, 1), "applied");
  EXPECT_EQ(world.server_records().size(), after_first.size());

  // The same change number for a different change is refused.
  HttpResponse reused =
      post(world, "/v1/push", token_of(alice),
           push_body({payment_change(2, new_id(), world.household_a, code + "-000003", "n1")}));
  EXPECT_EQ(outcome(reused), "rejected");
  EXPECT_EQ(world.server_records().size(), after_first.size());
}

TEST(SyncService, ReceiptNumbersMustBeTheDevicesOwnAndUnique) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string code = alice.store->identity().device_code;
  HttpResponse foreign =
      post(world, "/v1/push", token_of(alice),
           push_body({payment_change(1, new_id(), world.household_a, "ZZZZ-000001", "n1")}));
  EXPECT_EQ(outcome(foreign), "rejected");
  EXPECT_NE(foreign.body.find("does not start with this device's code"), std::string::npos);
  post(world, "/v1/push", token_of(alice),
       push_body({payment_change(2, new_id(), world.household_a, code + "-000001", "n1")}));
  HttpResponse twice =
      post(world, "/v1/push", token_of(alice),
           push_body({payment_change(3, new_id(), world.household_a, code + "-000001", "n1")}));
  EXPECT_EQ(outcome(twice), "rejected");
  EXPECT_NE(twice.body.find("already used"), std::string::npos);
}

Json void_change(int64_t seq, const std::string& payment, const std::string& user,
                const std::string& node) {
  const std::string stamp = Stamp{testing::kSaturdayMorning + seq, 0, node}.encode();
  Json fields = {{"payment", payment}, {"reason", "entered twice"}, {"voided_by", user},
                 {"voided_at", testing::kSaturdayMorning}};
  Json stamps = Json::object();
  for (const auto& [name, value] : fields.items()) stamps[name] = stamp;
  return {{"seq", seq}, {"change_id", new_id()}, {"collection", "payment_voids"}, {"record_id", new_id()},
          {"kind", "create"}, {"fields", fields}, {"stamps", stamps}, {"base", Json::object()}};
}

std::string reason(const HttpResponse& response, size_t i = 0) {
  auto decoded = decode_push_response(response.body);
  if (!decoded.ok() || decoded->results.size() <= i) return "no result: " + response.body;
  return decoded->results[i].reason;
}

TEST(SyncService, ACollectorVoidsOnlyTheirOwnPaymentsTheOfficeAnyAndEachOnce) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& bob = world.enroll("bob", "collector", {world.building_a});
  auto& office = world.enroll("olga", "office");
  const std::string code = alice.store->identity().device_code;
  const Json first = payment_change(1, new_id(), world.household_a, code + "-000001", "na");
  const Json second = payment_change(2, new_id(), world.household_a, code + "-000002", "na");
  ASSERT_EQ(outcome(post(world, "/v1/push", token_of(alice), push_body({first, second}))), "applied");
  const std::string paid = first["record_id"], also_paid = second["record_id"];
  const size_t records = world.server_records().size();

  // bob holds the building too, and names himself as the one voiding: refused, since
  // the payment is alice's.
  HttpResponse by_bob = post(world, "/v1/push", token_of(bob), push_body({void_change(1, paid, "bob", "nb")}));
  EXPECT_EQ(outcome(by_bob), "rejected");
  EXPECT_EQ(reason(by_bob),
            "payment: a collector may void only a payment of their own (collector bob); this one's "
            "collector is alice");
  EXPECT_EQ(world.server_records().size(), records);
  // Nor may his phone record it: the same check, before anything is written.
  bob.sync();
  auto refused = bob.work().void_payment(paid, "entered twice");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(must(bob.store->pending_changes(10)).empty());

  // alice voids her own payment once; a second void of it (another phone of hers,
  // offline) is refused and kept for the office, not stored beside the first.
  EXPECT_EQ(outcome(post(world, "/v1/push", token_of(alice), push_body({void_change(3, paid, "alice", "na")}))),
            "applied");
  HttpResponse again = post(world, "/v1/push", token_of(alice), push_body({void_change(4, paid, "alice", "na")}));
  EXPECT_EQ(outcome(again), "rejected");
  EXPECT_NE(reason(again).find("payment: " + paid + " already has a payment void"), std::string::npos)
      << reason(again);
  EXPECT_EQ(world.server_records().size(), records + 1);

  // The office may void anyone's payment.
  EXPECT_EQ(outcome(post(world, "/v1/push", token_of(office),
                         push_body({void_change(1, also_paid, "olga", "no")}))),
            "applied");
  EXPECT_EQ(world.server_records().size(), records + 2);
}

// A phone that floods the server with changes, taken or refused, is held to the
// office's quota on changes a day; its changes wait on it, and a replay of answered
// ones is never counted.
TEST(SyncService, ChangesADayPastTheQuotaWaitOnThePhone) {
  SyncWorld world;
  {
    auto txn = must(world.server_store->begin(true));
    ASSERT_TRUE(server::set_quota(*txn, "changes_per_day_per_device", "3").ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string code = alice.store->identity().device_code;
  const Json two = push_body({payment_change(1, new_id(), world.household_a, code + "-000001", "na"),
                              payment_change(2, new_id(), world.household_a, "ZZZZ-000002", "na")});
  HttpResponse first = post(world, "/v1/push", token_of(alice), two);
  EXPECT_EQ(outcome(first, 0), "applied");
  EXPECT_EQ(outcome(first, 1), "rejected");  // refused changes count too: they are kept
  EXPECT_EQ(post(world, "/v1/push", token_of(alice), two).status, 200);  // a replay is free
  const size_t records = world.server_records().size();
  HttpResponse over = post(world, "/v1/push", token_of(alice),
                           push_body({payment_change(3, new_id(), world.household_a, code + "-000003", "na"),
                                      payment_change(4, new_id(), world.household_a, code + "-000004", "na")}));
  EXPECT_EQ(over.status, 429);
  auto error = must(decode_error(over.body));
  EXPECT_EQ(error.code, ErrorCode::kQuotaExceeded);
  EXPECT_TRUE(error.retryable);
  EXPECT_EQ(error.message,
            "this device sent 2 changes in the last 24 hours; 2 more would pass 3 (quota "
            "changes_per_day_per_device); the changes wait on the phone until the office raises it "
            "(fieldsync-server quota changes_per_day_per_device N) or the day has passed");
  EXPECT_EQ(world.server_records().size(), records);
  // A day later the same push goes through.
  world.clock.advance(24 * 3600 * 1000 + 1);
  EXPECT_EQ(outcome(post(world, "/v1/push", token_of(alice),
                         push_body({payment_change(3, new_id(), world.household_a, code + "-000003", "na"),
                                    payment_change(4, new_id(), world.household_a, code + "-000004", "na")}))),
            "applied");
}

TEST(SyncService, ADeviceCanNeitherReadNorWriteOutsideItsBuckets) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string code = alice.store->identity().device_code;
  const auto before = world.server_records();
  HttpResponse outside =
      post(world, "/v1/push", token_of(alice),
           push_body({payment_change(1, new_id(), world.household_b, code + "-000001", "n1")}));
  EXPECT_EQ(outcome(outside), "rejected");
  EXPECT_NE(outside.body.find("outside this device's buckets"), std::string::npos);

  Json edit = {{"seq", 2}, {"change_id", new_id()}, {"collection", "households"}, {"record_id", world.household_b},
               {"kind", "update"}, {"fields", {{"notes", "x"}}},
               {"stamps", {{"notes", Stamp{testing::kSaturdayMorning, 0, "n1"}.encode()}}}, {"base", {{"notes", ""}}}};
  EXPECT_EQ(outcome(post(world, "/v1/push", token_of(alice), push_body({edit}))), "rejected");
  EXPECT_EQ(world.server_records().size(), before.size());
  EXPECT_EQ(world.server_records()[world.household_b].fields, before.at(world.household_b).fields);

  // Asking for another building's bucket by name brings nothing from it.
  Json pull = {{"protocol_version", 1},
               {"schema_version", Schema::property_management().version()},
               {"cursors", {{"building:" + world.building_b, 0}}}};
  auto page = must(decode_pull_response(post(world, "/v1/pull", token_of(alice), pull).body));
  for (const auto& r : page.records) EXPECT_NE(r.record.bucket, "building:" + world.building_b);
}

TEST(SyncService, MalformedRequestsGetAClearErrorAndChangeNothing) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const auto before = world.server_records();
  for (const std::string& body :
       {std::string("{"), std::string("[]"), std::string("{\"changes\": 5}"),
        push_body(Json::array()).dump() + "x"}) {
    HttpResponse r = world.service->handle({"POST", "/v1/push", token_of(alice), body});
    EXPECT_EQ(r.status, 400) << body;
    auto error = decode_error(r.body);
    ASSERT_TRUE(error.ok()) << r.body;
    EXPECT_FALSE(error->message.empty());
  }
  EXPECT_EQ(world.service->handle({"GET", "/v1/push", token_of(alice), ""}).status, 405);
  EXPECT_EQ(world.service->handle({"POST", "/v2/push", token_of(alice), "{}"}).status, 404);
  // A path that is not UTF-8 is quoted in the answer as far as it can be, never a 500
  // (the front answers such a target 400 first; other callers of handle() get this).
  HttpResponse odd = world.service->handle({"POST", "/v\x91" "1/push", token_of(alice), "{}"});
  EXPECT_EQ(odd.status, 404) << odd.body;
  EXPECT_TRUE(decode_error(odd.body).ok()) << odd.body;
  EXPECT_EQ(world.service->handle({"POST", "/v1/push", token_of(alice), std::string(9 * 1024 * 1024, ' ')}).status, 413);
  EXPECT_EQ(world.server_records().size(), before.size());
}

// Found by tests/fuzz/protocol_decode_fuzzer: refusals that quote a name or a value
// cut it at a byte count, and a cut inside a UTF-8 character made the message
// unencodable: the server answered 500 "retryable" (the device would retry forever)
// instead of the refusal.
TEST(SyncService, RefusalsQuotingLongNonAsciiTextAreStillSent) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  const std::string cut = std::string(59, 'a') + "\xc3\xa9";  // 'é' across byte 60
  Json pull = {{"protocol_version", 1},
               {"schema_version", Schema::property_management().version()},
               {"cursors", Json::object()}};
  pull[cut] = true;
  HttpResponse refused = post(world, "/v1/pull", token_of(alice), pull);
  EXPECT_EQ(refused.status, 400) << refused.body;
  ASSERT_TRUE(decode_error(refused.body).ok()) << refused.body;

  const auto before = world.server_records();
  Json change = payment_change(1, new_id(), world.household_a,
                               alice.store->identity().device_code + "-000001", "n1");
  change["fields"]["household"] = cut;  // not an id: quoted in the rejection
  HttpResponse pushed = post(world, "/v1/push", token_of(alice), push_body({change}));
  EXPECT_EQ(pushed.status, 200) << pushed.body;
  EXPECT_EQ(outcome(pushed), "rejected");
  EXPECT_EQ(world.server_records().size(), before.size());
}

Json household_edit(int64_t seq, const std::string& household, const std::string& field,
                    const Json& value, const std::string& stamp, const std::string& base) {
  return {{"seq", seq},
          {"change_id", new_id()},
          {"collection", "households"},
          {"record_id", household},
          {"kind", "update"},
          {"fields", {{field, value}}},
          {"stamps", {{field, stamp}}},
          {"base", {{field, base}}}};
}

// A device's stamps carry its own node: the server learns it from the first push and
// refuses any other node from then on, so a modified phone can neither write as
// another phone nor as the office ("server"), which would name the wrong writer in
// conflicts and win ties. Bases may be anyone's stamps.
TEST(SyncService, StampsOfANodeOtherThanThePushingDevicesAreRefused) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& mallory = world.enroll("mallory", "collector", {world.building_a});
  const std::string code = alice.store->identity().device_code;
  const std::string owner_stamp = world.server_records()[world.household_a].stamps["phones"];
  ASSERT_EQ(must(Stamp::decode(owner_stamp)).node, "server");

  // alice's first push teaches the server her node "n1"; her edit replaces the
  // office's value, so its base is a "server" stamp: accepted.
  const std::string n1 = Stamp{testing::kSaturdayMorning + 1, 0, "n1"}.encode();
  HttpResponse first = post(world, "/v1/push", token_of(alice),
                            push_body({household_edit(1, world.household_a, "phones",
                                                      Json::array({"999"}), n1, owner_stamp)}));
  ASSERT_EQ(outcome(first), "applied") << first.body;
  const auto before = world.server_records();

  // Another node from alice's token, the server's node, and alice's node from mallory's
  // token (whose first push this is) are refused, and change nothing.
  struct Forgery {
    testing::TestDevice* device;
    std::string node;
    std::string says;
  };
  int64_t seq = 2;
  for (const Forgery& f : {Forgery{&alice, "n2", "is not this device's node (n1)"},
                           Forgery{&alice, "server", "is the server's own"},
                           Forgery{&mallory, "server", "is the server's own"},
                           Forgery{&mallory, "n1", "belongs to another device"}}) {
    const std::string forged = Stamp{testing::kSaturdayMorning + 100, 0, f.node}.encode();
    HttpResponse r = post(world, "/v1/push", token_of(*f.device),
                          push_body({household_edit(seq++, world.household_a, "phones",
                                                    Json::array({"000"}), forged, n1)}));
    EXPECT_EQ(outcome(r), "rejected") << f.node << ": " << r.body;
    EXPECT_NE(reason(r).find("node '" + f.node + "' " + f.says), std::string::npos) << reason(r);
    EXPECT_EQ(world.server_records()[world.household_a].fields,
              before.at(world.household_a).fields);
  }
  // One forged stamp among the device's own refuses the whole change.
  Json mixed = payment_change(seq++, new_id(), world.household_a, code + "-000001", "n1");
  mixed["stamps"]["amount"] = Stamp{testing::kSaturdayMorning, 0, "n9"}.encode();
  EXPECT_EQ(outcome(post(world, "/v1/push", token_of(alice), push_body({mixed}))), "rejected");
  EXPECT_EQ(world.server_records().size(), before.size());

  // mallory's refused pushes taught the server nothing: her own node is accepted.
  HttpResponse own =
      post(world, "/v1/push", token_of(mallory),
           push_body({household_edit(seq++, world.household_a, "phones", Json::array({"222"}),
                                     Stamp{testing::kSaturdayMorning + 2, 0, "m1"}.encode(),
                                     before.at(world.household_a).stamps["phones"])}));
  EXPECT_EQ(outcome(own), "applied") << own.body;
}

// Honest devices are never refused for their nodes: stamps from their own clocks, a
// database enrolled again with a new code (the same node, now another device of the
// same person), and a new database of the same person (a new node).
TEST(SyncService, HonestDevicesStampsAreAcceptedAcrossReenrollment) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "collector", {world.building_a});
  auto& office = world.enroll("office", "office");
  office.sync();
  alice.sync();
  must(alice.store->update("households", world.household_a, {{"phones", Json::array({"123"})}}));
  FeeVisitInput visit;
  visit.household = world.household_a;
  visit.outcome = "not_home";
  must(alice.work().record_visit(visit));
  SyncReport report = alice.sync();
  EXPECT_EQ(report.applied, 2);
  EXPECT_EQ(report.rejected, 0);

  // The same database enrolled again: a new device on the server, the same node.
  const std::string code = must(world.admin->issue_enrollment_code("alice"));
  auto enrollment =
      must(request_enrollment(*alice.transport, code, Schema::property_management().version()));
  ASSERT_TRUE(adopt_enrollment(*alice.store, enrollment, "loopback").ok());
  must(alice.store->update("households", world.household_a, {{"phones", Json::array({"456"})}}));
  report = alice.sync();
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.rejected, 0);
  EXPECT_EQ(must(alice.store->outbox()).size(), 0u);

  // A new database for alice (a new node) on yet another enrollment.
  testing::TestDevice fresh;
  DeviceStoreOptions options;
  options.clock = &world.clock;
  fresh.store =
      must(DeviceStore::create(world.dir.file("alice2.db"), {"TMP", "alice", ""}, options));
  fresh.transport = std::make_unique<testing::LoopbackTransport>(*world.service);
  auto again =
      must(request_enrollment(*fresh.transport, must(world.admin->issue_enrollment_code("alice")),
                              Schema::property_management().version()));
  ASSERT_TRUE(adopt_enrollment(*fresh.store, again, "loopback").ok());
  Replicator replicator(*fresh.store, *fresh.transport, ReplicatorOptions{});
  ASSERT_TRUE(replicator.sync().ok());
  must(FieldWork(*fresh.store).record_payment(testing::payment(world.household_a, 700)));
  auto pushed = replicator.sync();
  ASSERT_TRUE(pushed.ok()) << pushed.status().to_string();
  EXPECT_EQ(pushed->applied, 1);
  EXPECT_EQ(pushed->rejected, 0);

  // The office's edits still replace alice's value as sequential edits.
  office.sync();
  must(office.store->update("households", world.household_a, {{"phones", Json::array({"789"})}}));
  report = office.sync();
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.rejected, 0);
}

// A schema one version ahead of the devices: `email` is new and required.
Schema next_schema() {
  std::vector<CollectionDef> collections = Schema::property_management().collections();
  for (auto& c : collections) {
    if (c.name != "households") continue;
    FieldDef email;
    email.name = "email";
    email.type = FieldType::kText;
    email.required = true;
    email.merge = MergeKind::kLww;
    email.since_version = Schema::property_management().version() + 1;
    c.fields.push_back(email);
  }
  const Schema& current = Schema::property_management();
  return Schema(current.version() + 1, collections, current.roles(), current.data_kinds());
}

TEST(SyncService, DevicesOneSchemaVersionBehindAreServedAndTooOldOnesAreToldToUpdate) {
  SyncWorld world;
  auto& office = world.enroll("office", "office");
  static const Schema next = next_schema();
  server::SyncService service(*world.server_store, next, world.clock);
  const int current = Schema::property_management().version();
  const std::string token = token_of(office);
  // The office on the current app creates a household without the new field: accepted.
  const std::string id = new_id();
  const std::string stamp = Stamp{testing::kSaturdayMorning, 0, "n1"}.encode();
  Json create = {{"seq", 1}, {"change_id", new_id()}, {"collection", "households"}, {"record_id", id},
                 {"kind", "create"}, {"fields", {{"unit", world.unit_a}, {"owner_name", "Li"}}},
                 {"stamps", {{"unit", stamp}, {"owner_name", stamp}}}, {"base", Json::object()}};
  HttpResponse accepted = service.handle({"POST", "/v1/push", token, push_body(current, {create}).dump()});
  EXPECT_EQ(outcome(accepted), "applied") << accepted.body;

  // A device on the new schema sets the email; an old one edits the name: the email stays.
  Json email = {{"seq", 2},
                {"change_id", new_id()},
                {"collection", "households"},
                {"record_id", id},
                {"kind", "update"},
                {"fields", {{"email", "li@example.com"}}},
                {"stamps", {{"email", Stamp{testing::kSaturdayMorning + 1, 0, "n1"}.encode()}}},
                {"base", {{"email", ""}}}};
  EXPECT_EQ(outcome(service.handle({"POST", "/v1/push", token, push_body(current + 1, {email}).dump()})), "applied");
  Json rename = {{"seq", 3}, {"change_id", new_id()}, {"collection", "households"}, {"record_id", id},
                 {"kind", "update"}, {"fields", {{"owner_name", "Li Na"}}},
                 {"stamps", {{"owner_name", Stamp{testing::kSaturdayMorning + 2, 0, "n1"}.encode()}}},
                 {"base", {{"owner_name", stamp}}}};
  EXPECT_EQ(outcome(service.handle({"POST", "/v1/push", token, push_body(current, {rename}).dump()})), "applied");
  EXPECT_EQ(world.server_records()[id].fields["email"], "li@example.com");
  EXPECT_EQ(world.server_records()[id].fields["owner_name"], "Li Na");

  HttpResponse too_old = service.handle({"POST", "/v1/push", token, push_body(current - 1, Json::array()).dump()});
  EXPECT_EQ(too_old.status, 426);
  EXPECT_NE(too_old.body.find("update the app"), std::string::npos);
  EXPECT_EQ(world.service->handle({"POST", "/v1/push", token, push_body(current + 1, Json::array()).dump()}).status, 400);

  // A newer app's request with a member this server does not know yet is answered by
  // its version, not refused as malformed; at this server's own version it is malformed.
  Json newer = push_body(current + 1, Json::array());
  newer["battery_level"] = 40;
  HttpResponse ahead = world.service->handle({"POST", "/v1/push", token, newer.dump()});
  EXPECT_EQ(ahead.status, 400);
  EXPECT_NE(ahead.body.find("server_too_old"), std::string::npos) << ahead.body;
  EXPECT_NE(ahead.body.find("ask the office to update the server"), std::string::npos);
  newer["schema_version"] = current;
  HttpResponse malformed = world.service->handle({"POST", "/v1/push", token, newer.dump()});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("battery_level"), std::string::npos) << malformed.body;
}

}  // namespace
}  // namespace fieldsync
