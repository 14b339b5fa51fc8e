#include "flaky_transport.h"

namespace fieldsync {

Result<HttpResponse> FlakyTransport::send(const HttpRequest& request) {
  if (lose_requests_ > 0) {
    --lose_requests_;
    ++lost_;
    return Status::unavailable("the connection dropped before the request left the phone");
  }
  auto response = inner_.send(request);
  if (lose_responses_ > 0 && response.ok()) {
    --lose_responses_;
    ++lost_;
    return Status::unavailable("the connection dropped before the answer arrived");
  }
  return response;
}

}  // namespace fieldsync
