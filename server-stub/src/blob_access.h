// Who may read and send the bytes of a blob (docs/protocol.md, "Attachments"). A blob is
// named by its SHA-256, and knowing a name is not holding the bytes: a device is a
// holder of a blob once it has uploaded the bytes, sent them again (BlobStore::show),
// or sent a possession proof with its record. Only an attachment record written by a
// holder lets the devices that see the record read the bytes; a record written by a
// device that has not shown the bytes gives nobody anything until it does, so a name
// pushed before its bytes arrived from somebody else leaks nothing.
// Private to server-stub.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "access_policy.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/blob_store.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server {

// The holders of `hash`: those the store lists, and the device that completed its
// upload (whose holding was not yet written down when the server stopped).
Result<std::set<std::string>> holders_of(ServerTransaction& txn, BlobStore& blobs,
                                         const std::string& hash);

// Who wrote an attachment record: a device (its id), or the office, which needs to
// show nothing (it reads every bucket and writes what it was given).
struct Author {
  bool office = false;
  std::string device_id;  // empty for the office, and for a node no device has
};

// The writer of the attachment record `stored`: the device whose node stamped its
// bytes' name, or the one whose refused change the office accepted into it; otherwise
// the office.
Result<Author> author_of(ServerTransaction& txn, const StoredRecord& stored);

// Whether the writer of the attachment record `attachment` vouches for its bytes: it is
// the office, or a device that has shown it holds them (holders_of). Only then may the
// record's readers, phones or the office, be given the bytes.
Result<bool> vouched_for(ServerTransaction& txn, BlobStore& blobs, const StoredRecord& attachment);

// What the attachment records naming one blob let one device do with it.
struct BlobNaming {
  std::set<int64_t> sizes;     // given by the records it may touch: in its scope, or its own
  std::set<int64_t> visible;   // given by those in its scope
  std::set<int64_t> readable;  // given by those in its scope written by a holder or the office
  bool own = false;            // one of those records is its own
  bool holder = false;         // the device has shown it holds the bytes
};

// The attachment records among `changes` (creates) whose possession proof matches bytes
// the server holds whole, with the size the record gives. Checked before the push's
// write transaction, so that reading the bytes holds up no other writer; at most
// kMaxProofBytes of blobs are read for one push (a device whose proof is not checked
// sends the bytes at its upload instead, as without one).
constexpr int64_t kMaxProofBytes = int64_t{64} << 20;
Result<std::set<std::string>> proven_attachments(BlobStore& blobs,
                                                 const std::vector<WireChange>& changes);

Result<BlobNaming> naming_of(ServerTransaction& txn, BlobStore& blobs, const Scope& scope,
                             const std::string& hash, const Device& device);

}  // namespace fieldsync::server
