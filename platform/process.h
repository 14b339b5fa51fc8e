// Child processes, for the field-day demo and the tests that drive the real binaries:
// run a program to completion capturing what it printed, or start a long-running one
// (the server), read its output line by line, signal it and wait for it.
// Not thread-safe: one thread drives a ChildProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fieldsync {

struct ProcessResult {
  int exit_code = -1;  // the child's exit status; 128 + signal when it was killed
  std::string out;
  std::string err;
};

// Runs `program` with `args` (argv[1..]) to completion. `environment` ("NAME=value")
// replaces the parent's when given; nullopt inherits it. `input` (at most 4 KiB), when
// given, is the child's standard input; otherwise it inherits the parent's. A failure
// to start is exit code 127 with the reason in `err`.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::optional<std::vector<std::string>>& environment = std::nullopt,
                          const std::optional<std::string>& input = std::nullopt);

class ChildProcess {
 public:
  // Starts `program` with its stdout on a pipe this object reads and its stderr
  // inherited. Null when it could not start; `error` says why.
  static std::unique_ptr<ChildProcess> start(const std::string& program,
                                             const std::vector<std::string>& args, std::string& error);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  // The next line the child printed, without its newline; nullopt when `timeout`
  // passes first or the child closed its output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void signal(int signal_number);
  // Waits for the child to exit; its exit code as in ProcessResult.
  int wait();
  // Whether the child has exited, without waiting; when it has, wait() returns its
  // exit code at once.
  bool exited();
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

}  // namespace fieldsync
