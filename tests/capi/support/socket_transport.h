/* A host's own HTTP stack, as a phone app would plug in through fieldsync_http_transport:
 * here a tiny HTTP/1.1 client over POSIX sockets, in plain C, for the C tests. It speaks
 * plain http:// to an IPv4 address (the tests use 127.0.0.1), one request per
 * connection; a response ends at its Content-Length, at the end of its chunked body,
 * or when the server closes the connection. Not thread-safe: one sync at a time. */
#ifndef FIELDSYNC_TESTS_SOCKET_TRANSPORT_H
#define FIELDSYNC_TESTS_SOCKET_TRANSPORT_H

#include "fieldsync/fieldsync.h"

typedef struct socket_transport {
  int timeout_ms;  /* for connecting, sending and each wait for bytes */
  int requests;    /* requests attempted */
  int no_answer;   /* requests that got no answer (send returned 0) */
  int last_status; /* the last HTTP status, 0 when none */
  char last_path[256];
  char last_authorization[256];
} socket_transport;

/* A transport with a 10 s timeout and zeroed counters. */
void socket_transport_init(socket_transport* transport);
/* The fieldsync_http_transport that sends through `transport`. */
fieldsync_http_transport socket_transport_for(socket_transport* transport);

#endif /* FIELDSYNC_TESTS_SOCKET_TRANSPORT_H */
