// The file of one blob on the device ("<database>.blobs/<sha256>"), and the only code
// that reads or writes one. A plain store's file holds the blob's bytes as they are. An
// encrypted store's file is sealed with AES-256-GCM in segments of 64 KiB of plaintext:
//
//   [0, 8)    "FSBLOB01"
//   [8, 16)   the check value of the key that sealed it (tells a wrong key from damage)
//   then, for each segment i (64 KiB each, the last one 1 byte to 64 KiB):
//             a random 96-bit IV, the segment encrypted, its 128-bit GCM tag
//
// The additional authenticated data of segment i is the blob's SHA-256 (32 raw bytes),
// i (8 bytes, big-endian) and 1 for the last segment, 0 for the others. So a segment
// moved to another place or into another blob's file fails its check, and so does a
// file cut short after a whole segment (that segment was not sealed as the last one).
// Segment i starts at kBlobHeaderBytes + i * (kBlobSegmentBytes + kBlobSegmentOverhead),
// so any range is read by opening only the segments it touches.
//
// The blob key is HMAC-SHA-256 of the database key under a label of its own
// (derive_subkey in page_cipher.h), never the page key. Private to core. A reader or
// writer is not thread-safe: one per use. Neither owns the BlobKeys it is given, which
// must outlive it.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fieldsync/database_key.h"
#include "fieldsync/status.h"

namespace fieldsync {

inline constexpr int64_t kBlobSegmentBytes = 64 * 1024;
inline constexpr int64_t kBlobHeaderBytes = 16;
inline constexpr int64_t kBlobSegmentOverhead = 12 + 16;  // IV and tag

// The keys of an encrypted store's blob files; wiped when they go away.
struct BlobKeys {
  std::array<unsigned char, 32> cipher{};
  std::array<unsigned char, 8> check{};
  ~BlobKeys();
};
BlobKeys derive_blob_keys(const DatabaseKey& key);

// Whether the file at `path` starts as a blob file sealed under `keys` (its header only).
bool blob_file_sealed_under(const std::string& path, const BlobKeys& keys);

// Reads any range of a blob's plaintext. Sealed: every segment a read touches is
// authenticated before any of its bytes is given back; a failure is corruption naming
// the segment and the file, and gives nothing.
class BlobReader {
 public:
  // `keys` null: a plain file. A missing file is not_found.
  static Result<std::unique_ptr<BlobReader>> open(const std::string& path,
                                                  const std::string& sha256, const BlobKeys* keys);
  ~BlobReader();
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;

  // The plaintext size, from the file's length.
  int64_t size() const { return size_; }
  // The bytes in [offset, offset + length): fewer at the end of the blob, none past it.
  Result<std::string> read(int64_t offset, int64_t length);

 private:
  BlobReader(int fd, std::string path, const BlobKeys* keys);
  Status measure_sealed();
  Status open_segment(int64_t index, std::vector<unsigned char>& plain);

  int fd_;
  std::string path_;
  const BlobKeys* keys_;
  std::array<unsigned char, 32> hash_{};
  int64_t size_ = 0;
  int64_t segments_ = 0;
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

// Writes a blob file from its first byte, or goes on with one a download broke off.
// Sealed, it needs the blob's SHA-256 and size before the first byte (they make the
// AAD and mark the last segment); a plain file needs neither ("" and -1).
class BlobWriter {
 public:
  // A new file at `path` (replacing one there), mode 0600.
  static Result<std::unique_ptr<BlobWriter>> create(const std::string& path,
                                                    const std::string& sha256, int64_t size,
                                                    const BlobKeys* keys);
  // The file at `path` as a download left it: a plain file keeps its bytes; a sealed
  // one keeps its whole segments (the rest arrives again). One that is longer than the
  // blob, or not sealed under `keys`, starts over. Missing: a new file.
  static Result<std::unique_ptr<BlobWriter>> resume(const std::string& path,
                                                    const std::string& sha256, int64_t size,
                                                    const BlobKeys* keys);
  ~BlobWriter();  // closes the file; never removes it
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Plaintext bytes taken so far (sealed: a segment not yet full is held in memory).
  int64_t written() const { return done_ + static_cast<int64_t>(pending_.size()); }
  // Refuses bytes past the blob's size (invalid_argument), writing none of them.
  Status append(const char* data, size_t size);
  // Checks that every byte came, syncs the file to disk and closes it.
  Status finish();

 private:
  BlobWriter(int fd, std::string path, int64_t size, const BlobKeys* keys);
  Status start_sealed_file();
  Status seal_pending(bool last);
  Status write_at_end(const unsigned char* data, size_t size);

  int fd_;
  std::string path_;
  int64_t size_;
  const BlobKeys* keys_;
  std::array<unsigned char, 32> hash_{};
  int64_t done_ = 0;      // plaintext bytes in the file
  int64_t file_end_ = 0;  // where the next bytes go
  int64_t segment_ = 0;   // the next segment's index
  std::vector<unsigned char> pending_;
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

}  // namespace fieldsync
