// Key pins (docs/server.md, "TLS and key pins"): "sha256/" and the base64 of the SHA-256
// of a certificate's public key (its SubjectPublicKeyInfo, in DER). One implementation,
// over OpenSSL alone: the phone's transport checks a server against its pin
// (cpprest_transport.cpp), and fieldsync-server puts the pin of its own certificate in
// the enrollment codes it shows (docs/console.md, "Devices and people").
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>

#include "fieldsync/status.h"

namespace fieldsync {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// The first certificate of a PEM file: not_found when the file cannot be read,
// invalid_argument when it holds no certificate (a key, a DER file). `what` names the
// file in the message ("CA certificate file").
Result<X509Ptr> read_pem_certificate(const std::string& pem_file, const std::string& what);

// The pin of `cert`'s key; nullopt when it cannot be encoded.
std::optional<std::string> pin_of(X509* cert);

// The pin of a PEM certificate file's key.
Result<std::string> certificate_pin(const std::string& pem_file);

}  // namespace fieldsync
