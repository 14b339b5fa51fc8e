// The cpprestsdk listener behind HttpFront (http_front.h): the only server translation
// unit that includes cpprestsdk.
//
// One request, and nothing in it blocks cpprestsdk's fixed pool:
//   handler (pool thread): a declared Content-Length over the limit is answered 413;
//     otherwise the body is read as a continuation;
//   body continuation (pool thread): an actual body over the limit (chunked) is
//     answered 413; otherwise a job is queued, or 503 (retryable) is answered when the
//     queue is full or the front is stopping;
//   worker (a thread of ours): SyncService::handle, then the reply.
// Every answer goes through FrontState::answer, which observes the reply task (an
// unobserved failed pplx task terminates the process) and counts the request finished.
//
// Known limit: cpprestsdk 2.10 reads a whole request body into memory and writes a
// response only once the body has arrived, even when the answer is an early 413. The
// limit protects the sync service, not the memory of the process; a hostile network
// needs a reverse proxy with its own body limit in front.
#include "http_front.h"

#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fieldsync::server {
namespace {

namespace http = web::http;
using http::experimental::listener::http_listener;

// Jobs that may wait per worker before new requests are answered 503.
constexpr size_t kQueuedPerWorker = 32;
// How long stop() lets requests in flight be answered before closing connections.
constexpr auto kDrainTimeout = std::chrono::seconds(10);

struct Job {
  http::http_request reply_to;
  HttpRequest request;
};

std::string bearer_token(const http::http_headers& headers) {
  std::string value;
  if (!headers.match(http::header_names::authorization, value)) return "";
  const std::string scheme = "bearer ";
  if (value.size() <= scheme.size()) return "";
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return "";
  }
  return value.substr(scheme.size());
}

// Whether address:port can be bound now. cpprestsdk cannot tell: within one process, a
// second listener on a host:port that is already open fails AND tears down the first
// one (http_linux_server::register_listener erases the existing host:port entry).
Status check_can_listen(const std::string& address, int port) {
  const std::string where = address + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found)) {
    return Status::invalid_argument("cannot listen on " + where + ": " + ::gai_strerror(rc));
  }
  int error = 0;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int reuse = 1;  // as cpprestsdk's acceptor: a closed server's sockets do not count
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)) != 0 ||
      ::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    error = errno;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  if (error != 0)
    return Status::io_error("cannot listen on " + where + ": " + std::strerror(error));
  return Status();
}

// A port on `address` that the kernel handed out a moment ago (bound to port 0, read
// and released): what `port = 0` listens on, since cpprestsdk cannot report the port
// its own acceptor would pick.
Result<int> free_port(const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(address.c_str(), "0", &hints, &found)) {
    return Status::invalid_argument("cannot listen on " + address + ": " + ::gai_strerror(rc));
  }
  int port = 0, error = 0;
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    error = errno;
  } else {
    port = ntohs(reinterpret_cast<const sockaddr_in&>(bound).sin_port);
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  if (error != 0) {
    return Status::io_error("cannot listen on " + address + ": " + std::strerror(error));
  }
  return port;
}

HttpResponse too_large(size_t limit) {
  return error_response(ErrorCode::kTooLarge,
                        "the request body is larger than " + std::to_string(limit) + " bytes");
}

// What the listener's callbacks and the workers share. Shared ownership because a body
// continuation may still run after the front has stopped; it then only answers 503.
// Thread-safe.
class FrontState final : public std::enable_shared_from_this<FrontState> {
 public:
  FrontState(SyncService& service, const HttpFrontOptions& options)
      : service_(service),
        max_body_bytes_(options.max_body_bytes),
        max_queued_(kQueuedPerWorker * static_cast<size_t>(options.workers)) {}

  // The listener's handler. Never throws.
  void on_request(http::http_request request) noexcept;
  // A worker's loop: runs jobs until close_queue() and an empty queue.
  void run_worker();
  // New requests are answered 503 from now on.
  void refuse_new_requests();
  // Waits until every request received has been answered, or the timeout passed.
  void wait_until_answered(std::chrono::milliseconds timeout);
  // Workers finish the jobs queued, then return.
  void close_queue();

 private:
  void on_body(const http::http_request& request,
               pplx::task<std::vector<unsigned char>> body) noexcept;
  // Queues a job; otherwise returns the 503 to answer.
  std::optional<HttpResponse> enqueue(Job job);
  bool next_job(Job& job);
  void answer(const http::http_request& request, const HttpResponse& response) noexcept;
  void request_finished();

  SyncService& service_;
  const size_t max_body_bytes_;
  const size_t max_queued_;

  std::mutex mutex_;
  std::condition_variable job_ready_;
  std::condition_variable all_answered_;
  std::deque<Job> jobs_;
  int64_t unanswered_ = 0;  // received, reply not yet sent or failed
  bool refusing_ = false;
  bool queue_closed_ = false;
};

void FrontState::on_request(http::http_request request) noexcept {
  {
    std::lock_guard lock(mutex_);
    ++unanswered_;
  }
  try {
    if (request.headers().content_length() > max_body_bytes_) {
      answer(request, too_large(max_body_bytes_));
      return;
    }
    // The bytes as sent, whatever the Content-Type says: JSON, or a chunk of a blob
    // that must arrive byte-exact (no charset conversion).
    auto self = shared_from_this();
    request.extract_vector().then([self, request](pplx::task<std::vector<unsigned char>> body) {
      self->on_body(request, std::move(body));
    });
  } catch (const std::exception& e) {
    answer(request,
           error_response(ErrorCode::kInternal, std::string("the server failed: ") + e.what(),
                          /*retryable=*/true));
  }
}

void FrontState::on_body(const http::http_request& request,
                         pplx::task<std::vector<unsigned char>> body_task) noexcept {
  try {
    std::string body;
    try {
      const std::vector<unsigned char> bytes = body_task.get();  // done: get() only rethrows
      body.assign(bytes.begin(), bytes.end());
    } catch (const std::exception& e) {
      answer(request,
             error_response(ErrorCode::kBadRequest,
                            std::string("the request body could not be read: ") + e.what()));
      return;
    }
    if (body.size() > max_body_bytes_) {
      answer(request, too_large(max_body_bytes_));
      return;
    }
    const web::uri& uri = request.request_uri();
    HttpRequest incoming{
        request.method(), uri.query().empty() ? uri.path() : uri.path() + "?" + uri.query(),
        bearer_token(request.headers()), std::move(body), request.headers().content_type()};
    if (auto refused = enqueue(Job{request, std::move(incoming)})) answer(request, *refused);
  } catch (const std::exception& e) {
    answer(request,
           error_response(ErrorCode::kInternal, std::string("the server failed: ") + e.what(),
                          /*retryable=*/true));
  }
}

std::optional<HttpResponse> FrontState::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (refusing_ || queue_closed_) {
      return error_response(ErrorCode::kUnavailable,
                            "the server is shutting down; try again shortly",
                            /*retryable=*/true);
    }
    if (jobs_.size() >= max_queued_) {
      return error_response(ErrorCode::kUnavailable, "the server is busy; try again shortly",
                            /*retryable=*/true);
    }
    jobs_.push_back(std::move(job));
  }
  job_ready_.notify_one();
  return std::nullopt;
}

bool FrontState::next_job(Job& job) {
  std::unique_lock lock(mutex_);
  job_ready_.wait(lock, [this] { return !jobs_.empty() || queue_closed_; });
  if (jobs_.empty()) return false;
  job = std::move(jobs_.front());
  jobs_.pop_front();
  return true;
}

void FrontState::run_worker() {
  Job job;
  while (next_job(job)) {
    answer(job.reply_to, service_.handle(job.request));
    job = Job{};
  }
}

void FrontState::answer(const http::http_request& request, const HttpResponse& response) noexcept {
  try {
    http::http_response reply(static_cast<http::status_code>(response.status));
    // A std::string body is sent as its bytes, with the Content-Type given as is.
    reply.set_body(response.body, response.content_type);
    auto self = shared_from_this();
    request.reply(reply).then([self](pplx::task<void> sent) {
      try {
        sent.get();  // done: only rethrows
      } catch (...) {
        // The client went away (or the listener closed): there is no one to tell.
      }
      self->request_finished();
    });
  } catch (...) {
    request_finished();  // already answered by cpprestsdk (connection closed), or no memory
  }
}

void FrontState::request_finished() {
  std::lock_guard lock(mutex_);
  if (--unanswered_ == 0) all_answered_.notify_all();
}

void FrontState::refuse_new_requests() {
  std::lock_guard lock(mutex_);
  refusing_ = true;
}

void FrontState::wait_until_answered(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  all_answered_.wait_for(lock, timeout, [this] { return unanswered_ == 0; });
}

void FrontState::close_queue() {
  {
    std::lock_guard lock(mutex_);
    queue_closed_ = true;
  }
  job_ready_.notify_all();
}

class CpprestHttpFront final : public HttpFront {
 public:
  CpprestHttpFront(std::shared_ptr<FrontState> state, std::unique_ptr<http_listener> listener,
                   std::string url, int workers)
      : state_(std::move(state)), listener_(std::move(listener)), url_(std::move(url)) {
    for (int i = 0; i < workers; ++i) {
      workers_.emplace_back([state = state_] { state->run_worker(); });
    }
  }
  ~CpprestHttpFront() override { stop(); }

  // Called from the owner's thread, never from cpprestsdk's pool: waiting is allowed.
  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    state_->refuse_new_requests();
    state_->wait_until_answered(kDrainTimeout);
    try {
      listener_->close().wait();
    } catch (...) {
      // Closing failed half way: the connections are gone either way.
    }
    state_->close_queue();
    for (auto& worker : workers_) worker.join();
  }

  std::string url() const override { return url_; }

 private:
  std::shared_ptr<FrontState> state_;
  std::unique_ptr<http_listener> listener_;
  std::string url_;
  std::vector<std::thread> workers_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpFront>> HttpFront::start(SyncService& service,
                                                    const HttpFrontOptions& options) {
  if (options.port != 0) return start_on_port(service, options);
  // Any free port: another process may take the one picked before the listener binds
  // it, so a failure to bind is retried with another.
  Result<std::unique_ptr<HttpFront>> started = Status::internal("no port tried");
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto port = free_port(options.address);
    if (!port.ok()) return port.status();
    HttpFrontOptions on_port = options;
    on_port.port = *port;
    started = start_on_port(service, on_port);
    if (started.ok() || started.status().code() != StatusCode::kIOError) return started;
  }
  return started;
}

Result<std::unique_ptr<HttpFront>> HttpFront::start_on_port(SyncService& service,
                                                            const HttpFrontOptions& options) {
  if (options.port < 1 || options.port > 65535) {
    return Status::invalid_argument("the port must be between 0 and 65535, not " +
                                    std::to_string(options.port));
  }
  if (options.address.empty() || options.address.find(':') != std::string::npos) {
    return Status::invalid_argument(
        "the listen address must be an IPv4 address or a host name, not '" + options.address + "'");
  }
  if (options.workers < 1)
    return Status::invalid_argument("the HTTP front needs at least one worker");
  FIELDSYNC_RETURN_IF_ERROR(check_can_listen(options.address, options.port));
  const std::string url = "http://" + options.address + ":" + std::to_string(options.port);
  auto state = std::make_shared<FrontState>(service, options);
  std::unique_ptr<http_listener> listener;
  try {
    listener = std::make_unique<http_listener>(web::uri(url));
    listener->support(
        [state](http::http_request request) { state->on_request(std::move(request)); });
    listener->open().wait();  // start() runs on the owner's thread, not the pool
  } catch (const std::exception& e) {
    return Status::io_error("cannot listen on " + options.address + ":" +
                            std::to_string(options.port) + ": " + e.what());
  }
  return std::unique_ptr<HttpFront>(std::make_unique<CpprestHttpFront>(
      std::move(state), std::move(listener), url, options.workers));
}

}  // namespace fieldsync::server
