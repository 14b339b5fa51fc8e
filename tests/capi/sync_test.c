/* The C API end to end, from plain C: a collector's phone (ann) enrolls with the real
 * fieldsync-server over 127.0.0.1, keeping its token in the "keychain" (the host),
 * records a visit and a payment offline and syncs them through a host transport
 * written in C (support/socket_transport.c). A second phone (bob) enrolls with the
 * token kept in its database and pulls the payment, receipt number and all. Along the
 * way: a photo (uploaded with the sync, fetched on request by bob, prefetched by
 * carol), progress, status, cancellation, a wrong token, moving a token to the host, a
 * concurrent edit kept as a conflict and resolved, a sync on a background thread while
 * the app records, and a server that is gone (a network error, retryable). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/fieldsync.h"
#include "support/c_check.h"
#include "support/office_server.h"
#include "support/socket_transport.h"
#include "support/test_files.h"

typedef struct world {
  char folder[512];
  office_server office;
  socket_transport net;
  fieldsync_http_transport transport;
  /* Reference data and enrollment codes from the office. */
  char estate[64], building[64], unit[64], household[64];
  char ann_code[64], bob_code[64], carol_code[64], dora_code[64];
  /* What ann did. */
  char ann_token[128], device_code[32], visit_id[64], payment_id[64], receipt[64];
  char bob_token[128], photo[600], photo_sha[80];
} world;

/* What the progress callback saw. */
typedef struct progress_log {
  int saw_push, saw_pull, saw_upload;
  long long bytes_sent;
  long long max_to_push, last_pushed;
  fieldsync_replicator* cancel_on_push; /* cancels its own sync at the first push step */
} progress_log;

static void on_progress(void* context, const fieldsync_sync_progress* progress) {
  progress_log* log = context;
  if (strcmp(progress->phase, "push") == 0) {
    ++log->saw_push;
    if (progress->to_push > log->max_to_push) log->max_to_push = progress->to_push;
    log->last_pushed = progress->pushed;
    if (log->cancel_on_push != NULL) fieldsync_replicator_cancel(log->cancel_on_push);
  } else if (strcmp(progress->phase, "pull") == 0) {
    ++log->saw_pull;
  } else if (strcmp(progress->phase, "upload") == 0) {
    ++log->saw_upload;
    log->bytes_sent = progress->bytes_sent;
  }
}

static void set_up_office(world* w) {
  office_estate estate;
  CHECK(office_add_estate(&w->office, &estate) == 0);
  memcpy(w->estate, estate.estate, sizeof w->estate);
  memcpy(w->building, estate.building, sizeof w->building);
  memcpy(w->unit, estate.unit, sizeof w->unit);
  memcpy(w->household, estate.household, sizeof w->household);
  CHECK(office_add_collector(&w->office, "ann", w->building, w->ann_code, sizeof w->ann_code) == 0);
  CHECK(office_add_collector(&w->office, "bob", w->building, w->bob_code, sizeof w->bob_code) == 0);
  CHECK(office_add_collector(&w->office, "carol", w->building, w->carol_code,
                             sizeof w->carol_code) == 0);
  CHECK(office_add_collector(&w->office, "dora", w->building, w->dora_code, sizeof w->dora_code) ==
        0);
}

/* A replicator through the world's transport, quick to give up when retrying. */
static fieldsync_replicator* new_replicator(world* w, fieldsync_db* db, const char* token,
                                            int max_attempts) {
  fieldsync_replicator* replicator = NULL;
  fieldsync_replicator_options options;
  fieldsync_replicator_options_init(&options);
  options.device_token = token;
  options.max_attempts = max_attempts;
  options.backoff_initial_ms = 1;
  options.backoff_max_ms = 5;
  REQUIRE_OK(fieldsync_replicator_create(db, &w->transport, &options, &replicator));
  return replicator;
}

static fieldsync_db* enroll_ann(world* w) {
  char path[600];
  char* enrollment = NULL;
  fieldsync_db* ann = NULL;
  fieldsync_replicator* replicator = (fieldsync_replicator*)&path; /* must be set to NULL */
  snprintf(path, sizeof path, "%s/ann.db", w->folder);
  REQUIRE_OK(fieldsync_enroll(path, w->office.url, w->ann_code, &w->transport,
                              FIELDSYNC_TOKEN_IN_HOST, &ann, &enrollment));
  CHECK_CONTAINS(enrollment, "\"user\":\"ann\"");
  CHECK_CONTAINS(enrollment, "\"role\":\"collector\"");
  json_text_member(enrollment, "device_token", w->ann_token, sizeof w->ann_token);
  json_text_member(enrollment, "device_code", w->device_code, sizeof w->device_code);
  CHECK(strlen(w->ann_token) >= 16 && strlen(w->device_code) > 0);
  fieldsync_string_free(enrollment);

  /* The database does not hold the token: without it, no replicator. */
  CHECK_ERROR(fieldsync_replicator_create(ann, &w->transport, NULL, &replicator),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_FAILED_PRECONDITION, "device_token");
  CHECK(replicator == NULL);
  return ann;
}

static void record_visit_and_payment(world* w, fieldsync_db* ann) {
  char input[512];
  char* record = NULL;
  char* receipt = NULL;
  fieldsync_sync_status status;
  snprintf(input, sizeof input,
           "{\"household\":\"%s\",\"outcome\":\"promised\",\"promise_date\":\"2026-12-05\","
           "\"promise_amount\":12000,\"person_met\":\"Wang Li\","
           "\"location\":{\"lat\":31.23,\"lon\":121.47}}",
           w->household);
  REQUIRE_OK(fieldsync_record_fee_visit(ann, input, &record));
  json_text_member(record, "id", w->visit_id, sizeof w->visit_id);
  CHECK_CONTAINS(record, "\"collector\":\"ann\"");
  fieldsync_string_free(record);

  snprintf(input, sizeof input,
           "{\"household\":\"%s\",\"amount\":5000,\"method\":\"cash\",\"periods\":[\"2026-11\"]}",
           w->household);
  REQUIRE_OK(fieldsync_record_payment(ann, input, &record, &receipt));
  json_text_member(record, "id", w->payment_id, sizeof w->payment_id);
  CHECK(strncmp(receipt, w->device_code, strlen(w->device_code)) == 0);
  CHECK_CONTAINS(record, receipt);
  snprintf(w->receipt, sizeof w->receipt, "%s", receipt);
  fieldsync_string_free(record);
  fieldsync_string_free(receipt);

  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.enrolled == 1 && status.pending_changes == 2);
}

static void ann_works_and_syncs(world* w) {
  char* record = NULL;
  fieldsync_db* ann = enroll_ann(w);
  fieldsync_replicator* replicator = new_replicator(w, ann, w->ann_token, 0);
  fieldsync_sync_report report;
  fieldsync_sync_status status;
  progress_log log;

  /* The first sync brings what the office assigned, with the host's token. */
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pulled >= 3); /* building, unit, household */
  CHECK(strncmp(w->net.last_authorization, "Bearer ", 7) == 0);
  CHECK(strcmp(w->net.last_authorization + 7, w->ann_token) == 0);
  CHECK_OK(fieldsync_get_record(ann, "households", w->household, &record));
  CHECK_CONTAINS(record, "Wang Li");
  fieldsync_string_free(record);

  record_visit_and_payment(w, ann);
  /* A photo of the notice left at the door: its record syncs with the others, its
   * bytes (binary, through the C transport) after them. */
  snprintf(w->photo, sizeof w->photo, "%s/notice.png", w->folder);
  CHECK(write_photo(w->photo, 300000, 11) == 0);
  REQUIRE_OK(fieldsync_attach_file(ann, "fee_visits", w->visit_id, w->photo, NULL, &record));
  json_text_member(record, "sha256", w->photo_sha, sizeof w->photo_sha);
  fieldsync_string_free(record);

  memset(&log, 0, sizeof log);
  REQUIRE_OK(fieldsync_replicator_sync(replicator, on_progress, &log, &report));
  CHECK(report.pushed == 3 && report.applied == 3 && report.rejected == 0);
  CHECK(report.blobs_uploaded == 1 && report.blob_bytes_sent == 300000 &&
        report.blobs_waiting == 0);
  CHECK(log.saw_push >= 2 && log.max_to_push == 3 && log.last_pushed == 3 && log.saw_pull >= 1);
  CHECK(log.saw_upload >= 1 && log.bytes_sent == 300000);
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 0 && status.parked_changes == 0 && status.last_success_ms > 0);
  CHECK(status.upload_blobs == 0 && status.upload_bytes == 0);

  /* Cancelled before its first request: the note stays pending; the next sync sends it. */
  CHECK_OK(fieldsync_update_record(ann, "households", w->household,
                                   "{\"notes\":\"dog in the yard\"}", NULL));
  memset(&log, 0, sizeof log);
  log.cancel_on_push = replicator;
  CHECK_ERROR(fieldsync_replicator_sync(replicator, on_progress, &log, &report),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_CANCELLED, "cancelled");
  CHECK(report.pushed == 0);
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 1);
  CHECK_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.pushed == 1);
  fieldsync_replicator_close(replicator);

  /* A token the server does not know: refused, not retryable, nothing lost. */
  CHECK_OK(fieldsync_update_record(ann, "households", w->household,
                                   "{\"notes\":\"dog in the yard, friendly\"}", NULL));
  replicator = new_replicator(w, ann, "0000000000000000000000000000000000000000", 0);
  CHECK_ERROR(fieldsync_replicator_sync(replicator, NULL, NULL, &report),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_PERMISSION_DENIED, "");
  CHECK(w->net.last_status == 401);
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 1);
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(ann);
}

/* Bob: token in the database; he pulls ann's payment, then moves his token to the host. */
static void bob_pulls_the_payment(world* w) {
  char path[600], query[256];
  char* enrollment = NULL;
  char* records = NULL;
  char* token = NULL;
  fieldsync_db* bob = NULL;
  fieldsync_replicator* replicator = NULL;
  fieldsync_sync_report report;

  snprintf(path, sizeof path, "%s/bob.db", w->folder);
  REQUIRE_OK(fieldsync_enroll(path, w->office.url, w->bob_code, &w->transport,
                              FIELDSYNC_TOKEN_IN_DATABASE, &bob, &enrollment));
  CHECK(strstr(enrollment, "device_token") == NULL);
  fieldsync_string_free(enrollment);
  REQUIRE_OK(fieldsync_replicator_create(bob, &w->transport, NULL, &replicator));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  fieldsync_replicator_close(replicator);

  snprintf(query, sizeof query, "{\"where\":{\"household\":\"%s\"}}", w->household);
  CHECK_OK(fieldsync_list_records(bob, "payments", query, &records));
  CHECK_CONTAINS(records, w->payment_id);
  CHECK_CONTAINS(records, w->receipt);
  CHECK_CONTAINS(records, "\"amount\":5000");
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_records(bob, "fee_visits", NULL, &records));
  CHECK_CONTAINS(records, w->visit_id);
  CHECK_CONTAINS(records, "\"promise_amount\":12000");
  fieldsync_string_free(records);

  /* Ann's photo: its record came with the sync, its bytes come on request. */
  CHECK_OK(fieldsync_list_attachments(bob, "fee_visits", w->visit_id, &records));
  CHECK_CONTAINS(records, w->photo_sha);
  CHECK_CONTAINS(records, "\"state\":\"remote\"");
  CHECK_CONTAINS(records, "\"local\":false");
  fieldsync_string_free(records);
  REQUIRE_OK(fieldsync_replicator_create(bob, &w->transport, NULL, &replicator));
  CHECK_ERROR(fieldsync_replicator_fetch_attachment(replicator, "not-a-hash", NULL, NULL, &token),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_INVALID_ARGUMENT, "SHA-256");
  REQUIRE_OK(fieldsync_replicator_fetch_attachment(replicator, w->photo_sha, NULL, NULL, &token));
  CHECK(same_file_contents(w->photo, token));
  CHECK(strcmp(w->net.last_path, "/v1/push") != 0);
  fieldsync_string_free(token);
  fieldsync_replicator_close(replicator);
  CHECK_OK(fieldsync_list_attachments(bob, "fee_visits", w->visit_id, &records));
  CHECK_CONTAINS(records, "\"local\":true");
  fieldsync_string_free(records);

  /* The token leaves the database for the keychain; syncing then needs it. */
  REQUIRE_OK(fieldsync_take_device_token(bob, &token));
  CHECK(strlen(token) >= 16);
  CHECK_ERROR(fieldsync_take_device_token(bob, &records), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_FAILED_PRECONDITION, "keeps the token");
  CHECK_ERROR(fieldsync_replicator_create(bob, &w->transport, NULL, &replicator),
              FIELDSYNC_DOMAIN_FIELDSYNC, FIELDSYNC_FAILED_PRECONDITION, "device_token");
  replicator = new_replicator(w, bob, token, 0);
  CHECK_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  fieldsync_replicator_close(replicator);
  snprintf(w->bob_token, sizeof w->bob_token, "%s", token);
  fieldsync_string_free(token);
  fieldsync_db_close(bob);
}

static fieldsync_db* open_phone(world* w, const char* name) {
  char path[600];
  fieldsync_db* db = NULL;
  snprintf(path, sizeof path, "%s/%s.db", w->folder, name);
  REQUIRE_OK(fieldsync_db_open(path, &db));
  return db;
}

/* One sync of `db` with `token`, which must succeed; its report. */
static fieldsync_sync_report synced(world* w, fieldsync_db* db, const char* token) {
  fieldsync_sync_report report;
  fieldsync_replicator* replicator = new_replicator(w, db, token, 0);
  memset(&report, 0, sizeof report);
  CHECK_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  fieldsync_replicator_close(replicator);
  return report;
}

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

/* Dora's phone keeps its database encrypted: enrolled under a key, it syncs through a
 * replicator (whose own connection opens with the same key), and the file holds
 * neither the household's owner nor the token in clear. */
static void dora_enrolls_encrypted(world* w) {
  char path[600];
  uint8_t key[FIELDSYNC_KEY_SIZE];
  char* households = NULL;
  fieldsync_db* dora = NULL;
  fieldsync_sync_report report;
  int i;
  for (i = 0; i < FIELDSYNC_KEY_SIZE; ++i) key[i] = (uint8_t)(0xA5 ^ (i * 31));
  snprintf(path, sizeof path, "%s/dora.db", w->folder);
  REQUIRE_OK(fieldsync_enroll_encrypted(path, key, sizeof key, w->office.url, w->dora_code,
                                        &w->transport, FIELDSYNC_TOKEN_IN_DATABASE, &dora, NULL));
  report = synced(w, dora, NULL);
  CHECK(report.pulled > 0);
  REQUIRE_OK(fieldsync_list_records(dora, "households", NULL, &households));
  CHECK_CONTAINS(households, "Wang Li");
  fieldsync_string_free(households);
  fieldsync_db_close(dora);
  CHECK(!file_holds(path, "Wang Li"));
  CHECK_ERROR(fieldsync_db_open(path, &dora), FIELDSYNC_DOMAIN_FIELDSYNC,
              FIELDSYNC_PERMISSION_DENIED, "is encrypted");
}

/* Carol asks for attachments to be prefetched: her first sync brings ann's photo. */
static void carol_prefetches(world* w) {
  char path[600], local[600];
  char* attachments = NULL;
  fieldsync_db* carol = NULL;
  fieldsync_replicator* replicator = NULL;
  fieldsync_replicator_options options;
  fieldsync_sync_report report;
  snprintf(path, sizeof path, "%s/carol.db", w->folder);
  REQUIRE_OK(fieldsync_enroll(path, w->office.url, w->carol_code, &w->transport,
                              FIELDSYNC_TOKEN_IN_DATABASE, &carol, NULL));
  fieldsync_replicator_options_init(&options);
  options.prefetch_attachments = 1;
  REQUIRE_OK(fieldsync_replicator_create(carol, &w->transport, &options, &replicator));
  REQUIRE_OK(fieldsync_replicator_sync(replicator, NULL, NULL, &report));
  CHECK(report.blobs_downloaded == 1);
  CHECK_OK(fieldsync_list_attachments(carol, "fee_visits", w->visit_id, &attachments));
  CHECK_CONTAINS(attachments, "\"local\":true");
  json_text_member(attachments, "path", local, sizeof local);
  CHECK(same_file_contents(w->photo, local));
  fieldsync_string_free(attachments);
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(carol);
}

/* Ann's older edit of the household's notes (still pending since the wrong token)
 * meets bob's newer one: bob's wins, ann's is kept as a conflict, which ann resolves
 * by putting her value back. */
static void concurrent_edit(world* w) {
  char conflict[64];
  char* records = NULL;
  fieldsync_db* bob = open_phone(w, "bob");
  fieldsync_db* ann = open_phone(w, "ann");
  fieldsync_sync_report report;
  CHECK_OK(
      fieldsync_update_record(bob, "households", w->household, "{\"notes\":\"ring twice\"}", NULL));
  report = synced(w, bob, w->bob_token);
  CHECK(report.pushed == 1 && report.applied == 1);

  report = synced(w, ann, w->ann_token);
  CHECK(report.pushed == 1 && report.conflicts == 1);
  CHECK_OK(fieldsync_get_record(ann, "households", w->household, &records));
  CHECK_CONTAINS(records, "\"notes\":\"ring twice\"");
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_conflicts(ann, 0, &records));
  CHECK(count_of(records, "\"collection\":\"conflicts\"") == 1);
  CHECK_CONTAINS(records, "\"field\":\"notes\"");
  json_text_member(records, "id", conflict, sizeof conflict);
  fieldsync_string_free(records);

  CHECK_ERROR(fieldsync_resolve_conflict(ann, conflict, FIELDSYNC_NEW_VALUE, NULL, NULL),
              FIELDSYNC_DOMAIN_API, FIELDSYNC_INVALID_ARGUMENT, "new_value_json");
  CHECK_OK(fieldsync_resolve_conflict(ann, conflict, FIELDSYNC_KEEP_LOSER, NULL, &records));
  CHECK_CONTAINS(records, "\"status\":\"resolved\"");
  CHECK_CONTAINS(records, "\"resolution\":\"kept_loser\"");
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_get_record(ann, "households", w->household, &records));
  CHECK_CONTAINS(records, "\"notes\":\"dog in the yard, friendly\"");
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_conflicts(ann, 0, &records));
  CHECK(strcmp(records, "[]") == 0);
  fieldsync_string_free(records);
  CHECK_OK(fieldsync_list_conflicts(ann, 1, &records));
  CHECK_CONTAINS(records, conflict);
  fieldsync_string_free(records);

  /* The resolution syncs like any edit, and bob gets ann's value back. */
  report = synced(w, ann, w->ann_token);
  CHECK(report.pushed >= 2 && report.conflicts == 0 && report.rejected == 0);
  synced(w, bob, w->bob_token);
  CHECK_OK(fieldsync_get_record(bob, "households", w->household, &records));
  CHECK_CONTAINS(records, "\"notes\":\"dog in the yard, friendly\"");
  fieldsync_string_free(records);

  fieldsync_db_close(ann);
  fieldsync_db_close(bob);
}

/* A sync on a background thread while the app keeps recording through its
 * fieldsync_db: the sync's first progress step waits until the app has recorded more
 * visits and tried a second sync on the same replicator (refused at once), so the
 * overlap is certain, not left to timing. Nothing is lost. */
typedef struct background_sync {
  fieldsync_replicator* replicator;
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  int sync_started, app_done;
  fieldsync_error result;
  fieldsync_sync_report report;
} background_sync;

static void hold_first_step(void* context, const fieldsync_sync_progress* progress) {
  background_sync* job = context;
  (void)progress;
  pthread_mutex_lock(&job->mutex);
  job->sync_started = 1;
  pthread_cond_broadcast(&job->changed);
  while (!job->app_done) pthread_cond_wait(&job->changed, &job->mutex);
  pthread_mutex_unlock(&job->mutex);
}

static void* run_sync(void* context) {
  background_sync* job = context;
  job->result = fieldsync_replicator_sync(job->replicator, hold_first_step, job, &job->report);
  return NULL;
}

static void record_visits(world* w, fieldsync_db* db, int count) {
  char input[256];
  int i;
  for (i = 0; i < count; ++i) {
    snprintf(input, sizeof input, "{\"household\":\"%s\",\"outcome\":\"not_home\"}", w->household);
    CHECK_OK(fieldsync_record_fee_visit(db, input, NULL));
  }
}

static void sync_while_recording(world* w) {
  fieldsync_db* ann = open_phone(w, "ann");
  fieldsync_db* bob = open_phone(w, "bob");
  fieldsync_sync_status status;
  background_sync job;
  pthread_t thread;
  fieldsync_error second;
  char* records = NULL;
  memset(&job, 0, sizeof job);
  pthread_mutex_init(&job.mutex, NULL);
  pthread_cond_init(&job.changed, NULL);
  job.replicator = new_replicator(w, ann, w->ann_token, 0);
  record_visits(w, ann, 30);
  if (pthread_create(&thread, NULL, run_sync, &job) != 0) {
    CHECK(!"pthread_create failed");
    return;
  }
  pthread_mutex_lock(&job.mutex);
  while (!job.sync_started) pthread_cond_wait(&job.changed, &job.mutex);
  pthread_mutex_unlock(&job.mutex);

  record_visits(w, ann, 30); /* the sync is under way on its own connection */
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 60);
  second = fieldsync_replicator_sync(job.replicator, NULL, NULL, NULL);
  CHECK(second.code == FIELDSYNC_FAILED_PRECONDITION && second.retryable == 1);
  CHECK_CONTAINS(second.message, "already running");

  pthread_mutex_lock(&job.mutex);
  job.app_done = 1;
  pthread_cond_broadcast(&job.changed);
  pthread_mutex_unlock(&job.mutex);
  pthread_join(thread, NULL);
  CHECK_OK(job.result);
  CHECK(job.report.pushed >= 30);
  CHECK_OK(fieldsync_replicator_sync(job.replicator, NULL, NULL, NULL));
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 0);
  fieldsync_replicator_close(job.replicator);
  pthread_cond_destroy(&job.changed);
  pthread_mutex_destroy(&job.mutex);

  synced(w, bob, w->bob_token);
  CHECK_OK(fieldsync_list_records(bob, "fee_visits", NULL, &records));
  CHECK(count_of(records, "\"outcome\":\"not_home\"") == 60);
  fieldsync_string_free(records);
  fieldsync_db_close(ann);
  fieldsync_db_close(bob);
}

/* With the server gone, a sync fails in the network domain, retryable, after the
 * attempts asked for; the pending change waits for the next sync. */
static void server_gone(world* w) {
  fieldsync_db* ann = open_phone(w, "ann");
  CHECK_OK(
      fieldsync_update_record(ann, "households", w->household, "{\"notes\":\"moved out?\"}", NULL));
  fieldsync_replicator* replicator = NULL;
  fieldsync_sync_report report;
  fieldsync_sync_status status;
  int requests_before;
  replicator = new_replicator(w, ann, w->ann_token, 3);
  requests_before = w->net.requests;
  CHECK_ERROR(fieldsync_replicator_sync(replicator, NULL, NULL, &report), FIELDSYNC_DOMAIN_NETWORK,
              FIELDSYNC_UNAVAILABLE, "no answer from http://127.0.0.1");
  CHECK(w->net.requests - requests_before == 3);
  CHECK_OK(fieldsync_sync_status_read(ann, &status));
  CHECK(status.pending_changes == 1);
  {
    fieldsync_error e = fieldsync_replicator_sync(replicator, NULL, NULL, NULL);
    CHECK(e.retryable == 1);
  }
  fieldsync_replicator_close(replicator);
  fieldsync_db_close(ann);
}

/* A failed REQUIRE_OK exits: the server must not outlive the test. */
static office_server* running_office = NULL;
static void stop_running_office(void) {
  if (running_office != NULL && running_office->pid != 0) office_stop(running_office);
}

int main(void) {
  static world w;
  char server_db[600];
  atexit(stop_running_office);
  if (make_temp_folder(w.folder, sizeof w.folder, "fieldsync-capi-sync") != 0) {
    fprintf(stderr, "cannot make a temporary folder\n");
    return 1;
  }
  snprintf(server_db, sizeof server_db, "%s/server.db", w.folder);
  office_init(&w.office, FIELDSYNC_SERVER_PATH, server_db);
  socket_transport_init(&w.net);
  w.transport = socket_transport_for(&w.net);

  set_up_office(&w);
  if (office_start(&w.office) != 0) return 1;
  running_office = &w.office;
  ann_works_and_syncs(&w);
  bob_pulls_the_payment(&w);
  carol_prefetches(&w);
  dora_enrolls_encrypted(&w);
  concurrent_edit(&w);
  sync_while_recording(&w);
  CHECK(office_stop(&w.office) == 0);
  server_gone(&w);

  remove_folder(w.folder);
  return check_summary("fieldsync_capi_sync_test");
}
