// Derived views, computed from events each time (FieldWork): a household's arrears,
// promises to pay that are due, and visits per day against the plan's daily target.
#include <cctype>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/record_output.h"
#include "cli/table.h"
#include "fieldsync/field_work.h"
#include "fieldsync/figures_json.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

// A date option (YYYY-MM-DD), or `fallback` when absent; invalid input when malformed.
Result<std::string> date_option(const CommandContext& context, const std::string& name,
                                const std::string& fallback) {
  const std::string text = context.args.value(name).value_or(fallback);
  auto date = parse_date(text);
  if (!date.ok()) return date.status().with_context("--" + name);
  return format_date(*date);
}

// "(days by Asia/Shanghai)": the zone a view's "today" was read in, for people.
Result<std::string> zone_note(const FieldWork& work) {
  auto zone = work.home_zone();
  if (!zone.ok()) return zone.status();
  return "(days by " + zone->name() + ")";
}

CliStatus run_household_arrears(CommandContext& context, const std::string& as_of) {
  FieldWork work(*context.store);
  auto arrears = work.arrears(context.args.positional[0], as_of);
  if (!arrears.ok()) return arrears.status();
  auto household = context.store->get("households", context.args.positional[0]);
  if (!household.ok()) return household.status();
  if (context.json) {
    print_json(context.out, to_json(*arrears));
    return CliStatus();
  }
  render_pairs(context.out, {{"household", household->id},
                             {"owner", household->fields.value("owner_name", std::string())},
                             {"charged", format_money(arrears->charged)},
                             {"paid", format_money(arrears->paid)},
                             {"voided", format_money(arrears->voided)},
                             {"balance", format_money(arrears->balance())},
                             {"oldest unpaid", arrears->oldest_period},
                             {"months overdue", std::to_string(arrears->months_overdue)}});
  return CliStatus();
}

CliStatus run_arrears(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 1, "[<household-id>]"));
  const std::string as_of = context.args.value("as-of").value_or("");
  if (!context.args.positional.empty()) return run_household_arrears(context, as_of);
  int64_t more_than_years = 0;
  if (auto years = context.args.value("more-than-years")) {
    if (years->size() != 1 || !std::isdigit(static_cast<unsigned char>((*years)[0]))) {
      return Status::invalid_argument("--more-than-years: '" + utf8_prefix(*years, 20) +
                                      "' is not a number of years from 0 to 9");
    }
    more_than_years = (*years)[0] - '0';
  }
  FieldWork work(*context.store);
  auto list = work.arrears_list(as_of, more_than_years);
  if (!list.ok()) return list.status();
  if (context.json) {
    Json all = Json::array();
    for (const ArrearsEntry& e : *list) all.push_back(to_json(e));
    print_json(
        context.out,
        Json{{"more_than_years", more_than_years}, {"count", all.size()}, {"households", all}});
    return CliStatus();
  }
  if (list->empty()) {
    context.out << "no household in arrears"
                << (more_than_years ? " for more than " + std::to_string(more_than_years) +
                                          (more_than_years == 1 ? " year" : " years")
                                    : "")
                << "\n";
    return CliStatus();
  }
  Table table({"building", "unit", "owner", "phones", "balance", "since", "years", "household"});
  table.align_right(4);
  table.align_right(6);
  for (const ArrearsEntry& e : *list) {
    std::string phones;
    for (const auto& p : e.phones) phones += (phones.empty() ? "" : ", ") + p;
    table.add_row({e.building, e.unit, e.owner, phones, format_money(e.account.balance()),
                   e.account.oldest_period, std::to_string(e.account.years_overdue()),
                   e.account.household});
  }
  table.render(context.out);
  auto note = zone_note(work);
  if (note.ok()) context.out << list->size() << " households " << *note << "\n";
  return CliStatus();
}

CliStatus run_repairs(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, 1, "<household-id>"));
  FieldWork work(*context.store);
  auto file = work.maintenance_file(context.args.positional[0]);
  if (!file.ok()) return file.status();
  auto zone = work.home_zone();
  if (!zone.ok()) return zone.status();
  const Schema& schema = context.store->schema();
  auto time_of = [&](const Record& r) {
    const CollectionDef* c = schema.find(r.collection);
    return c != nullptr ? zone->format(event_time_of(*c, r)) : std::string();
  };
  if (context.json) {
    auto histories = [&](const std::vector<RepairHistory>& list) {
      Json out = Json::array();
      for (const RepairHistory& h : list) {
        Json notes = Json::array(), visits = Json::array();
        for (const Record& n : h.notes) notes.push_back(record_json(n));
        for (const Record& v : h.return_visits) visits.push_back(record_json(v));
        out.push_back(
            {{"record", record_json(h.order)}, {"notes", notes}, {"return_visits", visits}});
      }
      return out;
    };
    print_json(context.out, Json{{"household", file->household},
                                 {"work_orders", histories(file->work_orders)},
                                 {"complaints", histories(file->complaints)}});
    return CliStatus();
  }
  Table table({"when", "what", "status", "detail", "id"});
  auto add_history = [&](const RepairHistory& h, const char* what) {
    const Json& f = h.order.fields;
    table.add_row({time_of(h.order), what, f.value("status", std::string()),
                   f.value("category", f.value("type", std::string())) + ": " +
                       f.value("description", std::string()),
                   h.order.id});
    for (const Record& n : h.notes) {
      table.add_row(
          {time_of(n), "  note", "",
           n.fields.value("author", std::string()) + ": " + n.fields.value("text", std::string()),
           n.id});
    }
    for (const Record& v : h.return_visits) {
      table.add_row({time_of(v), "  return visit", "",
                     "satisfaction " + std::to_string(v.fields.value("satisfaction", 0)) + " " +
                         v.fields.value("comment", std::string()),
                     v.id});
    }
  };
  for (const RepairHistory& h : file->work_orders) add_history(h, "work order");
  for (const RepairHistory& h : file->complaints) add_history(h, "complaint");
  if (file->work_orders.empty() && file->complaints.empty()) {
    context.out << "no work orders or complaints for household " << file->household << "\n";
    return CliStatus();
  }
  table.render(context.out);
  return CliStatus();
}

void print_promises(std::ostream& out, const std::vector<PromiseDue>& promises) {
  Table table(
      {"promise date", "state", "promised", "paid since", "collector", "household", "visit"});
  table.align_right(2);
  table.align_right(3);
  for (const auto& p : promises) {
    table.add_row({p.promise_date, p.broken ? "broken" : "due",
                   p.promise_amount ? format_money(*p.promise_amount) : "",
                   format_money(p.paid_since), p.collector, p.household, p.visit});
  }
  table.render(out);
}

CliStatus run_promises(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  FieldWork work(*context.store);
  auto as_of = work.today();
  if (!as_of.ok()) return as_of.status();
  if (context.args.value("as-of")) {
    as_of = date_option(context, "as-of", "");
    if (!as_of.ok()) return as_of.status();
  }
  const std::string collector = context.args.value("collector").value_or("");
  auto promises = work.promises_due(*as_of, collector);
  if (!promises.ok()) return promises.status();
  if (context.json) {
    Json all = Json::array();
    for (const auto& promise : *promises) all.push_back(to_json(promise));
    print_json(
        context.out,
        Json{
            {"as_of", *as_of}, {"collector", collector}, {"count", all.size()}, {"promises", all}});
  } else if (promises->empty()) {
    context.out << "no open promises due on or before " << *as_of << "\n";
  } else {
    print_promises(context.out, *promises);
  }
  return CliStatus();
}

void print_visits(std::ostream& out, const CollectorVisits& visits) {
  Table table({"date", "visits", "households", "target"});
  for (size_t c = 1; c < 4; ++c) table.align_right(c);
  for (const auto& day : visits.days) {
    table.add_row({day.date, std::to_string(day.visits), std::to_string(day.households),
                   day.target ? std::to_string(*day.target) : ""});
  }
  table.add_row({"total", std::to_string(visits.visits), std::to_string(visits.households), ""});
  table.render(out);
}

CliStatus run_visits(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto from = date_option(context, "from", "");
  if (!from.ok()) return from.status();
  auto to = date_option(context, "to", "");
  if (!to.ok()) return to.status();
  if (*from > *to) {
    return Status::invalid_argument("--from " + *from + " is after --to " + *to);
  }
  const std::string collector = *context.args.value("collector");
  auto visits = FieldWork(*context.store).visits(collector, *from, *to);
  if (!visits.ok()) return visits.status();
  if (context.json) {
    Json out = to_json(*visits);
    out.update({{"collector", collector}, {"from", *from}, {"to", *to}});
    print_json(context.out, out);
  } else if (visits->days.empty()) {
    context.out << "no visits by " << collector << " from " << *from << " to " << *to << "\n";
  } else {
    print_visits(context.out, *visits);
  }
  return CliStatus();
}

}  // namespace

std::vector<CommandDef> view_commands() {
  return {
      {"arrears",
       "[<household-id>] [--more-than-years N] [--as-of YYYY-MM-DD]",
       "A household's balance and how long it is owed; without one, every household in "
       "arrears, most overdue first.",
       {option("more-than-years", "N", "only households owing for more than N years"),
        option("as-of", "YYYY-MM-DD", "the day to count to (default today, local)")},
       NeedsDatabase::kOpen,
       run_arrears,
       "arrears --more-than-years 2",
       ""},
      {"repairs",
       "<household-id>",
       "A household's maintenance file: every work order with its notes and return "
       "visits, and every complaint.",
       {},
       NeedsDatabase::kOpen,
       run_repairs,
       "repairs 0193...",
       ""},
      {"promises",
       "[--as-of YYYY-MM-DD] [--collector NAME]",
       "Promises to pay due on or before a day (default today, local) and not yet kept.",
       {option("as-of", "YYYY-MM-DD", "the day to look from (default today, local)"),
        option("collector", "NAME", "only this collector's promises")},
       NeedsDatabase::kOpen,
       run_promises,
       "promises --as-of 2026-12-05 --collector alice",
       ""},
      {"visits",
       "--collector NAME --from YYYY-MM-DD --to YYYY-MM-DD",
       "A collector's visits per day (visits, households) against the plan's daily target.",
       {option("collector", "NAME", "the collector", true),
        option("from", "YYYY-MM-DD", "the first day", true),
        option("to", "YYYY-MM-DD", "the last day", true)},
       NeedsDatabase::kOpen,
       run_visits,
       "visits --collector alice --from 2026-11-01 --to 2026-11-30",
       ""},
  };
}

}  // namespace fieldsync::cli
