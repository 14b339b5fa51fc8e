// AttachmentStore, the space the bytes take (usage, reclaim) and what the replicator
// needs to move them: the upload queue and its progress. The bytes themselves, read and
// downloaded, are in attachments_bytes.cpp.
#include <filesystem>

#include "attachment_files.h"
#include "device_store_impl.h"
#include "fieldsync/attachments.h"
#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;

// Leftovers younger than this may belong to an attach() running in another process.
constexpr auto kLeftoverAge = std::chrono::hours(1);

// Hashes named by attachment records whose bytes are not on the device, oldest first.
Result<std::vector<std::string>> hashes_not_here(const DeviceStore& store, int64_t limit) {
  auto rows = store.query(
      "SELECT json_extract(fields, '$.sha256') AS hash, min(json_extract(fields, '$.attached_at')) AS at"
      " FROM records WHERE collection = 'attachments'"
      " AND hash NOT IN (SELECT hash FROM blobs WHERE state != 'remote')"
      " GROUP BY hash ORDER BY at, hash LIMIT ?",
      {limit});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (const Json& row : *rows) out.push_back(row[0].get<std::string>());
  return out;
}

}  // namespace

Result<BlobUsage> blob_usage(const DeviceStore& store) {
  auto rows = store.query(
      "SELECT count(*), coalesce(sum(size), 0),"
      " coalesce(sum(CASE WHEN state = 'upload' THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN state = 'upload' THEN size - uploaded ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN state = 'synced' AND pinned = 0 THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN state = 'synced' AND pinned = 0 THEN size ELSE 0 END), 0)"
      " FROM blobs WHERE state != 'remote'",
      {});
  if (!rows.ok()) return rows.status();
  const Json& row = rows->front();
  BlobUsage usage;
  usage.local_blobs = row[0].get<int64_t>();
  usage.local_bytes = row[1].get<int64_t>();
  usage.upload_blobs = row[2].get<int64_t>();
  usage.upload_bytes = row[3].get<int64_t>();
  usage.evictable_blobs = row[4].get<int64_t>();
  usage.evictable_bytes = row[5].get<int64_t>();
  auto missing = hashes_not_here(store, -1);
  if (!missing.ok()) return missing.status();
  usage.remote_blobs = static_cast<int64_t>(missing->size());
  return usage;
}

Result<BlobUsage> AttachmentStore::usage() const { return blob_usage(store_); }

Result<int64_t> AttachmentStore::reclaim(int64_t bytes) {
  auto rows = store_.query(
      "SELECT hash, size FROM blobs WHERE state = 'synced' AND pinned = 0 ORDER BY used_ms, hash", {});
  if (!rows.ok()) return rows.status();
  int64_t freed = 0;
  for (const Json& row : *rows) {
    if (bytes >= 0 && freed >= bytes) break;
    const std::string hash = row[0].get<std::string>();
    // The row first: a kill between the two leaves an unreferenced file, never a row
    // that promises bytes that are gone.
    FIELDSYNC_RETURN_IF_ERROR(store_.write_together([&] {
      return run_statement(store_.impl_->db(), "UPDATE blobs SET state = 'remote' WHERE hash = ? AND state = 'synced'",
                 {hash});
    }));
    std::error_code ec;
    fs::remove(folder_ + "/" + hash, ec);
    freed += row[1].get<int64_t>();
  }
  // Leftovers of attach() and downloads that were killed part-way, once they are old
  // enough not to belong to one still running; and the copies of a rekey killed before
  // its database moved (sealed under another key than this store's: blob_rekey.h).
  std::error_code ec;
  if (fs::exists(folder_, ec)) {
    const auto now = fs::file_time_type::clock::now();
    auto old = [&](const fs::directory_entry& entry) {
      std::error_code e;
      return now - entry.last_write_time(e) > kLeftoverAge;
    };
    const BlobKeys* keys = store_.impl_->blob_keys();
    for (const auto& entry : fs::directory_iterator(folder_ + "/tmp", ec)) {
      const auto extension = entry.path().extension();
      const bool stale_copy = extension == ".rekeyed" &&
                              (keys == nullptr || !blob_file_sealed_under(entry.path(), *keys));
      if ((extension == ".part" || stale_copy) && old(entry)) fs::remove(entry.path(), ec);
    }
    for (const auto& entry : fs::directory_iterator(folder_, ec)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || !is_sha256_hex(name) || !old(entry)) continue;
      auto used = store_.query("SELECT 1 FROM blobs WHERE hash = ? AND state != 'remote'", {name});
      if (used.ok() && used->empty()) {
        freed += static_cast<int64_t>(entry.file_size(ec));
        fs::remove(entry.path(), ec);
      }
    }
  }
  return freed;
}

Result<std::vector<BlobToUpload>> AttachmentStore::to_upload(int64_t limit) const {
  auto rows = store_.query(
      "SELECT b.hash, b.size, b.uploaded FROM blobs b WHERE b.state = 'upload' AND EXISTS ("
      "  SELECT 1 FROM records r WHERE r.collection = 'attachments'"
      "  AND json_extract(r.fields, '$.sha256') = b.hash"
      "  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = r.id))"
      // Its records left with a building this device lost: they were accepted (eviction
      // keeps records with changes to push), and the server takes the bytes from their author.
      " OR b.state = 'upload' AND NOT EXISTS (SELECT 1 FROM records r WHERE r.collection = 'attachments'"
      "  AND json_extract(r.fields, '$.sha256') = b.hash)"
      " ORDER BY b.created_ms, b.hash LIMIT ?",
      {limit});
  if (!rows.ok()) return rows.status();
  std::vector<BlobToUpload> out;
  for (const Json& row : *rows) {
    BlobToUpload blob;
    blob.sha256 = row[0].get<std::string>();
    blob.size = row[1].get<int64_t>();
    blob.uploaded = row[2].get<int64_t>();
    out.push_back(std::move(blob));
  }
  return out;
}

Status AttachmentStore::record_upload(const std::string& sha256, int64_t received, bool complete) {
  return store_.write_together([&] {
    return run_statement(store_.impl_->db(),
               "UPDATE blobs SET uploaded = ?, last_error = '',"
               " state = CASE WHEN ? THEN 'synced' ELSE state END WHERE hash = ? AND state = 'upload'",
               {received, complete ? 1 : 0, sha256});
  });
}

Status AttachmentStore::record_upload_error(const std::string& sha256, const std::string& error) {
  return store_.write_together([&] {
    return run_statement(store_.impl_->db(), "UPDATE blobs SET last_error = ? WHERE hash = ?",
               {utf8_prefix(error, 500), sha256});
  });
}

Result<std::vector<std::string>> AttachmentStore::missing_locally(int64_t limit) const {
  return hashes_not_here(store_, limit);
}

}  // namespace fieldsync
