// The blob files' part of a rekey: copies sealed under the new key, then moved into
// place once the database has moved (the order and what a kill leaves: blob_rekey.h).
#include "blob_rekey.h"

#include <filesystem>
#include <vector>

#include "attachment_files.h"
#include "fieldsync/attachments.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCopySuffix = ".rekeyed";
constexpr int64_t kCopyPiece = 16 * kBlobSegmentBytes;

std::string copy_path(const std::string& folder, const std::string& sha256) {
  return folder + "/tmp/" + sha256 + kCopySuffix;
}

// The blob files of `folder`: regular files named by a SHA-256.
std::vector<std::string> blob_names(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && is_sha256_hex(name)) names.push_back(name);
  }
  return names;
}

// Files of tmp/ whose name ends with `suffix`, by the SHA-256 before it.
std::vector<std::string> tmp_hashes(const std::string& folder, const std::string& suffix) {
  std::vector<std::string> hashes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder + "/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 64 + suffix.size() || name.compare(64, suffix.size(), suffix) != 0) continue;
    if (is_sha256_hex(name.substr(0, 64))) hashes.push_back(name.substr(0, 64));
  }
  return hashes;
}

// Reads the blob file `sha256` under `from` and writes it sealed under `to` at `copy`.
Status seal_copy(const std::string& folder, const std::string& sha256, const BlobKeys& from,
                 const BlobKeys& to) {
  auto reader = BlobReader::open(folder + "/" + sha256, sha256, &from);
  if (!reader.ok()) return reader.status();
  auto writer = BlobWriter::create(copy_path(folder, sha256), sha256, (*reader)->size(), &to);
  if (!writer.ok()) return writer.status();
  for (int64_t offset = 0; offset < (*reader)->size(); offset += kCopyPiece) {
    auto piece = (*reader)->read(offset, kCopyPiece);
    if (!piece.ok()) return piece.status();
    FIELDSYNC_RETURN_IF_ERROR((*writer)->append(piece->data(), piece->size()));
  }
  return (*writer)->finish();
}

}  // namespace

Status seal_blob_copies(const std::string& folder, const DatabaseKey& current,
                        const DatabaseKey& next) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return Status();
  const BlobKeys from = derive_blob_keys(current);
  const BlobKeys to = derive_blob_keys(next);
  FIELDSYNC_RETURN_IF_ERROR(adopt_blob_copies(folder, from));
  discard_blob_copies(folder);
  for (const std::string& sha256 : tmp_hashes(folder, ".download")) {
    fs::remove(folder + "/tmp/" + sha256 + ".download", ec);
  }
  fs::create_directories(folder + "/tmp", ec);
  if (ec) return Status::io_error("cannot create '" + folder + "/tmp': " + ec.message());
  for (const std::string& sha256 : blob_names(folder)) {
    Status sealed = seal_copy(folder, sha256, from, to);
    if (sealed.ok()) continue;
    discard_blob_copies(folder);
    if (sealed.code() != StatusCode::kCorruption) {
      return sealed.with_context(
          "rekeying the attachments (a copy of each needs room until the "
          "rekey ends); nothing was changed");
    }
    return Status::corruption(sealed.message() +
                              "; nothing was changed: delete that file to rekey without it "
                              "('fieldsync fetch-attachment' brings its bytes back if the server "
                              "has them)");
  }
  return fsync_path(folder + "/tmp", /*folder=*/true);
}

Status adopt_blob_copies(const std::string& folder, const BlobKeys& keys) {
  bool moved = false;
  for (const std::string& sha256 : tmp_hashes(folder, kCopySuffix)) {
    const std::string copy = copy_path(folder, sha256);
    if (!blob_file_sealed_under(copy, keys)) continue;
    std::error_code ec;
    fs::rename(copy, folder + "/" + sha256, ec);
    if (ec && fs::exists(copy)) {
      return Status::io_error("cannot move '" + copy + "' into place: " + ec.message());
    }
    moved = true;
  }
  return moved ? fsync_path(folder, /*folder=*/true) : Status();
}

void discard_blob_copies(const std::string& folder) {
  for (const std::string& sha256 : tmp_hashes(folder, kCopySuffix)) {
    std::error_code ec;
    fs::remove(copy_path(folder, sha256), ec);
  }
}

}  // namespace fieldsync
