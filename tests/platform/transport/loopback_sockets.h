// Plain POSIX sockets on 127.0.0.1 for the HTTP tests: a free port, a listener that
// never answers, and a raw HTTP exchange for requests CpprestTransport would not send
// (chunked bodies) or to read response headers.
#pragma once

#include <chrono>
#include <string>

namespace fieldsync::testing {

// A port that was free a moment ago (bound to port 0, read, closed). Another process
// may take it before it is used: callers retry.
int free_loopback_port();

// A socket listening on 127.0.0.1 that never accepts: connections complete in the
// kernel's backlog and no byte is ever answered.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Sends `request` as is to 127.0.0.1:port and returns everything received until the
// server closes the connection (send "Connection: close") or `timeout` passes.
std::string raw_http_exchange(int port, const std::string& request,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace fieldsync::testing
