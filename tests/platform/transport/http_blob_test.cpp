// Blob bytes through the real HTTP front on loopback: a chunk with every byte value
// (NUL and 0xFF included) goes up and comes back byte-exact, the query string reaches
// the service, and the Content-Type is passed both ways without charset conversion.
// Checked with raw sockets (what goes over the wire) and with CpprestTransport.
#include <gtest/gtest.h>

#include "fieldsync/attachments.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/blob_store.h"
#include "http_world.h"
#include "loopback_sockets.h"

namespace fieldsync {
namespace {

using testing::HttpWorld;
using testing::must;

// Every byte value, several times over, in an order that is not sorted.
std::string every_byte_value() {
  std::string bytes;
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>((i * 97 + round * 31) & 0xFF);
  }
  bytes += std::string("\0\0\xFF\xFF\r\n\r\n", 8);
  return bytes;
}

// An HttpWorld whose service keeps blobs, with an attachments record for `bytes` in
// building A, and a technician of building A enrolled over HTTP.
class HttpBlobWorld {
 public:
  explicit HttpBlobWorld(const std::string& bytes) : hash(Sha256::of(bytes)) {
    http.stop_front();
    http.world.keep_attachments();
    http.start_front();
    auto& admin = *http.world.admin;
    const std::string order =
        must(admin.create_record("work_orders", {{"building", http.world.building_a},
                                                 {"area", "roof"},
                                                 {"category", "structure"},
                                                 {"channel", "patrol"},
                                                 {"description", "cracked tiles"},
                                                 {"priority", "normal"},
                                                 {"status", "reported"},
                                                 {"reported_at", testing::kSaturdayMorning}}))
            .id;
    must(admin.create_record("attachments", {{"work_order", order},
                                             {"sha256", hash},
                                             {"size", static_cast<int64_t>(bytes.size())},
                                             {"media_type", "image/jpeg"},
                                             {"attached_by", "tom"},
                                             {"attached_at", testing::kSaturdayMorning}}));
    token = must(
        http.enroll("tom", "technician", {http.world.building_a}).store->sync_value(kSyncToken));
  }

  HttpWorld http;
  std::string hash;
  std::string token;
};

struct RawResponse {
  std::string head;  // status line and headers
  std::string body;
};

// Splits what raw_http_exchange() received; the body by its Content-Length.
RawResponse split_response(const std::string& received) {
  const size_t end_of_head = received.find("\r\n\r\n");
  if (end_of_head == std::string::npos) return {received, ""};
  RawResponse response{received.substr(0, end_of_head), received.substr(end_of_head + 4)};
  const std::string length_header = "Content-Length: ";
  const size_t at = response.head.find(length_header);
  EXPECT_NE(at, std::string::npos) << response.head;
  if (at != std::string::npos) {
    const size_t length = std::stoul(response.head.substr(at + length_header.size()));
    EXPECT_EQ(response.body.size(), length) << response.head;
  }
  return response;
}

TEST(HttpBlobs, RawBytesGoUpAndComeBackByteExact) {
  const std::string bytes = every_byte_value();
  HttpBlobWorld w(bytes);
  const size_t half = bytes.size() / 2;
  for (const auto& [offset, chunk] : {std::pair<size_t, std::string>{0, bytes.substr(0, half)},
                                      std::pair<size_t, std::string>{half, bytes.substr(half)}}) {
    const std::string request =
        "PUT /v1/blobs/" + w.hash + "?offset=" + std::to_string(offset) +
        "&size=" + std::to_string(bytes.size()) + "&chunk_sha256=" + Sha256::of(chunk) +
        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer " + w.token +
        "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
        std::to_string(chunk.size()) + "\r\n\r\n" + chunk;
    RawResponse answer = split_response(testing::raw_http_exchange(w.http.port(), request));
    ASSERT_EQ(answer.head.rfind("HTTP/1.1 200", 0), 0u) << answer.head << answer.body;
    EXPECT_NE(answer.head.find("Content-Type: application/json"), std::string::npos);
    BlobPutResponse put = must(decode_blob_put_response(answer.body));
    EXPECT_EQ(put.received, static_cast<int64_t>(offset + chunk.size()));
    EXPECT_EQ(put.complete, offset != 0);
  }
  EXPECT_EQ(must(w.http.world.blobs->read(w.hash, 0, kMaxBlobChunk)), bytes);

  const std::string get = "GET /v1/blobs/" + w.hash +
                          "?offset=0&length=" + std::to_string(bytes.size()) +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          "Authorization: Bearer " +
                          w.token + "\r\n\r\n";
  RawResponse answer = split_response(testing::raw_http_exchange(w.http.port(), get));
  ASSERT_EQ(answer.head.rfind("HTTP/1.1 200", 0), 0u) << answer.head;
  EXPECT_NE(answer.head.find("Content-Type: application/octet-stream"), std::string::npos)
      << answer.head;
  EXPECT_EQ(answer.head.find("charset"), std::string::npos) << answer.head;
  EXPECT_EQ(answer.body, bytes);
}

TEST(HttpBlobs, TheTransportCarriesChunksAndRangesByteExact) {
  const std::string bytes = every_byte_value();
  HttpBlobWorld w(bytes);
  const std::string target = "/v1/blobs/" + w.hash;
  HttpResponse put = w.http.send({"PUT",
                                  target + "?offset=0&size=" + std::to_string(bytes.size()) +
                                      "&chunk_sha256=" + Sha256::of(bytes),
                                  w.token, bytes, "application/octet-stream"});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(must(decode_blob_put_response(put.body)).complete);

  HttpResponse range = w.http.send({"GET", target + "?offset=5&length=600", w.token, ""});
  ASSERT_EQ(range.status, 200) << range.body;
  EXPECT_EQ(range.content_type, "application/octet-stream");
  EXPECT_EQ(range.body, bytes.substr(5, 600));

  BlobStatusRequest status_request;
  status_request.schema_version = Schema::property_management().version();
  status_request.hashes = {w.hash};
  HttpResponse status = w.http.send({"POST", "/v1/blobs/status", w.token, encode(status_request)});
  ASSERT_EQ(status.status, 200) << status.body;
  auto blobs = must(decode_blob_status_response(status.body)).blobs;
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].state, BlobState::kComplete);

  // A refusal stays JSON; a bad query parameter is named.
  HttpResponse bad = w.http.send({"GET", target + "?offset=0&length=x", w.token, ""});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.content_type.rfind("application/json", 0), 0u) << bad.content_type;
  EXPECT_NE(must(decode_error(bad.body)).message.find("'length'"), std::string::npos);
}

}  // namespace
}  // namespace fieldsync
