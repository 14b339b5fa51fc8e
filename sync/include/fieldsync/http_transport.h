// The one door between fieldsync and the network. The replicator sends requests
// through an HttpTransport; the host plugs in its own (cpprestsdk in platform/, the
// phone's HTTP stack through the C API, an in-process loopback in tests).
//
// send() is called from the thread that runs a sync, never from a network callback;
// it may block until the response arrives or the transport's timeout passes.
// Implementations must be safe to call from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync {

// Header fields other than those with members of their own (Authorization,
// Content-Type, Retry-After), in the order they came; names as sent.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (compared without case), or empty.
std::string header_value(const HttpHeaders& headers, std::string_view name);

// Whether `host` (a name or an IPv4 address, no port) is this machine: "localhost",
// 127.0.0.0/8 or ::1. Plain HTTP is allowed only to and on such hosts.
bool is_loopback_host(std::string_view host);

// A server address a phone may use: https://HOST[:PORT], or http:// to a loopback
// host; anything else is refused with a message that says why.
Status check_server_url(const std::string& url);

struct HttpRequest {
  std::string method = "POST";
  std::string path;          // "/v1/push"
  std::string bearer_token;  // empty for enrollment
  std::string body;          // JSON, or raw bytes (a chunk of an attachment)
  std::string content_type = "application/json";
  // Besides the above: on the server, what the client sent; from a client, more to send
  // (CpprestTransport sends them; the office console's Cookie and X-CSRF-Token).
  HttpHeaders headers = {};
  std::string peer_address = "";  // on the server: the client's IP address, as the front saw it
  bool tls = false;               // on the server: the request came over TLS
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type = "application/json";
  // From the server: sent as they are (Set-Cookie, Cache-Control, ...); at a client,
  // what came (CpprestTransport: each name once, repeated ones joined with ", ").
  HttpHeaders headers = {};
  int64_t retry_after_s = 0;    // > 0: sent as Retry-After (429, 503); read by the phone
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An HTTP response of any status, or a retryable `unavailable` Status when no
  // response came (connection refused or broken, timeout).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace fieldsync
