/* A C app using the installed libfieldsync: creates a device database, writes and reads
 * a record. Takes the database path; exits 0 when all went as it should. */
#include <fieldsync/fieldsync.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  fieldsync_db* db = NULL;
  char* records = NULL;
  fieldsync_error e;
  if (argc != 2) return 2;
  if (fieldsync_abi_version() != FIELDSYNC_ABI_VERSION) {
    fprintf(stderr, "built for ABI %d, loaded %d\n", FIELDSYNC_ABI_VERSION,
            fieldsync_abi_version());
    return 1;
  }
  e = fieldsync_db_create(argv[1], "K7Q2", "ann", &db);
  if (e.code == FIELDSYNC_OK) {
    e = fieldsync_create_record(db, "estates", "{\"name\":\"Riverside\"}", NULL);
  }
  if (e.code == FIELDSYNC_OK) e = fieldsync_list_records(db, "estates", NULL, &records);
  if (e.code != FIELDSYNC_OK) {
    fprintf(stderr, "fieldsync: %s\n", fieldsync_error_message(&e));
    fieldsync_db_close(db);
    return 1;
  }
  printf("c consumer: fieldsync %s: %s\n", fieldsync_version(), records);
  e.code = strstr(records, "Riverside") != NULL ? FIELDSYNC_OK : FIELDSYNC_INTERNAL;
  fieldsync_string_free(records);
  fieldsync_db_close(db);
  return e.code == FIELDSYNC_OK ? 0 : 1;
}
