// A small world for sync tests: a server (store, service, office admin) in a temp
// folder, reference data created by the office, and helpers to enroll devices that
// talk to the server through a LoopbackTransport.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "fieldsync/field_work.h"
#include "fieldsync/replicator.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/sync_service.h"
#include "support/loopback_transport.h"
#include "test_support.h"

namespace fieldsync::testing {

// Replicator waits are skipped in tests; the delays asked for are recorded.
class RecordingSleeper final : public Sleeper {
 public:
  void sleep_ms(int64_t ms) override { slept.push_back(ms); }
  std::vector<int64_t> slept;
};

struct TestDevice {
  std::string user;
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<LoopbackTransport> transport;
  std::unique_ptr<Replicator> replicator;

  FieldWork work() { return FieldWork(*store); }
  SyncReport sync() { return must(replicator->sync()); }
};

class SyncWorld {
 public:
  // `time_zone`, when given, is the server's zone before the estate is created (so the
  // estate is in it); otherwise the estate has the server's default, UTC.
  explicit SyncWorld(const std::string& time_zone = "") : clock(kSaturdayMorning) {
    server_store = must(server::open_sqlite_server_store(dir.file("server.db")));
    if (!time_zone.empty()) {
      auto txn = must(server_store->begin(true));
      if (!txn->put_setting("time_zone", time_zone).ok() || !txn->commit().ok())
        ADD_FAILURE() << "could not set the server's time zone";
    }
    service = std::make_unique<server::SyncService>(*server_store, Schema::property_management(), clock);
    admin = std::make_unique<server::OfficeAdmin>(*server_store, Schema::property_management(), clock);
    estate = must(admin->create_record("estates", {{"name", "Riverside"}})).id;
    building_a = must(admin->create_record("buildings", {{"estate", estate}, {"name", "Block A"}})).id;
    building_b = must(admin->create_record("buildings", {{"estate", estate}, {"name", "Block B"}})).id;
    unit_a = must(admin->create_record("units", {{"building", building_a}, {"number", "A-101"}})).id;
    unit_b = must(admin->create_record("units", {{"building", building_b}, {"number", "B-201"}})).id;
    household_a = must(admin->create_record("households", {{"unit", unit_a}, {"owner_name", "Wang"},
                                                            {"phones", {"111"}}})).id;
    household_b = must(admin->create_record("households", {{"unit", unit_b}, {"owner_name", "Chen"}})).id;
    charge_a = must(admin->create_record("charges", {{"household", household_a}, {"fee_item", "property_fee"},
                                                      {"period", "2026-11"}, {"amount", 12000}})).id;
  }

  // From now on the service keeps attachment bytes, in `blobs` (the folder dir/blobs);
  // until then its /v1/blobs endpoints answer 404. Makes a new service: call it before
  // enrolling devices (their transports hold the service).
  void keep_attachments(server::SyncServiceOptions options = {}) {
    service_options_ = options;
    restart_service();
  }
  // The server restarts: a new service, and a new BlobStore over the same folder when
  // attachments are kept. Devices enrolled before hold the old service.
  void restart_service() {
    service.reset();
    blobs.reset();
    blobs = must(server::BlobStore::open(dir.file("blobs")));
    service = std::make_unique<server::SyncService>(*server_store, Schema::property_management(), clock,
                                                    service_options_, blobs.get());
  }

  // Creates a user with `role`, assigns the buildings given, and enrolls a device.
  // A device of `user`, enrolled; its app is built at `schema` (this build's when null)
  // and reads `device_clock` (the world's when null).
  TestDevice& enroll(const std::string& user, const std::string& role,
                     const std::vector<std::string>& buildings = {}, const Schema* schema = nullptr,
                     const Clock* device_clock = nullptr) {
    if (schema == nullptr) schema = &Schema::property_management();
    if (!admin->add_user(user, role).ok()) ADD_FAILURE() << "add_user " << user;
    for (const auto& b : buildings) {
      Status s = admin->assign(user, "building", b);
      if (!s.ok()) ADD_FAILURE() << s.to_string();
    }
    const std::string code = must(admin->issue_enrollment_code(user));
    auto& device = devices[user];
    DeviceStoreOptions options;
    options.clock = device_clock != nullptr ? device_clock : &clock;
    options.schema = schema;
    device.user = user;
    device.store = must(DeviceStore::create(dir.file(user + ".db"), {"TMP", user, ""}, options));
    device.transport = std::make_unique<LoopbackTransport>(*service);
    auto enrollment = must(request_enrollment(*device.transport, code, schema->version()));
    Status adopted = adopt_enrollment(*device.store, enrollment, "loopback");
    if (!adopted.ok()) ADD_FAILURE() << adopted.to_string();
    ReplicatorOptions ro;
    ro.sleeper = &sleeper;
    ro.jitter_seed = 42;
    device.replicator = std::make_unique<Replicator>(*device.store, *device.transport, ro);
    return device;
  }

  // What the server holds, by record id.
  std::map<std::string, Record> server_records() {
    std::map<std::string, Record> out;
    auto txn = must(server_store->begin(false));
    for (const auto& c : Schema::property_management().collections()) {
      Status s = txn->for_each_record(c.name, [&](const server::StoredRecord& r) {
        out[r.record.id] = r.record;
        return true;
      });
      if (!s.ok()) ADD_FAILURE() << s.to_string();
    }
    return out;
  }

  TempDir dir;
  ManualClock clock;
  RecordingSleeper sleeper;
  std::unique_ptr<server::ServerStore> server_store;
  std::unique_ptr<server::BlobStore> blobs;  // null until keep_attachments()
  std::unique_ptr<server::SyncService> service;
  std::unique_ptr<server::OfficeAdmin> admin;
  std::map<std::string, TestDevice> devices;
  std::string estate, building_a, building_b, unit_a, unit_b, household_a, household_b, charge_a;

 private:
  server::SyncServiceOptions service_options_;
};

// The payments the server holds for `household`.
inline int count_payments(SyncWorld& world, const std::string& household) {
  int n = 0;
  for (const auto& [id, record] : world.server_records()) {
    n += record.collection == "payments" && record.fields.value("household", "") == household;
  }
  return n;
}

// Every record a device holds, by id.
inline std::map<std::string, Record> device_records(DeviceStore& store) {
  std::map<std::string, Record> out;
  for (const auto& c : store.schema().collections()) {
    for (auto& r : must(store.list(c.name))) out[r.id] = r;
  }
  return out;
}

}  // namespace fieldsync::testing
