// The figures of figures.h. Each public function reads the records it needs from the
// RecordSet; the payment attribution shared by the fee figures is computed by
// attribute() below, the rule stated in the header.
#include "fieldsync/figures.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "fieldsync/hlc.h"
#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

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
std::vector<std::string> texts_of(const Json& fields, const char* key) {
  std::vector<std::string> out;
  auto it = fields.find(key);
  if (it == fields.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// Whole months from `from` to `to` ("YYYY-MM"); 0 when either is not a month.
int64_t months_between(const std::string& from, const std::string& to) {
  auto a = parse_month(from), b = parse_month(to);
  if (!a.ok() || !b.ok()) return 0;
  return (b->year * 12LL + b->month) - (a->year * 12LL + a->month);
}

bool is_estate_collection(const CollectionDef* c) {
  return c != nullptr && c->bucket.kind == BucketRule::Kind::kSelf && c->bucket.prefix == "estate:";
}

// A record's event time, with its collection looked up in the calendar's schema.
int64_t event_time(const Calendar& calendar, const Record& record) {
  const CollectionDef* c = calendar.schema().find(record.collection);
  return c != nullptr ? event_time_of(*c, record) : 0;
}

// By event time, then id: the order things happened in.
std::vector<const Record*> in_time_order(const Calendar& calendar,
                                         const std::vector<const Record*>& records) {
  std::vector<std::pair<int64_t, const Record*>> timed;
  for (const Record* r : records) timed.emplace_back(event_time(calendar, *r), r);
  std::sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second->id) < std::tie(b.first, b.second->id);
  });
  std::vector<const Record*> out;
  for (const auto& [time, record] : timed) out.push_back(record);
  return out;
}

// Payment id -> its void (the earliest), and the later voids.
struct Voids {
  std::map<std::string, const Record*> first;
  std::vector<DuplicateVoid> duplicates;
};
Voids voids_of(const Calendar& calendar) {
  Voids out;
  for (const Record* v : in_time_order(calendar, calendar.records().of("payment_voids"))) {
    const std::string payment = text_of(v->fields, "payment");
    auto [it, first] = out.first.emplace(payment, v);
    if (!first) out.duplicates.push_back({v->id, payment, it->second->id});
  }
  return out;
}

struct ChargeState {
  std::string id, period, due_date;
  int64_t amount = 0, paid = 0;
};
struct PaymentState {
  const Record* record = nullptr;
  std::string household, date;
  int64_t at = 0, amount = 0, left = 0;
  bool voided = false;  // voided by the end of the day (still listed, pays nothing)
};
struct Allocation {
  std::string date;  // the payment's local date
  std::string period;
  int64_t amount = 0;
};

}  // namespace

// The payments made up to the end of local day `as_of` and how the unvoided ones were
// attributed to charges (the rule in figures.h).
struct detail::Attribution {
  std::map<std::string, std::vector<ChargeState>> charges;  // household -> oldest first
  std::vector<PaymentState> payments;                       // by (event time, id)
  std::vector<Allocation> allocations;
  // household -> the sums of its payments and of the voided ones among them
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> paid;
};

namespace {

using detail::Attribution;

void pay(ChargeState& charge, PaymentState& payment, Attribution& out) {
  const int64_t amount = std::min(payment.left, charge.amount - charge.paid);
  if (amount <= 0) return;
  charge.paid += amount;
  payment.left -= amount;
  out.allocations.push_back({payment.date, charge.period, amount});
}

// Step 1 of the rule: the charges a payment names, or the charges of the periods it names.
void pay_named(PaymentState& payment, std::vector<ChargeState>& charges, Attribution& out) {
  const std::vector<std::string> named = texts_of(payment.record->fields, "charges");
  if (!named.empty()) {
    for (const std::string& id : named) {
      for (auto& charge : charges) {
        if (charge.id == id) pay(charge, payment, out);
      }
    }
    return;
  }
  const std::vector<std::string> periods = texts_of(payment.record->fields, "periods");
  for (auto& charge : charges) {
    if (std::find(periods.begin(), periods.end(), charge.period) != periods.end()) {
      pay(charge, payment, out);
    }
  }
}

Attribution attribute_payments(const Calendar& calendar, const std::string& as_of) {
  Attribution out;
  for (const Record* c : calendar.records().of("charges")) {
    if (c->fields.value("cancelled", false) == true) continue;
    out.charges[text_of(c->fields, "household")].push_back({c->id, text_of(c->fields, "period"),
                                                            text_of(c->fields, "due_date"),
                                                            int_of(c->fields, "amount"), 0});
  }
  for (auto& [household, list] : out.charges) {
    std::sort(list.begin(), list.end(), [](const ChargeState& a, const ChargeState& b) {
      return std::tie(a.period, a.due_date, a.id) < std::tie(b.period, b.due_date, b.id);
    });
  }
  const Voids voids = voids_of(calendar);
  for (const Record* p : in_time_order(calendar, calendar.records().of("payments"))) {
    const std::string date = calendar.event_date(*p);
    if (date > as_of) continue;
    auto v = voids.first.find(p->id);
    const bool voided = v != voids.first.end() && calendar.event_date(*v->second) <= as_of;
    const int64_t amount = int_of(p->fields, "amount");
    out.payments.push_back({p, text_of(p->fields, "household"), date, event_time(calendar, *p),
                            amount, voided ? 0 : amount, voided});
    auto& [paid, paid_voided] = out.paid[out.payments.back().household];
    paid += amount;
    if (voided) paid_voided += amount;
  }
  for (auto& payment : out.payments) {
    if (!payment.voided) pay_named(payment, out.charges[payment.household], out);
  }
  for (auto& payment : out.payments) {
    if (payment.voided) continue;
    for (auto& charge : out.charges[payment.household]) pay(charge, payment, out);
  }
  return out;
}

std::string month_of(const std::string& date) {
  return date.substr(0, 7);
}

// The attribution as of a day, made once per calendar: the figures of one report share it.
const Attribution& attribute(const Calendar& calendar, const std::string& as_of) {
  return calendar.attribution(as_of, attribute_payments);
}

HouseholdArrears account_of(const Attribution& a, const std::string& household,
                            const std::string& as_of) {
  HouseholdArrears out;
  out.household = household;
  auto charges = a.charges.find(household);
  if (charges != a.charges.end()) {
    for (const ChargeState& charge : charges->second) {
      if (charge.period > month_of(as_of)) continue;
      out.charged += charge.amount;
      if (charge.paid < charge.amount &&
          (out.unpaid_periods.empty() || out.unpaid_periods.back() != charge.period)) {
        out.unpaid_periods.push_back(charge.period);
      }
    }
  }
  if (auto paid = a.paid.find(household); paid != a.paid.end()) {
    out.paid = paid->second.first;
    out.voided = paid->second.second;
  }
  if (!out.unpaid_periods.empty()) {
    out.oldest_period = out.unpaid_periods.front();
    out.months_overdue = std::max<int64_t>(0, months_between(out.oldest_period, month_of(as_of)));
  }
  return out;
}

// Collector -> local day -> visits and households, for visits between two days.
std::map<std::string, std::map<std::string, std::set<std::string>>> visits_by_day(
    const Calendar& calendar, const std::string& from, const std::string& to,
    std::map<std::pair<std::string, std::string>, int64_t>& counts) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> out;
  for (const Record* v : calendar.records().of("fee_visits")) {
    const std::string date = calendar.event_date(*v);
    if (date < from || date > to) continue;
    const std::string collector = text_of(v->fields, "collector");
    out[collector][date].insert(text_of(v->fields, "household"));
    ++counts[{collector, date}];
  }
  return out;
}

// The collection plan of each collector for each month: the newest wins.
std::map<std::pair<std::string, std::string>, const Record*> plans_of(const Calendar& calendar) {
  std::map<std::pair<std::string, std::string>, const Record*> out;
  for (const Record* plan : calendar.records().of("collection_plans")) {
    const Record*& slot = out[{text_of(plan->fields, "collector"), text_of(plan->fields, "month")}];
    if (slot == nullptr || slot->id < plan->id) slot = plan;
  }
  return out;
}

std::vector<CollectorDay> days_of(
    const std::string& collector, const std::map<std::string, std::set<std::string>>& days,
    const std::map<std::pair<std::string, std::string>, int64_t>& counts,
    const std::map<std::pair<std::string, std::string>, const Record*>& plans) {
  std::vector<CollectorDay> out;
  for (const auto& [date, households] : days) {
    CollectorDay day{date, counts.at({collector, date}), static_cast<int64_t>(households.size()),
                     std::nullopt};
    auto plan = plans.find({collector, month_of(date)});
    if (plan != plans.end()) day.target = optional_int(plan->second->fields, "daily_visit_target");
    out.push_back(std::move(day));
  }
  return out;
}

int64_t stamp_ms(const Record& r, const char* field) {
  auto stamp = Stamp::decode(text_of(r.stamps, field));
  return stamp.ok() ? stamp->wall_ms : 0;
}

}  // namespace

// ---- Records and calendars ----

const std::vector<std::string>& RecordSet::collections_read() {
  static const std::vector<std::string> kRead = {
      "estates",     "buildings",        "units",      "households",       "charges",
      "payments",    "payment_voids",    "fee_visits", "collection_plans", "findings",
      "work_orders", "work_order_notes", "complaints", "return_visits",    "patrol_routes",
      "checkpoints", "checkins"};
  return kRead;
}

void RecordSet::add(Record record) {
  auto [it, added] = by_id_.try_emplace(record.id, Record());
  if (added) {
    by_collection_[record.collection].push_back(&it->second);
  } else if (it->second.collection != record.collection) {
    auto& old = by_collection_[it->second.collection];
    old.erase(std::remove(old.begin(), old.end(), &it->second), old.end());
    by_collection_[record.collection].push_back(&it->second);
  }
  it->second = std::move(record);
}

const std::vector<const Record*>& RecordSet::of(std::string_view collection) const {
  static const std::vector<const Record*> kNone;
  auto it = by_collection_.find(collection);
  return it == by_collection_.end() ? kNone : it->second;
}

const Record* RecordSet::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

Result<std::optional<Json>> RecordSet::fields_of(const std::string& collection,
                                                 const std::string& id) const {
  const Record* r = find(id);
  if (r == nullptr || r->collection != collection) return std::optional<Json>();
  return std::optional<Json>(r->fields);
}

int64_t event_time_of(const CollectionDef& collection, const Record& record) {
  if (!text_of(record.fields, "late_for").empty()) {
    if (auto received = optional_int(record.fields, "arrived_at")) return *received;
  }
  if (auto occurred = optional_int(record.fields, "occurred_at")) return *occurred;
  const FieldDef* field = collection.event_time();
  return field != nullptr ? int_of(record.fields, field->name.c_str()) : 0;
}

Result<std::string> estate_of(const Schema& schema, const CollectionDef& collection,
                              const std::string& id, const Json& fields,
                              const RecordReader& records) {
  const CollectionDef* current = &collection;
  std::string current_id = id;
  Json current_fields = fields;
  // Places nest a few levels deep (payment, household, unit, building, estate).
  for (int depth = 0; depth < 8; ++depth) {
    if (is_estate_collection(current)) return current_id;
    const CollectionDef* next = nullptr;
    for (const Reference& ref : references_in(*current, current_fields)) {
      const CollectionDef* target = schema.find(ref.target);
      if (is_estate_collection(target)) return ref.id;
      if (target == nullptr) continue;
      auto held = records.fields_of(ref.target, ref.id);
      if (!held.ok()) return held.status();
      if (!*held) continue;
      next = target;
      current_id = ref.id;
      current_fields = std::move(**held);
      break;
    }
    if (next == nullptr) return std::string();
    current = next;
  }
  return std::string();
}

Result<std::optional<TimeZone>> estate_zone_of(const Schema& schema,
                                               const CollectionDef& collection,
                                               const std::string& id, const Json& fields,
                                               const RecordReader& records) {
  auto estate = estate_of(schema, collection, id, fields, records);
  if (!estate.ok()) return estate.status();
  if (estate->empty()) return std::optional<TimeZone>();
  const CollectionDef* estates = nullptr;
  for (const CollectionDef& c : schema.collections()) {
    if (is_estate_collection(&c)) estates = &c;
  }
  if (estates == nullptr) return std::optional<TimeZone>();
  auto held = records.fields_of(estates->name, *estate);
  if (!held.ok()) return held.status();
  const std::string name = *held ? text_of(**held, "time_zone") : std::string();
  if (name.empty()) return std::optional<TimeZone>();
  auto zone = TimeZone::named(name);
  if (!zone.ok()) return std::optional<TimeZone>();
  return std::optional<TimeZone>(*zone);
}

Calendar::Calendar(const Schema& schema, const RecordSet& records, TimeZone fallback,
                   const ZoneDatabase& zones)
    : schema_(schema), records_(records), fallback_(std::move(fallback)), zones_(zones) {}

const TimeZone& Calendar::zone_of_estate(const std::string& estate) const {
  auto it = estate_zones_.find(estate);
  if (it != estate_zones_.end()) return it->second;
  TimeZone zone = fallback_;
  if (const Record* r = records_.find(estate)) {
    const std::string name = text_of(r->fields, "time_zone");
    if (!name.empty()) {
      if (auto named = TimeZone::named(name, zones_); named.ok()) zone = *named;
    }
  }
  return estate_zones_.emplace(estate, std::move(zone)).first->second;
}

// estate_of() over the held records, remembering the estate of every record on the
// way: the payments of one household walk up to its estate once.
const std::string& Calendar::estate_of_record(const Record& record, int depth) const {
  auto it = record_estates_.find(record.id);
  if (it != record_estates_.end()) return it->second;
  std::string estate;
  const CollectionDef* c = schema_.find(record.collection);
  if (is_estate_collection(c)) {
    estate = record.id;
  } else if (c != nullptr && depth < 8) {  // places nest a few levels deep, as in estate_of
    for (const Reference& ref : references_in(*c, record.fields)) {
      const CollectionDef* target = schema_.find(ref.target);
      if (is_estate_collection(target)) {
        estate = ref.id;
        break;
      }
      const Record* held = target != nullptr ? records_.find(ref.id) : nullptr;
      if (held == nullptr || held->collection != ref.target) continue;
      estate = estate_of_record(*held, depth + 1);
      break;
    }
  }
  return record_estates_.emplace(record.id, std::move(estate)).first->second;
}

const detail::Attribution& Calendar::attribution(
    const std::string& as_of,
    detail::Attribution (*make)(const Calendar&, const std::string&)) const {
  auto it = attributions_.find(as_of);
  if (it == attributions_.end()) {
    it = attributions_
             .emplace(as_of, std::make_shared<const detail::Attribution>(make(*this, as_of)))
             .first;
  }
  return *it->second;
}

const TimeZone& Calendar::zone_of(const Record& record) const {
  const std::string& estate = estate_of_record(record, 0);
  return estate.empty() ? fallback_ : zone_of_estate(estate);
}

std::string Calendar::event_date(const Record& record) const {
  return zone_of(record).date_of(event_time(*this, record));
}

// ---- Fees ----

HouseholdArrears household_arrears(const Calendar& calendar, const std::string& household,
                                   const std::string& as_of) {
  return account_of(attribute(calendar, as_of), household, as_of);
}

bool owed_for_more_than(const HouseholdArrears& account, int64_t years) {
  return account.balance() > 0 && (years <= 0 || account.months_overdue > years * 12);
}

std::vector<ArrearsEntry> arrears_list(const Calendar& calendar, const std::string& as_of,
                                       int64_t more_than_years) {
  const Attribution& a = attribute(calendar, as_of);
  const RecordSet& records = calendar.records();
  std::vector<ArrearsEntry> out;
  for (const Record* h : records.of("households")) {
    if (h->fields.value("archived", false) == true) continue;
    HouseholdArrears account = account_of(a, h->id, as_of);
    if (!owed_for_more_than(account, more_than_years)) continue;
    ArrearsEntry entry;
    entry.owner = text_of(h->fields, "owner_name");
    entry.phones = texts_of(h->fields, "phones");
    entry.collector = text_of(h->fields, "collector");
    if (const Record* unit = records.find(text_of(h->fields, "unit"))) {
      entry.unit = text_of(unit->fields, "number");
      if (const Record* b = records.find(text_of(unit->fields, "building"))) {
        entry.building = text_of(b->fields, "name");
      }
    }
    entry.account = std::move(account);
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const ArrearsEntry& x, const ArrearsEntry& y) {
    return std::make_tuple(-x.account.months_overdue, -x.account.balance(), x.account.household) <
           std::make_tuple(-y.account.months_overdue, -y.account.balance(), y.account.household);
  });
  return out;
}

CollectionRates collection_rates(const Calendar& calendar, const std::string& period,
                                 const std::string& as_of) {
  const Attribution& a = attribute(calendar, as_of);
  const std::string start = period + "-01";
  auto in_period = [&](const std::string& date) {
    return month_of(date) == period && date <= as_of;
  };
  CollectionRates out;
  for (const auto& [household, charges] : a.charges) {
    for (const auto& charge : charges) {
      if (charge.period == period) out.period.due += charge.amount;
      if (charge.period < period) out.arrears.due += charge.amount;
    }
  }
  for (const auto& allocation : a.allocations) {
    if (allocation.period == period) out.period.collected += allocation.amount;
    if (allocation.period >= period) continue;
    if (allocation.date < start) out.arrears.due -= allocation.amount;
    if (in_period(allocation.date)) out.arrears.collected += allocation.amount;
  }
  for (const auto& payment : a.payments) {
    if (payment.voided || !in_period(payment.date)) continue;
    out.collected_in_period += payment.amount;
    out.credit_in_period += payment.left;
  }
  return out;
}

std::vector<PromiseDue> promises_due(const Calendar& calendar, const std::string& as_of,
                                     const std::string& collector) {
  const Attribution& a = attribute(calendar, as_of);
  std::map<std::string, std::vector<const PaymentState*>> by_household;
  for (const auto& payment : a.payments) {
    if (!payment.voided) by_household[payment.household].push_back(&payment);
  }
  std::vector<PromiseDue> out;
  for (const Record* v : calendar.records().of("fee_visits")) {
    const std::string date = text_of(v->fields, "promise_date");
    if (text_of(v->fields, "outcome") != "promised" || date.empty() || date > as_of ||
        calendar.event_date(*v) > as_of) {
      continue;
    }
    if (!collector.empty() && text_of(v->fields, "collector") != collector) continue;
    PromiseDue p;
    p.visit = v->id;
    p.household = text_of(v->fields, "household");
    p.collector = text_of(v->fields, "collector");
    p.promise_date = date;
    p.promise_amount = optional_int(v->fields, "promise_amount");
    const int64_t visited_at = event_time(calendar, *v);
    for (const PaymentState* payment : by_household[p.household]) {
      if (payment->at >= visited_at) p.paid_since += payment->amount;
    }
    const bool kept = p.promise_amount ? p.paid_since >= *p.promise_amount : p.paid_since > 0;
    if (kept) continue;
    p.broken = p.promise_date < as_of;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return std::tie(x.promise_date, x.visit) < std::tie(y.promise_date, y.visit);
  });
  return out;
}

CollectorVisits collector_visits(const Calendar& calendar, const std::string& collector,
                                 const std::string& from, const std::string& to) {
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  const auto by_day = visits_by_day(calendar, from, to, counts);
  auto it = by_day.find(collector);
  if (it == by_day.end()) return {};
  CollectorVisits out;
  out.days = days_of(collector, it->second, counts, plans_of(calendar));
  std::set<std::string> households;
  for (const auto& [date, visited] : it->second) households.insert(visited.begin(), visited.end());
  for (const CollectorDay& day : out.days) out.visits += day.visits;
  out.households = static_cast<int64_t>(households.size());
  return out;
}

std::optional<double> CollectorFigures::amount_completion() const {
  if (!amount_target || *amount_target <= 0) return std::nullopt;
  return static_cast<double>(collected) / static_cast<double>(*amount_target);
}

std::vector<CollectorFigures> collector_figures(const Calendar& calendar, const std::string& period,
                                                const std::string& as_of) {
  std::map<std::string, CollectorFigures> by_name;
  auto entry = [&](const std::string& name) -> CollectorFigures& {
    CollectorFigures& e = by_name[name];
    e.collector = name;
    return e;
  };
  const auto plans = plans_of(calendar);
  for (const auto& [key, plan] : plans) {
    if (key.second != period) continue;
    CollectorFigures& e = entry(key.first);
    e.daily_visit_target = optional_int(plan->fields, "daily_visit_target");
    e.amount_target = optional_int(plan->fields, "amount_target");
  }
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  const std::string last = std::min(as_of, period + "-31");
  for (const auto& [name, days] : visits_by_day(calendar, period + "-01", last, counts)) {
    CollectorFigures& e = entry(name);
    e.days = days_of(name, days, counts, plans);
    for (const CollectorDay& day : e.days) {
      e.visits += day.visits;
      e.days_on_target += day.on_target();
    }
  }
  for (const auto& payment : attribute(calendar, as_of).payments) {
    if (payment.voided || month_of(payment.date) != period) continue;
    entry(text_of(payment.record->fields, "collector")).collected += payment.amount;
  }
  std::vector<CollectorFigures> out;
  for (auto& [name, e] : by_name) out.push_back(std::move(e));
  return out;
}

std::vector<DuplicateVoid> duplicate_voids(const Calendar& calendar) {
  return voids_of(calendar).duplicates;
}

std::vector<TimeNote> time_notes(const Calendar& calendar, const std::string& period,
                                 const std::string& as_of) {
  std::vector<TimeNote> out;
  for (const CollectionDef& c : calendar.schema().collections()) {
    const FieldDef* device_field = c.event_time();
    if (device_field == nullptr || c.field("arrived_at") == nullptr) continue;
    for (const Record* r : calendar.records().of(c.name)) {
      const Json& x = r->fields;
      TimeNote note{c.name,
                    r->id,
                    text_of(x, "late_for"),
                    text_of(x, "time_check"),
                    int_of(x, device_field->name.c_str()),
                    int_of(x, "occurred_at"),
                    int_of(x, "arrived_at"),
                    event_time_of(c, *r)};
      if (note.late_for.empty() && note.time_check != "unexplained") continue;
      const std::string arrived = calendar.zone_of(*r).date_of(note.arrived_at);
      if (month_of(arrived) != period || arrived > as_of) continue;
      out.push_back(std::move(note));
    }
  }
  std::sort(out.begin(), out.end(), [](const TimeNote& a, const TimeNote& b) {
    return std::tie(a.arrived_at, a.id) < std::tie(b.arrived_at, b.id);
  });
  return out;
}

// ---- Patrol ----

FindingFigures finding_figures(const Calendar& calendar, const std::string& as_of) {
  FindingFigures out;
  const CollectionDef* findings = calendar.schema().find("findings");
  const FieldDef* severity = findings ? findings->field("severity") : nullptr;
  for (const auto& name : severity ? severity->choices : std::vector<std::string>{}) {
    out.by_severity.push_back({name, 0, 0});
  }
  for (const Record* f : calendar.records().of("findings")) {
    const Json& x = f->fields;
    if (text_of(x, "status") == "closed") continue;
    auto it = std::find_if(out.by_severity.begin(), out.by_severity.end(),
                           [&](const auto& s) { return s.severity == text_of(x, "severity"); });
    if (it == out.by_severity.end()) continue;
    ++it->open;
    const std::string deadline = text_of(x, "deadline");
    if (deadline.empty() || deadline >= as_of) continue;
    ++it->overdue;
    out.overdue.push_back({f->id, text_of(x, "estate"), text_of(x, "building"),
                           text_of(x, "category"), text_of(x, "severity"), deadline,
                           text_of(x, "status"), text_of(x, "assignee")});
  }
  std::sort(out.overdue.begin(), out.overdue.end(), [](const auto& a, const auto& b) {
    return std::tie(a.deadline, a.id) < std::tie(b.deadline, b.id);
  });
  return out;
}

namespace {

bool archived(const Record& r) {
  return r.fields.value("archived", false) == true;
}

// A route's checkpoints in the order walked: by sequence (those without one last),
// then name, then id.
std::vector<const Record*> walking_order(std::vector<const Record*> checkpoints) {
  auto key = [](const Record* p) {
    const std::optional<int64_t> sequence = optional_int(p->fields, "sequence");
    return std::make_tuple(!sequence.has_value(), sequence.value_or(0), text_of(p->fields, "name"),
                           p->id);
  };
  std::sort(checkpoints.begin(), checkpoints.end(),
            [&](const Record* a, const Record* b) { return key(a) < key(b); });
  return checkpoints;
}

using CheckInsByCheckpoint = std::map<std::string, std::vector<PatrolCheckIn>>;

PatrolRound round_of(const Record& route, const std::string& date,
                     const std::vector<const Record*>& checkpoints,
                     const CheckInsByCheckpoint& checked) {
  PatrolRound round{
      route.id, text_of(route.fields, "name"), text_of(route.fields, "estate"), date, {}, 0, 0};
  std::set<std::string> listed;
  for (const Record* p : checkpoints) {
    auto it = checked.find(p->id);
    if (archived(*p) && it == checked.end()) continue;
    listed.insert(p->id);
    round.checkpoints.push_back({p->id, text_of(p->fields, "name"),
                                 optional_int(p->fields, "sequence"),
                                 it == checked.end() ? std::vector<PatrolCheckIn>() : it->second});
  }
  for (const auto& [checkpoint, checkins] : checked) {  // at a checkpoint not held
    if (!listed.count(checkpoint))
      round.checkpoints.push_back({checkpoint, "", std::nullopt, checkins});
  }
  for (const RoundCheckpoint& p : round.checkpoints) {
    round.checkins += static_cast<int64_t>(p.checkins.size());
    round.missed += p.missed();
  }
  return round;
}

}  // namespace

std::vector<PatrolRound> patrol_rounds(const Calendar& calendar, const std::string& from,
                                       const std::string& to) {
  auto first = parse_date(from), last = parse_date(to);
  if (!first.ok() || !last.ok() || from > to) return {};
  const RecordSet& records = calendar.records();
  // route -> local date -> checkpoint -> its check-ins, in time order
  std::map<std::string, std::map<std::string, CheckInsByCheckpoint>> checked;
  for (const Record* c : in_time_order(calendar, records.of("checkins"))) {
    const std::string date = calendar.event_date(*c);
    if (date < from || date > to) continue;
    const Json& x = c->fields;
    checked[text_of(x, "route")][date][text_of(x, "checkpoint")].push_back(
        {c->id, text_of(x, "patroller"), text_of(x, "method"), text_of(x, "condition"),
         text_of(x, "note"), event_time(calendar, *c)});
  }
  std::map<std::string, std::vector<const Record*>> checkpoints;
  for (const Record* p : records.of("checkpoints")) {
    checkpoints[text_of(p->fields, "route")].push_back(p);
  }
  std::vector<const Record*> routes;
  for (const Record* r : records.of("patrol_routes")) {
    if (!archived(*r) || checked.count(r->id)) routes.push_back(r);
  }
  std::sort(routes.begin(), routes.end(), [](const Record* a, const Record* b) {
    return std::make_tuple(text_of(a->fields, "name"), a->id) <
           std::make_tuple(text_of(b->fields, "name"), b->id);
  });
  static const CheckInsByCheckpoint kNone;
  std::vector<PatrolRound> out;
  for (const Record* route : routes) {
    const std::vector<const Record*> walk = walking_order(checkpoints[route->id]);
    const auto& days = checked[route->id];
    for (int64_t day = days_from_civil(*first); day <= days_from_civil(*last); ++day) {
      const std::string date = format_date(civil_from_days(day));
      auto it = days.find(date);
      out.push_back(round_of(*route, date, walk, it == days.end() ? kNone : it->second));
    }
  }
  return out;
}

// ---- Statuses ----

std::vector<StatusCount> status_counts(const Calendar& calendar, const std::string& collection) {
  const CollectionDef* c = calendar.schema().find(collection);
  if (c == nullptr) return {};
  auto status = std::find_if(c->fields.begin(), c->fields.end(),
                             [](const FieldDef& f) { return f.is_status(); });
  if (status == c->fields.end()) return {};
  std::vector<StatusCount> out;
  for (const std::string& stage : status->choices) out.push_back({stage, 0});
  std::map<std::string, int64_t> others;
  for (const Record* r : calendar.records().of(collection)) {
    const std::string now = text_of(r->fields, status->name.c_str());
    const int index = status->stage_index(now);
    if (index >= 0) {
      ++out[static_cast<size_t>(index)].count;
    } else {
      ++others[now];
    }
  }
  for (const auto& [name, count] : others) out.push_back({name, count});
  return out;
}

// ---- Service ----

std::vector<AwaitingReturnVisit> awaiting_return_visit(const Calendar& calendar) {
  const RecordSet& records = calendar.records();
  std::set<std::string> visited;
  for (const Record* r : records.of("return_visits")) {
    for (const char* field : {"work_order", "complaint"}) {
      if (const std::string id = text_of(r->fields, field); !id.empty()) visited.insert(id);
    }
  }
  std::vector<AwaitingReturnVisit> out;
  const std::pair<const char*, const char*> done[] = {{"work_orders", "completed"},
                                                      {"complaints", "resolved"}};
  for (const auto& [collection, stage] : done) {
    for (const Record* r : records.of(collection)) {
      const Json& x = r->fields;
      if (text_of(x, "status") != stage || visited.count(r->id)) continue;
      out.push_back({collection, r->id, text_of(x, "category"), text_of(x, "household"),
                     text_of(x, "building"), text_of(x, "area"), text_of(x, "assignee"),
                     stamp_ms(*r, "status")});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.done_ms, a.id) < std::tie(b.done_ms, b.id);
  });
  return out;
}

std::optional<double> Satisfaction::average() const {
  if (visits == 0) return std::nullopt;
  int64_t sum = 0;
  for (int score = 1; score <= 5; ++score) sum += score * by_score[score - 1];
  return static_cast<double>(sum) / static_cast<double>(visits);
}

Satisfaction return_visit_satisfaction(const Calendar& calendar, const std::string& period,
                                       const std::string& as_of) {
  Satisfaction out;
  for (const Record* r : calendar.records().of("return_visits")) {
    const std::string date = calendar.event_date(*r);
    const int64_t score = int_of(r->fields, "satisfaction");
    if (month_of(date) != period || date > as_of || score < 1 || score > 5) continue;
    ++out.visits;
    ++out.by_score[score - 1];
  }
  return out;
}

MaintenanceFile maintenance_file(const Calendar& calendar, const std::string& household) {
  const RecordSet& records = calendar.records();
  MaintenanceFile out;
  out.household = household;
  auto naming = [&](const char* collection, const char* field, const std::string& id) {
    std::vector<const Record*> found;
    for (const Record* r : records.of(collection)) {
      if (text_of(r->fields, field) == id) found.push_back(r);
    }
    std::vector<Record> copies;
    for (const Record* r : in_time_order(calendar, found)) copies.push_back(*r);
    return copies;
  };
  for (Record& order : naming("work_orders", "household", household)) {
    RepairHistory history;
    history.notes = naming("work_order_notes", "work_order", order.id);
    history.return_visits = naming("return_visits", "work_order", order.id);
    history.order = std::move(order);
    out.work_orders.push_back(std::move(history));
  }
  for (Record& complaint : naming("complaints", "household", household)) {
    RepairHistory history;
    history.return_visits = naming("return_visits", "complaint", complaint.id);
    history.order = std::move(complaint);
    out.complaints.push_back(std::move(history));
  }
  return out;
}

}  // namespace fieldsync
