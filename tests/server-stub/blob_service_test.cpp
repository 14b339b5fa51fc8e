// The blob endpoints of the sync service, in process (docs/protocol.md, "Attachments"):
// status, chunked and resumable uploads, ranged downloads, scope by attachments records,
// every refusal the protocol names; the BlobStore's durability across a reopen; and the
// codec of the blob messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "fieldsync/attachments.h"
#include "fieldsync/hlc.h"
#include "fieldsync/id.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/blob_store.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/server/sync_service.h"
#include "quotas.h"
#include "support/sync_world.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;
using server::BlobHolding;
using server::BlobStore;
using testing::must;
using testing::SyncWorld;

// Bytes of every value, NUL and 0xFF included.
std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(random() & 0xFF);
  return bytes;
}

std::string token_of(testing::TestDevice& device) {
  return must(device.store->sync_value(kSyncToken));
}

// A SyncWorld whose service keeps blobs, with a work order in each building.
class BlobWorld {
 public:
  explicit BlobWorld(int64_t max_blob_bytes = int64_t{50} << 20) {
    server::SyncServiceOptions options;
    options.max_blob_bytes = max_blob_bytes;
    world.keep_attachments(options);
    order_a = work_order(world.building_a);
    order_b = work_order(world.building_b);
  }

  std::string work_order(const std::string& building) {
    return must(world.admin->create_record("work_orders",
                                           {{"building", building},
                                            {"area", "lobby"},
                                            {"category", "plumbing"},
                                            {"channel", "phone"},
                                            {"description", "leak"},
                                            {"priority", "normal"},
                                            {"status", "reported"},
                                            {"reported_at", testing::kSaturdayMorning}}))
        .id;
  }

  // An attachments record on `order` naming `hash` (of `size` bytes).
  void attach(const std::string& order, const std::string& hash, int64_t size) {
    must(world.admin->create_record("attachments", {{"work_order", order},
                                                    {"sha256", hash},
                                                    {"size", size},
                                                    {"media_type", "image/jpeg"},
                                                    {"attached_by", "alice"},
                                                    {"attached_at", testing::kSaturdayMorning}}));
  }

  HttpResponse put_query(const std::string& token, const std::string& hash,
                         const std::string& query, const std::string& bytes) {
    return world.service->handle(
        {"PUT", "/v1/blobs/" + hash + "?" + query, token, bytes, "application/octet-stream"});
  }

  HttpResponse put(const std::string& token, const std::string& hash, int64_t offset, int64_t size,
                   const std::string& bytes, std::string chunk_sha256 = "") {
    if (chunk_sha256.empty()) chunk_sha256 = Sha256::of(bytes);
    return put_query(token, hash,
                     "offset=" + std::to_string(offset) + "&size=" + std::to_string(size) +
                         "&chunk_sha256=" + chunk_sha256,
                     bytes);
  }

  HttpResponse get(const std::string& token, const std::string& hash, int64_t offset,
                   int64_t length) {
    return world.service->handle({"GET",
                                  "/v1/blobs/" + hash + "?offset=" + std::to_string(offset) +
                                      "&length=" + std::to_string(length),
                                  token, ""});
  }

  HttpResponse status_response(const std::string& token, const std::vector<std::string>& hashes) {
    BlobStatusRequest request;
    request.schema_version = Schema::property_management().version();
    request.hashes = hashes;
    return world.service->handle({"POST", "/v1/blobs/status", token, encode(request)});
  }

  BlobStatus status(const std::string& token, const std::string& hash) {
    HttpResponse response = status_response(token, {hash});
    EXPECT_EQ(response.status, 200) << response.body;
    auto decoded = must(decode_blob_status_response(response.body));
    EXPECT_EQ(decoded.blobs.size(), 1u);
    return decoded.blobs.empty() ? BlobStatus{} : decoded.blobs[0];
  }

  // Complete blobs in the folder (partial/ aside).
  int complete_files() const {
    int n = 0;
    // Complete blobs are named by their hash alone; "<hash>.owner" says who uploaded one.
    for (const auto& entry : fs::directory_iterator(world.blobs->folder())) {
      n += entry.is_regular_file() && entry.path().extension().empty();
    }
    return n;
  }

  SyncWorld world;
  std::string order_a, order_b;
};

std::string error_code_of(const HttpResponse& response) {
  auto error = decode_error(response.body);
  return error.ok() ? std::string(error_code_name(error->code))
                    : "not an error: " + response.body.substr(0, 200);
}

BlobPutResponse put_answer(const HttpResponse& response) {
  EXPECT_EQ(response.status, 200) << response.body;
  return must(decode_blob_put_response(response.body));
}

TEST(BlobService, StatusSaysMissingPartialCompleteOrForbidden) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string whole = random_bytes(3000, 1), half = random_bytes(3000, 2);
  const std::string hash_whole = Sha256::of(whole), hash_half = Sha256::of(half);
  const std::string missing = Sha256::of("never uploaded"), elsewhere = Sha256::of("block b");
  w.attach(w.order_a, hash_whole, 3000);
  w.attach(w.order_a, hash_half, 3000);
  w.attach(w.order_a, missing, 14);
  w.attach(w.order_b, elsewhere, 7);
  const std::string token = token_of(alice);
  EXPECT_TRUE(put_answer(w.put(token, hash_whole, 0, 3000, whole)).complete);
  EXPECT_FALSE(put_answer(w.put(token, hash_half, 0, 3000, half.substr(0, 1000))).complete);

  HttpResponse response = w.status_response(token, {missing, hash_half, elsewhere, hash_whole});
  ASSERT_EQ(response.status, 200) << response.body;
  auto blobs = must(decode_blob_status_response(response.body)).blobs;
  ASSERT_EQ(blobs.size(), 4u);
  EXPECT_EQ(blobs[0].hash, missing);
  EXPECT_EQ(blobs[0].state, BlobState::kMissing);
  EXPECT_EQ(blobs[1].state, BlobState::kPartial);
  EXPECT_EQ(blobs[1].received, 1000);
  EXPECT_EQ(blobs[2].state, BlobState::kForbidden);
  EXPECT_EQ(blobs[2].received, 0);
  EXPECT_EQ(blobs[3].state, BlobState::kComplete);
  EXPECT_EQ(blobs[3].received, 3000);
}

TEST(BlobService, StatusRequestsAreCheckedLikeOtherRequests) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string hash = Sha256::of("x");
  EXPECT_EQ(w.status_response("", {hash}).status, 401);
  EXPECT_EQ(w.status_response("not-a-token", {hash}).status, 401);
  HttpResponse malformed = w.status_response(token_of(alice), {hash, "ABC"});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(error_code_of(malformed), "invalid_argument");
  EXPECT_EQ(w.status_response(token_of(alice), std::vector<std::string>(501, hash)).status, 400);
  EXPECT_EQ(w.status_response(token_of(alice), std::vector<std::string>(500, hash)).status, 200);
  const Json old_app = {{"protocol_version", 1}, {"schema_version", 0}, {"hashes", {hash}}};
  EXPECT_EQ(
      w.world.service->handle({"POST", "/v1/blobs/status", token_of(alice), old_app.dump()}).status,
      Schema::property_management().version() > 1 ? 426 : 200);
  EXPECT_EQ(w.world.service->handle({"GET", "/v1/blobs/status", token_of(alice), ""}).status, 405);
}

TEST(BlobService, ChunksUploadInOrderAndTheBlobReadsBackByRanges) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(10000, 3);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 10000);

  EXPECT_EQ(w.get(token, hash, 0, 100).status, 404);  // not uploaded yet
  BlobPutResponse first = put_answer(w.put(token, hash, 0, 10000, bytes.substr(0, 4000)));
  EXPECT_EQ(first.received, 4000);
  EXPECT_FALSE(first.complete);
  HttpResponse partial_get = w.get(token, hash, 0, 100);
  EXPECT_EQ(partial_get.status, 404);
  EXPECT_TRUE(error_code_of(partial_get) == "not_found" &&
              must(decode_error(partial_get.body)).retryable);
  EXPECT_EQ(put_answer(w.put(token, hash, 4000, 10000, bytes.substr(4000, 4000))).received, 8000);
  BlobPutResponse last = put_answer(w.put(token, hash, 8000, 10000, bytes.substr(8000)));
  EXPECT_EQ(last.received, 10000);
  EXPECT_TRUE(last.complete);
  EXPECT_EQ(w.complete_files(), 1);

  HttpResponse middle = w.get(token, hash, 1234, 5000);
  ASSERT_EQ(middle.status, 200);
  EXPECT_EQ(middle.content_type, "application/octet-stream");
  EXPECT_EQ(middle.body, bytes.substr(1234, 5000));
  EXPECT_EQ(w.get(token, hash, 9000, 4096).body, bytes.substr(9000));  // short at the end
  EXPECT_EQ(w.get(token, hash, 0, kMaxBlobChunk).body, bytes);
  EXPECT_EQ(w.get(token, hash, 10000, 10).body, "");
  EXPECT_EQ(w.get(token, hash, 10001, 10).status, 400);
  EXPECT_EQ(w.get(token, hash, 0, 0).status, 400);
  EXPECT_EQ(w.get(token, hash, 0, kMaxBlobChunk + 1).status, 400);
}

TEST(BlobService, AnUploadBrokenOffContinuesFromWhatTheServerConfirmed) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(9000, 4);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 9000);
  put_answer(w.put(token, hash, 0, 9000, bytes.substr(0, 3000)));

  // The server restarts: a new store over the same folder, a new service.
  w.world.restart_service();

  BlobStatus status = w.status(token, hash);
  EXPECT_EQ(status.state, BlobState::kPartial);
  ASSERT_EQ(status.received, 3000);
  // The device starts over by mistake: told where to continue.
  HttpResponse again = w.put(token, hash, 0, 9000, bytes.substr(0, 3000));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(error_code_of(again), "offset_mismatch");
  EXPECT_TRUE(must(decode_error(again.body)).retryable);
  EXPECT_TRUE(put_answer(w.put(token, hash, 3000, 9000, bytes.substr(3000))).complete);
  EXPECT_EQ(w.get(token, hash, 0, 9000).body, bytes);
}

TEST(BlobService, AChunkAtTheWrongOffsetIsRefusedAndChangesNothing) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(6000, 5);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 6000);
  HttpResponse ahead = w.put(token, hash, 2000, 6000, bytes.substr(2000, 2000));
  EXPECT_EQ(ahead.status, 409);
  EXPECT_EQ(error_code_of(ahead), "offset_mismatch");
  EXPECT_EQ(w.status(token, hash).state, BlobState::kMissing);
  put_answer(w.put(token, hash, 0, 6000, bytes.substr(0, 2000)));
  EXPECT_EQ(w.put(token, hash, 1000, 6000, bytes.substr(1000, 2000)).status, 409);
  EXPECT_EQ(w.put(token, hash, 4000, 6000, bytes.substr(4000)).status, 409);
  EXPECT_EQ(w.status(token, hash).received, 2000);
}

TEST(BlobService, ACorruptedChunkIsRefusedAndNothingIsStored) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(5000, 6);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 5000);
  std::string damaged = bytes.substr(0, 2500);
  damaged[100] = static_cast<char>(damaged[100] ^ 0x01);
  HttpResponse corrupt = w.put(token, hash, 0, 5000, damaged, Sha256::of(bytes.substr(0, 2500)));
  EXPECT_EQ(corrupt.status, 422);
  EXPECT_EQ(error_code_of(corrupt), "chunk_corrupt");
  EXPECT_TRUE(must(decode_error(corrupt.body)).retryable);
  EXPECT_EQ(w.status(token, hash).state, BlobState::kMissing);
  EXPECT_TRUE(fs::is_empty(w.world.blobs->folder() + "/partial"));
  // Sent again intact, it is kept.
  EXPECT_EQ(put_answer(w.put(token, hash, 0, 5000, bytes.substr(0, 2500))).received, 2500);
  damaged = bytes.substr(2500);
  damaged.back() = static_cast<char>(damaged.back() ^ 0x80);
  EXPECT_EQ(w.put(token, hash, 2500, 5000, damaged, Sha256::of(bytes.substr(2500))).status, 422);
  EXPECT_EQ(w.status(token, hash).received, 2500);
  EXPECT_TRUE(put_answer(w.put(token, hash, 2500, 5000, bytes.substr(2500))).complete);
}

TEST(BlobService, BytesThatDoNotHashToTheNameAreDiscardedNeverStored) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(4000, 7), impostor = random_bytes(4000, 8);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 4000);
  put_answer(w.put(token, hash, 0, 4000, impostor.substr(0, 2000)));
  HttpResponse last = w.put(token, hash, 2000, 4000, impostor.substr(2000));
  EXPECT_EQ(last.status, 422);
  EXPECT_EQ(error_code_of(last), "blob_corrupt");
  EXPECT_TRUE(must(decode_error(last.body)).retryable);
  EXPECT_EQ(w.status(token, hash).state, BlobState::kMissing);
  EXPECT_EQ(w.complete_files(), 0);
  EXPECT_TRUE(fs::is_empty(w.world.blobs->folder() + "/partial"));
  EXPECT_EQ(w.get(token, hash, 0, 10).status, 404);
  // Sent again from offset 0, the right bytes are kept.
  put_answer(w.put(token, hash, 0, 4000, bytes.substr(0, 2000)));
  EXPECT_TRUE(put_answer(w.put(token, hash, 2000, 4000, bytes.substr(2000))).complete);
  EXPECT_EQ(w.get(token, hash, 0, 4000).body, bytes);
}

TEST(BlobService, TheSizeMustBeTheRecordsAndWithinTheServersLimit) {
  BlobWorld w(/*max_blob_bytes=*/8192);
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(5000, 9), big = random_bytes(9000, 10);
  const std::string hash = Sha256::of(bytes), big_hash = Sha256::of(big);
  w.attach(w.order_a, hash, 5000);
  w.attach(w.order_a, big_hash, 9000);
  HttpResponse wrong = w.put(token, hash, 0, 6000, bytes.substr(0, 1000));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("5000"), std::string::npos) << wrong.body;
  HttpResponse too_big = w.put(token, big_hash, 0, 9000, big.substr(0, 1000));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(error_code_of(too_big), "too_large");
  EXPECT_EQ(w.status(token, hash).state, BlobState::kMissing);
  EXPECT_EQ(w.status(token, big_hash).state, BlobState::kMissing);
}

TEST(BlobService, TheSamePhotoFromTwoDevicesIsStoredOnce) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& bob = w.world.enroll("bob", "patrol", {w.world.building_a});
  const std::string bytes = random_bytes(7000, 11);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 7000);
  w.attach(w.work_order(w.world.building_a), hash, 7000);
  EXPECT_TRUE(put_answer(w.put(token_of(alice), hash, 0, 7000, bytes)).complete);
  EXPECT_EQ(w.status(token_of(bob), hash).state, BlobState::kComplete);
  // Bob's phone sends its first chunk anyway: done at once, nothing written.
  BlobPutResponse answer = put_answer(w.put(token_of(bob), hash, 0, 7000, bytes.substr(0, 100)));
  EXPECT_TRUE(answer.complete);
  EXPECT_EQ(answer.received, 7000);
  EXPECT_EQ(w.complete_files(), 1);
  EXPECT_TRUE(fs::is_empty(w.world.blobs->folder() + "/partial"));
  EXPECT_EQ(w.get(token_of(bob), hash, 0, 7000).body, bytes);
}

// An attachment record pushed by `user`'s phone (HLC node `node`) for `order`.
Json attachment_push(const std::string& order, const std::string& hash, int64_t size,
                     const std::string& user, const std::string& node, int64_t seq,
                     const std::string& record_id, const std::string& proof = "") {
  const std::string stamp = Stamp{testing::kSaturdayMorning + seq, 0, node}.encode();
  Json fields = {{"work_order", order},      {"sha256", hash},
                 {"size", size},             {"media_type", "image/jpeg"},
                 {"attached_by", user},      {"attached_at", testing::kSaturdayMorning}};
  Json stamps = Json::object();
  for (const auto& [name, value] : fields.items()) stamps[name] = stamp;
  Json change = {{"seq", seq},         {"change_id", new_id()}, {"collection", "attachments"},
                 {"record_id", record_id}, {"kind", "create"},  {"fields", fields},
                 {"stamps", stamps},   {"base", Json::object()}};
  if (!proof.empty()) change["proof"] = proof;
  return {{"protocol_version", kProtocolVersion},
          {"schema_version", Schema::property_management().version()},
          {"changes", Json::array({change})}};
}

std::string proof_of(const std::string& record_id, const std::string& bytes) {
  PossessionProof proof(record_id);
  proof.update(bytes);
  return proof.hex();
}

// What a device that may touch a blob learns of it: its status, and the answer to a read
// of its first bytes.
struct Seen {
  BlobState state;
  int64_t received;
  int get_status;
  bool operator==(const Seen& other) const {
    return std::tie(state, received, get_status) ==
           std::tie(other.state, other.received, other.get_status);
  }
};

// The audit's theft: mallory, a technician of building B, learns the SHA-256 of a photo
// of building A and names it in a record of her own building, first with size 1. Her
// records are taken, as any would be, and tell her nothing: the same answers as for a
// hash the server never saw, and no bytes, until she sends the bytes themselves.
TEST(BlobService, AHashAloneGetsNothingOfAnotherBuildingsPhoto) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& mallory = w.world.enroll("mallory", "technician", {w.world.building_b});
  auto& bert = w.world.enroll("bert", "technician", {w.world.building_b});
  const std::string bytes = random_bytes(20000, 31), hash = Sha256::of(bytes);
  const std::string never = Sha256::of(random_bytes(20000, 36));
  w.attach(w.order_a, hash, 20000);
  ASSERT_TRUE(put_answer(w.put(token_of(alice), hash, 0, 20000, bytes)).complete);
  const auto push = [&](const Json& body) {
    HttpResponse r = w.world.service->handle({"POST", "/v1/push", token_of(mallory), body.dump()});
    auto answer = must(decode_push_response(r.body));
    return answer.results.empty() ? ChangeResult{} : answer.results[0];
  };
  const auto seen = [&](const std::string& token, const std::string& name) {
    const BlobStatus status = w.status(token, name);
    return Seen{status.state, status.received, w.get(token, name, 0, 100).status};
  };
  std::string id = new_id();
  int64_t seq = 0;
  for (const std::string& name : {hash, never}) {
    for (int64_t size : {int64_t{1}, int64_t{20000}}) {
      EXPECT_EQ(
          push(attachment_push(w.order_b, name, size, "mallory", "nm", ++seq, new_id())).outcome,
          ChangeOutcome::kApplied);
    }
    // A proof made of other bytes, or for another record, proves nothing.
    id = new_id();
    EXPECT_EQ(push(attachment_push(w.order_b, name, 20000, "mallory", "nm", ++seq, id,
                                   proof_of(id, random_bytes(20000, 32))))
                  .outcome,
              ChangeOutcome::kApplied);
    EXPECT_EQ(push(attachment_push(w.order_b, name, 20000, "mallory", "nm", ++seq, new_id(),
                                   proof_of(new_id(), bytes)))
                  .outcome,
              ChangeOutcome::kApplied);
  }
  // Whether the server holds the bytes is not told, to her or to her colleague.
  const Seen nothing{BlobState::kMissing, 0, 404};
  EXPECT_EQ(seen(token_of(mallory), hash), nothing);
  EXPECT_EQ(seen(token_of(mallory), never), nothing);
  EXPECT_EQ(seen(token_of(bert), hash), nothing);
  EXPECT_EQ(seen(token_of(bert), never), nothing);
  // Sending bytes she made up: refused once all have come, and nothing said before.
  const std::string junk = random_bytes(20000, 37);
  EXPECT_EQ(put_answer(w.put(token_of(mallory), hash, 0, 20000, junk.substr(0, 15000))).received,
            15000);
  HttpResponse last = w.put(token_of(mallory), hash, 15000, 20000, junk.substr(15000));
  EXPECT_EQ(error_code_of(last), "blob_corrupt");
  EXPECT_EQ(seen(token_of(mallory), hash), nothing);
  EXPECT_EQ(seen(token_of(bert), hash), nothing);

  // With the bytes in hand the proof is right, and her records give them to building B.
  id = new_id();
  EXPECT_EQ(
      push(attachment_push(w.order_b, hash, 20000, "mallory", "nm", ++seq, id, proof_of(id, bytes)))
          .outcome,
      ChangeOutcome::kApplied);
  EXPECT_EQ(w.status(token_of(mallory), hash).state, BlobState::kComplete);
  EXPECT_EQ(w.get(token_of(bert), hash, 0, 20000).body, bytes);
  EXPECT_EQ(w.complete_files(), 1);
}

// The hole the audit's theft left open: a name pushed before its bytes reach the server.
// mallory names the photo of building A while alice's phone is still offline; when alice
// uploads it, mallory's record still gives nothing. A phone of building B that took the
// same photo, and whose record also came first, sends its bytes (hashed, not stored
// again) and then its record gives them to its building.
TEST(BlobService, AHashNamedBeforeItsBytesArriveGetsNothingWhenTheyDo) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& mallory = w.world.enroll("mallory", "technician", {w.world.building_b});
  auto& bert = w.world.enroll("bert", "technician", {w.world.building_b});
  auto& nina = w.world.enroll("nina", "technician", {w.world.building_b});
  const std::string bytes = random_bytes(30000, 38), hash = Sha256::of(bytes);
  const auto push = [&](testing::TestDevice& device, const std::string& node, int64_t seq) {
    HttpResponse r = w.world.service->handle(
        {"POST", "/v1/push", token_of(device),
         attachment_push(w.order_b, hash, 30000, device.user, node, seq, new_id()).dump()});
    return must(decode_push_response(r.body)).results.at(0).outcome;
  };
  EXPECT_EQ(push(mallory, "nm", 1), ChangeOutcome::kApplied);
  EXPECT_EQ(push(bert, "nb", 1), ChangeOutcome::kApplied);
  EXPECT_EQ(w.status(token_of(mallory), hash).state, BlobState::kMissing);
  w.attach(w.order_a, hash, 30000);
  ASSERT_TRUE(put_answer(w.put(token_of(alice), hash, 0, 30000, bytes)).complete);

  for (testing::TestDevice* device : {&mallory, &bert, &nina}) {
    EXPECT_EQ(w.status(token_of(*device), hash).state, BlobState::kMissing) << device->user;
    EXPECT_EQ(w.get(token_of(*device), hash, 0, 100).status, 404) << device->user;
  }
  // The office sees both records waiting for their bytes, though the bytes are here.
  const auto waiting = [&] {
    std::set<std::string> by;
    auto report =
        must(server::build_office_report(*w.world.server_store, Schema::property_management(),
                                         "2026-11", "2026-11-30", w.world.blobs.get()));
    for (const auto& a : *report.attachments_waiting) by.insert(a.attached_by);
    return by;
  };
  EXPECT_EQ(waiting(), (std::set<std::string>{"mallory", "bert"}));
  // bert's phone holds the photo: told it is missing, it sends it, in two chunks.
  EXPECT_EQ(put_answer(w.put(token_of(bert), hash, 0, 30000, bytes.substr(0, 10000))).received,
            10000);
  EXPECT_EQ(w.status(token_of(bert), hash).received, 10000);
  HttpResponse skipped = w.put(token_of(bert), hash, 20000, 30000, bytes.substr(20000));
  EXPECT_EQ(error_code_of(skipped), "offset_mismatch");
  EXPECT_TRUE(put_answer(w.put(token_of(bert), hash, 10000, 30000, bytes.substr(10000))).complete);
  EXPECT_EQ(w.status(token_of(bert), hash).state, BlobState::kComplete);
  EXPECT_EQ(w.complete_files(), 1);
  EXPECT_TRUE(fs::is_empty(w.world.blobs->folder() + "/partial"));
  // His record gives the bytes to building B: to nina, and to mallory through it.
  EXPECT_EQ(w.get(token_of(nina), hash, 0, 30000).body, bytes);
  EXPECT_EQ(w.get(token_of(mallory), hash, 0, 30000).body, bytes);
  // mallory's own record stays unproven: her phone is still asked for the bytes.
  EXPECT_EQ(w.status(token_of(mallory), hash).state, BlobState::kMissing);
  EXPECT_EQ(waiting(), (std::set<std::string>{"mallory"}));
}

// Records the office wrote before this check, naming held bytes with another size: the
// blob is not shown or sent to a device whose records all give a wrong size.
TEST(BlobService, ABlobIsSentOnlyWhereARecordGivesItsSize) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& bob = w.world.enroll("bob", "technician", {w.world.building_b});
  const std::string bytes = random_bytes(9000, 33), hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 9000);
  ASSERT_TRUE(put_answer(w.put(token_of(alice), hash, 0, 9000, bytes)).complete);
  w.attach(w.order_b, hash, 1);
  EXPECT_EQ(w.status(token_of(bob), hash).state, BlobState::kMissing);
  EXPECT_EQ(w.get(token_of(bob), hash, 0, 9000).status, 404);
  EXPECT_EQ(w.get(token_of(alice), hash, 0, 9000).body, bytes);
}

// The audit's junk appended to another phone's upload, and the squatter who begins an
// upload of a blob and never finishes it: each device uploads in a place of its own.
TEST(BlobService, AnUploadInProgressIsTheDevicesThatBeganIt) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& carl = w.world.enroll("carl", "technician", {w.world.building_a});
  const std::string bytes = random_bytes(8000, 34), hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 8000);
  EXPECT_EQ(put_answer(w.put(token_of(alice), hash, 0, 8000, bytes.substr(0, 3000))).received, 3000);
  // carl's phone, of the same building, would append junk to alice's upload: his own
  // upload holds nothing, so his chunk is at the wrong offset.
  HttpResponse junk = w.put(token_of(carl), hash, 3000, 8000, random_bytes(5000, 35));
  EXPECT_EQ(error_code_of(junk), "offset_mismatch");
  EXPECT_EQ(w.status(token_of(carl), hash).received, 0);
  // He begins junk of his own and stops: alice's upload goes on regardless.
  EXPECT_EQ(put_answer(w.put(token_of(carl), hash, 0, 8000, random_bytes(7000, 39))).received,
            7000);
  EXPECT_EQ(w.status(token_of(alice), hash).received, 3000);
  EXPECT_TRUE(put_answer(w.put(token_of(alice), hash, 3000, 8000, bytes.substr(3000))).complete);
  EXPECT_EQ(w.get(token_of(carl), hash, 0, 8000).body, bytes);
  EXPECT_EQ(must(w.world.blobs->read(hash, 0, 8000)), bytes);
  // His junk went with the blob's completion, and is counted no more.
  EXPECT_TRUE(fs::is_empty(w.world.blobs->folder() + "/partial"));
  auto txn = must(w.world.server_store->begin(false));
  for (const server::Device& d : must(txn->list_devices())) {
    EXPECT_EQ(w.world.blobs->usage_of(d.id).partial, 0) << d.user;
  }
}

void set_quota(SyncWorld& world, const std::string& name, int64_t mb) {
  auto txn = must(world.server_store->begin(true));
  ASSERT_TRUE(server::set_quota(*txn, name, std::to_string(mb)).ok());
  ASSERT_TRUE(txn->commit().ok());
}

// The audit's collector who stored 400 MiB of random "photos": what a device and a
// user may upload is bounded; a refusal is retryable and changes nothing; the office
// raises the quota and the same upload goes on.
TEST(BlobService, UploadsPastADevicesOrAUsersQuotaWaitUntilTheOfficeRaisesIt) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string one = random_bytes(700 << 10, 41), two = random_bytes(700 << 10, 42);
  const int64_t size = 700 << 10;
  w.attach(w.order_a, Sha256::of(one), size);
  w.attach(w.order_a, Sha256::of(two), size);
  set_quota(w.world, "blob_mb_per_device", 1);
  ASSERT_TRUE(put_answer(w.put(token_of(alice), Sha256::of(one), 0, size, one)).complete);
  HttpResponse over = w.put(token_of(alice), Sha256::of(two), 0, size, two.substr(0, 400 << 10));
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(error_code_of(over), "quota_exceeded");
  EXPECT_TRUE(must(decode_error(over.body)).retryable);
  EXPECT_NE(over.body.find("this device's attachments on the server would pass 1 MiB (quota "
                           "blob_mb_per_device)"),
            std::string::npos)
      << over.body;
  EXPECT_EQ(w.status(token_of(alice), Sha256::of(two)).state, BlobState::kMissing);
  // The same photo again costs nothing: it is stored once.
  EXPECT_TRUE(put_answer(w.put(token_of(alice), Sha256::of(one), 0, size, one)).complete);

  // Raised for the device, the user's quota is next: alice's second phone counts with her first.
  set_quota(w.world, "blob_mb_per_device", 10);
  set_quota(w.world, "blob_mb_per_user", 1);
  EnrollRequest enroll;
  enroll.schema_version = Schema::property_management().version();
  enroll.enrollment_code = must(w.world.admin->issue_enrollment_code("alice", 3600 * 1000));
  const std::string second =
      must(decode_enroll_response(w.world.service->handle({"POST", "/v1/enroll", "", encode(enroll)}).body))
          .device_token;
  HttpResponse users = w.put(second, Sha256::of(two), 0, size, two.substr(0, 400 << 10));
  EXPECT_EQ(error_code_of(users), "quota_exceeded");
  EXPECT_NE(users.body.find("alice's attachments on the server would pass 1 MiB (quota blob_mb_per_user)"),
            std::string::npos)
      << users.body;
  set_quota(w.world, "blob_mb_per_user", 10);
  EXPECT_TRUE(put_answer(w.put(second, Sha256::of(two), 0, size, two)).complete);
  EXPECT_EQ(w.complete_files(), 2);
}

TEST(BlobService, UnfinishedUploadsHaveAQuotaOfTheirOwn) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string big = random_bytes(3 << 20, 43);
  const int64_t size = 3 << 20;
  w.attach(w.order_a, Sha256::of(big), size);
  set_quota(w.world, "partial_mb_per_device", 1);
  const std::string hash = Sha256::of(big);
  EXPECT_EQ(put_answer(w.put(token_of(alice), hash, 0, size, big.substr(0, 1 << 20))).received, 1 << 20);
  HttpResponse over = w.put(token_of(alice), hash, 1 << 20, size, big.substr(1 << 20, 1 << 20));
  EXPECT_EQ(error_code_of(over), "quota_exceeded");
  EXPECT_NE(over.body.find("partial_mb_per_device"), std::string::npos) << over.body;
  EXPECT_EQ(w.status(token_of(alice), hash).received, 1 << 20);
  EXPECT_EQ(w.world.blobs->usage_of(must(alice.store->sync_value(kSyncDeviceId))).partial, 1 << 20);
}

TEST(BlobService, ABlobOutsideTheDevicesBucketsIsRefusedBothWays) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  auto& carol = w.world.enroll("carol", "technician", {w.world.building_b});
  const std::string bytes = random_bytes(3000, 12);
  const std::string hash = Sha256::of(bytes);
  w.attach(w.order_a, hash, 3000);
  const std::string unnamed = random_bytes(100, 13);

  HttpResponse upload = w.put(token_of(carol), hash, 0, 3000, bytes);
  EXPECT_EQ(upload.status, 403);
  EXPECT_EQ(error_code_of(upload), "forbidden");
  EXPECT_EQ(w.status(token_of(alice), hash).state, BlobState::kMissing);
  EXPECT_EQ(w.put(token_of(alice), Sha256::of(unnamed), 0, 100, unnamed).status, 403);

  put_answer(w.put(token_of(alice), hash, 0, 3000, bytes));
  EXPECT_EQ(w.status(token_of(carol), hash).state, BlobState::kForbidden);
  HttpResponse download = w.get(token_of(carol), hash, 0, 3000);
  EXPECT_EQ(download.status, 403);
  EXPECT_EQ(download.body.find(bytes.substr(0, 16)), std::string::npos);
  // The office holds every bucket.
  auto& office = w.world.enroll("olga", "office");
  EXPECT_EQ(w.get(token_of(office), hash, 0, 3000).body, bytes);
}

TEST(BlobService, MalformedRequestsAreRefusedNamingTheProblem) {
  BlobWorld w;
  auto& alice = w.world.enroll("alice", "technician", {w.world.building_a});
  const std::string token = token_of(alice);
  const std::string bytes = random_bytes(2000, 14);
  const std::string hash = Sha256::of(bytes), chunk = Sha256::of(bytes);
  w.attach(w.order_a, hash, 2000);
  struct Case {
    std::string query;
    std::string named;
  };
  const std::vector<Case> cases = {
      {"size=2000&chunk_sha256=" + chunk, "'offset' is missing"},
      {"offset=0&chunk_sha256=" + chunk, "'size' is missing"},
      {"offset=0&size=2000", "'chunk_sha256' is missing"},
      {"offset=0&offset=0&size=2000&chunk_sha256=" + chunk, "'offset' is given twice"},
      {"offset=x&size=2000&chunk_sha256=" + chunk, "'offset' must be a whole number"},
      {"offset=-1&size=2000&chunk_sha256=" + chunk, "'offset' must be a whole number"},
      {"offset=0&size=+2000&chunk_sha256=" + chunk, "'size' must be a whole number"},
      {"offset=0&size=99999999999999999999&chunk_sha256=" + chunk, "'size' must be a whole"},
      {"offset=0&size=2000&chunk_sha256=ABC", "'chunk_sha256' must be 64"},
      {"offset=0&size=2000&chunk_sha256=" + chunk + "&colour=red",
       "unknown query parameter 'colour'"},
      {"offset&size=2000&chunk_sha256=" + chunk, "'offset' has no value"},
      {"", "'chunk_sha256' is missing"},
      {"offset=0&size=1000&chunk_sha256=" + chunk, "runs past the blob's size"},
  };
  for (const Case& c : cases) {
    HttpResponse response = w.put_query(token, hash, c.query, bytes);
    EXPECT_EQ(response.status, 400) << c.query;
    EXPECT_EQ(error_code_of(response), "invalid_argument") << c.query;
    EXPECT_NE(response.body.find(c.named), std::string::npos) << c.query << " -> " << response.body;
  }
  EXPECT_EQ(w.put(token, "NOT-A-HASH", 0, 2000, bytes).status, 400);
  EXPECT_EQ(w.put(token, hash, 0, 2000, "").status, 400);
  const std::string huge(static_cast<size_t>(kMaxBlobChunk) + 1, 'x');
  EXPECT_EQ(w.put(token, hash, 0, kMaxBlobChunk + 1, huge).status, 400);
  EXPECT_EQ(w.world.service->handle({"GET", "/v1/blobs/" + hash + "?offset=0", token, ""}).status,
            400);
  EXPECT_EQ(w.world.service->handle({"DELETE", "/v1/blobs/" + hash, token, ""}).status, 405);
  EXPECT_EQ(w.put(token + "x", hash, 0, 2000, bytes).status, 401);
  EXPECT_EQ(w.get("", hash, 0, 10).status, 401);
  EXPECT_EQ(w.status(token, hash).state, BlobState::kMissing);  // none of it was kept
  // The other endpoints still ignore a query string, as before.
  EXPECT_EQ(w.world.service->handle({"GET", "/v1/health?x=1", "", ""}).status, 200);
}

TEST(BlobService, WithoutABlobStoreTheEndpointsAreAbsent) {
  SyncWorld world;
  auto& alice = world.enroll("alice", "technician", {world.building_a});
  HttpResponse response =
      world.service->handle({"POST", "/v1/blobs/status", token_of(alice), "{}"});
  EXPECT_EQ(response.status, 404);
}

// ---- The store itself ----

TEST(BlobStore, TornBytesAfterTheConfirmedLengthAreNeverCounted) {
  testing::TempDir dir;
  const std::string bytes = random_bytes(6000, 15);
  const std::string hash = Sha256::of(bytes);
  {
    auto store = must(BlobStore::open(dir.file("blobs")));
    EXPECT_EQ(must(store->append(hash, 6000, 0, std::string_view(bytes).substr(0, 2000), "device-1")).received,
              2000);
  }
  // A kill -9 in the middle of the next chunk: part of it reached the file, its
  // confirmation never did.
  {
    std::ofstream partial(dir.file("blobs/partial/" + BlobStore::partial_name(hash, "device-1")),
                          std::ios::binary | std::ios::app);
    partial << "torn bytes of a chunk that never finished";
  }
  auto store = must(BlobStore::open(dir.file("blobs")));
  BlobHolding held = must(store->holding(hash, "device-1"));
  EXPECT_FALSE(held.complete);
  EXPECT_EQ(held.received, 2000);
  EXPECT_TRUE(must(store->append(hash, 6000, 2000, std::string_view(bytes).substr(2000), "device-1")).complete);
  EXPECT_EQ(must(store->read(hash, 0, 6000)), bytes);
}

TEST(BlobStore, AKillBetweenTheRenamesOfTheLastChunkLeavesTheUploadItsOwners) {
  testing::TempDir dir;
  const std::string bytes = random_bytes(4000, 19);
  const std::string hash = Sha256::of(bytes);
  {
    auto store = must(BlobStore::open(dir.file("blobs")));
    must(store->append(hash, 4000, 0, std::string_view(bytes).substr(0, 1000), "device-1"));
  }
  // The last chunk's finish moved the owner into place, then the process was killed
  // before the bytes followed.
  fs::rename(dir.file("blobs/partial/" + BlobStore::partial_name(hash, "device-1") + ".owner"),
             dir.file("blobs/" + hash + ".owner"));
  auto store = must(BlobStore::open(dir.file("blobs")));
  EXPECT_EQ(store->usage_of("device-1").partial, 1000);
  EXPECT_EQ(must(store->uploader(hash)), "");
  EXPECT_TRUE(
      must(store->append(hash, 4000, 1000, std::string_view(bytes).substr(1000), "device-1"))
          .complete);
  EXPECT_EQ(must(store->uploader(hash)), "device-1");
  EXPECT_EQ(store->usage_of("device-1").complete, 4000);
}

// Uploads kept under their hash alone, before each device had a place of its own, go
// on in their owner's place; one whose owner is unknown is dropped (sent again).
TEST(BlobStore, AnUploadKeptUnderItsHashAloneGoesOnInItsOwnersPlace) {
  testing::TempDir dir;
  const std::string bytes = random_bytes(3000, 20), hash = Sha256::of(bytes);
  const std::string orphan = Sha256::of("no owner");
  fs::create_directories(dir.file("blobs/partial"));
  std::ofstream(dir.file("blobs/partial/" + hash), std::ios::binary) << bytes.substr(0, 1200);
  std::ofstream(dir.file("blobs/partial/" + hash + ".received")) << "1000";
  std::ofstream(dir.file("blobs/partial/" + hash + ".owner")) << "device-1";
  std::ofstream(dir.file("blobs/partial/" + orphan)) << "bytes";
  auto store = must(BlobStore::open(dir.file("blobs")));
  EXPECT_EQ(must(store->holding(hash, "device-1")).received, 1000);
  EXPECT_EQ(store->usage_of("device-1").partial, 1000);
  EXPECT_FALSE(fs::exists(dir.file("blobs/partial/" + hash)));
  EXPECT_FALSE(fs::exists(dir.file("blobs/partial/" + orphan)));
  EXPECT_TRUE(
      must(store->append(hash, 3000, 1000, std::string_view(bytes).substr(1000), "device-1"))
          .complete);
  EXPECT_EQ(must(store->uploader(hash)), "device-1");
  EXPECT_TRUE(fs::is_empty(dir.file("blobs/partial")));
}

TEST(BlobStore, AFirstChunkWithoutItsConfirmationCountsAsNothing) {
  testing::TempDir dir;
  auto store = must(BlobStore::open(dir.file("blobs")));
  const std::string bytes = random_bytes(3000, 16);
  const std::string hash = Sha256::of(bytes);
  {
    std::ofstream partial(dir.file("blobs/partial/" + BlobStore::partial_name(hash, "device-1")),
                          std::ios::binary);
    partial << bytes.substr(0, 1500);
  }
  EXPECT_EQ(must(store->holding(hash, "device-1")).received, 0);
  EXPECT_FALSE(store->append(hash, 3000, 1500, std::string_view(bytes).substr(1500), "device-1").ok());
  EXPECT_TRUE(must(store->append(hash, 3000, 0, bytes, "device-1")).complete);
  EXPECT_EQ(must(store->read(hash, 0, 3000)), bytes);
}

TEST(BlobStore, RefusesWhatCannotBeRight) {
  testing::TempDir dir;
  auto store = must(BlobStore::open(dir.file("blobs")));
  const std::string hash = Sha256::of("abc");
  EXPECT_EQ(store->holding("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->append(hash, 3, 0, "abcd", "device-1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->append(hash, 3, 0, "", "device-1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->append(hash, 0, 0, "", "device-1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->append(hash, 3, 1, "bc", "device-1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->append(hash, 3, 0, "abd", "device-1").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->read(hash, 0, 3).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(must(store->append(hash, 3, 0, "abc", "device-1")).complete);
  EXPECT_EQ(must(store->read(hash, 1, 100)), "bc");
  EXPECT_EQ(store->read(hash, 4, 1).status().code(), StatusCode::kInvalidArgument);
  // Complete: a later upload is checked like the first, and never replaces it.
  EXPECT_EQ(store->append(hash, 3, 0, "xyz", "device-2").status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(must(store->append(hash, 3, 0, "abc", "device-2")).complete);
  EXPECT_EQ(must(store->read(hash, 0, 3)), "abc");
  EXPECT_EQ(must(store->uploader(hash)), "device-1");
  EXPECT_EQ(store->usage_of("device-2").partial + store->usage_of("device-2").complete, 0);
  EXPECT_FALSE(BlobStore::open(dir.file("blobs/" + hash)).ok());  // a file, not a folder
}

TEST(BlobStore, StalePartialUploadsAreRemovedAndFreshOnesKept) {
  testing::TempDir dir;
  auto store = must(BlobStore::open(dir.file("blobs")));
  const std::string old_bytes = random_bytes(2000, 17), new_bytes = random_bytes(2000, 18);
  const std::string old_hash = Sha256::of(old_bytes), new_hash = Sha256::of(new_bytes);
  must(store->append(old_hash, 2000, 0, std::string_view(old_bytes).substr(0, 500), "device-1"));
  must(store->append(new_hash, 2000, 0, std::string_view(new_bytes).substr(0, 500), "device-1"));
  const auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  const std::string old_upload =
      dir.file("blobs/partial/" + BlobStore::partial_name(old_hash, "device-1"));
  for (const char* suffix : {"", ".received", ".owner"}) {
    fs::last_write_time(old_upload + suffix, long_ago);
  }
  EXPECT_EQ(must(store->remove_partials_older_than(std::chrono::hours(24 * 7))), 1);
  EXPECT_EQ(must(store->holding(old_hash, "device-1")).received, 0);
  EXPECT_FALSE(fs::exists(old_upload));
  EXPECT_FALSE(fs::exists(old_upload + ".owner"));
  EXPECT_EQ(must(store->holding(new_hash, "device-1")).received, 500);
  EXPECT_EQ(store->usage_of("device-1").partial, 500);
}

TEST(BlobStore, ParallelUploadsOfOneBlobConfirmEachByteOnce) {
  testing::TempDir dir;
  auto store = must(BlobStore::open(dir.file("blobs")));
  const std::string bytes = random_bytes(64 * 1000, 19);
  const std::string hash = Sha256::of(bytes);
  // A phone sends the same blob twice at once (a retry racing the first), and another
  // phone the same blob: whoever is late for an offset is told so and asks again.
  auto upload = [&](const std::string& owner) {
    for (int step = 0; step < 1000; ++step) {
      BlobHolding held = must(store->holding(hash, owner));
      if (held.complete) return;
      const int64_t length = std::min<int64_t>(1000, 64000 - held.received);
      auto answer = store->append(hash, 64000, held.received,
                                  std::string_view(bytes).substr(held.received, length), owner);
      if (!answer.ok()) {
        EXPECT_EQ(answer.status().code(), StatusCode::kFailedPrecondition);
      }
    }
    ADD_FAILURE() << "the upload did not finish";
  };
  std::thread first(upload, "device-1"), second(upload, "device-1"), third(upload, "device-2");
  first.join();
  second.join();
  third.join();
  EXPECT_EQ(must(store->read(hash, 0, 64000)), bytes);
}

// ---- The codec of the blob messages ----

TEST(BlobCodec, MessagesRoundTripAndDecodersAreStrict) {
  const std::string hash = Sha256::of("a");
  BlobStatusRequest request;
  request.schema_version = 1;
  request.hashes = {hash};
  EXPECT_EQ(must(decode_blob_status_request(encode(request))).hashes, request.hashes);
  BlobStatusResponse response;
  response.blobs = {{hash, BlobState::kPartial, 42}, {hash, BlobState::kForbidden, 0}};
  auto decoded = must(decode_blob_status_response(encode(response)));
  ASSERT_EQ(decoded.blobs.size(), 2u);
  EXPECT_EQ(decoded.blobs[0].state, BlobState::kPartial);
  EXPECT_EQ(decoded.blobs[0].received, 42);
  EXPECT_EQ(decoded.blobs[1].state, BlobState::kForbidden);
  auto put = must(decode_blob_put_response(encode(BlobPutResponse{7, true})));
  EXPECT_EQ(put.received, 7);
  EXPECT_TRUE(put.complete);

  EXPECT_FALSE(decode_blob_status_request(
                   R"({"protocol_version":1,"schema_version":1,"hashes":[],"extra":1})")
                   .ok());
  EXPECT_FALSE(
      decode_blob_status_request(R"({"protocol_version":1,"schema_version":1,"hashes":[1]})").ok());
  EXPECT_FALSE(decode_blob_status_response(R"({"blobs":[{"hash":")" + hash +
                                           R"(","state":"lost","received":0}]})")
                   .ok());
  EXPECT_FALSE(decode_blob_status_response(R"({"blobs":[{"hash":")" + hash +
                                           R"(","state":"missing","received":-1}]})")
                   .ok());
  EXPECT_FALSE(
      decode_blob_status_response(R"({"blobs":[{"hash":"abc","state":"missing","received":0}]})")
          .ok());
  EXPECT_FALSE(decode_blob_put_response(R"({"received":1})").ok());
}

}  // namespace
}  // namespace fieldsync
