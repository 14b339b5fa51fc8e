// The C API's field work: each fieldsync_record_* call parses its JSON object (keys
// are the collection's field names, values as the record stores them) and hands it to
// FieldWork::record, the one recording path, which fills the declaration's defaults
// and reports every problem at once: the same checks as the command line.
#include <string>

#include "boundary.h"
#include "fieldsync/field_work.h"
#include "fieldsync/fieldsync.h"
#include "handles.h"

using namespace fieldsync;
using namespace fieldsync::capi;

namespace {

// Records `input_json` (the argument named `what`) into `collection` under db's lock
// and hands the record, and its receipt number when asked, to the caller.
fieldsync_error record_from_json(fieldsync_db* db, const char* collection, const char* input_json,
                                 const char* what, char** out_record_json,
                                 char** out_receipt_number = nullptr) {
  if (auto e = require_arguments({{input_json, what}}); failed(e)) return e;
  return with_db(db, [&](DeviceStore& store) {
    auto input = parse_object_input(input_json, what);
    if (!input.ok()) return to_error(input.status());
    auto record = FieldWork(store).record(collection, std::move(input).value());
    if (!record.ok()) return to_error(record.status());
    give_strings({{out_record_json, dump_json(record_json(*record))}});
    if (out_receipt_number != nullptr) {
      give_strings({{out_receipt_number, record->fields.value("receipt_number", std::string())}});
    }
    return ok_error();
  });
}

// Records with one of FieldWork's typed calls (the note and void calls take strings).
template <class Write>
fieldsync_error record_with(fieldsync_db* db, Write write, char** out_record_json) {
  return with_db(db, [&](DeviceStore& store) {
    FieldWork work(store);
    Result<Record> record = write(work);
    if (!record.ok()) return to_error(record.status());
    give_strings({{out_record_json, dump_json(record_json(*record))}});
    return ok_error();
  });
}

}  // namespace

extern "C" {

fieldsync_error fieldsync_record_fee_visit(fieldsync_db* db, const char* visit_json,
                                           char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "fee_visits", visit_json, "visit_json", out_record_json);
}

fieldsync_error fieldsync_record_payment(fieldsync_db* db, const char* payment_json,
                                         char** out_record_json, char** out_receipt_number) {
  clear_outputs({out_record_json, out_receipt_number});
  return record_from_json(db, "payments", payment_json, "payment_json", out_record_json,
                          out_receipt_number);
}

fieldsync_error fieldsync_void_payment(fieldsync_db* db, const char* payment_id, const char* reason,
                                       char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{payment_id, "payment_id"}, {reason, "reason"}}); failed(e)) {
    return e;
  }
  return record_with(
      db, [&](FieldWork& work) { return work.void_payment(payment_id, reason); }, out_record_json);
}

fieldsync_error fieldsync_check_in(fieldsync_db* db, const char* check_in_json,
                                   char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "checkins", check_in_json, "check_in_json", out_record_json);
}

fieldsync_error fieldsync_report_finding(fieldsync_db* db, const char* finding_json,
                                         char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "findings", finding_json, "finding_json", out_record_json);
}

fieldsync_error fieldsync_open_work_order(fieldsync_db* db, const char* work_order_json,
                                          char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "work_orders", work_order_json, "work_order_json", out_record_json);
}

fieldsync_error fieldsync_add_work_order_note(fieldsync_db* db, const char* work_order_id,
                                              const char* text, char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{work_order_id, "work_order_id"}, {text, "text"}}); failed(e)) {
    return e;
  }
  return record_with(
      db, [&](FieldWork& work) { return work.add_work_order_note(work_order_id, text); },
      out_record_json);
}

fieldsync_error fieldsync_record_return_visit(fieldsync_db* db, const char* visit_json,
                                              char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "return_visits", visit_json, "visit_json", out_record_json);
}

fieldsync_error fieldsync_log_complaint(fieldsync_db* db, const char* complaint_json,
                                        char** out_record_json) {
  clear_outputs({out_record_json});
  return record_from_json(db, "complaints", complaint_json, "complaint_json", out_record_json);
}

}  // extern "C"
