/* An encrypted device database through the C API, from plain C: created and opened with
 * a 32-byte key, its file holds no record in clear; no key, a wrong key and a key of the
 * wrong size are refused with what to do; rekeying moves it to a new key, and is
 * refused while a handle has it open. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/test_files.h"

/* 1 when the file at `path` holds `words` anywhere. */
static int file_holds(const char* path, const char* words) {
  FILE* file = fopen(path, "rb");
  size_t length = strlen(words), size = 0, i;
  char* bytes;
  int found = 0;
  if (file == NULL) return 0;
  fseek(file, 0, SEEK_END);
  size = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  bytes = malloc(size + 1);
  if (bytes != NULL && fread(bytes, 1, size, file) == size) {
    for (i = 0; i + length <= size && !found; ++i) found = memcmp(bytes + i, words, length) == 0;
  }
  free(bytes);
  fclose(file);
  return found;
}

int main(void) {
  char folder[512], path[600], estate[64];
  uint8_t key[FIELDSYNC_KEY_SIZE], other[FIELDSYNC_KEY_SIZE];
  char* record = NULL;
  fieldsync_db* db = NULL;
  fieldsync_db* second = NULL;
  int i;

  for (i = 0; i < FIELDSYNC_KEY_SIZE; ++i) {
    key[i] = (uint8_t)(i * 7 + 1);
    other[i] = (uint8_t)(i * 13 + 5);
  }
  if (make_temp_folder(folder, sizeof folder, "fieldsync-capi-encrypted") != 0) return 1;
  snprintf(path, sizeof path, "%s/ann.db", folder);

  CHECK_ERROR(fieldsync_db_create_encrypted(path, "K7Q2", "ann", key, 16, &db),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "32 bytes, not 16");
  CHECK(db == NULL);
  REQUIRE_OK(fieldsync_db_create_encrypted(path, "K7Q2", "ann", key, sizeof key, &db));
  REQUIRE_OK(fieldsync_create_record(db, "estates", "{\"name\":\"Wanjiru Gardens\"}", &record));
  json_text_member(record, "id", estate, sizeof estate);
  fieldsync_string_free(record);
  fieldsync_db_close(db);
  db = NULL;
  CHECK(!file_holds(path, "Wanjiru Gardens"));

  CHECK_ERROR(fieldsync_db_open(path, &db), FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_PERMISSION_DENIED,
              "is encrypted: give its key");
  CHECK(db == NULL);
  CHECK_ERROR(fieldsync_db_open_encrypted(path, other, sizeof other, &db),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_PERMISSION_DENIED, "the key does not open");
  CHECK(db == NULL);
  CHECK_ERROR(fieldsync_db_open_encrypted(path, NULL, sizeof key, &db), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "key");

  REQUIRE_OK(fieldsync_db_open_encrypted(path, key, sizeof key, &db));
  REQUIRE_OK(fieldsync_get_record(db, "estates", estate, &record));
  CHECK_CONTAINS(record, "Wanjiru Gardens");
  fieldsync_string_free(record);

  /* Rekeying needs the database closed everywhere. */
  CHECK_ERROR(fieldsync_db_rekey(path, key, sizeof key, other, sizeof other),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_FAILED_PRECONDITION, "close every connection");
  fieldsync_db_close(db);
  db = NULL;
  CHECK_OK(fieldsync_db_rekey(path, key, sizeof key, other, sizeof other));
  CHECK_ERROR(fieldsync_db_open_encrypted(path, key, sizeof key, &db), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_PERMISSION_DENIED, "the key does not open");
  REQUIRE_OK(fieldsync_db_open_encrypted(path, other, sizeof other, &second));
  REQUIRE_OK(fieldsync_get_record(second, "estates", estate, &record));
  CHECK_CONTAINS(record, "Wanjiru Gardens");
  fieldsync_string_free(record);
  fieldsync_db_close(second);

  remove_folder(folder);
  return check_summary("encrypted_test");
}
