// FlakyTransport: an HttpTransport that loses traffic on demand, to play a phone
// losing its connection mid-sync. The demo uses it for the stairwell with no signal,
// the integration tests to lose requests and responses on their way to and from the
// real server.
//
// It borrows the inner transport, which must outlive it. One thread at a time, as
// HttpTransport requires.
#pragma once

#include "fieldsync/http_transport.h"

namespace fieldsync {

class FlakyTransport final : public HttpTransport {
 public:
  explicit FlakyTransport(HttpTransport& inner) : inner_(inner) {}

  // A lost request is a retryable `unavailable` and never reaches the server; a lost
  // response is the same after the server has answered (and acted).
  Result<HttpResponse> send(const HttpRequest& request) override;

  // The next `n` responses are lost after the server has answered.
  void lose_responses(int n) { lose_responses_ = n; }
  // The next `n` requests never reach the server.
  void lose_requests(int n) { lose_requests_ = n; }
  // How many requests or responses were lost so far.
  int lost() const { return lost_; }

 private:
  HttpTransport& inner_;
  int lose_responses_ = 0;
  int lose_requests_ = 0;
  int lost_ = 0;
};

}  // namespace fieldsync
