/* Files for the C tests: temporary folders, a generated photo, comparing files. POSIX,
 * plain C. */
#ifndef FIELDSYNC_TESTS_TEST_FILES_H
#define FIELDSYNC_TESTS_TEST_FILES_H

#include <stddef.h>

/* A new empty folder under $TMPDIR (or /tmp), written into `path`; 0 on success. */
int make_temp_folder(char* path, size_t size, const char* name);
/* Deletes a folder and everything in it. */
void remove_folder(const char* path);
/* Writes `size` bytes (at least 16) that start like a PNG photo, then bytes of every
 * value (NULs too) drawn from `seed`; 0 on success. */
int write_photo(const char* path, size_t size, unsigned seed);
/* 1 when both files hold the same bytes. */
int same_file_contents(const char* a, const char* b);

#endif /* FIELDSYNC_TESTS_TEST_FILES_H */
