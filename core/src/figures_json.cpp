#include "fieldsync/figures_json.h"

#include "fieldsync/text_values.h"

namespace fieldsync {
Json money_json(const std::optional<int64_t>& minor) {
  return minor ? Json(format_money(*minor)) : Json();
}

Json to_json(const HouseholdArrears& a) {
  return {{"household", a.household},
          {"charged", format_money(a.charged)},
          {"paid", format_money(a.paid)},
          {"voided", format_money(a.voided)},
          {"balance", format_money(a.balance())},
          {"unpaid_periods", a.unpaid_periods},
          {"oldest_period", a.oldest_period.empty() ? Json() : Json(a.oldest_period)},
          {"months_overdue", a.months_overdue},
          {"years_overdue", a.years_overdue()}};
}

Json to_json(const ArrearsEntry& e) {
  Json out = to_json(e.account);
  out.update({{"owner", e.owner},
              {"phones", e.phones},
              {"building", e.building},
              {"unit", e.unit},
              {"collector", e.collector}});
  return out;
}

Json to_json(const PromiseDue& p) {
  return {{"visit", p.visit},
          {"household", p.household},
          {"collector", p.collector},
          {"promise_date", p.promise_date},
          {"promise_amount", money_json(p.promise_amount)},
          {"paid_since", format_money(p.paid_since)},
          {"broken", p.broken}};
}

Json to_json(const CollectorVisits& visits) {
  Json days = Json::array();
  for (const CollectorDay& d : visits.days) {
    days.push_back({{"date", d.date},
                    {"visits", d.visits},
                    {"households", d.households},
                    {"target", d.target ? Json(*d.target) : Json()}});
  }
  return {{"days", days}, {"visits", visits.visits}, {"households", visits.households}};
}

}  // namespace fieldsync
