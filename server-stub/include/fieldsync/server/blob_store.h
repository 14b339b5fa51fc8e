// The server's store of blobs: the bytes of attachments, named by their SHA-256
// (docs/protocol.md, "Attachments"). It knows nothing of devices or scope; the sync
// service decides who may read and write what.
//
// Layout of the folder given to open():
//   <folder>/<hash>                  a complete blob, verified against its name;
//   <folder>/<hash>.owner            who completed it (the owner of its upload);
//   <folder>/partial/<upload>        one owner's upload in progress, <upload> being
//                                    partial_name(hash, owner): the bytes received so
//                                    far, possibly followed by torn bytes of a chunk that
//                                    never finished;
//   <folder>/partial/<upload>.received the confirmed length, written (aside, then
//                                    renamed) only after the chunk's bytes were fsynced;
//   <folder>/partial/<upload>.owner  who began it (the sync service's device id),
//                                    written before its first chunk.
// Each owner uploads in a place of its own: an upload in progress is its owner's alone,
// and nobody can hold up another's by beginning the same blob and never finishing. The
// first to finish with bytes that hash to the name puts the blob in place; a later one
// that finishes is checked the same way and its copy dropped.
// Only the sidecar counts: bytes past the confirmed length are cut off before the next
// chunk is appended, so a kill -9 mid-write never counts torn bytes. The last chunk is
// not confirmed in the sidecar: the whole file is hashed, renamed into place and the
// folder fsynced; a kill before that leaves the previous confirmed length, and the
// device sends the last chunk again.
//
// Thread-safe: calls on one hash are serialised, calls on different hashes run in
// parallel. One BlobStore per folder per process (another process writing the same
// folder is not guarded against).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "fieldsync/attachments.h"
#include "fieldsync/status.h"

namespace fieldsync::server {

// The bytes one owner's uploads hold: of whole blobs, and received of unfinished ones.
struct BlobUsage {
  int64_t complete = 0;
  int64_t partial = 0;
};

// How much of a blob the store holds.
struct BlobHolding {
  bool complete = false;
  int64_t received = 0;  // the whole size when complete; the confirmed bytes otherwise
};

class BlobStore {
 public:
  // Opens `folder`, creating it and its partial/ folder when missing.
  static Result<std::unique_ptr<BlobStore>> open(const std::string& folder);

  const std::string& folder() const { return folder_; }

  // The name of `owner`'s upload of `hash` in partial/: the hash, a dash and 32 hex
  // digits of the owner's SHA-256 (any owner string makes a safe file name).
  static std::string partial_name(const std::string& hash, const std::string& owner);

  // What the store holds of `hash` (64 lowercase hex digits; anything else is
  // invalid_argument): the whole blob, or else what `owner`'s upload has confirmed (0
  // when it has none); for an empty `owner`, the furthest any upload of it has got.
  Result<BlobHolding> holding(const std::string& hash, const std::string& owner = "");

  // Appends one chunk to `owner`'s upload of `hash`, a blob of `size` bytes in all;
  // `bytes` start at `offset` and were checked by the caller against their own hash.
  // - `offset` is not what this owner's upload has confirmed: failed_precondition (the
  //   caller answers 409 and the device asks where to continue);
  // - the chunk is empty or runs past `size`: invalid_argument;
  // - the chunk completes the upload and the bytes do not hash to `hash`: the upload
  //   is deleted and the answer is corruption;
  // - it completes the upload and another finished first: this copy is dropped and the
  //   answer is complete (the owner sent every byte of the blob);
  // - otherwise the bytes are durable when this returns, and so is the blob when the
  //   answer says complete.
  // `owner` (non-empty, no line breaks) names who sends the chunk.
  Result<BlobHolding> append(const std::string& hash, int64_t size, int64_t offset,
                             std::string_view bytes, const std::string& owner);

  // A device whose attachment record names bytes it has not uploaded shows that it
  // holds them by sending them: they are hashed as they arrive and never kept, and
  // nothing is said of the bytes here along the way (a guess of a part learns
  // nothing). Returns how many bytes `prover` has sent of its showing of `hash`, a
  // blob of `size` bytes; once it has sent them all, complete when they hash to
  // `hash` and corruption when not (the showing then starts again from 0). An `offset`
  // that is not where the showing stands is failed_precondition. Showings are kept in
  // memory, at most kMaxShowings at once (unavailable beyond), and lost with a restart
  // or when untouched for longer than remove_partials_older_than's age: the device
  // then sends them again from 0.
  static constexpr size_t kMaxShowings = 4096;
  Result<BlobHolding> show(const std::string& hash, int64_t size, int64_t offset,
                           std::string_view bytes, const std::string& prover);
  // How many bytes of `hash` `prover` has shown so far (0 when none).
  int64_t shown(const std::string& hash, const std::string& prover);

  // Who completed the upload of `hash`; empty when it is not complete, or not known (a
  // blob stored before owners were kept).
  Result<std::string> uploader(const std::string& hash);

  // What the uploads of `owner` hold (quotas). Kept in memory, counted from the folder
  // when the store opens and updated with every upload, completion and removal.
  BlobUsage usage_of(const std::string& owner) const;

  // Up to `length` bytes of the complete blob `hash` from `offset`; fewer only at the
  // end. not_found when the whole blob is not here; invalid_argument for an offset past
  // the end.
  Result<std::string> read(const std::string& hash, int64_t offset, int64_t length);

  // Deletes partial uploads not written to for longer than `age` (a device that never
  // came back); returns how many. Uploads in progress on other threads are left alone.
  Result<int64_t> remove_partials_older_than(std::chrono::seconds age);

 private:
  class HashGuard;  // holds the lock of one hash for the duration of one call

  explicit BlobStore(std::string folder);

  Result<BlobHolding> holding_locked(const std::string& hash, const std::string& owner);
  Result<BlobHolding> finish_upload(const std::string& hash, const std::string& owner,
                                    int64_t size);

  std::string complete_path(const std::string& hash) const;
  std::string complete_owner_path(const std::string& hash) const;
  // The files of one upload in partial/, by its partial_name().
  std::string partial_path(const std::string& upload) const;
  std::string received_path(const std::string& upload) const;
  std::string owner_path(const std::string& upload) const;
  // Deletes the files of one upload and stops counting it.
  void remove_upload(const std::string& upload);

  // One blob with a known owner, for usage_of().
  struct Owned {
    std::string owner;
    int64_t bytes = 0;
    bool complete = false;
  };
  // Replaces what is counted of `key`, a complete blob's hash or an upload's
  // partial_name (nothing when `now` is empty).
  void count(const std::string& key, const std::optional<Owned>& now);
  void count_folder();
  // At open: an upload's owner file that finish_upload moved before a kill kept it from
  // moving the bytes goes back beside the partial upload; an upload kept under its hash
  // alone (before each owner had a place of its own) moves to its owner's place.
  void restore_owners();

  // One device's showing of one blob (show()).
  struct Showing {
    std::unique_ptr<Sha256> hasher;
    int64_t size = 0;
    int64_t sent = 0;
    std::chrono::steady_clock::time_point touched;
  };

  struct HashLock {
    std::mutex mutex;
    int users = 0;  // guards holding or waiting for `mutex`; guarded by locks_mutex_
  };

  const std::string folder_;
  std::mutex locks_mutex_;
  std::map<std::string, std::unique_ptr<HashLock>> locks_;  // guarded by locks_mutex_
  mutable std::mutex usage_mutex_;
  std::map<std::string, Owned> owned_;      // key -> its owner; guarded by usage_mutex_
  std::map<std::string, BlobUsage> usage_;  // owner -> bytes; guarded by usage_mutex_
  // (hash, prover) -> its showing. The map is guarded by showings_mutex_; a showing's
  // contents by the lock of its hash.
  std::mutex showings_mutex_;
  std::map<std::pair<std::string, std::string>, Showing> showings_;
};

}  // namespace fieldsync::server
