// ServerProcess: the real `fieldsync-server serve` as a child process on 127.0.0.1,
// for the field-day demo and the benchmarks that measure sync over loopback. By
// default it asks the server for any free port (`--port 0`) and learns the port from
// the one line the server prints, so two servers started at once never race for a
// port; a given port serves to start a stopped server again at the same address.
// Further `serve` options (TLS: `--tls-cert`, `--tls-key`) follow --listen and --port.
//
// The server's stderr is inherited. Not thread-safe: one thread starts and stops it;
// any thread may read url() while it runs.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fieldsync/status.h"
#include "process.h"

namespace fieldsync {

class ServerProcess {
 public:
  // Starts `server_binary --db server_db serve --listen 127.0.0.1 --port port
  // serve_options...` (port 0: any free port) and waits up to `timeout` for it to say
  // where it listens. `unavailable` when it does not start or says nothing in time (the
  // child is then killed).
  static Result<std::unique_ptr<ServerProcess>> start(
      const std::string& server_binary, const std::string& server_db, int port = 0,
      std::chrono::milliseconds timeout = std::chrono::seconds(20),
      const std::vector<std::string>& serve_options = {});
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();  // stops a server still running

  // "http://127.0.0.1:PORT" ("https://" when serving TLS), without a trailing slash.
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // Stops the server with SIGTERM (requests in flight finish) and waits for it; its
  // exit code, or -1 when it was already stopped.
  int stop();

 private:
  ServerProcess(std::unique_ptr<ChildProcess> child, std::string url, int port)
      : child_(std::move(child)), url_(std::move(url)), port_(port) {}
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  int port_ = 0;
};

}  // namespace fieldsync
