// An attachment's bytes for the office console (docs/console.md, "Patrol"):
//   GET /v1/office/attachments/<id>   the bytes of the attachment record <id> (a
//                                     finding's photo, say), with its media type
// For any office role. The office reads every bucket, but is given bytes as the phones
// are (blob_access.h): only when the server holds them whole, at the size the record
// gives, and the record's writer vouches for them; until then the answer is 404 saying
// the phone has not uploaded them. Images the browser shows (JPEG, PNG, WebP) are
// answered inline, so that the page's <img> shows them from its own origin; anything
// else is a download. The answer carries the console's headers (nosniff, no caching)
// and a policy of its own that runs nothing, should it be opened as a page.
#include <algorithm>
#include <iterator>

#include "blob_access.h"
#include "console_api.h"
#include "fieldsync/attachments.h"
#include "fieldsync/id.h"
#include "fieldsync/server/sync_service.h"
#include "office_console.h"

namespace fieldsync::server {
namespace {

constexpr const char* kPrefix = "/v1/office/attachments/";

// The extension a browser expects of a media type, and whether it shows it inline.
struct Shown {
  const char* media_type;
  const char* extension;
  bool inline_image;
};
constexpr Shown kShown[] = {{"image/jpeg", "jpg", true},       {"image/png", "png", true},
                            {"image/webp", "webp", true},      {"image/heic", "heic", false},
                            {"application/pdf", "pdf", false}, {"video/mp4", "mp4", false}};

HttpResponse not_uploaded() {
  return console_error(ErrorCode::kNotFound,
                       "the server does not hold this attachment's bytes yet: the phone that "
                       "recorded it has not uploaded them");
}

}  // namespace

std::optional<HttpResponse> SyncService::route_office_attachments(const HttpRequest& request,
                                                                  const std::string& path) {
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;
  if (request.method != "GET") {
    return console_error(ErrorCode::kMethodNotAllowed, "/v1/office/attachments/<id> takes GET");
  }
  auto params = query_params(query_of(request), {});
  if (!params.ok()) return console_error(params.status());
  auto parsed = parse_id(path.substr(std::string(kPrefix).size()));
  if (!parsed.ok()) return console_error(parsed.status().with_context("attachment id"));
  const std::string& id = *parsed;
  if (blobs_ == nullptr) return not_uploaded();
  std::string sha256, media_type;
  int64_t size = 0;
  {
    auto txn = store_.begin(false);
    if (!txn.ok()) return console_error(txn.status());
    auto stored = (*txn)->get_record(id);
    if (!stored.ok()) return console_error(stored.status());
    if (!*stored || (*stored)->record.collection != "attachments") {
      return console_error(ErrorCode::kNotFound, "no attachment " + id);
    }
    const Json& x = (*stored)->record.fields;
    sha256 = x.value("sha256", "");
    media_type = x.value("media_type", "");
    size = x.value("size", int64_t{0});
    auto vouched = vouched_for(**txn, *blobs_, **stored);
    if (!vouched.ok()) return console_error(vouched.status());
    if (!*vouched || !is_sha256_hex(sha256) || size <= 0) return not_uploaded();
  }
  // The transaction is closed before a byte of the blob is read.
  auto held = blobs_->holding(sha256);
  if (!held.ok()) return console_error(held.status());
  if (!held->complete || held->received != size) return not_uploaded();
  std::string bytes;
  bytes.reserve(static_cast<size_t>(size));
  for (int64_t offset = 0; offset < size; offset += kMaxBlobChunk) {
    auto chunk = blobs_->read(sha256, offset, kMaxBlobChunk);
    if (!chunk.ok()) return console_error(chunk.status());
    bytes += *chunk;
  }
  const Shown* shown = std::find_if(std::begin(kShown), std::end(kShown),
                                    [&](const Shown& s) { return media_type == s.media_type; });
  const bool image = shown != std::end(kShown) && shown->inline_image;
  HttpResponse answer{200, std::move(bytes),
                      shown != std::end(kShown) ? media_type : "application/octet-stream"};
  add_console_headers(answer);
  answer.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  answer.headers.emplace_back("Content-Disposition",
                              std::string(image ? "inline" : "attachment") + "; filename=\"" + id +
                                  "." + (shown != std::end(kShown) ? shown->extension : "bin") +
                                  "\"");
  return answer;
}

}  // namespace fieldsync::server
