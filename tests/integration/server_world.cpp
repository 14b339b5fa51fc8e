#include "server_world.h"

#include <fstream>
#include <set>

#include "fieldsync/attachments.h"
#include "fieldsync/id.h"

namespace fieldsync::testing {
namespace {

CpprestTransportOptions test_timeouts() {
  CpprestTransportOptions options;
  options.connect_timeout = std::chrono::seconds(10);
  options.request_timeout = std::chrono::seconds(10);
  return options;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

ServerTest::ServerTest()
    : field_clock_(Clock::system().now_ms()),
      server_(FIELDSYNC_SERVER_PATH, dir_.file("server.db")) {}

void ServerTest::SetUp() {
  set_up_reference_data();
  Status started = server_.start();
  ASSERT_TRUE(started.ok()) << started.to_string();
}

void ServerTest::TearDown() {
  devices_.clear();
  if (server_.running()) {
    EXPECT_EQ(server_.stop(), 0) << "fieldsync-server did not stop cleanly";
  }
}

std::string ServerTest::admin(const std::vector<std::string>& args) {
  return trimmed(must(server_.admin(args)));
}

void ServerTest::set_up_reference_data() {
  ref_.estate = admin({"add", "estates", "name=Riverside"});
  ref_.building_a = admin({"add", "buildings", "estate=" + ref_.estate, "name=Block A"});
  ref_.building_b = admin({"add", "buildings", "estate=" + ref_.estate, "name=Block B"});
  ref_.unit_a = admin({"add", "units", "building=" + ref_.building_a, "number=A-101"});
  ref_.unit_b = admin({"add", "units", "building=" + ref_.building_b, "number=B-201"});
  ref_.household_a = "0193a6f2-0000-7000-8000-00000000a001";
  ref_.household_b = "0193a6f2-0000-7000-8000-00000000b001";
  const std::string csv = dir_.file("households.csv");
  std::ofstream(csv) << "id,unit,owner_name,phones\n"
                     << ref_.household_a << "," << ref_.unit_a
                     << ",Wang Li,13800000001;13800000002\n"
                     << ref_.household_b << "," << ref_.unit_b
                     << ",\"Chen \"\"Sam\"\" Yu\",13900000003\n";
  EXPECT_EQ(admin({"import", "households", csv}), "imported 2 records into households\nline 2  " +
                                                      ref_.household_a + "\nline 3  " +
                                                      ref_.household_b);
  auto charge_for = [this](const std::string& household) {
    return admin({"add", "charges", "household=" + household, "fee_item=property_fee",
                  "period=2026-11", "amount=120.00"});
  };
  ref_.charge_a = charge_for(ref_.household_a);
  ref_.charge_b = charge_for(ref_.household_b);
}

FieldDevice& ServerTest::enroll(const std::string& user, const std::string& role,
                                const std::vector<std::string>& buildings) {
  return enroll_through(server_.url(), test_timeouts(), user, role, buildings);
}

FieldDevice& ServerTest::enroll_through(const std::string& url,
                                        const CpprestTransportOptions& transport_options,
                                        const std::string& user, const std::string& role,
                                        const std::vector<std::string>& buildings) {
  admin({"user", "add", user, "--role", role});
  for (const auto& building : buildings) admin({"assign", user, "--building", building});
  const std::string code = admin({"enroll-code", user});

  FieldDevice& device = devices_[user];
  device.user = user;
  device.path = dir_.file(user + ".db");
  device.http = must(CpprestTransport::create(url, transport_options));
  device.link = std::make_unique<FlakyTransport>(*device.http);
  auto enrollment =
      must(request_enrollment(*device.link, code, Schema::property_management().version()));
  EXPECT_EQ(enrollment.user, user);
  EXPECT_EQ(enrollment.role, role);
  DeviceStoreOptions options;
  options.clock = &field_clock_;
  device.store =
      must(DeviceStore::create(device.path, {enrollment.device_code, user, ""}, options));
  Status adopted = adopt_enrollment(*device.store, enrollment, url);
  EXPECT_TRUE(adopted.ok()) << adopted.to_string();
  attach_replicator(device);
  return device;
}

ProcessResult ServerTest::phone_cli(const std::string& db,
                                    const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--db", db};
  all.insert(all.end(), args.begin(), args.end());
  return run_process(FIELDSYNC_CLI_PATH, all);
}

void ServerTest::enroll_phone(const std::string& db, const std::string& user,
                              const std::vector<std::string>& buildings) {
  admin({"user", "add", user, "--role", "collector"});
  for (const auto& building : buildings) admin({"assign", user, "--building", building});
  const std::string code = admin({"enroll-code", user});
  ProcessResult enrolled = phone_cli(db, {"enroll", "--server", server_.url(), "--code", code});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  ProcessResult synced = phone_cli(db, {"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
}

void ServerTest::reopen(FieldDevice& device, DeviceStoreOptions options) {
  device.replicator.reset();
  device.store.reset();
  device.store = must(DeviceStore::open(device.path, options));
  attach_replicator(device);
}

void ServerTest::attach_replicator(FieldDevice& device) {
  ReplicatorOptions replicator_options;
  replicator_options.sleeper = &sleeper_;  // retries happen at once
  replicator_options.jitter_seed = 42;
  device.replicator = std::make_unique<Replicator>(*device.store, *device.link, replicator_options);
}

ServerRecords ServerTest::server_records() const {
  auto store = must(server::open_sqlite_server_store(server_.database()));
  auto txn = must(store->begin(/*write=*/false));
  ServerRecords out;
  for (const auto& c : Schema::property_management().collections()) {
    Status s = txn->for_each_record(c.name, [&](const server::StoredRecord& r) {
      out[r.record.id] = r;
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.to_string();
  }
  return out;
}

HttpResponse ServerTest::send(const std::string& path, const std::string& token,
                              const std::string& body) const {
  auto http = must(CpprestTransport::create(server_.url(), test_timeouts()));
  HttpRequest request;
  request.path = path;
  request.bearer_token = token;
  request.body = body;
  return must(http->send(request));
}

WireChange ServerTest::raw_change(const FieldDevice& device, int64_t seq,
                                  const std::string& collection, const std::string& record_id,
                                  const std::string& kind, const Json& fields,
                                  const Json& base) const {
  const std::string stamp =
      Stamp{Clock::system().now_ms(), 0, device.store->identity().node_id}.encode();
  WireChange wire;
  wire.seq = seq;
  wire.change.change_id = new_id();
  wire.change.collection = collection;
  wire.change.record_id = record_id;
  wire.change.kind = kind;
  wire.change.fields = fields;
  for (const auto& [name, value] : fields.items()) wire.change.stamps[name] = stamp;
  wire.change.base = base;
  return wire;
}

HttpResponse ServerTest::push(const std::string& token,
                              const std::vector<WireChange>& changes) const {
  PushRequest request;
  request.schema_version = Schema::property_management().version();
  request.changes = changes;
  return send("/v1/push", token, encode(request));
}

void expect_converged(const ServerRecords& server, DeviceStore& store) {
  std::set<std::string> buckets;
  for (const auto& [bucket, seq] : must(store.cursors())) buckets.insert(bucket);
  auto local = device_records(store);
  for (const auto& [id, record] : local) {
    auto it = server.find(id);
    if (it == server.end()) {
      ADD_FAILURE() << store.identity().user << " has " << record.collection << " " << id
                    << " that the server lacks";
      continue;
    }
    EXPECT_EQ(record.fields, it->second.record.fields) << record.collection << " " << id;
    EXPECT_EQ(record.stamps, it->second.record.stamps) << record.collection << " " << id;
    EXPECT_EQ(record.bucket, it->second.record.bucket) << record.collection << " " << id;
  }
  for (const auto& [id, stored] : server) {
    if (buckets.count(stored.record.bucket) && !local.count(id)) {
      ADD_FAILURE() << store.identity().user << " lacks " << stored.record.collection << " " << id;
    }
  }
}

std::vector<Record> of_collection(const ServerRecords& server, const std::string& collection) {
  std::vector<Record> out;
  for (const auto& [id, stored] : server) {
    if (stored.record.collection == collection) out.push_back(stored.record);
  }
  return out;
}

bool same_records(const ServerRecords& a, const ServerRecords& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [id, stored] : a) {
    auto it = b.find(id);
    if (it == b.end() || it->second.seq != stored.seq ||
        it->second.record.fields != stored.record.fields ||
        it->second.record.stamps != stored.record.stamps) {
      return false;
    }
  }
  return true;
}

std::string write_photo(const std::string& path, int64_t size, uint32_t seed) {
  const std::string bytes = photo_bytes(static_cast<size_t>(size), seed);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return Sha256::of(bytes);
}

}  // namespace fieldsync::testing
