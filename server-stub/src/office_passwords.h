// Passwords of the office console's users: Argon2id from libsodium (memory-hard; its
// string form keeps the salt and the cost beside the hash). Private to server-stub.
#pragma once

#include <string>

#include "fieldsync/status.h"

namespace fieldsync::server {

// Why `password` cannot be a console password (10 to 256 bytes of UTF-8, no control
// characters), or ok.
Status check_new_password(const std::string& password);

Result<std::string> hash_password(const std::string& password);

// Whether `password` is the one `hash` was made from; false for a malformed hash.
bool password_matches(const std::string& hash, const std::string& password);

}  // namespace fieldsync::server
