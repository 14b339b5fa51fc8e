// CpprestTransport: the HttpTransport of desktop hosts and the command line, over
// cpprestsdk's HTTP client. This header is free of cpprestsdk types, so only
// cpprest_transport.cpp pays for them; phone apps plug in their own HTTP stack.
//
// send() blocks the calling (syncing) thread until the answer has arrived; it must not
// be called from a cpprestsdk pool thread. A refused or broken connection and a timeout
// are a retryable `unavailable` Status; an HTTP error status is a response like any
// other (the replicator maps it). One thread at a time, as HttpTransport requires.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "fieldsync/http_transport.h"
#include "key_pin.h"  // certificate_pin()

namespace fieldsync {

struct CpprestTransportOptions {
  // cpprestsdk's own timeout: the longest the connection may make no progress, while
  // connecting or waiting for the next bytes of the answer.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  // The longest one request may take as a whole, from sending to the last byte of the
  // answer.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // https:// only. The server's certificate is always verified, against the system's
  // certificate authorities, or against those of this PEM file when it is given (an
  // office's own CA). create() reads it: not_found when it cannot be read,
  // invalid_argument when it holds no PEM certificate.
  std::string ca_file;
  // "sha256/BASE64": the SHA-256 of the server certificate's public key
  // (SubjectPublicKeyInfo), as docs/server.md shows how to compute. When given, a
  // certificate with any other key is refused even if a CA vouches for it, with an
  // `unavailable` Status naming both pins.
  std::string pin;
};

class CpprestTransport final : public HttpTransport {
 public:
  // `base_url` is the server, e.g. "https://office.example:8443"; request paths are
  // appended. invalid_argument when it is not https://, or http:// to this machine
  // (check_server_url), or when TLS options are given for http://.
  static Result<std::unique_ptr<CpprestTransport>> create(const std::string& base_url,
                                                          CpprestTransportOptions options = {});
  ~CpprestTransport() override;

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  class Impl;
  explicit CpprestTransport(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldsync
