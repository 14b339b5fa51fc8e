// Fuzzes schema validation (core/include/fieldsync/schema.h) and the reading of typed
// text (text_values.h) for every collection of the property-management schema.
// Input: byte 0 picks the collection, byte 1 the check and the field, the rest is the
// payload (JSON for the record checks, text for a field):
//   check 0  validate_create(fields)                  a create by the office or the CLI
//   check 1  validate_create(fields, managed_given)   a create replayed from an outbox
//   check 2  validate_update(fields)                  an edit
//   check 3  parse_field_text(field, text)            a CLI argument or a CSV cell
// Invariants: nothing throws; a refusal is an invalid_argument, with a UTF-8 message
// when the input was UTF-8 (it travels in a push result); accepted fields still pass after a trip
// through JSON text; a value read from text passes check_value, survives a trip through JSON text,
// and reads back the same from its own formatted text.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "fieldsync/schema.h"
#include "fieldsync/text_values.h"
#include "fuzz_check.h"

namespace fieldsync::fuzz {
namespace {

const Schema& schema() {
  return Schema::property_management();
}

void check_validation(const Status& status, const std::string& where, const std::string& input) {
  if (status.ok()) return;
  check_refusal(status, where, is_valid_utf8(input));
  FUZZ_CHECK(status.code() == StatusCode::kInvalidArgument, where + ": " + status.to_string());
}

// The payload as JSON; not-JSON payloads are checked as a JSON string (not an object).
Json payload_json(const std::string& payload) {
  Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(payload) : j;
}

void fuzz_create(const CollectionDef& c, const std::string& payload, bool managed_given) {
  const Json fields = payload_json(payload);
  const std::string where = "validate_create(" + c.name + ")";
  for (int client_version : {0, schema().version() - 1}) {
    const Status status = schema().validate_create(c, fields, managed_given, client_version);
    check_validation(status, where, payload);
    if (!status.ok()) continue;
    // Accepted fields are stored as JSON text and read back: still valid.
    const Json stored = Json::parse(fields.dump());
    FUZZ_CHECK(stored == fields, where + ": fields change through JSON text: " + fields.dump());
    FUZZ_CHECK(schema().validate_create(c, stored, managed_given, client_version).ok(),
               where + ": accepted fields are refused after a trip through JSON text");
  }
}

void fuzz_update(const CollectionDef& c, const std::string& payload) {
  const Json changed = payload_json(payload);
  const std::string where = "validate_update(" + c.name + ")";
  const Status status = schema().validate_update(c, changed);
  check_validation(status, where, payload);
  if (status.ok()) {
    FUZZ_CHECK(schema().validate_update(c, Json::parse(changed.dump())).ok(),
               where + ": an accepted edit is refused after a trip through JSON text");
  }
}

void fuzz_field_text(const FieldDef& field, const std::string& text) {
  const std::string where =
      "parse_field_text(" + field.name + ", " + field_type_name(field.type) + ")";
  Result<Json> value = parse_field_text(field, text);
  if (!value.ok()) {
    check_validation(value.status(), where, text);
    return;
  }
  auto problem = Schema::check_value(field, *value);
  FUZZ_CHECK(!problem, where + ": read a value check_value refuses: " + value->dump() + ": " +
                           problem.value_or(""));
  const Json stored = Json::parse(value->dump());
  FUZZ_CHECK(stored == *value, where + ": value changes through JSON text: " + value->dump());
  const std::string shown = format_field_value(field, *value);
  Result<Json> again = parse_field_text(field, shown);
  FUZZ_CHECK(again.ok(), where + ": its own formatted text '" + shown +
                             "' is refused: " + again.status().to_string());
  FUZZ_CHECK(*again == *value, where + ": reads back differently: " + value->dump() + " -> '" +
                                   shown + "' -> " + again->dump());
}

void fuzz_one(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const auto& collections = schema().collections();
  const CollectionDef& c = collections[data[0] % collections.size()];
  const int check = data[1] % 4;
  const std::string payload(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (check) {
    case 0:
      fuzz_create(c, payload, /*managed_given=*/false);
      break;
    case 1:
      fuzz_create(c, payload, /*managed_given=*/true);
      break;
    case 2:
      fuzz_update(c, payload);
      break;
    case 3:
      fuzz_field_text(c.fields[(data[1] / 4) % c.fields.size()], payload);
      break;
  }
}

}  // namespace
}  // namespace fieldsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fieldsync::fuzz::fuzz_one(data, size);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
  }
  return 0;
}
