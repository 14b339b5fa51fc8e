// CpprestTransport over cpprestsdk's http_client: the only client translation unit that
// includes cpprestsdk.
//
// send() starts the request with a cancellation token and waits on a std::future that
// the last continuation fulfils, so the whole-request deadline is ours to enforce: when
// it passes, the request is cancelled and abandoned (the continuation owns everything
// it touches) and the caller gets a retryable timeout at once. A request that failed
// before it was written whole (a stale kept-alive connection) is sent again at once.
#include "cpprest_transport.h"

#include <cpprest/http_client.h>

#include <future>
#include <system_error>

namespace fieldsync {
namespace {

namespace http = web::http;

std::string describe(const std::string& base_url, const HttpRequest& request) {
  return request.method + " " + base_url + request.path;
}

http::http_request to_cpprest(const HttpRequest& request) {
  http::http_request out(request.method);
  out.set_request_uri(request.path);
  if (!request.bearer_token.empty()) {
    out.headers().add(http::header_names::authorization, "Bearer " + request.bearer_token);
  }
  // Bytes as they are: a chunk of a photo must not meet a charset conversion.
  out.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
  out.headers().set_content_type(request.content_type);
  return out;
}

// The Status for a request that got no answer.
Status no_answer(const std::string& what, const std::exception& e) {
  if (auto* failed = dynamic_cast<const http::http_exception*>(&e)) {
    if (failed->error_code() == std::errc::timed_out) {
      return Status::unavailable(what + ": the server stopped answering (" + failed->what() + ")");
    }
  }
  return Status::unavailable(what + ": cannot reach the server: " + e.what());
}

}  // namespace

class CpprestTransport::Impl {
 public:
  Impl(std::string base_url, const http::client::http_client_config& config,
       std::chrono::milliseconds request_timeout)
      : base_url_(std::move(base_url)),
        client_(web::uri(base_url_), config),
        request_timeout_(request_timeout) {}

  Result<HttpResponse> send(const HttpRequest& request) {
    bool unsent = false;
    auto result = send_once(request, unsent);
    // A kept-alive connection that the server closed since (a restart) fails while the
    // request is being written; cpprestsdk retries that itself only for requests
    // without a body. The server cannot have acted on a request it did not receive
    // whole, so retrying at once on a fresh connection is safe.
    for (int retry = 0; unsent && retry < kUnsentRetries; ++retry) {
      result = send_once(request, unsent);
    }
    return result;
  }

 private:
  // Pooled connections that may have gone stale together.
  static constexpr int kUnsentRetries = 3;

  // One attempt. `unsent`: it failed before the whole request was written.
  Result<HttpResponse> send_once(const HttpRequest& request, bool& unsent) {
    unsent = false;
    const std::string what = describe(base_url_, request);
    pplx::cancellation_token_source cancel;
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> answered = answer->get_future();
    try {
      client_.request(to_cpprest(request), cancel.get_token())
          .then([](http::http_response response) {
            return response.extract_vector().then(
                [status = response.status_code(),
                 type = response.headers().content_type()](std::vector<unsigned char> body) {
                  return HttpResponse{status, std::string(body.begin(), body.end()), type};
                });
          })
          .then([answer](pplx::task<HttpResponse> done) {
            try {
              answer->set_value(done.get());  // done: get() only rethrows
            } catch (...) {
              answer->set_exception(std::current_exception());
            }
          });
    } catch (const std::exception& e) {
      return no_answer(what, e);
    }
    if (answered.wait_for(request_timeout_) != std::future_status::ready) {
      cancel.cancel();
      return Status::unavailable(what + ": no answer within " +
                                 std::to_string(request_timeout_.count()) + " ms");
    }
    try {
      return answered.get();
    } catch (const http::http_exception& e) {
      unsent = std::string(e.what()).rfind("Failed to write request", 0) == 0;
      return no_answer(what, e);
    } catch (const std::exception& e) {
      return no_answer(what, e);
    }
  }

  std::string base_url_;
  http::client::http_client client_;
  std::chrono::milliseconds request_timeout_;
};

Result<std::unique_ptr<CpprestTransport>> CpprestTransport::create(
    const std::string& base_url, CpprestTransportOptions options) {
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0) {
    return Status::invalid_argument(
        "the server address must start with http:// or https://, not '" + base_url + "'");
  }
  http::client::http_client_config config;
  config.set_timeout(options.connect_timeout);
  try {
    return std::unique_ptr<CpprestTransport>(
        new CpprestTransport(std::make_unique<Impl>(base_url, config, options.request_timeout)));
  } catch (const std::exception& e) {
    return Status::invalid_argument("the server address '" + base_url +
                                    "' is not valid: " + e.what());
  }
}

CpprestTransport::CpprestTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CpprestTransport::~CpprestTransport() = default;

Result<HttpResponse> CpprestTransport::send(const HttpRequest& request) {
  return impl_->send(request);
}

}  // namespace fieldsync
