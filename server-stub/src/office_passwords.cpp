#include "office_passwords.h"

#include <sodium.h>

#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

// libsodium must be set up once before use; it is safe to call again.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

Status check_new_password(const std::string& password) {
  if (password.size() < 10)
    return Status::invalid_argument("a password has at least 10 characters");
  if (password.size() > 256) return Status::invalid_argument("a password has at most 256 bytes");
  if (!is_valid_utf8(password)) return Status::invalid_argument("the password is not valid UTF-8");
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Status::invalid_argument("a password may not hold control characters");
    }
  }
  return Status();
}

Result<std::string> hash_password(const std::string& password) {
  if (!sodium_ready()) return Status::internal("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::unavailable("the server has not the memory to hash a password now; try again");
  }
  return std::string(out);
}

bool password_matches(const std::string& hash, const std::string& password) {
  if (!sodium_ready() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace fieldsync::server
