// How one page of an encrypted device database is sealed and opened, what the first
// bytes of a database file say about its key, and re-encrypting a whole file under a
// new key. The encrypted VFS (encrypted_vfs.h) seals and opens pages as SQLite writes
// and reads them; rekey_device_database re-encrypts a closed database. Private to core.
//
// Two keys are derived from the DatabaseKey, each an HMAC-SHA-256 of a fixed label:
// the page key (AES-256) and an 8-byte check value. A page on disk (4096 bytes; SQLite
// keeps the last 32 of each page unused, the "reserved bytes" set with
// SQLITE_FCNTL_RESERVE_BYTES when the database is made):
//
//   [0, 4064)     the page's bytes, encrypted with AES-256-GCM (page 1: from byte 16)
//   [4064, 4076)  a random 96-bit IV, fresh for every write of the page
//   [4076, 4092)  the GCM tag over the ciphertext and the page number (AAD)
//   [4092, 4096)  zero
//
// Page 1 keeps its first 16 bytes in clear, in place of "SQLite format 3": the marker
// "FSYNCAES" and the key's check value, so that a wrong key, a missing key and a plain
// database are each told apart before SQLite reads anything. An opened page is given
// back with "SQLite format 3\0" there and zeros in the reserved bytes.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>

#include "fieldsync/database_key.h"
#include "fieldsync/status.h"

namespace fieldsync {

inline constexpr int kEncryptedPageSize = 4096;
inline constexpr int kEncryptedReservedBytes = 32;

// `size` bytes (at most 32) of HMAC-SHA-256(key, label): every key derived from a
// DatabaseKey is one, each under its own fixed label (the pages' here, the blob files'
// in blob_file.h), so that no two uses share a key.
void derive_subkey(const DatabaseKey& key, const char* label, unsigned char* out, size_t size);

// The keys one database key gives; wiped when they go away.
struct PageKeys {
  std::array<unsigned char, 32> cipher{};
  std::array<unsigned char, 8> check{};
  ~PageKeys();
};
PageKeys derive_page_keys(const DatabaseKey& key);

// Seals and opens pages under one key. Not thread-safe: one per open file. IVs come
// from OpenSSL's generator in batches (one call for many pages: a call costs more than
// sealing a page); a process forked with a PageCipher never uses its parent's batch.
class PageCipher {
 public:
  explicit PageCipher(const PageKeys& keys);
  ~PageCipher();
  PageCipher(const PageCipher&) = delete;
  PageCipher& operator=(const PageCipher&) = delete;

  const PageKeys& keys() const { return keys_; }
  // `plain` is page `pgno` as SQLite holds it; `sealed` gets it as it goes to disk.
  bool seal(uint32_t pgno, const unsigned char* plain, unsigned char* sealed);
  // Authenticates and decrypts page `pgno` (`sealed` and `plain` may be the same
  // buffer). On failure `plain` is all zeros: no unauthenticated byte is handed out.
  bool open(uint32_t pgno, const unsigned char* sealed, unsigned char* plain);

 private:
  bool has_key_check(const unsigned char* sealed) const;
  // The next fresh random IV (kIvSize bytes) into `iv`; false when OpenSSL has none.
  bool next_iv(unsigned char* iv);

  static constexpr size_t kIvBatchBytes = 12 * 256;  // 256 IVs

  PageKeys keys_;
  std::array<unsigned char, kIvBatchBytes> ivs_{};
  size_t ivs_used_ = kIvBatchBytes;  // all used: the first seal draws a batch
  unsigned ivs_generation_ = 0;      // the fork generation the batch was drawn in
  EVP_CIPHER_CTX* seal_;
  EVP_CIPHER_CTX* open_;
};

// What the first bytes of a database file say about its encryption.
enum class DatabaseFileKind {
  kEmpty,         // missing or empty: a new database
  kPlain,         // a plain SQLite file
  kEncrypted,     // encrypted (with the key given, when one was given)
  kOtherKey,      // encrypted under another key than the one given
  kUnrecognised,  // neither: not a database
};
DatabaseFileKind inspect_database_file(const std::string& path, const DatabaseKey* key);

// Re-encrypts every page of the database file at `path` from `current` to `next`,
// writing "<path>.rekeying" (mode 0600) and renaming it into place. The caller makes
// sure the WAL is checkpointed and empty and that no connection has the file open. A
// page that fails authentication under `current` stops it, leaving `path` as it was.
Status reencrypt_database_file(const std::string& path, const DatabaseKey& current,
                               const DatabaseKey& next);

}  // namespace fieldsync
