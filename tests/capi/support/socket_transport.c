#define _POSIX_C_SOURCE 200809L

#include "socket_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A growing byte buffer. */
typedef struct buffer {
  char* data;
  size_t size, capacity;
} buffer;

static int buffer_append(buffer* b, const char* data, size_t size) {
  if (b->size + size + 1 > b->capacity) {
    size_t capacity = b->capacity ? b->capacity : 4096;
    char* grown;
    while (b->size + size + 1 > capacity) capacity *= 2;
    grown = realloc(b->data, capacity);
    if (grown == NULL) return -1;
    b->data = grown;
    b->capacity = capacity;
  }
  memcpy(b->data + b->size, data, size);
  b->size += size;
  b->data[b->size] = '\0';
  return 0;
}

/* Splits "http://HOST:PORT/..." into host and port. */
static int parse_url(const char* url, char* host, size_t host_size, int* port) {
  const char* start;
  const char* colon;
  size_t length;
  if (strncmp(url, "http://", 7) != 0) return -1;
  start = url + 7;
  colon = strchr(start, ':');
  if (colon == NULL) return -1;
  length = (size_t)(colon - start);
  if (length == 0 || length >= host_size) return -1;
  memcpy(host, start, length);
  host[length] = '\0';
  *port = atoi(colon + 1);
  return *port > 0 && *port < 65536 ? 0 : -1;
}

static int connect_to(const char* host, int port, int timeout_ms) {
  struct sockaddr_in address;
  struct timeval timeout;
  int fd;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) return -1;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeout.tv_sec = timeout_ms / 1000;
  timeout.tv_usec = (timeout_ms % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return -1;
    data += sent;
    size -= (size_t)sent;
  }
  return 0;
}

/* The value of header `name` in the head (status line and headers), or NULL. */
static const char* header_value(const char* head, const char* name) {
  const char* line = strstr(head, "\r\n");
  size_t name_length = strlen(name);
  while (line != NULL) {
    line += 2;
    if (strncasecmp(line, name, name_length) == 0 && line[name_length] == ':') {
      const char* value = line + name_length + 1;
      while (*value == ' ') ++value;
      return value;
    }
    line = strstr(line, "\r\n");
  }
  return NULL;
}

/* Decodes a chunked body into `out`: 0 once complete, -1 while incomplete. */
static long decode_chunked(const char* body, size_t size, buffer* out) {
  size_t at = 0;
  for (;;) {
    char* end;
    unsigned long chunk;
    const char* line_end = strstr(body + at, "\r\n");
    if (line_end == NULL) return -1;
    chunk = strtoul(body + at, &end, 16);
    at = (size_t)(line_end - body) + 2;
    if (chunk == 0) return 0;
    if (at + chunk + 2 > size) return -1;
    if (buffer_append(out, body + at, chunk) != 0) return -1;
    at += chunk + 2;
  }
}

/* Reads the response until it is complete; its status, or 0 with `why` set. */
static int read_response(int fd, buffer* response, buffer* body, const char** why) {
  char piece[16384];
  for (;;) {
    const char* head_end = response->data ? strstr(response->data, "\r\n\r\n") : NULL;
    ssize_t got;
    if (head_end != NULL) {
      const size_t head_size = (size_t)(head_end - response->data) + 4;
      const char* length = header_value(response->data, "Content-Length");
      const char* encoding = header_value(response->data, "Transfer-Encoding");
      const size_t have = response->size - head_size;
      if (length != NULL && have >= (size_t)strtoul(length, NULL, 10)) {
        if (buffer_append(body, response->data + head_size, (size_t)strtoul(length, NULL, 10))) {
          *why = "out of memory";
          return 0;
        }
        break;
      }
      if (encoding != NULL && strncasecmp(encoding, "chunked", 7) == 0) {
        body->size = 0;
        if (decode_chunked(response->data + head_size, have, body) == 0) break;
      }
    }
    got = recv(fd, piece, sizeof piece, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *why = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "connection broken";
      return 0;
    }
    if (got == 0) {
      /* Closed: complete only when neither a length nor chunks were promised. */
      if (head_end != NULL && header_value(response->data, "Content-Length") == NULL &&
          header_value(response->data, "Transfer-Encoding") == NULL) {
        const size_t head_size = (size_t)(head_end - response->data) + 4;
        buffer_append(body, response->data + head_size, response->size - head_size);
        break;
      }
      *why = "the server closed the connection before the response was complete";
      return 0;
    }
    if (buffer_append(response, piece, (size_t)got) != 0) {
      *why = "out of memory";
      return 0;
    }
  }
  {
    int status = 0;
    if (sscanf(response->data, "HTTP/1.%*d %d", &status) != 1) {
      *why = "not an HTTP response";
      return 0;
    }
    return status;
  }
}

static int socket_send(void* context, const fieldsync_http_request* request,
                       fieldsync_http_response* response) {
  socket_transport* transport = context;
  char host[64], head[1024];
  const char* why = "connection refused";
  buffer raw = {NULL, 0, 0}, body = {NULL, 0, 0};
  int port = 0, fd, status = 0, head_size;

  ++transport->requests;
  transport->last_status = 0;
  snprintf(transport->last_path, sizeof transport->last_path, "%s", request->path);
  snprintf(transport->last_authorization, sizeof transport->last_authorization, "%s",
           request->authorization);
  if (parse_url(request->url, host, sizeof host, &port) != 0) {
    fieldsync_http_response_set_failure(response, "this transport speaks http://IPv4:PORT only");
    ++transport->no_answer;
    return 0;
  }
  fd = connect_to(host, port, transport->timeout_ms);
  if (fd >= 0) {
    head_size = snprintf(head, sizeof head,
                         "%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                         "Content-Length: %lu\r\nConnection: close\r\n%s%s%s\r\n",
                         request->method, request->path, host, port, request->content_type,
                         (unsigned long)request->body_length,
                         request->authorization[0] ? "Authorization: " : "", request->authorization,
                         request->authorization[0] ? "\r\n" : "");
    if (head_size <= 0 || (size_t)head_size >= sizeof head ||
        send_all(fd, head, (size_t)head_size) != 0 ||
        send_all(fd, request->body, request->body_length) != 0) {
      why = "connection broken while sending";
    } else {
      status = read_response(fd, &raw, &body, &why);
    }
    close(fd);
  }
  if (status > 0) {
    fieldsync_error appended = fieldsync_http_response_append_body(response, body.data, body.size);
    if (appended.code != FIELDSYNC_OK) status = 0;
  }
  if (status == 0) {
    fieldsync_http_response_set_failure(response, why);
    ++transport->no_answer;
  }
  transport->last_status = status;
  free(raw.data);
  free(body.data);
  return status;
}

void socket_transport_init(socket_transport* transport) {
  memset(transport, 0, sizeof *transport);
  transport->timeout_ms = 10000;
}

fieldsync_http_transport socket_transport_for(socket_transport* transport) {
  fieldsync_http_transport host;
  host.send = socket_send;
  host.context = transport;
  return host;
}
