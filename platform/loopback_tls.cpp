#include "loopback_tls.h"

#include <filesystem>

#include "process.h"

namespace fieldsync {
namespace {

// A P-256 key: made in milliseconds, where RSA takes a noticeable part of a second.
constexpr const char* kNewKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

// Runs `command` with /bin/sh in `folder`; what it printed on stdout.
Result<std::string> shell_in(const std::string& folder, const std::string& command) {
  if (folder.find('\'') != std::string::npos) {
    return Status::invalid_argument("a folder for TLS files may not contain a quote: " + folder);
  }
  ProcessResult r = run_process("/bin/sh", {"-c", "cd '" + folder + "' && " + command});
  if (r.exit_code != 0) {
    return Status::unavailable("openssl failed (exit " + std::to_string(r.exit_code) + ") in " +
                               folder + ": " + command + "\n" + r.err);
  }
  return r.out;
}

Status create_folder(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status::internal("cannot create " + folder + ": " + ec.message());
  return Status();
}

}  // namespace

Result<ThrowawayCa> make_throwaway_ca(const std::string& folder, const std::string& name) {
  FIELDSYNC_RETURN_IF_ERROR(create_folder(folder));
  auto made =
      shell_in(folder, std::string("openssl req -x509 ") + kNewKey + " -days 2 -subj /CN=" + name +
                           " -keyout " + name + ".key -out " + name + ".pem");
  if (!made.ok()) return made.status();
  return ThrowawayCa{folder + "/" + name + ".pem", folder + "/" + name + ".key"};
}

Result<LoopbackCertificate> make_loopback_certificate(const std::string& folder,
                                                      const ThrowawayCa& ca) {
  FIELDSYNC_RETURN_IF_ERROR(create_folder(folder));
  for (const std::string& path : {ca.cert_file, ca.key_file}) {
    if (path.find('\'') != std::string::npos) {
      return Status::invalid_argument("a CA file for TLS may not contain a quote: " + path);
    }
  }
  const std::string request = std::string("openssl req ") + kNewKey +
                              " -subj /CN=127.0.0.1 -keyout server.key -out server.csr";
  const std::string sign =
      "printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext && "
      "openssl x509 -req -in server.csr -CA '" +
      ca.cert_file + "' -CAkey '" + ca.key_file +
      "' -CAcreateserial -days 2 -extfile server.ext -out server.pem";
  // docs/server.md, "TLS and key pins", word for word.
  const std::string pin =
      "openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin "
      "-outform der | openssl dgst -sha256 -binary | base64";
  auto made = shell_in(folder, request + " && " + sign + " && " + pin);
  if (!made.ok()) return made.status();
  std::string base64 = *made;
  while (!base64.empty() && (base64.back() == '\n' || base64.back() == '\r')) base64.pop_back();
  if (base64.size() != 44) {
    return Status::internal("openssl printed no key pin in " + folder + ": '" + base64 + "'");
  }
  return LoopbackCertificate{ca.cert_file, folder + "/server.pem", folder + "/server.key",
                             "sha256/" + base64};
}

Result<LoopbackCertificate> make_loopback_tls(const std::string& folder) {
  auto ca = make_throwaway_ca(folder, "office-ca");
  if (!ca.ok()) return ca.status();
  return make_loopback_certificate(folder, *ca);
}

}  // namespace fieldsync
