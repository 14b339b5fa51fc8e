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

Result<Record> FieldWork::record_visit(const FeeVisitInput& v) {
  Json fields = FieldsBuilder()
                    .text("household", v.household)
                    .text("collector", v.collector.empty() ? me() : v.collector)
                    .integer("visited_at", v.visited_at.value_or(now()))
                    .text("channel", v.channel)
                    .text("outcome", v.outcome)
                    .text("person_met", v.person_met)
                    .text("promise_date", v.promise_date)
                    .integer("promise_amount", v.promise_amount)
                    .text("work_order", v.work_order)
                    .text("complaint", v.complaint)
                    .text("note", v.note)
                    .geo("location", v.location)
                    .build();
  return store_.insert("fee_visits", fields);
}

Result<Record> FieldWork::record_payment(const PaymentInput& p) {
  // Every charge paid must be one of this household's.
  std::vector<std::string> problems;
  for (const auto& charge_id : p.charges) {
    auto charge = store_.get("charges", charge_id);
    if (!charge.ok()) {
      problems.push_back("charges: " + charge.status().message());
    } else if (charge->fields.value("household", std::string()) != p.household) {
      problems.push_back("charges: charge " + charge->id + " belongs to another household");
    }
  }
  if (!problems.empty()) {
    std::string message = "invalid payment: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Status::invalid_argument(message, problems);
  }
  Json fields = FieldsBuilder()
                    .text("household", p.household)
                    .list("charges", p.charges)
                    .list("periods", p.periods)
                    .integer("amount", p.amount)
                    .text("method", p.method)
                    .text("collector", p.collector.empty() ? me() : p.collector)
                    .integer("paid_at", p.paid_at.value_or(now()))
                    .text("note", p.note)
                    .build();
  return store_.insert("payments", fields);
}

Result<Record> FieldWork::void_payment(const std::string& payment, const std::string& reason) {
  auto id = parse_id(payment);
  if (!id.ok()) return id.status().with_context("payment");
  auto existing = store_.list("payment_voids", ListQuery{{{"payment", *id}}, 1});
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Status::failed_precondition("payment " + *id + " is already voided (void " +
                                       existing->front().id + ")");
  }
  Json fields = FieldsBuilder()
                    .text("payment", *id)
                    .text("reason", reason)
                    .text("voided_by", me())
                    .integer("voided_at", now())
                    .build();
  return store_.insert("payment_voids", fields);
}

Result<Record> FieldWork::check_in(const CheckInInput& c) {
  auto checkpoint = store_.get("checkpoints", c.checkpoint);
  if (checkpoint.ok() && checkpoint->fields.value("route", std::string()) != c.route) {
    return Status::invalid_argument("invalid patrol check-in: checkpoint: " + checkpoint->id +
                                    " is not on route " + c.route);
  }
  Json fields = FieldsBuilder()
                    .text("route", c.route)
                    .text("checkpoint", c.checkpoint)
                    .text("patroller", c.patroller.empty() ? me() : c.patroller)
                    .integer("checked_at", c.checked_at.value_or(now()))
                    .text("method", c.method)
                    .text("condition", c.condition)
                    .text("note", c.note)
                    .geo("location", c.location)
                    .build();
  return store_.insert("checkins", fields);
}

Result<Record> FieldWork::report_finding(const FindingInput& f) {
  Json fields = FieldsBuilder()
                    .text("estate", f.estate)
                    .text("building", f.building)
                    .text("category", f.category)
                    .text("severity", f.severity)
                    .text("description", f.description)
                    .text("location_text", f.location_text)
                    .geo("location", f.location)
                    .text("deadline", f.deadline)
                    .text("assignee", f.assignee)
                    .text("reported_by", f.reported_by.empty() ? me() : f.reported_by)
                    .integer("reported_at", f.reported_at.value_or(now()))
                    .build();
  return store_.insert("findings", fields);
}

Result<Record> FieldWork::open_work_order(const WorkOrderInput& w) {
  Json fields = FieldsBuilder()
                    .text("household", w.household)
                    .text("building", w.building)
                    .text("area", w.area)
                    .text("category", w.category)
                    .text("channel", w.channel)
                    .text("description", w.description)
                    .text("priority", w.priority)
                    .text("assignee", w.assignee)
                    .integer("reported_at", w.reported_at.value_or(now()))
                    .build();
  return store_.insert("work_orders", fields);
}

Result<Record> FieldWork::add_work_order_note(const std::string& work_order, const std::string& text) {
  Json fields = FieldsBuilder()
                    .text("work_order", work_order)
                    .text("author", me())
                    .integer("written_at", now())
                    .text("text", text)
                    .build();
  return store_.insert("work_order_notes", fields);
}

Result<Record> FieldWork::log_complaint(const ComplaintInput& c) {
  Json fields = FieldsBuilder()
                    .text("type", c.type)
                    .text("household", c.household)
                    .text("building", c.building)
                    .text("description", c.description)
                    .text("assignee", c.assignee)
                    .integer("received_at", c.received_at.value_or(now()))
                    .build();
  return store_.insert("complaints", fields);
}

Result<Record> FieldWork::record_return_visit(const ReturnVisitInput& r) {
  Json fields = FieldsBuilder()
                    .text("work_order", r.work_order)
                    .text("complaint", r.complaint)
                    .integer("satisfaction", r.satisfaction)
                    .text("comment", r.comment)
                    .text("visited_by", r.visited_by.empty() ? me() : r.visited_by)
                    .integer("visited_at", r.visited_at.value_or(now()))
                    .build();
  return store_.insert("return_visits", fields);
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
