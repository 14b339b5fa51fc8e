// The console's page Patrol (docs/console.md, "Patrol"), for any office role:
//   GET /v1/office/patrol   ?from=YYYY-MM-DD&to=YYYY-MM-DD (at most 31 days; the week
//                           to today in the server's zone when left out)&route=ID
//                           &limit&cursor: each route's round per local day
//                           (patrol_rounds: its checkpoints, who checked in at each and
//                           when, in the estate's zone, those missed), in pages by route
//                           name and day; with how many rounds missed a checkpoint and
//                           the routes to choose from.
// The page lists the findings with /v1/office/records/findings, marks the overdue ones
// as the office report counts them (/v1/office/today: finding_figures) and reads their
// photos from /v1/office/attachments/<id> (office_attachments.cpp).
#include <algorithm>
#include <map>

#include "console_api.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr int64_t kMaxDays = 31;
constexpr int64_t kDefaultDays = 7;

struct PatrolQuery {
  std::string from, to, route;  // as asked; "" when not
  int64_t limit = kDefaultPageSize;
  std::optional<Json> after;  // the cursor's key: [route name, route id, date]
};

Result<PatrolQuery> patrol_query(const std::string& query) {
  auto params = query_params(query, {"from", "to", "route", "limit", "cursor"});
  if (!params.ok()) return params.status();
  PatrolQuery q;
  for (auto [name, into] : {std::pair{"from", &q.from}, {"to", &q.to}}) {
    auto day = date_param(*params, name);
    if (!day.ok()) return day.status();
    *into = *day;
  }
  q.route = param(*params, "route");
  if (q.route.size() > 100) return Status::invalid_argument("route: not a patrol route's id");
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  if (params->count("cursor")) {
    auto key = key_of_cursor(param(*params, "cursor"));
    if (!key.ok()) return key.status();
    if (!key->is_array() || key->size() != 3 || !(*key)[0].is_string() || !(*key)[1].is_string() ||
        !(*key)[2].is_string()) {
      return Status::invalid_argument("cursor: not a cursor this list gave");
    }
    q.after = *key;
  }
  return q;
}

// The range asked for, `to` today and `from` six days before when not given; at most
// kMaxDays days.
Status fill_range(PatrolQuery& q, const std::string& today) {
  if (q.to.empty()) q.to = q.from.empty() ? today : q.from;
  const int64_t to = days_from_civil(*parse_date(q.to));
  if (q.from.empty()) q.from = format_date(civil_from_days(to - (kDefaultDays - 1)));
  const int64_t from = days_from_civil(*parse_date(q.from));
  if (from > to) return Status::invalid_argument("from: " + q.from + " is after to " + q.to);
  if (to - from + 1 > kMaxDays) {
    return Status::invalid_argument("from, to: at most " + std::to_string(kMaxDays) +
                                    " days at once, not " + std::to_string(to - from + 1));
  }
  return Status();
}

std::string name_of(const RecordSet& records, const std::string& id) {
  const Record* r = records.find(id);
  return r != nullptr ? r->fields.value("name", "") : std::string();
}

Json round_json(const PatrolRound& round, const Calendar& calendar) {
  const TimeZone& zone = calendar.zone_of_estate(round.estate);
  Json checkpoints = Json::array();
  for (const RoundCheckpoint& p : round.checkpoints) {
    Json checkins = Json::array();
    for (const PatrolCheckIn& c : p.checkins) {
      checkins.push_back({{"id", c.id},
                          {"patroller", c.patroller},
                          {"at", zone.format(c.at_ms)},
                          {"method", c.method},
                          {"condition", c.condition},
                          {"note", c.note}});
    }
    checkpoints.push_back({{"checkpoint", p.checkpoint},
                           {"name", p.name},
                           {"sequence", p.sequence ? Json(*p.sequence) : Json(nullptr)},
                           {"missed", p.missed()},
                           {"checkins", checkins}});
  }
  return {{"route", round.route},   {"route_name", round.route_name},
          {"estate", round.estate}, {"estate_name", name_of(calendar.records(), round.estate)},
          {"date", round.date},     {"checkins", round.checkins},
          {"missed", round.missed}, {"checkpoints", checkpoints}};
}

// The routes not archived, by name: what the page filters by.
Json routes_json(const RecordSet& records) {
  std::vector<const Record*> listed;
  for (const Record* r : records.of("patrol_routes")) {
    if (r->fields.value("archived", false) != true) listed.push_back(r);
  }
  std::sort(listed.begin(), listed.end(), [](const Record* a, const Record* b) {
    return std::make_pair(a->fields.value("name", ""), a->id) <
           std::make_pair(b->fields.value("name", ""), b->id);
  });
  Json routes = Json::array();
  for (const Record* r : listed) {
    routes.push_back({{"id", r->id},
                      {"name", r->fields.value("name", "")},
                      {"estate_name", name_of(records, r->fields.value("estate", ""))}});
  }
  return routes;
}

Json round_key(const PatrolRound& r) {
  return Json::array({r.route_name, r.route, r.date});
}

}  // namespace

std::optional<HttpResponse> SyncService::route_office_patrol(const HttpRequest& request,
                                                             const std::string& path) {
  if (path != "/v1/office/patrol") return std::nullopt;
  HttpResponse refusal;
  auto session = office_session_of(request, refusal);
  if (!session) return refusal;  // every office role reads it
  if (request.method != "GET") {
    return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET");
  }
  auto q = patrol_query(query_of(request));
  if (!q.ok()) return console_error(q.status());
  Json answer;
  Status status = kept_figures_.use([&](const ServerFigures& figures) {
    if (Status s = fill_range(*q, figures.zone.date_of(clock_.now_ms())); !s.ok()) return s;
    const RecordSet& records = figures.records;
    const Record* chosen = q->route.empty() ? nullptr : records.find(q->route);
    if (!q->route.empty() && (chosen == nullptr || chosen->collection != "patrol_routes")) {
      return Status::invalid_argument("route: no patrol route " + utf8_prefix(q->route, 100));
    }
    const Calendar calendar = figures.calendar(schema_);
    std::vector<PatrolRound> rounds = patrol_rounds(calendar, q->from, q->to);
    Json items = Json::array();
    int64_t total = 0, missing = 0;
    const PatrolRound* last = nullptr;
    bool more = false;
    for (const PatrolRound& round : rounds) {
      if (chosen != nullptr && round.route != chosen->id) continue;
      ++total;
      missing += round.missed > 0;
      if (q->after && !(*q->after < round_key(round))) continue;
      if (static_cast<int64_t>(items.size()) == q->limit) {
        more = true;
        continue;
      }
      items.push_back(round_json(round, calendar));
      last = &round;
    }
    answer = {{"items", items},
              {"total", total},
              {"next_cursor", more && last ? Json(cursor_of(round_key(*last))) : Json(nullptr)},
              {"from", q->from},
              {"to", q->to},
              {"rounds_with_missed", missing},
              {"routes", routes_json(records)}};
    return Status();
  });
  if (!status.ok()) return console_error(status);
  return console_json(200, answer);
}

}  // namespace fieldsync::server
