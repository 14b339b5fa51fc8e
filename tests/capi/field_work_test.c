/* Every kind of field work through the C API, offline, from plain C: reference data
 * through the generic create, then visits, payments (receipt numbers) and a void,
 * patrol check-ins and findings through their lifecycle, work orders with notes and a
 * return visit, complaints, edits, queries, and the sync status of it all. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/test_files.h"

/* Writes one record with `write_json`'s input (a printf format and one argument) and
 * keeps its id in `id`. */
static void created(fieldsync_db* db, const char* collection, const char* format,
                    const char* argument, char* id) {
  char fields[512];
  char* record = NULL;
  snprintf(fields, sizeof fields, format, argument);
  REQUIRE_OK(fieldsync_create_record(db, collection, fields, &record));
  json_text_member(record, "id", id, 64);
  CHECK(strlen(id) == 36);
  fieldsync_string_free(record);
}

typedef struct estate {
  char estate[64], building[64], unit[64], household[64], charge[64], route[64];
  char checkpoint[64], other_route[64], other_checkpoint[64];
} estate;

static void set_up_estate(fieldsync_db* db, estate* e) {
  created(db, "estates", "{\"name\":\"%s\"}", "Riverside", e->estate);
  created(db, "buildings", "{\"estate\":\"%s\",\"name\":\"Block A\"}", e->estate, e->building);
  created(db, "units", "{\"building\":\"%s\",\"number\":\"A-101\"}", e->building, e->unit);
  created(db, "households", "{\"unit\":\"%s\",\"owner_name\":\"Wang Li\"}", e->unit, e->household);
  created(db, "charges",
          "{\"household\":\"%s\",\"fee_item\":\"property_fee\",\"period\":\"2026-11\","
          "\"amount\":12000}",
          e->household, e->charge);
  created(db, "patrol_routes", "{\"estate\":\"%s\",\"name\":\"Night round\"}", e->estate, e->route);
  created(db, "checkpoints", "{\"route\":\"%s\",\"name\":\"Gate\"}", e->route, e->checkpoint);
  created(db, "patrol_routes", "{\"estate\":\"%s\",\"name\":\"Day round\"}", e->estate,
          e->other_route);
  created(db, "checkpoints", "{\"route\":\"%s\",\"name\":\"Pool\"}", e->other_route,
          e->other_checkpoint);
}

static void fees(fieldsync_db* db, const estate* e) {
  char input[512], payment[64], second[64];
  char* record = NULL;
  char* receipt = NULL;
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"outcome\":\"not_home\"}", e->household);
  CHECK_OK(fieldsync_record_fee_visit(db, input, NULL));

  snprintf(input, sizeof input,
           "{\"household\":\"%s\",\"amount\":12000,\"charges\":[\"%s\"],\"method\":\"card\"}",
           e->household, e->charge);
  REQUIRE_OK(fieldsync_record_payment(db, input, &record, &receipt));
  json_text_member(record, "id", payment, sizeof payment);
  CHECK(strcmp(receipt, "K7Q2-000001") == 0);
  CHECK_CONTAINS(record, "\"method\":\"card\"");
  fieldsync_string_free(record);
  fieldsync_string_free(receipt);
  /* The next payment gets the next number; the record alone may be asked for. */
  snprintf(input, sizeof input, "{\"household\":\"%s\",\"amount\":100}", e->household);
  REQUIRE_OK(fieldsync_record_payment(db, input, NULL, &receipt));
  CHECK(strcmp(receipt, "K7Q2-000002") == 0);
  fieldsync_string_free(receipt);
  REQUIRE_OK(fieldsync_record_payment(db, input, &record, NULL));
  json_text_member(record, "id", second, sizeof second);
  CHECK_CONTAINS(record, "K7Q2-000003");
  fieldsync_string_free(record);

  CHECK_OK(fieldsync_void_payment(db, payment, "entered twice", &record));
  CHECK_CONTAINS(record, "\"reason\":\"entered twice\"");
  fieldsync_string_free(record);
  CHECK_ERROR(fieldsync_void_payment(db, payment, "again", &record), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_FAILED_PRECONDITION, "already has a payment void");
  CHECK(record == NULL);
}

static void patrol(fieldsync_db* db, const estate* e) {
  char input[512], finding[64];
  char* record = NULL;
  snprintf(input, sizeof input,
           "{\"route\":\"%s\",\"checkpoint\":\"%s\",\"method\":\"nfc\",\"condition\":\"normal\"}",
           e->route, e->checkpoint);
  CHECK_OK(fieldsync_check_in(db, input, &record));
  CHECK_CONTAINS(record, "\"patroller\":\"ann\"");
  fieldsync_string_free(record);
  snprintf(input, sizeof input, "{\"route\":\"%s\",\"checkpoint\":\"%s\"}", e->route,
           e->other_checkpoint);
  CHECK_ERROR(fieldsync_check_in(db, input, NULL), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_INVALID_ARGUMENT, "is not on route");

  snprintf(input, sizeof input,
           "{\"estate\":\"%s\",\"category\":\"fire\",\"severity\":\"high\","
           "\"description\":\"Fire door wedged open\",\"deadline\":\"2026-12-01\"}",
           e->estate);
  REQUIRE_OK(fieldsync_report_finding(db, input, &record));
  json_text_member(record, "id", finding, sizeof finding);
  CHECK_CONTAINS(record, "\"status\":\"reported\"");
  fieldsync_string_free(record);
  CHECK_OK(fieldsync_advance_status(db, "findings", finding, "rectifying", &record));
  CHECK_CONTAINS(record, "\"status\":\"rectifying\"");
  fieldsync_string_free(record);
  CHECK_ERROR(fieldsync_advance_status(db, "findings", finding, "notified", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_FAILED_PRECONDITION, "reopen");
  CHECK_OK(fieldsync_reopen_record(db, "findings", finding, &record));
  CHECK_CONTAINS(record, "\"status\":\"reported\"");
  fieldsync_string_free(record);
  CHECK_OK(fieldsync_update_record(db, "findings", finding, "{\"assignee\":\"zhou\"}", NULL));
  CHECK_OK(fieldsync_get_record(db, "findings", finding, &record));
  CHECK_CONTAINS(record, "\"assignee\":\"zhou\"");
  fieldsync_string_free(record);
}

static void service(fieldsync_db* db, const estate* e) {
  char input[512], order[64], complaint[64];
  char* record = NULL;
  snprintf(input, sizeof input,
           "{\"household\":\"%s\",\"category\":\"plumbing\",\"description\":\"Kitchen tap "
           "leaks\",\"priority\":\"urgent\"}",
           e->household);
  REQUIRE_OK(fieldsync_open_work_order(db, input, &record));
  json_text_member(record, "id", order, sizeof order);
  fieldsync_string_free(record);
  CHECK_OK(fieldsync_add_work_order_note(db, order, "replaced the valve", &record));
  CHECK_CONTAINS(record, "\"text\":\"replaced the valve\"");
  fieldsync_string_free(record);
  CHECK_OK(fieldsync_advance_status(db, "work_orders", order, "completed", NULL));
  snprintf(input, sizeof input,
           "{\"work_order\":\"%s\",\"satisfaction\":5,\"comment\":\"fixed quickly\"}", order);
  CHECK_OK(fieldsync_record_return_visit(db, input, &record));
  CHECK_CONTAINS(record, "\"satisfaction\":5");
  fieldsync_string_free(record);

  snprintf(input, sizeof input,
           "{\"type\":\"enquiry\",\"building\":\"%s\",\"description\":\"Lift hours?\"}",
           e->building);
  REQUIRE_OK(fieldsync_log_complaint(db, input, &record));
  json_text_member(record, "id", complaint, sizeof complaint);
  CHECK_CONTAINS(record, "\"status\":\"open\"");
  fieldsync_string_free(record);
}

static void reading(fieldsync_db* db, const estate* e) {
  char query[256];
  char* records = NULL;
  fieldsync_sync_status status;
  snprintf(query, sizeof query, "{\"where\":{\"household\":\"%s\"},\"limit\":2}", e->household);
  CHECK_OK(fieldsync_list_records(db, "payments", query, &records));
  CHECK(count_of(records, "\"receipt_number\":\"K7Q2-00000") == 2); /* the limit */
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_records(db, "payment_voids", NULL, &records));
  CHECK(records[0] == '[' && strstr(records, "entered twice") != NULL);
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_conflicts(db, 1, &records));
  CHECK(strcmp(records, "[]") == 0);
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_parked_changes(db, &records));
  CHECK(strcmp(records, "[]") == 0);
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_db_identity(db, &records));
  CHECK_CONTAINS(records, "\"device_code\":\"K7Q2\"");
  CHECK_CONTAINS(records, "\"user\":\"ann\"");
  fieldsync_string_free(records);

  CHECK_OK(fieldsync_sync_status_read(db, &status));
  CHECK(status.enrolled == 0 && status.last_success_ms == 0);
  /* 9 reference records, 1 visit, 3 payments, 1 void, 1 check-in, a finding with 3
   * changes after it, a work order, its note, its advance, a return visit and the
   * return_visited stage it moves the work order to, and a complaint: each write is
   * one change waiting in the outbox. */
  CHECK(status.pending_changes == 9 + 1 + 3 + 1 + 1 + 4 + 5 + 1);
}

int main(void) {
  char folder[512], path[600];
  fieldsync_db* db = NULL;
  estate e;
  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-work") != 0) return 1;
  snprintf(path, sizeof path, "%s/ann.db", folder);
  REQUIRE_OK(fieldsync_db_create(path, "K7Q2", "ann", &db));
  set_up_estate(db, &e);
  fees(db, &e);
  patrol(db, &e);
  service(db, &e);
  reading(db, &e);
  fieldsync_db_close(db);

  /* Everything is in the file: it opens again with the same records. */
  REQUIRE_OK(fieldsync_db_open(path, &db));
  {
    char* records = NULL;
    CHECK_OK(fieldsync_list_records(db, "payments", NULL, &records));
    CHECK_CONTAINS(records, "K7Q2-000003");
    fieldsync_string_free(records);
  }
  fieldsync_db_close(db);
  remove_folder(folder);
  return check_summary("fieldsync_capi_field_work_test");
}
