// A C++ app using the installed static libraries through fieldsync::fieldsync: a device
// database, a fee visit's reference data, and a Replicator over the app's own
// HttpTransport (offline here, so the sync fails as unavailable and loses nothing).
// Takes the database path; exits 0 when all went as it should.
#include <iostream>

#include "fieldsync/device_store.h"
#include "fieldsync/field_work.h"
#include "fieldsync/replicator.h"

namespace {

class OfflineTransport final : public fieldsync::HttpTransport {
 public:
  fieldsync::Result<fieldsync::HttpResponse> send(const fieldsync::HttpRequest&) override {
    return fieldsync::Status::unavailable("no network in the consumer test");
  }
};

class NoWait final : public fieldsync::Sleeper {
 public:
  void sleep_ms(int64_t) override {}
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto store = fieldsync::DeviceStore::create(argv[1], {"K7Q2", "ann", ""});
  if (!store.ok()) {
    std::cerr << store.status().to_string() << "\n";
    return 1;
  }
  auto estate = (*store)->insert("estates", {{"name", "Riverside"}});
  if (!estate.ok()) return 1;
  if (auto s = (*store)->set_sync_value(fieldsync::kSyncToken, "token"); !s.ok()) return 1;
  OfflineTransport transport;
  NoWait no_wait;
  fieldsync::ReplicatorOptions options;
  options.sleeper = &no_wait;
  fieldsync::Replicator replicator(**store, transport, options);
  auto report = replicator.sync();
  auto pending = (*store)->pending_count();
  const bool as_expected =
      !report.ok() && report.status().retryable() && pending.ok() && *pending == 1;
  std::cout << "c++ consumer: estate " << estate->id
            << ", offline sync: " << report.status().to_string() << ", pending "
            << (pending.ok() ? *pending : -1) << "\n";
  return as_expected ? 0 : 1;
}
