// AttachmentStore, what a person does: the policy, attach, list, find, pin. The space
// the bytes take and their way to and from the server are in attachments_space.cpp.
#include "fieldsync/attachments.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "attachment_files.h"
#include "blob_file.h"
#include "device_store_impl.h"
#include "fieldsync/id.h"
#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPolicyMaxBytes = "attachment_max_bytes";
constexpr const char* kPolicyMaxQueue = "attachment_queue_max_bytes";
constexpr const char* kPolicyTypes = "attachment_media_types";
// The field of an attachment record that names a record of `collection`, when the
// declaration says that collection takes attachments.
std::optional<std::string> parent_field(const Schema& schema, const std::string& collection) {
  const CollectionDef* parent = schema.find(collection);
  const CollectionDef* attachments = schema.find("attachments");
  if (parent == nullptr || !parent->takes_attachments || attachments == nullptr)
    return std::nullopt;
  for (const auto& field : attachments->fields) {
    if (field.target == collection) return field.name;
  }
  return std::nullopt;
}

// The collections that take attachments, for messages.
std::string attachable_collections(const Schema& schema) {
  std::string names;
  for (const auto& c : schema.collections()) {
    if (c.takes_attachments) names += (names.empty() ? "" : ", ") + c.name;
  }
  return names;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// A file in the blob folder's tmp/ that is deleted unless kept.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!kept_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void keep() { kept_ = true; }

 private:
  std::string path_;
  bool kept_ = false;
};

// A source file opened for attaching.
class SourceFile {
 public:
  ~SourceFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status open(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::not_found("no file at '" + path + "'");
      return Status::io_error("cannot read '" + path + "': " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) return Status::invalid_argument("'" + path + "' is not a file");
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::io_error("cannot read '" + path + "': " + std::strerror(errno));
    size_ = info.st_size;
    return Status();
  }
  // Reads up to `size` bytes; 0 at the end.
  Result<size_t> read(char* data, size_t size) {
    while (true) {
      const ssize_t n = ::read(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::io_error(std::string("cannot read the file: ") + std::strerror(errno));
      return static_cast<size_t>(n);
    }
  }
  // Back to the first byte, for another pass.
  Status rewind() {
    if (::lseek(fd_, 0, SEEK_SET) != 0) {
      return Status::io_error(std::string("cannot read the file again: ") + std::strerror(errno));
    }
    return Status();
  }
  int64_t size() const { return size_; }

 private:
  int fd_ = -1;
  int64_t size_ = 0;
};

// What one pass over a source file read.
struct SourcePass {
  std::string sha256;
  int64_t size = 0;
};

Status changed_while_read(const std::string& file_path) {
  return Status::invalid_argument("'" + file_path +
                                  "' changed while it was read; attach it again once it is "
                                  "written");
}

// Reads the source from its first byte, hashing it and handing it to `copy` when given.
Result<SourcePass> read_source(SourceFile& source, std::vector<char>& buffer,
                               const std::string& file_path, int64_t max_bytes, BlobWriter* copy) {
  FIELDSYNC_RETURN_IF_ERROR(source.rewind().with_context("'" + file_path + "'"));
  Sha256 sha;
  SourcePass pass;
  while (true) {
    auto n = source.read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status().with_context("'" + file_path + "'");
    if (*n == 0) break;
    pass.size += static_cast<int64_t>(*n);
    if (pass.size > max_bytes) {
      return Status::invalid_argument("'" + file_path +
                                      "' grew while it was read; an attachment may be at most " +
                                      format_bytes(max_bytes));
    }
    sha.update(buffer.data(), *n);
    if (copy != nullptr) {
      Status written = copy->append(buffer.data(), *n);
      if (written.code() == StatusCode::kInvalidArgument) return changed_while_read(file_path);
      FIELDSYNC_RETURN_IF_ERROR(written);
    }
  }
  pass.sha256 = sha.hex();
  return pass;
}

// Copies the source into the blob file `copy`, synced, and returns its hash and size.
// Sealed (`keys`), each segment names the hash: a first pass finds it, and a source
// that changed before the second is refused.
Result<SourcePass> copy_aside(SourceFile& source, std::vector<char>& buffer,
                              const std::string& file_path, int64_t max_bytes, const BlobKeys* keys,
                              const std::string& copy) {
  std::optional<SourcePass> first_pass;
  if (keys != nullptr) {
    auto hashed = read_source(source, buffer, file_path, max_bytes, nullptr);
    if (!hashed.ok()) return hashed.status();
    first_pass = std::move(hashed).value();
  }
  auto writer = BlobWriter::create(copy, first_pass ? first_pass->sha256 : "",
                                   first_pass ? first_pass->size : -1, keys);
  if (!writer.ok()) return writer.status();
  auto copied = read_source(source, buffer, file_path, max_bytes, writer->get());
  if (!copied.ok()) return copied.status();
  if (first_pass && (copied->sha256 != first_pass->sha256 || copied->size != first_pass->size)) {
    return changed_while_read(file_path);
  }
  FIELDSYNC_RETURN_IF_ERROR((*writer)->finish());
  return copied;
}

}  // namespace

Status fsync_path(const std::string& path, bool folder) {
  const int fd = ::open(path.c_str(), folder ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Status::io_error("cannot open '" + path + "': " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot sync '" + path + "': " + std::strerror(errno));
  return Status();
}

// Runs one statement with parameters; rows are not read.
Status run_statement(SqliteDb& db, const std::string& sql, const std::vector<Json>& params) {
  auto stmt = db.cached(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < params.size(); ++i) (*stmt)->bind_json(static_cast<int>(i + 1), params[i]);
  auto row = (*stmt)->step();
  return row.ok() ? Status() : row.status();
}

AttachmentStore::AttachmentStore(DeviceStore& store) : store_(store), folder_(store.path() + ".blobs") {}

Result<AttachmentPolicy> AttachmentStore::policy() const {
  AttachmentPolicy policy;
  auto max_bytes = store_.sync_value(kPolicyMaxBytes);
  auto max_queue = store_.sync_value(kPolicyMaxQueue);
  auto types = store_.sync_value(kPolicyTypes);
  if (!max_bytes.ok()) return max_bytes.status();
  if (!max_queue.ok()) return max_queue.status();
  if (!types.ok()) return types.status();
  if (!max_bytes->empty()) policy.max_bytes = std::stoll(*max_bytes);
  if (!max_queue->empty()) policy.max_queue_bytes = std::stoll(*max_queue);
  if (!types->empty()) {
    policy.media_types.clear();
    size_t start = 0;
    while (start <= types->size()) {
      const size_t comma = std::min(types->find(',', start), types->size());
      policy.media_types.push_back(types->substr(start, comma - start));
      start = comma + 1;
    }
  }
  return policy;
}

Status AttachmentStore::set_policy(const AttachmentPolicy& policy) {
  std::vector<std::string> problems;
  if (policy.max_bytes <= 0 || policy.max_bytes > kMaxAttachmentBytes) {
    problems.push_back("max_bytes: must be between 1 byte and " + format_bytes(kMaxAttachmentBytes));
  }
  if (policy.max_queue_bytes < policy.max_bytes) {
    problems.push_back("max_queue_bytes: must be at least max_bytes (" + format_bytes(policy.max_bytes) + ")");
  }
  if (policy.media_types.empty()) problems.push_back("media_types: allow at least one media type");
  for (const auto& type : policy.media_types) {
    const auto& known = attachment_media_types();
    if (std::find(known.begin(), known.end(), type) == known.end()) {
      problems.push_back("media_types: '" + type + "' is not one of " + join(known, ", "));
    }
  }
  if (!problems.empty()) return Status::invalid_argument("invalid attachment limits", problems);
  return store_.write_together([&]() -> Status {
    FIELDSYNC_RETURN_IF_ERROR(store_.set_sync_value(kPolicyMaxBytes, std::to_string(policy.max_bytes)));
    FIELDSYNC_RETURN_IF_ERROR(
        store_.set_sync_value(kPolicyMaxQueue, std::to_string(policy.max_queue_bytes)));
    return store_.set_sync_value(kPolicyTypes, join(policy.media_types, ","));
  });
}

Result<Attachment> AttachmentStore::attach(const std::string& collection, const std::string& record_id,
                                           const std::string& file_path, const AttachOptions& options) {
  const auto field = parent_field(store_.schema(), collection);
  if (!field) {
    return Status::invalid_argument("cannot attach to " + collection + ": attachments belong to " +
                                    attachable_collections(store_.schema()));
  }
  auto parent = store_.get(collection, record_id);
  if (!parent.ok()) return parent.status();
  auto limits = policy();
  if (!limits.ok()) return limits.status();

  SourceFile source;
  FIELDSYNC_RETURN_IF_ERROR(source.open(file_path));
  if (source.size() == 0) return Status::invalid_argument("'" + file_path + "' is empty");
  if (source.size() > limits->max_bytes) {
    return Status::invalid_argument("'" + file_path + "' is " + format_bytes(source.size()) +
                                    "; an attachment may be at most " + format_bytes(limits->max_bytes));
  }
  // The first bytes say what the file is, before anything is copied.
  std::vector<char> buffer(64 * 1024);
  auto first = source.read(buffer.data(), buffer.size());
  if (!first.ok()) return first.status().with_context("'" + file_path + "'");
  const std::string sniffed = sniff_media_type(std::string_view(buffer.data(), *first));
  const std::string accepted = "JPEG, PNG, WebP or HEIC photos, PDF documents and MP4 videos";
  if (sniffed.empty()) {
    return Status::invalid_argument("'" + file_path + "' is not a photo or document fieldsync accepts (" +
                                    accepted + ")");
  }
  if (!options.media_type.empty() && options.media_type != sniffed) {
    return Status::invalid_argument("'" + file_path + "' is not " + options.media_type +
                                    ": its bytes are " + sniffed);
  }
  if (std::find(limits->media_types.begin(), limits->media_types.end(), sniffed) == limits->media_types.end()) {
    return Status::invalid_argument("'" + file_path + "' is " + sniffed +
                                    ", which this device does not allow (allowed: " +
                                    join(limits->media_types, ", ") + ")");
  }

  // Copy aside while hashing, then fsync and rename into place under the hash.
  std::error_code ec;
  fs::create_directories(folder_ + "/tmp", ec);
  if (ec) return Status::io_error("cannot create the blob folder '" + folder_ + "': " + ec.message());
  TempFile copy(folder_ + "/tmp/" + new_id(store_.clock()) + ".part");
  auto copied = copy_aside(source, buffer, file_path, limits->max_bytes, store_.impl_->blob_keys(),
                           copy.path());
  if (!copied.ok()) return copied.status();
  const std::string hash = copied->sha256;
  const int64_t size = copied->size;
  const std::string final_path = folder_ + "/" + hash;
  // Bytes this device already holds or the server already has add nothing to the queue.
  auto known = store_.query("SELECT 1 FROM blobs WHERE hash = ?", {hash});
  if (!known.ok()) return known.status();
  if (known->empty()) {
    auto waiting = store_.query("SELECT coalesce(sum(size - uploaded), 0) FROM blobs WHERE state = 'upload'", {});
    if (!waiting.ok()) return waiting.status();
    const int64_t queued = waiting->at(0).at(0).get<int64_t>();
    if (queued + size > limits->max_queue_bytes) {
      return Status::failed_precondition("the upload queue is full: " + format_bytes(queued) +
                                         " of attachments wait to be uploaded and the limit is " +
                                         format_bytes(limits->max_queue_bytes) + "; sync first, then attach again");
    }
  }
  // The fresh copy replaces a file of the same name even when one is there: an old
  // leftover may be swept by reclaim() in another process at any moment, the fresh
  // copy (new modification time) is not.
  fs::rename(copy.path(), final_path, ec);
  if (ec) return Status::io_error("cannot store the attachment in '" + folder_ + "': " + ec.message());
  copy.keep();
  FIELDSYNC_RETURN_IF_ERROR(fsync_path(folder_, /*folder=*/true));

  Json fields = {{*field, record_id},
                 {"sha256", hash},
                 {"size", size},
                 {"media_type", sniffed},
                 {"file_name", options.file_name.empty() ? fs::path(file_path).filename().string()
                                                         : options.file_name},
                 {"attached_by", store_.identity().user},
                 {"attached_at", store_.clock().now_ms()}};
  if (!options.caption.empty()) fields["caption"] = options.caption;
  Record record;
  const int64_t now = store_.clock().now_ms();
  Status written = store_.write_together([&]() -> Status {
    auto inserted = store_.insert("attachments", fields);
    if (!inserted.ok()) return inserted.status();
    record = std::move(inserted).value();
    // A blob evicted earlier is back; one already here keeps its state.
    return run_statement(store_.impl_->db(),
               "INSERT INTO blobs (hash, size, media_type, state, pinned, created_ms, used_ms)"
               " VALUES (?, ?, ?, 'upload', ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET"
               " state = CASE state WHEN 'remote' THEN 'synced' ELSE state END,"
               " pinned = max(pinned, excluded.pinned), used_ms = excluded.used_ms",
               {hash, size, sniffed, options.pin ? 1 : 0, now, now});
  });
  if (!written.ok()) {
    auto still_used = store_.query("SELECT 1 FROM blobs WHERE hash = ? AND state != 'remote'", {hash});
    if (still_used.ok() && still_used->empty()) fs::remove(final_path, ec);
    return written;
  }
  return find(record.id);
}

namespace {

// The attachment record plus its blob row ("remote" when there is none).
Result<Attachment> describe(const DeviceStore& store, const std::string& folder, Record record) {
  Attachment a;
  a.sha256 = record.fields.value("sha256", "");
  a.size = record.fields.value("size", int64_t{0});
  a.media_type = record.fields.value("media_type", "");
  a.record = std::move(record);
  auto rows = store.query("SELECT state, uploaded, pinned, last_error FROM blobs WHERE hash = ?", {a.sha256});
  if (!rows.ok()) return rows.status();
  a.state = "remote";
  if (!rows->empty()) {
    const Json& row = rows->front();
    a.state = row[0].get<std::string>();
    a.uploaded = row[1].get<int64_t>();
    a.pinned = row[2].get<int64_t>() != 0;
    a.last_error = row[3].get<std::string>();
  }
  std::error_code ec;
  a.local = a.state != "remote" && fs::exists(folder + "/" + a.sha256, ec);
  if (a.state == "synced") a.uploaded = a.size;
  return a;
}

}  // namespace

Result<std::vector<Attachment>> AttachmentStore::list(const std::string& collection,
                                                      const std::string& record_id) const {
  ListQuery query;
  if (!collection.empty() || !record_id.empty()) {
    const auto field = parent_field(store_.schema(), collection);
    if (!field) {
      return Status::invalid_argument(collection +
                                      " records have no attachments; attachments belong to " +
                                      attachable_collections(store_.schema()));
    }
    query.equals.push_back({*field, record_id});
  }
  auto records = store_.list("attachments", query);
  if (!records.ok()) return records.status();
  std::vector<Attachment> out;
  for (auto& record : *records) {
    auto a = describe(store_, folder_, std::move(record));
    if (!a.ok()) return a.status();
    out.push_back(std::move(a).value());
  }
  std::stable_sort(out.begin(), out.end(), [](const Attachment& a, const Attachment& b) {
    return a.record.fields.value("attached_at", int64_t{0}) < b.record.fields.value("attached_at", int64_t{0});
  });
  return out;
}

Result<Attachment> AttachmentStore::find(const std::string& id_or_hash) const {
  if (is_sha256_hex(id_or_hash)) {
    auto ids = store_.query(
        "SELECT id FROM records WHERE collection = 'attachments' AND json_extract(fields, '$.sha256') = ?"
        " ORDER BY id LIMIT 1",
        {id_or_hash});
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return Status::not_found("no attachment on this device has the hash " + id_or_hash);
    auto record = store_.get("attachments", ids->front()[0].get<std::string>());
    if (!record.ok()) return record.status();
    return describe(store_, folder_, std::move(record).value());
  }
  auto record = store_.get("attachments", id_or_hash);
  if (!record.ok()) return record.status();
  return describe(store_, folder_, std::move(record).value());
}

Status AttachmentStore::pin(const std::string& sha256, bool pinned) {
  auto rows = store_.query("SELECT 1 FROM blobs WHERE hash = ?", {sha256});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::not_found("no blob " + sha256 + " on this device");
  return store_.write_together([&] {
    return run_statement(store_.impl_->db(), "UPDATE blobs SET pinned = ? WHERE hash = ?", {pinned ? 1 : 0, sha256});
  });
}

}  // namespace fieldsync
