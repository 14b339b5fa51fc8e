// DatabaseKey: parsing, random keys from OpenSSL, wiping.
#include "fieldsync/database_key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace fieldsync {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<DatabaseKey> DatabaseKey::from_bytes(std::string_view raw) {
  if (raw.size() != kSize) {
    return Status::invalid_argument("a database key is " + std::to_string(kSize) + " bytes, not " +
                                    std::to_string(raw.size()));
  }
  DatabaseKey key;
  std::memcpy(key.bytes_.data(), raw.data(), kSize);
  return key;
}

Result<DatabaseKey> DatabaseKey::from_hex(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  const std::string expected = "a database key is " + std::to_string(2 * kSize) +
                               " hexadecimal digits (make one with 'fieldsync keygen FILE')";
  if (text.size() != 2 * kSize) return Status::invalid_argument(expected);
  DatabaseKey key;
  for (size_t i = 0; i < kSize; ++i) {
    const int high = hex_digit(text[2 * i]);
    const int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) return Status::invalid_argument(expected);
    key.bytes_[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return key;
}

DatabaseKey DatabaseKey::random() {
  DatabaseKey key;
  if (RAND_bytes(key.bytes_.data(), static_cast<int>(kSize)) != 1) {
    // OpenSSL's generator failing means the system cannot give randomness at all: a
    // key made anyway would not be secret.
    std::abort();
  }
  return key;
}

DatabaseKey::~DatabaseKey() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

std::string DatabaseKey::hex() const {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kSize);
  for (unsigned char b : bytes_) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

bool DatabaseKey::operator==(const DatabaseKey& other) const {
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), kSize) == 0;
}

}  // namespace fieldsync
