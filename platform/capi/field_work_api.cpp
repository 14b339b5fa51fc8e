// The C API's field work: each fieldsync_record_* call reads its JSON object into the
// FieldWork input struct (keys are the schema's field names) and makes the one
// FieldWork call. The reader refuses unknown keys and values of the wrong JSON type,
// reporting every problem at once; the values themselves are checked by FieldWork and
// the schema, as for the command line.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "boundary.h"
#include "fieldsync/field_work.h"
#include "fieldsync/fieldsync.h"
#include "handles.h"

using namespace fieldsync;
using namespace fieldsync::capi;

namespace {

// Reads the members of one input object into typed variables.
class InputReader {
 public:
  InputReader(const Json& input, std::string noun) : input_(input), noun_(std::move(noun)) {}

  void read(const char* key, std::string& out) {
    if (const Json* v = member(key, "a string", &Json::is_string)) out = v->get<std::string>();
  }
  void read(const char* key, std::optional<std::string>& out) {
    if (const Json* v = member(key, "a string", &Json::is_string)) out = v->get<std::string>();
  }
  void read(const char* key, int64_t& out) {
    if (const Json* v = member(key, "an integer", &Json::is_number_integer))
      out = as_int64(key, *v);
  }
  void read(const char* key, std::optional<int64_t>& out) {
    if (const Json* v = member(key, "an integer", &Json::is_number_integer))
      out = as_int64(key, *v);
  }
  void read(const char* key, std::vector<std::string>& out) {
    const Json* v = member(key, "an array of strings", &Json::is_array);
    if (v == nullptr) return;
    for (const auto& item : *v) {
      if (!item.is_string()) return problem(std::string(key) + ": must be an array of strings");
      out.push_back(item.get<std::string>());
    }
  }
  void read(const char* key, std::optional<GeoPoint>& out) {
    const Json* v = member(key, "an object {\"lat\", \"lon\", \"accuracy_m\"}", &Json::is_object);
    if (v == nullptr) return;
    GeoPoint point;
    for (const auto& [name, value] : v->items()) {
      if (!value.is_number() || (name != "lat" && name != "lon" && name != "accuracy_m")) {
        return problem(std::string(key) + ": takes numbers lat, lon and accuracy_m only");
      }
      double& target = name == "lat"   ? point.lat
                       : name == "lon" ? point.lon
                                       : point.accuracy_m.emplace();
      target = value.get<double>();
    }
    if (!v->contains("lat") || !v->contains("lon")) {
      return problem(std::string(key) + ": needs lat and lon");
    }
    out = point;
  }

  // Ok when every member was read and of the right type; otherwise every problem.
  Status finish() {
    for (const auto& [key, value] : input_.items()) {
      if (!known_.count(key)) {
        problem("unknown field '" + key.substr(0, 60) + "'; the fields are: " + known_list());
      }
    }
    if (problems_.empty()) return Status();
    std::string message = "invalid " + noun_ + ": ";
    for (size_t i = 0; i < problems_.size(); ++i) message += (i ? "; " : "") + problems_[i];
    return Status::invalid_argument(message, problems_);
  }

 private:
  // The member `key` when present, not null and of the right type; null otherwise.
  const Json* member(const char* key, const char* expected,
                     bool (Json::*is_type)() const noexcept) {
    known_.insert(key);
    auto it = input_.find(key);
    if (it == input_.end() || it->is_null()) return nullptr;
    if (!((*it).*is_type)()) {
      problem(std::string(key) + ": must be " + expected);
      return nullptr;
    }
    return &*it;
  }
  int64_t as_int64(const char* key, const Json& value) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      problem(std::string(key) + ": is too large");
      return 0;
    }
    return value.get<int64_t>();
  }
  void problem(std::string text) { problems_.push_back(std::move(text)); }
  std::string known_list() const {
    std::string names;
    for (const auto& name : known_) names += (names.empty() ? "" : ", ") + name;
    return names;
  }

  const Json& input_;
  std::string noun_;
  std::set<std::string> known_;
  std::vector<std::string> problems_;
};

// Parses `input_json`, lets `read` fill an input struct from it, writes the record
// with `write` under db's lock and hands it to the caller with `give`.
template <class Input, class Read, class Write, class Give>
fieldsync_error write_field_work(fieldsync_db* db, const char* input_json, const char* what,
                                 const char* noun, Read read, Write write, Give give) {
  if (auto e = require_arguments({{input_json, what}}); failed(e)) return e;
  return with_db(db, [&](DeviceStore& store) {
    auto input = parse_object_input(input_json, what);
    if (!input.ok()) return to_error(input.status());
    Input fields;
    InputReader reader(*input, noun);
    read(reader, fields);
    if (Status s = reader.finish(); !s.ok()) return to_error(s);
    FieldWork work(store);
    Result<Record> record = write(work, fields);
    if (!record.ok()) return to_error(record.status());
    give(*record);
    return ok_error();
  });
}

// The `give` of write_field_work for calls that return the record only.
auto give_record_to(char** out_record_json) {
  return [out_record_json](const Record& record) {
    give_strings({{out_record_json, dump_json(record_json(record))}});
  };
}

}  // namespace

extern "C" {

fieldsync_error fieldsync_record_fee_visit(fieldsync_db* db, const char* visit_json,
                                           char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<FeeVisitInput>(
      db, visit_json, "visit_json", "fee visit",
      [](InputReader& r, FeeVisitInput& v) {
        r.read("household", v.household);
        r.read("outcome", v.outcome);
        r.read("channel", v.channel);
        r.read("person_met", v.person_met);
        r.read("promise_date", v.promise_date);
        r.read("promise_amount", v.promise_amount);
        r.read("work_order", v.work_order);
        r.read("complaint", v.complaint);
        r.read("note", v.note);
        r.read("location", v.location);
        r.read("visited_at", v.visited_at);
        r.read("collector", v.collector);
      },
      [](FieldWork& work, const FeeVisitInput& v) { return work.record_visit(v); },
      give_record_to(out_record_json));
}

fieldsync_error fieldsync_record_payment(fieldsync_db* db, const char* payment_json,
                                         char** out_record_json, char** out_receipt_number) {
  clear_outputs({out_record_json, out_receipt_number});
  return write_field_work<PaymentInput>(
      db, payment_json, "payment_json", "payment",
      [](InputReader& r, PaymentInput& p) {
        r.read("household", p.household);
        r.read("amount", p.amount);
        r.read("method", p.method);
        r.read("charges", p.charges);
        r.read("periods", p.periods);
        r.read("note", p.note);
        r.read("paid_at", p.paid_at);
        r.read("collector", p.collector);
      },
      [](FieldWork& work, const PaymentInput& p) { return work.record_payment(p); },
      [&](const Record& record) {
        give_strings({{out_record_json, dump_json(record_json(record))},
                      {out_receipt_number, record.fields.value("receipt_number", std::string())}});
      });
}

fieldsync_error fieldsync_void_payment(fieldsync_db* db, const char* payment_id, const char* reason,
                                       char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{payment_id, "payment_id"}, {reason, "reason"}}); failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    auto record = FieldWork(store).void_payment(payment_id, reason);
    if (!record.ok()) return to_error(record.status());
    give_strings({{out_record_json, dump_json(record_json(*record))}});
    return ok_error();
  });
}

fieldsync_error fieldsync_check_in(fieldsync_db* db, const char* check_in_json,
                                   char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<CheckInInput>(
      db, check_in_json, "check_in_json", "patrol check-in",
      [](InputReader& r, CheckInInput& c) {
        r.read("route", c.route);
        r.read("checkpoint", c.checkpoint);
        r.read("method", c.method);
        r.read("condition", c.condition);
        r.read("note", c.note);
        r.read("location", c.location);
        r.read("checked_at", c.checked_at);
        r.read("patroller", c.patroller);
      },
      [](FieldWork& work, const CheckInInput& c) { return work.check_in(c); },
      give_record_to(out_record_json));
}

fieldsync_error fieldsync_report_finding(fieldsync_db* db, const char* finding_json,
                                         char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<FindingInput>(
      db, finding_json, "finding_json", "finding",
      [](InputReader& r, FindingInput& f) {
        r.read("estate", f.estate);
        r.read("building", f.building);
        r.read("category", f.category);
        r.read("severity", f.severity);
        r.read("description", f.description);
        r.read("location_text", f.location_text);
        r.read("location", f.location);
        r.read("deadline", f.deadline);
        r.read("assignee", f.assignee);
        r.read("reported_at", f.reported_at);
        r.read("reported_by", f.reported_by);
      },
      [](FieldWork& work, const FindingInput& f) { return work.report_finding(f); },
      give_record_to(out_record_json));
}

fieldsync_error fieldsync_open_work_order(fieldsync_db* db, const char* work_order_json,
                                          char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<WorkOrderInput>(
      db, work_order_json, "work_order_json", "work order",
      [](InputReader& r, WorkOrderInput& o) {
        r.read("household", o.household);
        r.read("building", o.building);
        r.read("area", o.area);
        r.read("category", o.category);
        r.read("channel", o.channel);
        r.read("description", o.description);
        r.read("priority", o.priority);
        r.read("assignee", o.assignee);
        r.read("reported_at", o.reported_at);
      },
      [](FieldWork& work, const WorkOrderInput& o) { return work.open_work_order(o); },
      give_record_to(out_record_json));
}

fieldsync_error fieldsync_add_work_order_note(fieldsync_db* db, const char* work_order_id,
                                              const char* text, char** out_record_json) {
  clear_outputs({out_record_json});
  if (auto e = require_arguments({{work_order_id, "work_order_id"}, {text, "text"}}); failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    auto record = FieldWork(store).add_work_order_note(work_order_id, text);
    if (!record.ok()) return to_error(record.status());
    give_strings({{out_record_json, dump_json(record_json(*record))}});
    return ok_error();
  });
}

fieldsync_error fieldsync_record_return_visit(fieldsync_db* db, const char* visit_json,
                                              char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<ReturnVisitInput>(
      db, visit_json, "visit_json", "return visit",
      [](InputReader& r, ReturnVisitInput& v) {
        r.read("work_order", v.work_order);
        r.read("complaint", v.complaint);
        r.read("satisfaction", v.satisfaction);
        r.read("comment", v.comment);
        r.read("visited_at", v.visited_at);
        r.read("visited_by", v.visited_by);
      },
      [](FieldWork& work, const ReturnVisitInput& v) { return work.record_return_visit(v); },
      give_record_to(out_record_json));
}

fieldsync_error fieldsync_log_complaint(fieldsync_db* db, const char* complaint_json,
                                        char** out_record_json) {
  clear_outputs({out_record_json});
  return write_field_work<ComplaintInput>(
      db, complaint_json, "complaint_json", "complaint",
      [](InputReader& r, ComplaintInput& c) {
        r.read("type", c.type);
        r.read("household", c.household);
        r.read("building", c.building);
        r.read("description", c.description);
        r.read("assignee", c.assignee);
        r.read("received_at", c.received_at);
      },
      [](FieldWork& work, const ComplaintInput& c) { return work.log_complaint(c); },
      give_record_to(out_record_json));
}

}  // extern "C"
