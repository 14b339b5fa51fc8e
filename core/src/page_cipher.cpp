// PageCipher, the first bytes of a database file, and re-encrypting a file (the
// layout is in page_cipher.h).
#include "page_cipher.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "attachment_files.h"

namespace fieldsync {
namespace {

constexpr int kPage = kEncryptedPageSize;
constexpr int kBody = kPage - kEncryptedReservedBytes;  // the bytes of a page that are encrypted
constexpr int kIvSize = 12;
constexpr int kTagSize = 16;
constexpr int kClearPrefix = 16;  // page 1: marker and key check
constexpr unsigned char kMarker[8] = {'F', 'S', 'Y', 'N', 'C', 'A', 'E', 'S'};
constexpr char kSqliteHeader[16] = "SQLite format 3";  // with its NUL, 16 bytes

static_assert(kIvSize + kTagSize <= kEncryptedReservedBytes,
              "IV and tag fit in the reserved bytes");

// Bumped in a forked child, so that no batch of IVs drawn before the fork is used on
// both sides of it.
std::atomic<unsigned> g_fork_generation{0};

unsigned fork_generation() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr,
                   [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)registered;
  return g_fork_generation.load(std::memory_order_relaxed);
}

}  // namespace

void derive_subkey(const DatabaseKey& key, const char* label, unsigned char* out, size_t size) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(DatabaseKey::kSize),
       reinterpret_cast<const unsigned char*>(label), std::strlen(label), mac.data(), &length);
  std::memcpy(out, mac.data(), std::min<size_t>(size, length));
  OPENSSL_cleanse(mac.data(), mac.size());
}

PageKeys::~PageKeys() {
  OPENSSL_cleanse(cipher.data(), cipher.size());
  OPENSSL_cleanse(check.data(), check.size());
}

PageKeys derive_page_keys(const DatabaseKey& key) {
  PageKeys keys;
  derive_subkey(key, "fieldsync device database pages v1", keys.cipher.data(), keys.cipher.size());
  derive_subkey(key, "fieldsync device database key check v1", keys.check.data(),
                keys.check.size());
  return keys;
}

PageCipher::PageCipher(const PageKeys& keys)
    : keys_(keys), seal_(EVP_CIPHER_CTX_new()), open_(EVP_CIPHER_CTX_new()) {
  EVP_EncryptInit_ex(seal_, EVP_aes_256_gcm(), nullptr, keys_.cipher.data(), nullptr);
  EVP_DecryptInit_ex(open_, EVP_aes_256_gcm(), nullptr, keys_.cipher.data(), nullptr);
}

PageCipher::~PageCipher() {
  EVP_CIPHER_CTX_free(seal_);
  EVP_CIPHER_CTX_free(open_);
}

bool PageCipher::seal(uint32_t pgno, const unsigned char* plain, unsigned char* sealed) {
  const int start = pgno == 1 ? kClearPrefix : 0;
  unsigned char* iv = sealed + kBody;
  unsigned char* tag = iv + kIvSize;
  const unsigned char aad[4] = {
      static_cast<unsigned char>(pgno >> 24), static_cast<unsigned char>(pgno >> 16),
      static_cast<unsigned char>(pgno >> 8), static_cast<unsigned char>(pgno)};
  int n = 0;
  unsigned char tail[16];
  const bool ok = next_iv(iv) && EVP_EncryptInit_ex(seal_, nullptr, nullptr, nullptr, iv) == 1 &&
                  EVP_EncryptUpdate(seal_, nullptr, &n, aad, sizeof(aad)) == 1 &&
                  EVP_EncryptUpdate(seal_, sealed + start, &n, plain + start, kBody - start) == 1 &&
                  EVP_EncryptFinal_ex(seal_, tail, &n) == 1 &&
                  EVP_CIPHER_CTX_ctrl(seal_, EVP_CTRL_GCM_GET_TAG, kTagSize, tag) == 1;
  std::memset(tag + kTagSize, 0, kPage - kBody - kIvSize - kTagSize);
  if (pgno == 1) {
    std::memcpy(sealed, kMarker, sizeof(kMarker));
    std::memcpy(sealed + sizeof(kMarker), keys_.check.data(), keys_.check.size());
  }
  return ok;
}

bool PageCipher::open(uint32_t pgno, const unsigned char* sealed, unsigned char* plain) {
  const int start = pgno == 1 ? kClearPrefix : 0;
  if (pgno == 1 && !has_key_check(sealed)) {
    std::memset(plain, 0, kPage);
    return false;
  }
  unsigned char iv[kIvSize];
  unsigned char tag[kTagSize];
  std::memcpy(iv, sealed + kBody, kIvSize);
  std::memcpy(tag, sealed + kBody + kIvSize, kTagSize);
  const unsigned char aad[4] = {
      static_cast<unsigned char>(pgno >> 24), static_cast<unsigned char>(pgno >> 16),
      static_cast<unsigned char>(pgno >> 8), static_cast<unsigned char>(pgno)};
  int n = 0;
  unsigned char tail[16];
  const bool ok = EVP_DecryptInit_ex(open_, nullptr, nullptr, nullptr, iv) == 1 &&
                  EVP_DecryptUpdate(open_, nullptr, &n, aad, sizeof(aad)) == 1 &&
                  EVP_DecryptUpdate(open_, plain + start, &n, sealed + start, kBody - start) == 1 &&
                  EVP_CIPHER_CTX_ctrl(open_, EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1 &&
                  EVP_DecryptFinal_ex(open_, tail, &n) > 0;
  if (!ok) {
    std::memset(plain, 0, kPage);
    return false;
  }
  if (pgno == 1) std::memcpy(plain, kSqliteHeader, sizeof(kSqliteHeader));
  std::memset(plain + kBody, 0, kPage - kBody);
  return true;
}

bool PageCipher::next_iv(unsigned char* iv) {
  static_assert(sizeof(ivs_) % kIvSize == 0, "a batch holds whole IVs");
  const unsigned generation = fork_generation();
  if (ivs_used_ == ivs_.size() || ivs_generation_ != generation) {
    if (RAND_bytes(ivs_.data(), static_cast<int>(ivs_.size())) != 1) return false;
    ivs_used_ = 0;
    ivs_generation_ = generation;
  }
  std::memcpy(iv, ivs_.data() + ivs_used_, kIvSize);
  ivs_used_ += kIvSize;
  return true;
}

// Whether a sealed page 1 starts with the marker and this key's check value.
bool PageCipher::has_key_check(const unsigned char* sealed) const {
  return std::memcmp(sealed, kMarker, sizeof(kMarker)) == 0 &&
         CRYPTO_memcmp(sealed + sizeof(kMarker), keys_.check.data(), keys_.check.size()) == 0;
}

DatabaseFileKind inspect_database_file(const std::string& path, const DatabaseKey* key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? DatabaseFileKind::kEmpty : DatabaseFileKind::kUnrecognised;
  unsigned char head[kClearPrefix];
  const ssize_t n = ::pread(fd, head, sizeof(head), 0);
  ::close(fd);
  if (n == 0) return DatabaseFileKind::kEmpty;
  if (n != static_cast<ssize_t>(sizeof(head))) return DatabaseFileKind::kUnrecognised;
  if (std::memcmp(head, kSqliteHeader, sizeof(kSqliteHeader)) == 0) return DatabaseFileKind::kPlain;
  if (std::memcmp(head, kMarker, sizeof(kMarker)) != 0) return DatabaseFileKind::kUnrecognised;
  if (key == nullptr) return DatabaseFileKind::kEncrypted;
  const PageKeys keys = derive_page_keys(*key);
  const bool same =
      CRYPTO_memcmp(head + sizeof(kMarker), keys.check.data(), keys.check.size()) == 0;
  return same ? DatabaseFileKind::kEncrypted : DatabaseFileKind::kOtherKey;
}

namespace {

// A file descriptor closed on scope exit.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status write_all(int fd, const unsigned char* data, size_t size, off_t offset,
                 const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::io_error("cannot write '" + path + "': " + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return Status();
}

Status copy_reencrypted(int in, int out, const std::string& path, const std::string& building,
                        PageCipher& from, PageCipher& to) {
  std::array<unsigned char, kPage> page;
  std::array<unsigned char, kPage> sealed;
  for (int64_t index = 0;; ++index) {
    const off_t offset = static_cast<off_t>(index * kPage);
    size_t got = 0;
    while (got < page.size()) {
      const ssize_t n =
          ::pread(in, page.data() + got, page.size() - got, offset + static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::io_error("cannot read '" + path + "': " + std::strerror(errno));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == 0) return Status();
    const auto pgno = static_cast<uint32_t>(index + 1);
    if (got != page.size()) {
      return Status::corruption("'" + path + "' ends in part of a page; nothing was changed");
    }
    if (!from.open(pgno, page.data(), page.data())) {
      return Status::corruption(
          "page " + std::to_string(pgno) + " of '" + path +
          "' fails its authentication check under the current key; nothing was changed");
    }
    if (!to.seal(pgno, page.data(), sealed.data()))
      return Status::internal("cannot encrypt a page");
    FIELDSYNC_RETURN_IF_ERROR(write_all(out, sealed.data(), sealed.size(), offset, building));
  }
}

}  // namespace

Status reencrypt_database_file(const std::string& path, const DatabaseKey& current,
                               const DatabaseKey& next) {
  PageCipher from(derive_page_keys(current));
  PageCipher to(derive_page_keys(next));
  Descriptor in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Status::io_error("cannot read '" + path + "': " + std::strerror(errno));
  const std::string building = path + ".rekeying";
  ::unlink(building.c_str());  // a leftover of a rekey that was killed part-way
  Descriptor out(::open(building.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0)
    return Status::io_error("cannot write '" + building + "': " + std::strerror(errno));
  Status copied = copy_reencrypted(in.get(), out.get(), path, building, from, to);
  if (copied.ok() && ::fsync(out.get()) != 0) {
    copied = Status::io_error("cannot sync '" + building + "': " + std::strerror(errno));
  }
  if (::close(out.release()) != 0 && copied.ok())
    copied = Status::io_error("cannot write '" + building + "'");
  if (copied.ok() && ::rename(building.c_str(), path.c_str()) != 0) {
    copied = Status::io_error("cannot replace '" + path + "': " + std::strerror(errno));
  }
  if (!copied.ok()) {
    ::unlink(building.c_str());
    return copied;
  }
  const std::string folder = std::filesystem::absolute(path).parent_path().string();
  return fsync_path(folder, /*folder=*/true);
}

}  // namespace fieldsync
