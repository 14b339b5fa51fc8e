#define _XOPEN_SOURCE 700

#include "test_files.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int make_temp_folder(char* path, size_t size, const char* name) {
  const char* base = getenv("TMPDIR");
  int written = snprintf(path, size, "%s/%s-XXXXXX", base && base[0] ? base : "/tmp", name);
  if (written <= 0 || (size_t)written >= size) return -1;
  return mkdtemp(path) == NULL ? -1 : 0;
}

static int remove_entry(const char* path, const struct stat* info, int type, struct FTW* where) {
  (void)info;
  (void)type;
  (void)where;
  remove(path);
  return 0;
}

void remove_folder(const char* path) {
  nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int write_photo(const char* path, size_t size, unsigned seed) {
  static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  unsigned state = seed * 2654435761u + 1;
  size_t i;
  FILE* file = fopen(path, "wb");
  if (file == NULL || size < 16) {
    if (file != NULL) fclose(file);
    return -1;
  }
  fwrite(png, 1, sizeof png, file);
  for (i = sizeof png; i < size; ++i) {
    state = state * 1103515245u + 12345u;
    fputc((int)((state >> 16) & 0xff), file);
  }
  return fclose(file) == 0 ? 0 : -1;
}

int same_file_contents(const char* a, const char* b) {
  FILE* fa = fopen(a, "rb");
  FILE* fb = fopen(b, "rb");
  int same = fa != NULL && fb != NULL;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = 0;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa != NULL) fclose(fa);
  if (fb != NULL) fclose(fb);
  return same;
}
