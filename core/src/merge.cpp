#include "fieldsync/merge.h"

#include "fieldsync/hlc.h"
#include "fieldsync/text_values.h"

namespace fieldsync {

const char* change_outcome_name(ChangeOutcome outcome) {
  switch (outcome) {
    case ChangeOutcome::kApplied: return "applied";
    case ChangeOutcome::kMerged: return "merged";
    case ChangeOutcome::kConflict: return "conflict";
    case ChangeOutcome::kRejected: return "rejected";
  }
  return "unknown";
}

namespace {

MergeResult rejected(std::string reason) {
  MergeResult r;
  r.outcome = ChangeOutcome::kRejected;
  r.reason = std::move(reason);
  return r;
}

std::string node_of(const std::string& encoded) {
  auto stamp = Stamp::decode(encoded);
  return stamp.ok() ? stamp->node : std::string();
}

MergeResult merge_create(const CollectionDef& c, const Schema& schema,
                         const std::optional<Record>& current, const IncomingChange& change) {
  if (current) {
    if (current->fields == change.fields && current->collection == change.collection) {
      MergeResult same;  // a create the server already has: nothing to do
      same.record = *current;
      return same;
    }
    return rejected("a record with id " + change.record_id + " already exists");
  }
  if (c.server_created) return rejected(c.name + " are created by the server, not by a device");
  if (Status s = schema.validate_create(c, change.fields, /*managed_given=*/true, change.schema_version); !s.ok()) {
    return rejected(s.message());
  }
  MergeResult r;
  r.changed = true;
  r.record.collection = c.name;
  r.record.id = change.record_id;
  r.record.fields = change.fields;
  for (const auto& [name, value] : change.fields.items()) r.record.stamps[name] = change.stamps[name];
  return r;
}

// Applies one lww field of an update to `r.record`, recording a conflict if the edit
// was concurrent with another.
void merge_lww_field(const std::string& name, const Json& value, const std::string& stamp,
                     const std::string& base, MergeResult& r) {
  const std::string current_stamp = r.record.stamps.value(name, std::string());
  const Json current_value = r.record.fields.value(name, Json());
  auto write = [&] {
    if (value.is_null()) {
      r.record.fields.erase(name);
    } else {
      r.record.fields[name] = value;
    }
    r.record.stamps[name] = stamp;
    r.changed = true;
  };
  const bool sequential = current_stamp == base ||
                          (!current_stamp.empty() && node_of(current_stamp) == node_of(stamp));
  if (sequential) {
    if (current_stamp < stamp || current_stamp == base) write();
    return;
  }
  if (current_value == value) {
    if (current_stamp < stamp) write();  // same value: the later stamp stands for both
    if (r.outcome == ChangeOutcome::kApplied) r.outcome = ChangeOutcome::kMerged;
    return;
  }
  FieldConflict conflict;
  conflict.field = name;
  conflict.incoming_won = current_stamp < stamp;
  if (conflict.incoming_won) {
    conflict.winner_value = value;
    conflict.winner_stamp = stamp;
    conflict.loser_value = current_value;
    conflict.loser_stamp = current_stamp;
    write();
  } else {
    conflict.winner_value = current_value;
    conflict.winner_stamp = current_stamp;
    conflict.loser_value = value;
    conflict.loser_stamp = stamp;
  }
  r.conflicts.push_back(std::move(conflict));
  r.outcome = ChangeOutcome::kConflict;
}

MergeResult merge_update(const CollectionDef& c, const Schema& schema, const Record& current,
                         const IncomingChange& change) {
  if (Status s = schema.validate_update(c, change.fields); !s.ok()) return rejected(s.message());
  MergeResult r;
  r.record = current;
  for (const auto& [name, value] : change.fields.items()) {
    merge_lww_field(name, value, change.stamps[name].get<std::string>(),
                    change.base.value(name, std::string()), r);
  }
  return r;
}

MergeResult merge_status(const CollectionDef& c, const Record& current, const IncomingChange& change) {
  const FieldDef* status = c.status_field();
  if (status == nullptr) return rejected(c.name + " have no status");
  const std::string reopens = status->name + "_reopens";
  for (const auto& [name, value] : change.fields.items()) {
    if (name != status->name && name != reopens) {
      return rejected(name + ": a status change may only write " + status->name + " and " + reopens);
    }
  }
  if (!change.fields.contains(status->name) || !change.fields.contains(reopens)) {
    return rejected("a status change needs both " + status->name + " and " + reopens);
  }
  const Json& stage = change.fields[status->name];
  const Json& cycle = change.fields[reopens];
  if (!stage.is_string() || status->stage_index(stage.get<std::string>()) < 0) {
    return rejected(status->name + ": " + utf8_prefix(stage.dump(), 60) + " is not a stage of a " + c.record_noun);
  }
  if (!cycle.is_number_integer() || cycle.get<int64_t>() < 0) {
    return rejected(reopens + ": must be a whole number, zero or more");
  }
  // The count names the cycle the phone saw: a reopen counts one on from it, a status
  // change keeps it. So a reopen applies only to the cycle the server is in (two
  // offline reopens of one cycle count once) and no change can jump the counter.
  const int64_t seen = current.fields.value(reopens, int64_t{0});
  const int64_t named = cycle.get<int64_t>();
  const bool reopen = change.kind == "reopen";
  if (reopen && stage.get<std::string>() != status->choices.front()) {
    return rejected("a reopen moves " + status->name + " back to '" + status->choices.front() +
                    "'");
  }
  if (named > seen + (reopen ? 1 : 0)) {
    return rejected(reopens + ": " + std::to_string(named) + " is past the " + c.record_noun +
                    "'s count of " + std::to_string(seen) +
                    (reopen ? "; a reopen counts one on from it" : "; a status change keeps it"));
  }
  MergeResult r;
  r.record = current;
  if (reopen && named <= seen) {
    r.outcome = ChangeOutcome::kMerged;
    r.reason = "the " + c.record_noun + " was already reopened (" + reopens + " " +
               std::to_string(seen) + ")";
    return r;
  }
  const auto key = [&](const Json& fields) {
    return std::make_pair(fields.value(reopens, int64_t{0}),
                          status->stage_index(fields.value(status->name, status->choices.front())));
  };
  const auto incoming = key(change.fields), existing = key(current.fields);
  if (incoming > existing) {
    for (const std::string& name : {status->name, reopens}) {
      r.record.fields[name] = change.fields[name];
      r.record.stamps[name] = change.stamps[name];
    }
    r.changed = true;
  } else if (incoming < existing) {
    r.outcome = ChangeOutcome::kMerged;
    r.reason = "the " + c.record_noun + " is already further on ('" +
               current.fields.value(status->name, std::string()) + "')";
  }
  return r;
}

}  // namespace

std::optional<std::string> check_change_shape(const IncomingChange& change) {
  if (change.kind != "create" && change.kind != "update" && change.kind != "status" &&
      change.kind != "reopen") {
    return "kind '" + utf8_prefix(change.kind, 40) + "' is not create, update, status or reopen";
  }
  if (!change.fields.is_object() || change.fields.empty()) return std::string("fields must be a non-empty object");
  if (!change.stamps.is_object()) return std::string("stamps must be an object");
  if (!change.base.is_object()) return std::string("base must be an object");
  for (const auto& [name, value] : change.fields.items()) {
    if (!change.stamps.contains(name) || !change.stamps[name].is_string()) {
      return "stamps: no stamp for field '" + utf8_prefix(name, 60) + "'";
    }
    if (auto s = Stamp::decode(change.stamps[name].get<std::string>()); !s.ok()) {
      return "stamps: " + utf8_prefix(name, 60) + ": " + s.status().message();
    }
  }
  for (const auto& [name, value] : change.base.items()) {
    if (!value.is_string()) return "base: " + utf8_prefix(name, 60) + " must be a stamp or \"\"";
    if (!value.get<std::string>().empty()) {
      if (auto s = Stamp::decode(value.get<std::string>()); !s.ok()) {
        return "base: " + utf8_prefix(name, 60) + ": " + s.status().message();
      }
    }
  }
  return std::nullopt;
}

MergeResult merge_change(const CollectionDef& collection, const Schema& schema,
                         const std::optional<Record>& current, const IncomingChange& change) {
  if (auto problem = check_change_shape(change)) return rejected(*problem);
  if (change.kind == "create") return merge_create(collection, schema, current, change);
  if (!current || current->collection != collection.name) {
    return rejected("no " + collection.record_noun + " with id " + change.record_id + " on the server");
  }
  if (change.kind == "update") return merge_update(collection, schema, *current, change);
  return merge_status(collection, *current, change);
}

}  // namespace fieldsync
