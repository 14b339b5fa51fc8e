// `serve`: runs the sync service behind the HTTP front until SIGTERM or SIGINT.
// The signals are blocked in every thread (the front's threads inherit the mask from
// this one) and taken with sigtimedwait() here, so no handler runs inside a request.
// Attachments' bytes live in a folder beside the database (`--blobs`, by default
// "<db>.blobs"); partial uploads untouched for a day are removed at start and hourly.
#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include "fieldsync/attachments.h"
#include "fieldsync/clock.h"
#include "fieldsync/http_transport.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/blob_store.h"
#include "http_front.h"
#include "key_pin.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

// A partial upload untouched this long is removed, at start and then every hour
// (docs/server.md): a phone that never came back must not hold space for ever.
constexpr auto kStalePartialUploads = std::chrono::hours(24);
constexpr time_t kPartialSweepSeconds = 3600;

Outcome read_serve_options(const Arguments& args, HttpFrontOptions& front,
                           SyncServiceOptions& service) {
  if (auto listen = args.value("listen")) {
    if (listen->empty()) return Outcome::usage("--listen needs an address such as 127.0.0.1");
    front.address = *listen;
  }
  service.console = !args.has("no-console");
  int64_t port = front.port;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(args, "port", 0, 65535, port));
  int64_t max_body = static_cast<int64_t>(service.max_body_bytes);
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(args, "max-body-bytes", 1024, 1024LL * 1024 * 1024, max_body));
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(
      args, "max-clock-skew-ms", 0, 365LL * 24 * 3600 * 1000, service.max_clock_skew_ms));
  int64_t max_blob_mb = service.max_blob_bytes >> 20;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(args, "max-blob-mb", 1, kMaxAttachmentBytes >> 20, max_blob_mb));
  service.max_blob_bytes = max_blob_mb << 20;
  front.port = static_cast<int>(port);
  front.max_body_bytes = static_cast<size_t>(max_body);
  service.max_body_bytes = static_cast<size_t>(max_body);

  int64_t connections = static_cast<int64_t>(front.max_connections);
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(args, "max-connections", 1, 100'000, connections));
  front.max_connections = static_cast<size_t>(connections);
  int64_t per_address = static_cast<int64_t>(front.max_connections_per_address);
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(args, "max-connections-per-address", 1, 100'000, per_address));
  front.max_connections_per_address = static_cast<size_t>(per_address);
  int64_t header_timeout_ms = front.header_timeout.count();
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(args, "header-timeout-ms", 100, 3'600'000, header_timeout_ms));
  front.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  // N requests a second, with a burst of ten seconds' worth.
  for (auto [option, limit] : {std::pair{"rate-per-address", &front.per_address},
                               std::pair{"rate-per-device", &front.per_token}}) {
    int64_t rate = static_cast<int64_t>(limit->per_second);
    FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(args, option, 1, 1'000'000, rate));
    if (args.has(option)) *limit = RateLimit{static_cast<double>(rate), 10.0 * static_cast<double>(rate)};
  }
  // New connections: N a second, with a burst of five seconds' worth.
  int64_t new_connections = static_cast<int64_t>(front.new_connections_per_address.per_second);
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(args, "new-connections-per-address", 1, 1'000'000, new_connections));
  if (args.has("new-connections-per-address")) {
    front.new_connections_per_address =
        RateLimit{static_cast<double>(new_connections), 5.0 * static_cast<double>(new_connections)};
  }
  auto proxies = TrustedProxies::parse(args.values("trusted-proxy"));
  if (!proxies.ok()) return Outcome::usage(proxies.status().message());
  front.trusted_proxies = std::move(proxies).value();

  front.tls_cert_file = args.value("tls-cert").value_or("");
  front.tls_key_file = args.value("tls-key").value_or("");
  if (front.tls_cert_file.empty() != front.tls_key_file.empty()) {
    return Outcome::usage("TLS needs both --tls-cert FILE and --tls-key FILE");
  }
  // The console's enrollment codes carry where phones reach the server and the pin of
  // its key (docs/console.md, "Devices and people").
  if (auto url = args.value("public-url")) {
    std::string public_url = *url;
    while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
    if (Status s = check_server_url(public_url); !s.ok()) {
      return Outcome::usage("--public-url: " + s.message());
    }
    service.public_url = public_url;
  }
  if (!front.tls_cert_file.empty()) {
    auto pin = certificate_pin(front.tls_cert_file);
    if (!pin.ok()) return Outcome::with_exit(pin.status(), ExitCode::kOther);
    service.key_pin = *pin;
  }
  // Tokens and owners' data must not cross a network in clear: plain HTTP is for
  // loopback, or for behind a proxy that terminates TLS, said so with --insecure-http.
  if (front.tls_cert_file.empty() && !is_loopback_host(front.address) &&
      !args.has("insecure-http")) {
    return Outcome::usage("--listen " + front.address +
                          " is not a loopback address: give --tls-cert and --tls-key, or "
                          "--insecure-http when a proxy in front of this server gives TLS");
  }
  return Outcome();
}

Outcome run_serve(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  HttpFrontOptions front_options;
  SyncServiceOptions service_options;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_serve_options(context.args, front_options, service_options));
  const std::string blob_folder = context.args.value("blobs").value_or(context.db_path + ".blobs");
  if (blob_folder.empty()) return Outcome::usage("--blobs needs a folder");
  auto blobs = BlobStore::open(blob_folder);
  if (!blobs.ok()) return Outcome::with_exit(blobs.status(), ExitCode::kOther);
  const auto sweep = [&]() -> Status {
    auto stale = (*blobs)->remove_partials_older_than(kStalePartialUploads);
    if (!stale.ok()) return stale.status();
    if (*stale > 0) {
      context.err << "fieldsync-server: removed " << *stale
                  << " partial upload(s) untouched for a day" << std::endl;
    }
    return Status();
  };
  if (Status swept = sweep(); !swept.ok()) return Outcome::with_exit(swept, ExitCode::kOther);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (int error = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); error != 0) {
    return Outcome::with_exit(
        Status::internal(std::string("cannot block signals: ") + std::strerror(error)),
        ExitCode::kOther);
  }
  SyncService service(*context.store, Schema::property_management(), Clock::system(),
                      service_options, blobs->get());
  auto front = HttpFront::start(service, front_options);
  if (!front.ok()) return Outcome::with_exit(front.status(), ExitCode::kOther);
  std::string url = (*front)->url();
  while (!url.empty() && url.back() == '/') url.pop_back();
  context.out << "fieldsync-server listening on " << url << std::endl;

  int signal_number = 0;
  const timespec sweep_every{kPartialSweepSeconds, 0};
  while (signal_number <= 0) {
    signal_number = sigtimedwait(&stop_signals, nullptr, &sweep_every);
    if (signal_number < 0 && errno == EAGAIN) {
      if (Status swept = sweep(); !swept.ok()) {
        context.err << "fieldsync-server: " << swept.message() << std::endl;
      }
    }
  }
  (*front)->stop();
  context.err << "fieldsync-server: stopped (" << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << ")\n";
  return Outcome();
}

}  // namespace

std::vector<CommandDef> serve_commands() {
  return {{"serve",
           "[--listen 127.0.0.1] [--port 8080] [--tls-cert FILE --tls-key FILE] "
           "[--insecure-http] [--max-body-bytes N] [--max-clock-skew-ms N] [--blobs FOLDER] "
           "[--max-blob-mb N] [--max-connections N] [--max-connections-per-address N] "
           "[--new-connections-per-address N] [--rate-per-address N] [--rate-per-device N] "
           "[--header-timeout-ms N] [--trusted-proxy ADDRESS]... [--public-url URL] [--no-console]",
           "run the sync service over HTTP or HTTPS until SIGTERM or SIGINT (requests in "
           "flight finish), with the office console at / unless --no-console",
           {{"listen", true, "ADDRESS"},
            {"port", true, "PORT"},
            {"tls-cert", true, "FILE"},
            {"tls-key", true, "FILE"},
            {"insecure-http", false, ""},
            {"no-console", false, ""},
            {"public-url", true, "URL"},
            {"max-body-bytes", true, "N"},
            {"max-clock-skew-ms", true, "N"},
            {"blobs", true, "FOLDER"},
            {"max-blob-mb", true, "N"},
            {"max-connections", true, "N"},
            {"max-connections-per-address", true, "N"},
            {"new-connections-per-address", true, "N"},
            {"rate-per-address", true, "N"},
            {"rate-per-device", true, "N"},
            {"header-timeout-ms", true, "N"},
            {"trusted-proxy", true, "ADDRESS", /*repeatable=*/true}},
           Database::kCreate,
           run_serve,
           "serve --listen 0.0.0.0 --port 8443 --tls-cert server.pem --tls-key server.key"}};
}

}  // namespace fieldsync::server::cli
