// The byte-level pieces of attachments: SHA-256 over OpenSSL's EVP interface, media
// types recognised by their first bytes, and the form of a hash.
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fieldsync/attachments.h"

namespace fieldsync {

const std::vector<std::string>& attachment_media_types() {
  static const std::vector<std::string> kTypes = {"image/jpeg", "image/png",       "image/webp",
                                                  "image/heic", "application/pdf", "video/mp4"};
  return kTypes;
}

namespace {

bool starts_with(std::string_view bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && bytes.substr(0, prefix.size()) == prefix;
}

// ISO base media files (HEIC, MP4) start with a box "....ftyp<brand>".
std::string_view ftyp_brand(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(4, 4) != "ftyp") return {};
  return bytes.substr(8, 4);
}

}  // namespace

std::string sniff_media_type(std::string_view b) {
  using namespace std::string_view_literals;
  if (starts_with(b, "\xFF\xD8\xFF"sv)) return "image/jpeg";
  if (starts_with(b, "\x89PNG\r\n\x1A\n"sv)) return "image/png";
  if (starts_with(b, "RIFF"sv) && b.size() >= 12 && b.substr(8, 4) == "WEBP") return "image/webp";
  if (starts_with(b, "%PDF-"sv)) return "application/pdf";
  const std::string_view brand = ftyp_brand(b);
  if (brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "mif1" ||
      brand == "msf1") {
    return "image/heic";
  }
  if (brand == "isom" || brand == "iso2" || brand == "mp41" || brand == "mp42" || brand == "avc1" ||
      brand == "M4V " || brand == "dash") {
    return "video/mp4";
  }
  return "";
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest.data(), &length);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

std::string Sha256::of(std::string_view bytes) {
  Sha256 sha;
  sha.update(bytes.data(), bytes.size());
  return sha.hex();
}

Result<std::string> Sha256::of_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::io_error("cannot read '" + path + "': " + std::strerror(errno));
  Sha256 sha;
  std::array<char, 64 * 1024> buffer;
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get())) sha.update(buffer.data(), n);
  if (std::ferror(file.get())) return Status::io_error("cannot read '" + path + "'");
  return sha.hex();
}

}  // namespace fieldsync
