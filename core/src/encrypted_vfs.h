// The "fieldsync-aes" SQLite VFS: every page of an encrypted device database, in the
// database file and in its WAL, is sealed (page_cipher.h) on its way to the disk and
// opened (authenticated, then decrypted) on its way back. SQLite above it sees plain
// pages; the files below it hold no plaintext page. Private to core.
//
// The WAL keeps SQLite's layout: its 32-byte header and each frame's 24-byte header are
// in clear (page number, commit size, salts, checksums); each frame's page image is
// sealed like a database page, with the page number from its frame header. Recovery
// reads whole frames: an image that fails authentication there reads as zeros, which
// SQLite's checksum then rejects, ending the log at that frame as it does after a torn
// write. Any other read of a page that fails authentication is SQLITE_IOERR_DATA, and
// take_page_failure() says which page. The -shm file holds only the WAL's index (page
// numbers and frame numbers) and is not encrypted. Rollback journals are refused (the
// store runs in WAL mode); temporary files pass through (temp_store is MEMORY). There
// is no xFetch, so SQLite never maps the file into memory.
//
// Thread-safety: the VFS registers itself once, thread-safely; each file it opens
// belongs to one connection, as SQLite's files do.
#pragma once

#include <sqlite3.h>

#include <string>

#include "fieldsync/database_key.h"
#include "page_cipher.h"

namespace fieldsync {

// The VFS's name, registering it (over the default VFS) on the first call.
const char* encrypted_vfs_name();

// Opens `path` with sqlite3_open_v2 through the encrypted VFS under `key`.
int open_encrypted_database(const std::string& path, int flags, const DatabaseKey& key,
                            sqlite3** db);

// What made the calling thread's last SQLITE_IOERR_DATA ("page 7 of 'x.db' fails its
// authentication check"), cleared by the call; "" when none.
std::string take_page_failure();

}  // namespace fieldsync
