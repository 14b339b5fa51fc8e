#include "server_process.h"

#include <signal.h>

#include <cstdlib>

namespace fieldsync {

Result<std::unique_ptr<ServerProcess>> ServerProcess::start(
    const std::string& server_binary, const std::string& server_db, int port,
    std::chrono::milliseconds timeout, const std::vector<std::string>& serve_options) {
  std::string error;
  std::vector<std::string> args = {"--db",     server_db, "serve", "--listen", "127.0.0.1",
                                   "--port", std::to_string(port)};
  args.insert(args.end(), serve_options.begin(), serve_options.end());
  auto child = ChildProcess::start(server_binary, args, error);
  if (!child) return Status::unavailable(error);
  // "fieldsync-server listening on http://127.0.0.1:PORT" (https:// with TLS)
  auto line = child->read_line(timeout);
  for (const char* scheme : {"http", "https"}) {
    const std::string marker = std::string("listening on ") + scheme + "://127.0.0.1:";
    const size_t at = line ? line->find(marker) : std::string::npos;
    const int bound = at == std::string::npos ? 0 : std::atoi(line->c_str() + at + marker.size());
    if (bound > 0) {
      return std::unique_ptr<ServerProcess>(new ServerProcess(
          std::move(child), std::string(scheme) + "://127.0.0.1:" + std::to_string(bound), bound));
    }
  }
  return Status::unavailable("fieldsync-server did not start: " + line.value_or("(no output)"));
}

ServerProcess::~ServerProcess() {
  stop();
}

int ServerProcess::stop() {
  if (!child_) return -1;
  child_->signal(SIGTERM);
  const int code = child_->wait();
  child_.reset();
  return code;
}

}  // namespace fieldsync
