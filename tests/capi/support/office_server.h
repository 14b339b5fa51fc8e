/* The office side of the C tests: the real `fieldsync-server` as a child process, its
 * office command line run to completion (users, assignments, enrollment codes,
 * reference data) and `serve` on 127.0.0.1 at a free port, learned from the one line
 * the server prints. POSIX, plain C; one thread drives it. */
#ifndef FIELDSYNC_TESTS_OFFICE_SERVER_H
#define FIELDSYNC_TESTS_OFFICE_SERVER_H

#include <stddef.h>
#include <sys/types.h>

typedef struct office_server {
  const char* binary; /* the fieldsync-server executable */
  char database[512]; /* the server's database file */
  char url[256];      /* "http://127.0.0.1:PORT" once serving */
  pid_t pid;          /* the serving child, 0 when none */
  int output;         /* the read end of its stdout */
} office_server;

void office_init(office_server* office, const char* binary, const char* database);
/* Runs `fieldsync-server --db DATABASE args...` (args end with NULL) to completion and
 * copies what it printed, without the trailing newline, into `out`. Its exit code, or
 * -1 when it could not run. */
int office_run(const office_server* office, char* out, size_t out_size, ...);
/* Starts `serve --listen 127.0.0.1 --port 0` and waits up to 20 s for its address.
 * 0 on success. */
int office_start(office_server* office);
/* Stops the server with SIGTERM and waits; its exit code (0 for a clean stop). */
int office_stop(office_server* office);

#endif /* FIELDSYNC_TESTS_OFFICE_SERVER_H */
