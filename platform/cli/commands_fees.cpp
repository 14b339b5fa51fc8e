// Fee collection in the field: visits to households in arrears, payments (with a
// receipt number made on the device) and voids of payments. Options are named after
// the fields they fill and checked by the field's rules (FieldOptions).
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/field_options.h"
#include "cli/record_output.h"
#include "fieldsync/field_work.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

CliStatus run_visit(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto visits = schema_collection(context, "fee_visits");
  if (!visits.ok()) return visits.status();
  FeeVisitInput visit;
  FieldOptions options(context.args, **visits);
  options.read("household", "household", visit.household);
  options.read("outcome", "outcome", visit.outcome);
  options.read("channel", "channel", visit.channel);
  options.read("person-met", "person_met", visit.person_met);
  options.read("promise-date", "promise_date", visit.promise_date);
  options.read("promise-amount", "promise_amount", visit.promise_amount);
  options.read("work-order", "work_order", visit.work_order);
  options.read("complaint", "complaint", visit.complaint);
  options.read("note", "note", visit.note);
  options.read("location", "location", visit.location);
  options.read("at", "visited_at", visit.visited_at);
  options.read("collector", "collector", visit.collector);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).record_visit(visit));
}

// Billing months are stored as text; each must be a real month.
void check_periods(const std::vector<std::string>& periods, FieldOptions& options) {
  for (const auto& period : periods) {
    if (auto month = parse_month(period); !month.ok()) {
      options.add_problem("--periods: " + month.status().message());
    }
  }
}

CliStatus run_pay(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto payments = schema_collection(context, "payments");
  if (!payments.ok()) return payments.status();
  PaymentInput payment;
  FieldOptions options(context.args, **payments);
  options.read("household", "household", payment.household);
  options.read("amount", "amount", payment.amount);
  options.read("method", "method", payment.method);
  options.read("charges", "charges", payment.charges);
  options.read("periods", "periods", payment.periods);
  options.read("note", "note", payment.note);
  options.read("at", "paid_at", payment.paid_at);
  options.read("collector", "collector", payment.collector);
  check_periods(payment.periods, options);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  auto record = FieldWork(*context.store).record_payment(payment);
  if (!record.ok()) return record.status();
  if (!context.json) {
    context.out << "receipt number: " << record->fields.value("receipt_number", std::string())
                << "\n\n";
  }
  return print_written(context, record);
}

CliStatus run_void(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto voids = schema_collection(context, "payment_voids");
  if (!voids.ok()) return voids.status();
  std::string payment, reason;
  FieldOptions options(context.args, **voids);
  options.read("payment", "payment", payment);
  options.read("reason", "reason", reason);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).void_payment(payment, reason));
}

}  // namespace

std::vector<CommandDef> fee_commands() {
  const OptionSpec location = option("location", "LAT,LON[,ACC]", "where it happened");
  return {
      {"visit",
       "--household ID --outcome OUTCOME [options]",
       "Record a fee collector's visit to a household (outcome, person met, promise).",
       {option("household", "ID", "the household visited", true),
        option("outcome", "OUTCOME", "what came of the visit", true),
        option("channel", "CHANNEL", "how the household was reached (default door)"),
        option("person-met", "TEXT", "who was met"),
        option("promise-date", "YYYY-MM-DD", "the date payment was promised for (promised)"),
        option("promise-amount", "AMOUNT", "the amount promised, like 50.00"),
        option("work-order", "ID", "the work order the owner refuses over (refused_service)"),
        option("complaint", "ID", "the complaint the owner refuses over (refused_service)"),
        option("note", "TEXT", "a note"), location,
        option("at", "TIME", "when, ISO 8601 UTC like 2026-11-28T09:30:00Z (default now)"),
        option("collector", "NAME", "who visited (default the device's user)")},
       NeedsDatabase::kOpen,
       run_visit,
       "visit --household 0193... --outcome promised --promise-date 2026-12-05 "
       "--promise-amount 120.00",
       "fee_visits"},
      {"pay",
       "--household ID --amount AMOUNT [options]",
       "Record a payment and print its receipt number.",
       {option("household", "ID", "the household paying", true),
        option("amount", "AMOUNT", "the amount paid, like 120.50", true),
        option("method", "METHOD", "how it was paid (default cash)"),
        option("charges", "ID,ID", "the charges this pays (all of this household)"),
        option("periods", "YYYY-MM,YYYY-MM", "or the billing months this pays"),
        option("note", "TEXT", "a note"), option("at", "TIME", "when, ISO 8601 UTC (default now)"),
        option("collector", "NAME", "who took the payment (default the device's user)")},
       NeedsDatabase::kOpen,
       run_pay,
       "pay --household 0193... --amount 120.50 --periods 2026-11",
       "payments"},
      {"void",
       "--payment ID --reason TEXT",
       "Void a payment (a new event; the payment itself is never edited). Once only.",
       {option("payment", "ID", "the payment to void", true),
        option("reason", "TEXT", "why it is void", true)},
       NeedsDatabase::kOpen,
       run_void,
       "void --payment 0193... --reason 'entered twice'",
       "payment_voids"},
  };
}

}  // namespace fieldsync::cli
