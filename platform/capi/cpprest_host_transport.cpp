// libfieldsync_cpprest: CpprestTransport (platform/cpprest_transport.h) behind the C
// API's fieldsync_http_transport, for hosts without an HTTP stack of their own. Its own
// shared library, so that libfieldsync never links cpprestsdk.
#include <chrono>
#include <memory>
#include <string>

#include "boundary.h"
#include "cpprest_transport.h"
#include "fieldsync/fieldsync_cpprest.h"

struct fieldsync_cpprest_transport {
  std::unique_ptr<fieldsync::CpprestTransport> http;
};

namespace {

using namespace fieldsync;

constexpr const char* kBearer = "Bearer ";

int send_through_cpprest(void* context, const fieldsync_http_request* c_request,
                         fieldsync_http_response* response) {
  try {
    auto* transport = static_cast<fieldsync_cpprest_transport*>(context);
    HttpRequest request;
    request.method = c_request->method;
    request.path = c_request->path;
    const std::string authorization = c_request->authorization;
    if (authorization.rfind(kBearer, 0) == 0) {
      request.bearer_token = authorization.substr(std::char_traits<char>::length(kBearer));
    }
    request.content_type = c_request->content_type;
    request.body.assign(c_request->body == nullptr ? "" : c_request->body, c_request->body_length);
    auto answer = transport->http->send(request);
    if (!answer.ok()) {
      fieldsync_http_response_set_failure(response, answer.status().message().c_str());
      return 0;
    }
    fieldsync_error appended =
        fieldsync_http_response_append_body(response, answer->body.data(), answer->body.size());
    return appended.code == FIELDSYNC_OK ? answer->status : 0;
  } catch (const std::exception& e) {
    fieldsync_http_response_set_failure(response, e.what());
    return 0;
  } catch (...) {
    fieldsync_http_response_set_failure(response, "unexpected failure in cpprestsdk");
    return 0;
  }
}

}  // namespace

extern "C" {

fieldsync_error fieldsync_cpprest_transport_create(const char* server_url, int32_t timeout_ms,
                                                   fieldsync_cpprest_transport** out_transport) {
  return fieldsync_cpprest_transport_create_tls(server_url, timeout_ms, nullptr, nullptr,
                                                out_transport);
}

fieldsync_error fieldsync_cpprest_transport_create_tls(
    const char* server_url, int32_t timeout_ms, const char* ca_file, const char* pin,
    fieldsync_cpprest_transport** out_transport) {
  using namespace fieldsync::capi;
  if (out_transport != nullptr) *out_transport = nullptr;
  if (auto e = require_arguments({{server_url, "server_url"}, {out_transport, "out_transport"}});
      failed(e)) {
    return e;
  }
  return guarded([&] {
    CpprestTransportOptions options;
    if (timeout_ms > 0) {
      options.connect_timeout = std::chrono::milliseconds(timeout_ms);
      options.request_timeout = std::chrono::milliseconds(timeout_ms);
    }
    options.ca_file = ca_file == nullptr ? "" : ca_file;
    options.pin = pin == nullptr ? "" : pin;
    auto http = CpprestTransport::create(server_url, options);
    if (!http.ok()) return to_error(http.status());
    auto transport = std::make_unique<fieldsync_cpprest_transport>();
    transport->http = std::move(http).value();
    *out_transport = transport.release();
    return ok_error();
  });
}

fieldsync_http_transport fieldsync_cpprest_transport_get(fieldsync_cpprest_transport* transport) {
  fieldsync_http_transport host;
  host.send = transport == nullptr ? nullptr : send_through_cpprest;
  host.context = transport;
  return host;
}

void fieldsync_cpprest_transport_close(fieldsync_cpprest_transport* transport) {
  delete transport;
}

}  // extern "C"
