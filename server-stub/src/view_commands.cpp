// The office's own view of its records, without a phone: `list` (filtered, paged, as a
// table that names records as their declarations say, or JSON), `show` (one record with
// who set each field, its history of changes, its conflicts and the changes refused for
// it) and `export` (RFC 4180 CSV, UTF-8 with a byte-order mark so a spreadsheet reads
// Chinese, in the columns `import` reads back).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "event_times.h"
#include "fieldsync/hlc.h"
#include "fieldsync/id.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/csv_import.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"
#include "record_views.h"
#include "server_cli.h"
#include "table_export.h"
#include "text/text.h"

namespace fieldsync::server::cli {
namespace {

constexpr int64_t kDefaultLimit = 100;
constexpr size_t kCellColumns = 40;

// Which records `list` and `export` take: --where field=value (each one must hold),
// --since a local day or a time, --until a local day (record_views.h, as the console).
Result<RecordSelection> read_selection(const CollectionDef& c, const Arguments& args) {
  RecordSelection s;
  for (const std::string& where : args.values("where")) {
    const size_t equals = where.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("--where wants field=value, as --where status=open");
    }
    auto match = field_match(c, where.substr(0, equals), where.substr(equals + 1));
    if (!match.ok()) return match.status().with_context("--where");
    s.where.push_back(std::move(match).value());
  }
  if (auto since = args.value("since")) {
    FIELDSYNC_RETURN_IF_ERROR(selects_by_time(c, "--since"));
    if (auto day = parse_date(*since); day.ok()) {
      s.from = *day;
    } else if (auto at = parse_timestamp(*since); at.ok()) {
      s.since_ms = *at;
    } else {
      return Status::invalid_argument(
          "--since wants a day (2026-11-28) or a time "
          "(2026-11-28T09:30+08:00), not '" +
          utf8_prefix(*since, 60) + "'");
    }
  }
  if (auto until = args.value("until")) {
    FIELDSYNC_RETURN_IF_ERROR(selects_by_time(c, "--until"));
    auto day = parse_date(*until);
    if (!day.ok()) return day.status().with_context("--until");
    s.to = *day;
  }
  return s;
}

// The records of `c` that `s` selects, in id (for events, creation) order, from
// `offset` on, at most `limit` (0: all); `total` counts every selected record.
Result<std::vector<Record>> select_records(RecordViews& views, ServerTransaction& txn,
                                           const CollectionDef& c, const RecordSelection& s,
                                           int64_t offset, int64_t limit, int64_t& total) {
  std::vector<Record> out;
  total = 0;
  Status failed;
  FIELDSYNC_RETURN_IF_ERROR(txn.for_each_record(c.name, [&](const StoredRecord& r) {
    auto hit = views.selected(c, s, r);
    if (!hit.ok()) failed = hit.status();
    if (!hit.ok()) return false;
    if (*hit && total++ >= offset && (limit == 0 || static_cast<int64_t>(out.size()) < limit)) {
      out.push_back(r.record);
    }
    return true;
  }));
  if (!failed.ok()) return failed;
  return out;
}

Outcome run_list(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "COLLECTION"));
  auto c = Schema::property_management().require(context.args.positional[0]);
  if (!c.ok()) return c.status();
  auto selection = read_selection(**c, context.args);
  if (!selection.ok()) return selection.status();
  int64_t limit = kDefaultLimit, offset = 0;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(context.args, "limit", 1, 10000, limit));
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(context.args, "offset", 0, INT64_MAX / 2, offset));
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  int64_t total = 0;
  RecordViews views(**txn, Schema::property_management());
  auto records = select_records(views, **txn, **c, *selection, offset, limit, total);
  if (!records.ok()) return records.status();
  if (context.args.has("json")) {
    Json list = Json::array();
    for (const Record& r : *records) {
      list.push_back({{"id", r.id},
                      {"label", views.label(**c, r)},
                      {"bucket", r.bucket},
                      {"fields", r.fields}});
    }
    context.out << Json{{"collection", (*c)->name},
                        {"count", total},
                        {"offset", offset},
                        {"limit", limit},
                        {"records", list}}
                       .dump(2, ' ', false, Json::error_handler_t::replace)
                << "\n";
    return Outcome();
  }
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  std::vector<const FieldDef*> shown;
  for (const FieldDef& f : (*c)->fields) {
    for (const Record& r : *records) {
      if (!r.fields.value(f.name, Json()).is_null()) {
        shown.push_back(&f);
        break;
      }
    }
  }
  std::vector<std::string> headers = {"record"};
  std::vector<size_t> right;
  for (const FieldDef* f : shown) {
    if (f->type == FieldType::kMoney || f->type == FieldType::kInteger)
      right.push_back(headers.size());
    headers.push_back(f->name);
  }
  headers.push_back("id");
  std::vector<std::vector<std::string>> rows;
  for (const Record& r : *records) {
    std::vector<std::string> row = {text::cut_to_width(views.label(**c, r), kCellColumns)};
    for (const FieldDef* f : shown) {
      row.push_back(text::cut_to_width(views.value_text(*f, r.fields.value(f->name, Json()), *zone),
                                       kCellColumns));
    }
    row.push_back(r.id);
    rows.push_back(std::move(row));
  }
  context.out << format_table(headers, rows, right);
  const int64_t last = offset + static_cast<int64_t>(records->size());
  context.out << (records->empty() ? 0 : offset + 1) << "-" << last << " of " << total << " "
              << (*c)->name;
  if (last < total) context.out << "; --offset " << last << " for the next page";
  context.out << "\n";
  return Outcome();
}

// Who wrote the value stamped `encoded`: the device code of its node, or "office".
std::string writer_of(ServerTransaction& txn, const std::string& encoded) {
  auto stamp = Stamp::decode(encoded);
  if (!stamp.ok()) return "?";
  if (stamp->node == "server") return "office";
  auto device = txn.device_by_node(stamp->node);
  return device.ok() && *device ? (*device)->device_code : stamp->node;
}

Outcome run_show(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "ID"));
  auto id = parse_id(context.args.positional[0]);
  if (!id.ok()) return id.status().with_context("ID");
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  auto found = (*txn)->get_record(*id);
  if (!found.ok()) return found.status();
  auto history = (*txn)->record_changes(*id);
  if (!history.ok()) return history.status();
  std::vector<Record> conflicts;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record("conflicts", [&](const StoredRecord& r) {
    if (r.record.fields.value("record", "") == *id) conflicts.push_back(r.record);
    return true;
  }));
  auto all_refused = (*txn)->refused_changes(/*all=*/true);
  if (!all_refused.ok()) return all_refused.status();
  std::vector<RefusedChange> refused;
  for (RefusedChange& r : *all_refused)
    if (r.record_id == *id) refused.push_back(std::move(r));
  if (!*found && refused.empty()) return Status::not_found("no record " + *id + " on the server");

  const Schema& schema = Schema::property_management();
  const CollectionDef* c = *found ? schema.find((*found)->record.collection) : nullptr;
  RecordViews views(**txn, schema);
  if (context.args.has("json")) {
    Json out = {{"id", *id}};
    if (*found) {
      const Record& r = (*found)->record;
      Json set = Json::object();
      for (const auto& [name, stamp] : r.stamps.items()) {
        if (!stamp.is_string()) continue;
        auto decoded = Stamp::decode(stamp.get<std::string>());
        set[name] = {{"at", decoded.ok() ? zone->format(decoded->wall_ms) : ""},
                     {"by", writer_of(**txn, stamp.get<std::string>())}};
      }
      out.update({{"collection", r.collection},
                  {"bucket", r.bucket},
                  {"label", c != nullptr ? views.label(*c, r) : r.id},
                  {"fields", r.fields},
                  {"set", set}});
    }
    Json changes = Json::array();
    for (const RecordChange& h : *history) {
      changes.push_back({{"arrived_at", zone->format(h.arrived_ms)},
                         {"device", h.device_code},
                         {"user", h.user},
                         {"change_id", h.change_id},
                         {"kind", h.kind},
                         {"fields", h.fields},
                         {"outcome", h.outcome}});
    }
    Json conflict_list = Json::array();
    for (const Record& r : conflicts) conflict_list.push_back({{"id", r.id}, {"fields", r.fields}});
    Json refused_list = Json::array();
    for (const RefusedChange& r : refused) {
      refused_list.push_back({{"id", r.id},
                              {"device", r.device_code},
                              {"user", r.user},
                              {"kind", r.kind},
                              {"reason", r.reason},
                              {"refused_at", zone->format(r.refused_ms)},
                              {"state", r.state}});
    }
    out["history"] = changes;
    out["conflicts"] = conflict_list;
    out["refused_changes"] = refused_list;
    context.out << out.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    return Outcome();
  }

  if (*found) {
    const Record& r = (*found)->record;
    context.out << (c != nullptr ? views.label(*c, r) : r.id) << "\n";
    std::vector<std::vector<std::string>> rows = {
        {"id", r.id, "", ""}, {"collection", r.collection, "", ""}, {"bucket", r.bucket, "", ""}};
    if (c != nullptr) {
      for (const FieldDef& f : c->fields) {
        const Json& value = r.fields.value(f.name, Json());
        if (value.is_null()) continue;
        const std::string stamp = r.stamps.value(f.name, std::string());
        auto decoded = Stamp::decode(stamp);
        rows.push_back({f.name, text::cut_to_width(views.value_text(f, value, *zone), 60),
                        decoded.ok() ? zone->format(decoded->wall_ms) : "",
                        writer_of(**txn, stamp)});
      }
    }
    context.out << format_table({"field", "value", "set at", "by"}, rows);
  } else {
    context.out << "no record " << *id << " on the server: only refused changes name it\n";
  }
  std::vector<std::vector<std::string>> changes;
  for (const RecordChange& h : *history) {
    std::string fields;
    for (const auto& [name, value] : h.fields.items()) {
      const FieldDef* f = c != nullptr ? c->field(name) : nullptr;
      fields += (fields.empty() ? "" : ", ") + name + "=" +
                (f != nullptr ? format_field_value(*f, value) : value.dump());
    }
    changes.push_back({zone->format(h.arrived_ms), h.device_code.empty() ? "office" : h.device_code,
                       h.user, h.kind, h.outcome, text::cut_to_width(fields, 60)});
  }
  context.out << "\nHistory (" << changes.size() << " changes)\n"
              << format_table({"arrived", "device", "user", "kind", "outcome", "wrote"}, changes);
  std::vector<std::vector<std::string>> conflict_rows;
  for (const Record& r : conflicts) {
    const Json& f = r.fields;
    conflict_rows.push_back(
        {f.value("field", ""), text::cut_to_width(f.value("winner_value", ""), 30),
         f.value("winner_device", ""), text::cut_to_width(f.value("loser_value", ""), 30),
         f.value("loser_device", ""), f.value("status", ""), r.id});
  }
  context.out << "\nConflicts (" << conflict_rows.size() << ")\n"
              << format_table({"field", "winner", "winner device", "loser", "loser device",
                               "status", "conflict"},
                              conflict_rows);
  std::vector<std::vector<std::string>> refused_rows;
  for (const RefusedChange& r : refused) {
    refused_rows.push_back({std::to_string(r.id), zone->format(r.refused_ms), r.device_code, r.user,
                            r.state, text::cut_to_width(r.reason, 60)});
  }
  context.out << "\nRefused changes (" << refused_rows.size() << ")\n"
              << format_table({"parked", "refused", "device", "user", "state", "reason"},
                              refused_rows);
  return Outcome();
}

// A cell as `import` reads it back: lists joined by ';', everything else as typed.
std::string csv_cell(const FieldDef& field, const Json& value) {
  if (value.is_array()) {
    std::string out;
    for (const Json& item : value)
      out += (out.empty() ? "" : ";") + (item.is_string() ? item.get<std::string>() : item.dump());
    return out;
  }
  return format_field_value(field, value);
}

Outcome run_export(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "COLLECTION"));
  auto path = context.args.value("csv");
  if (!path || path->empty()) return Outcome::usage("name the file with --csv FILE");
  auto c = Schema::property_management().require(context.args.positional[0]);
  if (!c.ok()) return c.status();
  auto selection = read_selection(**c, context.args);
  if (!selection.ok()) return selection.status();
  std::error_code ec;
  if (std::filesystem::exists(*path, ec) && !context.args.has("force")) {
    return Status::already_exists("'" + *path + "' exists; name another file, or add --force");
  }
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  int64_t total = 0;
  RecordViews views(**txn, Schema::property_management());
  auto records = select_records(views, **txn, **c, *selection, 0, 0, total);
  if (!records.ok()) return records.status();
  // Written beside the target and renamed over it: a reader never sees half a file.
  const std::string partial = *path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << "\xEF\xBB\xBF"
        << "id";
    for (const FieldDef& f : (*c)->fields) out << "," << csv_field(f.name);
    out << "," << kLabelColumn << "\r\n";
    for (const Record& r : *records) {
      out << r.id;
      for (const FieldDef& f : (*c)->fields)
        out << "," << csv_field(csv_cell(f, r.fields.value(f.name, Json())));
      out << "," << csv_field(views.label(**c, r)) << "\r\n";
    }
    out.close();
    if (!out) {
      std::filesystem::remove(partial, ec);
      return Outcome::with_exit(Status::io_error("cannot write '" + *path + "'"), ExitCode::kOther);
    }
  }
  std::filesystem::rename(partial, *path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return Outcome::with_exit(Status::io_error("cannot write '" + *path + "'"), ExitCode::kOther);
  }
  context.out << "exported " << total << " " << (total == 1 ? (*c)->record_noun : (*c)->name)
              << " to " << *path << "\n";
  return Outcome();
}

std::string collection_names() {
  std::string out;
  for (const CollectionDef& c : Schema::property_management().collections())
    out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace

std::vector<CommandDef> view_commands() {
  const std::string collections = collection_names();
  return {
      {"list",
       "COLLECTION [--where field=value ...] [--since DAY|TIME] [--until DAY] [--limit N] "
       "[--offset N] [--json]",
       "list the server's records of a collection, named as people name them, 100 at a time; "
       "--where keeps those with a value (a list field: holding it; building: those in that "
       "building), each one given, --since those from a local day or time on, --until those "
       "up to a local day; collections: " +
           collections,
       {{"where", true, "FIELD=VALUE", true},
        {"since", true, "DAY|TIME"},
        {"until", true, "DAY"},
        {"limit", true, "N"},
        {"offset", true, "N"},
        {"json", false, ""}},
       Database::kExisting,
       run_list,
       "list payments --where collector=carl --since 2026-11-01"},
      {"show",
       "ID [--json]",
       "one record: each field with when and by whom it was set, its history of changes, its "
       "conflicts and the changes the server refused for it",
       {{"json", false, ""}},
       Database::kExisting,
       run_show,
       "show 0193a6f2-0000-7000-8000-00000000a001"},
      {"export",
       "COLLECTION --csv FILE [--where field=value ...] [--since DAY|TIME] [--until DAY] "
       "[--force]",
       "write a collection's records to a CSV file (UTF-8 with a byte-order mark, so a "
       "spreadsheet reads Chinese; the columns `import` reads back, and a label)",
       {{"csv", true, "FILE"},
        {"where", true, "FIELD=VALUE", true},
        {"since", true, "DAY|TIME"},
        {"until", true, "DAY"},
        {"force", false, ""}},
       Database::kExisting,
       run_export,
       "export households --csv households.csv"},
  };
}

}  // namespace fieldsync::server::cli
