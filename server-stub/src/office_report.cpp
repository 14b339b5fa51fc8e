// Builds the office report from the server's records: one read transaction loads the
// collections concerned, then each figure is computed from those events (the payment
// attribution rule is stated in office_report.h).
#include "fieldsync/server/office_report.h"

#include <algorithm>
#include <set>

#include "fieldsync/hlc.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

std::string text_of(const Json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t int_of(const Json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
std::optional<int64_t> optional_int(const Json& fields, const char* key) {
  auto it = fields.find(key);
  if (it == fields.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// The stretch of time a report covers: the period, cut at the end of the as-of day.
struct Window {
  int64_t period_start = 0, period_end = 0, as_of_end = 0;
  int64_t end() const { return std::min(period_end, as_of_end); }
  bool in_period(int64_t ms) const { return ms >= period_start && ms < end(); }
};

struct ReportData {
  std::vector<Record> charges, payments, voids, visits, plans, findings, work_orders, conflicts;
  std::map<std::string, std::string> owners;  // household id -> owner name
};

Status load(ServerStore& store, ReportData& data) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  const std::pair<const char*, std::vector<Record>*> wanted[] = {
      {"charges", &data.charges},         {"payments", &data.payments},
      {"payment_voids", &data.voids},     {"fee_visits", &data.visits},
      {"collection_plans", &data.plans},  {"findings", &data.findings},
      {"work_orders", &data.work_orders}, {"conflicts", &data.conflicts}};
  for (const auto& [collection, records] : wanted) {
    std::vector<Record>* into = records;  // clang < 16 cannot capture a structured binding
    FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record(collection, [&](const StoredRecord& r) {
      into->push_back(r.record);
      return true;
    }));
  }
  return (*txn)->for_each_record("households", [&](const StoredRecord& r) {
    data.owners[r.record.id] = text_of(r.record.fields, "owner_name");
    return true;
  });
}

struct ChargeState {
  std::string id, period, due_date;
  int64_t amount = 0, paid = 0;
};
struct PaymentState {
  const Record* record = nullptr;
  int64_t paid_at = 0, amount = 0, left = 0;
};
struct Allocation {
  int64_t paid_at = 0;
  std::string period;
  int64_t amount = 0;
};

// Unvoided payments made up to `until`, and how they were attributed to charges.
struct Attribution {
  std::map<std::string, std::vector<ChargeState>> charges;  // household -> oldest first
  std::vector<PaymentState> payments;                       // by (paid_at, id)
  std::vector<Allocation> allocations;
};

void pay(ChargeState& charge, PaymentState& payment, Attribution& out) {
  const int64_t amount = std::min(payment.left, charge.amount - charge.paid);
  if (amount <= 0) return;
  charge.paid += amount;
  payment.left -= amount;
  out.allocations.push_back({payment.paid_at, charge.period, amount});
}

// Step 1 of the rule: the charges a payment names, or the charges of the periods it names.
void pay_named(PaymentState& payment, std::vector<ChargeState>& charges, Attribution& out) {
  const Json& fields = payment.record->fields;
  const Json named = fields.value("charges", Json::array());
  const Json periods = fields.value("periods", Json::array());
  if (named.is_array() && !named.empty()) {
    for (const Json& id : named) {
      for (auto& charge : charges) {
        if (id.is_string() && charge.id == id.get<std::string>()) pay(charge, payment, out);
      }
    }
    return;
  }
  if (!periods.is_array()) return;
  for (auto& charge : charges) {
    if (std::find(periods.begin(), periods.end(), Json(charge.period)) != periods.end()) {
      pay(charge, payment, out);
    }
  }
}

Attribution attribute(const ReportData& data, int64_t until) {
  Attribution out;
  for (const Record& c : data.charges) {
    if (c.fields.value("cancelled", false) == true) continue;
    out.charges[text_of(c.fields, "household")].push_back({c.id, text_of(c.fields, "period"),
                                                           text_of(c.fields, "due_date"),
                                                           int_of(c.fields, "amount"), 0});
  }
  for (auto& [household, list] : out.charges) {
    std::sort(list.begin(), list.end(), [](const ChargeState& a, const ChargeState& b) {
      return std::tie(a.period, a.due_date, a.id) < std::tie(b.period, b.due_date, b.id);
    });
  }
  std::set<std::string> voided;
  for (const Record& v : data.voids) {
    if (int_of(v.fields, "voided_at") < until) voided.insert(text_of(v.fields, "payment"));
  }
  for (const Record& p : data.payments) {
    const int64_t paid_at = int_of(p.fields, "paid_at");
    if (paid_at >= until || voided.count(p.id)) continue;
    const int64_t amount = int_of(p.fields, "amount");
    out.payments.push_back({&p, paid_at, amount, amount});
  }
  std::sort(out.payments.begin(), out.payments.end(), [](const auto& a, const auto& b) {
    return std::tie(a.paid_at, a.record->id) < std::tie(b.paid_at, b.record->id);
  });
  for (auto& payment : out.payments) {
    pay_named(payment, out.charges[text_of(payment.record->fields, "household")], out);
  }
  for (auto& payment : out.payments) {
    for (auto& charge : out.charges[text_of(payment.record->fields, "household")]) {
      pay(charge, payment, out);
    }
  }
  return out;
}

void collection_figures(const Attribution& a, const Window& w, const std::string& period,
                        OfficeReport& report) {
  for (const auto& [household, charges] : a.charges) {
    for (const auto& charge : charges) {
      if (charge.period == period) report.period_collection.due += charge.amount;
      if (charge.period < period) report.arrears.due += charge.amount;
    }
  }
  for (const auto& allocation : a.allocations) {
    if (allocation.period == period) report.period_collection.collected += allocation.amount;
    if (allocation.period >= period) continue;
    if (allocation.paid_at < w.period_start) report.arrears.due -= allocation.amount;
    if (w.in_period(allocation.paid_at)) report.arrears.collected += allocation.amount;
  }
  for (const auto& payment : a.payments) {
    if (!w.in_period(payment.paid_at)) continue;
    report.collected_in_period += payment.amount;
    report.credit_in_period += payment.left;
  }
}

CollectorFigures& collector_entry(std::map<std::string, CollectorFigures>& by_name,
                                  const std::string& name) {
  CollectorFigures& entry = by_name[name];
  entry.collector = name;
  return entry;
}

void collector_figures(const ReportData& data, const Attribution& a, const Window& w,
                       const std::string& period, OfficeReport& report) {
  std::map<std::string, CollectorFigures> by_name;
  std::map<std::string, std::string> plan_ids;  // the newest plan of each collector wins
  for (const Record& plan : data.plans) {
    const std::string name = text_of(plan.fields, "collector");
    if (text_of(plan.fields, "month") != period || plan.id < plan_ids[name]) continue;
    plan_ids[name] = plan.id;
    CollectorFigures& entry = collector_entry(by_name, name);
    entry.daily_visit_target = optional_int(plan.fields, "daily_visit_target");
    entry.amount_target = optional_int(plan.fields, "amount_target");
  }
  std::map<std::pair<std::string, std::string>, std::set<std::string>> households;
  std::map<std::pair<std::string, std::string>, int64_t> visits;
  for (const Record& v : data.visits) {
    const int64_t at = int_of(v.fields, "visited_at");
    if (!w.in_period(at)) continue;
    const auto key = std::make_pair(text_of(v.fields, "collector"), date_of_timestamp(at));
    ++visits[key];
    households[key].insert(text_of(v.fields, "household"));
  }
  for (const auto& [key, count] : visits) {
    CollectorFigures& entry = collector_entry(by_name, key.first);
    entry.days.push_back({key.second, count, static_cast<int64_t>(households[key].size())});
    entry.visits += count;
    if (entry.daily_visit_target && count >= *entry.daily_visit_target) ++entry.days_on_target;
  }
  for (const auto& payment : a.payments) {
    if (!w.in_period(payment.paid_at)) continue;
    collector_entry(by_name, text_of(payment.record->fields, "collector")).collected +=
        payment.amount;
  }
  for (auto& [name, entry] : by_name) report.collectors.push_back(std::move(entry));
}

void promise_figures(const ReportData& data, const Attribution& a, const std::string& as_of,
                     int64_t until, OfficeReport& report) {
  std::map<std::string, std::vector<const PaymentState*>> by_household;
  for (const auto& payment : a.payments) {
    by_household[text_of(payment.record->fields, "household")].push_back(&payment);
  }
  for (const Record& v : data.visits) {
    const std::string date = text_of(v.fields, "promise_date");
    const int64_t visited_at = int_of(v.fields, "visited_at");
    if (text_of(v.fields, "outcome") != "promised" || date.empty() || date > as_of ||
        visited_at >= until) {
      continue;
    }
    PromiseDue p;
    p.visit = v.id;
    p.household = text_of(v.fields, "household");
    p.collector = text_of(v.fields, "collector");
    p.promise_date = date;
    p.promise_amount = optional_int(v.fields, "promise_amount");
    for (const PaymentState* payment : by_household[p.household]) {
      if (payment->paid_at >= visited_at) p.paid_since += payment->amount;
    }
    const bool kept = p.promise_amount ? p.paid_since >= *p.promise_amount : p.paid_since > 0;
    if (kept) continue;
    p.broken = p.promise_date < as_of;
    auto owner = data.owners.find(p.household);
    report.household_names[p.household] = owner != data.owners.end() ? owner->second : "";
    report.promises.push_back(std::move(p));
  }
  std::sort(report.promises.begin(), report.promises.end(), [](const auto& x, const auto& y) {
    return std::tie(x.promise_date, x.visit) < std::tie(y.promise_date, y.visit);
  });
}

void finding_figures(const ReportData& data, const Schema& schema, const std::string& as_of,
                     OfficeReport& report) {
  const CollectionDef* findings = schema.find("findings");
  const FieldDef* severity = findings ? findings->field("severity") : nullptr;
  for (const auto& name : severity ? severity->choices : std::vector<std::string>{}) {
    report.findings.push_back({name, 0, 0});
  }
  for (const Record& f : data.findings) {
    const Json& x = f.fields;
    if (text_of(x, "status") == "closed") continue;
    auto it = std::find_if(report.findings.begin(), report.findings.end(),
                           [&](const auto& s) { return s.severity == text_of(x, "severity"); });
    if (it == report.findings.end()) continue;
    ++it->open;
    const std::string deadline = text_of(x, "deadline");
    if (deadline.empty() || deadline >= as_of) continue;
    ++it->overdue;
    report.overdue_findings.push_back({f.id, text_of(x, "estate"), text_of(x, "building"),
                                       text_of(x, "category"), text_of(x, "severity"), deadline,
                                       text_of(x, "status"), text_of(x, "assignee")});
  }
  std::sort(report.overdue_findings.begin(), report.overdue_findings.end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.deadline, a.id) < std::tie(b.deadline, b.id);
            });
}

int64_t stamp_ms(const Record& r, const char* field) {
  auto stamp = Stamp::decode(text_of(r.stamps, field));
  return stamp.ok() ? stamp->wall_ms : 0;
}

void lifecycle_figures(const ReportData& data, OfficeReport& report) {
  for (const Record& w : data.work_orders) {
    const Json& x = w.fields;
    if (text_of(x, "status") != "completed") continue;
    report.awaiting_return_visit.push_back({w.id, text_of(x, "category"), text_of(x, "household"),
                                            text_of(x, "building"), text_of(x, "area"),
                                            text_of(x, "assignee"), stamp_ms(w, "status")});
  }
  std::sort(report.awaiting_return_visit.begin(), report.awaiting_return_visit.end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.completed_ms, a.id) < std::tie(b.completed_ms, b.id);
            });
  for (const Record& c : data.conflicts) {
    const Json& x = c.fields;
    if (text_of(x, "status") != "open") continue;
    report.conflicts.push_back({c.id, text_of(x, "collection"), text_of(x, "record"),
                                text_of(x, "field"), text_of(x, "winner_value"),
                                text_of(x, "winner_device"), text_of(x, "loser_value"),
                                text_of(x, "loser_device"), int_of(x, "detected_at")});
  }
  std::sort(report.conflicts.begin(), report.conflicts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.detected_ms, a.id) < std::tie(b.detected_ms, b.id);
  });
}

Result<std::vector<WaitingAttachment>> waiting_attachments(ServerStore& store, BlobStore& blobs) {
  std::vector<WaitingAttachment> waiting;
  {
    auto txn = store.begin(false);
    if (!txn.ok()) return txn.status();
    FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record("attachments", [&](const StoredRecord& r) {
      const Json& x = r.record.fields;
      waiting.push_back({r.record.id, text_of(x, "sha256"), text_of(x, "media_type"),
                         text_of(x, "attached_by"), int_of(x, "size"), 0,
                         int_of(x, "attached_at")});
      return true;
    }));
  }
  std::vector<WaitingAttachment> missing;
  for (WaitingAttachment& a : waiting) {
    auto held = blobs.holding(a.sha256);
    if (!held.ok()) return held.status();
    if (held->complete) continue;
    a.received = held->received;
    missing.push_back(std::move(a));
  }
  std::sort(missing.begin(), missing.end(), [](const auto& a, const auto& b) {
    return std::tie(a.attached_ms, a.id) < std::tie(b.attached_ms, b.id);
  });
  return missing;
}

}  // namespace

int64_t OfficeReport::promises_broken() const {
  return std::count_if(promises.begin(), promises.end(), [](const auto& p) { return p.broken; });
}

Result<OfficeReport> build_office_report(ServerStore& store, const Schema& schema,
                                         const std::string& period, const std::string& as_of,
                                         BlobStore* blobs) {
  auto month = parse_month(period);
  if (!month.ok()) return month.status().with_context("period");
  auto day = parse_date(as_of);
  if (!day.ok()) return day.status().with_context("as-of");
  CivilDate next = *month;
  next.month = month->month == 12 ? 1 : month->month + 1;
  next.year = month->month == 12 ? month->year + 1 : month->year;
  Window window{days_from_civil(*month) * kDayMs, days_from_civil(next) * kDayMs,
                (days_from_civil(*day) + 1) * kDayMs};

  ReportData data;
  FIELDSYNC_RETURN_IF_ERROR(load(store, data));
  OfficeReport report;
  report.period = format_date(*month).substr(0, 7);
  report.as_of = format_date(*day);
  const Attribution attribution = attribute(data, window.as_of_end);
  collection_figures(attribution, window, report.period, report);
  collector_figures(data, attribution, window, report.period, report);
  promise_figures(data, attribution, report.as_of, window.as_of_end, report);
  finding_figures(data, schema, report.as_of, report);
  lifecycle_figures(data, report);
  if (blobs != nullptr) {
    auto waiting = waiting_attachments(store, *blobs);
    if (!waiting.ok()) return waiting.status();
    report.attachments_waiting = std::move(waiting).value();
  }
  return report;
}

}  // namespace fieldsync::server
