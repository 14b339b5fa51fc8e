// CpprestTransport's failures: what the replicator sees when no answer comes.
#include "cpprest_transport.h"

#include <gtest/gtest.h>

#include "http_world.h"
#include "loopback_sockets.h"

namespace fieldsync {
namespace {

using testing::HttpWorld;
using testing::must;

TEST(CpprestTransport, ARefusedConnectionIsRetryableUnavailable) {
  HttpWorld http;
  auto transport = http.transport();
  http.stop_front();
  auto response = transport->send({"GET", "/v1/health", "", ""});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(response.status().retryable());
  EXPECT_NE(response.status().message().find(http.url()), std::string::npos)
      << response.status().message();
}

TEST(CpprestTransport, ASilentServerTimesOutAsRetryableUnavailable) {
  testing::SilentListener silent;
  CpprestTransportOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  auto transport =
      must(CpprestTransport::create("http://127.0.0.1:" + std::to_string(silent.port()), options));
  const auto started = std::chrono::steady_clock::now();
  auto response = transport->send({"POST", "/v1/pull", "token", "{}"});
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(response.status().retryable());
  EXPECT_NE(response.status().message().find("no answer within 300 ms"), std::string::npos)
      << response.status().message();
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(CpprestTransport, AnHttpErrorIsAResponseNotAFailure) {
  HttpWorld http;
  auto response = http.transport()->send({"GET", "/nowhere", "", ""});
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 404);
}

TEST(CpprestTransport, RefusesAnAddressThatIsNotHttp) {
  auto missing_scheme = CpprestTransport::create("127.0.0.1:8080");
  ASSERT_FALSE(missing_scheme.ok());
  EXPECT_EQ(missing_scheme.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(CpprestTransport::create("ftp://127.0.0.1").ok());
}

}  // namespace
}  // namespace fieldsync
