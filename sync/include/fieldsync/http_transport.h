// The one door between fieldsync and the network. The replicator sends requests
// through an HttpTransport; the host plugs in its own (cpprestsdk in platform/, the
// phone's HTTP stack through the C API, an in-process loopback in tests).
//
// send() is called from the thread that runs a sync, never from a network callback;
// it may block until the response arrives or the transport's timeout passes.
// Implementations must be safe to call from one thread at a time.
#pragma once

#include <string>

#include "fieldsync/status.h"

namespace fieldsync {

struct HttpRequest {
  std::string method = "POST";
  std::string path;          // "/v1/push"
  std::string bearer_token;  // empty for enrollment
  std::string body;          // JSON, or raw bytes (a chunk of an attachment)
  std::string content_type = "application/json";
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type = "application/json";
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An HTTP response of any status, or a retryable `unavailable` Status when no
  // response came (connection refused or broken, timeout).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace fieldsync
