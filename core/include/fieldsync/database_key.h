// The key of an encrypted device database: 32 random bytes (AES-256). The app keeps it
// in the platform's keychain and passes it in DeviceStoreOptions::key; the command line
// reads it, as 64 hexadecimal digits, from the file named by --key-file or
// FIELDSYNC_KEY_FILE. How the pages are encrypted with it: docs/security.md, "The lost
// phone". A DatabaseKey wipes its bytes when it goes away; copies are independent.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "fieldsync/status.h"

namespace fieldsync {

class DatabaseKey {
 public:
  static constexpr size_t kSize = 32;

  // Exactly kSize raw bytes.
  static Result<DatabaseKey> from_bytes(std::string_view raw);
  // 64 hexadecimal digits (either case); white space around them is ignored.
  static Result<DatabaseKey> from_hex(std::string_view text);
  // A fresh key from OpenSSL's random generator.
  static DatabaseKey random();

  DatabaseKey(const DatabaseKey& other) = default;
  DatabaseKey& operator=(const DatabaseKey& other) = default;
  ~DatabaseKey();

  const unsigned char* data() const { return bytes_.data(); }
  // The 64 lower-case hexadecimal digits a key file holds.
  std::string hex() const;
  bool operator==(const DatabaseKey& other) const;
  bool operator!=(const DatabaseKey& other) const { return !(*this == other); }

 private:
  DatabaseKey() = default;
  std::array<unsigned char, kSize> bytes_{};
};

}  // namespace fieldsync
