#include "blob_access.h"

#include <openssl/crypto.h>

#include "fieldsync/attachments.h"
#include "fieldsync/hlc.h"

namespace fieldsync::server {
namespace {

// The node that stamped `record`'s `sha256`; empty when it has no such stamp.
std::string stamping_node(const Record& record) {
  if (!record.stamps.contains("sha256")) return std::string();
  const Json& encoded = record.stamps["sha256"];
  if (!encoded.is_string()) return std::string();
  auto stamp = Stamp::decode(encoded.get<std::string>());
  return stamp.ok() ? stamp->node : std::string();
}

}  // namespace

Result<std::set<std::string>> holders_of(ServerTransaction& txn, BlobStore& blobs,
                                         const std::string& hash) {
  auto holders = txn.blob_holders(hash);
  if (!holders.ok()) return holders.status();
  auto held = blobs.holding(hash);
  if (!held.ok()) return held.status();
  if (held->complete) {
    auto uploader = blobs.uploader(hash);
    if (!uploader.ok()) return uploader.status();
    if (!uploader->empty()) holders->insert(*uploader);
  }
  return holders;
}

Result<Author> author_of(ServerTransaction& txn, const StoredRecord& stored) {
  const std::string node = stamping_node(stored.record);
  if (!node.empty() && node != "server") {
    auto device = txn.device_by_node(node);
    if (!device.ok()) return device.status();
    return Author{false, *device ? (*device)->id : std::string()};
  }
  auto history = txn.record_changes(stored.record.id);
  if (!history.ok()) return history.status();
  for (const RecordChange& change : *history) {
    if (change.outcome != "accepted") continue;
    auto device = txn.device_by_code(change.device_code);
    if (!device.ok()) return device.status();
    if (*device) return Author{false, (*device)->id};
  }
  return Author{true, std::string()};
}

Result<bool> vouched_for(ServerTransaction& txn, BlobStore& blobs, const StoredRecord& attachment) {
  auto author = author_of(txn, attachment);
  if (!author.ok()) return author.status();
  if (author->office) return true;
  const Json& sha256 = attachment.record.fields.value("sha256", Json());
  if (author->device_id.empty() || !sha256.is_string()) return false;
  auto holders = holders_of(txn, blobs, sha256.get<std::string>());
  if (!holders.ok()) return holders.status();
  return holders->count(author->device_id) > 0;
}

Result<std::set<std::string>> proven_attachments(BlobStore& blobs,
                                                 const std::vector<WireChange>& changes) {
  std::set<std::string> proven;
  int64_t budget = kMaxProofBytes;
  for (const WireChange& wire : changes) {
    const IncomingChange& change = wire.change;
    if (wire.proof.empty() || change.collection != "attachments" || change.kind != "create") {
      continue;
    }
    const Json& sha256 = change.fields.value("sha256", Json());
    const Json& size = change.fields.value("size", Json());
    if (!sha256.is_string() || !is_sha256_hex(sha256.get<std::string>()) ||
        !size.is_number_integer()) {
      continue;
    }
    const std::string hash = sha256.get<std::string>();
    auto held = blobs.holding(hash);
    if (!held.ok()) return held.status();
    if (!held->complete || held->received != size.get<int64_t>() || held->received > budget) {
      continue;
    }
    budget -= held->received;
    PossessionProof expected(change.record_id);
    for (int64_t offset = 0; offset < held->received; offset += kMaxBlobChunk) {
      auto bytes = blobs.read(hash, offset, kMaxBlobChunk);
      if (!bytes.ok()) return bytes.status();
      expected.update(*bytes);
    }
    // Compared in constant time: how far a guess matches says nothing.
    const std::string wanted = expected.hex();
    if (wanted.size() == wire.proof.size() &&
        CRYPTO_memcmp(wanted.data(), wire.proof.data(), wanted.size()) == 0) {
      proven.insert(change.record_id);
    }
  }
  return proven;
}

Result<BlobNaming> naming_of(ServerTransaction& txn, BlobStore& blobs, const Scope& scope,
                             const std::string& hash, const Device& device) {
  BlobNaming naming;
  auto ids = txn.find_ids("attachments", "sha256", hash);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return naming;
  auto holders = holders_of(txn, blobs, hash);
  if (!holders.ok()) return holders.status();
  naming.holder = holders->count(device.id) > 0;
  for (const std::string& id : *ids) {
    auto stored = txn.get_record(id);
    if (!stored.ok()) return stored.status();
    if (!*stored) continue;
    auto author = author_of(txn, **stored);
    if (!author.ok()) return author.status();
    const bool own = !author->device_id.empty() && author->device_id == device.id;
    const bool in_scope = scope.contains((*stored)->record.bucket);
    if (!own && !in_scope) continue;
    const Json& size = (*stored)->record.fields["size"];
    if (!size.is_number_integer()) continue;
    naming.sizes.insert(size.get<int64_t>());
    naming.own = naming.own || own;
    if (!in_scope) continue;
    naming.visible.insert(size.get<int64_t>());
    if (author->office || (!author->device_id.empty() && holders->count(author->device_id))) {
      naming.readable.insert(size.get<int64_t>());
    }
  }
  return naming;
}

}  // namespace fieldsync::server
