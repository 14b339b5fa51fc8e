#include "fieldsync/protocol.h"
#include "fieldsync/attachments.h"
#include "fieldsync/text_values.h"
#include "json_reader.h"

namespace fieldsync {
namespace {

constexpr int64_t kMaxSeq = INT64_MAX / 2;

Json cursors_to_json(const std::map<std::string, int64_t>& cursors) {
  Json j = Json::object();
  for (const auto& [bucket, seq] : cursors) j[bucket] = seq;
  return j;
}

Result<std::map<std::string, int64_t>> cursors_from_json(const Json& j, const std::string& where) {
  std::map<std::string, int64_t> cursors;
  if (j.size() > 10000) return Status::invalid_argument(where + ": too many cursors");
  for (const auto& [bucket, seq] : j.items()) {
    if (bucket.empty() || bucket.size() > 128) {
      return Status::invalid_argument(where + ": a bucket name must have 1 to 128 characters");
    }
    if (!seq.is_number_integer() || seq.get<int64_t>() < 0) {
      return Status::invalid_argument(where + ": cursor of '" + utf8_prefix(bucket, 60) +
                                      "' must be a whole number, zero or more");
    }
    cursors[bucket] = seq.get<int64_t>();
  }
  return cursors;
}

ChangeOutcome outcome_from_name(const std::string& name, bool& ok) {
  ok = true;
  for (auto o : {ChangeOutcome::kApplied, ChangeOutcome::kMerged, ChangeOutcome::kConflict,
                 ChangeOutcome::kRejected}) {
    if (name == change_outcome_name(o)) return o;
  }
  ok = false;
  return ChangeOutcome::kRejected;
}

Json access_to_json(const Access& a) {
  return {{"buildings", a.buildings}, {"estates", a.estates}, {"role", a.role}, {"user", a.user}};
}

Result<std::vector<std::string>> ids_from_json(const Json& j, const std::string& where) {
  std::vector<std::string> out;
  if (j.size() > 10000) return Status::invalid_argument(where + ": too many entries");
  for (const auto& item : j) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > 64) {
      return Status::invalid_argument(where + ": each entry must be an id");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<Access> access_from_json(const Json& j) {
  JsonReader in(j, "pull response: access");
  Access a;
  a.user = in.text("user", 64);
  a.role = in.text("role", 32);
  const Json& estates = in.array("estates");
  const Json& buildings = in.array("buildings");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  auto e = ids_from_json(estates, "pull response: access: estates");
  if (!e.ok()) return e.status();
  auto b = ids_from_json(buildings, "pull response: access: buildings");
  if (!b.ok()) return b.status();
  a.estates = std::move(e).value();
  a.buildings = std::move(b).value();
  return a;
}

Json record_fields_to_json(const Record& r) {
  return {{"collection", r.collection}, {"id", r.id},         {"bucket", r.bucket},
          {"fields", r.fields},         {"stamps", r.stamps}};
}

}  // namespace

Json change_result_to_json(const ChangeResult& r) {
  Json j = {{"seq", r.seq}, {"change_id", r.change_id}, {"outcome", change_outcome_name(r.outcome)}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

Result<ChangeResult> change_result_from_json(const Json& j) {
  JsonReader in(j, "change result");
  ChangeResult r;
  r.seq = in.integer("seq", 1, kMaxSeq);
  r.change_id = in.text("change_id", 64);
  const std::string outcome = in.text("outcome", 16);
  r.reason = in.optional_text("reason", 4096);
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  bool known = false;
  r.outcome = outcome_from_name(outcome, known);
  if (!known) return Status::invalid_argument("change result: unknown outcome '" + outcome + "'");
  return r;
}

Json wire_record_to_json(const WireRecord& r) {
  Json j = record_fields_to_json(r.record);
  j["seq"] = r.seq;
  return j;
}

std::string encode(const EnrollRequest& m) {
  Json out = {{"protocol_version", m.protocol_version},
              {"schema_version", m.schema_version},
              {"enrollment_code", m.enrollment_code}};
  if (!m.user.empty()) out["user"] = m.user;
  if (!m.receipt_code.empty()) out["receipt_code"] = m.receipt_code;
  return out.dump();
}

std::string encode(const EnrollResponse& m) {
  return Json{{"device_id", m.device_id},       {"device_code", m.device_code},
              {"device_token", m.device_token}, {"user", m.user},
              {"role", m.role},                 {"server_time_ms", m.server_time_ms}}
      .dump();
}

Json wire_change_to_json(const WireChange& w) {
  const IncomingChange& c = w.change;
  Json out = {{"seq", w.seq},
              {"change_id", c.change_id},
              {"collection", c.collection},
              {"record_id", c.record_id},
              {"kind", c.kind},
              {"fields", c.fields},
              {"stamps", c.stamps},
              {"base", c.base}};
  if (!w.proof.empty()) out["proof"] = w.proof;
  return out;
}

std::string encode(const PushRequest& m) {
  Json changes = Json::array();
  for (const auto& w : m.changes) changes.push_back(wire_change_to_json(w));
  Json out = {{"protocol_version", m.protocol_version},
              {"schema_version", m.schema_version},
              {"changes", std::move(changes)}};
  if (m.device_time_ms > 0) out["device_time_ms"] = m.device_time_ms;
  return out.dump();
}

std::string encode(const PushResponse& m) {
  Json results = Json::array();
  for (const auto& r : m.results) results.push_back(change_result_to_json(r));
  return Json{{"results", std::move(results)},
              {"server_time_ms", m.server_time_ms},
              {"clock_ahead_ms", m.clock_ahead_ms}}
      .dump();
}

std::string encode(const PullRequest& m) {
  Json out = {{"protocol_version", m.protocol_version},
              {"schema_version", m.schema_version},
              {"cursors", cursors_to_json(m.cursors)},
              {"limit", m.limit}};
  if (m.settled_after > 0) out["settled_after"] = m.settled_after;
  return out.dump();
}

namespace {

// The same text as wire_record_to_json(r).dump(), written without first copying the
// record's fields and stamps into a new JSON tree: a pull page holds up to a thousand
// records, and the copies cost the server as much as the writing.
void append_wire_record(const WireRecord& r, std::string& out) {
  out += "{\"bucket\":";
  out += Json(r.record.bucket).dump();
  out += ",\"collection\":";
  out += Json(r.record.collection).dump();
  out += ",\"fields\":";
  out += r.record.fields.dump();
  out += ",\"id\":";
  out += Json(r.record.id).dump();
  out += ",\"seq\":";
  out += std::to_string(r.seq);
  out += ",\"stamps\":";
  out += r.record.stamps.dump();
  out += '}';
}

}  // namespace

std::string encode(const PullResponse& m) {
  // Keys in the order Json::dump() writes them, so the text is that of one document.
  std::string out = "{";
  if (m.access) out += "\"access\":" + access_to_json(*m.access).dump() + ",";
  out += "\"buckets\":" + Json(m.buckets).dump();
  out += ",\"cursors\":" + cursors_to_json(m.cursors).dump();
  out += ",\"more\":" + Json(m.more).dump();
  out += ",\"records\":[";
  for (size_t i = 0; i < m.records.size(); ++i) {
    if (i > 0) out += ',';
    append_wire_record(m.records[i], out);
  }
  out += "],\"server_time_ms\":" + std::to_string(m.server_time_ms);
  if (m.settled) {
    Json settled = Json::array();
    for (const Settlement& s : *m.settled) {
      settled.push_back({{"seq", s.seq},
                         {"change_id", s.change_id},
                         {"outcome", s.outcome},
                         {"record_id", s.record_id},
                         {"note", s.note}});
    }
    out += ",\"settled\":" + settled.dump();
    out += ",\"settled_cursor\":" + std::to_string(m.settled_cursor);
  }
  if (!m.new_device_token.empty())
    out += ",\"new_device_token\":" + Json(m.new_device_token).dump();
  out += "}";
  return out;
}

// A message may quote what a client sent: bytes that are not UTF-8 are sent as U+FFFD
// rather than failing the answer.
std::string encode(const ErrorBody& m) {
  return Json{
      {"error",
       {{"code", error_code_name(m.code)}, {"message", m.message}, {"retryable", m.retryable}}}}
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<EnrollRequest> decode_enroll_request(const std::string& body) {
  auto j = parse_json_object(body, "enroll request");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "enroll request");
  EnrollRequest m;
  m.protocol_version = static_cast<int>(in.integer("protocol_version", 0, kMaxVersion));
  m.schema_version = static_cast<int>(in.integer("schema_version", 0, kMaxVersion));
  m.enrollment_code = in.text("enrollment_code", 64);
  m.user = in.optional_text("user", 256);
  m.receipt_code = in.optional_text("receipt_code", 16);
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  return m;
}

Result<EnrollResponse> decode_enroll_response(const std::string& body) {
  auto j = parse_json_object(body, "enroll response");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "enroll response");
  EnrollResponse m;
  m.device_id = in.text("device_id", 64);
  m.device_code = in.text("device_code", 16);
  m.device_token = in.text("device_token", kMaxTokenLength);
  m.user = in.text("user", 64);
  m.role = in.text("role", 32);
  m.server_time_ms = in.integer("server_time_ms", 0, INT64_MAX);
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  return m;
}

Result<PushRequest> decode_push_request(const std::string& body) {
  auto j = parse_json_object(body, "push request");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "push request");
  PushRequest m;
  m.protocol_version = static_cast<int>(in.integer("protocol_version", 0, kMaxVersion));
  m.schema_version = static_cast<int>(in.integer("schema_version", 0, kMaxVersion));
  m.device_time_ms = in.optional_integer("device_time_ms", 0, INT64_MAX, 0);
  const Json& changes = in.array("changes");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  if (changes.size() > kMaxPushChanges) {
    return Status::invalid_argument("push request: at most " + std::to_string(kMaxPushChanges) +
                                    " changes per push; send the rest in another");
  }
  int64_t previous_seq = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    const std::string where = "push request: change " + std::to_string(i + 1);
    JsonReader c(changes[i], where);
    WireChange w;
    w.seq = c.integer("seq", 1, kMaxSeq);
    w.change.change_id = c.text("change_id", 64);
    w.change.collection = c.text("collection", 64);
    w.change.record_id = c.text("record_id", 64);
    w.change.kind = c.text("kind", 16);
    w.change.fields = c.object("fields");
    w.change.stamps = c.object("stamps");
    w.change.base = c.object("base");
    w.proof = c.optional_text("proof", 64);
    FIELDSYNC_RETURN_IF_ERROR(c.finish());
    if (!w.proof.empty() && !is_sha256_hex(w.proof)) {
      return Status::invalid_argument(where + ": proof must be 64 lowercase hexadecimal digits");
    }
    if (w.seq <= previous_seq) {
      return Status::invalid_argument(where + ": seq must increase through the batch");
    }
    previous_seq = w.seq;
    m.changes.push_back(std::move(w));
  }
  return m;
}

Result<PushResponse> decode_push_response(const std::string& body) {
  auto j = parse_json_object(body, "push response");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "push response");
  PushResponse m;
  const Json& results = in.array("results");
  m.server_time_ms = in.integer("server_time_ms", 0, INT64_MAX);
  m.clock_ahead_ms = in.integer("clock_ahead_ms", 0, INT64_MAX);
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  for (const auto& r : results) {
    auto result = change_result_from_json(r);
    if (!result.ok()) return result.status().with_context("push response");
    m.results.push_back(std::move(result).value());
  }
  return m;
}

namespace {

Result<std::vector<Settlement>> settlements_from_json(const Json& list) {
  if (list.size() > static_cast<size_t>(kMaxSettlementsPerPull)) {
    return Status::invalid_argument("pull response: more than " +
                                    std::to_string(kMaxSettlementsPerPull) + " settlements");
  }
  std::vector<Settlement> out;
  for (size_t i = 0; i < list.size(); ++i) {
    JsonReader r(list[i], "pull response: settlement " + std::to_string(i + 1));
    Settlement s;
    s.seq = r.integer("seq", 0, INT64_MAX);
    s.change_id = r.text("change_id", 64);
    s.outcome = r.text("outcome", 16);
    s.record_id = r.text("record_id", 64);
    s.note = r.text("note", 4096);
    FIELDSYNC_RETURN_IF_ERROR(r.finish());
    if (s.outcome != "accepted" && s.outcome != "voided") {
      return Status::invalid_argument("pull response: settlement " + std::to_string(i + 1) +
                                      ": unknown outcome '" + utf8_prefix(s.outcome, 16) + "'");
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Result<PullRequest> decode_pull_request(const std::string& body) {
  auto j = parse_json_object(body, "pull request");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "pull request");
  PullRequest m;
  m.protocol_version = static_cast<int>(in.integer("protocol_version", 0, kMaxVersion));
  m.schema_version = static_cast<int>(in.integer("schema_version", 0, kMaxVersion));
  const Json& cursors = in.object("cursors");
  m.limit = in.optional_integer("limit", 1, kMaxPullLimit, 1000);
  m.settled_after = in.optional_integer("settled_after", 0, INT64_MAX, 0);
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  auto parsed = cursors_from_json(cursors, "pull request: cursors");
  if (!parsed.ok()) return parsed.status();
  m.cursors = std::move(parsed).value();
  return m;
}

Result<PullResponse> decode_pull_response(const std::string& body) {
  auto j = parse_json_object(body, "pull response");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "pull response");
  PullResponse m;
  if (j->contains("access")) {
    auto access = access_from_json(in.object("access"));
    if (!access.ok()) return access.status();
    m.access = std::move(access).value();
  }
  const Json& buckets = in.array("buckets");
  (void)in.array("records");
  const Json& cursors = in.object("cursors");
  m.more = in.boolean("more");
  m.server_time_ms = in.integer("server_time_ms", 0, INT64_MAX);
  if (j->contains("settled")) {
    auto settled = settlements_from_json(in.array("settled"));
    if (!settled.ok()) return settled.status();
    m.settled = std::move(settled).value();
    m.settled_cursor = in.integer("settled_cursor", 0, INT64_MAX);
  }
  if (j->contains("new_device_token")) {
    m.new_device_token = in.text("new_device_token", kMaxTokenLength);
    if (m.new_device_token.empty()) {
      return Status::invalid_argument("pull response: new_device_token is empty");
    }
  }
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  for (const auto& b : buckets) {
    if (!b.is_string()) return Status::invalid_argument("pull response: buckets must be strings");
    m.buckets.push_back(b.get<std::string>());
  }
  // Each record's fields and stamps are moved out of the parsed page, not copied.
  Json& records = (*j)["records"];
  m.records.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    Json& record = records[i];
    JsonReader r(record, "pull response: record " + std::to_string(i + 1));
    WireRecord w;
    w.record.collection = r.text("collection", 64);
    w.record.id = r.text("id", 64);
    w.record.bucket = r.text("bucket", 128);
    (void)r.object("fields");
    (void)r.object("stamps");
    w.seq = r.integer("seq", 1, kMaxSeq);
    FIELDSYNC_RETURN_IF_ERROR(r.finish());
    w.record.fields = std::move(record["fields"]);
    w.record.stamps = std::move(record["stamps"]);
    m.records.push_back(std::move(w));
  }
  auto parsed = cursors_from_json(cursors, "pull response: cursors");
  if (!parsed.ok()) return parsed.status();
  m.cursors = std::move(parsed).value();
  return m;
}

Result<ErrorBody> decode_error(const std::string& body) {
  auto j = parse_json_object(body, "error response");
  if (!j.ok()) return j.status();
  JsonReader outer(*j, "error response");
  const Json& error = outer.object("error");
  FIELDSYNC_RETURN_IF_ERROR(outer.finish());
  JsonReader in(error, "error response");
  ErrorBody m;
  m.code = error_code_from_name(in.text("code", 64));
  m.message = in.text("message", 8192);
  m.retryable = in.boolean("retryable");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  return m;
}

// ---- Blobs ----

namespace {

constexpr BlobState kBlobStates[] = {BlobState::kMissing, BlobState::kPartial, BlobState::kComplete,
                                     BlobState::kForbidden};

Result<std::string> blob_hash_from_json(const Json& j, const std::string& where) {
  if (!j.is_string() || !is_sha256_hex(j.get_ref<const std::string&>())) {
    return Status::invalid_argument(where + " must be 64 lowercase hexadecimal digits");
  }
  return j.get<std::string>();
}

}  // namespace

const char* blob_state_name(BlobState state) {
  switch (state) {
    case BlobState::kMissing:
      return "missing";
    case BlobState::kPartial:
      return "partial";
    case BlobState::kComplete:
      return "complete";
    case BlobState::kForbidden:
      return "forbidden";
  }
  return "missing";
}

std::string encode(const BlobStatusRequest& m) {
  return Json{{"protocol_version", m.protocol_version},
              {"schema_version", m.schema_version},
              {"hashes", m.hashes}}
      .dump();
}

std::string encode(const BlobStatusResponse& m) {
  Json blobs = Json::array();
  for (const auto& b : m.blobs) {
    blobs.push_back(
        {{"hash", b.hash}, {"state", blob_state_name(b.state)}, {"received", b.received}});
  }
  return Json{{"blobs", std::move(blobs)}}.dump();
}

std::string encode(const BlobPutResponse& m) {
  return Json{{"received", m.received}, {"complete", m.complete}}.dump();
}

Result<BlobStatusRequest> decode_blob_status_request(const std::string& body) {
  auto j = parse_json_object(body, "blob status request");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "blob status request");
  BlobStatusRequest m;
  m.protocol_version = static_cast<int>(in.integer("protocol_version", 0, kMaxVersion));
  m.schema_version = static_cast<int>(in.integer("schema_version", 0, kMaxVersion));
  const Json& hashes = in.array("hashes");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  if (hashes.size() > kMaxBlobStatusHashes) {
    return Status::invalid_argument("blob status request: at most " +
                                    std::to_string(kMaxBlobStatusHashes) +
                                    " hashes per request; ask for the rest in another");
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    auto hash =
        blob_hash_from_json(hashes[i], "blob status request: hash " + std::to_string(i + 1));
    if (!hash.ok()) return hash.status();
    m.hashes.push_back(std::move(hash).value());
  }
  return m;
}

Result<BlobStatusResponse> decode_blob_status_response(const std::string& body) {
  auto j = parse_json_object(body, "blob status response");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "blob status response");
  const Json& blobs = in.array("blobs");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  BlobStatusResponse m;
  for (size_t i = 0; i < blobs.size(); ++i) {
    const std::string where = "blob status response: blob " + std::to_string(i + 1);
    JsonReader b(blobs[i], where);
    BlobStatus s;
    s.hash = b.text("hash", 64);
    const std::string state = b.text("state", 16);
    s.received = b.integer("received", 0, INT64_MAX);
    FIELDSYNC_RETURN_IF_ERROR(b.finish());
    if (!is_sha256_hex(s.hash)) {
      return Status::invalid_argument(where + ": a hash must be 64 lowercase hexadecimal digits");
    }
    bool known = false;
    for (BlobState candidate : kBlobStates) {
      if (state == blob_state_name(candidate)) {
        s.state = candidate;
        known = true;
      }
    }
    if (!known) {
      return Status::invalid_argument(where + ": unknown state '" + utf8_prefix(state, 16) + "'");
    }
    m.blobs.push_back(std::move(s));
  }
  return m;
}

Result<BlobPutResponse> decode_blob_put_response(const std::string& body) {
  auto j = parse_json_object(body, "blob upload response");
  if (!j.ok()) return j.status();
  JsonReader in(*j, "blob upload response");
  BlobPutResponse m;
  m.received = in.integer("received", 0, INT64_MAX);
  m.complete = in.boolean("complete");
  FIELDSYNC_RETURN_IF_ERROR(in.finish());
  return m;
}

WireChange to_wire(const OutboxChange& c) {
  WireChange w;
  w.seq = c.seq;
  w.change.change_id = c.change_id;
  w.change.collection = c.collection;
  w.change.record_id = c.record_id;
  w.change.kind = c.kind;
  w.change.fields = c.fields;
  w.change.stamps = c.stamps;
  w.change.base = c.base;
  return w;
}

PossessionProof::PossessionProof(const std::string& record_id) {
  const std::string label = "fieldsync blob possession\n" + record_id + "\n";
  hash_.update(label.data(), label.size());
}

void PossessionProof::update(std::string_view bytes) {
  hash_.update(bytes.data(), bytes.size());
}

std::string PossessionProof::hex() {
  return hash_.hex();
}

}  // namespace fieldsync
