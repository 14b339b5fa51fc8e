#include "live_server.h"

#include <signal.h>

#include <chrono>
#include <string_view>

namespace fieldsync::testing {
namespace {

constexpr std::chrono::seconds kStartDeadline{20};
constexpr std::string_view kListening = "fieldsync-server listening on ";

// The port of the server's first line, or 0 when the line is not the expected one;
// `scheme` is set to http or https.
int port_in(const std::string& line, std::string& scheme) {
  if (line.rfind(kListening, 0) != 0) return 0;
  const std::string url = line.substr(kListening.size());
  for (const char* s : {"http", "https"}) {
    const std::string prefix = std::string(s) + "://127.0.0.1:";
    if (url.rfind(prefix, 0) != 0) continue;
    try {
      scheme = s;
      return std::stoi(url.substr(prefix.size()));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

}  // namespace

LiveServer::LiveServer(std::string binary, std::string database)
    : binary_(std::move(binary)), database_(std::move(database)) {}

Result<std::string> LiveServer::admin(const std::vector<std::string>& args) const {
  return admin_with_input(args, "");
}

Result<std::string> LiveServer::admin_with_input(const std::vector<std::string>& args,
                                                 const std::string& input) const {
  std::vector<std::string> full = {"--db", database_};
  full.insert(full.end(), args.begin(), args.end());
  ProcessResult result = run_process(binary_, full, std::nullopt, input);
  if (result.exit_code != 0) {
    return Status::internal("fieldsync-server " + (args.empty() ? "" : args[0]) + " failed (exit " +
                            std::to_string(result.exit_code) + "): " + result.err);
  }
  return result.out;
}

Status LiveServer::start() {
  return start_on(0);
}

Status LiveServer::start_on(int port) {
  if (child_) return Status::failed_precondition("the server is already running");
  std::string error;
  std::vector<std::string> args = {"--db",     database_,    "serve",
                                    "--listen", "127.0.0.1", "--port", std::to_string(port)};
  args.insert(args.end(), serve_options_.begin(), serve_options_.end());
  auto child = ChildProcess::start(binary_, args, error);
  if (!child) return Status::unavailable(error);
  // A server that cannot bind exits at once, closing its output, so read_line returns
  // well before the deadline.
  auto line = child->read_line(kStartDeadline);
  const int listening = line ? port_in(*line, scheme_) : 0;
  if (listening <= 0 || (port != 0 && listening != port)) {
    child->signal(SIGKILL);
    const int code = child->wait();
    return Status::unavailable("fieldsync-server did not start on port " + std::to_string(port) +
                               " (exit " + std::to_string(code) +
                               "): " + line.value_or("(no output)"));
  }
  port_ = listening;
  child_ = std::move(child);
  return Status();
}

int LiveServer::stop() {
  if (!child_) return -1;
  child_->signal(SIGTERM);
  const int code = child_->wait();
  child_.reset();
  return code;
}

int LiveServer::kill() {
  if (!child_) return -1;
  child_->signal(SIGKILL);
  const int code = child_->wait();
  child_.reset();
  return code;
}

Status LiveServer::start_again() {
  if (port_ <= 0) return Status::failed_precondition("the server was never started");
  return start_on(port_);
}

Status LiveServer::restart() {
  if (const int code = stop(); code != 0) {
    return Status::internal("fieldsync-server exited with " + std::to_string(code) +
                            " on SIGTERM, not 0");
  }
  return start_again();
}

}  // namespace fieldsync::testing
