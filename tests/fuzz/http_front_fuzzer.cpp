// Fuzzes the server's HTTP front (server-stub/src/http_front.cpp) with what a client
// sends on one connection: its own Connection, limits and gate, through
// serve_in_memory (http_front_in_memory.h), with a real SyncService over a SQLite
// store behind it. Input: byte 0 says how the bytes arrive (below), the rest is what
// the client sends; then it stops sending. Byte 0 '@' (0x40) delivers them at once
// with no failure, as most seeds do.
//   byte 0 % 8:  the most bytes one read of the front takes: all, 1, 2, 3, 7, 64, 500, 1500;
//   byte 0 & 8:  the front's read or write number (byte 0 >> 4) + 1 fails, and every
//                one after it, as on a broken connection.
// The limits are small so that inputs reach them: headers 1 KiB and 16 fields, bodies
// 1 KiB, 20 requests a connection (10 with a token, 2 failed enrollments). One store is
// reused across inputs (on /dev/shm when there is one) and starts over every
// kRequestsPerStore requests handled; it holds alice's device, whose token is
// kAliceToken (in the dictionary), assigned to a building with one household, and
// bob's, revoked, kRevokedToken.
//
// Invariants, with no failure injected: what the front writes back is a series of
// whole HTTP responses (one to a HEAD without a body) and nothing else; each has a
// status the front or the service documents (a 500, the server failing on a client's
// bytes, is a bug), and an error's body names a code of that status; the requests of
// `sent` that are whole (read here by Beast's parser with no limits) are answered one
// each, in order, until an answer closes the connection, which only the last answer
// does and which may answer a request that is not whole (refused from its headers) or
// not HTTP; a request that asks to close is answered with a close. Always: every
// request that reaches SyncService::handle has a body no larger than the limit, is one
// that `sent` holds whole, with that method, target and body, in order; a request on a
// device's path there carries alice's token; nothing throws, crashes, leaks or trips
// ASan/UBSan.
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/clock.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/server/sync_service.h"
#include "fuzz_check.h"
#include "http_front_in_memory.h"

namespace fieldsync::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using server::ServerStore;

constexpr int64_t kSaturdayMorning = 1795856400000LL;  // 2026-11-28T09:00:00Z
constexpr int64_t kRequestsPerStore = 2000;
constexpr size_t kMaxBody = 1024;

const char* const kAliceToken = "fuzz-alice-token-4e7d1c";
const char* const kRevokedToken = "fuzz-revoked-token-9b2a";
// The records of the store (tests/fuzz/corpus/http_front_fuzzer uses them).
const char* const kEstate = "11111111-1111-7111-8111-111111111111";
const char* const kBuilding = "22222222-2222-7222-8222-222222222222";
const char* const kUnit = "33333333-3333-7333-8333-333333333333";
const char* const kHousehold = "44444444-4444-7444-8444-444444444444";

template <class T>
T must(Result<T> result, const char* what) {
  FUZZ_CHECK(result.ok(), std::string(what) + ": " + result.status().to_string());
  return std::move(result).value();
}
void must(const Status& status, const char* what) {
  FUZZ_CHECK(status.ok(), std::string(what) + ": " + status.to_string());
}

server::HttpFrontOptions front_options() {
  server::HttpFrontOptions o;
  o.max_header_bytes = 1024;
  o.max_header_fields = 16;
  o.max_body_bytes = kMaxBody;  // under the service's own limit: the front's is the one
  // Bursts a few requests long, refilled too slowly to matter within one input.
  o.per_address = {1, 20};
  o.per_token = {1, 10};
  o.failed_enrollments_per_address = {0.1, 2};
  // The fuzzer's peer (InMemoryExchange's 192.0.2.1) is a proxy: X-Forwarded-For is read.
  o.trusted_proxies = must(server::TrustedProxies::parse({"192.0.2.0/24"}), "trusted proxies");
  return o;
}

class FuzzWorld {
 public:
  FuzzWorld() : clock_(kSaturdayMorning) {
    const std::filesystem::path root = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    folder_ = root / ("fieldsync-front-fuzz-" + std::to_string(getpid()));
    start_over();
  }
  ~FuzzWorld() {
    service_.reset();
    blobs_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  server::SyncService& service() { return *service_; }

  void count_handled(size_t n) {
    handled_ += static_cast<int64_t>(n);
    if (handled_ >= kRequestsPerStore) start_over();
  }

 private:
  void start_over() {
    handled_ = 0;
    service_.reset();
    blobs_.reset();
    store_.reset();
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
    store_ = must(server::open_sqlite_server_store((folder_ / "server.db").string()), "store");
    blobs_ = must(server::BlobStore::open((folder_ / "blobs").string()), "blobs");
    const Schema& schema = Schema::property_management();
    server::OfficeAdmin admin(*store_, schema, clock_);
    must(admin.create_record("estates", {{"name", "Riverside"}}, kEstate), "estate");
    must(admin.create_record("buildings", {{"estate", kEstate}, {"name", "Block A"}}, kBuilding),
         "building");
    must(admin.create_record("units", {{"building", kBuilding}, {"number", "A-101"}}, kUnit),
         "unit");
    must(admin.create_record("households", {{"unit", kUnit}, {"owner_name", "Wang"}}, kHousehold),
         "household");
    must(admin.add_user("alice", "collector"), "alice");
    must(admin.assign("alice", "building", kBuilding), "assign");
    must(admin.add_user("bob", "collector"), "bob");
    add_device("alice", "FZAA", kAliceToken);
    add_device("bob", "FZBB", kRevokedToken);
    must(admin.revoke_device("FZBB"), "revoke");
    service_ = std::make_unique<server::SyncService>(*store_, schema, clock_,
                                                     server::SyncServiceOptions{}, blobs_.get());
  }

  void add_device(const std::string& user, const std::string& code, const std::string& token) {
    auto txn = must(store_->begin(true), "begin");
    server::Device device;
    device.id = "0193a6f2-0000-7000-8000-0000000" + code;
    device.user = user;
    device.device_code = code;
    device.created_ms = clock_.now_ms();
    must(txn->put_device(device, server::secret_hash(token)), "device");
    must(txn->commit(), "commit");
  }

  ManualClock clock_;
  std::filesystem::path folder_;
  std::unique_ptr<ServerStore> store_;
  std::unique_ptr<server::BlobStore> blobs_;
  std::unique_ptr<server::SyncService> service_;
  int64_t handled_ = 0;
};

FuzzWorld* world = nullptr;

// Feeds `text` from `at` to a Beast parser with no limits until its message is whole
// (true, `at` past it), the text ends first, or the parser refuses it (false). (A body
// longer than the text cannot be whole: that limit only keeps the parser from reserving
// what a Content-Length claims.)
template <class Parser>
bool parse_one(Parser& parser, std::string_view text, size_t& at) {
  parser.header_limit(std::numeric_limits<std::uint32_t>::max());
  parser.body_limit(text.size());
  parser.eager(true);
  while (!parser.is_done()) {
    beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(text.data() + at, text.size() - at), ec);
    at += used;
    if (ec == http::error::need_more && used > 0) continue;
    if (ec || used == 0) return false;
  }
  return true;
}

// A request of `sent`, as a client means it.
struct SentRequest {
  std::string method, target, body;
  bool keep_alive = true;
  bool whole = true;  // false: its headers are there, not all of the rest (or it is not HTTP)
};

// The requests `sent` holds whole, in order, up to the first that is not (cut short, or
// not HTTP); then that one too when its headers can be read.
std::vector<SentRequest> requests_in(std::string_view sent) {
  std::vector<SentRequest> out;
  size_t at = 0;
  while (at < sent.size()) {
    http::request_parser<http::string_body> parser;
    const bool whole = parse_one(parser, sent, at);
    if (!whole && !parser.is_header_done()) break;
    const auto& m = parser.get();
    out.push_back(
        {std::string(m.method_string()), std::string(m.target()), m.body(), m.keep_alive(), whole});
    if (!whole) break;
  }
  return out;
}

size_t whole_count(const std::vector<SentRequest>& requests) {
  return requests.empty() || requests.back().whole ? requests.size() : requests.size() - 1;
}

struct Answer {
  int status = 0;
  bool keep_alive = true;
  bool to_head = false;  // so without a body
  std::string body;
};

// Everything the front wrote, as whole responses; a response to a HEAD has no body. But
// a 431 for headers over the limit is sent before the front could read the method, so
// its body may follow it: harmless, since the connection closes after it.
std::vector<Answer> answers_in(std::string_view received, const std::vector<SentRequest>& asked) {
  std::vector<Answer> out;
  size_t at = 0;
  while (at < received.size()) {
    http::response_parser<http::string_body> parser;
    const bool to_head = out.size() < asked.size() && asked[out.size()].method == "HEAD";
    parser.skip(to_head);
    const size_t start = at;
    FUZZ_CHECK(parse_one(parser, received, at),
               "the front wrote something that is not a whole HTTP response after " +
                   std::to_string(out.size()) +
                   " answers: " + std::string(received.substr(start, 300)));
    const auto& m = parser.get();
    out.push_back({static_cast<int>(m.result_int()), m.keep_alive(), to_head, m.body()});
    if (to_head && m.result_int() == 431 && !m.keep_alive() &&
        m[http::field::content_length] == std::to_string(received.size() - at)) {
      at = received.size();
    }
  }
  return out;
}

// 200, and the statuses of the protocol's error codes but a server failure's.
const std::set<int>& documented_statuses() {
  static const std::set<int> statuses = [] {
    std::set<int> s{200};
    for (int c = static_cast<int>(ErrorCode::kInvalidArgument);
         c <= static_cast<int>(ErrorCode::kUnavailable); ++c) {
      if (static_cast<ErrorCode>(c) != ErrorCode::kInternal)
        s.insert(http_status_of(static_cast<ErrorCode>(c)));
    }
    return s;
  }();
  return statuses;
}

void check_answer(const Answer& a, size_t i) {
  const std::string where = "answer " + std::to_string(i) + " (" + std::to_string(a.status) + ")";
  FUZZ_CHECK(documented_statuses().count(a.status), where + ": not a documented status: " + a.body);
  if (a.status == 200 || a.to_head) return;
  auto error = decode_error(a.body);
  FUZZ_CHECK(error.ok(), where + ": not an error body: " + a.body);
  FUZZ_CHECK(http_status_of(error->code) == a.status,
             where + ": the code's status differs: " + a.body);
}

// Every whole request is answered, in order, until an answer closes the connection.
void check_answers(const std::vector<Answer>& answers, const std::vector<SentRequest>& asked) {
  const size_t whole = whole_count(asked);
  for (size_t i = 0; i < answers.size(); ++i) {
    check_answer(answers[i], i);
    const bool last = i + 1 == answers.size();
    FUZZ_CHECK(last || answers[i].keep_alive,
               "answer " + std::to_string(i) + " closes the connection, yet more follow");
    if (i < whole && !asked[i].keep_alive) {
      FUZZ_CHECK(!answers[i].keep_alive, "request " + std::to_string(i) +
                                             " asked to close; its answer keeps the connection");
    }
  }
  const bool closed = !answers.empty() && !answers.back().keep_alive;
  if (closed) {
    // The closing answer may be to a request refused before it was whole.
    FUZZ_CHECK(answers.size() <= whole + 1, std::to_string(answers.size()) + " answers to " +
                                                std::to_string(whole) + " whole requests");
  } else {
    FUZZ_CHECK(answers.size() == whole, std::to_string(whole) + " whole requests got " +
                                            std::to_string(answers.size()) +
                                            " answers, the connection left open");
  }
}

bool on_device_path(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  return path == "/v1/push" || path == "/v1/pull" || path.rfind("/v1/blobs/", 0) == 0;
}

// What reached the service is within the limit, holds a live token where one is needed,
// and is what the client sent, in order.
void check_handled(const std::vector<HttpRequest>& handled, const std::vector<SentRequest>& asked) {
  const size_t whole = whole_count(asked);
  size_t next = 0;
  for (const HttpRequest& r : handled) {
    FUZZ_CHECK(r.body.size() <= kMaxBody,
               "SyncService::handle got a body of " + std::to_string(r.body.size()) +
                   " bytes for " + r.path + "; the limit is " + std::to_string(kMaxBody));
    FUZZ_CHECK(
        !on_device_path(r.path) || r.bearer_token == kAliceToken,
        "SyncService::handle got " + r.path + " without a live token: '" + r.bearer_token + "'");
    while (next < whole && (asked[next].method != r.method || asked[next].target != r.path ||
                            asked[next].body != r.body)) {
      ++next;
    }
    FUZZ_CHECK(next < whole,
               "SyncService::handle got a request the client did not send whole: " + r.method +
                   " " + r.path + " with " + std::to_string(r.body.size()) + " bytes");
    ++next;
  }
}

void fuzz_one(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static constexpr size_t kReadSizes[] = {0, 1, 2, 3, 7, 64, 500, 1500};
  static const server::HttpFrontOptions options = front_options();
  server::InMemoryExchange exchange;
  exchange.read_size = kReadSizes[data[0] % 8];
  exchange.fail_at = (data[0] & 8) ? (data[0] >> 4) + 1 : 0;
  exchange.sent.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  const server::InMemoryOutcome outcome = serve_in_memory(world->service(), options, exchange);
  const std::vector<SentRequest> asked = requests_in(exchange.sent);
  check_handled(outcome.handled, asked);
  if (exchange.fail_at == 0) check_answers(answers_in(outcome.received, asked), asked);
  world->count_handled(outcome.handled.size());
}

}  // namespace
}  // namespace fieldsync::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fieldsync::fuzz::world = new fieldsync::fuzz::FuzzWorld();
  std::atexit([] { delete fieldsync::fuzz::world; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fieldsync::fuzz::fuzz_one(data, size);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
  }
  return 0;
}
