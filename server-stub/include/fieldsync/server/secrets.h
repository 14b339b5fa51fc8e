// Secrets the server hands out: device tokens, enrollment codes and device codes,
// drawn from OpenSSL's CSPRNG, and the SHA-256 hash the store keeps instead of a
// token or code. Thread-safe.
#pragma once

#include <string>

namespace fieldsync::server {

// 256 random bits as 64 hex digits.
std::string random_token();
// `length` characters from an alphabet without look-alikes (no 0/O, 1/I).
std::string random_code(size_t length);
// A code as a person typed it, read as the server prints it: surrounding blanks
// dropped, letters in upper case ("h2wa " is H2WA).
std::string typed_code(const std::string& typed);
// SHA-256 of a token or code, as hex.
std::string secret_hash(const std::string& secret);

}  // namespace fieldsync::server
