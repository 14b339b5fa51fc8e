/* Attachments through the C API, offline, from plain C: a photo attached to a finding
 * and to a work order note is stored once (same SHA-256), listed per record and all
 * together with its upload state and local path, read back and exported, and shows in
 * the sync status as bytes to upload. Refused, keeping nothing: a missing file, a file that is no
 * photo, a media type its bytes contradict, a record that takes no attachments, bad options. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/test_files.h"

static void created(fieldsync_db* db, const char* collection, const char* fields, char* id) {
  char* record = NULL;
  REQUIRE_OK(fieldsync_create_record(db, collection, fields, &record));
  json_text_member(record, "id", id, 64);
  fieldsync_string_free(record);
}

int main(void) {
  char folder[512], path[600], photo[600], text[600], input[512];
  char estate[64], finding[64], order[64], note[64], sha[80], again[80], local[600], copy[600];
  uint8_t head[8];
  size_t got = 0;
  char* json = NULL;
  fieldsync_db* db = NULL;
  fieldsync_sync_status status;
  FILE* file;

  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-attach") != 0) return 1;
  snprintf(path, sizeof path, "%s/ann.db", folder);
  snprintf(photo, sizeof photo, "%s/door.png", folder);
  snprintf(text, sizeof text, "%s/notes.txt", folder);
  if (write_photo(photo, 40000, 7) != 0) return 1;
  REQUIRE_OK(fieldsync_db_create(path, "K7Q2", "ann", &db));
  file = fopen(text, "w");
  if (file != NULL) {
    fputs("not a photo\n", file);
    fclose(file);
  }

  created(db, "estates", "{\"name\":\"Riverside\"}", estate);
  snprintf(input, sizeof input,
           "{\"estate\":\"%s\",\"category\":\"fire\",\"severity\":\"high\","
           "\"description\":\"Fire door wedged open\"}",
           estate);
  REQUIRE_OK(fieldsync_report_finding(db, input, &json));
  json_text_member(json, "id", finding, sizeof finding);
  fieldsync_string_free(json);
  snprintf(input, sizeof input, "{\"estate\":\"%s\",\"name\":\"Block A\"}", estate);
  {
    char building[64], unit[64], household[64];
    created(db, "buildings", input, building);
    snprintf(input, sizeof input, "{\"building\":\"%s\",\"number\":\"A-101\"}", building);
    created(db, "units", input, unit);
    snprintf(input, sizeof input, "{\"unit\":\"%s\",\"owner_name\":\"Wang Li\"}", unit);
    created(db, "households", input, household);
    snprintf(input, sizeof input,
             "{\"household\":\"%s\",\"category\":\"plumbing\",\"description\":\"leak\"}",
             household);
    REQUIRE_OK(fieldsync_open_work_order(db, input, &json));
    json_text_member(json, "id", order, sizeof order);
    fieldsync_string_free(json);
  }
  REQUIRE_OK(fieldsync_add_work_order_note(db, order, "before the repair", &json));
  json_text_member(json, "id", note, sizeof note);
  fieldsync_string_free(json);

  /* The same photo on two records: two attachment records, one blob. */
  REQUIRE_OK(fieldsync_attach_file(db, "findings", finding, photo,
                                   "{\"caption\":\"the wedge\",\"pin\":true}", &json));
  json_text_member(json, "sha256", sha, sizeof sha);
  json_text_member(json, "path", local, sizeof local);
  CHECK(strlen(sha) == 64);
  CHECK_CONTAINS(json, "\"state\":\"upload\"");
  CHECK_CONTAINS(json, "\"media_type\":\"image/png\"");
  CHECK_CONTAINS(json, "\"size\":40000");
  CHECK_CONTAINS(json, "\"pinned\":true");
  CHECK_CONTAINS(json, "\"caption\":\"the wedge\"");
  CHECK(same_file_contents(photo, local));
  fieldsync_string_free(json);
  /* The calls an encrypted database needs give a plain one's bytes as well. */
  snprintf(copy, sizeof copy, "%s/door-copy.png", folder);
  CHECK_OK(fieldsync_attachment_export(db, sha, copy));
  CHECK(same_file_contents(photo, copy));
  CHECK_OK(fieldsync_attachment_read(db, sha, 0, head, sizeof head, &got));
  CHECK(got == sizeof head && memcmp(head, "\x89PNG", 4) == 0);
  REQUIRE_OK(fieldsync_attach_file(db, "work_order_notes", note, photo,
                                   "{\"media_type\":\"image/png\"}", &json));
  json_text_member(json, "sha256", again, sizeof again);
  CHECK(strcmp(sha, again) == 0);
  fieldsync_string_free(json);

  CHECK_OK(fieldsync_list_attachments(db, "findings", finding, &json));
  CHECK(count_of(json, "\"state\":") == 1);
  CHECK_CONTAINS(json, sha);
  fieldsync_string_free(json);
  CHECK_OK(fieldsync_list_attachments(db, NULL, NULL, &json));
  CHECK(count_of(json, "\"state\":") == 2);
  fieldsync_string_free(json);
  CHECK_OK(fieldsync_sync_status_read(db, &status));
  CHECK(status.upload_blobs == 1 && status.upload_bytes == 40000);

  /* Refusals keep nothing. */
  CHECK_ERROR(fieldsync_attach_file(db, "findings", finding, "/nonexistent/door.png", NULL, &json),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_NOT_FOUND, "door.png");
  CHECK(json == NULL);
  CHECK_ERROR(fieldsync_attach_file(db, "findings", finding, text, NULL, NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "not a photo");
  CHECK_ERROR(fieldsync_attach_file(db, "findings", finding, photo,
                                    "{\"media_type\":\"image/jpeg\"}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "its bytes are image/png");
  CHECK_ERROR(fieldsync_attach_file(db, "estates", estate, photo, NULL, NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "");
  CHECK_ERROR(fieldsync_attach_file(db, "findings", finding, photo, "{\"colour\":1}", NULL),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "'colour' is not understood");
  CHECK_ERROR(fieldsync_attach_file(db, "findings", NULL, photo, NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "record_id is NULL");
  CHECK_ERROR(fieldsync_list_attachments(db, "findings", NULL, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "both NULL");
  CHECK_OK(fieldsync_list_attachments(db, NULL, NULL, &json));
  CHECK(count_of(json, "\"state\":") == 2);
  fieldsync_string_free(json);

  fieldsync_db_close(db);
  remove_folder(folder);
  return check_summary("fieldsync_capi_attachments_test");
}
