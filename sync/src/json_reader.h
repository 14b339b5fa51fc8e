// A strict reader over one JSON object of a protocol message: each accessor names
// the field it reads, the first problem met is kept, and finish() refuses fields the
// message does not have. Private to sync.
#pragma once

#include <set>
#include <string>

#include "fieldsync/schema.h"
#include "fieldsync/status.h"

namespace fieldsync {

class JsonReader {
 public:
  JsonReader(const Json& object, std::string where);

  std::string text(const char* key, size_t max_length = 1024);
  std::string optional_text(const char* key, size_t max_length = 1024);
  int64_t integer(const char* key, int64_t min, int64_t max);
  int64_t optional_integer(const char* key, int64_t min, int64_t max, int64_t fallback);
  bool boolean(const char* key);
  // An object or array member, or an empty one (and a problem) when absent or wrong.
  const Json& object(const char* key);
  const Json& array(const char* key);

  // Ok when every read succeeded and no unknown field was present.
  Status finish();
  bool ok() const { return problem_.empty(); }

 private:
  const Json* member(const char* key, bool required);
  void fail(const std::string& problem);

  const Json& object_;
  std::string where_;
  std::set<std::string> read_;
  std::string problem_;
};

// Parses a request or response body; a clear error when it is not a JSON object.
Result<Json> parse_json_object(const std::string& body, const std::string& what);

}  // namespace fieldsync
