// The HTTP front of fieldsync-server (Boost.Beast over Boost.Asio, optionally TLS):
// bounds everything a client can make it spend before it spends it, then hands each
// request to the SyncService on a worker thread of its own and replies.
//
// Per request, in order, nothing read beyond what each step needs:
//   connection: closed at once, before any TLS handshake, over the rate of new
//     connections per address, or over the total or per-address connection limits
//     (these count the TCP peer, a proxy's address too);
//   TLS handshake within the header timeout;
//   headers: at most max_header_bytes (431), at most max_header_fields (431), all of
//     them within the header timeout (a slow sender is cut off; so is an idle
//     kept-alive connection); a request target with a byte outside ASCII is 400;
//   client address: the peer's, or, from a trusted proxy, the one its X-Forwarded-For
//     names (trusted_proxies.h; an entry that is not an address is 400); it is the
//     request's peer_address, and what the per-address rate and failed enrollments count;
//   rate: per client address, then per device token (429 with Retry-After);
//   gate (SyncService::admit_headers): a device path with no token or an unknown one
//     is 401; a declared Content-Length over the request's limit is 413, at once;
//   body: counted as it arrives (chunked too), cut at the limit (413), within a time
//     that grows with its size;
//   queue: a phone's request (a live token) and an anonymous one (enroll, health)
//     wait in separate bounded queues, phones' first, so a flood of anonymous requests
//     cannot take an enrolled phone's place (503 when a queue is full);
//   worker: SyncService::handle, then the reply (to a HEAD, its headers alone). A reply
//     of type kEventStreamType (GET /v1/office/events) opens a stream of server-sent
//     events instead: an event each time SyncService::changes() grows, until the client
//     goes, the server stops or ten minutes have passed; at most 64 open, 8 an address.
// Failed enrollments and console sign-ins are counted per client address and overall;
// over either budget, those paths answer 429 until it refills (guessing codes and
// passwords costs time).
//
// This header is free of Boost.Asio types, so only http_front.cpp pays for them.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "fieldsync/server/sync_service.h"
#include "trusted_proxies.h"

namespace fieldsync::server {

// A token bucket: `burst` requests at once, refilled at `per_second`.
struct RateLimit {
  double per_second = 0;  // 0: no limit
  double burst = 0;
};

struct HttpFrontOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0: any free port (url() says which)
  size_t max_body_bytes = 8 * 1024 * 1024;
  int workers = 2;  // threads that run the sync service
  int io_threads = 2;

  size_t max_header_bytes = 16 * 1024;
  size_t max_header_fields = 64;
  size_t max_connections = 1024;
  size_t max_connections_per_address = 128;
  // New connections (and so TLS handshakes) a second from one TCP peer address.
  RateLimit new_connections_per_address{20, 100};
  // Peers whose X-Forwarded-For names the client (a proxy such as nginx); none: the
  // header is never read.
  TrustedProxies trusted_proxies;
  // Headers (and a TLS handshake) must arrive within this, counted from the moment
  // the connection is ready for a request: also the idle timeout of a kept-alive one.
  std::chrono::milliseconds header_timeout{15'000};
  // A body must arrive within body_timeout plus one second per min_body_rate bytes.
  std::chrono::milliseconds body_timeout{15'000};
  size_t min_body_rate = 64 * 1024;  // bytes per second
  std::chrono::milliseconds write_timeout{30'000};
  size_t queued_per_worker = 32;  // a phone's queue; the anonymous one holds a quarter

  RateLimit per_address{200, 2000};
  RateLimit per_token{50, 500};
  RateLimit failed_enrollments_per_address{0.2, 10};
  RateLimit failed_enrollments_overall{2, 100};

  // TLS: both files (PEM), or neither for plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpFront {
 public:
  // Starts listening; fails with a clear message when the address cannot be bound or
  // the certificate cannot be read.
  static Result<std::unique_ptr<HttpFront>> start(SyncService& service, const HttpFrontOptions& options);
  virtual ~HttpFront() = default;
  // Stops accepting, lets requests in flight finish, and returns. Idempotent.
  virtual void stop() = 0;
  // "http://127.0.0.1:8080", or https:// with TLS.
  virtual std::string url() const = 0;
};

}  // namespace fieldsync::server
