#include "host_transport.h"

#include <chrono>

#include "boundary.h"
#include "fieldsync/text_values.h"

namespace fieldsync::capi {

void Cancellation::sleep_ms(int64_t ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  woken_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return cancelled_.load(); });
}

void Cancellation::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_.store(true);
  }
  woken_.notify_all();
}

HostTransport::HostTransport(const fieldsync_http_transport& host, std::string server_url,
                             const Cancellation* cancellation)
    : host_(host), server_url_(std::move(server_url)), cancellation_(cancellation) {
  while (!server_url_.empty() && server_url_.back() == '/') server_url_.pop_back();
}

Result<HttpResponse> HostTransport::send(const HttpRequest& request) {
  last_failure_was_network_ = false;
  if (cancellation_ != nullptr && cancellation_->cancelled()) {
    return Status::failed_precondition(kCancelledMessage);
  }
  const std::string url = server_url_ + request.path;
  const std::string authorization = request.bearer_token.empty() ? "" : "Bearer " + request.bearer_token;
  fieldsync_http_request c_request;
  c_request.method = request.method.c_str();
  c_request.url = url.c_str();
  c_request.path = request.path.c_str();
  c_request.authorization = authorization.c_str();
  c_request.content_type = request.content_type.c_str();
  c_request.body = request.body.data();
  c_request.body_length = request.body.size();

  fieldsync_http_response response;
  const int status = host_.send(host_.context, &c_request, &response);
  if (status <= 0) {
    last_failure_was_network_ = true;
    return Status::unavailable("no answer from " + url +
                               (response.failure.empty() ? "" : ": " + response.failure));
  }
  if (status < 100 || status > 599) {
    return Status::internal("the app's HTTP transport returned " + std::to_string(status) +
                            ", which is not an HTTP status");
  }
  HttpResponse answer;
  answer.status = status;
  answer.body = std::move(response.body);
  return answer;
}

}  // namespace fieldsync::capi

extern "C" {

fieldsync_error fieldsync_http_response_append_body(fieldsync_http_response* response,
                                                    const char* data, size_t length) {
  using namespace fieldsync::capi;
  if (auto e = require_arguments({{response, "response"}}); failed(e)) return e;
  if (data == nullptr && length > 0) return api_error("data is NULL");
  return guarded([&] {
    response->body.append(data == nullptr ? "" : data, length);
    return ok_error();
  });
}

fieldsync_error fieldsync_http_response_set_failure(fieldsync_http_response* response,
                                                    const char* message) {
  using namespace fieldsync::capi;
  if (auto e = require_arguments({{response, "response"}, {message, "message"}}); failed(e)) {
    return e;
  }
  return guarded([&] {
    response->failure = fieldsync::utf8_prefix(message, 300);
    return ok_error();
  });
}

}  // extern "C"
