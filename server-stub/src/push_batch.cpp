#include "push_batch.h"

#include "fieldsync/buckets.h"
#include "fieldsync/id.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

// The longest reason an answer carries. A change with 100,000 unknown fields was
// refused with a reason of megabytes, stored as the answer and sent back, and the
// device, which reads at most 4,096 bytes of reason, could not read the answer.
constexpr size_t kMaxReasonBytes = 1000;

ChangeResult result_of(const WireChange& w, ChangeOutcome outcome, std::string reason = {}) {
  ChangeResult r;
  r.seq = w.seq;
  r.change_id = w.change.change_id;
  r.outcome = outcome;
  r.reason = reason.size() > kMaxReasonBytes ? utf8_prefix(reason, kMaxReasonBytes) + "..."
                                             : std::move(reason);
  return r;
}

Stamp loaded_clock(ServerTransaction& txn) {
  auto stamp = txn.load_clock();
  return stamp.ok() ? *stamp : Stamp{0, 0, "server"};
}

}  // namespace

PushBatch::PushBatch(ServerTransaction& txn, const Schema& schema, const Clock& clock,
                     const SyncServiceOptions& options, const Device& device, const User& user,
                     const Scope& scope, int client_schema_version, int64_t device_time_ms,
                     std::set<std::string> proven)
    : txn_(txn),
      schema_(schema),
      clock_(clock),
      options_(options),
      device_(device),
      user_(user),
      scope_(scope),
      client_schema_version_(client_schema_version),
      proven_(std::move(proven)),
      arrival_{clock.now_ms(), device_time_ms > 0
                                   ? std::optional<int64_t>(device_time_ms - clock.now_ms())
                                   : std::nullopt},
      hlc_(clock, "server", loaded_clock(txn)),
      last_seq_(device.last_seq),
      node_id_(device.node_id) {}

Result<ChangeResult> PushBatch::apply(const WireChange& wire) {
  // Exactly once: a change number already answered gets the same answer again.
  if (wire.seq <= last_seq_) {
    auto stored = txn_.change_result(device_.id, wire.seq);
    if (!stored.ok()) return stored.status();
    if (*stored) {
      auto previous = change_result_from_json(Json::parse(**stored, nullptr, false));
      if (!previous.ok()) return previous.status();
      if (previous->change_id == wire.change.change_id) return previous;
      return result_of(wire, ChangeOutcome::kRejected,
                       "change number " + std::to_string(wire.seq) +
                           " was already used by another change of this device");
    }
  }
  auto result = merge(wire);
  if (!result.ok()) return result;
  if (result->outcome == ChangeOutcome::kRejected) FIELDSYNC_RETURN_IF_ERROR(keep_refused(wire, *result));
  FIELDSYNC_RETURN_IF_ERROR(txn_.put_change_result(device_.id, wire.seq, wire.change.change_id,
                                                   change_result_to_json(*result).dump()));
  last_seq_ = std::max(last_seq_, wire.seq);
  return result;
}

Status PushBatch::keep_refused(const WireChange& wire, const ChangeResult& result) {
  RefusedChange kept;
  kept.device_id = device_.id;
  kept.device_code = device_.device_code;
  kept.user = user_.name;
  kept.seq = wire.seq;
  kept.change_id = wire.change.change_id;
  kept.collection = wire.change.collection;
  kept.record_id = wire.change.record_id;
  kept.kind = wire.change.kind;
  kept.change = wire_change_to_json(wire);
  kept.reason = result.reason;
  kept.refused_ms = arrival_.arrived_ms;
  kept.clock_error_ms = arrival_.clock_error_ms;
  auto id = txn_.put_refused_change(kept);
  return id.ok() ? Status() : id.status();
}

Result<std::string> PushBatch::check_stamp_nodes(const IncomingChange& change) {
  for (const auto& [field, value] : change.stamps.items()) {
    if (!value.is_string()) continue;  // the merge rejects it
    auto stamp = Stamp::decode(value.get<std::string>());
    if (!stamp.ok() || stamp->node == node_id_) continue;  // the merge rejects malformed stamps
    const std::string refusal =
        "stamps: " + utf8_prefix(field, 60) + ": node '" + stamp->node + "' ";
    if (stamp->node == "server")
      return refusal + "is the server's own; a device stamps with its own node";
    if (!node_id_.empty()) return refusal + "is not this device's node (" + node_id_ + ")";
    auto owner = txn_.device_by_node(stamp->node);
    if (!owner.ok()) return owner.status();
    // The same person's device may share it: a device database enrolled again.
    if (*owner && (*owner)->user != user_.name) return refusal + "belongs to another device";
    node_id_ = stamp->node;
    FIELDSYNC_RETURN_IF_ERROR(txn_.set_device_node(device_.id, node_id_));
  }
  return std::string();
}

void PushBatch::clamp_stamps(IncomingChange& change) {
  const int64_t now = clock_.now_ms();
  for (auto& [name, value] : change.stamps.items()) {
    if (!value.is_string()) continue;
    const std::string original = value.get<std::string>();
    auto stamp = Stamp::decode(original);
    if (!stamp.ok()) continue;  // the merge rejects malformed stamps
    if (stamp->wall_ms > now + options_.max_clock_skew_ms) {
      auto it = clamped_.find(original);
      if (it == clamped_.end()) {
        Stamp server = hlc_.tick();
        server.node = stamp->node;  // still this device's write
        it = clamped_.emplace(original, server.encode()).first;
      }
      clock_ahead_ms_ = std::max(clock_ahead_ms_, stamp->wall_ms - now);
      value = it->second;
    } else {
      hlc_.observe(*stamp);
    }
  }
}

Result<std::string> PushBatch::check_references(const CollectionDef& c, const Json& fields) {
  for (const Reference& ref : references_in(c, fields)) {
    auto target = txn_.get_record(ref.id);
    if (!target.ok()) return target.status();
    if (!*target || (*target)->record.collection != ref.target) {
      return ref.field + ": no " + ref.target + " record " + ref.id + " on the server";
    }
    if (!scope_.contains((*target)->record.bucket)) {
      return ref.field + ": " + ref.id + " is outside this device's buckets";
    }
  }
  return std::string();
}

Result<std::string> PushBatch::check_new_record(const CollectionDef& c, const Record& record) {
  for (const FieldDef& field : c.fields) {
    if (field.auto_value != AutoValue::kReceiptNumber) continue;
    const std::string receipt = record.fields.value(field.name, std::string());
    if (receipt.rfind(device_.device_code + "-", 0) != 0) {
      return field.name + ": '" + utf8_prefix(receipt, 40) +
             "' does not start with this device's code " + device_.device_code;
    }
    auto same = txn_.find_ids(c.name, field.name, receipt);
    if (!same.ok()) return same.status();
    if (!same->empty())
      return field.name + ": " + receipt + " is already used by another " + c.record_noun;
  }
  for (const FieldDef& field : c.fields) {
    if (!field.unique || !record.fields.contains(field.name)) continue;
    const Json& value = record.fields[field.name];
    auto same = txn_.find_ids(c.name, field.name,
                              value.is_string() ? value.get<std::string>() : value.dump());
    if (!same.ok()) return same.status();
    if (!same->empty()) {
      return field.name + ": " +
             utf8_prefix(value.is_string() ? value.get<std::string>() : value.dump(), 60) +
             " already has a " + c.record_noun + " (" + same->front() + ")";
    }
  }
  std::vector<std::string> problems;
  FIELDSYNC_RETURN_IF_ERROR(
      relation_problems(schema_, c, record.fields, ServerRecords(txn_), problems));
  Status invalid = invalid_record(c, std::move(problems));
  return invalid.ok() ? std::string() : invalid.message();
}

Status PushBatch::note_possession(const Record& record) {
  const Json& sha256 = record.fields.value("sha256", Json());
  if (!proven_.count(record.id) || !sha256.is_string()) return Status();
  return txn_.add_blob_holder(sha256.get<std::string>(), device_.id);
}

Result<std::string> PushBatch::writer_of(const std::string& encoded) {
  auto stamp = Stamp::decode(encoded);
  if (!stamp.ok()) return std::string("unknown");
  if (stamp->node == "server") return std::string("office (server)");
  auto device = txn_.device_by_node(stamp->node);
  if (!device.ok()) return device.status();
  if (!*device) return stamp->node;
  return (*device)->device_code + " (" + (*device)->user + ")";
}

Status PushBatch::store_conflicts(const CollectionDef& c, const MergeResult& merged,
                                  const IncomingChange& /*change*/) {
  for (const FieldConflict& conflict : merged.conflicts) {
    Record record;
    record.collection = "conflicts";
    record.id = new_id(clock_);
    record.bucket = merged.record.bucket;
    auto winner = writer_of(conflict.winner_stamp);
    if (!winner.ok()) return winner.status();
    auto loser = writer_of(conflict.loser_stamp);
    if (!loser.ok()) return loser.status();
    record.fields = {{"collection", c.name},
                     {"record", merged.record.id},
                     {"field", conflict.field},
                     {"winner_value", conflict.winner_value.dump()},
                     {"winner_stamp", conflict.winner_stamp},
                     {"winner_device", *winner},
                     {"loser_value", conflict.loser_value.dump()},
                     {"loser_stamp", conflict.loser_stamp},
                     {"loser_device", *loser},
                     {"detected_at", clock_.now_ms()},
                     {"status", "open"},
                     {"status_reopens", 0}};
    const std::string stamp = hlc_.tick().encode();
    for (const auto& [name, value] : record.fields.items()) record.stamps[name] = stamp;
    auto seq = txn_.put_record(record);
    if (!seq.ok()) return seq.status();
  }
  return Status();
}

Result<ChangeResult> PushBatch::merge(const WireChange& wire) {
  if (auto change_id = parse_id(wire.change.change_id); !change_id.ok()) {
    return result_of(wire, ChangeOutcome::kRejected, "change_id: " + change_id.status().message());
  }
  auto nodes = check_stamp_nodes(wire.change);
  if (!nodes.ok()) return nodes.status();
  if (!nodes->empty()) return result_of(wire, ChangeOutcome::kRejected, *nodes);
  IncomingChange change = wire.change;
  change.schema_version = client_schema_version_;
  const CollectionDef* c = schema_.find(change.collection);
  if (c == nullptr) {
    return result_of(wire, ChangeOutcome::kRejected,
                     "unknown collection '" + utf8_prefix(change.collection, 60) + "'");
  }
  auto id = parse_id(change.record_id);
  if (!id.ok()) return result_of(wire, ChangeOutcome::kRejected, "record_id: " + id.status().message());
  change.record_id = *id;
  auto current = txn_.get_record(change.record_id);
  if (!current.ok()) return current.status();
  std::optional<Record> existing;
  if (*current) {
    existing = (*current)->record;
    if (!scope_.contains(existing->bucket)) {
      return result_of(wire, ChangeOutcome::kRejected, "the record is outside this device's buckets");
    }
  }
  clamp_stamps(change);
  MergeResult merged = merge_change(*c, schema_, existing, change);
  if (merged.outcome == ChangeOutcome::kRejected) {
    return result_of(wire, merged.outcome, merged.reason);
  }
  // After the merge's own refusals (an append-only record, an immutable field), as the
  // phone checks the record before the role: both give the same reason.
  const Access access{user_.name, user_.role, {}, {}};
  if (std::string refusal = write_refusal(schema_, *c, access, change.kind, change.fields);
      !refusal.empty()) {
    return result_of(wire, ChangeOutcome::kRejected, refusal);
  }
  auto references = check_references(*c, change.kind == "create" ? change.fields : Json::object());
  if (!references.ok()) return references.status();
  if (!references->empty()) return result_of(wire, ChangeOutcome::kRejected, *references);
  if (change.kind == "create") {
    auto owned = ownership_refusal(schema_, *c, access, change.fields, ServerRecords(txn_));
    if (!owned.ok()) return owned.status();
    if (!owned->empty()) return result_of(wire, ChangeOutcome::kRejected, *owned);
  }
  if (!existing) {
    auto bucket = derive_bucket(*c, merged.record.id, merged.record.fields, server_bucket_lookup(txn_));
    if (!bucket.ok()) return bucket.status();
    if (!*bucket) {
      return result_of(wire, ChangeOutcome::kRejected,
                       c->record_noun + ": the record it belongs to is not on the server");
    }
    if (!scope_.contains(**bucket)) {
      return result_of(wire, ChangeOutcome::kRejected, "the record would be outside this device's buckets");
    }
    merged.record.bucket = **bucket;
    auto refusal = check_new_record(*c, merged.record);
    if (!refusal.ok()) return refusal.status();
    if (!refusal->empty()) return result_of(wire, ChangeOutcome::kRejected, *refusal);
    if (c->name == "attachments") {
      FIELDSYNC_RETURN_IF_ERROR(note_possession(merged.record));
    }
    FIELDSYNC_RETURN_IF_ERROR(
        set_arrival_fields(txn_, schema_, *c, arrival_, hlc_.tick().encode(), merged.record));
  }
  if (merged.changed) {
    auto seq = txn_.put_record(merged.record);
    if (!seq.ok()) return seq.status();
  }
  FIELDSYNC_RETURN_IF_ERROR(txn_.put_record_change(
      {merged.record.id, arrival_.arrived_ms, device_.device_code, user_.name, change.change_id,
       change.kind, change.fields, change_outcome_name(merged.outcome)}));
  FIELDSYNC_RETURN_IF_ERROR(store_conflicts(*c, merged, change));
  return result_of(wire, merged.outcome, merged.reason);
}

Status PushBatch::finish() {
  FIELDSYNC_RETURN_IF_ERROR(txn_.save_clock(hlc_.last()));
  return txn_.set_device_progress(device_.id, last_seq_, clock_.now_ms());
}

}  // namespace fieldsync::server
