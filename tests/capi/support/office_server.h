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
/* The same serving https:// with the certificate and key of two PEM files
 * (`serve --tls-cert --tls-key`); `url` is then "https://127.0.0.1:PORT". */
int office_start_tls(office_server* office, const char* cert_file, const char* key_file);
/* Stops the server with SIGTERM and waits; its exit code (0 for a clean stop). */
int office_stop(office_server* office);

/* Reference data the office sets up: an estate with one building, unit and
 * household. */
typedef struct office_estate {
  char estate[64], building[64], unit[64], household[64];
} office_estate;

/* Adds "Riverside" with "Block A", unit "A-101" and Wang Li's household; 0 on success. */
int office_add_estate(const office_server* office, office_estate* estate);
/* Adds `user` as a collector of `building` and writes a new enrollment code for them
 * into `code`; 0 on success. */
int office_add_collector(const office_server* office, const char* user, const char* building,
                         char* code, size_t code_size);

#endif /* FIELDSYNC_TESTS_OFFICE_SERVER_H */
