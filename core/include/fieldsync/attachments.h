// Photos and documents attached to field work, on the device.
//
// An attachment is an append-only `attachments` record (see collections.cpp) that names
// its bytes by their SHA-256; the bytes live in the device's blob folder beside the
// database ("<database>.blobs/"), one file per hash, so the same photo attached twice
// is stored once. attach() copies the file aside while hashing it (an encrypted store
// hashes it first: the hash is part of what seals it), fsyncs it, renames it into
// place, and then records the attachment and the blob's upload state in one
// transaction: when it returns ok, both survive a kill; when it fails, neither is kept.
//
// When the database is encrypted (DeviceStoreOptions::key), so are the blob files: each
// is sealed with AES-256-GCM in segments of 64 KiB under a key derived from the
// database key (docs/security.md, "The photos"), and its bytes are read only through
// read() and export_to(), which check every segment they give; path_of() refuses. A
// blob keeps its name, the SHA-256 of its plaintext, so the server sees the same bytes
// and the same hash either way. Every size here (records, usage, the upload queue) is
// the attachment's own, the plaintext's; a sealed file is 16 bytes longer, plus 28 per
// segment.
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
#include <memory>
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
// Sizes are the attachments' own (plaintext) sizes, encrypted or not.
struct BlobUsage {
  int64_t local_bytes = 0;  // every blob on the device
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

// A blob the replicator should upload; its bytes are read with AttachmentStore::read.
struct BlobToUpload {
  std::string sha256;
  int64_t size = 0;
  int64_t uploaded = 0;
};

class BlobReader;
class BlobWriter;

// A download of a blob being written into the blob folder (AttachmentStore::
// begin_download): sealed as it arrives when the store is encrypted, a segment not yet
// whole kept in memory. Resumable: what a broken-off download wrote stays, and offset()
// says where to go on from. Not thread-safe.
class BlobDownload {
 public:
  ~BlobDownload();
  BlobDownload(const BlobDownload&) = delete;
  BlobDownload& operator=(const BlobDownload&) = delete;

  // The bytes taken so far: the next ones the server sends start here.
  int64_t offset() const;
  // Adds bytes that arrived, from offset(); refuses bytes past the blob's size.
  Status append(std::string_view bytes);

 private:
  friend class AttachmentStore;
  explicit BlobDownload(std::unique_ptr<BlobWriter> writer);
  std::unique_ptr<BlobWriter> writer_;
};

class AttachmentStore {
 public:
  explicit AttachmentStore(DeviceStore& store);

  // The blob folder: "<database>.blobs".
  const std::string& folder() const { return folder_; }
  // Whether the blob files are sealed (the database is encrypted).
  bool encrypted() const;

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
  Status pin(const std::string& sha256, bool pinned);

  // ---- A blob's bytes (attachments_bytes.cpp) ----

  // Up to `length` bytes of a blob from `offset` (fewer at its end, none past it), in
  // clear. Every byte given was checked: a file that was changed, cut short, had its
  // segments moved, was swapped for another blob's or sealed under another key is
  // corruption naming it, and gives nothing. not_found when the bytes are not here.
  Result<std::string> read(const std::string& sha256, int64_t offset, int64_t length) const;
  // Writes a blob's bytes in clear to the file `out_path` (replacing one there; mode
  // 0600), checked whole against their SHA-256 before it is renamed into place: a blob
  // that fails leaves nothing at `out_path`.
  Status export_to(const std::string& sha256, const std::string& out_path) const;
  // Reads a blob whole and checks it against its SHA-256: corruption when it fails.
  Status verify(const std::string& sha256) const;
  // The path of a blob's file, for a plain store: its bytes as they are. not_found when
  // they are not here; failed_precondition for an encrypted store, whose files are
  // sealed (use read() or export_to()).
  Result<std::string> path_of(const std::string& sha256) const;

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
  // Where a download of `sha256` is written while it arrives, as a blob file (sealed
  // when the store is encrypted).
  std::string download_path(const std::string& sha256) const;
  // The download of `sha256`, going on from what an earlier one wrote (one sealed under
  // another key starts over); the size comes from its attachment record.
  Result<std::unique_ptr<BlobDownload>> begin_download(const std::string& sha256);
  // Checks the downloaded file's hash and size against the attachment record and moves
  // it into place (state synced). A mismatch, or a sealed segment that fails its check,
  // deletes it and is corruption.
  Status adopt_download(const std::string& sha256);

 private:
  // The blob file of `sha256` when its row says it is here, its size checked against
  // the row's.
  Result<std::unique_ptr<BlobReader>> open_blob(const std::string& sha256) const;

  DeviceStore& store_;
  std::string folder_;
};

}  // namespace fieldsync
