// Moving an encrypted store's blob files to a new key, for rekey_device_database. The
// database file's rename is the one commit point:
//
//   1. every blob file is read under the current key and a copy sealed under the new
//      key is written beside it, "tmp/<sha256>.rekeyed", and synced (the blob files
//      themselves are untouched);
//   2. the database is re-encrypted and renamed into place (reencrypt_database_file);
//   3. each copy is renamed over its blob file.
//
// Killed in 1 or 2: the database and every blob file are still under the current key;
// the copies are never read, and the next rekey removes them. Killed in 3: the database
// is under the new key, and so is each blob, as its file or as a copy that the next
// DeviceStore::open with the new key renames into place (adopt_blob_copies). Either
// way every blob is read with the key that opens the database. The cost: room for a
// second copy of the blob folder while the rekey runs. Private to core.
#pragma once

#include <string>

#include "blob_file.h"
#include "fieldsync/database_key.h"
#include "fieldsync/status.h"

namespace fieldsync {

// Step 1 for the blob folder `folder`. First settles what an earlier rekey left (its
// copies sealed under `current` are moved into place, any other copy is removed) and
// removes downloads in progress (sealed under the old key, they start again). A blob
// file that fails its check under `current` stops it, with the copies removed:
// corruption naming the file, and nothing changed.
Status seal_blob_copies(const std::string& folder, const DatabaseKey& current,
                        const DatabaseKey& next);
// Step 3: renames each copy sealed under `keys` over its blob file and syncs the folder.
// Copies under another key are left alone. Nothing to do without a folder.
Status adopt_blob_copies(const std::string& folder, const BlobKeys& keys);
// Removes every copy (a rekey that failed before the database moved).
void discard_blob_copies(const std::string& folder);

}  // namespace fieldsync
