#include "http_world.h"

#include <set>
#include <thread>

#include "loopback_sockets.h"

namespace fieldsync::testing {
namespace {

constexpr int kStartAttempts = 20;
constexpr auto kStartRetryPause = std::chrono::milliseconds(50);
constexpr auto kHealthDeadline = std::chrono::seconds(10);
constexpr auto kHealthPollPause = std::chrono::milliseconds(20);

}  // namespace

HttpWorld::HttpWorld(server::HttpFrontOptions front_options) : options(std::move(front_options)) {
  options.address = "127.0.0.1";
  options.port = 0;
  start_front();
}

HttpWorld::~HttpWorld() {
  devices.clear();
  stop_front();
}

void HttpWorld::start_front() {
  const bool restart = options.port != 0;
  Status last;
  for (int attempt = 0; attempt < kStartAttempts && !front; ++attempt) {
    if (!restart) options.port = free_loopback_port();
    auto started = server::HttpFront::start(*world.service, options);
    if (started.ok()) {
      front = std::move(started).value();
    } else {
      last = started.status();
      if (restart) std::this_thread::sleep_for(kStartRetryPause);  // the old socket closing
    }
  }
  ASSERT_TRUE(front) << "the HTTP front did not start: " << last.to_string();
  // Bounded wait until the front answers.
  auto probe = transport(std::chrono::seconds(1));
  const auto deadline = std::chrono::steady_clock::now() + kHealthDeadline;
  while (true) {
    auto health = probe->send({"GET", "/v1/health", "", ""});
    if (health.ok() && health->status == 200) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the HTTP front did not answer /v1/health: "
        << (health.ok() ? health->body : health.status().to_string());
    std::this_thread::sleep_for(kHealthPollPause);
  }
}

void HttpWorld::stop_front() {
  if (front) front->stop();
  front.reset();
}

HttpDevice& HttpWorld::enroll(const std::string& user, const std::string& role,
                              const std::vector<std::string>& buildings) {
  auto& admin = *world.admin;
  if (Status s = admin.add_user(user, role); !s.ok()) ADD_FAILURE() << s.to_string();
  for (const auto& b : buildings) {
    if (Status s = admin.assign(user, "building", b); !s.ok()) ADD_FAILURE() << s.to_string();
  }
  const std::string code = must(admin.issue_enrollment_code(user));
  HttpDevice& device = devices[user];
  DeviceStoreOptions store_options;
  store_options.clock = &world.clock;
  device.user = user;
  device.store =
      must(DeviceStore::create(world.dir.file(user + ".db"), {"TMP", user, ""}, store_options));
  device.transport = transport();
  auto enrollment =
      must(request_enrollment(*device.transport, code, Schema::property_management().version()));
  if (Status s = adopt_enrollment(*device.store, enrollment, url()); !s.ok()) {
    ADD_FAILURE() << s.to_string();
  }
  ReplicatorOptions replicator_options;
  replicator_options.sleeper = &world.sleeper;
  replicator_options.jitter_seed = 42;
  device.replicator =
      std::make_unique<Replicator>(*device.store, *device.transport, replicator_options);
  return device;
}

std::unique_ptr<CpprestTransport> HttpWorld::transport(
    std::chrono::milliseconds request_timeout) const {
  CpprestTransportOptions transport_options;
  transport_options.connect_timeout = request_timeout;
  transport_options.request_timeout = request_timeout;
  return must(CpprestTransport::create(url(), transport_options));
}

HttpResponse HttpWorld::send(const HttpRequest& request) const {
  return must(transport()->send(request));
}

void expect_converged(SyncWorld& world, DeviceStore& store) {
  auto server = world.server_records();
  auto local = device_records(store);
  std::set<std::string> buckets;
  for (const auto& [bucket, seq] : must(store.cursors())) buckets.insert(bucket);
  for (const auto& [id, record] : local) {
    ASSERT_TRUE(server.count(id)) << "the device has a record the server lacks: " << id;
    EXPECT_EQ(record.fields, server[id].fields) << record.collection << " " << id;
    EXPECT_EQ(record.stamps, server[id].stamps) << record.collection << " " << id;
  }
  for (const auto& [id, record] : server) {
    if (buckets.count(record.bucket)) {
      EXPECT_TRUE(local.count(id)) << "missing " << record.collection << " " << id;
    }
  }
}

}  // namespace fieldsync::testing
