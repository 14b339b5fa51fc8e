// The checks every authenticated endpoint of the sync service makes, shared by the
// record endpoints (sync_service.cpp) and the blob endpoints (sync_service_blobs.cpp):
// the bearer token, the versions, and a Status as an HTTP error. Private to
// server-stub.
#pragma once

#include <optional>
#include <string>

#include "fieldsync/http_transport.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"
#include "quotas.h"

namespace fieldsync::server {

HttpResponse ok_response(std::string body);
HttpResponse from_status(const Status& s);

// The device and user behind a bearer token.
struct Caller {
  Device device;
  User user;
  Quotas quotas;  // in force when the caller was authenticated
};

// Fills `caller`, or returns the 401 to answer: for an unknown token, a departed user,
// a revoked device, or a token unused for longer than the quota token_days_unused
// (counted from the device's last sync or the token's issue, whichever is later).
std::optional<HttpResponse> authenticate(ServerTransaction& txn, const std::string& token,
                                         int64_t now_ms, Caller& caller);
// The 400 or 426 to answer when the app's versions do not fit the server's.
std::optional<HttpResponse> check_versions(int protocol, int schema_version, const Schema& schema);

}  // namespace fieldsync::server
