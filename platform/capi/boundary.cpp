#include "boundary.h"

#include <cstdlib>
#include <cstring>

#include "fieldsync/text_values.h"

namespace fieldsync::capi {
namespace {

constexpr int kMaxInputDepth = 64;

fieldsync_code code_of(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return FIELDSYNC_OK;
    case StatusCode::kInvalidArgument:
      return FIELDSYNC_INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return FIELDSYNC_NOT_FOUND;
    case StatusCode::kAlreadyExists:
      return FIELDSYNC_ALREADY_EXISTS;
    case StatusCode::kFailedPrecondition:
      return FIELDSYNC_FAILED_PRECONDITION;
    case StatusCode::kCorruption:
      return FIELDSYNC_CORRUPTION;
    case StatusCode::kIOError:
      return FIELDSYNC_IO_ERROR;
    case StatusCode::kUnavailable:
      return FIELDSYNC_UNAVAILABLE;
    case StatusCode::kPermissionDenied:
      return FIELDSYNC_PERMISSION_DENIED;
    case StatusCode::kInternal:
      return FIELDSYNC_INTERNAL;
  }
  return FIELDSYNC_INTERNAL;
}

void set_message(fieldsync_error& error, const std::string& message) {
  // Cut at a character boundary, so the message stays UTF-8 for Swift and JNI.
  const std::string fitted = utf8_prefix(message, FIELDSYNC_ERROR_MESSAGE_SIZE - 1);
  std::memcpy(error.message, fitted.data(), fitted.size());
  error.message[fitted.size()] = '\0';
}

// Whether `text` opens more than `limit` arrays or objects inside each other, counted
// outside strings: nlohmann::json would recurse that deep when it destroys the value.
bool nests_deeper_than(const char* text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (const char* p = text; *p != '\0'; ++p) {
    if (in_string) {
      if (*p == '\\' && p[1] != '\0') {
        ++p;
      } else if (*p == '"') {
        in_string = false;
      }
    } else if (*p == '"') {
      in_string = true;
    } else if (*p == '[' || *p == '{') {
      if (++depth > limit) return true;
    } else if (*p == ']' || *p == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

fieldsync_error ok_error() {
  fieldsync_error error;
  error.domain = FIELDSYNC_DOMAIN_NONE;
  error.code = FIELDSYNC_OK;
  error.retryable = 0;
  error.message[0] = '\0';
  return error;
}

fieldsync_error to_error(const Status& status, fieldsync_error_domain domain) {
  fieldsync_error error = ok_error();
  if (status.ok()) return error;
  error.domain = domain;
  error.code = code_of(status.code());
  error.retryable = status.retryable() ? 1 : 0;
  set_message(error, status.message());
  return error;
}

fieldsync_error api_error(const std::string& message) {
  fieldsync_error error = to_error(Status::invalid_argument(message));
  error.domain = FIELDSYNC_DOMAIN_API;
  return error;
}

fieldsync_error require_arguments(
    std::initializer_list<std::pair<const void*, const char*>> arguments) {
  for (const auto& [pointer, name] : arguments) {
    if (pointer == nullptr) return api_error(std::string(name) + " is NULL");
  }
  return ok_error();
}

void clear_outputs(std::initializer_list<char**> outputs) {
  for (char** out : outputs) {
    if (out != nullptr) *out = nullptr;
  }
}

void give_strings(const std::vector<std::pair<char**, std::string>>& outputs) {
  std::vector<char*> copies;
  for (const auto& [out, value] : outputs) {
    char* copy = nullptr;
    if (out != nullptr) {
      copy = static_cast<char*>(std::malloc(value.size() + 1));
      if (copy == nullptr) {
        for (char* made : copies) std::free(made);
        throw std::bad_alloc();
      }
      std::memcpy(copy, value.c_str(), value.size() + 1);
    }
    copies.push_back(copy);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].first != nullptr) *outputs[i].first = copies[i];
  }
}

Result<Json> parse_input(const char* text, const std::string& what) {
  if (text == nullptr) return Status::invalid_argument(what + " is NULL");
  if (nests_deeper_than(text, kMaxInputDepth)) {
    return Status::invalid_argument(what + " is nested deeper than " +
                                    std::to_string(kMaxInputDepth) + " levels");
  }
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Status::invalid_argument(what + " is not valid JSON: '" + utf8_prefix(text, 60) + "'");
  }
  return value;
}

Result<Json> parse_object_input(const char* text, const std::string& what) {
  auto value = parse_input(text, what);
  if (!value.ok()) return value;
  if (!value->is_object()) {
    return Status::invalid_argument(what + " must be a JSON object, like {\"field\": value}");
  }
  return value;
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json record_json(const Record& record) {
  return {{"id", record.id},
          {"collection", record.collection},
          {"bucket", record.bucket},
          {"fields", record.fields}};
}

Json records_json(const std::vector<Record>& records) {
  Json out = Json::array();
  for (const auto& record : records) out.push_back(record_json(record));
  return out;
}

}  // namespace fieldsync::capi
