// The "fieldsync-aes" SQLite VFS: every page of an encrypted device database, in the
// database file and in its WAL, is sealed with AES-256-GCM on its way to the disk and
// opened (authenticated, then decrypted) on its way back. SQLite above it sees plain
// pages; the files below it hold no plaintext page. Private to core.
//
// A page on disk (4096 bytes; SQLite keeps the last 32 of each page unused, the
// "reserved bytes" set with SQLITE_FCNTL_RESERVE_BYTES when the database is made):
//
//   [0, 4064)     the page's bytes, encrypted (page 1: from byte 16, see below)
//   [4064, 4076)  a random 96-bit IV, fresh for every write of the page
//   [4076, 4092)  the GCM tag over the ciphertext and the page number (AAD)
//   [4092, 4096)  zero
//
// Page 1 keeps its first 16 bytes in clear, in place of "SQLite format 3": the marker
// "FSYNCAES" and an 8-byte check value derived from the key, so that a wrong key, a
// missing key and a plain database are each told apart before SQLite reads anything.
// SQLite is given back "SQLite format 3\0" there and zeros in the reserved bytes.
//
// The WAL keeps SQLite's layout: its 32-byte header and each frame's 24-byte header are
// in clear (page number, commit size, salts, checksums); each frame's page image is
// sealed as above, with the page number from its frame header. Recovery reads whole
// frames: an image that fails authentication there reads as zeros, which SQLite's
// checksum then rejects, ending the log at that frame as it does after a torn write.
// Any other read of a page that fails authentication is SQLITE_IOERR_DATA, and
// take_page_failure() says which page. The -shm file holds only the WAL's index (page
// numbers and frame numbers) and is not encrypted. Rollback journals are refused (the
// store runs in WAL mode); temporary files pass through (temp_store is MEMORY).
//
// Thread-safety: the VFS registers itself once, thread-safely; each file it opens
// belongs to one connection, as SQLite's files do.
#pragma once

#include <sqlite3.h>

#include <string>

#include "fieldsync/database_key.h"
#include "fieldsync/status.h"

namespace fieldsync {

inline constexpr int kEncryptedPageSize = 4096;
inline constexpr int kEncryptedReservedBytes = 32;

// The VFS's name, registering it (over the default VFS) on the first call.
const char* encrypted_vfs_name();

// Opens `path` with sqlite3_open_v2 through the encrypted VFS under `key`.
int open_encrypted_database(const std::string& path, int flags, const DatabaseKey& key,
                            sqlite3** db);

// What the first bytes of a database file say about its encryption.
enum class DatabaseFileKind {
  kEmpty,         // missing or empty: a new database
  kPlain,         // a plain SQLite file
  kEncrypted,     // encrypted (with the key given, when one was given)
  kOtherKey,      // encrypted under another key than the one given
  kUnrecognised,  // neither: not a database
};
DatabaseFileKind inspect_database_file(const std::string& path, const DatabaseKey* key);

// What made the calling thread's last SQLITE_IOERR_DATA ("page 7 of 'x.db' fails its
// authentication check"), cleared by the call; "" when none.
std::string take_page_failure();

// Re-encrypts every page of the database file at `path` from `current` to `next`,
// writing "<path>.rekeying" and renaming it into place. The caller makes sure the
// WAL is checkpointed and empty and that no connection has the file open. A page that
// fails authentication under `current` stops it, leaving `path` as it was.
Status reencrypt_database_file(const std::string& path, const DatabaseKey& current,
                               const DatabaseKey& next);

}  // namespace fieldsync
