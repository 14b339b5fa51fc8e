// No C++ exception crosses the C API, whatever throws beneath it: a host transport or
// a progress callback written in C++ that throws (which the header forbids, and which
// would otherwise unwind into C frames and abort the app), or a request the standard
// library refuses. Each becomes a FIELDSYNC_INTERNAL error with the reason. The fake
// server here answers enrollment with the sync library's own encoder.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "fieldsync/fieldsync.h"
#include "fieldsync/protocol.h"
#include "test_support.h"

namespace fieldsync::testing {
namespace {

// A host transport in C++: `answer` decides each response.
struct FakeHost {
  std::function<int(const fieldsync_http_request&, fieldsync_http_response*)> answer;

  static int send(void* context, const fieldsync_http_request* request,
                  fieldsync_http_response* response) {
    return static_cast<FakeHost*>(context)->answer(*request, response);
  }
  fieldsync_http_transport transport() { return {&FakeHost::send, this}; }
};

int enrolled(const fieldsync_http_request& request, fieldsync_http_response* response) {
  if (std::string(request.path) != "/v1/enroll") throw std::runtime_error("unexpected request");
  EnrollResponse enrollment;
  enrollment.device_id = "d1";
  enrollment.device_code = "K7Q2";
  enrollment.device_token = "token-0123456789abcdef";
  enrollment.user = "ann";
  enrollment.role = "office";  // may create the estate the test records
  const std::string body = encode(enrollment);
  fieldsync_http_response_append_body(response, body.data(), body.size());
  return 200;
}

TEST(CapiBoundary, AThrowingHostTransportIsAnInternalError) {
  TempDir dir;
  FakeHost host{[](const fieldsync_http_request&, fieldsync_http_response*) -> int {
    throw std::runtime_error("the host's HTTP stack threw");
  }};
  const fieldsync_http_transport transport = host.transport();
  fieldsync_db* db = nullptr;
  fieldsync_error e = fieldsync_enroll(dir.file("ann.db").c_str(), "http://127.0.0.1:1", "CODE",
                                       &transport, FIELDSYNC_TOKEN_IN_DATABASE, &db, nullptr);
  EXPECT_EQ(e.code, FIELDSYNC_INTERNAL);
  EXPECT_EQ(e.domain, FIELDSYNC_DOMAIN_FIELDSYNC);
  EXPECT_NE(std::string(e.message).find("the host's HTTP stack threw"), std::string::npos)
      << e.message;
  EXPECT_EQ(db, nullptr);

  host.answer = [](const fieldsync_http_request&, fieldsync_http_response*) -> int { throw 42; };
  e = fieldsync_enroll(dir.file("ann.db").c_str(), "http://127.0.0.1:1", "CODE", &transport,
                       FIELDSYNC_TOKEN_IN_DATABASE, &db, nullptr);
  EXPECT_EQ(e.code, FIELDSYNC_INTERNAL);
  EXPECT_NE(std::string(e.message).find("unknown kind"), std::string::npos) << e.message;
}

TEST(CapiBoundary, AThrowingProgressCallbackIsAnInternalErrorAndNothingIsLost) {
  TempDir dir;
  FakeHost host{enrolled};
  const fieldsync_http_transport transport = host.transport();
  fieldsync_db* db = nullptr;
  fieldsync_error e = fieldsync_enroll(dir.file("ann.db").c_str(), "http://127.0.0.1:1", "CODE",
                                       &transport, FIELDSYNC_TOKEN_IN_DATABASE, &db, nullptr);
  ASSERT_EQ(e.code, FIELDSYNC_OK) << e.message;
  ASSERT_EQ(fieldsync_create_record(db, "estates", R"({"name":"Riverside"})", nullptr).code,
            FIELDSYNC_OK);

  fieldsync_replicator* replicator = nullptr;
  fieldsync_replicator_options options;
  fieldsync_replicator_options_init(&options);
  options.max_attempts = 2;
  options.backoff_initial_ms = 1;
  ASSERT_EQ(fieldsync_replicator_create(db, &transport, &options, &replicator).code, FIELDSYNC_OK);
  const fieldsync_progress_fn throwing = [](void*, const fieldsync_sync_progress*) {
    throw std::logic_error("the app's progress callback threw");
  };
  e = fieldsync_replicator_sync(replicator, throwing, nullptr, nullptr);
  EXPECT_EQ(e.code, FIELDSYNC_INTERNAL);
  EXPECT_NE(std::string(e.message).find("progress callback threw"), std::string::npos) << e.message;

  // The replicator is usable again (its lock was released) and the change still waits.
  fieldsync_sync_status status;
  ASSERT_EQ(fieldsync_sync_status_read(db, &status).code, FIELDSYNC_OK);
  EXPECT_EQ(status.pending_changes, 1);
  host.answer = [](const fieldsync_http_request&, fieldsync_http_response* response) {
    fieldsync_http_response_set_failure(response, "offline");
    return 0;
  };
  e = fieldsync_replicator_sync(replicator, nullptr, nullptr, nullptr);
  EXPECT_EQ(e.domain, FIELDSYNC_DOMAIN_NETWORK) << e.message;
  EXPECT_NE(std::string(e.message).find("offline"), std::string::npos) << e.message;
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(db);
}

TEST(CapiBoundary, ABodyTheStandardLibraryRefusesIsAnError) {
  FakeHost host{[](const fieldsync_http_request&, fieldsync_http_response* response) {
    const char byte = 'x';
    // Longer than any std::string can be: append throws length_error inside the API.
    const fieldsync_error e = fieldsync_http_response_append_body(response, &byte, SIZE_MAX - 1);
    EXPECT_EQ(e.code, FIELDSYNC_INTERNAL);
    return 0;
  }};
  TempDir dir;
  const fieldsync_http_transport transport = host.transport();
  const fieldsync_error e =
      fieldsync_enroll(dir.file("ann.db").c_str(), "http://127.0.0.1:1", "CODE", &transport,
                       FIELDSYNC_TOKEN_IN_DATABASE, nullptr, nullptr);
  EXPECT_EQ(e.code, FIELDSYNC_UNAVAILABLE);
  EXPECT_EQ(e.domain, FIELDSYNC_DOMAIN_NETWORK);
  EXPECT_EQ(e.retryable, 1);
}

}  // namespace
}  // namespace fieldsync::testing
