#define _XOPEN_SOURCE 700

#include "office_server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxArgs = 32 };

void office_init(office_server* office, const char* binary, const char* database) {
  memset(office, 0, sizeof *office);
  office->binary = binary;
  snprintf(office->database, sizeof office->database, "%s", database);
  office->output = -1;
}

/* Starts `binary --db database args...` with its stdout in a pipe; the child's pid. */
static pid_t spawn(const office_server* office, const char* const* args, int* output) {
  const char* argv[kMaxArgs + 4];
  int pipe_fds[2], n = 0, i;
  pid_t pid;
  argv[n++] = office->binary;
  argv[n++] = "--db";
  argv[n++] = office->database;
  for (i = 0; args[i] != NULL && n < kMaxArgs + 3; ++i) argv[n++] = args[i];
  argv[n] = NULL;
  if (pipe(pipe_fds) != 0) return -1;
  pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execv(office->binary, (char* const*)argv);
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return -1;
  }
  *output = pipe_fds[0];
  return pid;
}

static int exit_code_of(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int office_run(const office_server* office, char* out, size_t out_size, ...) {
  const char* args[kMaxArgs + 1];
  size_t used = 0;
  int n = 0, output = -1;
  pid_t pid;
  va_list list;
  va_start(list, out_size);
  while (n < kMaxArgs && (args[n] = va_arg(list, const char*)) != NULL) ++n;
  va_end(list);
  args[n] = NULL;
  out[0] = '\0';
  pid = spawn(office, args, &output);
  if (pid < 0) return -1;
  for (;;) {
    ssize_t got = read(output, out + used, out_size - 1 - used);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    used += (size_t)got;
    if (used == out_size - 1) break;
  }
  out[used] = '\0';
  while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == ' ')) out[--used] = '\0';
  close(output);
  return exit_code_of(pid);
}

static long long now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Starts `serve` with `serve` as its arguments and reads where it listens. */
static int start_serving(office_server* office, const char* const* serve) {
  const char* prefix = "fieldsync-server listening on ";
  char line[256];
  size_t used = 0;
  const long long deadline = now_ms() + 20000;
  office->pid = spawn(office, serve, &office->output);
  if (office->pid < 0) {
    office->pid = 0;
    return -1;
  }
  /* Reads the first line, byte by byte so nothing after it is taken from the pipe. */
  while (used + 1 < sizeof line) {
    struct pollfd ready;
    long long left = deadline - now_ms();
    ssize_t got;
    ready.fd = office->output;
    ready.events = POLLIN;
    if (left <= 0 || poll(&ready, 1, (int)left) <= 0) break;
    got = read(office->output, line + used, 1);
    if (got <= 0) break;
    if (line[used] == '\n') {
      line[used] = '\0';
      if (strncmp(line, prefix, strlen(prefix)) != 0) break;
      snprintf(office->url, sizeof office->url, "%s", line + strlen(prefix));
      return 0;
    }
    ++used;
  }
  fprintf(stderr, "office_start: fieldsync-server did not say where it listens\n");
  kill(office->pid, SIGKILL);
  exit_code_of(office->pid);
  office->pid = 0;
  return -1;
}

int office_start(office_server* office) {
  static const char* const serve[] = {"serve", "--listen", "127.0.0.1", "--port", "0", NULL};
  return start_serving(office, serve);
}

int office_start_tls(office_server* office, const char* cert_file, const char* key_file) {
  const char* const serve[] = {"serve",      "--listen", "127.0.0.1", "--port", "0",
                               "--tls-cert", cert_file,  "--tls-key", key_file, NULL};
  return start_serving(office, serve);
}

int office_stop(office_server* office) {
  int code;
  if (office->pid == 0) return -1;
  kill(office->pid, SIGTERM);
  code = exit_code_of(office->pid);
  office->pid = 0;
  close(office->output);
  office->output = -1;
  return code;
}

int office_add_estate(const office_server* office, office_estate* e) {
  char estate_arg[96], building_arg[96], unit_arg[96];
  int failed = 0;
  failed |= office_run(office, e->estate, sizeof e->estate, "add", "estates", "name=Riverside",
                       (const char*)NULL);
  snprintf(estate_arg, sizeof estate_arg, "estate=%s", e->estate);
  failed |= office_run(office, e->building, sizeof e->building, "add", "buildings", estate_arg,
                       "name=Block A", (const char*)NULL);
  snprintf(building_arg, sizeof building_arg, "building=%s", e->building);
  failed |= office_run(office, e->unit, sizeof e->unit, "add", "units", building_arg,
                       "number=A-101", (const char*)NULL);
  snprintf(unit_arg, sizeof unit_arg, "unit=%s", e->unit);
  failed |= office_run(office, e->household, sizeof e->household, "add", "households", unit_arg,
                       "owner_name=Wang Li", (const char*)NULL);
  return failed != 0 || e->household[0] == '\0' ? -1 : 0;
}

int office_add_collector(const office_server* office, const char* user, const char* building,
                         char* code, size_t code_size) {
  char ignored[256];
  int failed = 0;
  failed |= office_run(office, ignored, sizeof ignored, "user", "add", user, "--role", "collector",
                       (const char*)NULL);
  failed |= office_run(office, ignored, sizeof ignored, "assign", user, "--building", building,
                       (const char*)NULL);
  failed |= office_run(office, code, code_size, "enroll-code", user, (const char*)NULL);
  return failed != 0 || code[0] == '\0' ? -1 : 0;
}
