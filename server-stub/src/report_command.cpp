// The office's figures on the command line: `report` (office_report.h, as tables or one
// JSON document; with the blob folder, `--blobs` or "<db>.blobs" when it exists, also the
// attachments whose bytes have not arrived), `arrears` (the households in arrears, by
// age), `close-period` and `time-zone` (the server's zone for estates that name none).
#include <filesystem>

#include "event_times.h"
#include "fieldsync/clock.h"
#include "fieldsync/figures_json.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

Outcome run_report(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  const std::string period = context.args.value("period").value_or("");
  const std::string as_of = context.args.value("as-of").value_or("");
  std::unique_ptr<BlobStore> blobs;
  const auto folder = context.args.value("blobs");
  if (folder || std::filesystem::is_directory(context.db_path + ".blobs")) {
    auto opened = BlobStore::open(folder.value_or(context.db_path + ".blobs"));
    if (!opened.ok()) return Outcome::with_exit(opened.status(), ExitCode::kOther);
    blobs = std::move(opened).value();
  }
  auto report = build_office_report(*context.store, Schema::property_management(), period, as_of,
                                    blobs.get());
  if (!report.ok()) return report.status();
  if (context.args.has("json")) {
    context.out << to_json(*report).dump(2) << "\n";
  } else {
    context.out << to_table(*report);
  }
  return Outcome();
}

Outcome run_arrears(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  int64_t more_than_years = 0;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(
      read_number(context.args, "more-than-years", 0, 100, more_than_years));
  auto list = build_arrears_list(*context.store, Schema::property_management(),
                                 context.args.value("as-of").value_or(""), more_than_years);
  if (!list.ok()) return list.status();
  if (context.args.has("json")) {
    Json all = Json::array();
    for (const ArrearsEntry& e : *list) all.push_back(to_json(e));
    context.out << Json{{"more_than_years", more_than_years},
                        {"count", all.size()},
                        {"households", all}}
                       .dump(2)
                << "\n";
    return Outcome();
  }
  std::vector<std::vector<std::string>> rows;
  int64_t total = 0;
  for (const ArrearsEntry& e : *list) {
    std::string phones;
    for (const auto& p : e.phones) phones += (phones.empty() ? "" : ", ") + p;
    rows.push_back({e.building, e.unit, e.owner, phones, format_money(e.account.balance()),
                    e.account.oldest_period, std::to_string(e.account.years_overdue()),
                    e.account.household});
    total += e.account.balance();
  }
  context.out << format_table(
      {"building", "unit", "owner", "phones", "owed", "since", "years", "household"}, rows, {4, 6});
  context.out << list->size() << " households owe " << format_money(total) << "\n";
  return Outcome();
}

Outcome run_close_period(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "YYYY-MM"));
  auto month = parse_month(context.args.positional[0]);
  if (!month.ok()) return Status::invalid_argument(month.status().message());
  const std::string period = format_date(*month).substr(0, 7);
  auto txn = context.store->begin(true);
  if (!txn.ok()) return txn.status();
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  if (period >= zone->date_of(Clock::system().now_ms()).substr(0, 7)) {
    return Status::invalid_argument("period " + period +
                                    " has not ended yet; close a month once it is over");
  }
  auto closed = (*txn)->closed_periods();
  if (!closed.ok()) return closed.status();
  if (closed->count(period)) {
    context.out << "period " << period << " was already closed on "
                << zone->format(closed->at(period)) << "\n";
    return Outcome();
  }
  if (Status s = (*txn)->close_period(period, Clock::system().now_ms()); !s.ok()) return s;
  if (Status s = (*txn)->commit(); !s.ok()) return s;
  context.out << "closed " << period
              << " (and every period before it): events dated into them that arrive from now "
                 "on are late entries, counted when they arrive and listed apart\n";
  return Outcome();
}

Outcome run_time_zone(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 1, "[ZONE]"));
  auto txn = context.store->begin(!context.args.positional.empty());
  if (!txn.ok()) return txn.status();
  if (context.args.positional.empty()) {
    auto zone = server_zone(**txn);
    if (!zone.ok()) return zone.status();
    context.out << zone->name() << "\n";
    return Outcome();
  }
  auto zone = TimeZone::named(context.args.positional[0]);
  if (!zone.ok()) return Status::invalid_argument(zone.status().message());
  if (Status s = (*txn)->put_setting("time_zone", zone->name()); !s.ok()) return s;
  if (Status s = (*txn)->commit(); !s.ok()) return s;
  context.out << "the server's time zone is " << zone->name()
              << "; estates added without a time_zone get it\n";
  return Outcome();
}

}  // namespace

std::vector<CommandDef> report_commands() {
  return {{"report",
           "[--period YYYY-MM] [--as-of YYYY-MM-DD] [--json] [--blobs FOLDER]",
           "the office report: collection rate, visits against target, promises, arrears by "
           "age, findings, return visits, late entries, conflicts, attachments waiting for "
           "their bytes (period defaults to this month, as-of to today, in the server's zone)",
           {{"period", true, "YYYY-MM"},
            {"as-of", true, "YYYY-MM-DD"},
            {"json", false, ""},
            {"blobs", true, "FOLDER"}},
           Database::kExisting,
           run_report,
           "report --period 2026-11 --as-of 2026-11-30 --json"},
          {"arrears",
           "[--more-than-years N] [--as-of YYYY-MM-DD] [--json]",
           "every household in arrears with owner, phones, building, door, amount and how long, "
           "most overdue first",
           {{"more-than-years", true, "N"}, {"as-of", true, "YYYY-MM-DD"}, {"json", false, ""}},
           Database::kExisting,
           run_arrears,
           "arrears --more-than-years 2"},
          {"close-period",
           "YYYY-MM",
           "close a billing month: later events dated into it are late entries, shown apart",
           {},
           Database::kExisting,
           run_close_period,
           "close-period 2026-11"},
          {"time-zone",
           "[ZONE]",
           "show or set the server's time zone (an IANA name), used for estates that name none",
           {},
           Database::kCreate,
           run_time_zone,
           "time-zone Asia/Shanghai"}};
}

}  // namespace fieldsync::server::cli
