// The data of the office console's pages (docs/console.md, "API"), for any office role:
//   GET /v1/office/today     ?period=YYYY-MM&as_of=YYYY-MM-DD (this month and today in
//                            the server's zone when left out): {"report": the office
//                            report's JSON (`report --json`), "devices_not_synced_today"}
//   GET /v1/office/arrears   ?more_than_years=0..3&building=NAME&collector=NAME&order=age|door
//                            &as_of=YYYY-MM-DD&limit=1..500&cursor=C: households in
//                            arrears, in pages ({"items", "total", "next_cursor"}, with
//                            "total_balance", "as_of" and the "buildings" and
//                            "collectors" to filter by)
//   GET /v1/office/arrears.csv, /v1/office/arrears.xlsx: the same list whole, to download
// Every figure is a function of figures.h over the records the service keeps in memory
// (KeptFigures); the report and the arrears list are remade only when a record was
// written since, or the day changed.
#include <algorithm>
#include <map>
#include <set>

#include "console_api.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"
#include "office_console.h"
#include "request_checks.h"
#include "table_export.h"

namespace fieldsync::server {
namespace {

// Whether `a` comes before `b` as people order door numbers: runs of digits by value
// ("1-9" before "1-10"), the rest byte by byte.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9', db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
      while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
      const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      const size_t za = na.find_first_not_of('0'), zb = nb.find_first_not_of('0');
      const std::string va = za == std::string::npos ? "" : na.substr(za);
      const std::string vb = zb == std::string::npos ? "" : nb.substr(zb);
      if (va.size() != vb.size()) return va.size() < vb.size();
      if (va != vb) return va < vb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// Whether entry `a` comes before `b`: by building, then door, then household for a walk
// (`door`); otherwise most overdue first, then the larger amount, then household.
bool entry_less(const ArrearsEntry& a, const ArrearsEntry& b, bool door) {
  if (door) {
    if (a.building != b.building) return a.building < b.building;
    if (a.unit != b.unit) return natural_less(a.unit, b.unit);
    return a.account.household < b.account.household;
  }
  if (a.account.months_overdue != b.account.months_overdue) {
    return a.account.months_overdue > b.account.months_overdue;
  }
  if (a.account.balance() != b.account.balance()) return a.account.balance() > b.account.balance();
  return a.account.household < b.account.household;
}

// The place of an entry in its order, the key a cursor carries: every key ends with the
// household, so no two entries share one.
Json order_key(const ArrearsEntry& e, bool door) {
  if (door) return Json::array({e.building, e.unit, e.account.household});
  return Json::array({e.account.months_overdue, e.account.balance(), e.account.household});
}

// An entry standing at a cursor's key, to compare with entry_less.
ArrearsEntry entry_at(const Json& key, bool door) {
  ArrearsEntry probe;
  probe.account.household = key[2].get<std::string>();
  if (door) {
    probe.building = key[0].get<std::string>();
    probe.unit = key[1].get<std::string>();
  } else {
    probe.account.months_overdue = key[0].get<int64_t>();
    probe.account.charged = key[1].get<int64_t>();  // so that balance() is the key's
  }
  return probe;
}

// An arrears cursor's key: three parts, in the order's kinds, ending with a household.
Result<Json> arrears_key_of_cursor(const std::string& cursor, const std::string& order) {
  auto key = key_of_cursor(cursor);
  if (!key.ok()) return key.status();
  const bool door = key->is_array() && key->size() == 3 && (*key)[0].is_string() &&
                    (*key)[1].is_string() && (*key)[2].is_string();
  const bool age = key->is_array() && key->size() == 3 && (*key)[0].is_number_integer() &&
                   (*key)[1].is_number_integer() && (*key)[2].is_string();
  if (order == "door" ? !door : !age) {
    return Status::invalid_argument("cursor: not a cursor this list gave in this order");
  }
  return key;
}

struct ArrearsQuery {
  std::string as_of;  // as asked; "" for today
  int64_t more_than_years = 0;
  std::string building, collector;
  std::string order = "age";
  int64_t limit = kDefaultPageSize;
  std::optional<Json> after;  // the cursor's key
};

Result<ArrearsQuery> arrears_query(const std::string& query, bool paged) {
  std::set<std::string> allowed = {"as_of", "more_than_years", "building", "collector", "order"};
  if (paged) allowed.insert({"limit", "cursor"});
  auto params = query_params(query, allowed);
  if (!params.ok()) return params.status();
  ArrearsQuery q;
  q.as_of = param(*params, "as_of");
  auto years = number_param(*params, "more_than_years", 0, 3, 0);
  if (!years.ok()) return years.status();
  q.more_than_years = *years;
  q.building = param(*params, "building");
  q.collector = param(*params, "collector");
  if (!q.collector.empty()) q.collector = user_key(q.collector);
  if (params->count("order")) q.order = param(*params, "order");
  if (q.order != "age" && q.order != "door") {
    return Status::invalid_argument(
        "order must be age (most overdue first) or door (by building and door)");
  }
  auto limit = number_param(*params, "limit", 1, kMaxPageSize, kDefaultPageSize);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  if (params->count("cursor")) {
    auto key = arrears_key_of_cursor(param(*params, "cursor"), q.order);
    if (!key.ok()) return key.status();
    q.after = *key;
  }
  return q;
}

Json arrears_item(const ArrearsEntry& e) {
  return {{"household", e.account.household},
          {"owner", e.owner},
          {"phones", e.phones},
          {"building", e.building},
          {"unit", e.unit},
          {"collector", e.collector},
          {"balance", format_money(e.account.balance())},
          {"oldest_period", e.account.oldest_period},
          {"months_overdue", e.account.months_overdue},
          {"unpaid_periods", e.account.unpaid_periods}};
}

ExportTable arrears_table(const std::vector<const ArrearsEntry*>& entries,
                          const std::string& as_of) {
  ExportTable table;
  table.title = "Arrears " + as_of;
  table.headers = {"Building",  "Door",        "Owner",         "Phones",
                   "Collector", "Amount owed", "Oldest unpaid", "Months overdue"};
  for (const ArrearsEntry* e : entries) {
    std::string phones;
    for (const std::string& p : e->phones) phones += (phones.empty() ? "" : "; ") + p;
    table.rows.push_back({{e->building, std::nullopt},
                          {e->unit, std::nullopt},
                          {e->owner, std::nullopt},
                          {phones, std::nullopt},
                          {e->collector, std::nullopt},
                          {"", e->account.balance()},
                          {e->account.oldest_period, std::nullopt},
                          {std::to_string(e->account.months_overdue), std::nullopt}});
  }
  return table;
}

HttpResponse download(std::string body, const std::string& type, const std::string& filename) {
  HttpResponse response{200, std::move(body), type};
  add_console_headers(response);
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  return response;
}

// The key a memo was made for: what the figures read, besides the request's own terms.
std::string figures_key(const ServerFigures& figures) {
  std::string key = std::to_string(figures.seq) + "|" + figures.zone.name() + "|";
  if (!figures.closed_periods.empty()) key += figures.closed_periods.rbegin()->first;
  return key;
}

}  // namespace

HttpResponse SyncService::route_office_pages(const HttpRequest& request, const std::string& path,
                                             const OfficeSession& session) {
  (void)session;  // every office role reads these pages
  if (request.method != "GET") {
    return console_error(ErrorCode::kMethodNotAllowed, path + " takes GET");
  }
  const std::string query = query_of(request);
  if (path == "/v1/office/today") {
    auto params = query_params(query, {"period", "as_of"});
    if (!params.ok()) return console_error(params.status());
    std::shared_ptr<const OfficeReport> figures_part;
    std::string zone_name;
    // The day is part of the key: "today" turns at midnight.
    Status status = kept_figures_.use([&](const ServerFigures& figures) {
      const std::string key = figures_key(figures) + "|" + param(*params, "period") + "|" +
                              param(*params, "as_of") + "|" + figures.zone.date_of(clock_.now_ms());
      if (report_key_ != key || !report_memo_) {
        auto report =
            report_figures(figures, schema_, param(*params, "period"), param(*params, "as_of"));
        if (!report.ok()) return report.status();
        report_memo_ = std::make_shared<const OfficeReport>(std::move(report).value());
        report_key_ = key;
      }
      figures_part = report_memo_;
      zone_name = figures.zone.name();
      return Status();
    });
    if (!status.ok()) return console_error(status);
    OfficeReport report = *figures_part;
    if (Status s = add_office_state(report, store_, schema_, blobs_); !s.ok())
      return console_error(s);
    auto zone = TimeZone::named(zone_name);
    if (!zone.ok()) return console_error(zone.status());
    Json devices = Json::array();
    {
      auto txn = store_.begin(false);
      if (!txn.ok()) return console_error(txn.status());
      auto list = (*txn)->list_devices();
      if (!list.ok()) return console_error(list.status());
      const std::string today = zone->date_of(clock_.now_ms());
      for (const Device& d : *list) {
        if (d.revoked || (d.last_seen_ms > 0 && zone->date_of(d.last_seen_ms) == today)) continue;
        devices.push_back({{"device", d.device_code},
                           {"user", d.user},
                           {"last_seen_at", d.last_seen_ms > 0 ? Json(zone->format(d.last_seen_ms))
                                                               : Json(nullptr)}});
      }
    }
    return console_json(200, {{"report", to_json(report)}, {"devices_not_synced_today", devices}});
  }
  const bool csv = path == "/v1/office/arrears.csv", xlsx = path == "/v1/office/arrears.xlsx";
  if (path != "/v1/office/arrears" && !csv && !xlsx) {
    return console_error(Status::not_found("no such endpoint: " + utf8_prefix(path, 100)));
  }
  auto q = arrears_query(query, !csv && !xlsx);
  if (!q.ok()) return console_error(q.status());
  std::shared_ptr<const std::vector<ArrearsEntry>> list;
  std::string as_of;
  Status status = kept_figures_.use([&](const ServerFigures& figures) {
    as_of = q->as_of.empty() ? figures.zone.date_of(clock_.now_ms()) : q->as_of;
    const std::string key = figures_key(figures) + "|" + as_of;
    if (arrears_key_ != key || !arrears_memo_) {
      auto made = build_arrears_list(figures, schema_, as_of, 0);
      if (!made.ok()) return made.status();
      arrears_memo_ = std::make_shared<const std::vector<ArrearsEntry>>(std::move(made).value());
      arrears_key_ = key;
    }
    list = arrears_memo_;
    return Status();
  });
  if (!status.ok()) return console_error(status.with_context(q->as_of.empty() ? "" : "as_of"));
  std::set<std::string> buildings, collectors;
  std::vector<const ArrearsEntry*> chosen;
  int64_t total_balance = 0;
  for (const ArrearsEntry& e : *list) {
    buildings.insert(e.building);
    if (!e.collector.empty()) collectors.insert(e.collector);
    if (!owed_for_more_than(e.account, q->more_than_years)) continue;
    if (!q->building.empty() && e.building != q->building) continue;
    if (!q->collector.empty() && e.collector != q->collector) continue;
    chosen.push_back(&e);
    total_balance += e.account.balance();
  }
  const bool door = q->order == "door";
  std::sort(chosen.begin(), chosen.end(),
            [&](const ArrearsEntry* a, const ArrearsEntry* b) { return entry_less(*a, *b, door); });
  if (csv || xlsx) {
    const ExportTable table = arrears_table(chosen, as_of);
    const std::string name = "arrears-" + as_of;
    if (csv) return download(to_csv(table), "text/csv; charset=utf-8", name + ".csv");
    auto bytes = to_xlsx(table);
    if (!bytes.ok()) return console_error(bytes.status());
    return download(std::move(bytes).value(),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    name + ".xlsx");
  }
  auto begin = chosen.begin();
  if (q->after) {
    const ArrearsEntry probe = entry_at(*q->after, door);
    begin = std::upper_bound(
        chosen.begin(), chosen.end(), &probe,
        [&](const ArrearsEntry* a, const ArrearsEntry* b) { return entry_less(*a, *b, door); });
  }
  Json items = Json::array();
  const ArrearsEntry* last = nullptr;
  for (auto it = begin; it != chosen.end() && static_cast<int64_t>(items.size()) < q->limit; ++it) {
    items.push_back(arrears_item(**it));
    last = *it;
  }
  const bool more = last != nullptr && last != chosen.back();
  return console_json(
      200, {{"items", items},
            {"total", chosen.size()},
            {"total_balance", format_money(total_balance)},
            {"next_cursor", more ? Json(cursor_of(order_key(*last, door))) : Json(nullptr)},
            {"as_of", as_of},
            {"buildings", buildings},
            {"collectors", collectors}});
}

}  // namespace fieldsync::server
