#include "record_views.h"

#include <algorithm>

#include "event_times.h"
#include "fieldsync/figures.h"
#include "fieldsync/hlc.h"
#include "fieldsync/id.h"

namespace fieldsync::server {
namespace {

constexpr const char* kBuilding = "building";

// Whether records of `c` are in buildings: it names a building, is one, or takes its
// place (its sync bucket) from a record that is in one.
bool in_buildings(const Schema& schema, const CollectionDef& c, int depth = 0) {
  if (depth > 8) return false;
  if (const FieldDef* f = c.field(kBuilding); f != nullptr && f->target == "buildings") return true;
  if (c.bucket.kind == BucketRule::Kind::kSelf) return c.bucket.prefix == "building:";
  if (c.bucket.kind != BucketRule::Kind::kInherit) return false;
  for (const std::string& name : c.bucket.fields) {
    const FieldDef* f = c.field(name);
    const CollectionDef* parent = f != nullptr ? schema.find(f->target) : nullptr;
    if (parent != nullptr && in_buildings(schema, *parent, depth + 1)) return true;
  }
  return false;
}

// Whether the record is in building `id`: its field names it, or its bucket (the place
// it syncs with, "building:<id>:<kind>") is that building's.
bool is_in_building(const Record& r, const std::string& id) {
  if (r.fields.value(kBuilding, Json()) == id) return true;
  const std::string place = "building:" + id + ":";
  return r.bucket.compare(0, place.size(), place) == 0;
}

}  // namespace

std::vector<std::string> filter_names(const CollectionDef& c) {
  std::vector<std::string> names;
  for (const FieldDef& f : c.fields) names.push_back(f.name);
  if (c.field(kBuilding) == nullptr && in_buildings(Schema::property_management(), c)) {
    names.push_back(kBuilding);
  }
  return names;
}

Result<FieldMatch> field_match(const CollectionDef& c, const std::string& name,
                               const std::string& text) {
  const std::vector<std::string> names = filter_names(c);
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    return Status::invalid_argument(c.name + " have no field '" + utf8_prefix(name, 60) + "'" +
                                    did_you_mean(name, names) + "; they are filtered by " + list);
  }
  FieldMatch match{name, c.field(name), Json()};
  if (match.field == nullptr) {  // the building a record is in
    auto id = parse_id(text);
    if (!id.ok()) return id.status().with_context(name);
    match.value = *id;
    return match;
  }
  FieldDef entry = *match.field;
  if (entry.type == FieldType::kReferenceList) entry.type = FieldType::kReference;
  if (entry.type == FieldType::kTextList) entry.type = FieldType::kText;
  auto value = parse_field_text(entry, text);
  if (!value.ok()) return value.status();
  match.value = std::move(value).value();
  return match;
}

Status selects_by_time(const CollectionDef& c, const std::string& what) {
  if (c.event_time() != nullptr) return Status();
  return Status::invalid_argument(what + ": " + c.name +
                                  " have no time to pick by; it works on records of events "
                                  "(payments, fee_visits, ...)");
}

Result<std::optional<Json>> RecordViews::KeptReader::fields_of(const std::string& collection,
                                                               const std::string& id) const {
  auto it = kept_.find(id);
  if (it == kept_.end()) {
    auto stored = txn_.get_record(id);
    if (!stored.ok()) return stored.status();
    std::optional<Record> record;
    if (*stored) record = std::move((*stored)->record);
    it = kept_.emplace(id, std::move(record)).first;
  }
  if (!it->second || it->second->collection != collection) return std::optional<Json>();
  return std::optional<Json>(it->second->fields);
}

RecordViews::RecordViews(ServerTransaction& txn, const Schema& schema)
    : txn_(txn), schema_(schema), records_(txn) {}

Result<bool> RecordViews::selected(const CollectionDef& c, const RecordSelection& s,
                                   const StoredRecord& stored) {
  const Record& r = stored.record;
  for (const FieldMatch& m : s.where) {
    if (m.field == nullptr || (m.name == kBuilding && m.field->target == "buildings")) {
      if (!is_in_building(r, m.value.get<std::string>())) return false;
      continue;
    }
    const Json& value = r.fields.value(m.field->name, Json());
    const bool hit = value.is_array()
                         ? std::find(value.begin(), value.end(), m.value) != value.end()
                         : value == m.value;
    if (!hit) return false;
  }
  if (!s.by_time()) return true;
  const int64_t at = event_time_of(c, r);
  if (at == 0) return false;
  if (s.since_ms && at < *s.since_ms) return false;
  if (s.from || s.to) {
    // The record's own local day: an estate's records by its zone.
    auto zone = zone_of(c, r);
    if (!zone.ok()) return zone.status();
    if (s.from && at < zone->start_of_day(*s.from)) return false;
    if (s.to && at >= zone->start_of_day(civil_from_days(days_from_civil(*s.to) + 1))) return false;
  }
  return true;
}

Result<TimeZone> RecordViews::zone_of(const CollectionDef& c, const Record& r) {
  auto zone = estate_zone_of(schema_, c, r.id, r.fields, records_);
  if (!zone.ok()) return zone.status();
  if (*zone) return **zone;
  if (!server_zone_) {
    auto server = server_zone(txn_);
    if (!server.ok()) return server.status();
    server_zone_ = *server;
  }
  return *server_zone_;
}

std::string RecordViews::label(const CollectionDef& c, const Record& r) {
  auto label = label_of(schema_, c, r.id, r.fields, records_);
  return label.ok() ? *label : r.id;
}

std::string RecordViews::value_text(const FieldDef& field, const Json& value,
                                    const TimeZone& zone) {
  if (field.type == FieldType::kReference) return reference_text(schema_, field, value, records_);
  if (field.type == FieldType::kTimestamp && value.is_number_integer()) {
    return zone.format(value.get<int64_t>());
  }
  return format_field_value(field, value);
}

std::string RecordViews::written_by(const Record& r) {
  std::optional<Stamp> first;
  for (const auto& [name, text] : r.stamps.items()) {
    if (!text.is_string()) continue;
    auto stamp = Stamp::decode(text.get<std::string>());
    if (stamp.ok() && (!first || *stamp < *first)) first = *stamp;
  }
  if (!first) return "";
  if (first->node == "server") return "office";
  auto known = users_by_node_.find(first->node);
  if (known != users_by_node_.end()) return known->second;
  auto device = txn_.device_by_node(first->node);
  const std::string user = device.ok() && *device ? (*device)->user : first->node;
  users_by_node_.emplace(first->node, user);
  return user;
}

}  // namespace fieldsync::server
