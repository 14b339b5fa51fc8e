/* The C API refuses bad input with a clear error and changes nothing: NULL handles and
 * arguments (FIELDSYNC_DOMAIN_API), text that is not JSON or not an object, JSON
 * nested without end, invalid UTF-8, unknown collections and fields, values of the
 * wrong type, numbers past 64 bits, missing records. After every refusal the out
 * parameters are NULL and the database holds what it held before. Also: the version,
 * and the cleanup functions' tolerance of NULL. Plain C99, no server. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/test_files.h"

/* A pointer no call may leave behind: every failed call must set its outs to NULL. */
static char sentinel_text[] = "untouched";
#define SENTINEL (sentinel_text)

static void version(void) {
  CHECK(strcmp(fieldsync_version(), FIELDSYNC_EXPECTED_VERSION) == 0);
  CHECK(fieldsync_abi_version() == FIELDSYNC_ABI_VERSION);
}

static void null_handles(void) {
  char* out = SENTINEL;
  fieldsync_sync_status status;
  fieldsync_sync_report report;
  fieldsync_db* db = (fieldsync_db*)SENTINEL;
  fieldsync_replicator* replicator = (fieldsync_replicator*)SENTINEL;
  fieldsync_http_transport transport = {NULL, NULL};

  CHECK_ERROR(fieldsync_record_fee_visit(NULL, "{}", &out), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK(out == NULL);
  out = SENTINEL;
  CHECK_ERROR(fieldsync_record_payment(NULL, "{}", &out, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK(out == NULL);
  CHECK_ERROR(fieldsync_get_record(NULL, "estates", "x", NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK_ERROR(fieldsync_list_records(NULL, "estates", NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK_ERROR(fieldsync_list_conflicts(NULL, 0, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK_ERROR(fieldsync_sync_status_read(NULL, &status), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK_ERROR(fieldsync_take_device_token(NULL, &out), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK_ERROR(fieldsync_db_open(NULL, &db), FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT,
              "path is NULL");
  CHECK(db == NULL);
  CHECK_ERROR(fieldsync_replicator_create(NULL, &transport, NULL, &replicator),
              FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT, "db is NULL");
  CHECK(replicator == NULL);
  CHECK_ERROR(fieldsync_replicator_sync(NULL, NULL, NULL, &report), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "replicator is NULL");
  CHECK_ERROR(fieldsync_enroll("x.db", "http://127.0.0.1:1", "CODE", &transport, 0, NULL, NULL),
              FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT, "transport->send is NULL");
  CHECK_ERROR(fieldsync_http_response_append_body(NULL, "x", 1), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "response is NULL");
  /* The cleanup functions take NULL. */
  fieldsync_db_close(NULL);
  fieldsync_replicator_close(NULL);
  fieldsync_replicator_cancel(NULL);
  fieldsync_string_free(NULL);
  CHECK(strcmp(fieldsync_error_message(NULL), "") == 0);
}

static void null_arguments(fieldsync_db* db) {
  char* out = SENTINEL;
  fieldsync_replicator* replicator = NULL;
  CHECK_ERROR(fieldsync_create_record(db, NULL, "{}", &out), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "collection is NULL");
  CHECK(out == NULL);
  CHECK_ERROR(fieldsync_create_record(db, "estates", NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "fields_json is NULL");
  CHECK_ERROR(fieldsync_record_fee_visit(db, NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "visit_json is NULL");
  CHECK_ERROR(fieldsync_void_payment(db, "x", NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "reason is NULL");
  CHECK_ERROR(fieldsync_sync_status_read(db, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "out_status is NULL");
  CHECK_ERROR(fieldsync_resolve_conflict(db, "x", 7, NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "not a fieldsync_conflict_choice");
  CHECK_ERROR(fieldsync_replicator_create(db, NULL, NULL, &replicator), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "transport is NULL");
}

static void not_json(fieldsync_db* db) {
  char* out = SENTINEL;
  char* deep = NULL;
  size_t i;
  CHECK_ERROR(fieldsync_create_record(db, "estates", "{name: Riverside", &out),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "not valid JSON");
  CHECK(out == NULL);
  CHECK_ERROR(fieldsync_create_record(db, "estates", "[\"Riverside\"]", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "must be a JSON object");
  CHECK_ERROR(fieldsync_create_record(db, "estates", "", NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "not valid JSON");
  /* Invalid UTF-8 inside a string. */
  CHECK_ERROR(fieldsync_create_record(db, "estates", "{\"name\":\"Riv\xff\xfeside\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "not valid JSON");
  /* A million brackets: refused before anything recurses into them. */
  deep = malloc(2000002);
  if (deep == NULL) {
    CHECK(deep != NULL);
    return;
  }
  for (i = 0; i < 1000000; ++i) deep[i] = '[';
  for (i = 0; i < 1000000; ++i) deep[1000000 + i] = ']';
  deep[2000000] = '\0';
  CHECK_ERROR(fieldsync_update_record(db, "estates", "x", deep, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "nested deeper than 64");
  CHECK_ERROR(fieldsync_resolve_conflict(db, "x", FIELDSYNC_NEW_VALUE, deep, NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "nested deeper than 64");
  free(deep);
  CHECK_ERROR(fieldsync_list_records(db, "estates", "{\"order\":\"name\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "'order' is not understood");
}

static void unknown_names(fieldsync_db* db, const char* household) {
  char input[512];
  char* out = SENTINEL;
  CHECK_ERROR(fieldsync_create_record(db, "spaceships", "{\"name\":\"Enterprise\"}", &out),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "spaceships");
  CHECK(out == NULL);
  CHECK_ERROR(fieldsync_list_records(db, "spaceships", NULL, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "estates"); /* names the collections there are */
  CHECK_ERROR(fieldsync_create_record(db, "estates", "{\"name\":\"X\",\"colour\":\"red\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "colour");
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"outcome\":\"not_home\",\"mood\":1}",
           household);
  CHECK_ERROR(fieldsync_record_fee_visit(db, input, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "mood: fee_visits have no such field");
  CHECK_ERROR(fieldsync_get_record(db, "estates", "0193a6f2-0000-7000-8000-000000000000", &out),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_NOT_FOUND, "");
  CHECK(out == NULL);
  CHECK_ERROR(fieldsync_void_payment(db, "0193a6f2-0000-7000-8000-000000000000", "no", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "payment");
  CHECK_ERROR(fieldsync_add_work_order_note(db, "not-an-id", "text", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "work_order");
  CHECK_ERROR(fieldsync_resolve_conflict(db, "0193a6f2-0000-7000-8000-000000000000",
                                         FIELDSYNC_KEEP_WINNER, NULL, NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_NOT_FOUND, "");
}

static void wrong_values(fieldsync_db* db, const char* household, const char* estate) {
  char input[512];
  char* receipt = SENTINEL;
  fieldsync_error e;
  /* Every problem at once, each naming its field. */
  e = fieldsync_record_fee_visit(db, "{\"household\":5,\"outcome\":true,\"location\":[1,2]}", NULL);
  CHECK(e.code == FIELDSYNC_INVALID_ARGUMENT);
  CHECK_CONTAINS(e.message, "household: must be the id of a households record");
  CHECK_CONTAINS(e.message, "outcome: true is not one of paid_full");
  CHECK_CONTAINS(e.message, "location: must be {\"lat\", \"lon\", \"accuracy_m\"}");
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":\"50.00\"}", household);
  CHECK_ERROR(fieldsync_record_payment(db, input, NULL, &receipt), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "amount: must be an amount in minor units");
  CHECK(receipt == NULL);
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":18446744073709551615}",
           household);
  CHECK_ERROR(fieldsync_record_payment(db, input, NULL, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "amount: is too large");
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":0}", household);
  CHECK_ERROR(fieldsync_record_payment(db, input, NULL, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "amount");
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"outcome\":\"maybe\"}", household);
  CHECK_ERROR(fieldsync_record_fee_visit(db, input, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "'maybe' is not one of");
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":100,\"periods\":[\"Nov\"]}",
           household);
  CHECK_ERROR(fieldsync_record_payment(db, input, NULL, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "periods");
  CHECK_ERROR(fieldsync_record_return_visit(db, "{\"satisfaction\":9}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "satisfaction");
  CHECK_ERROR(fieldsync_check_in(db, "{\"route\":\"r\"}", NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "checkpoint");
  CHECK_ERROR(fieldsync_report_finding(db, "{\"category\":\"fire\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "estate");
  CHECK_ERROR(fieldsync_open_work_order(db, "{\"category\":\"plumbing\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "description: is required");
  CHECK_ERROR(fieldsync_log_complaint(db, "{\"description\":\"noise\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "household");
  CHECK_ERROR(fieldsync_update_record(db, "estates", estate, "{\"name\":5}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "name");
  CHECK_ERROR(fieldsync_advance_status(db, "estates", estate, "closed", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "");
}

/* Whether `text` is well-formed UTF-8 (enough for this test: no cut sequences). */
static int is_utf8(const char* text) {
  const unsigned char* p = (const unsigned char*)text;
  while (*p != 0) {
    int follow = *p < 0x80         ? 0
                 : (*p >> 5) == 6  ? 1
                 : (*p >> 4) == 14 ? 2
                 : (*p >> 3) == 30 ? 3
                                   : -1;
    if (follow < 0) return 0;
    for (++p; follow > 0; --follow, ++p) {
      if ((*p & 0xc0) != 0x80) return 0;
    }
  }
  return 1;
}

/* A message longer than the error's buffer is cut at a character, NUL-terminated. */
static void long_messages(fieldsync_db* db) {
  char input[8192];
  size_t used = 0;
  int i;
  fieldsync_error e;
  used += (size_t)snprintf(input + used, sizeof input - used, "{");
  for (i = 0; i < 200; ++i) {
    /* Field names of a three-byte character and a number: "字000". */
    used += (size_t)snprintf(input + used, sizeof input - used, "%s\"\xe5\xad\x97%03d\":1",
                             i ? "," : "", i);
  }
  snprintf(input + used, sizeof input - used, "}");
  e = fieldsync_check_in(db, input, NULL);
  CHECK(e.code == FIELDSYNC_INVALID_ARGUMENT);
  CHECK(strlen(e.message) > FIELDSYNC_ERROR_MESSAGE_SIZE - 8);
  CHECK(strlen(e.message) < FIELDSYNC_ERROR_MESSAGE_SIZE);
  CHECK(is_utf8(e.message));
  CHECK(fieldsync_error_message(&e) == e.message);
}

static int record_count(fieldsync_db* db, const char* collection) {
  char* records = NULL;
  int count;
  REQUIRE_OK(fieldsync_list_records(db, collection, NULL, &records));
  count = count_of(records, "\"collection\":");
  fieldsync_string_free(records);
  return count;
}

int main(void) {
  char folder[512], path[600], estate[64];
  /* A household id no record has: the input is refused before it is looked up. */
  const char* household = "0193a6f2-0000-7000-8000-00000000a001";
  char* record = NULL;
  fieldsync_db* db = NULL;
  fieldsync_sync_status before, after;

  version();
  null_handles();
  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-bad") != 0) return 1;
  snprintf(path, sizeof path, "%s/ann.db", folder);
  CHECK_ERROR(fieldsync_db_open(path, &db), FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_NOT_FOUND,
              "ann.db");
  CHECK(db == NULL);
  REQUIRE_OK(fieldsync_db_create(path, "K7Q2", "ann", &db));
  fieldsync_db_close(db);
  CHECK_ERROR(fieldsync_db_create(path, "K7Q2", "ann", &db), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_ALREADY_EXISTS, "ann.db");
  CHECK(db == NULL);
  REQUIRE_OK(fieldsync_db_open(path, &db));
  REQUIRE_OK(fieldsync_create_record(db, "estates", "{\"name\":\"Riverside\"}", &record));
  json_text_member(record, "id", estate, sizeof estate);
  fieldsync_string_free(record);
  CHECK_OK(fieldsync_sync_status_read(db, &before));

  null_arguments(db);
  not_json(db);
  unknown_names(db, household);
  wrong_values(db, household, estate);
  long_messages(db);
  CHECK_ERROR(fieldsync_take_device_token(db, &record), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_FAILED_PRECONDITION, "not enrolled");
  CHECK(record == NULL);

  /* Nothing was written by any refused call. */
  CHECK_OK(fieldsync_sync_status_read(db, &after));
  CHECK(after.pending_changes == before.pending_changes && after.pending_changes == 1);
  CHECK(record_count(db, "estates") == 1);
  CHECK(record_count(db, "payments") == 0);
  CHECK(record_count(db, "fee_visits") == 0);
  CHECK(record_count(db, "checkins") == 0);
  CHECK_OK(fieldsync_get_record(db, "estates", estate, &record));
  CHECK_CONTAINS(record, "\"name\":\"Riverside\"");
  fieldsync_string_free(record);
  fieldsync_db_close(db);
  remove_folder(folder);
  return check_summary("fieldsync_capi_bad_input_test");
}
