// Secrets the server hands out: device tokens, enrollment codes and device codes,
// drawn from OpenSSL's CSPRNG, and the SHA-256 hash the store keeps instead of a
// token or code. Thread-safe.
#pragma once

#include <string>

#include "fieldsync/status.h"

namespace fieldsync::server {

// 256 random bits as 64 hex digits.
std::string random_token();
// `length` characters from an alphabet without look-alikes (no 0/O, 1/I).
std::string random_code(size_t length);
// A code as a person typed it, read as the server prints it: blanks and dashes
// dropped, letters in upper case ("h2wa " is H2WA, "k7q2-m9xa" is K7Q2M9XA).
std::string typed_code(const std::string& typed);
// SHA-256 of a token, as hex. A token has 256 random bits: no key is needed to keep
// its hash from being reversed.
std::string secret_hash(const std::string& secret);
// HMAC-SHA-256 of an enrollment code under the server's key, as hex. A code has 60
// bits, which a stolen database could be searched for offline; without the key, which
// lives in a file of its own, it cannot.
std::string code_hash(const std::string& key, const std::string& code);

// Enrollment codes: 12 characters of 5 bits, 60 bits in all.
inline constexpr size_t kEnrollmentCodeLength = 12;
// "K7Q2M9XA4HJD" as "K7Q2-M9XA-4HJD", for people to read; typed_code() reads either.
std::string grouped_code(const std::string& code);

// The server's key for enrollment codes, from the file at `path` (64 hex digits), made
// with 256 random bits (mode 0600) when there is none. A file readable by others is
// refused: the key must be the server's alone.
Result<std::string> load_or_create_server_key(const std::string& path);

}  // namespace fieldsync::server
