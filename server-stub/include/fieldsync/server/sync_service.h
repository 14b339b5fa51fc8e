// The server's sync service: turns one HTTP request (already read by the HTTP front,
// or handed over in-process by a test's loopback transport) into one response.
// It authenticates the device, checks versions and scope, merges pushed changes with
// the shared merge rules in one transaction per request, and serves pulls by bucket.
//
// Attachments' bytes (POST /v1/blobs/status, PUT and GET /v1/blobs/<sha256>) go to the
// BlobStore given at construction, which the caller owns and keeps alive; without one
// those endpoints answer 404. Scope for blobs is the scope of records: a device may
// touch a blob only when an `attachments` record in its buckets names it.
//
// handle() never throws and is thread-safe; requests are serialised by the store.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "fieldsync/clock.h"
#include "fieldsync/error_code.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/blob_store.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

struct SyncServiceOptions {
  int64_t max_clock_skew_ms = 5 * 60 * 1000;  // stamps further ahead are clamped
  size_t max_body_bytes = 8 * 1024 * 1024;
  int64_t max_blob_bytes = int64_t{50} << 20;  // one attachment's bytes
  // The office console at / and its API at /v1/office/ (docs/console.md); off: 404.
  bool console = true;
  // How often the gate's map of tokens is read again from the store (admit_headers).
  std::chrono::milliseconds gate_reload_every{30'000};
  // What a phone scans from the console's enrollment codes (docs/console.md, "Devices
  // and people"): the address phones reach the server at ("https://office.example";
  // empty: the scheme and Host of the console's request), and the pin of the key they
  // see there ("sha256/..."; empty: none, the phone trusts its CAs alone).
  std::string public_url;
  std::string key_pin;
};

// What the HTTP front may learn from a request's method, path and token alone, before
// it reads a byte of the body: whether to spend anything on it, and how much.
struct Admission {
  std::optional<HttpResponse> refusal;  // answer this and read nothing more
  bool device = false;                  // the token is a device's: a phone's queue
  size_t max_body_bytes = 0;            // the largest body worth reading for this request
};

struct Caller;  // the device and user behind a token (request_checks.h)

// The content type of an answer that opens a stream of server-sent events: its body is
// the stream's first bytes, and the HTTP front keeps the connection open after them.
inline constexpr const char* kEventStreamType = "text/event-stream";

class SyncService {
 public:
  // `blobs` may be null (no blob endpoints); otherwise it must outlive the service.
  SyncService(ServerStore& store, const Schema& schema, const Clock& clock,
              SyncServiceOptions options = {}, BlobStore* blobs = nullptr);

  HttpResponse handle(const HttpRequest& request);

  // The front's gate, from the headers: a request that needs a device token and names
  // none, one no device holds, or one of a revoked device or a departed user, is
  // refused (401) without a transaction; a request that needs none (enroll, health, an
  // unknown path) may bring only a small body. Tokens are known from a map kept in
  // memory (loaded from the store, added to at each enrollment and each token offered,
  // reloaded at most every two seconds on a miss and every gate_reload_every in any
  // case, when tokens no longer in the store, such as one rotated away, go), so a
  // flood of made-up tokens costs one hash each. When the store cannot be read the gate answers
  // 503. handle() still checks the token in full: the map may be a moment behind the office.
  // A console import (POST /v1/office/import) whose `cookie` header (Cookie) names a live
  // session of an office manager may bring kConsoleImportBodyBytes; that costs one read
  // of the store, and only such a request asks it.
  Admission admit_headers(const std::string& method, const std::string& path,
                          const std::string& token, const std::string& cookie = "");

  const SyncServiceOptions& options() const { return options_; }

  // How many requests have changed something (pushes, pulls, office writes) since the
  // service started: the HTTP front's event streams (GET /v1/office/events) send an
  // event when it grows. Thread-safe.
  int64_t changes() const { return changes_.load(); }

 private:
  HttpResponse route(const HttpRequest& request);
  HttpResponse enroll(const std::string& body);
  HttpResponse push(const std::string& token, const std::string& body);
  HttpResponse pull(const std::string& token, const std::string& body);
  // office_routes.cpp: the console's API under /v1/office/.
  HttpResponse route_office(const HttpRequest& request, const std::string& path);
  // The session the request's cookie names, or the one its API token stands for
  // (Authorization: Bearer), or nullopt with `refusal` set (401 when there is none, it
  // ended or was revoked, or its user may no longer sign in).
  std::optional<OfficeSession> office_session_of(const HttpRequest& request, HttpResponse& refusal);
  // Why user `name` may not act in the console now (unknown, inactive, not of an office
  // role), or nullopt when they may.
  std::optional<HttpResponse> office_user_refusal(ServerTransaction& txn, const std::string& name);
  // office_tokens.cpp: API tokens for scripts: the session a token stands for, and the
  // calls by which managers issue, list and revoke them; nullopt when `path` is none.
  std::optional<OfficeSession> api_token_session(const HttpRequest& request, HttpResponse& refusal);
  std::optional<HttpResponse> route_office_tokens(const HttpRequest& request,
                                                  const std::string& path);
  // office_pages.cpp: the data of the console's pages (today, arrears and its
  // downloads), for a signed-in session; `path` without its query string.
  HttpResponse route_office_pages(const HttpRequest& request, const std::string& path,
                                  const OfficeSession& session);
  // office_settle.cpp: the console's conflicts and refused changes.
  HttpResponse route_office_settle(const HttpRequest& request, const std::string& path,
                                   const OfficeSession& session);
  // office_people.cpp: the page "Devices and people" (users, roles, assignments,
  // devices, enrollment codes); nullopt when `path` is none of its calls.
  std::optional<HttpResponse> route_office_people(const HttpRequest& request,
                                                  const std::string& path);
  // office_records.cpp: the records of any declared collection, listed and one by one;
  // nullopt when `path` is none of its calls.
  std::optional<HttpResponse> route_office_records(const HttpRequest& request,
                                                   const std::string& path);
  // office_patrol.cpp: the page Patrol (rounds per route and day, the checkpoints
  // missed, findings overdue); office_attachments.cpp: an attachment's bytes. Each
  // nullopt when `path` is none of its calls.
  std::optional<HttpResponse> route_office_patrol(const HttpRequest& request,
                                                  const std::string& path);
  std::optional<HttpResponse> route_office_attachments(const HttpRequest& request,
                                                       const std::string& path);
  // office_repairs.cpp: the page Repairs and complaints (by status, awaiting a return
  // visit, satisfaction) and a household's maintenance file; nullopt when `path` is none
  // of its calls.
  std::optional<HttpResponse> route_office_repairs(const HttpRequest& request,
                                                   const std::string& path);
  // office_import.cpp: the console's CSV import, for a signed-in session; and whether a
  // bearer token or a Cookie header names a live office manager, the one who imports.
  HttpResponse office_import(const HttpRequest& request, const OfficeSession& session);
  bool manager_caller_in(const std::string& bearer_token, const std::string& cookie_header);
  // sync_service_blobs.cpp: `path` without its query string.
  HttpResponse route_blobs(const HttpRequest& request, const std::string& path,
                           const std::string& query);
  HttpResponse blob_status(const std::string& token, const std::string& body);
  HttpResponse blob_put(const std::string& token, const std::string& hash,
                        const std::string& query, const std::string& body);
  HttpResponse blob_get(const std::string& token, const std::string& hash,
                        const std::string& query);

  // After a pull has read (sync_service.cpp): notes the device's sync (at most
  // hourly), makes a next token it used its current one, and offers a device of
  // protocol 3 whose token is due a next one, returned ("" when none).
  std::string renew_token(const Caller& caller, int protocol_version);
  // The gate's answer for a token: nullopt to let it through, else the refusal.
  std::optional<HttpResponse> token_refusal(const std::string& token_hash);
  void add_known_token(const std::string& token_hash);

  std::atomic<int64_t> changes_{0};
  ServerStore& store_;
  const Schema& schema_;
  const Clock& clock_;
  SyncServiceOptions options_;
  BlobStore* blobs_;

  // The console's figures: the records kept in memory, and the last report and arrears
  // list made from them with the key they were made for (the records' seq, the zone,
  // the closed periods and the day), remade when a key changes. The memos are only
  // touched inside kept_figures_.use(), which runs one caller at a time.
  KeptFigures kept_figures_{store_};
  std::string report_key_, arrears_key_;
  std::shared_ptr<const OfficeReport> report_memo_;
  std::shared_ptr<const std::vector<ArrearsEntry>> arrears_memo_;

  // Token hash -> the refusal for it (nullopt: it may sync). Loaded from the store,
  // replaced at each reload, added to at each enrollment and token offered; those added
  // (with when) are kept through a reload that began before them. Guarded by
  // tokens_mutex_, which is never held while the store is used.
  std::mutex tokens_mutex_;
  std::unordered_map<std::string, std::optional<HttpResponse>> known_tokens_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> added_tokens_;
  std::optional<std::chrono::steady_clock::time_point> tokens_loaded_;
};

// A body that needs no device token (enroll, health) is at most this long.
constexpr size_t kAnonymousBodyBytes = 64 * 1024;
// A console import's CSV file (POST /v1/office/import) is at most this long when the
// request's session cookie names a live session of an office manager (a few thousand
// households' rows fit many times over); any other request without a device token keeps
// kAnonymousBodyBytes. Also bounded by SyncServiceOptions::max_body_bytes.
constexpr size_t kConsoleImportBodyBytes = 8 * 1024 * 1024;

// An error response: {"error": {"code", "message", "retryable"}} with the code's HTTP
// status; retryable as the code has it unless told.
HttpResponse error_response(ErrorCode code, const std::string& message,
                            std::optional<bool> retryable = std::nullopt);

}  // namespace fieldsync::server
