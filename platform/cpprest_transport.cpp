// CpprestTransport over cpprestsdk's http_client: the only client translation unit that
// includes cpprestsdk.
//
// send() starts the request with a cancellation token and waits on a std::future that
// the last continuation fulfils, so the whole-request deadline is ours to enforce: when
// it passes, the request is cancelled and abandoned (the continuation owns everything
// it touches) and the caller gets a retryable timeout at once. A request that failed
// before it was written whole (a stale kept-alive connection) is sent again at once.
#include "cpprest_transport.h"

#include "key_pin.h"

#include <cpprest/http_client.h>
#include <openssl/x509.h>

#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

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
  for (const auto& [name, value] : request.headers) out.headers().add(name, value);
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

// The key pin a transport was given, checked during each TLS handshake (on a
// cpprestsdk thread), and the pin of the last key it refused, for the sending thread's
// error message. Thread-safe.
class PinCheck {
 public:
  explicit PinCheck(std::string wanted) : wanted_(std::move(wanted)) {}

  const std::string& wanted() const { return wanted_; }
  bool accepts(X509* cert) {
    const auto got = pin_of(cert);
    if (got && *got == wanted_) return true;
    std::lock_guard<std::mutex> lock(mutex_);
    refused_ = got.value_or("a key that cannot be hashed");
    return false;
  }
  // The pin of the key refused since the last call, "" when none was.
  std::string take_refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(refused_, std::string());
  }

 private:
  const std::string wanted_;
  std::mutex mutex_;
  std::string refused_;
};

}  // namespace

class CpprestTransport::Impl {
 public:
  Impl(std::string base_url, const http::client::http_client_config& config,
       std::chrono::milliseconds request_timeout, std::shared_ptr<PinCheck> pin_check)
      : base_url_(std::move(base_url)),
        client_(web::uri(base_url_), config),
        request_timeout_(request_timeout),
        pin_check_(std::move(pin_check)) {}

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
    if (pin_check_) pin_check_->take_refused();
    pplx::cancellation_token_source cancel;
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> answered = answer->get_future();
    try {
      client_.request(to_cpprest(request), cancel.get_token())
          .then([](http::http_response response) {
            // Retry-After in seconds (the server never sends a date); a value that is not
            // a small whole number is ignored.
            int64_t retry_after_s = 0;
            const auto retry_after = response.headers().find(U("Retry-After"));
            if (retry_after != response.headers().end()) {
              const std::string text = utility::conversions::to_utf8string(retry_after->second);
              if (!text.empty() && text.size() <= 5 &&
                  text.find_first_not_of("0123456789") == std::string::npos) {
                retry_after_s = std::stoll(text);
              }
            }
            HttpHeaders headers;
            for (const auto& [name, value] : response.headers()) {
              headers.emplace_back(utility::conversions::to_utf8string(name),
                                   utility::conversions::to_utf8string(value));
            }
            return response.extract_vector().then(
                [status = response.status_code(), type = response.headers().content_type(),
                 retry_after_s, headers](std::vector<unsigned char> body) {
                  HttpResponse r{status, std::string(body.begin(), body.end()), type};
                  r.retry_after_s = retry_after_s;
                  r.headers = headers;
                  return r;
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
      return refused_key(what).value_or(no_answer(what, e));
    } catch (const std::exception& e) {
      return refused_key(what).value_or(no_answer(what, e));
    }
  }

  // The Status for a handshake the pin check failed, naming both keys' pins.
  std::optional<Status> refused_key(const std::string& what) {
    if (!pin_check_) return std::nullopt;
    const std::string refused = pin_check_->take_refused();
    if (refused.empty()) return std::nullopt;
    return Status::unavailable(what + ": the server's key is " + refused + ", not the pinned " +
                               pin_check_->wanted() + " (another server, or a new key)");
  }

  std::string base_url_;
  http::client::http_client client_;
  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<PinCheck> pin_check_;  // null without a pin; shared with the TLS callback
};

Result<std::unique_ptr<CpprestTransport>> CpprestTransport::create(
    const std::string& base_url, CpprestTransportOptions options) {
  FIELDSYNC_RETURN_IF_ERROR(check_server_url(base_url));
  const bool tls = base_url.rfind("https://", 0) == 0;
  if (!tls && (!options.ca_file.empty() || !options.pin.empty())) {
    return Status::invalid_argument("a CA file or a key pin needs an https:// server address");
  }
  if (!options.pin.empty() && (options.pin.rfind("sha256/", 0) != 0 || options.pin.size() != 51)) {
    return Status::invalid_argument("a key pin is sha256/ and 44 characters of base64, not '" +
                                    options.pin + "'");
  }
  if (!options.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.ca_file, ec)) {
      return Status::not_found("no CA certificate file at " + options.ca_file);
    }
    // Read now, so that a wrong file is refused here rather than at the first request.
    auto ca = read_pem_certificate(options.ca_file, "CA certificate file");
    if (!ca.ok()) return ca.status();
  }
  http::client::http_client_config config;
  config.set_timeout(options.connect_timeout);
  std::shared_ptr<PinCheck> pin_check;
  if (tls) {
    // The chain is verified by OpenSSL as usual (against the CA file when given);
    // the pin is checked in the same callback, so a handshake with a wrong key fails
    // before a byte of the request is sent.
    // The pin check is owned by the callback, which the client keeps as long as any
    // context it made: the raw pointer handed to OpenSSL never outlives it.
    if (!options.pin.empty()) pin_check = std::make_shared<PinCheck>(options.pin);
    config.set_ssl_context_callback(
        [ca = options.ca_file, pin_check](boost::asio::ssl::context& context) {
          if (!ca.empty()) {
            // The office's CA instead of the system's, not beside them: cpprestsdk has
            // loaded the system's already.
            SSL_CTX_set_cert_store(context.native_handle(), X509_STORE_new());
            context.load_verify_file(ca);
          }
          if (!pin_check) return;
          SSL_CTX_set_cert_verify_callback(
              context.native_handle(),
              [](X509_STORE_CTX* store, void* arg) -> int {
                if (X509_verify_cert(store) != 1) return 0;
                if (!static_cast<PinCheck*>(arg)->accepts(X509_STORE_CTX_get0_cert(store))) {
                  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
                  return 0;
                }
                return 1;
              },
              pin_check.get());
        });
  }
  try {
    return std::unique_ptr<CpprestTransport>(new CpprestTransport(
        std::make_unique<Impl>(base_url, config, options.request_timeout, pin_check)));
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
