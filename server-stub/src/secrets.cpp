#include "fieldsync/server/secrets.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace fieldsync::server {
namespace {

std::vector<unsigned char> random_bytes(size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    // Without randomness no secret is safe to issue; this is not recoverable.
    throw std::runtime_error("the system random number generator failed");
  }
  return bytes;
}

std::string hex(const unsigned char* data, size_t n) {
  std::string out;
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", data[i]);
    out += buf;
  }
  return out;
}

}  // namespace

std::string random_token() {
  auto bytes = random_bytes(32);
  return hex(bytes.data(), bytes.size());
}

std::string random_code(size_t length) {
  static const char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // 32 symbols
  auto bytes = random_bytes(length);
  std::string code;
  for (unsigned char b : bytes) code += kAlphabet[b % 32];
  return code;
}

std::string typed_code(const std::string& typed) {
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-') continue;
    code += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return code;
}

std::string grouped_code(const std::string& code) {
  std::string out;
  for (size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += '-';
    out += code[i];
  }
  return out;
}

std::string code_hash(const std::string& key, const std::string& code) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(code.data()), code.size(), digest, &length);
  return hex(digest, length);
}

Result<std::string> load_or_create_server_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string key = random_token();
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                         ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      return Status::io_error("cannot write the server key " + path + ": " + std::strerror(errno));
    }
    return key;
  }
  if (errno != EEXIST) {
    return Status::io_error("cannot create the server key " + path + ": " + std::strerror(errno));
  }
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::io_error("cannot read the server key " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Status::failed_precondition("the server key " + path +
                                       " may be read by others: `chmod 600 " + path + "`");
  }
  std::ifstream in(path);
  std::string key;
  std::getline(in, key);
  if (key.size() != 64 || key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::corruption("the server key " + path + " is not 64 hex digits");
  }
  return key;
}

std::string secret_hash(const std::string& secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

}  // namespace fieldsync::server
