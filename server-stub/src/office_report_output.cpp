// The office report for people (aligned tables) and for programs (one JSON document),
// and the table layout the command line shares.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "fieldsync/figures_json.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"
#include "text/text.h"

namespace fieldsync::server {
namespace {

// At most `max` screen columns of `text`, "…" marking a cut.
std::string cut(const std::string& text, size_t max = 40) {
  return text::cut_to_width(text, max);
}

std::string percent(std::optional<double> rate) {
  if (!rate) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", *rate * 100.0);
  return buffer;
}

Json rate_or_null(std::optional<double> rate) {
  return rate ? Json(*rate) : Json();
}
Json text_or_null(const std::string& text) {
  return text.empty() ? Json() : Json(text);
}
std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}
// A time with its offset, in the zone named `time_zone`.
std::string time_text(const std::string& time_zone, int64_t ms) {
  if (ms <= 0) return "-";
  auto zone = TimeZone::named(time_zone);
  return zone.ok() ? zone->format(ms) : format_timestamp(ms);
}
// A time with its offset, in the report's zone.
std::string time_text(const OfficeReport& r, int64_t ms) {
  return time_text(r.time_zone, ms);
}
// The label of the household or building `id` names, null when it names none.
Json label_or_null(const PlaceLabels& labels, const std::string& id) {
  auto it = labels.find(id);
  return id.empty() ? Json() : Json(it != labels.end() ? it->second : id);
}
// A conflict value is stored as JSON text; it reads back as JSON when it parses.
Json stored_value(const std::string& text) {
  Json value = Json::parse(text, nullptr, false);
  return value.is_discarded() ? Json(text) : value;
}

Json figures_json(const CollectionFigures& f) {
  return {{"due", format_money(f.due)},
          {"collected", format_money(f.collected)},
          {"rate", rate_or_null(f.rate())}};
}

Json collector_json(const CollectorFigures& c) {
  Json days = Json::array();
  for (const auto& d : c.days) {
    days.push_back({{"date", d.date},
                    {"visits", d.visits},
                    {"households", d.households},
                    {"target", d.target ? Json(*d.target) : Json()},
                    {"on_target", d.on_target()}});
  }
  return {{"collector", c.collector},
          {"daily_visit_target", c.daily_visit_target ? Json(*c.daily_visit_target) : Json()},
          {"visits", c.visits},
          {"days_on_target", c.days_on_target},
          {"collected", format_money(c.collected)},
          {"amount_target", money_json(c.amount_target)},
          {"amount_rate", rate_or_null(c.amount_completion())},
          {"days", days}};
}

Json promises_json(const OfficeReport& r) {
  Json list = Json::array();
  for (const auto& p : r.promises) {
    auto owner = r.household_names.find(p.household);
    Json entry = to_json(p);
    entry["owner_name"] = owner != r.household_names.end() ? owner->second : "";
    list.push_back(std::move(entry));
  }
  return {{"due", r.promises.size()}, {"broken", r.promises_broken()}, {"list", list}};
}

Json findings_json(const OfficeReport& r) {
  Json by_severity = Json::array();
  int64_t open = 0, overdue = 0;
  for (const auto& s : r.findings.by_severity) {
    by_severity.push_back({{"severity", s.severity}, {"open", s.open}, {"overdue", s.overdue}});
    open += s.open;
    overdue += s.overdue;
  }
  Json list = Json::array();
  for (const auto& f : r.findings.overdue) {
    list.push_back({{"id", f.id},
                    {"estate", f.estate},
                    {"building", text_or_null(f.building)},
                    {"building_label", label_or_null(r.place_labels, f.building)},
                    {"category", f.category},
                    {"severity", f.severity},
                    {"deadline", f.deadline},
                    {"status", f.status},
                    {"assignee", text_or_null(f.assignee)}});
  }
  return {
      {"open", open}, {"overdue", overdue}, {"by_severity", by_severity}, {"overdue_list", list}};
}

void add_lifecycle_json(const OfficeReport& r, Json& out) {
  Json orders = Json::array();
  for (const auto& w : r.awaiting_return_visit) {
    orders.push_back(awaiting_json(w, r.place_labels, r.time_zone));
  }
  Json conflicts = Json::array();
  for (const auto& c : r.conflicts) {
    conflicts.push_back({{"id", c.id},
                         {"collection", c.collection},
                         {"record", c.record},
                         {"field", c.field},
                         {"winner_value", stored_value(c.winner_value)},
                         {"winner_device", c.winner_device},
                         {"loser_value", stored_value(c.loser_value)},
                         {"loser_device", c.loser_device},
                         {"detected_at", time_text(r, c.detected_ms)}});
  }
  out["work_orders_awaiting_return_visit"] = orders;
  out["open_conflicts"] = conflicts;
  out["refused_changes"] = {{"open", r.refused_open},
                            {"amount", format_money(r.refused_amount)}};
}

void collection_table(const OfficeReport& r, std::ostream& out) {
  const CollectionFigures& p = r.collection.period;
  const CollectionFigures& a = r.collection.arrears;
  out << format_table(
      {"collection", "due", "collected", "rate"},
      {{r.period + " charges", format_money(p.due), format_money(p.collected), percent(p.rate())},
       {"arrears before " + r.period, format_money(a.due), format_money(a.collected),
        percent(a.rate())}},
      {1, 2, 3});
  out << "collected in " << r.period << ": " << format_money(r.collection.collected_in_period)
      << " (credit attributed to no charge: " << format_money(r.collection.credit_in_period)
      << ")\n";
}

void collectors_table(const OfficeReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> totals, days;
  for (const auto& c : r.collectors) {
    const std::string target = c.daily_visit_target ? std::to_string(*c.daily_visit_target) : "-";
    totals.push_back({c.collector, std::to_string(c.visits), target,
                      std::to_string(c.days_on_target), format_money(c.collected),
                      c.amount_target ? format_money(*c.amount_target) : "-",
                      percent(c.amount_completion())});
    for (const auto& d : c.days) {
      days.push_back({c.collector, d.date, std::to_string(d.visits), std::to_string(d.households),
                      d.target ? std::to_string(*d.target) : "-", d.on_target() ? "yes" : "no"});
    }
  }
  out << "\nCollectors (" << r.period << ")\n";
  out << format_table({"collector", "visits", "daily target", "days on target", "collected",
                       "amount target", "of target"},
                      totals, {1, 2, 3, 4, 5, 6});
  out << "\nVisits per day\n";
  out << format_table({"collector", "date", "visits", "households", "target", "met"}, days,
                      {2, 3, 4});
}

void promises_table(const OfficeReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.promises) {
    auto owner = r.household_names.find(p.household);
    rows.push_back({p.promise_date, p.broken ? "broken" : "due today",
                    owner != r.household_names.end() ? or_dash(owner->second) : "-", p.collector,
                    p.promise_amount ? format_money(*p.promise_amount) : "-",
                    format_money(p.paid_since), p.household, p.visit});
  }
  out << "\nPromises to pay due by " << r.as_of << " (" << r.promises.size() << ", "
      << r.promises_broken() << " broken)\n";
  out << format_table({"promise date", "state", "owner", "collector", "promised", "paid since",
                       "household", "visit"},
                      rows, {4, 5});
}

void findings_table(const OfficeReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> counts, overdue;
  for (const auto& s : r.findings.by_severity) {
    counts.push_back({s.severity, std::to_string(s.open), std::to_string(s.overdue)});
  }
  for (const auto& f : r.findings.overdue) {
    overdue.push_back({f.deadline, f.severity, f.category, f.status, or_dash(f.assignee), f.id});
  }
  out << "\nOpen findings\n" << format_table({"severity", "open", "overdue"}, counts, {1, 2});
  out << "\nOverdue findings (deadline before " << r.as_of << ")\n";
  out << format_table({"deadline", "severity", "category", "status", "assignee", "finding"},
                      overdue);
}

void lifecycle_tables(const OfficeReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> orders, conflicts;
  for (const auto& w : r.awaiting_return_visit) {
    const Json household = label_or_null(r.place_labels, w.household);
    const Json building = label_or_null(r.place_labels, w.building);
    const std::string where =
        !w.household.empty()
            ? household.get<std::string>()
            : (building.is_string() ? building.get<std::string>() + " " : "") + w.area;
    orders.push_back({time_text(r, w.done_ms),
                      w.collection == "complaints" ? "complaint" : w.category, or_dash(w.assignee),
                      where, w.id});
  }
  for (const auto& c : r.conflicts) {
    conflicts.push_back({time_text(r, c.detected_ms), c.collection, c.field, cut(c.winner_value),
                         c.winner_device, cut(c.loser_value), c.loser_device, c.record, c.id});
  }
  out << "\nRepairs and complaints awaiting a return visit (" << orders.size() << ")\n";
  out << format_table({"done", "category", "assignee", "where", "record"}, orders);
  out << "\nOpen conflicts (" << conflicts.size() << ")\n";
  out << format_table({"detected", "collection", "field", "winner", "winner device", "loser",
                       "loser device", "record", "conflict"},
                      conflicts);
  out << "\nRefused changes waiting for the office: " << r.refused_open;
  if (r.refused_amount > 0) out << " (money in them: " << format_money(r.refused_amount) << ")";
  out << (r.refused_open > 0 ? "; see `fieldsync-server parked`\n" : "\n");
}

Json checks_json(const OfficeReport& r) {
  Json ages = Json::array();
  for (const ArrearsAge& a : r.arrears_by_age) {
    ages.push_back({{"more_than_years", a.years},
                    {"households", a.households},
                    {"amount", format_money(a.amount)}});
  }
  Json duplicates = Json::array();
  for (const DuplicateVoid& d : r.duplicate_voids) {
    duplicates.push_back(
        {{"void", d.void_id}, {"payment", d.payment}, {"first_void", d.first_void}});
  }
  Json notes = Json::array();
  for (const TimeNote& n : r.time_notes) {
    notes.push_back({{"collection", n.collection},
                     {"id", n.id},
                     {"late_for", text_or_null(n.late_for)},
                     {"time_check", n.time_check},
                     {"device_time", time_text(r, n.device_time)},
                     {"occurred_at", time_text(r, n.occurred_at)},
                     {"arrived_at", time_text(r, n.arrived_at)},
                     {"counted_at", time_text(r, n.counted_at)}});
  }
  return {{"arrears_by_age", ages},
          {"return_visits", satisfaction_json(r.satisfaction)},
          {"duplicate_voids", duplicates},
          {"time_notes", notes}};
}

void checks_tables(const OfficeReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> ages, notes;
  for (const ArrearsAge& a : r.arrears_by_age) {
    ages.push_back({"more than " + std::to_string(a.years) + (a.years == 1 ? " year" : " years"),
                    std::to_string(a.households), format_money(a.amount)});
  }
  out << "\nHouseholds in arrears, by age\n"
      << format_table({"owing for", "households", "amount"}, ages, {1, 2});
  const auto average = r.satisfaction.average();
  char buffer[32] = "-";
  if (average) std::snprintf(buffer, sizeof buffer, "%.2f", *average);
  out << "\nReturn visits in " << r.period << ": " << r.satisfaction.visits
      << ", average satisfaction " << buffer << " of 5\n";
  if (!r.duplicate_voids.empty()) {
    out << "Duplicate voids (changing nothing): " << r.duplicate_voids.size() << "\n";
  }
  for (const TimeNote& n : r.time_notes) {
    notes.push_back({time_text(r, n.arrived_at), n.collection,
                     n.late_for.empty() ? "unexplained time" : "late for " + n.late_for,
                     time_text(r, n.device_time), time_text(r, n.counted_at), n.id});
  }
  out << "\nLate entries and unexplained times (" << notes.size() << ")\n";
  out << format_table({"received", "collection", "why", "phone's time", "counted at", "record"},
                      notes);
}

void add_attachments_json(const OfficeReport& r, Json& out) {
  if (!r.attachments_waiting) return;
  Json waiting = Json::array();
  for (const auto& a : *r.attachments_waiting) {
    waiting.push_back({{"id", a.id},
                       {"sha256", a.sha256},
                       {"media_type", a.media_type},
                       {"size", a.size},
                       {"received", a.received},
                       {"attached_by", a.attached_by},
                       {"attached_at", time_text(r, a.attached_ms)}});
  }
  out["attachments_waiting_for_bytes"] = waiting;
}

void attachments_table(const OfficeReport& r, std::ostream& out) {
  if (!r.attachments_waiting) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : *r.attachments_waiting) {
    rows.push_back({time_text(r, a.attached_ms), a.attached_by, a.media_type,
                    std::to_string(a.size), std::to_string(a.received), a.id});
  }
  out << "\nAttachments waiting for their bytes (" << rows.size() << ")\n";
  out << format_table({"attached", "by", "type", "bytes", "received", "attachment"}, rows, {3, 4});
}

}  // namespace

Json awaiting_json(const AwaitingReturnVisit& w, const PlaceLabels& labels,
                   const std::string& time_zone) {
  return {{"id", w.id},
          {"category", w.category},
          {"household", text_or_null(w.household)},
          {"household_label", label_or_null(labels, w.household)},
          {"building", text_or_null(w.building)},
          {"building_label", label_or_null(labels, w.building)},
          {"area", text_or_null(w.area)},
          {"assignee", text_or_null(w.assignee)},
          {"collection", w.collection},
          {"done_at", w.done_ms > 0 ? Json(time_text(time_zone, w.done_ms)) : Json()}};
}

Json satisfaction_json(const Satisfaction& s) {
  Json scores = Json::array();
  for (int64_t n : s.by_score) scores.push_back(n);
  return {{"visits", s.visits},
          {"average_satisfaction", rate_or_null(s.average())},
          {"by_score", scores}};
}

std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<size_t>& right_aligned) {
  std::vector<std::vector<std::string>> lines = {headers};
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < headers.size(); ++i)
      cells.push_back(text::shown(i < row.size() ? row[i] : ""));
    lines.push_back(std::move(cells));
  }
  std::vector<size_t> widths(headers.size(), 0);
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i)
      widths[i] = std::max(widths[i], text::display_width(line[i]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      const std::string pad(widths[i] - text::display_width(line[i]), ' ');
      const bool right =
          std::find(right_aligned.begin(), right_aligned.end(), i) != right_aligned.end();
      text += (i ? "  " : "") + (right ? pad + line[i] : line[i] + pad);
    }
    out += text.substr(0, text.find_last_not_of(' ') + 1) + "\n";
  };
  emit(lines[0]);
  size_t rule = 0;
  for (size_t w : widths) rule += w;
  out += std::string(rule + 2 * (widths.empty() ? 0 : widths.size() - 1), '-') + "\n";
  for (size_t i = 1; i < lines.size(); ++i) emit(lines[i]);
  if (rows.empty()) out += "(none)\n";
  return out;
}

Json to_json(const OfficeReport& r) {
  Json collectors = Json::array();
  for (const auto& c : r.collectors) collectors.push_back(collector_json(c));
  Json out = {{"period", r.period},
              {"as_of", r.as_of},
              {"time_zone", r.time_zone},
              {"period_closed", r.period_closed},
              {"collection",
               {{"period", figures_json(r.collection.period)},
                {"arrears", figures_json(r.collection.arrears)},
                {"collected_in_period", format_money(r.collection.collected_in_period)},
                {"credit_in_period", format_money(r.collection.credit_in_period)}}},
              {"collectors", collectors},
              {"promises", promises_json(r)},
              {"findings", findings_json(r)}};
  add_lifecycle_json(r, out);
  out.update(checks_json(r));
  add_attachments_json(r, out);
  return out;
}

std::string to_table(const OfficeReport& r) {
  std::ostringstream out;
  out << "Office report for " << r.period << (r.period_closed ? " (closed)" : "") << ", as of "
      << r.as_of << " (days by each estate's zone; " << r.time_zone << " where none is set)\n\n";
  collection_table(r, out);
  collectors_table(r, out);
  promises_table(r, out);
  findings_table(r, out);
  lifecycle_tables(r, out);
  checks_tables(r, out);
  attachments_table(r, out);
  return out.str();
}

}  // namespace fieldsync::server
