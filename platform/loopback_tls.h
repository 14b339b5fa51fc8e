// Throwaway TLS for 127.0.0.1: a certificate authority made for the occasion and a
// server certificate for 127.0.0.1 signed by it, written into a folder by the `openssl`
// command line (Debian's `openssl` package, in .ci/deps.sh). For the field-day demo
// and the tests that serve HTTPS on loopback, from fieldsync-server itself or from
// nginx in front of it. Keys are P-256, certificates valid for two days, and the CA's
// key stays in the folder: nothing made here is fit for a real office.
//
// The pin is computed with openssl as docs/server.md ("TLS and key pins") shows, not by
// our own code, so a test can hold the transport's certificate_pin() against it.
// Functions block while openssl runs (well under a second); they share no state.
#pragma once

#include <string>

#include "fieldsync/status.h"

namespace fieldsync {

struct ThrowawayCa {
  std::string cert_file;  // PEM: what a phone is given with --ca-file
  std::string key_file;   // PEM, readable by its owner only
};

struct LoopbackCertificate {
  std::string ca_file;    // the CA that signed it (ThrowawayCa::cert_file)
  std::string cert_file;  // PEM, subjectAltName IP:127.0.0.1: `serve --tls-cert`
  std::string key_file;   // PEM, readable by its owner only: `serve --tls-key`
  std::string pin;        // "sha256/BASE64" of its public key: `enroll --pin`
};

// Makes a self-signed CA `name` in `folder` (created when missing): NAME.pem, NAME.key.
// `unavailable` when openssl fails (its message says why, e.g. openssl missing).
Result<ThrowawayCa> make_throwaway_ca(const std::string& folder, const std::string& name);

// Makes server.pem and server.key for 127.0.0.1 in `folder`, signed by `ca`, and
// computes the pin of their key.
Result<LoopbackCertificate> make_loopback_certificate(const std::string& folder,
                                                      const ThrowawayCa& ca);

// Both in one: the CA `office-ca` and a server certificate it signed, in `folder`.
Result<LoopbackCertificate> make_loopback_tls(const std::string& folder);

}  // namespace fieldsync
