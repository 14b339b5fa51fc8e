// What crosses the C boundary, and how: Status -> fieldsync_error, C++ exceptions ->
// fieldsync_error (guarded), JSON text in (parse_input) and out (dump_json), strings
// handed to the caller (malloc'd, freed by fieldsync_string_free). Private to capi.
#pragma once

#include <exception>
#include <initializer_list>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "fieldsync/device_store.h"
#include "fieldsync/fieldsync.h"
#include "fieldsync/status.h"

namespace fieldsync::capi {

fieldsync_error ok_error();
// The error for a non-ok Status, reported by `domain`.
fieldsync_error to_error(const Status& status,
                         fieldsync_error_domain domain = FIELDSYNC_DOMAIN_FIELDSYNC);
// A call that is wrong in itself: a NULL handle or a missing argument.
fieldsync_error api_error(const std::string& message);

// Runs `body` (which returns a fieldsync_error) and turns any exception into an error,
// so none crosses the C boundary.
template <class Body>
fieldsync_error guarded(Body&& body) noexcept {
  try {
    return std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    return to_error(Status::internal("out of memory"));
  } catch (const std::exception& e) {
    return to_error(Status::internal(std::string("unexpected failure: ") + e.what()));
  } catch (...) {
    return to_error(Status::internal("unexpected failure of an unknown kind"));
  }
}

// Sets every given out parameter to NULL, as a failed call leaves them.
void clear_outputs(std::initializer_list<char**> outputs);
// Hands strings to the caller, all or none: each non-NULL `out` receives a malloc'd
// copy of its value. Throws std::bad_alloc (caught by guarded) when memory runs out,
// leaving every out NULL.
void give_strings(const std::vector<std::pair<char**, std::string>>& outputs);

// Parses JSON text given by the caller (`what` names it in messages): NULL, text
// nested deeper than 64 levels, and text that is not JSON are invalid_argument.
Result<Json> parse_input(const char* text, const std::string& what);
// Parses `text` as a JSON object.
Result<Json> parse_object_input(const char* text, const std::string& what);
// Compact JSON; text that is not UTF-8 is replaced rather than failing.
std::string dump_json(const Json& value);

// {"id", "collection", "bucket", "fields"}, as the command line's --json prints it.
Json record_json(const Record& record);
Json records_json(const std::vector<Record>& records);

// The API error naming the first NULL among required arguments ({pointer, name}), or
// an ok error when none is NULL.
fieldsync_error require_arguments(
    std::initializer_list<std::pair<const void*, const char*>> arguments);
inline bool failed(const fieldsync_error& error) {
  return error.code != FIELDSYNC_OK;
}

}  // namespace fieldsync::capi
