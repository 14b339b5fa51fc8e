// The Boost.Beast front behind HttpFront (http_front.h): the only server translation
// unit that includes Boost.Asio and Beast. The order of its checks is in the header.
//
// Threads: io_threads run the io_context (accepting, reading, writing; every
// connection's handlers run on a strand of its own); workers run SyncService::handle,
// which may block on the store, so that no I/O thread ever waits for a transaction.
// A worker hands its answer back to the connection's strand.
//
// serve_in_memory (http_front_in_memory.h) runs the same Connection over Beast's
// in-memory test stream on the caller's thread, which also runs the jobs: the fuzzer's
// way in. Only the stream functions below tell the kinds of stream apart.
#include "http_front.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "http_front_in_memory.h"

namespace fieldsync::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using MemoryStream = beast::test::stream;  // serve_in_memory's

// How long stop() lets requests in flight be answered before closing connections.
constexpr auto kDrainTimeout = std::chrono::seconds(10);
// After an answer that left a body unread, what is read and dropped before the
// connection closes, so that the client reads the answer instead of a reset.
// Enough for a client that writes the whole of a body of the default limit before it
// reads (cpprestsdk does); a connection costs no memory while it lingers.
constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr size_t kLingerBytes = 9 * 1024 * 1024;
// Room for unparsed bytes beyond the headers' limit (see Connection::buffer_).
constexpr size_t kUnparsedBytes = 64 * 1024;
// Event streams (GET /v1/office/events): how often one looks for changes, how often it
// sends a comment when there were none (so a gone peer or a proxy's idle cut shows
// itself), how long one lasts before the browser is made to ask again (showing its
// session again: a signed-out or deactivated user's stream ends within this), and how
// many may be open, in all and from one address: each holds a connection.
constexpr auto kEventTick = std::chrono::seconds(1);
constexpr int kEventHeartbeatTicks = 15;
constexpr int kEventStreamTicks = 10 * 60;
constexpr size_t kMaxEventStreams = 64;
constexpr size_t kMaxEventStreamsPerAddress = 8;

std::string bearer_token(std::string_view value) {
  constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size()) return "";
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return "";
  }
  return std::string(value.substr(scheme.size()));
}

// Whether a read failed on what the client sent (its HTTP), not on the connection.
// A request whose 401 is a wrong guess of a secret: an enrollment code, or a console
// password. Failed ones are counted per address and overall, and slowed (429).
bool guessing_path(const HttpRequest& request) {
  return request.path.rfind("/v1/enroll", 0) == 0 ||
         (request.method == "POST" && request.path.rfind("/v1/office/session", 0) == 0);
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Whether a request target is ASCII, as RFC 9112 has it (any other byte is sent
// percent-encoded). Beast lets bytes over 0x7F through; the service quotes a path it
// does not know in its answer, which must be UTF-8.
bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// What a connection does to its stream besides reading and writing, by kind of stream:
// a deadline for what it does next, closing its sending half, closing. In memory nothing
// is ever waited for (every byte is there, then the end), so there is no deadline.
void expire_after(TcpStream& s, std::chrono::steady_clock::duration d) {
  s.expires_after(d);
}
void expire_after(TlsStream& s, std::chrono::steady_clock::duration d) {
  s.next_layer().expires_after(d);
}
void expire_after(MemoryStream&, std::chrono::steady_clock::duration) {}

void shutdown_send(TcpStream& s) {
  beast::error_code ignored;
  s.socket().shutdown(tcp::socket::shutdown_send, ignored);
}
void shutdown_send(MemoryStream&) {}  // the client reads what was written either way

void close_stream(TcpStream& s) {
  beast::error_code ignored;
  s.socket().close(ignored);
}
void close_stream(TlsStream& s) {
  close_stream(s.next_layer());
}
void close_stream(MemoryStream& s) {
  s.close();
}

// Token buckets by key (an address, a token): thread-safe. Keys whose bucket is full
// again are forgotten when there are many, so memory stays bounded by the keys active
// within one refill time.
class RateBuckets {
 public:
  explicit RateBuckets(RateLimit limit) : limit_(limit) {}

  // 0 when a request may go (and takes its token); otherwise the seconds to wait.
  int64_t take(const std::string& key) { return visit(key, /*take=*/true); }
  // The seconds to wait before one more would be allowed; takes nothing.
  int64_t wait(const std::string& key) { return visit(key, /*take=*/false); }
  // Counts one against `key` (a failure), whatever is left.
  void charge(const std::string& key) {
    if (limit_.per_second <= 0) return;
    std::lock_guard lock(mutex_);
    Bucket& b = refilled(key, std::chrono::steady_clock::now());
    b.tokens = std::max(b.tokens - 1, -limit_.burst);
  }

 private:
  struct Bucket {
    double tokens = 0;
    SteadyTime at;
  };
  static constexpr size_t kForgetAbove = 50'000;

  int64_t visit(const std::string& key, bool take) {
    if (limit_.per_second <= 0) return 0;
    std::lock_guard lock(mutex_);
    Bucket& b = refilled(key, std::chrono::steady_clock::now());
    if (b.tokens >= 1) {
      if (take) b.tokens -= 1;
      return 0;
    }
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - b.tokens) / limit_.per_second)));
  }

  Bucket& refilled(const std::string& key, SteadyTime now) {
    if (buckets_.size() > kForgetAbove) forget_full(now);
    auto [it, added] = buckets_.try_emplace(key, Bucket{limit_.burst, now});
    Bucket& b = it->second;
    if (!added) {
      const double elapsed = std::chrono::duration<double>(now - b.at).count();
      b.tokens = std::min(limit_.burst, b.tokens + elapsed * limit_.per_second);
      b.at = now;
    }
    return b;
  }

  void forget_full(SteadyTime now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double elapsed = std::chrono::duration<double>(now - it->second.at).count();
      if (it->second.tokens + elapsed * limit_.per_second >= limit_.burst) {
        it = buckets_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const RateLimit limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

struct Job {
  HttpRequest request;
  std::function<void(HttpResponse)> reply;  // posts the answer to the connection's strand
};

// What connections, the acceptor and the workers share. Thread-safe.
class FrontState {
 public:
  FrontState(SyncService& service, const HttpFrontOptions& options)
      : service(service),
        options(options),
        new_connections_per_address(options.new_connections_per_address),
        per_address(options.per_address),
        per_token(options.per_token),
        failed_enrollments_per_address(options.failed_enrollments_per_address),
        failed_enrollments_overall(options.failed_enrollments_overall) {}

  SyncService& service;
  const HttpFrontOptions options;
  RateBuckets new_connections_per_address, per_address, per_token, failed_enrollments_per_address,
      failed_enrollments_overall;

  // Connections: false when the new one is over a limit (the caller closes it). Every
  // new connection takes from its address's bucket, refused or not.
  bool connection_opened(const std::string& address) {
    if (new_connections_per_address.take(address) != 0) return false;
    std::lock_guard lock(mutex_);
    size_t& of_address = connections_by_address_[address];
    if (connections_ >= options.max_connections ||
        of_address >= options.max_connections_per_address) {
      if (of_address == 0) connections_by_address_.erase(address);
      return false;
    }
    ++connections_;
    ++of_address;
    return true;
  }
  void connection_closed(const std::string& address) {
    std::lock_guard lock(mutex_);
    --connections_;
    if (--connections_by_address_[address] == 0) connections_by_address_.erase(address);
  }

  // Event streams: false when a new one is over a limit.
  bool event_stream_opened(const std::string& address) {
    std::lock_guard lock(mutex_);
    size_t& of_address = event_streams_by_address_[address];
    if (event_streams_ >= kMaxEventStreams || of_address >= kMaxEventStreamsPerAddress) {
      if (of_address == 0) event_streams_by_address_.erase(address);
      return false;
    }
    ++event_streams_;
    ++of_address;
    return true;
  }
  void event_stream_closed(const std::string& address) {
    std::lock_guard lock(mutex_);
    --event_streams_;
    if (--event_streams_by_address_[address] == 0) event_streams_by_address_.erase(address);
  }

  // Requests read whose answer is not yet written.
  void request_started() {
    std::lock_guard lock(mutex_);
    ++unanswered_;
  }
  void request_answered() {
    std::lock_guard lock(mutex_);
    if (--unanswered_ == 0) all_answered_.notify_all();
  }
  void wait_until_answered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    all_answered_.wait_for(lock, timeout, [this] { return unanswered_ == 0; });
  }

  bool refusing() const { return refusing_.load(); }
  void refuse_new_requests() { refusing_ = true; }

  // Queues a job; false when its queue is full or closed.
  bool enqueue(Job job, bool device) {
    {
      std::lock_guard lock(mutex_);
      const size_t phones_max = options.queued_per_worker * static_cast<size_t>(options.workers);
      auto& queue = device ? device_jobs_ : anonymous_jobs_;
      const size_t max = device ? phones_max : std::max<size_t>(1, phones_max / 4);
      if (queue_closed_ || queue.size() >= max) return false;
      queue.push_back(std::move(job));
    }
    job_ready_.notify_one();
    return true;
  }

  // A worker's loop: phones' jobs first; returns after close_queue() and empty queues.
  void run_worker() {
    while (auto job = next_job(/*wait=*/true)) run(std::move(*job));
  }

  // The job a worker would run next, if one is waiting; never waits (serve_in_memory).
  std::optional<Job> waiting_job() { return next_job(/*wait=*/false); }

  // Runs the service on a job and hands its answer back to the job's connection.
  void run(Job job) {
    HttpResponse answer = service.handle(job.request);
    if (answer.status == 401 && guessing_path(job.request)) {
      failed_enrollments_per_address.charge(job.request.peer_address);
      failed_enrollments_overall.charge("");
    }
    job.reply(std::move(answer));
  }

  // Workers return once the job each is running is done. Jobs still waiting are
  // dropped unrun: their answers could no longer be sent, and a request run without
  // its answer (an enrollment that used its code) would leave the client guessing.
  void close_queue() {
    std::deque<Job> dropped_devices, dropped_anonymous;
    {
      std::lock_guard lock(mutex_);
      queue_closed_ = true;
      dropped_devices.swap(device_jobs_);
      dropped_anonymous.swap(anonymous_jobs_);
    }
    job_ready_.notify_all();
  }

 private:
  std::optional<Job> next_job(bool wait) {
    std::unique_lock lock(mutex_);
    if (wait) {
      job_ready_.wait(lock, [this] {
        return !device_jobs_.empty() || !anonymous_jobs_.empty() || queue_closed_;
      });
    }
    auto& queue = !device_jobs_.empty() ? device_jobs_ : anonymous_jobs_;
    if (queue.empty()) return std::nullopt;
    Job job = std::move(queue.front());
    queue.pop_front();
    return job;
  }

  std::mutex mutex_;
  std::condition_variable job_ready_, all_answered_;
  std::deque<Job> device_jobs_, anonymous_jobs_;
  bool queue_closed_ = false;
  std::atomic<bool> refusing_{false};
  size_t connections_ = 0, event_streams_ = 0;
  std::map<std::string, size_t> connections_by_address_, event_streams_by_address_;
  int64_t unanswered_ = 0;
};

HttpResponse too_large(size_t limit) {
  return error_response(ErrorCode::kTooLarge,
                        "the request body is larger than " + std::to_string(limit) + " bytes");
}

HttpResponse too_many(int64_t wait_s, const std::string& what) {
  HttpResponse r = error_response(ErrorCode::kTooManyRequests,
                                  what + "; try again in " + std::to_string(wait_s) + " s");
  r.retry_after_s = wait_s;
  return r;
}

HttpResponse busy(const std::string& why) {
  HttpResponse r = error_response(ErrorCode::kUnavailable, why, /*retryable=*/true);
  r.retry_after_s = 1;
  return r;
}

// One connection: reads requests one after another and answers each. Stream is
// TcpStream, TlsStream or MemoryStream.
template <class Stream>
class Connection final : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  Connection(std::shared_ptr<FrontState> state, std::string peer, StreamArgs&&... stream_args)
      : state_(std::move(state)),
        peer_(std::move(peer)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        // Bytes read and not yet parsed: a header, a chunk's size line with its
        // extensions, a trailer. Beast limits none of the last two; this does.
        buffer_(state_->options.max_header_bytes + kUnparsedBytes) {}

  ~Connection() {
    if (awaiting_answer_) state_->request_answered();
    if (streaming_) state_->event_stream_closed(client_);
    state_->connection_closed(peer_);
  }

  void start() {
    if constexpr (kTls) {
      expire_after(stream_, state_->options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

 private:
  void read_header() {
    head_request_ = false;
    header_.emplace();
    header_->header_limit(static_cast<std::uint32_t>(state_->options.max_header_bytes));
    // The body's limit depends on who sends it: decided in on_header, not here.
    header_->body_limit(std::numeric_limits<std::uint64_t>::max());
    expire_after(stream_, state_->options.header_timeout);
    http::async_read_header(stream_, buffer_, *header_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec && (!is_parse_error(ec) || ec == http::error::end_of_stream ||
               ec == http::error::partial_message)) {
      return close_now();  // gone, idle too long, or a socket failure: no one to tell
    }
    begin_answer();
    if (ec == http::error::header_limit) {
      return answer_and_close(error_response(
          ErrorCode::kHeadersTooLarge, "the request's headers are larger than " +
                                           std::to_string(state_->options.max_header_bytes) +
                                           " bytes"));
    }
    if (ec) {
      return answer_and_close(error_response(
          ErrorCode::kBadRequest, "the request is not HTTP the server can read: " + ec.message()));
    }
    const auto& head = header_->get();
    head_request_ = head.method() == http::verb::head;
    const size_t fields = static_cast<size_t>(std::distance(head.begin(), head.end()));
    if (fields > state_->options.max_header_fields) {
      return answer_and_close(error_response(
          ErrorCode::kHeadersTooLarge, "the request has " + std::to_string(fields) +
                                           " header fields; at most " +
                                           std::to_string(state_->options.max_header_fields) +
                                           " are read"));
    }
    if (!is_ascii({head.target().data(), head.target().size()})) {
      return answer_and_close(
          error_response(ErrorCode::kBadRequest,
                         "the request target has a byte outside ASCII; send it percent-encoded"));
    }
    if (state_->refusing()) {
      return answer_and_close(busy("the server is shutting down; try again shortly"));
    }
    auto client = client_address(head);
    if (!client.ok()) {
      return answer_and_close(error_response(ErrorCode::kBadRequest, client.status().message()));
    }
    if (int64_t wait = state_->per_address.take(*client)) {
      return answer_and_close(too_many(wait, "too many requests from " + *client));
    }
    request_.method = std::string(head.method_string());
    request_.path = std::string(head.target());
    request_.peer_address = *client;
    client_ = *client;
    request_.tls = kTls;
    const auto authorization = head[http::field::authorization];
    request_.bearer_token = bearer_token({authorization.data(), authorization.size()});
    request_.content_type = std::string(head[http::field::content_type]);
    for (const auto& field : head) {
      if (field.name() == http::field::authorization || field.name() == http::field::content_type)
        continue;
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    Admission admission = state_->service.admit_headers(
        request_.method, request_.path, request_.bearer_token,
        header_value(request_.headers, "Cookie"));
    if (admission.refusal) return answer_and_close(*admission.refusal);
    admission.max_body_bytes = std::min(admission.max_body_bytes, state_->options.max_body_bytes);
    device_ = admission.device;
    if (device_) {
      if (int64_t wait = state_->per_token.take(request_.bearer_token)) {
        return answer_and_close(too_many(wait, "too many requests from this device"));
      }
    } else if (guessing_path(request_)) {
      const int64_t wait = std::max(state_->failed_enrollments_per_address.wait(*client),
                                    state_->failed_enrollments_overall.wait(""));
      if (wait > 0) {
        return answer_and_close(
            too_many(wait, "too many failed enrollments or sign-ins; check and try again later"));
      }
    }
    const auto declared = header_->content_length();
    if (declared && *declared > admission.max_body_bytes) {
      return answer_and_close(too_large(admission.max_body_bytes));
    }
    keep_alive_ = head.keep_alive();
    if (header_->is_done()) return dispatch();
    read_body(admission.max_body_bytes, declared.value_or(admission.max_body_bytes));
  }

  // Who sent the request: the peer, or the client a trusted proxy's X-Forwarded-For names.
  Result<std::string> client_address(const http::request_header<>& head) const {
    const TrustedProxies& proxies = state_->options.trusted_proxies;
    if (proxies.empty()) return peer_;
    std::vector<std::string_view> forwarded_for;
    for (const auto& field : head) {
      if (beast::iequals(field.name_string(), "X-Forwarded-For")) {
        forwarded_for.emplace_back(field.value().data(), field.value().size());
      }
    }
    return proxies.client_address(peer_, forwarded_for);
  }

  void read_body(size_t limit, uint64_t expected) {
    body_.emplace(std::move(*header_));
    header_.reset();
    body_->body_limit(limit);
    const auto allowance = std::chrono::seconds(
        static_cast<int64_t>(expected / std::max<size_t>(1, state_->options.min_body_rate)));
    expire_after(stream_, state_->options.body_timeout + allowance);
    http::async_read(stream_, buffer_, *body_,
                     [self = this->shared_from_this(), limit](beast::error_code ec, size_t) {
                       if (ec == http::error::body_limit) {
                         return self->answer_and_close(too_large(limit));
                       }
                       if (ec && (!is_parse_error(ec) || ec == http::error::partial_message)) {
                         return self->close_now();
                       }
                       if (ec) {
                         return self->answer_and_close(error_response(
                             ErrorCode::kBadRequest,
                             "the request body could not be read: " + ec.message()));
                       }
                       self->request_.body = std::move(self->body_->get().body());
                       self->body_.reset();
                       self->dispatch();
                     });
  }

  void dispatch() {
    header_.reset();
    // A worker holds the connection until its answer is handed back to the strand.
    auto self = this->shared_from_this();
    auto reply = [self](HttpResponse answer) {
      net::post(self->stream_.get_executor(),
                [self, answer = std::move(answer)]() mutable { self->answer(std::move(answer)); });
    };
    if (!state_->enqueue(Job{std::move(request_), std::move(reply)}, device_)) {
      request_ = HttpRequest{};
      answer(busy("the server is busy; try again shortly"));
    }
    request_ = HttpRequest{};
  }

  void begin_answer() {
    awaiting_answer_ = true;
    state_->request_started();
  }

  // Answers, then closes: the rest of the request (a body) is not read.
  void answer_and_close(HttpResponse response) {
    keep_alive_ = false;
    unread_body_ = true;
    answer(std::move(response));
  }

  void answer(HttpResponse r) {
    if constexpr (!std::is_same_v<Stream, MemoryStream>) {  // in memory: answered whole
      if (r.status == 200 && r.content_type == kEventStreamType && !head_request_) {
        return open_event_stream(std::move(r));
      }
    }
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    out->set(http::field::server, "fieldsync");
    out->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) out->insert(name, value);
    if (r.retry_after_s > 0) out->set(http::field::retry_after, std::to_string(r.retry_after_s));
    out->body() = std::move(r.body);
    out->keep_alive(keep_alive_ && !state_->refusing());
    out->prepare_payload();
    // An answer to HEAD gives the length a GET would get, and no body: bytes after it
    // would be read as the start of the next answer.
    if (head_request_) out->body().clear();
    expire_after(stream_, state_->options.write_timeout);
    http::async_write(stream_, *out,
                      [self = this->shared_from_this(), out](beast::error_code ec, size_t) {
                        self->on_written(ec, out->keep_alive());
                      });
  }

  void on_written(beast::error_code ec, bool keep_alive) {
    if (awaiting_answer_) {
      awaiting_answer_ = false;
      state_->request_answered();
    }
    if (ec) return close_now();
    if (!keep_alive) return close_gracefully();
    read_header();
  }

  // A stream of server-sent events: the header with no length (the stream ends when the
  // connection does), the answer's body, then "event: change" when the service's
  // changes() has grown since the last one, a comment line after kEventHeartbeatTicks
  // quiet ticks, until a write fails (the client is gone or too slow), the server stops,
  // or kEventStreamTicks have passed.
  void open_event_stream(HttpResponse r) {
    if (!state_->event_stream_opened(client_)) {
      return answer_and_close(
          busy("too many open event streams; the page updates when it is loaded again"));
    }
    streaming_ = true;
    seen_changes_ = state_->service.changes();
    auto head = std::make_shared<http::response<http::empty_body>>(http::status::ok, 11);
    head->set(http::field::server, "fieldsync");
    head->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) head->insert(name, value);
    head->keep_alive(false);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    expire_after(stream_, state_->options.write_timeout);
    http::async_write_header(stream_, *serializer,
                             [self = this->shared_from_this(), head, serializer,
                              first = std::move(r.body)](beast::error_code ec, size_t) mutable {
                               self->awaiting_answer_ = false;
                               self->state_->request_answered();
                               if (ec) return self->end_event_stream();
                               self->ticker_.emplace(self->stream_.get_executor());
                               self->send_event(std::move(first));
                               self->tick();
                             });
  }

  void tick() {
    ticker_->expires_after(kEventTick);
    ticker_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->stream_ended_) return;
      if (self->state_->refusing() || ++self->ticks_ >= kEventStreamTicks) {
        return self->end_event_stream();
      }
      const int64_t changes = self->state_->service.changes();
      if (changes != self->seen_changes_ && !self->event_writing_) {
        self->seen_changes_ = changes;
        self->quiet_ticks_ = 0;
        self->send_event("event: change\ndata: " + std::to_string(changes) + "\n\n");
      } else if (++self->quiet_ticks_ >= kEventHeartbeatTicks && !self->event_writing_) {
        self->quiet_ticks_ = 0;
        self->send_event(":\n\n");
      }
      self->tick();
    });
  }

  void send_event(std::string text) {
    event_writing_ = true;
    auto out = std::make_shared<std::string>(std::move(text));
    expire_after(stream_, state_->options.write_timeout);
    net::async_write(stream_, net::buffer(*out),
                     [self = this->shared_from_this(), out](beast::error_code ec, size_t) {
                       self->event_writing_ = false;
                       if (ec) self->end_event_stream();
                     });
  }

  void end_event_stream() {
    if (stream_ended_) return;
    stream_ended_ = true;
    if (ticker_) ticker_->cancel();
    close_now();
  }

  void close_gracefully() {
    if constexpr (kTls) {
      expire_after(stream_, kLingerTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      shutdown_send(stream_);
      if (!unread_body_) return close_now();
      // The client may still be sending the body the answer refused; closing with
      // unread bytes would reset the connection and lose the answer on its way.
      expire_after(stream_, kLingerTime);
      linger_.resize(16 * 1024);
      linger();
    }
  }

  void linger() {
    stream_.async_read_some(net::buffer(linger_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ >= kLingerBytes) return self->close_now();
                              self->linger();
                            });
  }

  void close_now() { close_stream(stream_); }

  std::shared_ptr<FrontState> state_;
  const std::string peer_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_;
  std::optional<http::request_parser<http::string_body>> body_;
  HttpRequest request_;
  bool device_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;  // the request being answered is a HEAD
  bool awaiting_answer_ = false;
  bool unread_body_ = false;
  std::vector<char> linger_;
  size_t lingered_ = 0;
  std::string client_;  // the client's address (a trusted proxy's X-Forwarded-For)
  // An event stream's state, on the connection's strand.
  bool streaming_ = false, stream_ended_ = false, event_writing_ = false;
  int64_t seen_changes_ = 0;
  int ticks_ = 0, quiet_ticks_ = 0;
  std::optional<net::steady_timer> ticker_;
};

class BeastHttpFront final : public HttpFront {
 public:
  BeastHttpFront(std::shared_ptr<FrontState> state, std::unique_ptr<ssl::context> tls)
      : state_(std::move(state)),
        tls_(std::move(tls)),
        acceptor_(net::make_strand(io_)),
        retry_timer_(acceptor_.get_executor()) {}
  ~BeastHttpFront() override { stop(); }

  Status listen() {
    const HttpFrontOptions& o = state_->options;
    const std::string where = o.address + ":" + std::to_string(o.port);
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto found = resolver.resolve(tcp::v4(), o.address, std::to_string(o.port), ec);
    if (ec || found.empty()) {
      return Status::invalid_argument("cannot listen on " + where + ": " +
                                      (ec ? ec.message() : "no IPv4 address"));
    }
    const tcp::endpoint endpoint = found.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::io_error("cannot listen on " + where + ": " + ec.message());
    url_ = std::string(tls_ ? "https://" : "http://") + o.address + ":" +
           std::to_string(acceptor_.local_endpoint().port());
    accept();
    for (int i = 0; i < o.workers; ++i) workers_.emplace_back([s = state_] { s->run_worker(); });
    for (int i = 0; i < std::max(1, o.io_threads); ++i) io_threads_.emplace_back([this] { io_.run(); });
    return Status();
  }

  // Called from the owner's thread: waiting is allowed.
  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    state_->refuse_new_requests();
    state_->wait_until_answered(kDrainTimeout);
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
    });
    io_.stop();
    for (auto& t : io_threads_) t.join();
    state_->close_queue();
    for (auto& w : workers_) w.join();
  }

  std::string url() const override { return url_; }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, say: wait a moment rather than spin.
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](beast::error_code waited) {
          if (!waited) accept();
        });
        return;
      }
      beast::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      const std::string address = peer_ec ? std::string("?") : peer.address().to_string();
      if (!state_->connection_opened(address)) {
        socket.close(peer_ec);
      } else if (tls_) {
        std::make_shared<Connection<TlsStream>>(state_, address, std::move(socket), *tls_)->start();
      } else {
        std::make_shared<Connection<TcpStream>>(state_, address, std::move(socket))->start();
      }
      accept();
    });
  }

  std::shared_ptr<FrontState> state_;
  std::unique_ptr<ssl::context> tls_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::vector<std::thread> io_threads_, workers_;
  std::string url_;
  bool stopped_ = false;
};

Result<std::unique_ptr<ssl::context>> tls_context(const HttpFrontOptions& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return Status::invalid_argument("TLS needs both a certificate (--tls-cert) and its key (--tls-key)");
  }
  if (o.tls_cert_file.empty()) return std::unique_ptr<ssl::context>();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) {
    return Status::invalid_argument("cannot read the TLS certificate " + o.tls_cert_file + ": " +
                                    ec.message());
  }
  context->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return Status::invalid_argument("cannot read the TLS key " + o.tls_key_file + " (or it is not "
                                    "the certificate's key): " + ec.message());
  }
  return context;
}

}  // namespace

Result<std::unique_ptr<HttpFront>> HttpFront::start(SyncService& service,
                                                    const HttpFrontOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::invalid_argument("the port must be between 0 and 65535, not " +
                                    std::to_string(options.port));
  }
  if (options.address.empty() || options.address.find(':') != std::string::npos) {
    return Status::invalid_argument(
        "the listen address must be an IPv4 address or a host name, not '" + options.address + "'");
  }
  if (options.workers < 1)
    return Status::invalid_argument("the HTTP front needs at least one worker");
  auto tls = tls_context(options);
  if (!tls.ok()) return tls.status();
  auto front = std::make_unique<BeastHttpFront>(std::make_shared<FrontState>(service, options),
                                                std::move(tls).value());
  FIELDSYNC_RETURN_IF_ERROR(front->listen());
  return std::unique_ptr<HttpFront>(std::move(front));
}

InMemoryOutcome serve_in_memory(SyncService& service, const HttpFrontOptions& options,
                                const InMemoryExchange& exchange) {
  auto state = std::make_shared<FrontState>(service, options);
  InMemoryOutcome outcome;
  net::io_context io;  // outlives both streams, as Beast's test stream requires
  beast::test::fail_count failure(exchange.fail_at > 0 ? exchange.fail_at
                                                       : std::numeric_limits<size_t>::max());
  MemoryStream client(io);
  {
    MemoryStream server(io, failure);
    client.connect(server);
    server.append(exchange.sent);
    server.close_remote();  // the client sends nothing more: a read past `sent` ends
    if (exchange.read_size > 0) server.read_size(exchange.read_size);
    if (!state->connection_opened(exchange.peer_address)) return outcome;
    std::make_shared<Connection<MemoryStream>>(state, exchange.peer_address, std::move(server))
        ->start();
  }
  // The connection runs until it waits for an answer or is done; then the job it queued
  // runs here, as a worker would run it, and its answer goes back to the connection.
  for (;;) {
    io.run();
    std::optional<Job> job = state->waiting_job();
    if (!job) break;
    outcome.handled.push_back(job->request);
    state->run(std::move(*job));
    io.restart();
  }
  outcome.received = std::string(client.str());
  return outcome;
}

}  // namespace fieldsync::server
