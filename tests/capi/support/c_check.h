/* Checks for the C tests of the C API: each failed check prints where and why and is
 * counted; a test's main() returns check_summary(). REQUIRE_OK stops the test (a later
 * step would only fail for the same reason). Plain C99. */
#ifndef FIELDSYNC_TESTS_C_CHECK_H
#define FIELDSYNC_TESTS_C_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"

static int check_failures = 0;

#define CHECK(condition)                                                            \
  do {                                                                              \
    if (!(condition)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      ++check_failures;                                                             \
    }                                                                               \
  } while (0)

#define CHECK_OK(call) check_ok_at((call), #call, __FILE__, __LINE__, 0)
#define REQUIRE_OK(call) check_ok_at((call), #call, __FILE__, __LINE__, 1)
/* The call fails with `domain` and `code`, and its message contains `words`. */
#define CHECK_ERROR(call, domain, code, words) \
  check_error_at((call), #call, (domain), (code), (words), __FILE__, __LINE__)
#define CHECK_CONTAINS(text, words) check_contains_at((text), (words), __FILE__, __LINE__)

static inline void check_ok_at(fieldsync_error error, const char* call, const char* file, int line,
                               int required) {
  if (error.code == FIELDSYNC_OK) return;
  fprintf(stderr, "%s:%d: %s failed: domain %d, code %d: %s\n", file, line, call, (int)error.domain,
          (int)error.code, error.message);
  ++check_failures;
  if (required) {
    fprintf(stderr, "%d check(s) failed; stopping\n", check_failures);
    exit(1);
  }
}

static inline void check_error_at(fieldsync_error error, const char* call, int domain, int code,
                                  const char* words, const char* file, int line) {
  if (error.domain == domain && error.code == code && strstr(error.message, words) != NULL &&
      strlen(error.message) < FIELDSYNC_ERROR_MESSAGE_SIZE) {
    return;
  }
  fprintf(stderr, "%s:%d: %s: wanted domain %d, code %d, a message with '%s'; got %d, %d: %s\n",
          file, line, call, domain, code, words, (int)error.domain, (int)error.code, error.message);
  ++check_failures;
}

static inline void check_contains_at(const char* text, const char* words, const char* file,
                                     int line) {
  if (text != NULL && strstr(text, words) != NULL) return;
  fprintf(stderr, "%s:%d: '%s' not found in: %s\n", file, line, words,
          text == NULL ? "(NULL)" : text);
  ++check_failures;
}

static inline int check_summary(const char* test) {
  if (check_failures == 0) {
    printf("%s: all checks passed\n", test);
    return 0;
  }
  fprintf(stderr, "%s: %d check(s) failed\n", test, check_failures);
  return 1;
}

/* Copies the string member `key` of the compact JSON `json` (as the C API writes it)
 * into `out`; "" when there is none. Enough for ids, codes and tokens. */
static inline void json_text_member(const char* json, const char* key, char* out, size_t size) {
  char pattern[128];
  const char* start;
  size_t n = 0;
  out[0] = '\0';
  if (json == NULL) return;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  start = strstr(json, pattern);
  if (start == NULL) return;
  start += strlen(pattern);
  while (start[n] != '\0' && start[n] != '"' && n + 1 < size) {
    out[n] = start[n];
    ++n;
  }
  out[n] = '\0';
}

/* How many times `words` occur in `text`. */
static inline int count_of(const char* text, const char* words) {
  int count = 0;
  const char* at = text;
  while (at != NULL && (at = strstr(at, words)) != NULL) {
    ++count;
    at += strlen(words);
  }
  return count;
}

#endif /* FIELDSYNC_TESTS_C_CHECK_H */
