// A SyncWorld served over real HTTP on loopback: an HttpFront on a free port over the
// world's SyncService and SQLite server store, and devices that enroll and sync through
// CpprestTransport and the Replicator. The front can be stopped and started again on
// the same port (a server restart) while devices keep their transports.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cpprest_transport.h"
#include "http_front.h"
#include "support/sync_world.h"

namespace fieldsync::testing {

struct HttpDevice {
  std::string user;
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<CpprestTransport> transport;
  std::unique_ptr<Replicator> replicator;

  FieldWork work() { return FieldWork(*store); }
  SyncReport sync() { return must(replicator->sync()); }
};

class HttpWorld {
 public:
  // Starts the front on a free port.
  explicit HttpWorld(server::HttpFrontOptions front_options = {});
  ~HttpWorld();

  // Starts the front on port() (a free one the first time), retrying a few times when
  // the port is taken meanwhile, and returns once /v1/health answers.
  void start_front();
  void stop_front();

  // Creates a user with `role` and the buildings given, and enrolls a device over HTTP.
  HttpDevice& enroll(const std::string& user, const std::string& role,
                     const std::vector<std::string>& buildings = {});

  // A transport to the front, with timeouts short enough for tests.
  std::unique_ptr<CpprestTransport> transport(
      std::chrono::milliseconds request_timeout = std::chrono::seconds(10)) const;
  // One request through a fresh transport; fails the test when no answer came.
  HttpResponse send(const HttpRequest& request) const;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(options.port); }
  int port() const { return options.port; }

  SyncWorld world;
  server::HttpFrontOptions options;
  std::unique_ptr<server::HttpFront> front;
  std::map<std::string, HttpDevice> devices;  // destroyed before the front and the world
};

// Every record the device holds equals the server's, and it holds every server record
// of its buckets.
void expect_converged(SyncWorld& world, DeviceStore& store);

}  // namespace fieldsync::testing
