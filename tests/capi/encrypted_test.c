/* An encrypted device database through the C API, from plain C: created and opened with
 * a 32-byte key, its file holds no record in clear; no key, a wrong key and a key of the
 * wrong size are refused with what to do; rekeying moves it to a new key, and is
 * refused while a handle has it open. A photo attached to it is sealed in its file and
 * read back in clear (fieldsync_attachment_read, fieldsync_attachment_export), after a
 * rekey too; a changed byte of its file is refused. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/test_files.h"

/* 1 when the file at `path` holds the `length` bytes at `words` anywhere. */
static int file_holds_bytes(const char* path, const char* words, size_t length) {
  FILE* file = fopen(path, "rb");
  size_t size = 0, i;
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

static int file_holds(const char* path, const char* words) {
  return file_holds_bytes(path, words, strlen(words));
}

/* The whole file at `path` in a malloc'd buffer (NULL when it cannot be read). */
static char* file_bytes(const char* path, size_t* size) {
  FILE* file = fopen(path, "rb");
  char* bytes = NULL;
  if (file == NULL) return NULL;
  fseek(file, 0, SEEK_END);
  *size = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  bytes = malloc(*size + 1);
  if (bytes != NULL && fread(bytes, 1, *size, file) != *size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(file);
  return bytes;
}

/* 1 when reading the attachment `sha` piece by piece gives exactly `expected`. */
static int reads_back(fieldsync_db* db, const char* sha, const char* expected, size_t size) {
  uint8_t piece[50000];
  size_t at = 0, got = 0;
  fieldsync_error error;
  do {
    error = fieldsync_attachment_read(db, sha, (int64_t)at, piece, sizeof piece, &got);
    if (error.code != FIELDSYNC_OK || at + got > size || memcmp(piece, expected + at, got) != 0) {
      return 0;
    }
    at += got;
  } while (got > 0);
  return at == size;
}

/* Flips one byte of the file at `path`, `offset` bytes in. */
static void flip_byte(const char* path, long offset) {
  FILE* file = fopen(path, "r+b");
  int byte;
  if (file == NULL) return;
  fseek(file, offset, SEEK_SET);
  byte = fgetc(file);
  fseek(file, offset, SEEK_SET);
  fputc(byte ^ 1, file);
  fclose(file);
}

int main(void) {
  char folder[512], path[600], estate[64], photo[600], blob[800], out[600], input[256];
  char finding[64], sha[80];
  char* photo_bytes = NULL;
  size_t photo_size = 0, got = 0;
  uint8_t piece[16];
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

  /* A photo: sealed in its file, no path to hand out, read back in clear. */
  snprintf(photo, sizeof photo, "%s/door.png", folder);
  snprintf(out, sizeof out, "%s/door-copy.png", folder);
  if (write_photo(photo, 200000, 3) != 0) return 1;
  photo_bytes = file_bytes(photo, &photo_size);
  if (photo_bytes == NULL) return 1;
  snprintf(input, sizeof input,
           "{\"estate\":\"%s\",\"category\":\"fire\",\"severity\":\"high\","
           "\"description\":\"Fire door wedged open\"}",
           estate);
  REQUIRE_OK(fieldsync_report_finding(db, input, &record));
  json_text_member(record, "id", finding, sizeof finding);
  fieldsync_string_free(record);
  REQUIRE_OK(fieldsync_attach_file(db, "findings", finding, photo, NULL, &record));
  json_text_member(record, "sha256", sha, sizeof sha);
  CHECK_CONTAINS(record, "\"path\":\"\"");
  CHECK_CONTAINS(record, "\"size\":200000");
  fieldsync_string_free(record);
  snprintf(blob, sizeof blob, "%s.blobs/%s", path, sha);
  CHECK(!file_holds_bytes(blob, photo_bytes + 100000, 64));
  CHECK(file_holds_bytes(photo, photo_bytes + 100000, 64));
  CHECK(reads_back(db, sha, photo_bytes, photo_size));
  CHECK_OK(fieldsync_attachment_read(db, sha, 199990, piece, sizeof piece, &got));
  CHECK(got == 10 && memcmp(piece, photo_bytes + 199990, 10) == 0);
  CHECK_OK(fieldsync_attachment_export(db, sha, out));
  CHECK(same_file_contents(photo, out));
  CHECK_ERROR(fieldsync_attachment_read(db, NULL, 0, piece, sizeof piece, &got),
              FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT, "sha256 is NULL");
  CHECK_ERROR(fieldsync_attachment_read(db, "not-a-hash", 0, piece, sizeof piece, &got),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "is not a SHA-256");
  CHECK_ERROR(fieldsync_attachment_export(db, sha, NULL), FIELDSYNC_DOMAIN_API,
              FIELDSYNC_INVALID_ARGUMENT, "out_path is NULL");

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
  /* The photo moved to the new key with the database. */
  CHECK(reads_back(second, sha, photo_bytes, photo_size));
  CHECK(!file_holds_bytes(blob, photo_bytes + 100000, 64));

  /* A changed byte of the sealed file gives nothing back. */
  flip_byte(blob, 16 + 65536 + 28 + 1000);
  CHECK_OK(fieldsync_attachment_read(second, sha, 0, piece, sizeof piece, &got));
  CHECK(got == sizeof piece);
  CHECK_ERROR(fieldsync_attachment_read(second, sha, 70000, piece, sizeof piece, &got),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_CORRUPTION, "fails its authentication check");
  CHECK(got == 0);
  remove(out);
  CHECK_ERROR(fieldsync_attachment_export(second, sha, out), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_CORRUPTION, "nothing was written");
  CHECK(file_bytes(out, &got) == NULL);
  fieldsync_db_close(second);
  free(photo_bytes);

  remove_folder(folder);
  return check_summary("encrypted_test");
}
