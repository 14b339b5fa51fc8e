// Sync commands: enroll this device with the office server, sync (push then pull,
// with a progress bar), the sync status, the changes the server refused (parked),
// and the conflicts to review and resolve.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <tuple>

#include "cli/command.h"
#include "cli/record_output.h"
#include "cli/table.h"
#include "cpprest_transport.h"
#include "fieldsync/field_work.h"
#include "fieldsync/replicator.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {

Result<std::unique_ptr<HttpTransport>> server_transport(const CommandContext& context) {
  std::string server = context.args.value("server").value_or("");
  if (server.empty() && context.store != nullptr) {
    auto stored = context.store->sync_value(kSyncServer);
    if (!stored.ok()) return stored.status();
    server = *stored;
  }
  if (server.empty()) {
    return Status::invalid_argument("no server address: pass --server https://HOST:PORT");
  }
  // TLS settings as given now, or as kept from the enrollment.
  CpprestTransportOptions options;
  for (auto [option, key, value] : {std::tuple{"ca-file", kSyncCaFile, &options.ca_file},
                                    std::tuple{"pin", kSyncPin, &options.pin}}) {
    if (auto given = context.args.value(option)) {
      *value = *given;
    } else if (context.store != nullptr) {
      auto stored = context.store->sync_value(key);
      if (!stored.ok()) return stored.status();
      *value = *stored;
    }
  }
  auto transport = CpprestTransport::create(server, options);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<HttpTransport>(std::move(transport).value());
}

namespace {

// "63 minutes ahead of", "2 days behind": a clock error for people.
std::string clock_error_text(int64_t error_ms) {
  const int64_t minutes = std::llabs(error_ms) / 60000;
  const std::string amount = minutes >= 2 * 24 * 60 ? std::to_string(minutes / (24 * 60)) + " days"
                                                    : std::to_string(minutes) + " minutes";
  return amount + (error_ms > 0 ? " ahead of" : " behind");
}

CliStatus run_enroll(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto transport = server_transport(context);
  if (!transport.ok()) return transport.status();
  const std::string server = *context.args.value("server");
  const std::string code = *context.args.value("code");
  // An existing database says who it belongs to and which receipts it has issued, so
  // the server can refuse a code it cannot take without using it up.
  std::error_code ec;
  std::unique_ptr<DeviceStore> store;
  Result<EnrollResponse> enrollment = Status::internal("not asked");
  if (std::filesystem::exists(context.db_path, ec)) {
    auto opened = DeviceStore::open(context.db_path, context.store_options);
    if (!opened.ok()) return CliStatus::database(opened.status());
    store = std::move(opened).value();
    auto request = enrollment_request(*store, code);
    if (!request.ok()) return CliStatus::database(request.status());
    enrollment = request_enrollment(**transport, *request);
    if (!enrollment.ok()) return enrollment.status();
  } else {
    enrollment = request_enrollment(**transport, code, Schema::property_management().version());
    if (!enrollment.ok()) return enrollment.status();
    auto created = DeviceStore::create(
        context.db_path, {enrollment->device_code, enrollment->user, ""}, context.store_options);
    if (!created.ok()) return CliStatus::database(created.status());
    store = std::move(created).value();
  }
  if (Status s = adopt_enrollment(*store, *enrollment, server); !s.ok()) return s;
  std::error_code absolute_ec;
  const std::string ca_file = context.args.value("ca-file").value_or("");
  const std::string ca_path =
      ca_file.empty() ? "" : std::filesystem::absolute(ca_file, absolute_ec).string();
  if (Status s = store->set_sync_value(kSyncCaFile, ca_path); !s.ok()) return CliStatus::database(s);
  if (Status s = store->set_sync_value(kSyncPin, context.args.value("pin").value_or(""));
      !s.ok()) {
    return CliStatus::database(s);
  }
  if (context.json) {
    print_json(context.out, Json{{"device_code", enrollment->device_code}, {"user", enrollment->user},
                                 {"role", enrollment->role}, {"server", server}});
  } else {
    render_pairs(context.out, {{"enrolled as", enrollment->user + " (" + enrollment->role + ")"},
                               {"device code", enrollment->device_code},
                               {"server", server}});
  }
  return CliStatus();
}

// A one-line progress bar on a terminal; nothing when stderr is not one.
void show_progress(const SyncProgress& p) {
  if (!isatty(STDERR_FILENO)) return;
  if (p.retry_in_ms > 0) {
    const std::string why = p.waiting_because.substr(0, 60);
    std::fprintf(stderr, "\r%s: waiting %.1f s to try again (%s)   ", p.phase.empty() ? "sync" : p.phase.c_str(),
                 static_cast<double>(p.retry_in_ms) / 1000.0, why.c_str());
    std::fflush(stderr);
    return;
  }
  if (p.phase == "push") {
    const int64_t total = std::max<int64_t>(p.to_push, 1);
    const int filled = static_cast<int>(20 * std::min(p.pushed, total) / total);
    std::fprintf(stderr, "\rpush [%-20s] %lld/%lld   ", std::string(static_cast<size_t>(filled), '#').c_str(),
                 static_cast<long long>(p.pushed), static_cast<long long>(p.to_push));
  } else if (p.phase == "upload") {
    std::fprintf(stderr, "\rupload: %lld of %lld KiB of attachments   ", static_cast<long long>(p.bytes_sent / 1024),
                 static_cast<long long>(p.bytes_to_send / 1024));
  } else if (p.phase == "download") {
    std::fprintf(stderr, "\rdownload: %lld KiB of attachments   ", static_cast<long long>(p.bytes_received / 1024));
  } else {
    std::fprintf(stderr, "\rpull: %lld records%s   ", static_cast<long long>(p.pulled),
                 p.retries ? (" (" + std::to_string(p.retries) + " retries)").c_str() : "");
  }
  std::fflush(stderr);
}

// What the office settled, for --json: each entry the phone held, with the note.
Json settled_json(const std::vector<OfficeSettlement>& settled) {
  Json out = Json::array();
  for (const OfficeSettlement& s : settled) {
    out.push_back({{"outcome", s.voided ? "voided" : "accepted"},
                   {"seq", s.change.seq},
                   {"change_id", s.change.change_id},
                   {"collection", s.change.collection},
                   {"record_id", s.change.record_id},
                   {"note", s.note}});
  }
  return out;
}

CliStatus run_sync(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto transport = server_transport(context);
  if (!transport.ok()) return transport.status();
  ReplicatorOptions options;
  options.prefetch_blobs = context.args.has("prefetch");
  Replicator replicator(*context.store, **transport, options);
  auto report = replicator.sync(context.json ? ProgressCallback() : show_progress);
  if (!context.json && isatty(STDERR_FILENO)) std::fputs("\n", stderr);
  if (!report.ok()) return report.status();
  if (context.json) {
    print_json(context.out, Json{{"pushed", report->pushed},
                                 {"applied", report->applied},
                                 {"merged", report->merged},
                                 {"conflicts", report->conflicts},
                                 {"rejected", report->rejected},
                                 {"pulled", report->pulled},
                                 {"retries", report->retries},
                                 {"clock_ahead_ms", report->clock_ahead_ms},
                                 {"attachments_uploaded", report->blobs_uploaded},
                                 {"attachment_bytes_sent", report->blob_bytes_sent},
                                 {"attachments_waiting", report->blobs_waiting},
                                 {"attachments_downloaded", report->blobs_downloaded},
                                 {"accepted_by_office", report->accepted_by_office},
                                 {"voided_by_office", report->voided_by_office},
                                 {"settled", settled_json(report->settled)}});
    return CliStatus();
  }
  render_pairs(context.out, {{"pushed", std::to_string(report->pushed)},
                             {"  applied", std::to_string(report->applied)},
                             {"  merged by rule", std::to_string(report->merged)},
                             {"  conflicts", std::to_string(report->conflicts)},
                             {"  refused (parked)", std::to_string(report->rejected)},
                             {"pulled", std::to_string(report->pulled)},
                             {"retries", std::to_string(report->retries)},
                             {"attachments uploaded", std::to_string(report->blobs_uploaded) + " (" +
                                                          std::to_string(report->blob_bytes_sent / 1024) + " KiB sent)"}});
  if (report->accepted_by_office + report->voided_by_office > 0) {
    context.out << "the office settled " << report->accepted_by_office + report->voided_by_office
                << " of this phone's refused changes (" << report->accepted_by_office
                << " accepted, " << report->voided_by_office
                << " voided); their parked entries are gone\n";
    Table table({"settled", "collection", "record", "the office's note"});
    const StoreRecords names(*context.store);
    for (const OfficeSettlement& s : report->settled) {
      const OutboxChange& c = s.change;
      table.add_row(
          {s.voided ? "voided" : "accepted", c.collection,
           record_text(context.store->schema(), c.collection, c.record_id, names, c.fields),
           s.note});
    }
    table.render(context.out);
  }
  if (report->blobs_waiting > 0) {
    context.out << "warning: " << report->blobs_waiting
                << " attachments could not be uploaded yet; 'fieldsync attachments' says why\n";
  }
  if (report->clock_ahead_ms != 0) {
    context.out << "warning: this device's clock is " << clock_error_text(report->clock_ahead_ms)
                << " the server; set the right time (the server corrects the times of what "
                   "it records meanwhile)\n";
  }
  return CliStatus();
}

CliStatus run_status(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto status = Replicator::read_status(*context.store);
  if (!status.ok()) return status.status();
  const std::string last = status->last_success_ms ? format_timestamp(status->last_success_ms) : "never";
  const Access& access = context.store->access();
  // A revoked phone still holds a token; it is not enrolled in any sense that matters.
  const bool admitted = status->enrolled && status->refused_by_server.empty();
  if (context.json) {
    print_json(context.out, Json{{"enrolled", admitted}, {"server", status->server},
                                 {"refused_by_server", status->refused_by_server},
                                 {"user", context.store->identity().user},
                                 {"role", access.role},
                                 {"estates", access.estates},
                                 {"buildings", access.buildings},
                                 {"pending_changes", status->pending}, {"parked_changes", status->parked},
                                 {"last_success_ms", status->last_success_ms},
                                 {"clock_ahead_ms", status->clock_ahead_ms},
                                 {"pending_attachments", status->upload_blobs},
                                 {"pending_attachment_bytes", status->upload_bytes}});
    return CliStatus();
  }
  std::string enrolled = admitted ? "yes" : "no";
  if (!status->refused_by_server.empty()) enrolled += ": " + status->refused_by_server;
  else if (!status->enrolled) enrolled += ": `fieldsync enroll --server URL --code CODE` with a code from the office";
  std::string places;
  const StoreRecords names(*context.store);
  for (const std::string& id : access.buildings) {
    places += (places.empty() ? "" : ", ") + record_text(context.store->schema(), "buildings", id, names);
  }
  if (!access.estates.empty()) {
    places += (places.empty() ? "" : "; ") + std::to_string(access.estates.size()) +
              (access.estates.size() == 1 ? " estate" : " estates") + " whole";
  }
  render_pairs(context.out,
               {{"enrolled", enrolled},
                {"user", context.store->identity().user},
                {"role", access.known() ? access.role : "- (learnt at the first sync)"},
                {"buildings", places.empty() ? "-" : places},
                {"server", status->server.empty() ? "-" : status->server},
                {"pending changes", std::to_string(status->pending)},
                {"parked changes", std::to_string(status->parked)},
                {"attachments to upload", std::to_string(status->upload_blobs) + " (" +
                                              std::to_string(status->upload_bytes) + " bytes)"},
                {"last sync", last},
                {"clock", status->clock_ahead_ms != 0
                              ? clock_error_text(status->clock_ahead_ms) + " the server"
                              : "ok"}});
  return CliStatus();
}

CliStatus run_parked(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto parked = context.store->parked_changes();
  if (!parked.ok()) return parked.status();
  if (context.json) {
    Json out = Json::array();
    for (const auto& c : *parked) {
      out.push_back({{"seq", c.seq}, {"change_id", c.change_id}, {"kind", c.kind}, {"collection", c.collection},
                     {"record_id", c.record_id}, {"fields", c.fields}, {"reason", c.parked_reason}});
    }
    print_json(context.out, Json{{"count", out.size()}, {"parked_changes", out}});
    return CliStatus();
  }
  Table table({"seq", "kind", "collection", "record", "why the server refused it"});
  const StoreRecords names(*context.store);
  for (const auto& c : *parked) {
    // A refused create is named from its own fields: the phone no longer holds it.
    table.add_row({std::to_string(c.seq), c.kind, c.collection,
                   record_text(context.store->schema(), c.collection, c.record_id, names, c.fields),
                   c.parked_reason});
  }
  table.render(context.out);
  return CliStatus();
}

CliStatus list_conflicts(CommandContext& context) {
  ListQuery open;
  if (!context.args.has("all")) open.equals.push_back({"status", "open"});
  auto conflicts = context.store->list("conflicts", open);
  if (!conflicts.ok()) return conflicts.status();
  if (context.json) {
    print_json(context.out, Json{{"collection", "conflicts"},
                                 {"count", conflicts->size()},
                                 {"records", records_json(*conflicts)}});
    return CliStatus();
  }
  // The same words as --keep winner|loser.
  Table table({"id", "record", "field", "winner (kept)", "loser", "status"});
  const StoreRecords names(*context.store);
  for (const auto& c : *conflicts) {
    const Json& f = c.fields;
    table.add_row({c.id,
                   f.value("collection", "") + " " +
                       record_text(context.store->schema(), f.value("collection", ""),
                                   f.value("record", ""), names),
                   f.value("field", ""),
                   f.value("winner_value", "") + " by " + f.value("winner_device", ""),
                   f.value("loser_value", "") + " by " + f.value("loser_device", ""), f.value("status", "")});
  }
  table.render(context.out);
  return CliStatus();
}

CliStatus resolve_conflict(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 2, 2, "resolve <conflict-id>"));
  const std::string keep = context.args.value("keep").value_or("");
  const auto value_text = context.args.value("value");
  if ((keep.empty()) == (!value_text.has_value())) {
    return CliStatus::usage("resolve takes either --keep winner|loser or --value VALUE");
  }
  if (!keep.empty() && keep != "winner" && keep != "loser") {
    return CliStatus::usage("--keep takes 'winner' or 'loser', not '" + keep.substr(0, 40) + "'");
  }
  const std::string id = context.args.positional[1];
  ConflictChoice choice = keep == "winner" ? ConflictChoice::kKeepWinner : ConflictChoice::kKeepLoser;
  Json value;
  if (value_text) {
    choice = ConflictChoice::kNewValue;
    auto conflict = context.store->get("conflicts", id);
    if (!conflict.ok()) return conflict.status();
    auto collection = context.store->schema().require(conflict->fields.value("collection", ""));
    if (!collection.ok()) return collection.status();
    const FieldDef* field = (*collection)->field(conflict->fields.value("field", ""));
    if (field == nullptr) return Status::corruption("the conflict names a field the schema does not have");
    auto parsed = parse_field_text(*field, *value_text);
    if (!parsed.ok()) return parsed.status();
    value = *parsed;
  }
  return print_written(context, FieldWork(*context.store).resolve_conflict(id, choice, value));
}

CliStatus run_conflicts(CommandContext& context) {
  const auto& words = context.args.positional;
  if (words.empty() || words[0] == "list") {
    FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 1, "list"));
    return list_conflicts(context);
  }
  if (words[0] == "resolve") return resolve_conflict(context);
  return CliStatus::usage("conflicts takes 'list' or 'resolve <conflict-id>', not '" + words[0].substr(0, 40) + "'");
}

}  // namespace

std::vector<CommandDef> sync_commands() {
  return {
      {"enroll", "", "Enroll this device with the office server (creates the database if needed).",
       {option("server", "URL", "the server, e.g. https://office.example:8443 (http:// only to this machine)", true),
        option("code", "CODE", "the one-time enrollment code from the office", true),
        option("ca-file", "FILE", "trust the server's certificate when this CA (PEM) signed it"),
        option("pin", "sha256/KEY", "refuse a server certificate whose key has another SHA-256")},
       NeedsDatabase::kPathOnly, run_enroll,
       "enroll --server https://office.example:8443 --code K7Q2-M9XA-4HJD --pin sha256/...", ""},
      {"sync", "", "Push pending changes, then pull what changed, with a progress bar.",
       {option("server", "URL", "another server address than the enrolled one"),
        {"prefetch", false, false, "", "also download the bytes of every attachment in this device's buckets"}},
       NeedsDatabase::kOpen, run_sync, "sync", ""},
      {"status", "", "Show pending and parked changes, the last sync and clock warnings.", {}, NeedsDatabase::kOpen,
       run_status, "status", ""},
      {"parked", "", "List changes the server refused, with the reason; they never block the rest.", {},
       NeedsDatabase::kOpen, run_parked, "parked", ""},
      {"conflicts", "[list | resolve <conflict-id>]",
       "List the open conflicts (concurrent edits that lost), or resolve one.",
       {{"all", false, false, "", "list resolved conflicts too"},
        option("keep", "winner|loser", "resolve by keeping the value that won or the one that lost"),
        option("value", "VALUE", "resolve with a new value, typed as for the field")},
       NeedsDatabase::kOpen, run_conflicts, "conflicts resolve 0193a6f2-... --keep loser", ""},
  };
}

}  // namespace fieldsync::cli
