#include "fieldsync/server/sync_service.h"

#include <algorithm>

#include "access_policy.h"
#include "blob_access.h"
#include "fieldsync/id.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/text_values.h"
#include "office_console.h"
#include "push_batch.h"
#include "quotas.h"
#include "request_checks.h"

namespace fieldsync::server {

HttpResponse ok_response(std::string body) { return HttpResponse{200, std::move(body)}; }

HttpResponse from_status(const Status& s) {
  const ErrorCode code = error_code_of(s.code());
  return error_response(code, s.message(), s.retryable() || retryable_by_default(code));
}

namespace {

// What a revoked device is told, by the gate and by the full check alike.
std::string revoked_message(const std::string& device_code) {
  return "this device was revoked by the office; its unsent changes are kept on the phone: "
         "ask the office for `fieldsync-server readmit " +
         device_code + "` and enroll with the code it prints";
}

}  // namespace

std::optional<HttpResponse> authenticate(ServerTransaction& txn, const std::string& token,
                                         int64_t now_ms, Caller& caller) {
  if (token.empty())
    return error_response(ErrorCode::kUnauthenticated, "this request needs a device token");
  auto device = txn.device_by_token(secret_hash(token));
  if (!device.ok()) return from_status(device.status());
  if (!*device) return error_response(ErrorCode::kUnauthenticated, "the device token is not known");
  // A user who left says so first: readmitting their phone would not help.
  auto user = txn.get_user((*device)->user);
  if (!user.ok()) return from_status(user.status());
  if (!*user || !(*user)->active) {
    return error_response(ErrorCode::kUnauthenticated,
                          "the user of this device is no longer active");
  }
  if ((*device)->revoked) {
    return error_response(ErrorCode::kUnauthenticated, revoked_message((*device)->device_code));
  }
  auto quotas = load_quotas(txn);
  if (!quotas.ok()) return from_status(quotas.status());
  if (token_expired(**device, *quotas, now_ms)) {
    return error_response(ErrorCode::kUnauthenticated,
                          "this device's token expired: it had not synced for more than " +
                              std::to_string(quotas->token_days_unused) +
                              " days; its unsent changes are kept on the phone: ask the office for "
                              "`fieldsync-server readmit " +
                              (*device)->device_code + "` and enroll with the code it prints");
  }
  caller.device = **device;
  caller.user = **user;
  caller.quotas = *quotas;
  return std::nullopt;
}

std::optional<HttpResponse> check_versions(int protocol, int schema_version, const Schema& schema) {
  if (protocol < kMinProtocolVersion || protocol > kProtocolVersion) {
    return error_response(ErrorCode::kUnsupportedProtocol,
                          "protocol version " + std::to_string(protocol) +
                              " is not supported; this server speaks " +
                              std::to_string(kMinProtocolVersion) + " to " +
                              std::to_string(kProtocolVersion));
  }
  if (schema_version < schema.version() - 1) {
    return error_response(ErrorCode::kUpgradeRequired,
                          "this app is too old for the server (schema " +
                              std::to_string(schema_version) + ", the server needs at least " +
                              std::to_string(schema.version() - 1) +
                              "); update the app: your unsent records are kept on the phone");
  }
  if (schema_version > schema.version()) {
    return error_response(
        ErrorCode::kServerTooOld,
        "the app is newer than the server (schema " + std::to_string(schema_version) + ", server " +
            std::to_string(schema.version()) + "); ask the office to update the server");
  }
  return std::nullopt;
}

namespace {

// A request the codec refuses may come from a newer app whose messages carry members
// this server does not know yet: its versions, read alone, give the answer it can act
// on ("ask the office to update the server") rather than a bare bad request.
std::optional<HttpResponse> versions_of_refused(const std::string& body, const Schema& schema) {
  const Json in = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object()) return std::nullopt;
  const auto protocol = in.find("protocol_version");
  const auto schema_version = in.find("schema_version");
  if (protocol == in.end() || schema_version == in.end() || !protocol->is_number_integer() ||
      !schema_version->is_number_integer()) {
    return std::nullopt;
  }
  const int64_t newer = schema_version->get<int64_t>();
  if (protocol->get<int64_t>() < kMinProtocolVersion || protocol->get<int64_t>() > kProtocolVersion ||
      newer <= schema.version() ||
      newer > kMaxVersion) {
    return std::nullopt;
  }
  return check_versions(kProtocolVersion, static_cast<int>(newer), schema);
}

// A device of an earlier schema does not know the pull's "access" member.
constexpr int kFirstSchemaWithAccess = 2;
// Nor the "settled" member: refused changes the office has settled.
constexpr int kFirstSchemaWithSettlements = 4;
// A device of an earlier protocol keeps its token (PullResponse::new_device_token).
constexpr int kFirstProtocolWithRotation = 3;

// Everything a push or pull checks before its work: the token, the versions, the
// device's buckets. An error response to send back when any check fails.
struct Admitted {
  Caller caller;
  Scope scope;
};

template <class Request>
std::optional<HttpResponse> admit(ServerTransaction& txn, const std::string& token,
                                  const std::string& body, const Result<Request>& request,
                                  const Schema& schema, int64_t now_ms, Admitted& admitted) {
  if (auto denied = authenticate(txn, token, now_ms, admitted.caller)) return denied;
  if (!request.ok()) {
    if (auto newer = versions_of_refused(body, schema)) return newer;
    return from_status(request.status());
  }
  if (auto bad = check_versions(request->protocol_version, request->schema_version, schema)) return bad;
  auto scope = scope_of(txn, schema, admitted.caller.user);
  if (!scope.ok()) return from_status(scope.status());
  admitted.scope = std::move(scope).value();
  return std::nullopt;
}

}  // namespace

HttpResponse error_response(ErrorCode code, const std::string& message,
                            std::optional<bool> retryable) {
  return HttpResponse{
      http_status_of(code),
      encode(ErrorBody{code, message, retryable.value_or(retryable_by_default(code))})};
}

SyncService::SyncService(ServerStore& store, const Schema& schema, const Clock& clock,
                         SyncServiceOptions options, BlobStore* blobs)
    : store_(store), schema_(schema), clock_(clock), options_(options), blobs_(blobs) {}

HttpResponse SyncService::handle(const HttpRequest& request) {
  try {
    HttpResponse answer = route(request);
    // Whatever a request may have written (a push, a pull's note of the phone's sync, an
    // office change): the console's event streams tell their pages to look again.
    if (request.method != "GET" && request.method != "HEAD" && answer.status >= 200 &&
        answer.status < 300) {
      changes_.fetch_add(1);
    }
    return answer;
  } catch (const std::exception& e) {
    return error_response(ErrorCode::kInternal, std::string("the server failed: ") + e.what(),
                          true);
  }
}

Admission SyncService::admit_headers(const std::string& method, const std::string& path,
                                     const std::string& token, const std::string& cookie) {
  const std::string bare = path.substr(0, path.find('?'));
  const bool needs_token =
      bare == "/v1/push" || bare == "/v1/pull" || bare.rfind("/v1/blobs/", 0) == 0;
  Admission admission;
  if (!needs_token) {
    const bool import = options_.console && method == "POST" && bare == "/v1/office/import";
    const size_t limit =
        import && manager_caller_in(token, cookie) ? kConsoleImportBodyBytes : kAnonymousBodyBytes;
    admission.max_body_bytes = std::min(limit, options_.max_body_bytes);
    return admission;
  }
  if (token.empty()) {
    admission.refusal =
        error_response(ErrorCode::kUnauthenticated, "this request needs a device token");
  } else if (auto refused = token_refusal(secret_hash(token))) {
    admission.refusal = std::move(refused);
  } else {
    admission.device = true;
    admission.max_body_bytes = options_.max_body_bytes;
  }
  return admission;
}

std::optional<HttpResponse> SyncService::token_refusal(const std::string& token_hash) {
  const auto kReloadOnMissEvery = std::min<std::chrono::steady_clock::duration>(
      std::chrono::seconds(2), options_.gate_reload_every);
  const std::chrono::steady_clock::duration kReloadEvery = options_.gate_reload_every;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(tokens_mutex_);
    const auto age = tokens_loaded_ ? now - *tokens_loaded_ : kReloadEvery;
    const auto known = known_tokens_.find(token_hash);
    if (known != known_tokens_.end() && age < kReloadEvery) return known->second;
    if (known == known_tokens_.end() && age < kReloadOnMissEvery) {
      return error_response(ErrorCode::kUnauthenticated, "the device token is not known");
    }
    tokens_loaded_ = now;  // this thread reloads; others answer from the map meanwhile
  }
  Result<std::vector<KnownToken>> loaded = Status::internal("not read");
  if (auto txn = store_.begin(false); txn.ok()) {
    loaded = (*txn)->known_tokens();
  } else {
    loaded = txn.status();
  }
  std::lock_guard lock(tokens_mutex_);
  if (!loaded.ok()) {
    tokens_loaded_.reset();
    return error_response(ErrorCode::kUnavailable,
                          "the server cannot read its devices now; try again shortly", true);
  }
  // Replaced, so that tokens gone from the store go here too; a token added while the
  // store was read stays known.
  known_tokens_.clear();
  for (auto added = added_tokens_.begin(); added != added_tokens_.end();) {
    if (added->second < now) {
      added = added_tokens_.erase(added);
    } else {
      known_tokens_[added->first] = std::nullopt;
      ++added;
    }
  }
  for (const KnownToken& t : *loaded) {
    std::optional<HttpResponse> refusal;
    if (!t.user_active) {
      refusal = error_response(ErrorCode::kUnauthenticated,
                               "the user of this device is no longer active");
    } else if (t.revoked) {
      refusal = error_response(ErrorCode::kUnauthenticated, revoked_message(t.device_code));
    }
    known_tokens_[t.token_hash] = std::move(refusal);
  }
  const auto known = known_tokens_.find(token_hash);
  if (known != known_tokens_.end()) return known->second;
  return error_response(ErrorCode::kUnauthenticated, "the device token is not known");
}

void SyncService::add_known_token(const std::string& token_hash) {
  std::lock_guard lock(tokens_mutex_);
  known_tokens_[token_hash] = std::nullopt;
  added_tokens_[token_hash] = std::chrono::steady_clock::now();
}

HttpResponse SyncService::route(const HttpRequest& request) {
  if (request.body.size() > options_.max_body_bytes) {
    return error_response(
        ErrorCode::kTooLarge,
        "the request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  const size_t query_start = request.path.find('?');
  const std::string path = request.path.substr(0, query_start);
  const std::string query =
      query_start == std::string::npos ? "" : request.path.substr(query_start + 1);
  if (path.rfind("/v1/blobs/", 0) == 0) return route_blobs(request, path, query);
  if (options_.console && (path == "/" || path.rfind("/console/", 0) == 0)) {
    if (request.method != "GET" && request.method != "HEAD") {
      return error_response(ErrorCode::kMethodNotAllowed, "the console's pages take GET");
    }
    if (auto file = console_file(path)) return *file;
    return error_response(ErrorCode::kNotFound, "no such page: " + path.substr(0, 100));
  }
  if (options_.console && path.rfind("/v1/office/", 0) == 0) return route_office(request, path);
  const bool post = request.method == "POST";
  if (path == "/v1/health") {
    return ok_response(Json{{"ok", true}, {"server_time_ms", clock_.now_ms()},
                            {"protocol_version", kProtocolVersion}, {"schema_version", schema_.version()}}
                           .dump());
  }
  if (path != "/v1/enroll" && path != "/v1/push" && path != "/v1/pull") {
    return error_response(ErrorCode::kNotFound, "no such endpoint: " + path.substr(0, 100));
  }
  if (!post) return error_response(ErrorCode::kMethodNotAllowed, path + " takes POST");
  if (path == "/v1/enroll") return enroll(request.body);
  if (path == "/v1/push") return push(request.bearer_token, request.body);
  return pull(request.bearer_token, request.body);
}

HttpResponse SyncService::enroll(const std::string& body) {
  auto request = decode_enroll_request(body);
  if (!request.ok()) {
    if (auto newer = versions_of_refused(body, schema_)) return *newer;
    return from_status(request.status());
  }
  if (auto bad = check_versions(request->protocol_version, request->schema_version, schema_)) return *bad;
  auto txn = store_.begin(true);
  if (!txn.ok()) return from_status(txn.status());
  auto redeemed = (*txn)->redeem_enrollment_code(code_hash(store_.code_key(), typed_code(request->enrollment_code)),
                                                 clock_.now_ms());
  if (!redeemed.ok()) return from_status(redeemed.status());
  if (!*redeemed) {
    return error_response(
        ErrorCode::kUnauthenticated,
        "the enrollment code is not valid: it is unknown, already used or expired");
  }
  // Every refusal below returns before the commit: the code stays unused and no device
  // row is written.
  auto user = (*txn)->get_user((*redeemed)->user);
  if (!user.ok()) return from_status(user.status());
  if (!*user || !(*user)->active)
    return error_response(ErrorCode::kUnauthenticated, "the user is not active");
  if (!request->user.empty() && request->user != (*user)->name) {
    return error_response(ErrorCode::kFailedPrecondition,
                          "this phone's data belongs to user " + request->user +
                              " but the code was issued for " + (*user)->name +
                              "; the code is still unused");
  }
  const std::string token = random_token();
  Device device;
  if (!(*redeemed)->device_id.empty()) {
    auto devices = (*txn)->list_devices();
    if (!devices.ok()) return from_status(devices.status());
    for (const Device& d : *devices)
      if (d.id == (*redeemed)->device_id) device = d;
    if (device.id.empty())
      return error_response(ErrorCode::kNotFound, "the device this code re-admits is gone");
    // Only the revoked device's own phone may take it back: another phone would take
    // over its device code, its receipt numbers and its change numbers.
    if (request->receipt_code.empty()) {
      return error_response(ErrorCode::kFailedPrecondition,
                            "this code re-admits device " + device.device_code +
                                ", and this phone was never that device: enroll with it the "
                                "database of device " + device.device_code +
                                "; the code is still unused");
    }
    if (typed_code(request->receipt_code) != device.device_code) {
      return error_response(ErrorCode::kFailedPrecondition,
                            "this code re-admits device " + device.device_code +
                                " but this phone is device " + request->receipt_code +
                                "; the code is still unused");
    }
    if (Status s = (*txn)->readmit_device(device.id, secret_hash(token), clock_.now_ms()); !s.ok())
      return from_status(s);
  } else {
    device.id = new_id(clock_);
    device.user = (*user)->name;
    device.created_ms = clock_.now_ms();
    if (!request->receipt_code.empty()) {
      // A phone whose receipts carry a code must keep it, or two receipt books would
      // share numbers. A code already held by a device is re-admitted, not re-enrolled.
      auto taken = (*txn)->device_by_code(request->receipt_code);
      if (!taken.ok()) return from_status(taken.status());
      if (*taken) {
        return error_response(ErrorCode::kFailedPrecondition,
                              "this phone is device " +
                                  request->receipt_code + ", which the server knows; ask the "
                                  "office for `fieldsync-server readmit " +
                                  request->receipt_code + "` and enroll with the code it "
                                  "prints; this code is still unused");
      }
      device.device_code = request->receipt_code;
    }
    for (int attempt = 0; attempt < 20 && device.device_code.empty(); ++attempt) {
      std::string code = random_code(4);
      auto taken = (*txn)->device_by_code(code);
      if (!taken.ok()) return from_status(taken.status());
      if (!*taken) device.device_code = code;
    }
    if (device.device_code.empty())
      return error_response(ErrorCode::kInternal, "no free device code", true);
    if (Status s = (*txn)->put_device(device, secret_hash(token)); !s.ok()) return from_status(s);
  }
  if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
  txn->reset();  // the store's lock is released before the token map's is taken
  add_known_token(secret_hash(token));
  return ok_response(encode(EnrollResponse{device.id, device.device_code, token, device.user,
                                           (*user)->role, clock_.now_ms()}));
}

namespace {

// The answer to a push whose new changes would pass a quota on changes a day, or
// nothing when they would not.
std::optional<HttpResponse> changes_quota_refusal(ServerTransaction& txn, const Clock& clock,
                                                  const Caller& caller, const PushRequest& request) {
  int64_t fresh = 0;  // replays of answered changes cost nothing
  for (const WireChange& change : request.changes) fresh += change.seq > caller.device.last_seq;
  if (fresh == 0) return std::nullopt;
  const Quotas* quotas = &caller.quotas;
  constexpr int64_t kDayMs = 24 * 3600 * 1000;
  auto sent = txn.changes_since(caller.device.device_code, caller.user.name, clock.now_ms() - kDayMs);
  if (!sent.ok()) return from_status(sent.status());
  const auto over = [&](int64_t count, int64_t quota, const char* name, const std::string& whose) {
    if (count + fresh <= quota) return std::string();
    return whose + " sent " + std::to_string(count) + " changes in the last 24 hours; " +
           std::to_string(fresh) + " more would pass " + std::to_string(quota) + " (quota " + name +
           "); the changes wait on the phone until the office raises it (fieldsync-server quota " +
           name + " N) or the day has passed";
  };
  for (const std::string& refusal :
       {over(sent->device, quotas->changes_per_day_per_device, "changes_per_day_per_device",
             "this device"),
        over(sent->user, quotas->changes_per_day_per_user, "changes_per_day_per_user",
             caller.user.name + "'s devices")}) {
    if (!refusal.empty()) return error_response(ErrorCode::kQuotaExceeded, refusal);
  }
  return std::nullopt;
}

}  // namespace

HttpResponse SyncService::push(const std::string& token, const std::string& body) {
  auto request = decode_push_request(body);
  std::set<std::string> proven;
  const bool proofs =
      request.ok() && std::any_of(request->changes.begin(), request->changes.end(),
                                  [](const WireChange& c) { return !c.proof.empty(); });
  if (proofs && blobs_ != nullptr) {
    // Proofs are checked before the write transaction, and only for a caller the
    // server knows: reading blobs is not for anyone's asking.
    {
      auto read = store_.begin(false);
      if (!read.ok()) return from_status(read.status());
      Caller caller;
      if (auto denied = authenticate(**read, token, clock_.now_ms(), caller)) return *denied;
    }
    auto checked = proven_attachments(*blobs_, request->changes);
    if (!checked.ok()) return from_status(checked.status());
    proven = std::move(checked).value();
  }
  auto txn = store_.begin(true);
  if (!txn.ok()) return from_status(txn.status());
  Admitted admitted;
  if (auto refused = admit(**txn, token, body, request, schema_, clock_.now_ms(), admitted))
    return *refused;
  if (auto over = changes_quota_refusal(**txn, clock_, admitted.caller, *request)) return *over;
  PushBatch batch(**txn, schema_, clock_, options_, admitted.caller.device, admitted.caller.user,
                  admitted.scope, request->schema_version, request->device_time_ms,
                  std::move(proven));
  PushResponse response;
  for (const WireChange& change : request->changes) {
    auto result = batch.apply(change);
    if (!result.ok()) return from_status(result.status());
    response.results.push_back(std::move(result).value());
  }
  if (Status s = batch.finish(); !s.ok()) return from_status(s);
  if (Status s = (*txn)->commit(); !s.ok()) return from_status(s);
  response.server_time_ms = clock_.now_ms();
  response.clock_ahead_ms = batch.clock_ahead_ms();
  return ok_response(encode(response));
}

HttpResponse SyncService::pull(const std::string& token, const std::string& body) {
  auto request = decode_pull_request(body);
  auto txn = store_.begin(false);
  if (!txn.ok()) return from_status(txn.status());
  Admitted admitted;
  if (auto refused = admit(**txn, token, body, request, schema_, clock_.now_ms(), admitted))
    return *refused;
  const Scope& scope = admitted.scope;
  std::vector<std::string> buckets;
  if (scope.everything) {
    auto all = (*txn)->list_buckets();
    if (!all.ok()) return from_status(all.status());
    buckets = std::move(all).value();
  } else {
    buckets.assign(scope.buckets.begin(), scope.buckets.end());
  }
  PullResponse response;
  response.buckets = buckets;
  if (request->schema_version >= kFirstSchemaWithAccess) {
    auto access = access_of(**txn, admitted.caller.user);
    if (!access.ok()) return from_status(access.status());
    response.access = std::move(access).value();
  }
  if (request->schema_version >= kFirstSchemaWithSettlements) {
    auto settled = (*txn)->settled_since(admitted.caller.device.id, request->settled_after,
                                         kMaxSettlementsPerPull);
    if (!settled.ok()) return from_status(settled.status());
    response.settled.emplace();
    response.settled_cursor = request->settled_after;
    for (const RefusedChange& c : *settled) {
      response.settled->push_back(
          Settlement{c.seq, utf8_prefix(c.change_id, 64), c.state, c.accepted_record, utf8_prefix(c.note, 1000)});
      response.settled_cursor = c.settle_seq;
    }
    response.more = static_cast<int64_t>(settled->size()) == kMaxSettlementsPerPull;
  }
  int64_t room = request->limit;
  for (const std::string& bucket : buckets) {
    auto cursor = request->cursors.find(bucket);
    const int64_t after = cursor == request->cursors.end() ? 0 : cursor->second;
    auto records = (*txn)->records_since(bucket, after, room + 1);
    if (!records.ok()) return from_status(records.status());
    const bool bucket_has_more = static_cast<int64_t>(records->size()) > room;
    if (bucket_has_more) records->resize(static_cast<size_t>(room));
    for (auto& stored : *records) {
      response.cursors[bucket] = stored.seq;
      response.records.push_back(WireRecord{std::move(stored.record), stored.seq});
    }
    room -= static_cast<int64_t>(records->size());
    if (bucket_has_more || room == 0) {
      response.more = response.more || bucket_has_more || &bucket != &buckets.back();
      break;
    }
  }
  response.server_time_ms = clock_.now_ms();
  txn->reset();  // the read ends before renew_token writes
  response.new_device_token = renew_token(admitted.caller, request->protocol_version);
  return ok_response(encode(response));
}

std::string SyncService::renew_token(const Caller& caller, int protocol_version) {
  constexpr int64_t kHourMs = 3600 * 1000;
  constexpr int64_t kDayMs = 24 * kHourMs;
  const Device& device = caller.device;
  const int64_t now = clock_.now_ms();
  const bool due = protocol_version >= kFirstProtocolWithRotation && !device.by_next_token &&
                   now - device.token_issued_ms >= caller.quotas.token_rotation_days * kDayMs;
  const bool seen_long_ago = now - device.last_seen_ms >= kHourMs;
  if (!due && !device.by_next_token && !seen_long_ago) return "";
  // Nothing here may fail the pull: the token the phone used still works either way.
  auto txn = store_.begin(true);
  if (!txn.ok()) return "";
  if (device.by_next_token && !(*txn)->promote_next_token(device.id, now).ok()) return "";
  std::string next;
  if (due) {
    next = random_token();
    if (!(*txn)->offer_next_token(device.id, secret_hash(next)).ok()) return "";
  }
  if (seen_long_ago && !(*txn)->set_device_progress(device.id, 0, now).ok()) return "";
  if (!(*txn)->commit().ok()) return "";
  txn->reset();  // the store's lock is released before the token map's is taken
  if (!next.empty()) add_known_token(secret_hash(next));
  return next;
}

}  // namespace fieldsync::server
