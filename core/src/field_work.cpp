#include "fieldsync/field_work.h"

#include "fieldsync/id.h"
#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

// Builds a record's fields, leaving out what was not given.
class FieldsBuilder {
 public:
  FieldsBuilder& text(const char* name, const std::string& value) {
    if (!value.empty()) fields_[name] = value;
    return *this;
  }
  FieldsBuilder& text(const char* name, const std::optional<std::string>& value) {
    if (value) fields_[name] = *value;
    return *this;
  }
  FieldsBuilder& integer(const char* name, int64_t value) {
    fields_[name] = value;
    return *this;
  }
  FieldsBuilder& integer(const char* name, const std::optional<int64_t>& value) {
    if (value) fields_[name] = *value;
    return *this;
  }
  FieldsBuilder& list(const char* name, const std::vector<std::string>& values) {
    if (!values.empty()) fields_[name] = values;
    return *this;
  }
  FieldsBuilder& geo(const char* name, const std::optional<GeoPoint>& value) {
    if (value) fields_[name] = geo_to_json(*value);
    return *this;
  }
  Json build() const { return fields_; }

 private:
  Json fields_ = Json::object();
};

int64_t as_int(const Json& value) { return value.is_number_integer() ? value.get<int64_t>() : 0; }

}  // namespace

Json geo_to_json(const GeoPoint& point) {
  Json geo = {{"lat", point.lat}, {"lon", point.lon}};
  if (point.accuracy_m) geo["accuracy_m"] = *point.accuracy_m;
  return geo;
}

Result<std::optional<Json>> StoreRecords::fields_of(const std::string& collection,
                                                    const std::string& id) const {
  auto record = store_.get(collection, id);
  if (record.ok()) return std::optional<Json>(record->fields);
  if (record.status().code() == StatusCode::kNotFound ||
      record.status().code() == StatusCode::kInvalidArgument) {
    return std::optional<Json>();
  }
  return record.status();
}

Result<Record> FieldWork::record(const std::string& collection_name, Json fields) {
  auto collection = store_.schema().require(collection_name);
  if (!collection.ok()) return collection.status();
  const CollectionDef& c = **collection;
  // The store refuses these, saying why, before it looks at a field.
  if (c.server_created || !fields.is_object()) return store_.insert(c.name, fields);
  for (const auto& field : c.fields) {
    if (fields.contains(field.name) && !fields[field.name].is_null()) continue;
    switch (field.default_value) {
      case DefaultValue::kNone:
        fields.erase(field.name);
        break;
      case DefaultValue::kNow:
        fields[field.name] = now();
        break;
      case DefaultValue::kDeviceUser:
        fields[field.name] = store_.access().user;
        break;
      case DefaultValue::kLiteral:
        fields[field.name] = field.default_literal;
        break;
    }
  }
  std::vector<std::string> problems;
  if (Status valid = store_.schema().validate_create(c, fields); !valid.ok()) {
    if (valid.details().empty()) return valid;
    problems = valid.details();
  }
  if (problems.empty() && c.relation_check) {
    FIELDSYNC_RETURN_IF_ERROR(c.relation_check(fields, StoreRecords(store_), problems));
  }
  for (const auto& field : c.fields) {
    if (!field.unique || !fields.contains(field.name)) continue;
    auto same = store_.list(c.name, ListQuery{{{field.name, fields[field.name]}}, 1});
    if (!same.ok()) return same.status();
    if (!same->empty()) {
      const Json& value = fields[field.name];
      return Status::failed_precondition(
          field.name + ": " +
          (value.is_string() ? value.get<std::string>() : utf8_prefix(value.dump(), 60)) +
          " already has a " + c.record_noun + " (" + same->front().id + ")");
    }
  }
  FIELDSYNC_RETURN_IF_ERROR(invalid_record(c, std::move(problems)));
  return store_.insert(c.name, fields);
}

Result<Record> FieldWork::record_visit(const FeeVisitInput& v) {
  return record("fee_visits", FieldsBuilder()
                                  .text("household", v.household)
                                  .integer("visited_at", v.visited_at)
                                  .text("channel", v.channel)
                                  .text("outcome", v.outcome)
                                  .text("person_met", v.person_met)
                                  .text("promise_date", v.promise_date)
                                  .integer("promise_amount", v.promise_amount)
                                  .text("work_order", v.work_order)
                                  .text("complaint", v.complaint)
                                  .text("note", v.note)
                                  .geo("location", v.location)
                                  .build());
}

Result<Record> FieldWork::record_payment(const PaymentInput& p) {
  return record("payments", FieldsBuilder()
                                .text("household", p.household)
                                .list("charges", p.charges)
                                .list("periods", p.periods)
                                .integer("amount", p.amount)
                                .text("method", p.method)
                                .integer("paid_at", p.paid_at)
                                .text("note", p.note)
                                .build());
}

Result<Record> FieldWork::void_payment(const std::string& payment, const std::string& reason) {
  auto id = parse_id(payment);
  if (!id.ok()) return id.status().with_context("payment");
  return record("payment_voids",
                FieldsBuilder().text("payment", *id).text("reason", reason).build());
}

Result<Record> FieldWork::check_in(const CheckInInput& c) {
  return record("checkins", FieldsBuilder()
                                .text("route", c.route)
                                .text("checkpoint", c.checkpoint)
                                .integer("checked_at", c.checked_at)
                                .text("method", c.method)
                                .text("condition", c.condition)
                                .text("note", c.note)
                                .geo("location", c.location)
                                .build());
}

Result<Record> FieldWork::report_finding(const FindingInput& f) {
  return record("findings", FieldsBuilder()
                                .text("estate", f.estate)
                                .text("building", f.building)
                                .text("category", f.category)
                                .text("severity", f.severity)
                                .text("description", f.description)
                                .text("location_text", f.location_text)
                                .geo("location", f.location)
                                .text("deadline", f.deadline)
                                .text("assignee", f.assignee)
                                .integer("reported_at", f.reported_at)
                                .build());
}

Result<Record> FieldWork::open_work_order(const WorkOrderInput& w) {
  return record("work_orders", FieldsBuilder()
                                   .text("household", w.household)
                                   .text("building", w.building)
                                   .text("area", w.area)
                                   .text("category", w.category)
                                   .text("channel", w.channel)
                                   .text("description", w.description)
                                   .text("priority", w.priority)
                                   .text("assignee", w.assignee)
                                   .integer("reported_at", w.reported_at)
                                   .build());
}

Result<Record> FieldWork::add_work_order_note(const std::string& work_order, const std::string& text) {
  return record("work_order_notes",
                FieldsBuilder().text("work_order", work_order).text("text", text).build());
}

Result<Record> FieldWork::log_complaint(const ComplaintInput& c) {
  return record("complaints", FieldsBuilder()
                                  .text("type", c.type)
                                  .text("household", c.household)
                                  .text("building", c.building)
                                  .text("description", c.description)
                                  .text("assignee", c.assignee)
                                  .integer("received_at", c.received_at)
                                  .build());
}

Result<Record> FieldWork::record_return_visit(const ReturnVisitInput& r) {
  return record("return_visits", FieldsBuilder()
                                     .text("work_order", r.work_order)
                                     .text("complaint", r.complaint)
                                     .integer("satisfaction", r.satisfaction)
                                     .text("comment", r.comment)
                                     .integer("visited_at", r.visited_at)
                                     .build());
}

Result<Record> FieldWork::resolve_conflict(const std::string& conflict_id, ConflictChoice choice,
                                           const Json& new_value) {
  auto conflict = store_.get("conflicts", conflict_id);
  if (!conflict.ok()) return conflict.status();
  if (conflict->fields.value("status", "") != "open") {
    return Status::failed_precondition("conflict " + conflict->id + " is already resolved");
  }
  const Json& f = conflict->fields;
  Json value = new_value;
  const char* resolution = "new_value";
  if (choice != ConflictChoice::kNewValue) {
    const bool winner = choice == ConflictChoice::kKeepWinner;
    value = Json::parse(f.value(winner ? "winner_value" : "loser_value", "null"), nullptr, false);
    if (value.is_discarded()) return Status::corruption("conflict " + conflict->id + " holds a damaged value");
    resolution = winner ? "kept_winner" : "kept_loser";
  }
  const std::string collection = f.value("collection", "");
  const std::string record = f.value("record", "");
  const std::string field = f.value("field", "");
  Record resolved;
  Status s = store_.write_together([&]() -> Status {
    auto current = store_.get(collection, record);
    if (!current.ok()) return current.status();
    if (current->fields.value(field, Json()) != value) {
      auto edited = store_.update(collection, record, Json{{field, value}});
      if (!edited.ok()) return edited.status();
    }
    auto marked = store_.update("conflicts", conflict->id, {{"resolution", resolution}, {"resolved_by", me()}});
    if (!marked.ok()) return marked.status();
    auto closed = store_.advance_status("conflicts", conflict->id, "resolved");
    if (!closed.ok()) return closed.status();
    resolved = std::move(closed).value();
    return Status();
  });
  if (!s.ok()) return s;
  return resolved;
}

Result<Arrears> FieldWork::arrears(const std::string& household) const {
  auto record = store_.get("households", household);
  if (!record.ok()) return record.status();
  static const char* kSql =
      "SELECT"
      " (SELECT coalesce(sum(json_extract(fields, '$.amount')), 0) FROM records"
      "   WHERE collection = 'charges' AND json_extract(fields, '$.household') = ?1"
      "   AND coalesce(json_extract(fields, '$.cancelled'), 0) = 0),"
      " (SELECT coalesce(sum(json_extract(fields, '$.amount')), 0) FROM records"
      "   WHERE collection = 'payments' AND json_extract(fields, '$.household') = ?1),"
      " (SELECT coalesce(sum(json_extract(p.fields, '$.amount')), 0) FROM records p"
      "   WHERE p.collection = 'payments' AND json_extract(p.fields, '$.household') = ?1"
      "   AND EXISTS (SELECT 1 FROM records v WHERE v.collection = 'payment_voids'"
      "               AND json_extract(v.fields, '$.payment') = p.id))";
  auto rows = store_.query(kSql, {record->id});
  if (!rows.ok()) return rows.status();
  const Json& row = rows->at(0);
  return Arrears{as_int(row[0]), as_int(row[1]), as_int(row[2])};
}

Result<std::vector<PromiseDue>> FieldWork::promises_due(const std::string& as_of,
                                                        const std::string& collector) const {
  if (auto date = parse_date(as_of); !date.ok()) return date.status();
  static const char* kSql =
      "SELECT v.id, json_extract(v.fields, '$.household'), json_extract(v.fields, '$.collector'),"
      "  json_extract(v.fields, '$.promise_date'), json_extract(v.fields, '$.promise_amount'),"
      "  (SELECT coalesce(sum(json_extract(p.fields, '$.amount')), 0) FROM records p"
      "    WHERE p.collection = 'payments'"
      "    AND json_extract(p.fields, '$.household') = json_extract(v.fields, '$.household')"
      "    AND json_extract(p.fields, '$.paid_at') >= json_extract(v.fields, '$.visited_at')"
      "    AND NOT EXISTS (SELECT 1 FROM records x WHERE x.collection = 'payment_voids'"
      "                    AND json_extract(x.fields, '$.payment') = p.id))"
      " FROM records v WHERE v.collection = 'fee_visits'"
      "  AND json_extract(v.fields, '$.outcome') = 'promised'"
      "  AND json_extract(v.fields, '$.promise_date') <= ?1"
      "  AND (?2 = '' OR json_extract(v.fields, '$.collector') = ?2)"
      " ORDER BY json_extract(v.fields, '$.promise_date'), v.id";
  auto rows = store_.query(kSql, {as_of, collector});
  if (!rows.ok()) return rows.status();
  std::vector<PromiseDue> out;
  for (const Json& row : *rows) {
    PromiseDue p;
    p.visit = row[0].get<std::string>();
    p.household = row[1].get<std::string>();
    p.collector = row[2].get<std::string>();
    p.promise_date = row[3].get<std::string>();
    if (row[4].is_number_integer()) p.promise_amount = row[4].get<int64_t>();
    p.paid_since = as_int(row[5]);
    const bool kept = p.promise_amount ? p.paid_since >= *p.promise_amount : p.paid_since > 0;
    if (kept) continue;
    p.broken = p.promise_date < as_of;
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<DailyVisits>> FieldWork::visits_per_day(const std::string& collector,
                                                           const std::string& from,
                                                           const std::string& to) const {
  if (auto d = parse_date(from); !d.ok()) return d.status().with_context("from");
  if (auto d = parse_date(to); !d.ok()) return d.status().with_context("to");
  static const char* kSql =
      "SELECT day, count(*), count(DISTINCT household),"
      "  (SELECT json_extract(p.fields, '$.daily_visit_target') FROM records p"
      "    WHERE p.collection = 'collection_plans'"
      "    AND json_extract(p.fields, '$.collector') = ?1"
      "    AND json_extract(p.fields, '$.month') = substr(day, 1, 7) ORDER BY p.id DESC LIMIT 1)"
      " FROM (SELECT date(json_extract(fields, '$.visited_at') / 1000, 'unixepoch') AS day,"
      "         json_extract(fields, '$.household') AS household FROM records"
      "       WHERE collection = 'fee_visits' AND json_extract(fields, '$.collector') = ?1)"
      " WHERE day BETWEEN ?2 AND ?3 GROUP BY day ORDER BY day";
  auto rows = store_.query(kSql, {collector, from, to});
  if (!rows.ok()) return rows.status();
  std::vector<DailyVisits> out;
  for (const Json& row : *rows) {
    DailyVisits d;
    d.date = row[0].get<std::string>();
    d.visits = as_int(row[1]);
    d.households = as_int(row[2]);
    if (row[3].is_number_integer()) d.target = row[3].get<int64_t>();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace fieldsync
