#include "key_pin.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <vector>

namespace fieldsync {

std::optional<std::string> pin_of(X509* cert) {
  if (cert == nullptr) return std::nullopt;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), nullptr);
  if (length <= 0) return std::nullopt;
  std::vector<unsigned char> der(static_cast<size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &out) != length) return std::nullopt;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der.data(), der.size(), digest);
  unsigned char base64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  const int written = EVP_EncodeBlock(base64, digest, SHA256_DIGEST_LENGTH);
  return "sha256/" +
         std::string(reinterpret_cast<const char*>(base64), static_cast<size_t>(written));
}

Result<X509Ptr> read_pem_certificate(const std::string& pem_file, const std::string& what) {
  std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(pem_file.c_str(), "r"), BIO_free);
  if (!file) return Status::not_found("cannot read the " + what + " " + pem_file);
  X509Ptr cert(PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return Status::invalid_argument(pem_file + " holds no PEM certificate");
  return cert;
}

Result<std::string> certificate_pin(const std::string& pem_file) {
  auto cert = read_pem_certificate(pem_file, "certificate");
  if (!cert.ok()) return cert.status();
  auto pin = pin_of(cert->get());
  if (!pin) return Status::internal("cannot hash the key of " + pem_file);
  return *pin;
}

}  // namespace fieldsync
