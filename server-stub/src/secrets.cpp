#include "fieldsync/server/secrets.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
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
  const size_t first = typed.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const size_t last = typed.find_last_not_of(" \t\r\n");
  std::string code = typed.substr(first, last - first + 1);
  for (char& c : code)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return code;
}

std::string secret_hash(const std::string& secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

}  // namespace fieldsync::server
