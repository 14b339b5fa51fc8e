// `serve`: runs the sync service behind the HTTP front until SIGTERM or SIGINT.
// The signals are blocked in every thread (the front's threads inherit the mask from
// this one) and taken with sigwait() here, so no handler runs inside a request.
// Attachments' bytes live in a folder beside the database (`--blobs`, by default
// "<db>.blobs"); partial uploads untouched for a week are removed at start.
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstring>

#include "fieldsync/attachments.h"
#include "fieldsync/clock.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/blob_store.h"
#include "http_front.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

constexpr auto kStalePartialUploads = std::chrono::hours(24 * 7);

Outcome read_serve_options(const Arguments& args, HttpFrontOptions& front,
                           SyncServiceOptions& service) {
  if (auto listen = args.value("listen")) {
    if (listen->empty()) return Outcome::usage("--listen needs an address such as 127.0.0.1");
    front.address = *listen;
  }
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
  auto stale = (*blobs)->remove_partials_older_than(kStalePartialUploads);
  if (!stale.ok()) return Outcome::with_exit(stale.status(), ExitCode::kOther);
  if (*stale > 0) {
    context.err << "fieldsync-server: removed " << *stale
                << " partial upload(s) untouched for a week\n";
  }

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
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  (*front)->stop();
  context.err << "fieldsync-server: stopped (" << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << ")\n";
  return Outcome();
}

}  // namespace

std::vector<CommandDef> serve_commands() {
  return {{"serve",
           "[--listen 127.0.0.1] [--port 8080] [--max-body-bytes N] [--max-clock-skew-ms N] "
           "[--blobs FOLDER] [--max-blob-mb N]",
           "run the sync service over HTTP until SIGTERM or SIGINT (requests in flight finish)",
           {{"listen", true, "ADDRESS"},
            {"port", true, "PORT"},
            {"max-body-bytes", true, "N"},
            {"max-clock-skew-ms", true, "N"},
            {"blobs", true, "FOLDER"},
            {"max-blob-mb", true, "N"}},
           Database::kCreate,
           run_serve,
           "serve --listen 0.0.0.0 --port 8080"}};
}

}  // namespace fieldsync::server::cli
