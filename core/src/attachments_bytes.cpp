// AttachmentStore, a blob's bytes: read back (read, export_to, verify, path_of) and
// downloaded (begin_download, adopt_download). Each goes through a BlobReader or a
// BlobWriter (blob_file.h), so plain files and an encrypted store's sealed ones are read
// and written in one place, and nothing else in fieldsync opens a blob file.
#include <cstdio>
#include <filesystem>

#include "attachment_files.h"
#include "blob_file.h"
#include "device_store_impl.h"
#include "fieldsync/attachments.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kPiece = 16 * kBlobSegmentBytes;  // read 1 MiB at a time

// The SHA-256 of a whole blob, read piece by piece.
Result<std::string> hash_of(BlobReader& reader) {
  Sha256 sha;
  for (int64_t offset = 0; offset < reader.size(); offset += kPiece) {
    auto piece = reader.read(offset, kPiece);
    if (!piece.ok()) return piece.status();
    sha.update(piece->data(), piece->size());
  }
  return sha.hex();
}

Status not_a_hash(const std::string& text) {
  return Status::invalid_argument("'" + text +
                                  "' is not a SHA-256 (64 lowercase hexadecimal digits)");
}

}  // namespace

BlobDownload::BlobDownload(std::unique_ptr<BlobWriter> writer) : writer_(std::move(writer)) {}
BlobDownload::~BlobDownload() = default;

int64_t BlobDownload::offset() const {
  return writer_->written();
}

Status BlobDownload::append(std::string_view bytes) {
  return writer_->append(bytes.data(), bytes.size());
}

bool AttachmentStore::encrypted() const {
  return store_.impl_->blob_keys() != nullptr;
}

Result<std::unique_ptr<BlobReader>> AttachmentStore::open_blob(const std::string& sha256) const {
  if (!is_sha256_hex(sha256)) return not_a_hash(sha256);
  auto rows = store_.query("SELECT state, size FROM blobs WHERE hash = ?", {sha256});
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front()[0] == "remote") {
    return Status::not_found("the bytes of " + sha256 +
                             " are not on this device; fetch them from the server");
  }
  const std::string path = folder_ + "/" + sha256;
  auto reader = BlobReader::open(path, sha256, store_.impl_->blob_keys());
  if (!reader.ok()) return reader.status();
  const int64_t size = rows->front()[1].get<int64_t>();
  if ((*reader)->size() != size) {
    return Status::corruption("'" + path + "' holds " + std::to_string((*reader)->size()) +
                              " bytes and its attachment record says " + std::to_string(size) +
                              ": it was cut short or replaced");
  }
  return reader;
}

Result<std::string> AttachmentStore::read(const std::string& sha256, int64_t offset,
                                          int64_t length) const {
  if (offset < 0 || length < 0) {
    return Status::invalid_argument("an offset and a length are 0 or more");
  }
  auto reader = open_blob(sha256);
  if (!reader.ok()) return reader.status();
  return (*reader)->read(offset, length);
}

Status AttachmentStore::export_to(const std::string& sha256, const std::string& out_path) const {
  auto reader = open_blob(sha256);
  if (!reader.ok()) return reader.status();
  const std::string part = out_path + ".part";
  Status copied;
  {
    auto writer = BlobWriter::create(part, "", -1, nullptr);
    if (!writer.ok()) return writer.status();
    Sha256 sha;
    for (int64_t offset = 0; copied.ok() && offset < (*reader)->size(); offset += kPiece) {
      auto piece = (*reader)->read(offset, kPiece);
      if (!piece.ok()) {
        copied = piece.status();
        break;
      }
      sha.update(piece->data(), piece->size());
      copied = (*writer)->append(piece->data(), piece->size());
    }
    if (copied.ok()) copied = (*writer)->finish();
    if (copied.ok() && sha.hex() != sha256) {
      copied = Status::corruption("the bytes of " + sha256 +
                                  " on this device no longer match their hash");
    }
  }
  std::error_code ec;
  if (copied.ok()) {
    fs::rename(part, out_path, ec);
    if (ec) copied = Status::io_error("cannot write '" + out_path + "': " + ec.message());
  }
  if (!copied.ok()) {
    fs::remove(part, ec);
    return copied.code() == StatusCode::kCorruption
               ? Status::corruption(copied.message() + "; nothing was written to '" + out_path +
                                    "'")
               : copied;
  }
  return Status();
}

Status AttachmentStore::verify(const std::string& sha256) const {
  auto reader = open_blob(sha256);
  if (!reader.ok()) return reader.status();
  auto hash = hash_of(**reader);
  if (!hash.ok()) return hash.status();
  if (*hash != sha256) {
    return Status::corruption("the bytes of " + sha256 +
                              " on this device no longer match their hash");
  }
  return Status();
}

Result<std::string> AttachmentStore::path_of(const std::string& sha256) const {
  if (!is_sha256_hex(sha256)) return not_a_hash(sha256);
  if (encrypted()) {
    return Status::failed_precondition(
        "the database is encrypted, and so is the file of " + sha256 +
        ": read its bytes with AttachmentStore::read or export_to (fieldsync_attachment_read, "
        "fieldsync_attachment_export; 'fieldsync fetch-attachment --out FILE')");
  }
  auto rows = store_.query("SELECT state FROM blobs WHERE hash = ?", {sha256});
  if (!rows.ok()) return rows.status();
  const std::string path = folder_ + "/" + sha256;
  std::error_code ec;
  if (rows->empty() || rows->front()[0] == "remote" || !fs::exists(path, ec)) {
    return Status::not_found("the bytes of " + sha256 +
                             " are not on this device; fetch them from the server");
  }
  return path;
}

std::string AttachmentStore::download_path(const std::string& sha256) const {
  return folder_ + "/tmp/" + sha256 + ".download";
}

Result<std::unique_ptr<BlobDownload>> AttachmentStore::begin_download(const std::string& sha256) {
  if (!is_sha256_hex(sha256)) return not_a_hash(sha256);
  auto rows = store_.query(
      "SELECT json_extract(fields, '$.size') FROM records"
      " WHERE collection = 'attachments' AND json_extract(fields, '$.sha256') = ? LIMIT 1",
      {sha256});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return Status::not_found("no attachment on this device has the hash " + sha256);
  }
  std::error_code ec;
  fs::create_directories(folder_ + "/tmp", ec);
  if (ec) return Status::io_error("cannot create '" + folder_ + "/tmp': " + ec.message());
  auto writer = BlobWriter::resume(download_path(sha256), sha256, rows->front()[0].get<int64_t>(),
                                   store_.impl_->blob_keys());
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<BlobDownload>(new BlobDownload(std::move(writer).value()));
}

Status AttachmentStore::adopt_download(const std::string& sha256) {
  if (!is_sha256_hex(sha256)) return not_a_hash(sha256);
  auto rows = store_.query(
      "SELECT json_extract(fields, '$.size'), json_extract(fields, '$.media_type') FROM records"
      " WHERE collection = 'attachments' AND json_extract(fields, '$.sha256') = ? LIMIT 1",
      {sha256});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return Status::not_found("no attachment on this device has the hash " + sha256);
  }
  const int64_t size = rows->front()[0].get<int64_t>();
  const std::string media_type = rows->front()[1].get<std::string>();
  const std::string download = download_path(sha256);
  std::error_code ec;
  auto discard = [&](const std::string& why) {
    fs::remove(download, ec);
    return Status::corruption("the downloaded bytes of " + sha256 + " " + why +
                              "; they were discarded");
  };
  {
    auto reader = BlobReader::open(download, sha256, store_.impl_->blob_keys());
    if (!reader.ok() && reader.status().code() == StatusCode::kNotFound) {
      return Status::not_found("no download of " + sha256 + " in progress");
    }
    if (!reader.ok() && reader.status().code() == StatusCode::kCorruption) {
      return discard("fail their check (" + reader.status().message() + ")");
    }
    if (!reader.ok()) return reader.status();
    if ((*reader)->size() != size) {
      return discard("are " + std::to_string((*reader)->size()) + " bytes, not " +
                     std::to_string(size));
    }
    auto hash = hash_of(**reader);
    if (!hash.ok() && hash.status().code() == StatusCode::kCorruption) {
      return discard("fail their check (" + hash.status().message() + ")");
    }
    if (!hash.ok()) return hash.status();
    if (*hash != sha256) return discard("do not match their hash");
  }
  FIELDSYNC_RETURN_IF_ERROR(fsync_path(download, /*folder=*/false));
  fs::rename(download, folder_ + "/" + sha256, ec);
  if (ec) return Status::io_error("cannot store the blob in '" + folder_ + "': " + ec.message());
  FIELDSYNC_RETURN_IF_ERROR(fsync_path(folder_, /*folder=*/true));
  const int64_t now = store_.clock().now_ms();
  return store_.write_together([&] {
    return run_statement(
        store_.impl_->db(),
        "INSERT INTO blobs (hash, size, media_type, state, uploaded, created_ms, used_ms)"
        " VALUES (?, ?, ?, 'synced', ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET"
        " state = CASE state WHEN 'remote' THEN 'synced' ELSE state END,"
        " used_ms = excluded.used_ms",
        {sha256, size, media_type, size, now, now});
  });
}

}  // namespace fieldsync
