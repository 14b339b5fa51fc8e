// The records of any declared collection for the office console (docs/console.md,
// "Records"), for any office role; what pages list (visits, payments, voids, findings,
// work orders ...) comes from here:
//   GET /v1/office/records/<collection>   ?<field>=<value>... (each a declared field;
//                                         building=ID: the records in that building)
//                                         &from=YYYY-MM-DD&to=YYYY-MM-DD (the event's
//                                         local day in its estate's zone)&limit&cursor:
//                                         newest event first (then id), in pages
//   GET /v1/office/records/<collection>/<id>  one record, with the attachments that name it
// A list also gives "choices": the values each field of a set may take, from its
// declaration (a visit's outcome), for a page's filters. An item is {"id", "label", "fields":
// values as people write them, "references": each reference's {"id", "label"}, "written_by",
// "received_at"}. The selection and the names are the command line's (record_views.h):
// `fieldsync-server list` gives the same records for the same selection.
#include <algorithm>
#include <utility>

#include "console_api.h"
#include "fieldsync/figures.h"
#include "fieldsync/id.h"
#include "fieldsync/server/sync_service.h"
#include "record_views.h"

namespace fieldsync::server {
namespace {

constexpr const char* kPrefix = "/v1/office/records/";
constexpr size_t kMaxValueBytes = 500;
const std::set<std::string> kPagingParams = {"from", "to", "limit", "cursor"};

Json reference_json(RecordViews& views, const Schema& schema, const FieldDef& f, const Json& id) {
  if (!id.is_string()) return nullptr;
  return {{"id", id},
          {"label", record_text(schema, f.target, id.get<std::string>(), views.records())}};
}

// A record as the console shows it.
Result<Json> item_json(RecordViews& views, const Schema& schema, const CollectionDef& c,
                       const Record& r) {
  auto zone = views.zone_of(c, r);
  if (!zone.ok()) return zone.status();
  Json fields = Json::object(), references = Json::object();
  for (const FieldDef& f : c.fields) {
    const Json& value = r.fields.value(f.name, Json());
    if (value.is_null()) continue;
    if (f.type == FieldType::kReference) {
      fields[f.name] = format_field_value(f, value);
      references[f.name] = reference_json(views, schema, f, value);
    } else if (f.type == FieldType::kReferenceList && value.is_array()) {
      fields[f.name] = format_field_value(f, value);
      Json list = Json::array();
      for (const Json& id : value) list.push_back(reference_json(views, schema, f, id));
      references[f.name] = list;
    } else {
      fields[f.name] = views.value_text(f, value, *zone);
    }
  }
  const Json& arrived = r.fields.value("arrived_at", Json());
  return Json{
      {"id", r.id},
      {"label", views.label(c, r)},
      {"fields", fields},
      {"references", references},
      {"written_by", views.written_by(r)},
      {"received_at",
       arrived.is_number_integer() ? Json(zone->format(arrived.get<int64_t>())) : Json(nullptr)}};
}

struct ListQuery {
  RecordSelection selection;
  int64_t limit = kDefaultPageSize;
  std::optional<std::pair<int64_t, std::string>> after;  // the cursor's [event time, id]
};

Result<ListQuery> list_query(const CollectionDef& c, const std::string& query) {
  std::set<std::string> allowed = kPagingParams;
  for (const std::string& name : filter_names(c)) allowed.insert(name);
  auto params = query_params(query, allowed);
  if (!params.ok()) return params.status();
  ListQuery q;
  for (const auto& [name, value] : *params) {
    if (kPagingParams.count(name)) continue;
    if (value.size() > kMaxValueBytes) {
      return Status::invalid_argument(name + ": at most " + std::to_string(kMaxValueBytes) +
                                      " bytes");
    }
    auto match = field_match(c, name, value);
    if (!match.ok()) return match.status();
    q.selection.where.push_back(std::move(match).value());
  }
  for (auto [name, day] : {std::pair{"from", &q.selection.from}, {"to", &q.selection.to}}) {
    if (!params->count(name)) continue;
    FIELDSYNC_RETURN_IF_ERROR(selects_by_time(c, name));
    auto parsed = parse_date(param(*params, name));
    if (!parsed.ok()) return parsed.status().with_context(name);
    *day = *parsed;
  }
  if (q.selection.from && q.selection.to &&
      days_from_civil(*q.selection.from) > days_from_civil(*q.selection.to)) {
    return Status::invalid_argument("from: " + param(*params, "from") + " is after to " +
                                    param(*params, "to"));
  }
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  if (params->count("cursor")) {
    auto key = key_of_cursor(param(*params, "cursor"));
    if (!key.ok()) return key.status();
    if (!key->is_array() || key->size() != 2 || !(*key)[0].is_number_integer() ||
        !(*key)[1].is_string()) {
      return Status::invalid_argument("cursor: not a cursor this list gave");
    }
    q.after = std::pair{(*key)[0].get<int64_t>(), (*key)[1].get<std::string>()};
  }
  return q;
}

HttpResponse list_records(ServerTransaction& txn, const Schema& schema, const CollectionDef& c,
                          const std::string& query) {
  auto q = list_query(c, query);
  if (!q.ok()) return console_error(q.status());
  RecordViews views(txn, schema);
  // Newest first: by event time (0 for records of no event), then id, both descending.
  std::vector<std::pair<int64_t, std::string>> chosen;
  Status failed;
  Status read = txn.for_each_record(c.name, [&](const StoredRecord& r) {
    auto hit = views.selected(c, q->selection, r);
    if (!hit.ok()) failed = hit.status();
    if (!hit.ok()) return false;
    if (*hit) chosen.emplace_back(event_time_of(c, r.record), r.record.id);
    return true;
  });
  if (!read.ok()) return console_error(read);
  if (!failed.ok()) return console_error(failed);
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  auto first = chosen.begin();
  if (q->after) first = std::upper_bound(chosen.begin(), chosen.end(), *q->after, std::greater<>());
  Json items = Json::array();
  for (auto it = first; it != chosen.end() && static_cast<int64_t>(items.size()) < q->limit; ++it) {
    auto stored = txn.get_record(it->second);
    if (!stored.ok()) return console_error(stored.status());
    if (!*stored) continue;
    auto item = item_json(views, schema, c, (*stored)->record);
    if (!item.ok()) return console_error(item.status());
    items.push_back(std::move(item).value());
  }
  const auto shown = first + static_cast<std::ptrdiff_t>(items.size());
  const bool more = !items.empty() && shown != chosen.end();
  // The values its fields of a set may take, for a page's filters (a visit's outcome).
  Json choices = Json::object();
  for (const FieldDef& f : c.fields) {
    if (!f.choices.empty()) choices[f.name] = f.choices;
  }
  return console_json(
      200, {{"collection", c.name},
            {"choices", choices},
            {"items", items},
            {"total", chosen.size()},
            {"next_cursor",
             more ? Json(cursor_of(Json::array({(shown - 1)->first, (shown - 1)->second})))
                  : Json(nullptr)}});
}

// The attachments that name record `id` of `c` (none when `c` takes none): what the page
// shows as photos, each read from /v1/office/attachments/<id>.
Result<Json> attachments_of(ServerTransaction& txn, const Schema& schema, const CollectionDef& c,
                            const std::string& id) {
  Json out = Json::array();
  const CollectionDef* attachments = schema.find("attachments");
  if (!c.takes_attachments || attachments == nullptr) return out;
  const auto parent = std::find_if(attachments->fields.begin(), attachments->fields.end(),
                                   [&](const FieldDef& f) { return f.target == c.name; });
  if (parent == attachments->fields.end()) return out;
  auto ids = txn.find_ids("attachments", parent->name, id);
  if (!ids.ok()) return ids.status();
  std::vector<Record> found;
  for (const std::string& attachment : *ids) {
    auto stored = txn.get_record(attachment);
    if (!stored.ok()) return stored.status();
    if (*stored) found.push_back((*stored)->record);
  }
  std::sort(found.begin(), found.end(), [](const Record& a, const Record& b) {
    return std::pair(a.fields.value("attached_at", int64_t{0}), a.id) <
           std::pair(b.fields.value("attached_at", int64_t{0}), b.id);
  });
  for (const Record& a : found) {
    out.push_back({{"id", a.id},
                   {"content_type", a.fields.value("media_type", "")},
                   {"size", a.fields.value("size", int64_t{0})},
                   {"file_name", a.fields.value("file_name", Json())},
                   {"caption", a.fields.value("caption", Json())}});
  }
  return out;
}

HttpResponse one_record(ServerTransaction& txn, const Schema& schema, const CollectionDef& c,
                        const std::string& id_text, const std::string& query) {
  auto params = query_params(query, {});
  if (!params.ok()) return console_error(params.status());
  auto id = parse_id(id_text);
  if (!id.ok()) return console_error(id.status().with_context("id"));
  auto stored = txn.get_record(*id);
  if (!stored.ok()) return console_error(stored.status());
  if (!*stored || (*stored)->record.collection != c.name) {
    return console_error(Status::not_found("no " + c.record_noun + " " + *id));
  }
  RecordViews views(txn, schema);
  auto item = item_json(views, schema, c, (*stored)->record);
  if (!item.ok()) return console_error(item.status());
  if (c.takes_attachments) {
    auto attachments = attachments_of(txn, schema, c, *id);
    if (!attachments.ok()) return console_error(attachments.status());
    (*item)["attachments"] = *attachments;
  }
  (*item)["collection"] = c.name;
  return console_json(200, *item);
}

}  // namespace

std::optional<HttpResponse> SyncService::route_office_records(const HttpRequest& request,
                                                              const std::string& path) {
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;
  if (request.method != "GET") {
    return console_error(ErrorCode::kMethodNotAllowed, "/v1/office/records/... takes GET");
  }
  const std::string rest = path.substr(std::string(kPrefix).size());
  const size_t slash = rest.find('/');
  const std::string name = rest.substr(0, slash);
  const CollectionDef* c = schema_.find(name);
  if (c == nullptr) {
    std::vector<std::string> names;
    for (const CollectionDef& each : schema_.collections()) names.push_back(each.name);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    return console_error(Status::not_found("no collection '" + utf8_prefix(name, 60) + "'" +
                                           did_you_mean(name, names) + "; there are " + list));
  }
  auto txn = store_.begin(false);
  if (!txn.ok()) return console_error(txn.status());
  if (slash == std::string::npos) return list_records(**txn, schema_, *c, query_of(request));
  return one_record(**txn, schema_, *c, rest.substr(slash + 1), query_of(request));
}

}  // namespace fieldsync::server
