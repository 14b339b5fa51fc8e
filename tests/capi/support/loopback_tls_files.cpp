// fieldsync_capi_loopback_tls FOLDER: the throwaway TLS of platform/loopback_tls.h for
// the C tests, which cannot call its C++. Makes, in FOLDER, the CA `office-ca` with a
// certificate for 127.0.0.1 it signed, and a second CA `other-ca` that signed nothing,
// then prints five lines: the office CA's file, the server's certificate, its key, its
// key's pin ("sha256/BASE64") and the other CA's file. Exit 1, saying why on stderr,
// when openssl fails.
#include <iostream>

#include "loopback_tls.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fieldsync_capi_loopback_tls FOLDER\n";
    return 2;
  }
  const std::string folder = argv[1];
  auto tls = fieldsync::make_loopback_tls(folder);
  if (!tls.ok()) {
    std::cerr << tls.status().to_string() << "\n";
    return 1;
  }
  auto other = fieldsync::make_throwaway_ca(folder, "other-ca");
  if (!other.ok()) {
    std::cerr << other.status().to_string() << "\n";
    return 1;
  }
  std::cout << tls->ca_file << "\n"
            << tls->cert_file << "\n"
            << tls->key_file << "\n"
            << tls->pin << "\n"
            << other->cert_file << "\n";
  return 0;
}
