// The fixture of the integration tests: a temporary folder, the real `fieldsync-server`
// on a loopback port with reference data set up through its own command line, and
// in-process devices that sync with it over HTTP (CpprestTransport behind a
// FlakyTransport that loses requests or responses on demand). Assertions read the
// server's database file directly, read-only.
//
// Reference data: estate Riverside with Block A and Block B, one unit and one
// household in each (imported from CSV), and a 120.00 charge for each household.
// Devices share one ManualClock (`field_clock_`, set to the real time at the start),
// so a test decides which of two edits is the later one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cpprest_transport.h"
#include "fieldsync/field_work.h"
#include "fieldsync/protocol.h"
#include "fieldsync/replicator.h"
#include "fieldsync/server/server_store.h"
#include "flaky_transport.h"
#include "live_server.h"
#include "support/sync_world.h"
#include "test_support.h"

namespace fieldsync::testing {

// One phone, enrolled over HTTP. Members are destroyed replicator first.
struct FieldDevice {
  std::string user;
  std::string path;  // its database file
  std::unique_ptr<CpprestTransport> http;
  std::unique_ptr<FlakyTransport> link;  // what the replicator talks through
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<Replicator> replicator;

  FieldWork work() { return FieldWork(*store); }
  SyncReport sync() { return must(replicator->sync()); }
  std::string token() const { return must(store->sync_value(kSyncToken)); }
  const std::string& code() const { return store->identity().device_code; }
};

struct ReferenceData {
  std::string estate, building_a, building_b, unit_a, unit_b;
  std::string household_a, household_b, charge_a, charge_b;
};

// What the server database holds, by record id.
using ServerRecords = std::map<std::string, server::StoredRecord>;

class ServerTest : public ::testing::Test {
 protected:
  ServerTest();
  void SetUp() override;
  // Closes the devices, then stops the server, which must exit cleanly.
  void TearDown() override;

  // Runs `fieldsync-server --db <server db> args...`, failing the test on a non-zero
  // exit; what it printed, without the trailing newline.
  std::string admin(const std::vector<std::string>& args);
  // Adds the user with `role`, assigns the buildings, issues an enrollment code and
  // enrolls a new device with it over HTTP.
  FieldDevice& enroll(const std::string& user, const std::string& role,
                      const std::vector<std::string>& buildings = {});
  // enroll(), through `url` (a proxy in front of the server) with `transport_options`
  // (its CA file, its key pin).
  FieldDevice& enroll_through(const std::string& url,
                              const CpprestTransportOptions& transport_options,
                              const std::string& user, const std::string& role,
                              const std::vector<std::string>& buildings = {});
  // Runs the `fieldsync` command line (FIELDSYNC_CLI_PATH) on the phone database `db`.
  ProcessResult phone_cli(const std::string& db, const std::vector<std::string>& args) const;
  // Adds `user` as a collector of `buildings`, enrolls the phone database `db` through
  // the command line and syncs it once; a failed step fails the test.
  void enroll_phone(const std::string& db, const std::string& user,
                    const std::vector<std::string>& buildings);
  // Opens the device's database again with `options` (another clock, say).
  void reopen(FieldDevice& device, DeviceStoreOptions options);

  // Every record in the server's database file, read afresh.
  ServerRecords server_records() const;
  // Sends one request to the server on a new connection; the test fails when no
  // answer comes.
  HttpResponse send(const std::string& path, const std::string& token,
                    const std::string& body) const;
  // A change on the wire as `device` would make it: every field stamped now by the
  // device's clock node; `base` gives the stamps of the values an update replaces.
  WireChange raw_change(const FieldDevice& device, int64_t seq, const std::string& collection,
                        const std::string& record_id, const std::string& kind, const Json& fields,
                        const Json& base = Json::object()) const;
  // POSTs a crafted push with `token`.
  HttpResponse push(const std::string& token, const std::vector<WireChange>& changes) const;

  TempDir dir_;
  ManualClock field_clock_;
  RecordingSleeper sleeper_;
  LiveServer server_;
  ReferenceData ref_;
  std::map<std::string, FieldDevice> devices_;

 private:
  void set_up_reference_data();
  void attach_replicator(FieldDevice& device);
};

// Writes a JPEG-looking file of `size` bytes drawn from `seed` (incompressible, like a
// photo) and returns its SHA-256.
std::string write_photo(const std::string& path, int64_t size, uint32_t seed);

// The device holds exactly the server's records of the buckets it has cursors for,
// field for field and stamp for stamp.
void expect_converged(const ServerRecords& server, DeviceStore& store);
// The server's records of one collection.
std::vector<Record> of_collection(const ServerRecords& server, const std::string& collection);
// Whether two snapshots of the server hold the same records, versions and values.
bool same_records(const ServerRecords& a, const ServerRecords& b);

}  // namespace fieldsync::testing
