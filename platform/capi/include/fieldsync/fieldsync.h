/* The C API of fieldsync, for phone apps (Swift imports it through a module map or a
 * bridging header; Kotlin reaches it through JNI) and any host that speaks C.
 *
 * It is a thin layer over the C++ API (DeviceStore, FieldWork, Replicator): records go
 * in and come out as JSON text with the field names of the schema (money in minor
 * units, times in Unix milliseconds), and the network is the host's own HTTP stack,
 * plugged in as a struct of function pointers (fieldsync_http_transport).
 *
 * Errors. Every function that can fail returns a fieldsync_error by value; code 0
 * (FIELDSYNC_OK) means success. No C++ exception ever crosses this API: each function
 * catches everything and reports it as an error. On failure every out parameter is
 * set to NULL (or zero) when the caller passed one, and a call that writes a record
 * wrote nothing (a sync keeps the steps it completed, so the next one resumes).
 *
 * Memory. Every `char**` out parameter receives a NUL-terminated UTF-8 string that the
 * caller owns and frees with fieldsync_string_free(); any of them may be NULL when the
 * result is not wanted. Every handle returned through a `**` out parameter is owned by
 * the caller and released with its close function. Input strings are borrowed for the
 * duration of the call only. fieldsync_error owns nothing (its message is inline).
 *
 * Threads. A fieldsync_db may be used from any thread; calls on one handle are
 * serialised by a lock inside it (they wait for each other). A fieldsync_replicator
 * has its own connection to the database, so a sync running on a background thread
 * does not block reads and writes through the fieldsync_db; one sync at a time runs
 * per replicator. Closing a handle must not race with another call on it. Each
 * function below states anything more.
 *
 * ABI. FIELDSYNC_ABI_VERSION is the shared library's SOVERSION; it changes whenever a
 * signature or a struct layout changes. Compare it with fieldsync_abi_version() at run
 * time when the library is loaded dynamically. */
#ifndef FIELDSYNC_FIELDSYNC_H
#define FIELDSYNC_FIELDSYNC_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(FIELDSYNC_C_BUILDING)
#define FIELDSYNC_C_API __declspec(dllexport)
#else
#define FIELDSYNC_C_API __declspec(dllimport)
#endif
#else
#define FIELDSYNC_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------- */

#define FIELDSYNC_ABI_VERSION 1

/* The library's version, "MAJOR.MINOR.PATCH". A static string: do not free it.
 * Thread-safe. */
FIELDSYNC_C_API const char* fieldsync_version(void);
/* The ABI version the library was built with (FIELDSYNC_ABI_VERSION of its header).
 * Thread-safe. */
FIELDSYNC_C_API int fieldsync_abi_version(void);

/* ---- Errors -------------------------------------------------------------------- */

/* Who reported the error. */
typedef enum fieldsync_error_domain {
  FIELDSYNC_DOMAIN_NONE = 0,      /* no error */
  FIELDSYNC_DOMAIN_API = 1,       /* the call itself was wrong: a NULL handle or argument */
  FIELDSYNC_DOMAIN_FIELDSYNC = 2, /* the engine or the server refused or failed */
  FIELDSYNC_DOMAIN_NETWORK = 3    /* the host's transport got no answer from the server */
} fieldsync_error_domain;

/* What went wrong; the same codes in every domain. */
typedef enum fieldsync_code {
  FIELDSYNC_OK = 0,
  FIELDSYNC_INVALID_ARGUMENT = 1,    /* the input is wrong; fix it and try again */
  FIELDSYNC_NOT_FOUND = 2,           /* the thing named does not exist */
  FIELDSYNC_ALREADY_EXISTS = 3,      /* creating something that is already there */
  FIELDSYNC_FAILED_PRECONDITION = 4, /* not allowed in the present state */
  FIELDSYNC_CORRUPTION = 5,          /* stored data is damaged or is not fieldsync's */
  FIELDSYNC_IO_ERROR = 6,            /* the file system or database refused */
  FIELDSYNC_UNAVAILABLE = 7,         /* the server could not be reached; retry later */
  FIELDSYNC_PERMISSION_DENIED = 8,   /* the device may not do this (token revoked, its role) */
  FIELDSYNC_INTERNAL = 9,            /* a bug in fieldsync; please report it */
  FIELDSYNC_CANCELLED = 10           /* fieldsync_replicator_cancel() stopped the sync */
} fieldsync_code;

#define FIELDSYNC_ERROR_MESSAGE_SIZE 1024

typedef struct fieldsync_error {
  int32_t domain;    /* a fieldsync_error_domain */
  int32_t code;      /* a fieldsync_code; FIELDSYNC_OK on success */
  int32_t retryable; /* 1 when the same call may succeed later unchanged (network) */
  /* A sentence a person can act on, UTF-8, NUL-terminated, cut to fit; "" on success. */
  char message[FIELDSYNC_ERROR_MESSAGE_SIZE];
} fieldsync_error;

/* The error's message (a pointer into `error`, valid while it is). For Swift, which
 * imports the fixed array as a tuple. Thread-safe. */
FIELDSYNC_C_API const char* fieldsync_error_message(const fieldsync_error* error);

/* Frees a string this API returned; NULL is ignored. Thread-safe. */
FIELDSYNC_C_API void fieldsync_string_free(char* string);

/* ---- The device database ------------------------------------------------------- */

typedef struct fieldsync_db fieldsync_db;

/* Opens an existing device database, migrating it to the current layout. A missing,
 * foreign or damaged file is refused and left untouched. */
FIELDSYNC_C_API fieldsync_error fieldsync_db_open(const char* path, fieldsync_db** out_db);
/* Creates a new device database for `user`, with `device_code` starting its receipt
 * numbers (enrollment replaces the code with the server's). Refused when the file
 * exists. Usually fieldsync_enroll() creates the database instead. */
FIELDSYNC_C_API fieldsync_error fieldsync_db_create(const char* path, const char* device_code,
                                                    const char* user, fieldsync_db** out_db);
/* The same with the database encrypted at rest (docs/security.md, "The lost phone"):
 * `key` is FIELDSYNC_KEY_SIZE random bytes the app keeps in the platform's keychain
 * (Keychain, Android Keystore). Every page of the database and its WAL is sealed with
 * AES-256-GCM under it. A wrong key and an encrypted database opened without its key
 * (fieldsync_db_open) are FIELDSYNC_PERMISSION_DENIED, a plain database given a key
 * FIELDSYNC_FAILED_PRECONDITION, a changed page FIELDSYNC_CORRUPTION naming the page. */
#define FIELDSYNC_KEY_SIZE 32
FIELDSYNC_C_API fieldsync_error fieldsync_db_open_encrypted(const char* path, const uint8_t* key,
                                                            size_t key_size, fieldsync_db** out_db);
FIELDSYNC_C_API fieldsync_error fieldsync_db_create_encrypted(const char* path,
                                                              const char* device_code,
                                                              const char* user, const uint8_t* key,
                                                              size_t key_size,
                                                              fieldsync_db** out_db);
/* Re-encrypts the closed database at `path` from `key` to `new_key`, and its
 * attachments' files with it: a crash leaves it whole under one key or the other (try
 * both), and every attachment readable with the key that opens it (the next open
 * finishes moving them). Needs room for a second copy of the attachments while it runs.
 * FIELDSYNC_FAILED_PRECONDITION while any handle, in this process or another, has it
 * open; FIELDSYNC_CORRUPTION, changing nothing, when an attachment's file fails its
 * check. */
FIELDSYNC_C_API fieldsync_error fieldsync_db_rekey(const char* path, const uint8_t* key,
                                                   size_t key_size, const uint8_t* new_key,
                                                   size_t new_key_size);
/* Closes the database; NULL is ignored. No other call on `db` may be running. */
FIELDSYNC_C_API void fieldsync_db_close(fieldsync_db* db);
/* {"path": ..., "user": ..., "device_code": ...}. */
FIELDSYNC_C_API fieldsync_error fieldsync_db_identity(fieldsync_db* db, char** out_json);

/* ---- Field work -----------------------------------------------------------------
 * Each call writes one record in one transaction: when it returns FIELDSYNC_OK the
 * record survives an app kill; otherwise nothing was written. The input is a JSON
 * object whose keys are the collection's field names (see docs/embedding.md); unknown
 * keys are refused. Left out, the event's time defaults to now and some fields to the
 * declaration's default (channel, method, ...). The author fields (collector,
 * voided_by, patroller, reported_by, author, visited_by) are filled in with the
 * device's user and are not the caller's to give: once the device is enrolled, one
 * naming anyone else is refused with FIELDSYNC_PERMISSION_DENIED, as is any write its
 * role may not make. The record written is returned as
 * {"id", "collection", "bucket", "fields": {...}}. */

/* fee_visits: household, outcome required; channel (default door), person_met,
 * promise_date, promise_amount, work_order, complaint, note, location, visited_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_record_fee_visit(fieldsync_db* db, const char* visit_json,
                                                           char** out_record_json);
/* payments: household, amount required; method (default cash), charges, periods, note,
 * paid_at. `out_receipt_number` receives the receipt number made on the device. */
FIELDSYNC_C_API fieldsync_error fieldsync_record_payment(fieldsync_db* db, const char* payment_json,
                                                         char** out_record_json,
                                                         char** out_receipt_number);
/* payment_voids: voids `payment_id` (once only) with a reason. */
FIELDSYNC_C_API fieldsync_error fieldsync_void_payment(fieldsync_db* db, const char* payment_id,
                                                       const char* reason, char** out_record_json);
/* checkins: route, checkpoint required (the checkpoint on the route); method (default
 * qr), condition (default normal), note, location, checked_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_check_in(fieldsync_db* db, const char* check_in_json,
                                                   char** out_record_json);
/* findings: estate, category, severity, description required; building, location_text,
 * location, deadline, assignee, reported_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_report_finding(fieldsync_db* db, const char* finding_json,
                                                         char** out_record_json);
/* work_orders: household or building (with area), category, description; channel
 * (default phone), priority (default normal), assignee, reported_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_open_work_order(fieldsync_db* db,
                                                          const char* work_order_json,
                                                          char** out_record_json);
/* work_order_notes: appends `text` to the work order `work_order_id`. */
FIELDSYNC_C_API fieldsync_error fieldsync_add_work_order_note(fieldsync_db* db,
                                                              const char* work_order_id,
                                                              const char* text,
                                                              char** out_record_json);
/* return_visits: work_order or complaint, satisfaction (1 to 5) required; comment,
 * visited_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_record_return_visit(fieldsync_db* db,
                                                              const char* visit_json,
                                                              char** out_record_json);
/* complaints: household or building, description required; type (default complaint),
 * assignee, received_at. */
FIELDSYNC_C_API fieldsync_error fieldsync_log_complaint(fieldsync_db* db,
                                                        const char* complaint_json,
                                                        char** out_record_json);

/* ---- Any record -----------------------------------------------------------------
 * The same rules as the command line's add, edit, advance and reopen: values exactly
 * as stored (money in minor units, times in Unix milliseconds). */

/* Creates a record of `collection` with a new id from the `fields_json` object. */
FIELDSYNC_C_API fieldsync_error fieldsync_create_record(fieldsync_db* db, const char* collection,
                                                        const char* fields_json,
                                                        char** out_record_json);
/* Edits last-writer-wins fields of a record; a JSON null clears a field. */
FIELDSYNC_C_API fieldsync_error fieldsync_update_record(fieldsync_db* db, const char* collection,
                                                        const char* record_id,
                                                        const char* changed_json,
                                                        char** out_record_json);
/* Moves the record's status forward to `stage`; backwards is refused (reopen). */
FIELDSYNC_C_API fieldsync_error fieldsync_advance_status(fieldsync_db* db, const char* collection,
                                                         const char* record_id, const char* stage,
                                                         char** out_record_json);
/* Sends the record's status back to its first stage, starting a new cycle. */
FIELDSYNC_C_API fieldsync_error fieldsync_reopen_record(fieldsync_db* db, const char* collection,
                                                        const char* record_id,
                                                        char** out_record_json);

/* ---- Reading ------------------------------------------------------------------- */

/* One record, as {"id", "collection", "bucket", "fields"}; FIELDSYNC_NOT_FOUND when the
 * device does not hold it. */
FIELDSYNC_C_API fieldsync_error fieldsync_get_record(fieldsync_db* db, const char* collection,
                                                     const char* record_id, char** out_record_json);
/* A JSON array of the records of `collection`. `query_json` may be NULL (every record)
 * or {"where": {"field": value, ...}, "limit": N}: records whose fields equal every
 * value given, at most N. */
FIELDSYNC_C_API fieldsync_error fieldsync_list_records(fieldsync_db* db, const char* collection,
                                                       const char* query_json,
                                                       char** out_records_json);

/* ---- Conflicts and refused changes ---------------------------------------------- */

typedef enum fieldsync_conflict_choice {
  FIELDSYNC_KEEP_WINNER = 0, /* keep the value that won */
  FIELDSYNC_KEEP_LOSER = 1,  /* put back the value that lost */
  FIELDSYNC_NEW_VALUE = 2    /* write a new value (new_value_json) */
} fieldsync_conflict_choice;

/* A JSON array of conflict records (concurrent edits that lost): only the open ones
 * unless `include_resolved` is non-zero. */
FIELDSYNC_C_API fieldsync_error fieldsync_list_conflicts(fieldsync_db* db, int include_resolved,
                                                         char** out_conflicts_json);
/* Settles a conflict: writes the chosen value to the record (an ordinary edit, which
 * syncs) and marks the conflict resolved, in one transaction. `new_value_json` is a
 * JSON value, given with FIELDSYNC_NEW_VALUE only. Returns the resolved conflict. */
FIELDSYNC_C_API fieldsync_error fieldsync_resolve_conflict(fieldsync_db* db,
                                                           const char* conflict_id, int32_t choice,
                                                           const char* new_value_json,
                                                           char** out_record_json);
/* A JSON array of the changes the server refused, kept for the user to see: {"seq",
 * "change_id", "kind", "collection", "record_id", "fields", "reason"}. */
FIELDSYNC_C_API fieldsync_error fieldsync_list_parked_changes(fieldsync_db* db,
                                                              char** out_changes_json);

/* ---- Attachments (photos and documents) -------------------------------------------
 * An attachment is an append-only record naming its bytes by their SHA-256; the bytes
 * live in the device's blob folder beside the database ("<database>.blobs"), once per
 * hash. A sync uploads them after the records, resumably; bytes attached by other
 * phones come on request (fieldsync_replicator_fetch_attachment). An attachment is
 * returned as {"id", "sha256", "size", "media_type", "state", "uploaded", "local",
 * "pinned", "last_error", "path", "fields": {...}}: state "upload" (the bytes are here,
 * not all on the server yet), "synced" (here and on the server) or "remote" (on the
 * server only); "path" is the bytes' file when they are here and the database is
 * plain, "" otherwise.
 *
 * In an encrypted database the attachments' files are encrypted too (AES-256-GCM in
 * 64 KiB segments, under a key derived from the database's): there is no file to hand
 * to a viewer. Read the bytes with fieldsync_attachment_read, or write them in clear
 * to a file of the app's with fieldsync_attachment_export; both work for a plain
 * database as well. Sizes ("size", the sync status) are always the attachment's own. */

/* Attaches the file at `file_path` to the record `collection`/`record_id` (a finding,
 * work order, work order note, fee visit or return visit this device holds): copies it
 * into the blob folder and records the attachment, in one transaction. `options_json`
 * may be NULL or {"media_type": "image/jpeg" (checked against the bytes), "caption",
 * "file_name", "pin": true (never evicted)}. Refuses, keeping nothing, a file that is
 * missing, unreadable, empty, too large or of a type the device does not allow, and a
 * full upload queue. JPEG, PNG, WebP, HEIC, PDF and MP4 are recognised. */
FIELDSYNC_C_API fieldsync_error fieldsync_attach_file(fieldsync_db* db, const char* collection,
                                                      const char* record_id, const char* file_path,
                                                      const char* options_json,
                                                      char** out_attachment_json);
/* A JSON array of the attachments of one record, oldest first; with `collection` and
 * `record_id` both NULL, of every attachment the device knows. */
FIELDSYNC_C_API fieldsync_error fieldsync_list_attachments(fieldsync_db* db, const char* collection,
                                                           const char* record_id,
                                                           char** out_attachments_json);

/* Reads up to `capacity` bytes of the attachment `sha256` from `offset` into `buffer`,
 * in clear, and sets `*out_read` to how many (fewer at the end, 0 past it). Each call
 * reads only the 64 KiB segments it touches: read a photo in pieces of any size. Every
 * byte given was checked: a file that was changed, cut short, had its segments moved or
 * was swapped for another attachment's is FIELDSYNC_CORRUPTION naming it, and gives
 * nothing; bytes not on this device are FIELDSYNC_NOT_FOUND (fetch them first). */
FIELDSYNC_C_API fieldsync_error fieldsync_attachment_read(fieldsync_db* db, const char* sha256,
                                                          int64_t offset, uint8_t* buffer,
                                                          size_t capacity, size_t* out_read);
/* Writes the bytes of the attachment `sha256` in clear to the file `out_path` (replacing
 * one there; mode 0600), checked whole against their SHA-256 before the file is renamed
 * into place: bytes that fail leave nothing at `out_path` (FIELDSYNC_CORRUPTION). For
 * an encrypted database the file is in clear: keep it where the app's own files are
 * protected, and delete it when done. */
FIELDSYNC_C_API fieldsync_error fieldsync_attachment_export(fieldsync_db* db, const char* sha256,
                                                            const char* out_path);

/* ---- Sync status ----------------------------------------------------------------- */

typedef struct fieldsync_sync_status {
  int32_t enrolled;        /* 1 once the device holds (or the host keeps) a token */
  int64_t pending_changes; /* local changes not yet accepted by the server */
  int64_t parked_changes;  /* changes the server refused */
  int64_t last_success_ms; /* the end of the last successful sync; 0: never */
  int64_t clock_ahead_ms;  /* > 0: the server found this device's clock that far ahead */
  int64_t upload_blobs;    /* attachments whose bytes are not all on the server yet */
  int64_t upload_bytes;    /* the attachment bytes still to send */
} fieldsync_sync_status;

/* Works offline; safe while a replicator syncs the same database. */
FIELDSYNC_C_API fieldsync_error fieldsync_sync_status_read(fieldsync_db* db,
                                                           fieldsync_sync_status* out_status);

/* ---- The host's HTTP stack --------------------------------------------------------
 * fieldsync sends each request through `send`, on the thread that runs the sync (or
 * the enrollment), one request at a time per transport, and waits for it: `send` may
 * block until the answer or the host's own timeout. */

typedef struct fieldsync_http_request {
  const char* method;        /* "POST", "PUT" (attachment bytes) or "GET" */
  const char* url;           /* the server address followed by `path` */
  const char* path;          /* "/v1/push", "/v1/pull", "/v1/enroll", "/v1/blobs/..." */
  const char* authorization; /* the Authorization header's value, "" for none */
  const char* content_type;  /* the Content-Type header: "application/json", or
                                "application/octet-stream" for attachment bytes */
  const char* body;          /* body_length bytes, not NUL-terminated, maybe binary */
  size_t body_length;
} fieldsync_http_request;

/* Where `send` puts the answer; valid only during that call. */
typedef struct fieldsync_http_response fieldsync_http_response;

/* Appends bytes of the response body (call as often as the body arrives in pieces);
 * they may be binary. Only from within `send`, on its thread. */
FIELDSYNC_C_API fieldsync_error fieldsync_http_response_append_body(
    fieldsync_http_response* response, const char* data, size_t length);
/* Says why no answer came (for the error message), when `send` returns 0. */
FIELDSYNC_C_API fieldsync_error
fieldsync_http_response_set_failure(fieldsync_http_response* response, const char* message);

/* Sends `request` and returns the HTTP status of the answer (100 to 599, whatever it
 * is: the server's errors are answers too), having appended its body; or returns 0
 * when no answer came (refused or broken connection, timeout, no network), which
 * fieldsync retries with backoff. Must not throw or unwind through fieldsync. */
typedef int (*fieldsync_http_send_fn)(void* context, const fieldsync_http_request* request,
                                      fieldsync_http_response* response);

typedef struct fieldsync_http_transport {
  fieldsync_http_send_fn send;
  void* context; /* passed to `send`; must outlive every handle given this transport */
} fieldsync_http_transport;

/* ---- Enrollment ------------------------------------------------------------------ */

/* Where the device token lives after enrollment. */
typedef enum fieldsync_token_storage {
  /* In the device database (simple; the token is as safe as the file). */
  FIELDSYNC_TOKEN_IN_DATABASE = 0,
  /* With the host, which keeps it in the keychain / keystore and passes it in
   * fieldsync_replicator_options.device_token; the database never holds it. */
  FIELDSYNC_TOKEN_IN_HOST = 1
} fieldsync_token_storage;

/* Exchanges the office's one-time `enrollment_code` for this device's identity and
 * token at `server_url` ("https://sync.example.com"), and stores the enrollment in the
 * database at `path`, creating it when there is none. `out_enrollment_json` receives
 * {"user", "role", "device_code", "device_id", "server"}, plus "device_token" with
 * FIELDSYNC_TOKEN_IN_HOST: keep it in the keychain. `out_db` (may be NULL) receives the
 * open database. Blocks on the network: call it off the UI thread. Do not have the
 * database open elsewhere while enrolling. */
FIELDSYNC_C_API fieldsync_error fieldsync_enroll(const char* path, const char* server_url,
                                                 const char* enrollment_code,
                                                 const fieldsync_http_transport* transport,
                                                 int32_t token_storage, fieldsync_db** out_db,
                                                 char** out_enrollment_json);
/* fieldsync_enroll() for an encrypted database (fieldsync_db_open_encrypted): the
 * database is created, or opened, under `key`. */
FIELDSYNC_C_API fieldsync_error fieldsync_enroll_encrypted(
    const char* path, const uint8_t* key, size_t key_size, const char* server_url,
    const char* enrollment_code, const fieldsync_http_transport* transport, int32_t token_storage,
    fieldsync_db** out_db, char** out_enrollment_json);
/* Moves the device token out of the database to the host (for an app moving to
 * FIELDSYNC_TOKEN_IN_HOST): `out_token` receives it and the database keeps only a
 * marker. FIELDSYNC_FAILED_PRECONDITION when the database holds no token.
 * The server rotates a device's token now and then during a sync; the database keeps
 * the new one, and syncs use it rather than the app's until the app takes it. An app
 * that keeps the token calls this after each sync: FIELDSYNC_FAILED_PRECONDITION
 * ("the app keeps the token already") then means there was nothing new. */
FIELDSYNC_C_API fieldsync_error fieldsync_take_device_token(fieldsync_db* db, char** out_token);

/* ---- Sync ------------------------------------------------------------------------- */

typedef struct fieldsync_replicator fieldsync_replicator;

typedef struct fieldsync_replicator_options {
  const char* server_url;     /* NULL: the server the device enrolled with */
  const char* device_token;   /* NULL: the token kept in the database */
  int32_t max_attempts;       /* per request, for retryable failures; 0: 6 */
  int64_t backoff_initial_ms; /* the first wait between attempts; 0: 200 */
  int64_t backoff_max_ms;     /* the longest wait; 0: 10000 */
  /* Non-zero: each sync also downloads the bytes of every attachment in the device's
   * buckets, up to prefetch_max_bytes (0: 256 MiB) per sync; otherwise they come on
   * request (fieldsync_replicator_fetch_attachment). */
  int32_t prefetch_attachments;
  int64_t prefetch_max_bytes;
} fieldsync_replicator_options;

/* Fills `options` with the defaults (all zero / NULL). */
FIELDSYNC_C_API void fieldsync_replicator_options_init(fieldsync_replicator_options* options);

/* A replicator for the database of `db`, sending through `transport` (copied; its
 * context must outlive the replicator). It opens its own connection to the database,
 * so it may outlive `db`. `options` may be NULL. FIELDSYNC_FAILED_PRECONDITION when
 * the device is not enrolled, or keeps its token with the host and none is given. */
FIELDSYNC_C_API fieldsync_error fieldsync_replicator_create(
    fieldsync_db* db, const fieldsync_http_transport* transport,
    const fieldsync_replicator_options* options, fieldsync_replicator** out_replicator);
/* Closes the replicator; NULL is ignored. No sync may be running on it. */
FIELDSYNC_C_API void fieldsync_replicator_close(fieldsync_replicator* replicator);

typedef struct fieldsync_sync_progress {
  /* "push", "pull", "upload" or "download" (attachment bytes); valid during the
   * callback only */
  const char* phase;
  int64_t pushed;         /* changes the server has answered */
  int64_t to_push;        /* changes pending when the sync started */
  int64_t pulled;         /* records received */
  int64_t retries;        /* requests sent again after a failure */
  int64_t bytes_sent;     /* attachment bytes uploaded in this sync */
  int64_t bytes_to_send;  /* attachment bytes to upload in this sync */
  int64_t bytes_received; /* attachment bytes downloaded in this sync */
} fieldsync_sync_progress;

/* Called on the syncing thread after each step; must return quickly. */
typedef void (*fieldsync_progress_fn)(void* context, const fieldsync_sync_progress* progress);

typedef struct fieldsync_sync_report {
  int64_t pushed;         /* changes the server answered */
  int64_t applied;        /* ... taken as they were */
  int64_t merged;         /* ... merged by a field's rule */
  int64_t conflicts;      /* ... kept, with a conflict record for the value that lost */
  int64_t rejected;       /* ... refused and parked (fieldsync_list_parked_changes) */
  int64_t pulled;         /* records received */
  int64_t retries;        /* requests sent again */
  int64_t clock_ahead_ms; /* > 0: this device's clock is that far ahead of the server */
  int64_t blobs_uploaded; /* attachments whose bytes are now on the server */
  int64_t blob_bytes_sent;
  int64_t blobs_waiting;    /* attachments whose bytes are still to upload */
  int64_t blobs_downloaded; /* attachments prefetched */
} fieldsync_sync_report;

/* Pushes every pending change, pulls until the server has nothing more, then uploads
 * the bytes of attachments (records first, so a slow photo never holds back a
 * payment). Blocks
 * until done: run it on a background thread. Every step is committed before the next
 * request, so a sync that fails, is cancelled or is killed resumes where it stopped.
 * `progress` may be NULL; `out_report` may be NULL. A second sync on the same
 * replicator while one runs fails at once with FIELDSYNC_FAILED_PRECONDITION
 * (retryable). Network failures are in FIELDSYNC_DOMAIN_NETWORK and retryable. */
FIELDSYNC_C_API fieldsync_error fieldsync_replicator_sync(fieldsync_replicator* replicator,
                                                          fieldsync_progress_fn progress,
                                                          void* progress_context,
                                                          fieldsync_sync_report* out_report);
/* Brings the bytes of the attachment `sha256` to this device (resuming a download
 * broken off earlier) and returns the path of their file in `out_path`: "" for an
 * encrypted database, whose files are sealed (read the bytes with
 * fieldsync_attachment_read or fieldsync_attachment_export). The server must
 * hold them and the attachment must be in this device's buckets. Blocks on the
 * network, with the same rules as fieldsync_replicator_sync (one call at a time per
 * replicator; cancellable; `progress` may be NULL). */
FIELDSYNC_C_API fieldsync_error fieldsync_replicator_fetch_attachment(
    fieldsync_replicator* replicator, const char* sha256, fieldsync_progress_fn progress,
    void* progress_context, char** out_path);
/* Asks the running sync to stop before its next request (or backoff wait); it then
 * returns FIELDSYNC_CANCELLED. Does nothing when no sync runs. Thread-safe: call it
 * from any thread, including the progress callback. */
FIELDSYNC_C_API void fieldsync_replicator_cancel(fieldsync_replicator* replicator);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FIELDSYNC_FIELDSYNC_H */
