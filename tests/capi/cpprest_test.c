/* libfieldsync_cpprest, the built-in HTTP stack for C hosts without their own: a phone
 * database enrolls, records a payment and syncs with the real fieldsync-server over
 * 127.0.0.1 through it. Plain C. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "fieldsync/fieldsync_cpprest.h"
#include "support/c_check.h"
#include "support/office_server.h"
#include "support/test_files.h"

static office_server office;
static void stop_office(void) {
  if (office.pid != 0) office_stop(&office);
}

int main(void) {
  char folder[512], server_db[600], path[600], code[64], input[256];
  char* receipt = NULL;
  office_estate estate;
  fieldsync_cpprest_transport* http = NULL;
  fieldsync_http_transport transport;
  fieldsync_db* db = NULL;
  fieldsync_replicator* replicator = NULL;
  fieldsync_sync_report report;

  CHECK_ERROR(fieldsync_cpprest_transport_create("ftp://example.com", 0, &http),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "ftp://example.com");
  CHECK(http == NULL);
  CHECK(fieldsync_cpprest_transport_get(NULL).send == NULL);
  fieldsync_cpprest_transport_close(NULL);

  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-cpprest") != 0) return 1;
  snprintf(server_db, sizeof server_db, "%s/server.db", folder);
  snprintf(path, sizeof path, "%s/ann.db", folder);
  office_init(&office, FIELDSYNC_SERVER_PATH, server_db);
  atexit(stop_office);
  if (office_add_estate(&office, &estate) != 0 ||
      office_add_collector(&office, "ann", estate.building, code, sizeof code) != 0 ||
      office_start(&office) != 0) {
    fprintf(stderr, "the office could not be set up\n");
    return 1;
  }
  REQUIRE_OK(fieldsync_cpprest_transport_create(office.url, 10000, &http));
  transport = fieldsync_cpprest_transport_get(http);

  REQUIRE_OK(
      fieldsync_enroll(path, office.url, code, &transport, FIELDSYNC_TOKEN_IN_DATABASE, &db, NULL));
  REQUIRE_OK(fieldsync_replicator_create(db, &transport, NULL, &replicator));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pulled >= 3);
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":5000}", estate.household);
  REQUIRE_OK(fieldsync_record_payment(db, input, NULL, &receipt));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pushed == 1 && report.applied == 1);
  fieldsync_string_free(receipt);
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(db);
  fieldsync_cpprest_transport_close(http);

  CHECK(office_stop(&office) == 0);
  remove_folder(folder);
  return check_summary("fieldsync_capi_cpprest_test");
}
