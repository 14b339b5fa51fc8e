#include "json_reader.h"

#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {
const Json& empty_object() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}
const Json& empty_array() {
  static const Json kEmpty = Json::array();
  return kEmpty;
}

// Far deeper than any message of the protocol nests (a geo point in a change's fields
// is five levels down). The parser is iterative, but copying, comparing and writing a
// value recurse once per level: 100,000 nested arrays in a field overflowed the stack
// of the server's worker thread.
constexpr size_t kMaxJsonDepth = 64;

// Whether the arrays and objects of `text` nest deeper than `limit`; brackets inside
// strings do not count. Text that is not JSON may be misjudged: the parser refuses it.
bool nests_deeper_than(const std::string& text, size_t limit) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

JsonReader::JsonReader(const Json& object, std::string where)
    : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) fail("must be a JSON object");
}

void JsonReader::fail(const std::string& problem) {
  if (problem_.empty()) problem_ = problem;
}

const Json* JsonReader::member(const char* key, bool required) {
  read_.insert(key);
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) fail(std::string(key) + " is missing");
    return nullptr;
  }
  return &*it;
}

std::string JsonReader::text(const char* key, size_t max_length) {
  const Json* v = member(key, true);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    fail(std::string(key) + " must be a string");
    return {};
  }
  if (v->get_ref<const std::string&>().size() > max_length) {
    fail(std::string(key) + " is longer than " + std::to_string(max_length) + " characters");
    return {};
  }
  return v->get<std::string>();
}

std::string JsonReader::optional_text(const char* key, size_t max_length) {
  if (member(key, false) == nullptr) return {};
  return text(key, max_length);
}

int64_t JsonReader::integer(const char* key, int64_t min, int64_t max) {
  const Json* v = member(key, true);
  if (v == nullptr) return 0;
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))) {
    fail(std::string(key) + " must be a whole number");
    return 0;
  }
  const int64_t n = v->get<int64_t>();
  if (n < min || n > max) {
    fail(std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return 0;
  }
  return n;
}

int64_t JsonReader::optional_integer(const char* key, int64_t min, int64_t max, int64_t fallback) {
  if (member(key, false) == nullptr) return fallback;
  return integer(key, min, max);
}

bool JsonReader::boolean(const char* key) {
  const Json* v = member(key, true);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    fail(std::string(key) + " must be true or false");
    return false;
  }
  return v->get<bool>();
}

const Json& JsonReader::object(const char* key) {
  const Json* v = member(key, true);
  if (v == nullptr) return empty_object();
  if (!v->is_object()) {
    fail(std::string(key) + " must be an object");
    return empty_object();
  }
  return *v;
}

const Json& JsonReader::array(const char* key) {
  const Json* v = member(key, true);
  if (v == nullptr) return empty_array();
  if (!v->is_array()) {
    fail(std::string(key) + " must be an array");
    return empty_array();
  }
  return *v;
}

Status JsonReader::finish() {
  if (problem_.empty() && object_.is_object()) {
    for (const auto& [key, value] : object_.items()) {
      if (!read_.count(key)) {
        fail("has an unknown field '" + utf8_prefix(key, 60) + "'");
        break;
      }
    }
  }
  if (problem_.empty()) return Status();
  return Status::invalid_argument(where_ + ": " + problem_);
}

Result<Json> parse_json_object(const std::string& body, const std::string& what) {
  if (nests_deeper_than(body, kMaxJsonDepth)) {
    return Status::invalid_argument(what + ": the body is nested deeper than " +
                                    std::to_string(kMaxJsonDepth) + " levels");
  }
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid_argument(what + ": the body is not valid JSON");
  if (!j.is_object()) return Status::invalid_argument(what + ": the body must be a JSON object");
  return j;
}

}  // namespace fieldsync
