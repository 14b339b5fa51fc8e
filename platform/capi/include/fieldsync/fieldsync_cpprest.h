/* The built-in HTTP stack for hosts of the C API that bring none of their own (desktop
 * tools, scripts, tests): cpprestsdk, in its own library, libfieldsync_cpprest
 * (CMake: fieldsync::c_cpprest), so that libfieldsync itself never links cpprestsdk.
 * Phone apps plug in their platform's HTTP stack instead (fieldsync_http_transport).
 *
 * Memory and errors follow fieldsync.h. A transport serves one sync or enrollment at a
 * time (as every fieldsync_http_transport); create one per replicator. */
#ifndef FIELDSYNC_FIELDSYNC_CPPREST_H
#define FIELDSYNC_FIELDSYNC_CPPREST_H

#include "fieldsync/fieldsync.h"

#if defined(_WIN32)
#if defined(FIELDSYNC_CPPREST_BUILDING)
#define FIELDSYNC_CPPREST_API __declspec(dllexport)
#else
#define FIELDSYNC_CPPREST_API __declspec(dllimport)
#endif
#else
#define FIELDSYNC_CPPREST_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fieldsync_cpprest_transport fieldsync_cpprest_transport;

/* A transport to `server_url` ("https://sync.example.com", or "http://127.0.0.1:8080"):
 * request paths are sent to it, whatever URL fieldsync was given. `timeout_ms` bounds
 * each request (0: 30 s). An https:// server's certificate is checked, with its host
 * name, against the system's CAs (fieldsync_cpprest_transport_create_tls for an
 * office's own CA or a key pin). FIELDSYNC_INVALID_ARGUMENT for a URL that is not
 * https://, or http:// to this machine (localhost, 127.x.x.x, [::1]): plain http:// to
 * any other machine is refused (check_server_url in sync/src/http_transport.cpp). */
FIELDSYNC_CPPREST_API fieldsync_error fieldsync_cpprest_transport_create(
    const char* server_url, int32_t timeout_ms, fieldsync_cpprest_transport** out_transport);
/* fieldsync_cpprest_transport_create() with the office's TLS settings, as the command
 * line's `enroll --ca-file FILE --pin sha256/KEY` (docs/security.md):
 *  - `ca_file` (NULL or "": the system's CAs): a PEM file of the CAs to trust instead
 *    of the system's, e.g. the office's own CA. Read at once: FIELDSYNC_NOT_FOUND when
 *    it cannot be read, FIELDSYNC_INVALID_ARGUMENT when it holds no PEM certificate.
 *  - `pin` (NULL or "": none): "sha256/" and the 44 characters of base64 of the SHA-256
 *    of the server certificate's public key (docs/server.md, "TLS and key pins").
 *    Another format is FIELDSYNC_INVALID_ARGUMENT. A certificate with another key is
 *    refused even when a trusted CA signed it; the request then fails as the network
 *    does (FIELDSYNC_DOMAIN_NETWORK, FIELDSYNC_UNAVAILABLE) with a message naming both
 *    pins, and nothing of it reaches the server.
 * Either needs an https:// `server_url` (FIELDSYNC_INVALID_ARGUMENT for http://). Keep
 * both with the enrollment and give them to every transport made for this server. A
 * refused call makes no transport and leaves `*out_transport` NULL. */
FIELDSYNC_CPPREST_API fieldsync_error fieldsync_cpprest_transport_create_tls(
    const char* server_url, int32_t timeout_ms, const char* ca_file, const char* pin,
    fieldsync_cpprest_transport** out_transport);
/* The fieldsync_http_transport to give fieldsync_enroll() and
 * fieldsync_replicator_create(); valid until the transport is closed. */
FIELDSYNC_CPPREST_API fieldsync_http_transport
fieldsync_cpprest_transport_get(fieldsync_cpprest_transport* transport);
/* Closes the transport; NULL is ignored. No handle may still send through it. */
FIELDSYNC_CPPREST_API void fieldsync_cpprest_transport_close(
    fieldsync_cpprest_transport* transport);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FIELDSYNC_FIELDSYNC_CPPREST_H */
