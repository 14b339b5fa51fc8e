// Photos and documents attached to field work, on the device.
//
// An attachment is an append-only `attachments` record (see collections.cpp) that names
// its bytes by their SHA-256; the bytes live in the device's blob folder beside the
// database ("<database>.blobs/"), one file per hash, so the same photo attached twice
// is stored once. attach() copies the file aside while hashing it, fsyncs it, renames
// it into place, and then records the attachment and the blob's upload state in one
// transaction: when it returns ok, both survive a kill; when it fails, neither is kept.
//
// Blob states on the device:
//   upload   the bytes are here and the server does not have them all yet;
//   synced   the bytes are here and on the server (they may be evicted);
//   remote   the bytes are on the server only (evicted, or attached by another phone
//            and not fetched yet: then there is no row at all).
//
// An AttachmentStore borrows its DeviceStore, which must outlive it; like the store,
// it is not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/device_store.h"
#include "fieldsync/status.h"

namespace fieldsync {

// The schema's ceiling for one attachment; the device's policy and the server's limit
// are usually far lower.
inline constexpr int64_t kMaxAttachmentBytes = int64_t{1} << 30;
// The largest chunk of a blob in one request, both ways.
inline constexpr int64_t kMaxBlobChunk = int64_t{4} << 20;

// The media types the schema knows, recognised by their first bytes.
const std::vector<std::string>& attachment_media_types();
// The media type a file's first bytes show ("image/jpeg", ...), or "" when none of
// attachment_media_types().
std::string sniff_media_type(std::string_view first_bytes);
bool is_sha256_hex(std::string_view text);

// Streams SHA-256 over bytes given in pieces (OpenSSL underneath).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  std::string hex();  // finishes; call once
  static std::string of(std::string_view bytes);
  // The hash of a whole file, read in pieces.
  static Result<std::string> of_file(const std::string& path);

 private:
  void* ctx_;
};

// Limits the device enforces when a file is attached. Kept in the device database
// (policy() / set_policy()), so the command line and the app agree.
struct AttachmentPolicy {
  int64_t max_bytes = int64_t{25} << 20;         // one attachment
  int64_t max_queue_bytes = int64_t{512} << 20;  // waiting to be uploaded, all together
  std::vector<std::string> media_types = attachment_media_types();
};

struct AttachOptions {
  std::string media_type;  // sniffed from the bytes when empty; checked against them when given
  std::string caption;
  std::string file_name;   // the source file's name when empty
  bool pin = false;        // never evicted
};

// One attachment record with the state of its bytes on this device.
struct Attachment {
  Record record;
  std::string sha256;
  int64_t size = 0;
  std::string media_type;
  std::string state;       // "upload", "synced" or "remote"
  int64_t uploaded = 0;    // bytes the server confirmed (state "upload")
  bool local = false;      // the bytes are on this device
  bool pinned = false;
  std::string last_error;  // why the last upload attempt failed, "" when none
};

// What the blob folder holds.
struct BlobUsage {
  int64_t local_bytes = 0;      // every blob file on the device
  int64_t local_blobs = 0;
  int64_t upload_bytes = 0;     // still to be sent (size minus what the server confirmed)
  int64_t upload_blobs = 0;
  int64_t evictable_bytes = 0;  // on the server too and not pinned
  int64_t evictable_blobs = 0;
  int64_t remote_blobs = 0;     // attachments whose bytes are not here
};

// What the blob folder of `store` holds (a status screen reads it without an
// AttachmentStore).
Result<BlobUsage> blob_usage(const DeviceStore& store);

// A blob the replicator should upload.
struct BlobToUpload {
  std::string sha256;
  int64_t size = 0;
  int64_t uploaded = 0;
  std::string path;
};

class AttachmentStore {
 public:
  explicit AttachmentStore(DeviceStore& store);

  // The blob folder: "<database>.blobs".
  const std::string& folder() const { return folder_; }

  Result<AttachmentPolicy> policy() const;
  // Refuses a policy that is not sensible (non-positive sizes, unknown media types).
  Status set_policy(const AttachmentPolicy& policy);

  // Attaches the file at `file_path` to the record `collection`/`record_id` (a
  // finding, work order, work order note, fee visit or return visit this device
  // holds). Refuses, keeping nothing, a file that is missing, unreadable, empty, too
  // large, of a media type the policy does not allow or that its bytes contradict,
  // and a full upload queue.
  Result<Attachment> attach(const std::string& collection, const std::string& record_id,
                            const std::string& file_path, const AttachOptions& options = {});

  // Attachments of one record (both empty: every attachment), oldest first.
  Result<std::vector<Attachment>> list(const std::string& collection = "",
                                       const std::string& record_id = "") const;
  // One attachment by its record id, or by its sha256.
  Result<Attachment> find(const std::string& id_or_hash) const;
  Result<BlobUsage> usage() const;
  // The path of a blob's bytes on this device; not_found when they are not here.
  Result<std::string> path_of(const std::string& sha256) const;
  Status pin(const std::string& sha256, bool pinned);

  // Deletes the bytes of blobs the server has and that are not pinned, oldest use
  // first, until at least `bytes` are freed (all of them when negative). They come
  // back with a fetch. Returns the bytes freed.
  Result<int64_t> reclaim(int64_t bytes = -1);

  // ---- What the replicator needs ----

  // Blobs waiting to be uploaded whose attachment records the server has accepted,
  // oldest first.
  Result<std::vector<BlobToUpload>> to_upload(int64_t limit = -1) const;
  // The server confirmed `received` bytes; `complete` marks the blob synced.
  Status record_upload(const std::string& sha256, int64_t received, bool complete);
  Status record_upload_error(const std::string& sha256, const std::string& error);
  // Hashes named by attachment records of this device's buckets whose bytes are not
  // here, oldest first (prefetch).
  Result<std::vector<std::string>> missing_locally(int64_t limit = -1) const;
  // Where a download of `sha256` is written while it arrives; resumable: its size is
  // what has arrived so far.
  std::string download_path(const std::string& sha256) const;
  // Checks the downloaded file's hash and size against the attachment record and moves
  // it into place (state synced). A mismatch deletes it and is data_loss.
  Status adopt_download(const std::string& sha256);

 private:
  DeviceStore& store_;
  std::string folder_;
};

}  // namespace fieldsync
