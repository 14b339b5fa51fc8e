#include "demo_world.h"

#include <chrono>
#include <iostream>

namespace fieldsync::demo {

DemoWorld::DemoWorld(std::string server_binary, std::string folder)
    : server_binary_(std::move(server_binary)), folder_(std::move(folder)) {}

DemoWorld::~DemoWorld() {
  staff_.clear();
  if (server_) stop_server();
}

Result<std::string> DemoWorld::admin(const std::vector<std::string>& args,
                                     const std::optional<std::string>& input) {
  std::vector<std::string> full = {"--db", server_db()};
  full.insert(full.end(), args.begin(), args.end());
  ProcessResult result = run_process(server_binary_, full, std::nullopt, input);
  if (result.exit_code != 0) {
    return Status::internal("fieldsync-server " + args.at(0) + " failed (exit " +
                            std::to_string(result.exit_code) + "): " + result.err);
  }
  return result.out;
}

Status DemoWorld::start_server() {
  auto tls = make_loopback_tls(folder_ + "/tls");
  if (!tls.ok()) return tls.status().with_context("making the demo's certificate");
  tls_ = *tls;
  auto server = ServerProcess::start(server_binary_, server_db(), 0, std::chrono::seconds(20),
                                     {"--tls-cert", tls_.cert_file, "--tls-key", tls_.key_file});
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  url_ = server_->url();
  return Status();
}

int DemoWorld::stop_server() {
  if (!server_) return -1;
  const int code = server_->stop();
  server_.reset();
  return code;
}

Result<Staff*> DemoWorld::enroll(
    const std::string& user, const std::string& role,
    const std::vector<std::pair<std::string, std::string>>& assignments, int64_t clock_offset_ms) {
  auto added = admin({"user", "add", user, "--role", role});
  if (!added.ok()) return added.status();
  for (const auto& [kind, id] : assignments) {
    auto assigned = admin({"assign", user, "--" + kind, id});
    if (!assigned.ok()) return assigned.status();
  }
  auto code_out = admin({"enroll-code", user});
  if (!code_out.ok()) return code_out.status();
  std::string code = *code_out;
  while (!code.empty() && (code.back() == '\n' || code.back() == ' ')) code.pop_back();

  Staff& s = staff_[user];
  s.user = user;
  s.role = role;
  CpprestTransportOptions tls;
  tls.ca_file = tls_.ca_file;
  tls.pin = tls_.pin;
  auto http = CpprestTransport::create(url_, tls);
  if (!http.ok()) return http.status();
  s.http = std::move(http).value();
  s.link = std::make_unique<FlakyTransport>(*s.http);
  auto enrollment = request_enrollment(*s.link, code, Schema::property_management().version());
  if (!enrollment.ok()) return enrollment.status();
  s.clock = std::make_unique<OffsetClock>(clock_offset_ms);
  DeviceStoreOptions store_options;
  store_options.clock = s.clock.get();
  auto store = DeviceStore::create(folder_ + "/" + user + ".db",
                                   {enrollment->device_code, user, ""}, store_options);
  if (!store.ok()) return store.status();
  s.store = std::move(store).value();
  FIELDSYNC_RETURN_IF_ERROR(adopt_enrollment(*s.store, *enrollment, url_));
  FIELDSYNC_RETURN_IF_ERROR(s.store->set_sync_value(kSyncCaFile, tls.ca_file));
  FIELDSYNC_RETURN_IF_ERROR(s.store->set_sync_value(kSyncPin, tls.pin));
  ReplicatorOptions options;
  options.backoff_initial_ms = 50;  // a demo need not wait long between retries
  s.replicator = std::make_unique<Replicator>(*s.store, *s.link, options);
  return &s;
}

Result<SyncReport> DemoWorld::sync(Staff& staff) { return staff.replicator->sync(); }

}  // namespace fieldsync::demo
