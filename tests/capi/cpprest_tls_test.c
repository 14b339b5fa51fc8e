/* libfieldsync_cpprest over TLS with the office's own CA and a key pin
 * (fieldsync_cpprest_transport_create_tls), against the real fieldsync-server serving
 * https:// on 127.0.0.1 with a throwaway CA's certificate (platform/loopback_tls.h,
 * through fieldsync_capi_loopback_tls). A phone trusting another CA, or pinning another
 * key, sends nothing: its enrollment code stays unused and its changes pending. Bad TLS
 * arguments are refused when the transport is made. Plain C. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "fieldsync/fieldsync_cpprest.h"
#include "support/c_check.h"
#include "support/office_server.h"
#include "support/test_files.h"

/* The files fieldsync_capi_loopback_tls made, and the server key's pin. */
typedef struct loopback_tls {
  char ca_file[600], cert_file[600], key_file[600], pin[64], other_ca_file[600];
} loopback_tls;

static office_server office;
static void stop_office(void) {
  if (office.pid != 0) office_stop(&office);
}

/* Reads one line of `from` into `out` without its newline; 0 on success. */
static int read_line(FILE* from, char* out, size_t size) {
  size_t length;
  if (fgets(out, (int)size, from) == NULL) return -1;
  length = strlen(out);
  if (length == 0 || out[length - 1] != '\n') return -1;
  out[length - 1] = '\0';
  return 0;
}

/* Runs fieldsync_capi_loopback_tls in `folder`; 0 on success. */
static int make_tls(const char* folder, loopback_tls* tls) {
  char command[1400];
  FILE* made;
  int failed;
  snprintf(command, sizeof command, "'%s' '%s'", FIELDSYNC_LOOPBACK_TLS_PATH, folder);
  made = popen(command, "r");
  if (made == NULL) return -1;
  failed = read_line(made, tls->ca_file, sizeof tls->ca_file) != 0 ||
           read_line(made, tls->cert_file, sizeof tls->cert_file) != 0 ||
           read_line(made, tls->key_file, sizeof tls->key_file) != 0 ||
           read_line(made, tls->pin, sizeof tls->pin) != 0 ||
           read_line(made, tls->other_ca_file, sizeof tls->other_ca_file) != 0;
  return pclose(made) != 0 || failed ? -1 : 0;
}

static int file_exists(const char* path) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) return 0;
  fclose(file);
  return 1;
}

/* Making a transport with these arguments fails with `domain`, `code` and a message
 * holding `words`, and makes none. */
static void check_refused(const char* server_url, const char* ca_file, const char* pin, int domain,
                          int code, const char* words) {
  static char not_null;
  fieldsync_cpprest_transport* http = (fieldsync_cpprest_transport*)&not_null;
  CHECK_ERROR(fieldsync_cpprest_transport_create_tls(server_url, 0, ca_file, pin, &http), domain,
              code, words);
  CHECK(http == NULL);
}

/* Each wrong argument is refused with a message saying what is wrong. */
static void bad_arguments_are_refused(const loopback_tls* tls, const char* folder) {
  const char* https = "https://127.0.0.1:1";
  const char* http_url = "http://127.0.0.1:8080";
  const int fieldsync = FIELDSYNC_DOMAIN_FIELDSYNC;
  char missing[700];
  fieldsync_cpprest_transport* http = NULL;

  check_refused(https, NULL, "sha256/short", fieldsync, FIELDSYNC_INVALID_ARGUMENT,
                "'sha256/short'");
  /* 51 characters, as a pin has, but not a SHA-256. */
  check_refused(https, NULL, "md5/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", fieldsync,
                FIELDSYNC_INVALID_ARGUMENT, "a key pin is sha256/");
  snprintf(missing, sizeof missing, "%s/no-such-ca.pem", folder);
  check_refused(https, missing, NULL, fieldsync, FIELDSYNC_NOT_FOUND, missing);
  check_refused(https, folder, NULL, fieldsync, FIELDSYNC_NOT_FOUND, folder);
  /* A PEM file, but a key rather than a certificate. */
  check_refused(https, tls->key_file, NULL, fieldsync, FIELDSYNC_INVALID_ARGUMENT,
                "holds no PEM certificate");
  check_refused(http_url, tls->ca_file, NULL, fieldsync, FIELDSYNC_INVALID_ARGUMENT,
                "needs an https://");
  check_refused(http_url, NULL, tls->pin, fieldsync, FIELDSYNC_INVALID_ARGUMENT,
                "needs an https://");
  check_refused(NULL, tls->ca_file, tls->pin, FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT,
                "server_url");
  CHECK_ERROR(fieldsync_cpprest_transport_create_tls(https, 0, tls->ca_file, tls->pin, NULL),
              FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT, "out_transport");

  /* "" is no CA file and no pin, as NULL is: plain http:// to this machine is allowed. */
  REQUIRE_OK(fieldsync_cpprest_transport_create_tls(http_url, 0, "", "", &http));
  CHECK(http != NULL);
  fieldsync_cpprest_transport_close(http);
}

/* Enrolling through a transport that refuses the server fails in the network domain
 * with a message holding `words`, and creates no database. */
static void enrollment_is_refused(const char* ca_file, const char* pin, const char* path,
                                  const char* code, const char* words) {
  fieldsync_cpprest_transport* http = NULL;
  fieldsync_http_transport transport;
  fieldsync_db* db = NULL;
  REQUIRE_OK(fieldsync_cpprest_transport_create_tls(office.url, 10000, ca_file, pin, &http));
  transport = fieldsync_cpprest_transport_get(http);
  CHECK_ERROR(
      fieldsync_enroll(path, office.url, code, &transport, FIELDSYNC_TOKEN_IN_DATABASE, &db, NULL),
      FIELDSYNC_DOMAIN_NETWORK, FIELDSYNC_UNAVAILABLE, words);
  CHECK(db == NULL);
  CHECK(!file_exists(path));
  fieldsync_cpprest_transport_close(http);
}

int main(void) {
  char folder[512], server_db[600], path[600], refused_path[600], code[64], input[256];
  char wrong_pin[64];
  char* receipt = NULL;
  loopback_tls tls;
  office_estate estate;
  fieldsync_cpprest_transport* http = NULL;
  fieldsync_cpprest_transport* http_wrong_pin = NULL;
  fieldsync_http_transport transport, transport_wrong_pin;
  fieldsync_db* db = NULL;
  fieldsync_replicator* replicator = NULL;
  fieldsync_replicator_options once;
  fieldsync_sync_report report;
  fieldsync_sync_status status;

  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-cpprest-tls") != 0) return 1;
  if (make_tls(folder, &tls) != 0) {
    fprintf(stderr, "fieldsync_capi_loopback_tls made no TLS files in %s\n", folder);
    return 1;
  }
  /* The server's pin with its first character changed: a key of the same form. */
  snprintf(wrong_pin, sizeof wrong_pin, "%s", tls.pin);
  wrong_pin[7] = wrong_pin[7] == 'A' ? 'B' : 'A';
  bad_arguments_are_refused(&tls, folder);

  snprintf(server_db, sizeof server_db, "%s/server.db", folder);
  snprintf(path, sizeof path, "%s/ann.db", folder);
  snprintf(refused_path, sizeof refused_path, "%s/refused.db", folder);
  office_init(&office, FIELDSYNC_SERVER_PATH, server_db);
  atexit(stop_office);
  if (office_add_estate(&office, &estate) != 0 ||
      office_add_collector(&office, "ann", estate.building, code, sizeof code) != 0 ||
      office_start_tls(&office, tls.cert_file, tls.key_file) != 0) {
    fprintf(stderr, "the office could not be set up\n");
    return 1;
  }
  CHECK(strncmp(office.url, "https://127.0.0.1:", 18) == 0);

  /* The system's CAs and another CA never signed the office's certificate; a pin of
   * another key is refused even with the right CA, naming both keys. */
  enrollment_is_refused(NULL, NULL, refused_path, code, "/v1/enroll");
  enrollment_is_refused(tls.other_ca_file, NULL, refused_path, code, "/v1/enroll");
  enrollment_is_refused(tls.ca_file, wrong_pin, refused_path, code, wrong_pin);
  enrollment_is_refused(tls.ca_file, wrong_pin, refused_path, code, tls.pin);

  /* The right CA and pin: the same code, never used by the refused phones, enrolls. */
  REQUIRE_OK(
      fieldsync_cpprest_transport_create_tls(office.url, 10000, tls.ca_file, tls.pin, &http));
  transport = fieldsync_cpprest_transport_get(http);
  REQUIRE_OK(
      fieldsync_enroll(path, office.url, code, &transport, FIELDSYNC_TOKEN_IN_DATABASE, &db, NULL));
  REQUIRE_OK(fieldsync_replicator_create(db, &transport, NULL, &replicator));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pulled >= 3);
  fieldsync_replicator_close(replicator);

  /* A payment recorded, then a sync pinning another key: refused before anything is
   * sent, naming the pin; the payment stays pending. */
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":5000}", estate.household);
  REQUIRE_OK(fieldsync_record_payment(db, input, NULL, &receipt));
  REQUIRE_OK(fieldsync_cpprest_transport_create_tls(office.url, 10000, tls.ca_file, wrong_pin,
                                                    &http_wrong_pin));
  transport_wrong_pin = fieldsync_cpprest_transport_get(http_wrong_pin);
  fieldsync_replicator_options_init(&once);
  once.max_attempts = 1;
  REQUIRE_OK(fieldsync_replicator_create(db, &transport_wrong_pin, &once, &replicator));
  CHECK_ERROR(fieldsync_replicator_sync(replicator, NULL, NULL, &report), FIELDSYNC_DOMAIN_NETWORK,
              FIELDSYNC_UNAVAILABLE, wrong_pin);
  fieldsync_replicator_close(replicator);
  fieldsync_cpprest_transport_close(http_wrong_pin);
  REQUIRE_OK(fieldsync_sync_status_read(db, &status));
  CHECK(status.pending_changes == 1);

  /* The office's CA alone (no pin) is enough to sync it. */
  fieldsync_cpprest_transport_close(http);
  REQUIRE_OK(fieldsync_cpprest_transport_create_tls(office.url, 10000, tls.ca_file, NULL, &http));
  transport = fieldsync_cpprest_transport_get(http);
  REQUIRE_OK(fieldsync_replicator_create(db, &transport, NULL, &replicator));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pushed == 1 && report.applied == 1);
  REQUIRE_OK(fieldsync_sync_status_read(db, &status));
  CHECK(status.pending_changes == 0);

  fieldsync_string_free(receipt);
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(db);
  fieldsync_cpprest_transport_close(http);
  CHECK(office_stop(&office) == 0);
  remove_folder(folder);
  return check_summary("fieldsync_capi_cpprest_tls_test");
}
