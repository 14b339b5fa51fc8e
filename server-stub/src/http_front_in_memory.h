// The HTTP front's own connection loop (http_front.cpp) over one in-memory connection,
// on the calling thread: no socket, no timer, no worker thread. Everything else is the
// front as it serves: the same Connection, its checks in the same order (431, the gate's
// 401 and 413, a body counted and cut at its limit), the same queue of jobs and the
// same replies. For the fuzzer (tests/fuzz/http_front_fuzzer.cpp), which sends it
// arbitrary bytes as a client would.
//
// Like http_front.h, this header is free of Boost.Asio types.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "http_front.h"

namespace fieldsync::server {

struct InMemoryExchange {
  std::string sent;      // everything the client sends on the connection; then it stops sending
  size_t read_size = 0;  // the most bytes one read of the front takes (0: all there are)
  // The front's read or write number `fail_at` (from 1), and every one after it, fails
  // as on a broken connection; 0: none fails.
  size_t fail_at = 0;
  std::string peer_address = "192.0.2.1";
};

struct InMemoryOutcome {
  std::string received;              // everything the front wrote back, in order
  std::vector<HttpRequest> handled;  // what reached SyncService::handle, in order
};

// Serves one connection and returns once the front has nothing left to do with it (the
// client stops sending after `sent`, so it always ends). Of `options` only the limits and
// the trusted proxies matter: the address, TLS, the timeouts and the thread counts are
// not used. Rate limits and failed enrollments start afresh at each call. Thread-safe as
// `service` is.
InMemoryOutcome serve_in_memory(SyncService& service, const HttpFrontOptions& options,
                                const InMemoryExchange& exchange);

}  // namespace fieldsync::server
