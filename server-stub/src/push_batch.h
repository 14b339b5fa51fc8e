// Applies one device's push inside one server transaction: exactly-once replay of
// answered changes, permission and scope checks, stamp nodes tied to the device, stamp
// clamping, the shared merge rules, conflict records, receipt-number and relation checks,
// and the arrival fields of new events (event_times.h). Private to server-stub.
#pragma once

#include <map>
#include <set>
#include <string>

#include "access_policy.h"
#include "event_times.h"
#include "fieldsync/protocol.h"
#include "fieldsync/server/sync_service.h"

namespace fieldsync::server {

class PushBatch {
 public:
  PushBatch(ServerTransaction& txn, const Schema& schema, const Clock& clock,
            const SyncServiceOptions& options, const Device& device, const User& user,
            const Scope& scope, int client_schema_version, int64_t device_time_ms = 0,
            std::set<std::string> proven = {});

  // The answer to one change; a non-ok Status only for storage failures (the whole
  // request then fails and nothing is kept).
  Result<ChangeResult> apply(const WireChange& change);
  // Persists the server clock and the device's progress.
  Status finish();
  int64_t clock_ahead_ms() const { return clock_ahead_ms_; }

 private:
  Result<ChangeResult> merge(const WireChange& wire);
  // Keeps a refused change whole, for the office (RefusedChange).
  Status keep_refused(const WireChange& wire, const ChangeResult& result);
  // Why the change's new stamps cannot be this device's ("" when they are): every one
  // must carry the device's HLC node. A device's first stamp teaches the server its
  // node, unless the node is "server" or another person's device already has it (the
  // same person's may: a device database enrolled again). Bases are not checked: they
  // name the value replaced, which anyone may have written.
  Result<std::string> check_stamp_nodes(const IncomingChange& change);
  // Gives stamps too far ahead of the server's clock a server stamp (same node).
  void clamp_stamps(IncomingChange& change);
  Result<std::string> check_references(const CollectionDef& c, const Json& fields);
  // Why a new record cannot be stored ("" when it can): a receipt number that is not
  // this device's or is already used, or the collection's relation check.
  Result<std::string> check_new_record(const CollectionDef& c, const Record& record);
  // A new attachment record is taken whether or not the server holds its bytes: which
  // bytes are here is told to nobody who has not shown it holds them (blob_access.h).
  // When its possession proof matched the bytes the server holds (`proven`, checked
  // before the transaction by proven_attachments), the device is noted as holding
  // them, so its record gives its readers the bytes at once; otherwise it is asked for
  // the bytes at its upload, and its record gives nothing until they come.
  Status note_possession(const Record& record);
  // Who wrote a stamp, for a person: "CODE (user)", the office, or the raw node id.
  Result<std::string> writer_of(const std::string& stamp);
  Status store_conflicts(const CollectionDef& c, const MergeResult& merged, const IncomingChange& change);

  ServerTransaction& txn_;
  const Schema& schema_;
  const Clock& clock_;
  const SyncServiceOptions& options_;
  const Device& device_;
  const User& user_;
  const Scope& scope_;
  int client_schema_version_;
  std::set<std::string> proven_;  // attachment records whose proof matched
  Arrival arrival_;  // when this push arrived, and the device's clock error then
  HybridClock hlc_;
  std::map<std::string, std::string> clamped_;  // original stamp -> server stamp
  int64_t clock_ahead_ms_ = 0;
  int64_t last_seq_ = 0;
  std::string node_id_;  // this device's HLC node; empty until its first stamp
};

}  // namespace fieldsync::server
