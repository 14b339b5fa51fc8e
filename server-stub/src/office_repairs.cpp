// The console's page Repairs and complaints (docs/console.md, "Repairs and complaints"),
// for any office role:
//   GET /v1/office/repairs   ?period=YYYY-MM (the month of as_of when left out)
//                            &as_of=YYYY-MM-DD (today in the server's zone)&limit&cursor:
//                            work orders and complaints by status now (status_counts),
//                            the return visits of the period up to the day and their
//                            satisfaction (return_visit_satisfaction), and in pages the
//                            repairs and complaints awaiting a return visit
//                            (awaiting_return_visit), each household and building named
//                            by its label beside its id, as the office report names them;
//   GET /v1/office/households/<id>/file   ?limit&cursor: the household's maintenance file
//                            (maintenance_file): every work order, note, complaint and
//                            return visit of the household, in the order they happened,
//                            in pages, each dated in its estate's zone.
// The lists of work orders and complaints of one status are the records listing's
// (/v1/office/records/work_orders?status=..., office_records.cpp).
#include <algorithm>
#include <map>
#include <set>

#include "console_api.h"
#include "fieldsync/id.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr const char* kRepairsPath = "/v1/office/repairs";
constexpr const char* kHouseholdsPrefix = "/v1/office/households/";
constexpr const char* kFileSuffix = "/file";

// The paging terms of a list ordered by [milliseconds, id], and its cursor's key.
struct TimedPaging {
  int64_t limit = kDefaultPageSize;
  std::optional<std::pair<int64_t, std::string>> after;
};

Result<TimedPaging> timed_paging(const std::map<std::string, std::string>& params) {
  TimedPaging out;
  auto limit = number_param(params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return limit.status();
  out.limit = *limit;
  if (params.count("cursor")) {
    auto key = key_of_cursor(param(params, "cursor"));
    if (!key.ok()) return key.status();
    if (!key->is_array() || key->size() != 2 || !(*key)[0].is_number_integer() ||
        !(*key)[1].is_string()) {
      return Status::invalid_argument("cursor: not a cursor this list gave");
    }
    out.after = std::pair{(*key)[0].get<int64_t>(), (*key)[1].get<std::string>()};
  }
  return out;
}

// One page of `keyed` (each entry's [milliseconds, id] and its JSON, in that order):
// the paging contract's {"items", "total", "next_cursor"}.
Json page_of(const std::vector<std::pair<std::pair<int64_t, std::string>, Json>>& keyed,
             const TimedPaging& paging) {
  Json items = Json::array();
  const std::pair<int64_t, std::string>* last = nullptr;
  bool more = false;
  for (const auto& [key, item] : keyed) {
    if (paging.after && !(*paging.after < key)) continue;
    if (static_cast<int64_t>(items.size()) == paging.limit) {
      more = true;
      break;
    }
    items.push_back(item);
    last = &key;
  }
  return {{"items", items},
          {"total", keyed.size()},
          {"next_cursor", more && last != nullptr
                              ? Json(cursor_of(Json::array({last->first, last->second})))
                              : Json(nullptr)}};
}

Json status_json(const std::vector<StatusCount>& counts) {
  Json out = Json::array();
  for (const StatusCount& s : counts) out.push_back({{"status", s.status}, {"count", s.count}});
  return out;
}

std::string text_of(const Record& r, const char* field) {
  auto it = r.fields.find(field);
  return it != r.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One entry of a maintenance file: what it is (its collection), when (in its estate's
// zone), who handles, wrote or made it, what it says, the status of an order, and the
// work order or complaint it belongs to (with that order's category or type).
Json file_entry(const Calendar& calendar, const Record& r, const Record& order) {
  const CollectionDef* c = calendar.schema().find(r.collection);
  const int64_t ms = c != nullptr ? event_time_of(*c, r) : 0;
  const bool is_order = r.id == order.id;
  std::string who, said;
  if (r.collection == "work_order_notes") {
    who = text_of(r, "author");
    said = text_of(r, "text");
  } else if (r.collection == "return_visits") {
    who = text_of(r, "visited_by");
    said = text_of(r, "comment");
  } else {
    who = text_of(r, "assignee");
    said = text_of(r, "description");
  }
  const std::string category =
      order.collection == "complaints" ? text_of(order, "type") : text_of(order, "category");
  const Json& score = r.fields.value("satisfaction", Json());
  return {{"id", r.id},
          {"kind", r.collection},
          {"at", ms > 0 ? Json(calendar.zone_of(r).format(ms)) : Json(nullptr)},
          {"date", ms > 0 ? Json(calendar.event_date(r)) : Json(nullptr)},
          {"who", who.empty() ? Json(nullptr) : Json(who)},
          {"text", said.empty() ? Json(nullptr) : Json(said)},
          {"status", is_order ? Json(text_of(r, "status")) : Json(nullptr)},
          {"satisfaction", score.is_number_integer() ? score : Json(nullptr)},
          {"order", order.id},
          {"order_kind", order.collection},
          {"category", category.empty() ? Json(nullptr) : Json(category)}};
}

// Every entry of `file` with the key it is ordered by: when it happened, then its id.
std::vector<std::pair<std::pair<int64_t, std::string>, Json>> maintenance_file_entries(
    const Calendar& calendar, const MaintenanceFile& file) {
  std::vector<std::pair<std::pair<int64_t, std::string>, Json>> out;
  auto add = [&](const Record& r, const Record& order) {
    const CollectionDef* c = calendar.schema().find(r.collection);
    out.push_back(
        {{c != nullptr ? event_time_of(*c, r) : 0, r.id}, file_entry(calendar, r, order)});
  };
  for (const auto* histories : {&file.work_orders, &file.complaints}) {
    for (const RepairHistory& h : *histories) {
      add(h.order, h.order);
      for (const Record& n : h.notes) add(n, h.order);
      for (const Record& v : h.return_visits) add(v, h.order);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// The maintenance file of household `id` in pages; not_found when it is no household.
Result<Json> file_answer(const ServerFigures& figures, const Schema& schema, const std::string& id,
                         const TimedPaging& paging) {
  const Record* held = figures.records.find(id);
  if (held == nullptr || held->collection != "households") {
    return Status::not_found("no household " + id);
  }
  const Calendar calendar = figures.calendar(schema);
  Json answer =
      page_of(maintenance_file_entries(calendar, maintenance_file(calendar, held->id)), paging);
  answer["household"] = held->id;
  answer["household_label"] = record_text(schema, "households", held->id, figures.records);
  return answer;
}

// The page's figures for `period` (YYYY-MM) as of `day`, the awaiting ones in pages.
Json repairs_answer(const ServerFigures& figures, const Schema& schema, const std::string& period,
                    const std::string& day, const TimedPaging& paging) {
  const Calendar calendar = figures.calendar(schema);
  const std::vector<AwaitingReturnVisit> awaiting = awaiting_return_visit(calendar);
  PlaceLabels labels;
  add_place_labels(schema, figures.records, awaiting, {}, labels);
  std::vector<std::pair<std::pair<int64_t, std::string>, Json>> keyed;
  for (const AwaitingReturnVisit& w : awaiting) {
    keyed.push_back({{w.done_ms, w.id}, awaiting_json(w, labels, figures.zone.name())});
  }
  Json answer = page_of(keyed, paging);
  answer["period"] = period;
  answer["as_of"] = day;
  answer["work_orders"] = status_json(status_counts(calendar, "work_orders"));
  answer["complaints"] = status_json(status_counts(calendar, "complaints"));
  answer["return_visits"] = satisfaction_json(return_visit_satisfaction(calendar, period, day));
  return answer;
}

}  // namespace

std::optional<HttpResponse> SyncService::route_office_repairs(const HttpRequest& request,
                                                              const std::string& path) {
  const bool repairs = path == kRepairsPath;
  const std::string prefix = kHouseholdsPrefix, suffix = kFileSuffix;
  const bool file = path.size() > prefix.size() + suffix.size() && path.rfind(prefix, 0) == 0 &&
                    path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!repairs && !file) return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;  // every office role reads these
  if (request.method != "GET") {
    return console_error(ErrorCode::kMethodNotAllowed,
                         (repairs ? path : "/v1/office/households/<id>/file") + " takes GET");
  }
  auto params = query_params(query_of(request),
                             repairs ? std::set<std::string>{"period", "as_of", "limit", "cursor"}
                                     : std::set<std::string>{"limit", "cursor"});
  if (!params.ok()) return console_error(params.status());
  auto paging = timed_paging(*params);
  if (!paging.ok()) return console_error(paging.status());
  Json answer;
  if (file) {
    auto household =
        parse_id(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
    if (!household.ok()) return console_error(household.status().with_context("household"));
    Status status = kept_figures_.use([&](const ServerFigures& figures) {
      auto made = file_answer(figures, schema_, *household, *paging);
      if (!made.ok()) return made.status();
      answer = std::move(made).value();
      return Status();
    });
    if (!status.ok()) return console_error(status);
    return console_json(200, answer);
  }
  auto as_of = date_param(*params, "as_of");
  if (!as_of.ok()) return console_error(as_of.status());
  std::string period = param(*params, "period");
  if (!period.empty()) {
    auto month = parse_month(period);
    if (!month.ok()) return console_error(month.status().with_context("period"));
    period = format_date(*month).substr(0, 7);
  }
  Status status = kept_figures_.use([&](const ServerFigures& figures) {
    const std::string day = as_of->empty() ? figures.zone.date_of(clock_.now_ms()) : *as_of;
    answer =
        repairs_answer(figures, schema_, period.empty() ? day.substr(0, 7) : period, day, *paging);
    return Status();
  });
  if (!status.ok()) return console_error(status);
  return console_json(200, answer);
}

}  // namespace fieldsync::server
