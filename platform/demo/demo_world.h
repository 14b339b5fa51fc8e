// The field-day demo's world: a temporary folder, the real `fieldsync-server` process
// on a free loopback port serving HTTPS with a throwaway CA's certificate for 127.0.0.1,
// the office's set-up through the server's own command line, and one in-process device
// per member of staff that trusts that CA, pins the server's key and talks HTTPS to it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpprest_transport.h"
#include "fieldsync/field_work.h"
#include "fieldsync/replicator.h"
#include "flaky_transport.h"
#include "loopback_tls.h"
#include "process.h"
#include "server_process.h"

namespace fieldsync::demo {

// A phone's clock that is `offset_ms` off the real one.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t offset_ms) : offset_ms_(offset_ms) {}
  int64_t now_ms() const override { return Clock::system().now_ms() + offset_ms_; }

 private:
  int64_t offset_ms_;
};

struct Staff {
  std::string user;
  std::string role;
  std::unique_ptr<OffsetClock> clock;  // declared before the store, which reads it
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<CpprestTransport> http;
  std::unique_ptr<FlakyTransport> link;
  std::unique_ptr<Replicator> replicator;

  FieldWork work() { return FieldWork(*store); }
};

class DemoWorld {
 public:
  DemoWorld(std::string server_binary, std::string folder);
  ~DemoWorld();

  // Runs `fieldsync-server --db <server.db> args...`, with `input` as its standard input
  // when given (a password); fails loudly on a non-zero exit.
  Result<std::string> admin(const std::vector<std::string>& args,
                            const std::optional<std::string>& input = std::nullopt);
  // Makes the throwaway CA and the server's certificate (in <folder>/tls), then starts
  // the server with them.
  Status start_server();
  // Stops the server with SIGTERM; its exit code.
  int stop_server();
  // Creates the user, assigns them, enrolls a device for them over HTTPS with the CA
  // file and the key pin, which its database keeps as `fieldsync enroll` keeps them;
  // the device's clock is `clock_offset_ms` off the real one.
  Result<Staff*> enroll(const std::string& user, const std::string& role,
                        const std::vector<std::pair<std::string, std::string>>& assignments,
                        int64_t clock_offset_ms = 0);
  Result<SyncReport> sync(Staff& staff);

  const std::string& folder() const { return folder_; }
  std::string server_db() const { return folder_ + "/server.db"; }
  const std::string& url() const { return url_; }
  // The CA, certificate and key pin the server runs with; valid once it started.
  const LoopbackCertificate& tls() const { return tls_; }
  std::map<std::string, Staff>& staff() { return staff_; }

 private:
  std::string server_binary_;
  std::string folder_;
  std::string url_;
  LoopbackCertificate tls_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, Staff> staff_;
};

}  // namespace fieldsync::demo
