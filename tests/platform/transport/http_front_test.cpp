// HttpFront's own behaviour over real HTTP: body limits (declared and chunked), error
// answers as JSON, a port in use, any free port, concurrent clients, stop and start.
#include "http_front.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cpprest_transport.h"
#include "fieldsync/protocol.h"
#include "http_world.h"
#include "loopback_sockets.h"

namespace fieldsync {
namespace {

using testing::HttpWorld;
using testing::must;

ErrorBody error_of(const HttpResponse& response) {
  return must(decode_error(response.body));
}

std::string token_of(testing::HttpDevice& device) {
  return must(device.store->sync_value(kSyncToken));
}

server::HttpFrontOptions small_bodies() {
  server::HttpFrontOptions options;
  options.max_body_bytes = 4096;
  return options;
}

TEST(HttpFront, ABodyOverTheLimitIs413AndTheServerKeepsServing) {
  HttpWorld http(small_bodies());
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  HttpResponse refused = http.send({"POST", "/v1/push", token_of(alice), std::string(5000, 'x')});
  EXPECT_EQ(refused.status, 413);
  ErrorBody error = error_of(refused);
  EXPECT_EQ(error.code, ErrorCode::kTooLarge);
  EXPECT_NE(error.message.find("4096"), std::string::npos) << error.message;
  EXPECT_FALSE(error.retryable);

  EXPECT_EQ(http.send({"GET", "/v1/health", "", ""}).status, 200);
  alice.sync();
  must(alice.work().record_payment(testing::payment(http.world.household_a, 700)));
  EXPECT_EQ(alice.sync().applied, 1);
}

// Over the per-address rate the answer is 429 with Retry-After, and the phone's
// transport reads it (the replicator then waits at least that long).
TEST(HttpFront, ARateLimitAnswerCarriesRetryAfterToThePhone) {
  server::HttpFrontOptions options;
  options.per_address = {0.25, 2};  // two requests, then one each 4 s
  HttpWorld http(options);
  HttpResponse last;
  for (int i = 0; i < 3; ++i) last = http.send({"GET", "/v1/health", "", ""});
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_EQ(error_of(last).code, ErrorCode::kTooManyRequests);
  EXPECT_GE(last.retry_after_s, 1);
  EXPECT_LE(last.retry_after_s, 4);
}

TEST(HttpFront, AChunkedBodyOverTheLimitIs413) {
  HttpWorld http(small_bodies());
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  std::string request =
      "POST /v1/pull HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Authorization: Bearer " + token_of(alice) + "\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "3e8\r\n" + std::string(1000, 'x') + "\r\n";
  request += "0\r\n\r\n";
  std::string answer = testing::raw_http_exchange(http.port(), request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"too_large\""), std::string::npos) << answer;
  EXPECT_EQ(http.send({"GET", "/v1/health", "", ""}).status, 200);
}

TEST(HttpFront, AnswersAreJson) {
  HttpWorld http;
  std::string answer = testing::raw_http_exchange(
      http.port(), "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Type: application/json"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"protocol_version\""), std::string::npos) << answer;
}

TEST(HttpFront, AnUnknownTokenIs401) {
  HttpWorld http;
  HttpResponse response = http.send({"POST", "/v1/pull", "not-a-token", encode(PullRequest{})});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(error_of(response).code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(status_from_response(response).code(), StatusCode::kPermissionDenied);
}

TEST(HttpFront, MalformedJsonIs400WithAClearMessage) {
  HttpWorld http;
  HttpResponse response = http.send({"POST", "/v1/enroll", "", "{\"enrollment_code\": "});
  EXPECT_EQ(response.status, 400);
  ErrorBody error = error_of(response);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("not valid JSON"), std::string::npos) << error.message;
  EXPECT_FALSE(error.retryable);
}

TEST(HttpFront, AnUnknownPathIs404) {
  HttpWorld http;
  HttpResponse response = http.send({"POST", "/v2/push", "", "{}"});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(error_of(response).code, ErrorCode::kNotFound);
  EXPECT_NE(error_of(response).message.find("/v2/push"), std::string::npos);
}

TEST(HttpFront, APortInUseIsAClearError) {
  HttpWorld http;
  server::HttpFrontOptions same = http.options;
  auto second = server::HttpFront::start(*http.world.service, same);
  ASSERT_FALSE(second.ok());
  const std::string message = second.status().message();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(http.port())), std::string::npos) << message;
  EXPECT_EQ(http.send({"GET", "/v1/health", "", ""}).status, 200);  // the first one is unharmed
}

TEST(HttpFront, ConcurrentClientsAreAllAnswered) {
  HttpWorld http;
  auto& alice = http.enroll("alice", "collector", {http.world.building_a});
  const std::string token = token_of(alice);
  std::atomic<int> answered{0};
  PullRequest pull;
  pull.schema_version = Schema::property_management().version();
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      auto transport = http.transport();
      for (int i = 0; i < 15; ++i) {
        auto response = transport->send({"POST", "/v1/pull", token, encode(pull)});
        if (response.ok() && response->status == 200) ++answered;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), 60);
}

TEST(HttpFront, StopIsIdempotentAndTheFrontCanStartAgain) {
  HttpWorld http;
  http.front->stop();
  http.front->stop();
  http.stop_front();
  http.start_front();
  EXPECT_EQ(http.send({"GET", "/v1/health", "", ""}).status, 200);
}

TEST(HttpFront, PortZeroListensOnAFreePortAndTheUrlSaysWhich) {
  HttpWorld http;
  server::HttpFrontOptions options;
  options.port = 0;
  auto front = must(server::HttpFront::start(*http.world.service, options));
  const std::string prefix = "http://127.0.0.1:";
  ASSERT_EQ(front->url().rfind(prefix, 0), 0u) << front->url();
  const int port = std::stoi(front->url().substr(prefix.size()));
  EXPECT_GT(port, 0);
  EXPECT_NE(port, http.port());
  auto transport = must(CpprestTransport::create(front->url()));
  EXPECT_EQ(must(transport->send({"GET", "/v1/health", "", ""})).status, 200);
  front->stop();
}

TEST(HttpFront, RefusesABadPortOrAddress) {
  HttpWorld http;
  server::HttpFrontOptions options;
  options.port = 70000;
  EXPECT_EQ(server::HttpFront::start(*http.world.service, options).status().code(),
            StatusCode::kInvalidArgument);
  options.port = http.port();
  options.address = "::1";
  EXPECT_EQ(server::HttpFront::start(*http.world.service, options).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fieldsync
