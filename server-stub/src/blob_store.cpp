#include "fieldsync/server/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "fieldsync/attachments.h"

namespace fieldsync::server {
namespace {

namespace fs = std::filesystem;

Status io_failure(const std::string& what, const std::string& path) {
  return Status::io_error(what + " '" + path + "': " + std::strerror(errno), /*retryable=*/true);
}

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

Status sync_folder(const std::string& folder) {
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.ok() || ::fsync(dir.get()) != 0) return io_failure("cannot sync the folder", folder);
  return Status();
}

Status write_all(int fd, std::string_view bytes, int64_t offset, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_failure("cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Status();
}

// Writes `text` to `path` durably: aside, fsync, rename.
Status replace_file(const std::string& path, const std::string& text) {
  const std::string aside = path + ".tmp";
  {
    Fd fd(::open(aside.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.ok()) return io_failure("cannot create", aside);
    FIELDSYNC_RETURN_IF_ERROR(write_all(fd.get(), text, 0, aside));
    if (::fsync(fd.get()) != 0) return io_failure("cannot sync", aside);
  }
  if (::rename(aside.c_str(), path.c_str()) != 0) return io_failure("cannot rename", aside);
  return Status();
}

// The confirmed length in a sidecar; 0 when there is none or it is not a number (it
// is only ever replaced whole, so that means no chunk was confirmed).
int64_t read_received(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return 0;
  char text[32] = {};
  const ssize_t n = ::read(fd.get(), text, sizeof text - 1);
  if (n <= 0) return 0;
  int64_t value = 0;
  for (ssize_t i = 0; i < n; ++i) {
    if (text[i] < '0' || text[i] > '9' || value > (INT64_MAX - 9) / 10) return 0;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

Status check_hash(const std::string& hash) {
  if (!is_sha256_hex(hash)) {
    return Status::invalid_argument("a blob's name must be 64 lowercase hexadecimal digits");
  }
  return Status();
}

// A chunk of `bytes` at `offset` of a blob of `size` bytes: invalid_argument when it is
// empty or runs past the end.
Status check_chunk(int64_t size, int64_t offset, std::string_view bytes) {
  if (size < 1) return Status::invalid_argument("a blob has at least one byte");
  if (bytes.empty()) return Status::invalid_argument("the chunk is empty");
  if (offset < 0 || offset > size || static_cast<int64_t>(bytes.size()) > size - offset) {
    return Status::invalid_argument("the chunk runs past the blob's size of " +
                                    std::to_string(size) + " bytes");
  }
  return Status();
}

// The owner named in the file at `path`; empty when there is none.
std::string read_owner(const std::string& path) {
  std::ifstream in(path);
  std::string owner;
  if (in) std::getline(in, owner);
  return owner;
}

// Whether `name` (a file name in partial/, without its suffix) is a partial_name().
bool is_upload_name(const std::string& name) {
  return name.size() == 64 + 1 + 32 && name[64] == '-' && is_sha256_hex(name.substr(0, 64)) &&
         name.find_first_not_of("0123456789abcdef", 65) == std::string::npos;
}

}  // namespace

class BlobStore::HashGuard {
 public:
  HashGuard(BlobStore& store, const std::string& hash) : store_(store), hash_(hash) {
    {
      std::lock_guard lock(store_.locks_mutex_);
      auto& slot = store_.locks_[hash_];
      if (!slot) slot = std::make_unique<HashLock>();
      ++slot->users;
      lock_ = slot.get();
    }
    lock_->mutex.lock();
  }
  ~HashGuard() {
    lock_->mutex.unlock();
    std::lock_guard lock(store_.locks_mutex_);
    if (--lock_->users == 0) store_.locks_.erase(hash_);
  }
  HashGuard(const HashGuard&) = delete;
  HashGuard& operator=(const HashGuard&) = delete;

 private:
  BlobStore& store_;
  std::string hash_;
  HashLock* lock_ = nullptr;
};

BlobStore::BlobStore(std::string folder) : folder_(std::move(folder)) {}

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::string& folder) {
  if (folder.empty()) return Status::invalid_argument("the blob folder needs a path");
  std::error_code error;
  fs::create_directories(fs::path(folder) / "partial", error);
  if (error) {
    return Status::io_error("cannot create the blob folder '" + folder + "': " + error.message());
  }
  if (::access(folder.c_str(), W_OK) != 0)
    return io_failure("cannot write to the blob folder", folder);
  std::unique_ptr<BlobStore> store(new BlobStore(folder));
  store->restore_owners();
  store->count_folder();
  return store;
}

void BlobStore::restore_owners() {
  std::error_code error;
  const std::string partial = folder_ + "/partial";
  // Uploads kept under their hash alone move to their owner's place; without an owner
  // they are dropped (their device is told it holds nothing, and sends them again).
  for (fs::directory_iterator it(partial, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 64 || !is_sha256_hex(name)) continue;
    const std::string legacy = partial + "/" + name;
    const std::string owner = read_owner(legacy + ".owner");
    if (owner.empty()) {
      for (const char* suffix : {"", ".received", ".owner"}) ::unlink((legacy + suffix).c_str());
      continue;
    }
    const std::string upload = partial_name(name, owner);
    ::rename((legacy + ".received").c_str(), received_path(upload).c_str());
    ::rename(legacy.c_str(), partial_path(upload).c_str());
    ::rename((legacy + ".owner").c_str(), owner_path(upload).c_str());
  }
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 64 + 6 || name.compare(64, 6, ".owner") != 0) continue;
    const std::string hash = name.substr(0, 64);
    if (!is_sha256_hex(hash) || fs::exists(complete_path(hash))) continue;
    // finish_upload was killed between its two renames: the upload is still partial
    // and still its owner's. An owner file beside no blob at all is a leftover.
    const std::string owner = read_owner(complete_owner_path(hash));
    if (!owner.empty() && fs::exists(partial_path(partial_name(hash, owner)))) {
      ::rename(complete_owner_path(hash).c_str(), owner_path(partial_name(hash, owner)).c_str());
    } else {
      ::unlink(complete_owner_path(hash).c_str());
    }
  }
}

void BlobStore::count(const std::string& key, const std::optional<Owned>& now) {
  std::lock_guard lock(usage_mutex_);
  if (auto was = owned_.find(key); was != owned_.end()) {
    BlobUsage& usage = usage_[was->second.owner];
    (was->second.complete ? usage.complete : usage.partial) -= was->second.bytes;
    owned_.erase(was);
  }
  if (!now || now->owner.empty()) return;
  BlobUsage& usage = usage_[now->owner];
  (now->complete ? usage.complete : usage.partial) += now->bytes;
  owned_[key] = *now;
}

void BlobStore::count_folder() {
  std::error_code error;
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 64 + 6 || name.compare(64, 6, ".owner") != 0) continue;
    const std::string hash = name.substr(0, 64), owner = read_owner(it->path().string());
    if (!is_sha256_hex(hash) || owner.empty()) continue;
    auto held = holding_locked(hash, "");
    if (held.ok() && held->complete) count(hash, Owned{owner, held->received, true});
  }
  const std::string partial = folder_ + "/partial";
  for (fs::directory_iterator it(partial, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 97 + 6 || name.compare(97, 6, ".owner") != 0) continue;
    const std::string upload = name.substr(0, 97), owner = read_owner(it->path().string());
    if (!is_upload_name(upload) || owner.empty()) continue;
    count(upload, Owned{owner, read_received(received_path(upload)), false});
  }
}

BlobUsage BlobStore::usage_of(const std::string& owner) const {
  std::lock_guard lock(usage_mutex_);
  auto found = usage_.find(owner);
  return found == usage_.end() ? BlobUsage{} : found->second;
}

std::string BlobStore::partial_name(const std::string& hash, const std::string& owner) {
  return hash + "-" + Sha256::of(owner).substr(0, 32);
}

std::string BlobStore::complete_path(const std::string& hash) const {
  return folder_ + "/" + hash;
}
std::string BlobStore::complete_owner_path(const std::string& hash) const {
  return complete_path(hash) + ".owner";
}
std::string BlobStore::partial_path(const std::string& upload) const {
  return folder_ + "/partial/" + upload;
}
std::string BlobStore::received_path(const std::string& upload) const {
  return partial_path(upload) + ".received";
}
std::string BlobStore::owner_path(const std::string& upload) const {
  return partial_path(upload) + ".owner";
}

void BlobStore::remove_upload(const std::string& upload) {
  for (const std::string& path :
       {partial_path(upload), received_path(upload), received_path(upload) + ".tmp",
        owner_path(upload), owner_path(upload) + ".tmp"}) {
    ::unlink(path.c_str());
  }
  count(upload, std::nullopt);
}

Result<std::string> BlobStore::uploader(const std::string& hash) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  HashGuard guard(*this, hash);
  auto held = holding_locked(hash, "");
  if (!held.ok()) return held.status();
  return held->complete ? read_owner(complete_owner_path(hash)) : std::string();
}

Result<BlobHolding> BlobStore::holding(const std::string& hash, const std::string& owner) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  HashGuard guard(*this, hash);
  auto held = holding_locked(hash, owner);
  if (!held.ok() || held->complete || !owner.empty()) return held;
  // Nobody named: the furthest any upload of it has got.
  std::error_code error;
  for (fs::directory_iterator it(folder_ + "/partial", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() == 97 + 9 && name.compare(0, 65, hash + "-") == 0 &&
        name.compare(97, 9, ".received") == 0) {
      held->received = std::max(held->received, read_received(it->path().string()));
    }
  }
  return held;
}

Result<BlobHolding> BlobStore::holding_locked(const std::string& hash, const std::string& owner) {
  struct stat info {};
  if (::stat(complete_path(hash).c_str(), &info) == 0) return BlobHolding{true, info.st_size};
  if (errno != ENOENT) return io_failure("cannot read", complete_path(hash));
  if (owner.empty()) return BlobHolding{false, 0};
  return BlobHolding{false, read_received(received_path(partial_name(hash, owner)))};
}

Result<BlobHolding> BlobStore::append(const std::string& hash, int64_t size, int64_t offset,
                                      std::string_view bytes, const std::string& owner) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  if (owner.empty() || owner.size() > 128 || owner.find_first_of("\r\n") != std::string::npos) {
    return Status::invalid_argument("an upload's owner must be 1 to 128 characters on one line");
  }
  FIELDSYNC_RETURN_IF_ERROR(check_chunk(size, offset, bytes));
  HashGuard guard(*this, hash);
  const std::string upload = partial_name(hash, owner);
  const int64_t confirmed = read_received(received_path(upload));
  if (offset != confirmed) {
    return Status::failed_precondition("the chunk starts at byte " + std::to_string(offset) +
                                       " but the server holds " + std::to_string(confirmed) +
                                       " bytes of this device's upload; continue from there");
  }
  if (read_owner(owner_path(upload)) != owner) {
    FIELDSYNC_RETURN_IF_ERROR(replace_file(owner_path(upload), owner));
  }
  const std::string partial = partial_path(upload);
  {
    Fd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.ok()) return io_failure("cannot open", partial);
    // Torn bytes of a chunk that was never confirmed are cut off first.
    if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) {
      return io_failure("cannot truncate", partial);
    }
    FIELDSYNC_RETURN_IF_ERROR(write_all(fd.get(), bytes, offset, partial));
    if (::fsync(fd.get()) != 0) return io_failure("cannot sync", partial);
  }
  const int64_t received = offset + static_cast<int64_t>(bytes.size());
  if (received == size) {
    auto finished = finish_upload(hash, owner, size);
    // Counted by what is on disk: a failure after the blob moved into place still counts it.
    auto now = holding_locked(hash, "");
    if (now.ok() && now->complete && read_owner(complete_owner_path(hash)) == owner) {
      count(hash, Owned{owner, size, true});
    }
    if (!fs::exists(partial)) count(upload, std::nullopt);
    return finished;
  }
  FIELDSYNC_RETURN_IF_ERROR(replace_file(received_path(upload), std::to_string(received)));
  FIELDSYNC_RETURN_IF_ERROR(sync_folder(folder_ + "/partial"));
  count(upload, Owned{owner, received, false});
  return BlobHolding{false, received};
}

Result<BlobHolding> BlobStore::show(const std::string& hash, int64_t size, int64_t offset,
                                    std::string_view bytes, const std::string& prover) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  FIELDSYNC_RETURN_IF_ERROR(check_chunk(size, offset, bytes));
  HashGuard guard(*this, hash);
  Showing* showing = nullptr;
  {
    std::lock_guard lock(showings_mutex_);
    auto found = showings_.find({hash, prover});
    if (found != showings_.end() && found->second.size != size) {
      showings_.erase(found);  // a showing of another size: begun again
      found = showings_.end();
    }
    if (found == showings_.end()) {
      if (offset != 0) {
        return Status::failed_precondition("the chunk starts at byte " + std::to_string(offset) +
                                           " but this device has sent 0 bytes of this blob; "
                                           "continue from there");
      }
      if (showings_.size() >= kMaxShowings) {
        return Status::unavailable("the server is checking too many uploads at once; try again");
      }
      found = showings_.emplace(std::make_pair(hash, prover), Showing{}).first;
      found->second.hasher = std::make_unique<Sha256>();
      found->second.size = size;
    }
    showing = &found->second;
    showing->touched = std::chrono::steady_clock::now();
  }
  if (offset != showing->sent) {
    return Status::failed_precondition(
        "the chunk starts at byte " + std::to_string(offset) + " but this device has sent " +
        std::to_string(showing->sent) + " bytes of this blob; continue from there");
  }
  showing->hasher->update(bytes.data(), bytes.size());
  showing->sent += static_cast<int64_t>(bytes.size());
  if (showing->sent < size) return BlobHolding{false, showing->sent};
  const std::string actual = showing->hasher->hex();
  {
    std::lock_guard lock(showings_mutex_);
    showings_.erase({hash, prover});
  }
  if (actual != hash) {
    return Status::corruption("the " + std::to_string(size) + " bytes received hash to " + actual +
                              ", not to the blob's name; send the blob again from offset 0");
  }
  return BlobHolding{true, size};
}

int64_t BlobStore::shown(const std::string& hash, const std::string& prover) {
  HashGuard guard(*this, hash);
  std::lock_guard lock(showings_mutex_);
  auto found = showings_.find({hash, prover});
  return found == showings_.end() ? 0 : found->second.sent;
}

Result<BlobHolding> BlobStore::finish_upload(const std::string& hash, const std::string& owner,
                                             int64_t size) {
  const std::string upload = partial_name(hash, owner);
  const std::string partial = partial_path(upload);
  auto actual = Sha256::of_file(partial);
  if (!actual.ok()) return actual.status();
  if (*actual != hash) {
    remove_upload(upload);
    return Status::corruption("the " + std::to_string(size) + " bytes received hash to " + *actual +
                              ", not to the blob's name; send the blob again from offset 0");
  }
  auto held = holding_locked(hash, "");
  if (!held.ok()) return held.status();
  if (held->complete) {  // another owner finished first: this copy is not needed
    remove_upload(upload);
    return *held;
  }
  // The owner first: a kill between the two renames leaves an owner file beside a
  // partial upload that holds it too, never a complete blob whose owner is lost.
  if (::rename(owner_path(upload).c_str(), complete_owner_path(hash).c_str()) != 0 &&
      errno != ENOENT) {
    return io_failure("cannot move the upload's owner into place", owner_path(upload));
  }
  if (::rename(partial.c_str(), complete_path(hash).c_str()) != 0) {
    return io_failure("cannot move the blob into place", partial);
  }
  FIELDSYNC_RETURN_IF_ERROR(sync_folder(folder_));
  ::unlink(received_path(upload).c_str());  // a leftover is harmless: the blob is complete
  // Other uploads of it can add nothing now: a device that must still show it holds the
  // bytes sends them again (show()).
  std::error_code error;
  std::set<std::string> others;
  for (fs::directory_iterator it(folder_ + "/partial", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= 97 && name.compare(0, 65, hash + "-") == 0 &&
        is_upload_name(name.substr(0, 97)) && name.substr(0, 97) != upload) {
      others.insert(name.substr(0, 97));
    }
  }
  for (const std::string& other : others) remove_upload(other);
  return BlobHolding{true, size};
}

Result<std::string> BlobStore::read(const std::string& hash, int64_t offset, int64_t length) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  if (offset < 0 || length < 0) {
    return Status::invalid_argument("offset and length must be zero or more");
  }
  // A complete blob never changes, and it appears by an atomic rename: no lock needed.
  const std::string path = complete_path(hash);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    if (errno == ENOENT) return Status::not_found("the server does not hold this whole blob yet");
    return io_failure("cannot open", path);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_failure("cannot read", path);
  const int64_t size = info.st_size;
  if (offset > size) {
    return Status::invalid_argument("offset " + std::to_string(offset) +
                                    " is past the end of the " + std::to_string(size) +
                                    " bytes of this blob");
  }
  std::string bytes(static_cast<size_t>(std::min(length, size - offset)), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd.get(), bytes.data() + done, bytes.size() - done,
                              static_cast<off_t>(offset) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_failure("cannot read", path);
    done += static_cast<size_t>(n);
  }
  return bytes;
}

Result<int64_t> BlobStore::remove_partials_older_than(std::chrono::seconds age) {
  {
    // Showings untouched as long go too (they hold no bytes, only a hash under way); each
    // under its hash's lock, as show() may be using it.
    const auto cutoff = std::chrono::steady_clock::now() - age;
    std::vector<std::pair<std::string, std::string>> stale;
    {
      std::lock_guard lock(showings_mutex_);
      for (const auto& [key, showing] : showings_) {
        if (showing.touched < cutoff) stale.push_back(key);
      }
    }
    for (const auto& key : stale) {
      HashGuard guard(*this, key.first);
      std::lock_guard lock(showings_mutex_);
      auto found = showings_.find(key);
      if (found != showings_.end() && found->second.touched < cutoff) showings_.erase(found);
    }
  }
  const std::string folder = folder_ + "/partial";
  const auto cutoff = fs::file_time_type::clock::now() - age;
  // The newest write among the files of each upload (data, sidecar, sidecars aside).
  std::map<std::string, fs::file_time_type> newest;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() < 97 || !is_upload_name(name.substr(0, 97))) continue;
    std::error_code time_error;
    const auto written = it->last_write_time(time_error);
    if (time_error) continue;
    auto [slot, added] = newest.emplace(name.substr(0, 97), written);
    if (!added && written > slot->second) slot->second = written;
  }
  if (error) return Status::io_error("cannot list '" + folder + "': " + error.message(), true);
  int64_t removed = 0;
  for (const auto& [upload, written] : newest) {
    if (written >= cutoff) continue;
    HashGuard guard(*this, upload.substr(0, 64));
    std::error_code time_error;
    const auto now_written = fs::last_write_time(partial_path(upload), time_error);
    if (!time_error && now_written >= cutoff) continue;  // written to while we listed
    remove_upload(upload);
    ++removed;
  }
  return removed;
}

}  // namespace fieldsync::server
