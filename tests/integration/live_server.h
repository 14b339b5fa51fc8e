// The real `fieldsync-server` as a child process of a test: its office command line
// run to completion on the test's database, and `serve` on 127.0.0.1, stopped with
// SIGTERM (or killed with SIGKILL) and started again on the same database and port.
//
// The first start asks the server for any free port (`--port 0`) and learns it from
// the line the server prints, so tests running at once never race for a port; a
// restart binds that port again, so clients keep their address and their kept-alive
// connections go stale as they would in the field. The server's stderr is inherited.
//
// A LiveServer owns the child; the destructor kills a server still running. Not
// thread-safe: one test thread drives it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fieldsync/status.h"
#include "process.h"

namespace fieldsync::testing {

class LiveServer {
 public:
  LiveServer(std::string binary, std::string database);
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // Runs `fieldsync-server --db <database> args...` to completion: what it printed on
  // stdout, or an error naming the command, its exit code and its stderr.
  Result<std::string> admin(const std::vector<std::string>& args) const;
  // The same with `input` as its standard input (a password, say).
  Result<std::string> admin_with_input(const std::vector<std::string>& args,
                                       const std::string& input) const;

  // Starts `serve` on a free port and waits, with a deadline, for its "listening on"
  // line.
  Status start();
  // Options given to every later `serve` (limits, TLS), after --listen and --port.
  void set_serve_options(std::vector<std::string> options) { serve_options_ = std::move(options); }
  // Sends SIGTERM and waits for the server to exit; its exit code (0 for a clean
  // stop), or -1 when none was running.
  int stop();
  // Sends SIGKILL, as a power cut or the out-of-memory killer would, and waits for the
  // server to exit; its exit code (128 + 9), or -1 when none was running.
  int kill();
  // Starts a stopped server again on the same database and port.
  Status start_again();
  // stop(), requiring a clean exit (0), then start_again().
  Status restart();

  bool running() const { return child_ != nullptr; }
  // "http://127.0.0.1:PORT" (https:// when serving TLS); valid once started.
  std::string url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::string& database() const { return database_; }

 private:
  // Starts `serve --port port` (0: any) and learns the port it listens on.
  Status start_on(int port);

  std::string binary_;
  std::string database_;
  int port_ = 0;
  std::string scheme_ = "http";
  std::vector<std::string> serve_options_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace fieldsync::testing
