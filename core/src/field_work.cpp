#include "fieldsync/field_work.h"

#include <algorithm>
#include <tuple>

#include "fieldsync/access.h"
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
  if (problems.empty()) {
    FIELDSYNC_RETURN_IF_ERROR(
        relation_problems(store_.schema(), c, fields, StoreRecords(store_), problems));
  }
  if (problems.empty() && store_.access().known()) {
    auto refusal =
        ownership_refusal(store_.schema(), c, store_.access(), fields, StoreRecords(store_));
    if (!refusal.ok()) return refusal.status();
    if (!refusal->empty()) return Status::permission_denied(*refusal);
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
  if (c.advances.empty()) return store_.insert(c.name, fields);
  Record recorded;
  FIELDSYNC_RETURN_IF_ERROR(store_.write_together([&]() -> Status {
    auto inserted = store_.insert(c.name, fields);
    if (!inserted.ok()) return inserted.status();
    recorded = std::move(inserted).value();
    return advance_named(c, recorded.fields);
  }));
  return recorded;
}

Status FieldWork::advance_named(const CollectionDef& c, const Json& fields) {
  for (const StatusAdvance& advance : c.advances) {
    const FieldDef* field = c.field(advance.field);
    const Json& id = fields.value(advance.field, Json());
    if (field == nullptr || !id.is_string()) continue;
    const CollectionDef* target = store_.schema().find(field->target);
    const FieldDef* status = target != nullptr ? target->status_field() : nullptr;
    if (status == nullptr) continue;
    auto named = store_.get(target->name, id.get<std::string>());
    if (!named.ok()) return named.status();
    const int current = status->stage_index(named->fields.value(status->name, std::string()));
    if (status->stage_index(advance.stage) <= current) continue;
    // A role that may not move the status leaves it: the figures read the return visit.
    if (store_.access().known() && !write_refusal(store_.schema(), *target, store_.access(),
                                                  "status", Json{{status->name, nullptr}})
                                        .empty()) {
      continue;
    }
    auto moved = store_.advance_status(target->name, named->id, advance.stage);
    if (!moved.ok()) return moved.status();
  }
  return Status();
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

Result<ConflictResolution> conflict_resolution(const Record& conflict, ConflictChoice choice,
                                               const Json& new_value) {
  if (choice == ConflictChoice::kNewValue) return ConflictResolution{new_value, "new_value"};
  const bool winner = choice == ConflictChoice::kKeepWinner;
  Json value = Json::parse(conflict.fields.value(winner ? "winner_value" : "loser_value", "null"),
                           nullptr, false);
  if (value.is_discarded()) {
    return Status::corruption("conflict " + conflict.id + " holds a damaged value");
  }
  return ConflictResolution{std::move(value), winner ? "kept_winner" : "kept_loser"};
}

Result<Record> FieldWork::resolve_conflict(const std::string& conflict_id, ConflictChoice choice,
                                           const Json& new_value) {
  auto conflict = store_.get("conflicts", conflict_id);
  if (!conflict.ok()) return conflict.status();
  if (conflict->fields.value("status", "") != "open") {
    return Status::failed_precondition("conflict " + conflict->id + " is already resolved");
  }
  const Json& f = conflict->fields;
  auto chosen = conflict_resolution(*conflict, choice, new_value);
  if (!chosen.ok()) return chosen.status();
  const Json& value = chosen->value;
  const std::string& resolution = chosen->resolution;
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

Status FieldWork::load_records(RecordSet& into) const {
  for (const std::string& collection : RecordSet::collections_read()) {
    if (store_.schema().find(collection) == nullptr) continue;
    auto records = store_.list(collection);
    if (!records.ok()) return records.status();
    for (Record& r : *records) into.add(std::move(r));
  }
  return Status();
}

Result<TimeZone> FieldWork::home_zone() const {
  auto estates = store_.list("estates");
  if (!estates.ok()) return estates.status();
  const auto& mine = store_.access().estates;
  std::sort(estates->begin(), estates->end(), [&](const Record& a, const Record& b) {
    const bool a_mine = std::find(mine.begin(), mine.end(), a.id) != mine.end();
    const bool b_mine = std::find(mine.begin(), mine.end(), b.id) != mine.end();
    return std::tie(b_mine, a.id) < std::tie(a_mine, b.id);
  });
  for (const Record& estate : *estates) {
    const std::string name = estate.fields.value("time_zone", std::string());
    if (name.empty()) continue;
    if (auto zone = TimeZone::named(name); zone.ok()) return zone;
  }
  return TimeZone::utc();
}

Result<std::string> FieldWork::today() const {
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  return zone->date_of(now());
}

Result<std::string> FieldWork::day_or_today(const std::string& as_of) const {
  if (as_of.empty()) return today();
  auto date = parse_date(as_of);
  if (!date.ok()) return date.status().with_context("as-of");
  return format_date(*date);
}

Result<HouseholdArrears> FieldWork::arrears(const std::string& household,
                                            const std::string& as_of) const {
  auto record = store_.get("households", household);
  if (!record.ok()) return record.status();
  auto day = day_or_today(as_of);
  if (!day.ok()) return day.status();
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  RecordSet records;
  FIELDSYNC_RETURN_IF_ERROR(load_records(records));
  return household_arrears(Calendar(store_.schema(), records, *zone), record->id, *day);
}

Result<std::vector<ArrearsEntry>> FieldWork::arrears_list(const std::string& as_of,
                                                          int64_t more_than_years) const {
  auto day = day_or_today(as_of);
  if (!day.ok()) return day.status();
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  RecordSet records;
  FIELDSYNC_RETURN_IF_ERROR(load_records(records));
  return fieldsync::arrears_list(Calendar(store_.schema(), records, *zone), *day, more_than_years);
}

Result<std::vector<PromiseDue>> FieldWork::promises_due(const std::string& as_of,
                                                        const std::string& collector) const {
  auto day = day_or_today(as_of);
  if (!day.ok()) return day.status();
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  RecordSet records;
  FIELDSYNC_RETURN_IF_ERROR(load_records(records));
  return fieldsync::promises_due(Calendar(store_.schema(), records, *zone), *day, collector);
}

Result<CollectorVisits> FieldWork::visits(const std::string& collector, const std::string& from,
                                          const std::string& to) const {
  auto first = parse_date(from);
  if (!first.ok()) return first.status().with_context("from");
  auto last = parse_date(to);
  if (!last.ok()) return last.status().with_context("to");
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  RecordSet records;
  FIELDSYNC_RETURN_IF_ERROR(load_records(records));
  return collector_visits(Calendar(store_.schema(), records, *zone), collector, format_date(*first),
                          format_date(*last));
}

Result<MaintenanceFile> FieldWork::maintenance_file(const std::string& household) const {
  auto record = store_.get("households", household);
  if (!record.ok()) return record.status();
  auto zone = home_zone();
  if (!zone.ok()) return zone.status();
  RecordSet records;
  FIELDSYNC_RETURN_IF_ERROR(load_records(records));
  return fieldsync::maintenance_file(Calendar(store_.schema(), records, *zone), record->id);
}

}  // namespace fieldsync
