// Fuzzes the sync protocol's decoders (sync/include/fieldsync/protocol.h) with
// arbitrary bytes: every input goes through every decoder, as any body can reach any
// endpoint. For each decoder:
//   - it never throws or crashes, whatever the bytes;
//   - a refusal is an invalid_argument whose message the server can send back in an
//     ErrorBody (valid UTF-8, so the JSON encoder accepts it; a body that is not UTF-8
//     is not JSON, and is refused as such);
//   - a message it accepts re-encodes, decodes again, and encodes to the same text.
// A push request it accepts is then merged change by change as the server would (each
// record starting from what the earlier changes of the batch made of it), and the push
// response with every outcome and reason must encode.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <string>

#include "fieldsync/merge.h"
#include "fieldsync/protocol.h"
#include "fuzz_check.h"

namespace fieldsync::fuzz {
namespace {

// Decodes `body`, checks a refusal or the round trip; the message when accepted.
template <class Message>
std::optional<Message> decode_and_round_trip(const char* what,
                                             Result<Message> (*decode)(const std::string&),
                                             const std::string& body) {
  Result<Message> decoded = decode(body);
  if (!decoded.ok()) {
    check_refusal(decoded.status(), what, /*input_was_utf8=*/true);
    FUZZ_CHECK(decoded.status().code() == StatusCode::kInvalidArgument,
               std::string(what) + ": refused with " + decoded.status().to_string());
    // What the server answers with (sync_service.cpp): must encode, never throw.
    (void)encode(ErrorBody{ErrorCode::kInvalidArgument, decoded.status().message(), false});
    return std::nullopt;
  }
  const std::string encoded = encode(*decoded);
  Result<Message> again = decode(encoded);
  FUZZ_CHECK(again.ok(), std::string(what) + ": its own encoding is refused: " +
                             again.status().to_string() + "\n  encoding: " + encoded);
  FUZZ_CHECK(encode(*again) == encoded, std::string(what) + ": not stable under a round trip:\n  " +
                                            encoded + "\n  " + encode(*again));
  return std::move(decoded).value();
}

// Merges the batch as the server's push does, minus storage and permissions.
void merge_batch(const PushRequest& request) {
  const Schema& schema = Schema::property_management();
  std::map<std::string, Record> records;  // what the batch has made so far
  PushResponse response;
  for (const WireChange& wire : request.changes) {
    const IncomingChange& change = wire.change;
    ChangeResult result{wire.seq, change.change_id, ChangeOutcome::kRejected, ""};
    if (auto problem = check_change_shape(change)) {
      FUZZ_CHECK(is_valid_utf8(*problem), "change shape problem is not UTF-8: " + *problem);
      result.reason = *problem;
    } else if (const CollectionDef* collection = schema.find(change.collection)) {
      auto found = records.find(change.record_id);
      std::optional<Record> current;
      if (found != records.end()) current = found->second;
      MergeResult merged = merge_change(*collection, schema, current, change);
      FUZZ_CHECK(is_valid_utf8(merged.reason), "merge reason is not UTF-8: " + merged.reason);
      FUZZ_CHECK(merged.outcome != ChangeOutcome::kRejected || !merged.changed,
                 "a rejected change changed the record");
      if (merged.changed) {
        // Whatever the merge writes must be storable and sendable in a pull.
        (void)wire_record_to_json(WireRecord{merged.record, wire.seq}).dump();
        records[change.record_id] = merged.record;
      }
      result.outcome = merged.outcome;
      result.reason = merged.reason;
    }
    response.results.push_back(std::move(result));
  }
  (void)encode(response);
}

void fuzz_one(const std::string& body) {
  decode_and_round_trip("enroll request", decode_enroll_request, body);
  decode_and_round_trip("enroll response", decode_enroll_response, body);
  decode_and_round_trip("pull request", decode_pull_request, body);
  decode_and_round_trip("pull response", decode_pull_response, body);
  decode_and_round_trip("push response", decode_push_response, body);
  decode_and_round_trip("error", decode_error, body);
  if (auto push = decode_and_round_trip("push request", decode_push_request, body)) {
    merge_batch(*push);
  }
}

}  // namespace
}  // namespace fieldsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fieldsync::fuzz::fuzz_one(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
  }
  return 0;
}
