// Derived views, computed from events each time (FieldWork): a household's arrears,
// promises to pay that are due, and visits per day against the plan's daily target.
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/record_output.h"
#include "cli/table.h"
#include "fieldsync/field_work.h"
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

CliStatus run_arrears(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, 1, "<household-id>"));
  auto arrears = FieldWork(*context.store).arrears(context.args.positional[0]);
  if (!arrears.ok()) return arrears.status();
  auto household = context.store->get("households", context.args.positional[0]);
  if (!household.ok()) return household.status();
  if (context.json) {
    print_json(context.out, Json{{"household", household->id},
                                 {"charged", arrears->charged},
                                 {"paid", arrears->paid},
                                 {"voided", arrears->voided},
                                 {"balance", arrears->balance()}});
    return CliStatus();
  }
  render_pairs(context.out, {{"household", household->id},
                             {"owner", household->fields.value("owner_name", std::string())},
                             {"charged", format_money(arrears->charged)},
                             {"paid", format_money(arrears->paid)},
                             {"voided", format_money(arrears->voided)},
                             {"balance", format_money(arrears->balance())}});
  return CliStatus();
}

Json promise_json(const PromiseDue& promise) {
  return {{"visit", promise.visit},
          {"household", promise.household},
          {"collector", promise.collector},
          {"promise_date", promise.promise_date},
          {"promise_amount", promise.promise_amount ? Json(*promise.promise_amount) : Json()},
          {"paid_since", promise.paid_since},
          {"broken", promise.broken}};
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
  auto as_of = date_option(context, "as-of", date_of_timestamp(context.store->clock().now_ms()));
  if (!as_of.ok()) return as_of.status();
  const std::string collector = context.args.value("collector").value_or("");
  auto promises = FieldWork(*context.store).promises_due(*as_of, collector);
  if (!promises.ok()) return promises.status();
  if (context.json) {
    Json all = Json::array();
    for (const auto& promise : *promises) all.push_back(promise_json(promise));
    print_json(context.out, Json{{"as_of", *as_of}, {"collector", collector}, {"promises", all}});
  } else if (promises->empty()) {
    context.out << "no open promises due on or before " << *as_of << "\n";
  } else {
    print_promises(context.out, *promises);
  }
  return CliStatus();
}

void print_visits(std::ostream& out, const std::vector<DailyVisits>& days) {
  Table table({"date", "visits", "households", "target"});
  for (size_t c = 1; c < 4; ++c) table.align_right(c);
  int64_t visits = 0, households = 0;
  for (const auto& day : days) {
    table.add_row({day.date, std::to_string(day.visits), std::to_string(day.households),
                   day.target ? std::to_string(*day.target) : ""});
    visits += day.visits;
    households += day.households;
  }
  table.add_row({"total", std::to_string(visits), std::to_string(households), ""});
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
  auto days = FieldWork(*context.store).visits_per_day(collector, *from, *to);
  if (!days.ok()) return days.status();
  if (context.json) {
    Json all = Json::array();
    for (const auto& d : *days) {
      all.push_back({{"date", d.date},
                     {"visits", d.visits},
                     {"households", d.households},
                     {"target", d.target ? Json(*d.target) : Json()}});
    }
    print_json(context.out,
               Json{{"collector", collector}, {"from", *from}, {"to", *to}, {"days", all}});
  } else if (days->empty()) {
    context.out << "no visits by " << collector << " from " << *from << " to " << *to << "\n";
  } else {
    print_visits(context.out, *days);
  }
  return CliStatus();
}

}  // namespace

std::vector<CommandDef> view_commands() {
  return {
      {"arrears",
       "<household-id>",
       "A household's balance: charged, paid, voided and what is still owed.",
       {},
       NeedsDatabase::kOpen,
       run_arrears,
       "arrears 0193...",
       ""},
      {"promises",
       "[--as-of YYYY-MM-DD] [--collector NAME]",
       "Promises to pay due on or before a day (default today, UTC) and not yet kept.",
       {option("as-of", "YYYY-MM-DD", "the day to look from (default today, UTC)"),
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
