#include "fieldsync/server/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

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
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 64 + 6 || name.compare(64, 6, ".owner") != 0) continue;
    const std::string hash = name.substr(0, 64);
    if (!is_sha256_hex(hash) || fs::exists(complete_path(hash))) continue;
    // finish_upload was killed between its two renames: the upload is still partial
    // and still its owner's. An owner file beside no blob at all is a leftover.
    if (fs::exists(partial_path(hash))) {
      ::rename(owner_path(hash, true).c_str(), owner_path(hash, false).c_str());
    } else {
      ::unlink(owner_path(hash, true).c_str());
    }
  }
}

void BlobStore::count(const std::string& hash, const std::optional<Owned>& now) {
  std::lock_guard lock(usage_mutex_);
  if (auto was = owned_.find(hash); was != owned_.end()) {
    BlobUsage& usage = usage_[was->second.owner];
    (was->second.complete ? usage.complete : usage.partial) -= was->second.bytes;
    owned_.erase(was);
  }
  if (!now || now->owner.empty()) return;
  BlobUsage& usage = usage_[now->owner];
  (now->complete ? usage.complete : usage.partial) += now->bytes;
  owned_[hash] = *now;
}

void BlobStore::count_folder() {
  std::error_code error;
  for (bool complete : {true, false}) {
    const std::string folder = complete ? folder_ : folder_ + "/partial";
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.size() != 64 + 6 || name.compare(64, 6, ".owner") != 0) continue;
      const std::string hash = name.substr(0, 64);
      if (!is_sha256_hex(hash)) continue;
      std::ifstream in(it->path());
      std::string owner;
      if (!in || !std::getline(in, owner) || owner.empty()) continue;
      auto held = holding_locked(hash);
      if (!held.ok() || held->complete != complete) continue;
      count(hash, Owned{owner, held->received, complete});
    }
  }
}

BlobUsage BlobStore::usage_of(const std::string& owner) const {
  std::lock_guard lock(usage_mutex_);
  auto found = usage_.find(owner);
  return found == usage_.end() ? BlobUsage{} : found->second;
}

std::string BlobStore::complete_path(const std::string& hash) const {
  return folder_ + "/" + hash;
}
std::string BlobStore::partial_path(const std::string& hash) const {
  return folder_ + "/partial/" + hash;
}
std::string BlobStore::received_path(const std::string& hash) const {
  return partial_path(hash) + ".received";
}
std::string BlobStore::owner_path(const std::string& hash, bool complete) const {
  return (complete ? complete_path(hash) : partial_path(hash)) + ".owner";
}

Result<std::string> BlobStore::uploader(const std::string& hash) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  HashGuard guard(*this, hash);
  for (bool complete : {true, false}) {
    std::ifstream in(owner_path(hash, complete));
    std::string owner;
    if (in && std::getline(in, owner) && !owner.empty()) return owner;
  }
  return std::string();
}

Result<BlobHolding> BlobStore::holding(const std::string& hash) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  HashGuard guard(*this, hash);
  return holding_locked(hash);
}

Result<BlobHolding> BlobStore::holding_locked(const std::string& hash) {
  struct stat info {};
  if (::stat(complete_path(hash).c_str(), &info) == 0) return BlobHolding{true, info.st_size};
  if (errno != ENOENT) return io_failure("cannot read", complete_path(hash));
  return BlobHolding{false, read_received(received_path(hash))};
}

Result<BlobHolding> BlobStore::append(const std::string& hash, int64_t size, int64_t offset,
                                      std::string_view bytes, const std::string& owner) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  if (owner.empty() || owner.size() > 128 || owner.find_first_of("\r\n") != std::string::npos) {
    return Status::invalid_argument("an upload's owner must be 1 to 128 characters on one line");
  }
  if (size < 1) return Status::invalid_argument("a blob has at least one byte");
  if (bytes.empty()) return Status::invalid_argument("the chunk is empty");
  if (offset < 0 || offset > size || static_cast<int64_t>(bytes.size()) > size - offset) {
    return Status::invalid_argument("the chunk runs past the blob's size of " +
                                    std::to_string(size) + " bytes");
  }
  HashGuard guard(*this, hash);
  auto held = holding_locked(hash);
  if (!held.ok() || held->complete) return held;
  const std::string began_by = [&] {
    std::ifstream in(owner_path(hash, false));
    std::string text;
    if (in) std::getline(in, text);
    return text;
  }();
  if (held->received > 0 && !began_by.empty() && began_by != owner) {
    return Status::permission_denied(
        "another device is uploading this blob; it is theirs until it completes or lies "
        "untouched for a day");
  }
  if (offset != held->received) {
    return Status::failed_precondition("the chunk starts at byte " + std::to_string(offset) +
                                       " but the server holds " + std::to_string(held->received) +
                                       " bytes of this blob; continue from there");
  }
  if (began_by != owner) FIELDSYNC_RETURN_IF_ERROR(replace_file(owner_path(hash, false), owner));
  const std::string partial = partial_path(hash);
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
    auto finished = finish_upload(hash, size);
    // Counted by what is on disk: a failure after the blob moved into place still counts it.
    auto now = holding_locked(hash);
    count(hash, now.ok() && now->complete ? std::optional<Owned>(Owned{owner, size, true}) : std::nullopt);
    return finished;
  }
  FIELDSYNC_RETURN_IF_ERROR(replace_file(received_path(hash), std::to_string(received)));
  FIELDSYNC_RETURN_IF_ERROR(sync_folder(folder_ + "/partial"));
  count(hash, Owned{owner, received, false});
  return BlobHolding{false, received};
}

Result<BlobHolding> BlobStore::show(const std::string& hash, int64_t size, int64_t offset,
                                    std::string_view bytes, const std::string& prover) {
  FIELDSYNC_RETURN_IF_ERROR(check_hash(hash));
  if (size < 1) return Status::invalid_argument("a blob has at least one byte");
  if (bytes.empty()) return Status::invalid_argument("the chunk is empty");
  if (offset < 0 || offset > size || static_cast<int64_t>(bytes.size()) > size - offset) {
    return Status::invalid_argument("the chunk runs past the blob's size of " +
                                    std::to_string(size) + " bytes");
  }
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

Result<BlobHolding> BlobStore::finish_upload(const std::string& hash, int64_t size) {
  const std::string partial = partial_path(hash);
  auto actual = Sha256::of_file(partial);
  if (!actual.ok()) return actual.status();
  if (*actual != hash) {
    ::unlink(partial.c_str());
    ::unlink(received_path(hash).c_str());
    ::unlink(owner_path(hash, false).c_str());
    return Status::corruption("the " + std::to_string(size) + " bytes received hash to " + *actual +
                              ", not to the blob's name; send the blob again from offset 0");
  }
  // The owner first: a kill between the two renames leaves an owner file beside a
  // partial upload that holds it too, never a complete blob whose owner is lost.
  if (::rename(owner_path(hash, false).c_str(), owner_path(hash, true).c_str()) != 0 &&
      errno != ENOENT) {
    return io_failure("cannot move the upload's owner into place", owner_path(hash, false));
  }
  if (::rename(partial.c_str(), complete_path(hash).c_str()) != 0) {
    return io_failure("cannot move the blob into place", partial);
  }
  FIELDSYNC_RETURN_IF_ERROR(sync_folder(folder_));
  ::unlink(received_path(hash).c_str());  // a leftover is harmless: the blob is complete
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
  // The newest write among the files of each hash (data, sidecar, sidecar aside).
  std::map<std::string, fs::file_time_type> newest;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() < 64 || !is_sha256_hex(name.substr(0, 64))) continue;
    std::error_code time_error;
    const auto written = it->last_write_time(time_error);
    if (time_error) continue;
    auto [slot, added] = newest.emplace(name.substr(0, 64), written);
    if (!added && written > slot->second) slot->second = written;
  }
  if (error) return Status::io_error("cannot list '" + folder + "': " + error.message(), true);
  int64_t removed = 0;
  for (const auto& [hash, written] : newest) {
    if (written >= cutoff) continue;
    HashGuard guard(*this, hash);
    std::error_code time_error;
    const auto now_written = fs::last_write_time(partial_path(hash), time_error);
    if (!time_error && now_written >= cutoff) continue;  // written to while we listed
    for (const std::string& path :
         {partial_path(hash), received_path(hash), received_path(hash) + ".tmp",
          owner_path(hash, false), owner_path(hash, false) + ".tmp"}) {
      ::unlink(path.c_str());
    }
    auto held = holding_locked(hash);
    if (held.ok() && !held->complete) count(hash, std::nullopt);
    ++removed;
  }
  return removed;
}

}  // namespace fieldsync::server
