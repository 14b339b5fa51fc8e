// BlobReader and BlobWriter: plain blob files as they are, sealed ones segment by
// segment (the layout is in blob_file.h).
#include "blob_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "page_cipher.h"

namespace fieldsync {
namespace {

constexpr unsigned char kMagic[8] = {'F', 'S', 'B', 'L', 'O', 'B', '0', '1'};
constexpr int64_t kIvBytes = 12;
constexpr int64_t kTagBytes = 16;
constexpr int64_t kRecordBytes =
    kBlobSegmentBytes + kBlobSegmentOverhead;  // a whole segment on disk
constexpr size_t kAadBytes = 32 + 8 + 1;

static_assert(sizeof(kMagic) + sizeof(BlobKeys::check) == kBlobHeaderBytes, "the header's size");
static_assert(kIvBytes + kTagBytes == kBlobSegmentOverhead, "a segment's overhead");

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The 32 bytes a SHA-256 in lowercase hex stands for; false when it is not one.
bool raw_hash(const std::string& hex, std::array<unsigned char, 32>& out) {
  if (hex.size() != 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

std::array<unsigned char, kAadBytes> segment_aad(const std::array<unsigned char, 32>& hash,
                                                 int64_t index, bool last) {
  std::array<unsigned char, kAadBytes> aad{};
  std::memcpy(aad.data(), hash.data(), hash.size());
  for (int i = 0; i < 8; ++i) aad[32 + i] = static_cast<unsigned char>(index >> (56 - 8 * i));
  aad[40] = last ? 1 : 0;
  return aad;
}

// Reads exactly `size` bytes at `offset`; false on a short read or an error.
bool read_exactly(int fd, unsigned char* data, size_t size, int64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

bool has_header_of(const unsigned char* header, const BlobKeys& keys) {
  return std::memcmp(header, kMagic, sizeof(kMagic)) == 0 &&
         CRYPTO_memcmp(header + sizeof(kMagic), keys.check.data(), keys.check.size()) == 0;
}

std::string io_message(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

BlobKeys::~BlobKeys() {
  OPENSSL_cleanse(cipher.data(), cipher.size());
  OPENSSL_cleanse(check.data(), check.size());
}

BlobKeys derive_blob_keys(const DatabaseKey& key) {
  BlobKeys keys;
  derive_subkey(key, "fieldsync device blob files v1", keys.cipher.data(), keys.cipher.size());
  derive_subkey(key, "fieldsync device blob key check v1", keys.check.data(), keys.check.size());
  return keys;
}

bool blob_file_sealed_under(const std::string& path, const BlobKeys& keys) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char header[kBlobHeaderBytes];
  const bool read = read_exactly(fd, header, sizeof(header), 0);
  ::close(fd);
  return read && has_header_of(header, keys);
}

// ---- BlobReader ----

BlobReader::BlobReader(int fd, std::string path, const BlobKeys* keys)
    : fd_(fd), path_(std::move(path)), keys_(keys) {}

BlobReader::~BlobReader() {
  if (fd_ >= 0) ::close(fd_);
  EVP_CIPHER_CTX_free(ctx_);
}

Result<std::unique_ptr<BlobReader>> BlobReader::open(const std::string& path,
                                                     const std::string& sha256,
                                                     const BlobKeys* keys) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    return Status::not_found("the bytes of " + sha256 + " are gone from this device (no file '" +
                             path + "')");
  }
  if (fd < 0) return Status::io_error(io_message("cannot read", path));
  std::unique_ptr<BlobReader> reader(new BlobReader(fd, path, keys));
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Status::io_error(io_message("cannot read", path));
  reader->size_ = info.st_size;
  if (keys == nullptr) return reader;
  if (!raw_hash(sha256, reader->hash_)) {
    return Status::invalid_argument("'" + sha256 + "' is not a SHA-256");
  }
  FIELDSYNC_RETURN_IF_ERROR(reader->measure_sealed());
  return reader;
}

// Reads the header and works out the segments and the plaintext size from the length.
Status BlobReader::measure_sealed() {
  const int64_t length = size_;
  unsigned char header[kBlobHeaderBytes];
  if (length < kBlobHeaderBytes || !read_exactly(fd_, header, sizeof(header), 0) ||
      std::memcmp(header, kMagic, sizeof(kMagic)) != 0) {
    return Status::corruption("'" + path_ +
                              "' is not a sealed blob file, as every attachment file of an "
                              "encrypted database is: it was written in clear or replaced");
  }
  if (!has_header_of(header, *keys_)) {
    return Status::corruption("'" + path_ +
                              "' was sealed under another key than this database's: it is "
                              "another database's file");
  }
  const int64_t body = length - kBlobHeaderBytes;
  segments_ = (body + kRecordBytes - 1) / kRecordBytes;
  const int64_t last_record = body - (segments_ - 1) * kRecordBytes;
  if (segments_ == 0 || last_record < kBlobSegmentOverhead ||
      (segments_ > 1 && last_record == kBlobSegmentOverhead)) {
    return Status::corruption("'" + path_ + "' ends in part of a segment: it was cut short");
  }
  size_ = body - segments_ * kBlobSegmentOverhead;
  ctx_ = EVP_CIPHER_CTX_new();
  if (ctx_ == nullptr ||
      EVP_DecryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, keys_->cipher.data(), nullptr) != 1) {
    return Status::internal("cannot set up AES-256-GCM");
  }
  return Status();
}

// Authenticates and decrypts segment `index` into `plain` (resized to its length).
Status BlobReader::open_segment(int64_t index, std::vector<unsigned char>& plain) {
  const bool last = index == segments_ - 1;
  const int64_t bytes = last ? size_ - index * kBlobSegmentBytes : kBlobSegmentBytes;
  std::vector<unsigned char> record(static_cast<size_t>(bytes + kBlobSegmentOverhead));
  if (!read_exactly(fd_, record.data(), record.size(), kBlobHeaderBytes + index * kRecordBytes)) {
    return Status::io_error(io_message("cannot read", path_));
  }
  plain.assign(static_cast<size_t>(bytes), 0);
  const unsigned char* iv = record.data();
  const unsigned char* sealed = iv + kIvBytes;
  unsigned char* tag = record.data() + kIvBytes + bytes;
  auto opens_as = [&](bool marked_last) {
    const auto aad = segment_aad(hash_, index, marked_last);
    int n = 0;
    unsigned char tail[16];
    return EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv) == 1 &&
           EVP_DecryptUpdate(ctx_, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_DecryptUpdate(ctx_, plain.data(), &n, sealed, static_cast<int>(bytes)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx_, tail, &n) > 0;
  };
  if (opens_as(last)) return Status();
  const bool cut_short = last && bytes == kBlobSegmentBytes && opens_as(false);
  OPENSSL_cleanse(plain.data(), plain.size());
  plain.clear();
  const std::string segment = "segment " + std::to_string(index + 1);
  if (cut_short) {
    return Status::corruption("'" + path_ + "' was cut short: it ends with " + segment +
                              ", which was not sealed as the last");
  }
  return Status::corruption(segment + " of " + std::to_string(segments_) + " of '" + path_ +
                            "' fails its authentication check: the file was changed, its "
                            "segments moved, or it holds another blob's bytes");
}

Result<std::string> BlobReader::read(int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) return Status::invalid_argument("a negative offset or length");
  if (offset >= size_ || length == 0) return std::string();
  const int64_t end = offset + std::min(length, size_ - offset);
  std::string out;
  out.reserve(static_cast<size_t>(end - offset));
  if (keys_ == nullptr) {
    out.resize(static_cast<size_t>(end - offset));
    if (!read_exactly(fd_, reinterpret_cast<unsigned char*>(out.data()), out.size(), offset)) {
      return Status::io_error(io_message("cannot read", path_));
    }
    return out;
  }
  std::vector<unsigned char> plain;
  for (int64_t index = offset / kBlobSegmentBytes; index * kBlobSegmentBytes < end; ++index) {
    FIELDSYNC_RETURN_IF_ERROR(open_segment(index, plain));
    const int64_t start = index * kBlobSegmentBytes;
    const int64_t from = std::max(offset, start) - start;
    const int64_t to = std::min(end, start + static_cast<int64_t>(plain.size())) - start;
    out.append(reinterpret_cast<const char*>(plain.data()) + from, static_cast<size_t>(to - from));
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  return out;
}

// ---- BlobWriter ----

BlobWriter::BlobWriter(int fd, std::string path, int64_t size, const BlobKeys* keys)
    : fd_(fd), path_(std::move(path)), size_(size), keys_(keys) {}

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!pending_.empty()) OPENSSL_cleanse(pending_.data(), pending_.size());
  EVP_CIPHER_CTX_free(ctx_);
}

Result<std::unique_ptr<BlobWriter>> BlobWriter::create(const std::string& path,
                                                       const std::string& sha256, int64_t size,
                                                       const BlobKeys* keys) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error(io_message("cannot write", path));
  std::unique_ptr<BlobWriter> writer(new BlobWriter(fd, path, size, keys));
  if (keys == nullptr) return writer;
  if (!raw_hash(sha256, writer->hash_) || size < 0) {
    return Status::internal("a sealed blob file needs its SHA-256 and size first");
  }
  FIELDSYNC_RETURN_IF_ERROR(writer->start_sealed_file());
  return writer;
}

Result<std::unique_ptr<BlobWriter>> BlobWriter::resume(const std::string& path,
                                                       const std::string& sha256, int64_t size,
                                                       const BlobKeys* keys) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error(io_message("cannot write", path));
  std::unique_ptr<BlobWriter> writer(new BlobWriter(fd, path, size, keys));
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Status::io_error(io_message("cannot read", path));
  const int64_t length = info.st_size;
  if (keys == nullptr) {
    writer->done_ = writer->file_end_ = length <= size ? length : 0;
  } else {
    if (!raw_hash(sha256, writer->hash_))
      return Status::internal("a sealed blob needs its SHA-256");
    const int64_t whole = length > kBlobHeaderBytes && blob_file_sealed_under(path, *keys)
                              ? (length - kBlobHeaderBytes) / kRecordBytes
                              : -1;
    if (whole < 0 || whole * kBlobSegmentBytes > size) {
      FIELDSYNC_RETURN_IF_ERROR(writer->start_sealed_file());
      return writer;
    }
    writer->segment_ = whole;
    writer->done_ = whole * kBlobSegmentBytes;
    writer->file_end_ = kBlobHeaderBytes + whole * kRecordBytes;
    writer->ctx_ = EVP_CIPHER_CTX_new();
    if (writer->ctx_ == nullptr || EVP_EncryptInit_ex(writer->ctx_, EVP_aes_256_gcm(), nullptr,
                                                      keys->cipher.data(), nullptr) != 1) {
      return Status::internal("cannot set up AES-256-GCM");
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(writer->file_end_)) != 0) {
    return Status::io_error(io_message("cannot write", path));
  }
  return writer;
}

// Empties the file and writes the header of a sealed one.
Status BlobWriter::start_sealed_file() {
  if (::ftruncate(fd_, 0) != 0) return Status::io_error(io_message("cannot write", path_));
  done_ = file_end_ = segment_ = 0;
  if (ctx_ == nullptr) ctx_ = EVP_CIPHER_CTX_new();
  if (ctx_ == nullptr ||
      EVP_EncryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, keys_->cipher.data(), nullptr) != 1) {
    return Status::internal("cannot set up AES-256-GCM");
  }
  unsigned char header[kBlobHeaderBytes];
  std::memcpy(header, kMagic, sizeof(kMagic));
  std::memcpy(header + sizeof(kMagic), keys_->check.data(), keys_->check.size());
  return write_at_end(header, sizeof(header));
}

Status BlobWriter::write_at_end(const unsigned char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, data, size, static_cast<off_t>(file_end_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::io_error(io_message("cannot write", path_));
    data += n;
    size -= static_cast<size_t>(n);
    file_end_ += n;
  }
  return Status();
}

Status BlobWriter::append(const char* data, size_t size) {
  if (size_ >= 0 && written() + static_cast<int64_t>(size) > size_) {
    return Status::invalid_argument("more bytes than the blob's " + std::to_string(size_) +
                                    " for '" + path_ + "'");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  if (keys_ == nullptr) {
    FIELDSYNC_RETURN_IF_ERROR(write_at_end(bytes, size));
    done_ += static_cast<int64_t>(size);
    return Status();
  }
  while (size > 0) {
    const size_t take = std::min(size, static_cast<size_t>(kBlobSegmentBytes) - pending_.size());
    pending_.insert(pending_.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    const bool last = written() == size_;
    if (last || pending_.size() == static_cast<size_t>(kBlobSegmentBytes)) {
      FIELDSYNC_RETURN_IF_ERROR(seal_pending(last));
    }
  }
  return Status();
}

Status BlobWriter::seal_pending(bool last) {
  const auto aad = segment_aad(hash_, segment_, last);
  std::vector<unsigned char> record(pending_.size() + kBlobSegmentOverhead);
  unsigned char* iv = record.data();
  unsigned char* sealed = iv + kIvBytes;
  unsigned char* tag = sealed + pending_.size();
  int n = 0;
  unsigned char tail[16];
  const bool ok =
      RAND_bytes(iv, kIvBytes) == 1 &&
      EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv) == 1 &&
      EVP_EncryptUpdate(ctx_, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx_, sealed, &n, pending_.data(), static_cast<int>(pending_.size())) ==
          1 &&
      EVP_EncryptFinal_ex(ctx_, tail, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  if (!ok) return Status::internal("cannot seal a segment of '" + path_ + "'");
  FIELDSYNC_RETURN_IF_ERROR(write_at_end(record.data(), record.size()));
  done_ += static_cast<int64_t>(pending_.size());
  OPENSSL_cleanse(pending_.data(), pending_.size());
  pending_.clear();
  ++segment_;
  return Status();
}

Status BlobWriter::finish() {
  if (keys_ != nullptr && size_ == 0 && segment_ == 0)
    FIELDSYNC_RETURN_IF_ERROR(seal_pending(true));
  if (size_ >= 0 && (done_ != size_ || !pending_.empty())) {
    return Status::internal("'" + path_ + "' ended after " + std::to_string(written()) + " of " +
                            std::to_string(size_) + " bytes");
  }
  const int rc = ::fsync(fd_);
  const int closed = ::close(fd_);
  fd_ = -1;
  if (rc != 0 || closed != 0) return Status::io_error(io_message("cannot sync", path_));
  return Status();
}

}  // namespace fieldsync
