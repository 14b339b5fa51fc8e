// docs/server.md, "Behind nginx", run once: Debian's nginx (/usr/sbin/nginx, installed
// by .ci/deps.sh) started by the test as whoever runs it, in one process (no master,
// no daemon), with its pid file, logs and temporary folders in the test's folder. It
// gives TLS on a free 127.0.0.1 port with a throwaway CA's certificate and passes the
// requests to the real fieldsync-server on another loopback port, started with the
// options the docs give for a server behind a proxy.
//
// The server block is the documented one, read from docs/server.md with only its
// address, certificate paths and upstream port replaced, so the docs and the test
// cannot drift apart. A phone (the `fieldsync` command line) enrolls through nginx with
// the CA file and the key pin, records a payment and a visit with a photo, and syncs;
// the records and the photo reach the server. The largest request a phone sends (a
// 4 MiB chunk, above nginx's default body limit) passes too. Two clients at two
// loopback addresses (127.0.0.2, 127.0.0.3; TLS with OpenSSL here) have failed-enrollment
// budgets of their own: the server reads the address nginx forwards.
//
// nginx missing or not starting fails the test: it is never skipped. nginx is stopped
// at the end, with a bounded wait.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fieldsync/attachments.h"
#include "fieldsync/protocol.h"
#include "loopback_tls.h"
#include "raw_http.h"
#include "server_world.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr milliseconds kNginxDeadline{10000};

// The nginx server block of docs/server.md, "Behind nginx": the first fenced block
// after that heading.
std::string documented_server_block() {
  std::ifstream doc(FIELDSYNC_SERVER_DOC);
  std::stringstream text;
  text << doc.rdbuf();
  const std::string all = text.str();
  const size_t heading = all.find("#### Behind nginx");
  const size_t open = heading == std::string::npos ? heading : all.find("```\n", heading);
  const size_t close = open == std::string::npos ? open : all.find("```\n", open + 4);
  if (close == std::string::npos) return "";
  return all.substr(open + 4, close - open - 4);
}

// Replaces the one occurrence of `from` in `text`; false when there is not exactly one.
bool replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) return false;
  text.replace(at, from.size(), to);
  return true;
}

// A loopback port that was free a moment ago: bound, read and released. nginx cannot
// report a port it chose itself, so a start that loses the port to another process is
// retried on a new one.
int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// Sends `request` over TLS to 127.0.0.1:port from the loopback address `from`, checking
// the certificate against `ca_file` and its address, and reads until the server closes
// (or 5 s without a byte). Status 0 when no answer came.
RawAnswer tls_exchange(int port, const std::string& from, const std::string& ca_file,
                       const std::string& request) {
  RawAnswer answer;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return answer;
  const timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in source{}, server{};
  source.sin_family = server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(port));
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> tls(nullptr, SSL_free);
  if (inet_pton(AF_INET, from.c_str(), &source.sin_addr) == 1 &&
      bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0 &&
      connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0 && context &&
      SSL_CTX_load_verify_locations(context.get(), ca_file.c_str(), nullptr) == 1) {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    tls.reset(SSL_new(context.get()));
  }
  if (tls && SSL_set_fd(tls.get(), fd) == 1 &&
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls.get()), "127.0.0.1") == 1 &&
      SSL_connect(tls.get()) == 1 &&
      SSL_write(tls.get(), request.data(), static_cast<int>(request.size())) ==
          static_cast<int>(request.size())) {
    char buffer[4096];
    for (int n; (n = SSL_read(tls.get(), buffer, sizeof buffer)) > 0;)
      answer.text.append(buffer, n);
  }
  tls.reset();
  close(fd);
  answer.status = status_of(answer.text);
  return answer;
}

// nginx as a child of the test, with everything it writes under `folder`. The
// destructor stops one still running (SIGKILL after the bounded wait of stop()).
class NginxProcess {
 public:
  explicit NginxProcess(std::string folder) : folder_(std::move(folder)) {}
  ~NginxProcess() { stop(); }

  // Writes nginx.conf around `server_block`, checks it with `nginx -t`, starts nginx
  // and waits until it accepts connections on `port`. What went wrong otherwise.
  Status start(const std::string& server_block, int port) {
    const std::string conf = folder_ + "/nginx.conf";
    std::ofstream(conf) << "daemon off;\n"
                        << "master_process off;\n"
                        << "pid " << folder_ << "/nginx.pid;\n"
                        << "error_log " << folder_ << "/error.log warn;\n"
                        << "events { worker_connections 64; }\n"
                        << "http {\n"
                        << "    access_log " << folder_ << "/access.log;\n"
                        << "    client_body_temp_path " << folder_ << "/body;\n"
                        << "    proxy_temp_path " << folder_ << "/proxy;\n"
                        << "    fastcgi_temp_path " << folder_ << "/fastcgi;\n"
                        << "    uwsgi_temp_path " << folder_ << "/uwsgi;\n"
                        << "    scgi_temp_path " << folder_ << "/scgi;\n"
                        << server_block << "}\n";
    // -p: the prefix for relative paths; -e: the log of what happens before the
    // configuration is read (the built-in one is under /var/log).
    const std::vector<std::string> args = {"-p", folder_ + "/", "-e", folder_ + "/error.log",
                                           "-c", conf};
    std::vector<std::string> check = args;
    check.push_back("-t");
    ProcessResult checked = run_process(kNginx, check);
    if (checked.exit_code != 0) {
      return Status::unavailable("nginx -t refused the configuration (exit " +
                                 std::to_string(checked.exit_code) + "; is nginx installed? " +
                                 ".ci/deps.sh installs it): " + checked.err);
    }
    std::string error;
    child_ = ChildProcess::start(kNginx, args, error);
    if (!child_) return Status::unavailable(error);
    const auto deadline = steady_clock::now() + kNginxDeadline;
    while (steady_clock::now() < deadline) {
      if (child_->exited()) {
        const int code = child_->wait();
        child_.reset();
        return Status::unavailable("nginx exited with " + std::to_string(code) +
                                   " before it accepted connections: " + error_log());
      }
      // nginx writes its pid file once it holds its port: a connection before that
      // would be to someone else.
      if (std::filesystem::exists(folder_ + "/nginx.pid") && RawConnection(port).connected()) {
        return Status();
      }
      std::this_thread::sleep_for(milliseconds(20));  // the next look at the port
    }
    return Status::unavailable("nginx did not accept connections on port " + std::to_string(port) +
                               " within 10 s: " + error_log());
  }

  // Stops nginx (SIGQUIT: it finishes what is in flight) and waits up to 10 s, then
  // kills it. Its exit code; -1 when none was running.
  int stop() {
    if (!child_) return -1;
    child_->signal(SIGQUIT);
    const auto deadline = steady_clock::now() + kNginxDeadline;
    while (!child_->exited() && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (!child_->exited()) child_->signal(SIGKILL);
    const int code = child_->wait();
    child_.reset();
    return code;
  }

  bool running() const { return child_ != nullptr; }
  std::string error_log() const { return read_file(folder_ + "/error.log"); }
  std::string access_log() const { return read_file(folder_ + "/access.log"); }

 private:
  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string folder_;
  std::unique_ptr<ChildProcess> child_;
};

// Whether nginx could not start because another process took its port first.
bool lost_its_port(const Status& started) {
  return started.message().find("Address already in use") != std::string::npos;
}

// The server behind nginx as docs/server.md deploys it, started before each test and
// stopped after it.
class NginxTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    // The server as the docs run it behind nginx: loopback, plain HTTP, nginx's
    // X-Forwarded-For believed, limits per TCP peer raised because every connection
    // comes from nginx's address.
    ASSERT_EQ(server_.stop(), 0);
    server_.set_serve_options({"--trusted-proxy", "127.0.0.1", "--max-connections-per-address",
                               "1024", "--new-connections-per-address", "1000"});
    ASSERT_TRUE(server_.start_again().ok());
    ASSERT_EQ(server_.url().rfind("http://", 0), 0u) << server_.url();
    tls_ = must(make_loopback_tls(dir_.path().string() + "/tls"));
    start_nginx();
  }

  void TearDown() override {
    if (nginx_ && nginx_->running()) {
      EXPECT_EQ(nginx_->stop(), 0) << nginx_->error_log();
    }
    ServerTest::TearDown();
  }

  // Starts nginx with the documented server block, only its addresses and paths
  // changed; a start that lost its port is tried on another.
  void start_nginx() {
    const std::string documented = documented_server_block();
    ASSERT_NE(documented.find("server {"), std::string::npos)
        << "no nginx server block under \"Behind nginx\" in " << FIELDSYNC_SERVER_DOC;
    const std::string folder = dir_.path().string() + "/nginx";
    std::filesystem::create_directories(folder);
    nginx_ = std::make_unique<NginxProcess>(folder);
    Status started;
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_loopback_port();
      ASSERT_GT(port_, 0);
      std::string block = documented;
      ASSERT_TRUE(replace_once(block, "listen 443 ssl;",
                               "listen 127.0.0.1:" + std::to_string(port_) + " ssl;"))
          << block;
      ASSERT_TRUE(replace_once(block, "/etc/fieldsync/tls/server.pem", tls_.cert_file)) << block;
      ASSERT_TRUE(replace_once(block, "/etc/fieldsync/tls/server.key", tls_.key_file)) << block;
      ASSERT_TRUE(
          replace_once(block, "proxy_pass http://127.0.0.1:8080;",
                       "proxy_pass http://127.0.0.1:" + std::to_string(server_.port()) + ";"))
          << block;
      started = nginx_->start(block, port_);
      if (!lost_its_port(started)) break;
    }
    ASSERT_TRUE(started.ok()) << started.to_string();
  }

  // What phones are given: nginx's address, never the server's.
  std::string through_nginx() const { return "https://127.0.0.1:" + std::to_string(port_); }

  LoopbackCertificate tls_;
  std::unique_ptr<NginxProcess> nginx_;
  int port_ = 0;
};

TEST_F(NginxTest, APhoneEnrollsWithTheCaAndThePinAndItsRecordsAndPhotoReachTheServer) {
  admin({"user", "add", "nina", "--role", "collector"});
  admin({"assign", "nina", "--building", ref_.building_a});
  const std::string code = admin({"enroll-code", "nina"});
  const std::string db = dir_.file("nina.db");
  ProcessResult enrolled = phone_cli(db, {"enroll", "--server", through_nginx(), "--code", code,
                                          "--ca-file", tls_.ca_file, "--pin", tls_.pin});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err << nginx_->error_log();
  ASSERT_EQ(phone_cli(db, {"sync"}).exit_code, 0) << nginx_->error_log();

  ProcessResult paid =
      phone_cli(db, {"--json", "pay", "--household", ref_.household_a, "--amount", "120.00"});
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  const std::string payment_id = Json::parse(paid.out).value("id", "");
  ProcessResult visited =
      phone_cli(db, {"--json", "visit", "--household", ref_.household_a, "--outcome", "paid_full"});
  ASSERT_EQ(visited.exit_code, 0) << visited.err;
  const std::string visit_id = Json::parse(visited.out).value("id", "");
  // A photo of three chunks of a megabyte (the phone's chunk), which nginx buffers to
  // its temporary folder on the way.
  const std::string photo = dir_.file("receipt.jpg");
  const std::string hash = write_photo(photo, 3 * 1024 * 1024 + 100, 7);
  ProcessResult attached = phone_cli(db, {"attach", "fee_visits", visit_id, photo});
  ASSERT_EQ(attached.exit_code, 0) << attached.err;
  ProcessResult synced = phone_cli(db, {"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err << nginx_->error_log();

  ServerRecords server = server_records();
  EXPECT_TRUE(server.count(payment_id)) << "the payment did not reach the server";
  EXPECT_TRUE(server.count(visit_id)) << "the visit did not reach the server";
  EXPECT_EQ(of_collection(server, "attachments").size(), 1u);
  auto stored = Sha256::of_file(server_.database() + ".blobs/" + hash);
  ASSERT_TRUE(stored.ok()) << "the photo's bytes did not reach the server: "
                           << stored.status().to_string();
  EXPECT_EQ(*stored, hash);
  // It all went through nginx: its log has the enrollment, the syncs and the chunks.
  const std::string log = nginx_->access_log();
  for (const char* request :
       {"POST /v1/enroll", "POST /v1/push", "POST /v1/pull", "PUT /v1/blobs/"}) {
    EXPECT_NE(log.find(request), std::string::npos) << request << " not in nginx's log:\n" << log;
  }
}

TEST_F(NginxTest, TheLargestChunkAPhoneSendsPassesNginx) {
  // A chunk of kMaxBlobChunk (4 MiB), the largest request body a phone sends: the
  // documented client_max_body_size admits it, where nginx's default (1m) answers 413.
  CpprestTransportOptions options;
  options.ca_file = tls_.ca_file;
  options.pin = tls_.pin;
  options.request_timeout = std::chrono::seconds(10);
  FieldDevice& olga =
      enroll_through(through_nginx(), options, "olga", "collector", {ref_.building_a});
  ReplicatorOptions big_chunks;
  big_chunks.sleeper = &sleeper_;
  big_chunks.blob_chunk = kMaxBlobChunk;
  olga.replicator = std::make_unique<Replicator>(*olga.store, *olga.link, big_chunks);
  olga.sync();  // the household, to visit it
  FeeVisitInput visit;
  visit.household = ref_.household_a;
  visit.outcome = "not_home";
  const std::string visit_id = must(olga.work().record_visit(visit)).id;
  const std::string photo = dir_.file("door.jpg");
  const std::string hash = write_photo(photo, kMaxBlobChunk + 100, 8);
  must(AttachmentStore(*olga.store).attach("fee_visits", visit_id, photo));

  SyncReport report = olga.sync();
  EXPECT_EQ(report.blobs_uploaded, 1) << nginx_->error_log();
  auto stored = Sha256::of_file(server_.database() + ".blobs/" + hash);
  EXPECT_TRUE(stored.ok() && *stored == hash) << "the 4 MiB chunk did not pass nginx";
  EXPECT_NE(nginx_->access_log().find("PUT /v1/blobs/"), std::string::npos);
}

TEST_F(NginxTest, TwoClientsBehindNginxHaveFailedEnrollmentBudgetsOfTheirOwn) {
  // A client guessing codes, that also claims another address in X-Forwarded-For.
  auto wrong_code = [](int n, const std::string& claimed) {
    EnrollRequest guess;
    guess.enrollment_code = "ZZZZ" + std::to_string(1000 + n);
    guess.schema_version = Schema::property_management().version();
    const std::string body = encode(guess);
    return "POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Content-Type: application/json\r\nX-Forwarded-For: " +
           claimed + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  // 10 failures per address, refilled at one every 5 s: spent within 20 guesses, each
  // claiming a new address.
  RawAnswer limited;
  for (int i = 0; i < 20 && limited.status != 429; ++i) {
    limited = tls_exchange(port_, "127.0.0.2", tls_.ca_file,
                           wrong_code(i, "198.51.100." + std::to_string(i + 1)));
    ASSERT_NE(limited.status, 0) << "guess " << i << " got no answer: " << nginx_->error_log();
  }
  ASSERT_EQ(limited.status, 429) << "20 wrong codes were all tried: " << limited.text;
  EXPECT_NE(limited.text.find("too many failed enrollments"), std::string::npos) << limited.text;
  // Another client behind the same nginx may still try (and fail): 401, not 429.
  RawAnswer other = tls_exchange(port_, "127.0.0.3", tls_.ca_file, wrong_code(0, "198.51.100.1"));
  EXPECT_EQ(other.status, 401) << other.text << nginx_->error_log();
}

}  // namespace
}  // namespace fieldsync::testing
