// Patrol work: checkpoint check-ins on a route, and findings (hazards, violations)
// reported for follow-up. Options are named after the fields they fill.
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/field_options.h"
#include "cli/record_output.h"
#include "fieldsync/field_work.h"

namespace fieldsync::cli {
namespace {

CliStatus run_check_in(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto checkins = schema_collection(context, "checkins");
  if (!checkins.ok()) return checkins.status();
  CheckInInput check_in;
  FieldOptions options(context.args, **checkins);
  options.read("route", "route", check_in.route);
  options.read("checkpoint", "checkpoint", check_in.checkpoint);
  options.read("method", "method", check_in.method);
  options.read("condition", "condition", check_in.condition);
  options.read("note", "note", check_in.note);
  options.read("location", "location", check_in.location);
  options.read("at", "checked_at", check_in.checked_at);
  options.read("patroller", "patroller", check_in.patroller);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).check_in(check_in));
}

CliStatus run_finding(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto findings = schema_collection(context, "findings");
  if (!findings.ok()) return findings.status();
  FindingInput finding;
  FieldOptions options(context.args, **findings);
  options.read("estate", "estate", finding.estate);
  options.read("building", "building", finding.building);
  options.read("category", "category", finding.category);
  options.read("severity", "severity", finding.severity);
  options.read("description", "description", finding.description);
  options.read("location-text", "location_text", finding.location_text);
  options.read("location", "location", finding.location);
  options.read("deadline", "deadline", finding.deadline);
  options.read("assignee", "assignee", finding.assignee);
  options.read("at", "reported_at", finding.reported_at);
  options.read("reported-by", "reported_by", finding.reported_by);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).report_finding(finding));
}

}  // namespace

std::vector<CommandDef> patrol_commands() {
  const OptionSpec location = option("location", "LAT,LON[,ACC]", "where, as a geo point");
  return {
      {"check-in",
       "--route ID --checkpoint ID [options]",
       "Record a patrol check-in at a checkpoint of a route.",
       {option("route", "ID", "the patrol route", true),
        option("checkpoint", "ID", "the checkpoint, which must be on the route", true),
        option("method", "METHOD", "how the checkpoint was read (default qr)"),
        option("condition", "CONDITION", "what was found there (default normal)"),
        option("note", "TEXT", "a note"), location,
        option("at", "TIME", "when, ISO 8601 UTC (default now)"),
        option("patroller", "NAME", "who checked in (default the device's user)")},
       NeedsDatabase::kOpen,
       run_check_in,
       "check-in --route 0193... --checkpoint 0193... --method nfc",
       "checkins"},
      {"finding",
       "--estate ID --category C --severity S --description TEXT [options]",
       "Report a hazard or violation found on patrol, for follow-up until closed.",
       {option("estate", "ID", "the estate", true),
        option("category", "CATEGORY", "what kind of problem", true),
        option("severity", "SEVERITY", "how serious", true),
        option("description", "TEXT", "what was found", true),
        option("building", "ID", "the building, if any"),
        option("location-text", "TEXT", "where, in words"), location,
        option("deadline", "YYYY-MM-DD", "when it must be rectified"),
        option("assignee", "NAME", "who follows it up"),
        option("at", "TIME", "when it was found, ISO 8601 UTC (default now)"),
        option("reported-by", "NAME", "who found it (default the device's user)")},
       NeedsDatabase::kOpen,
       run_finding,
       "finding --estate 0193... --category fire --severity high --description 'blocked exit'",
       "findings"},
  };
}

}  // namespace fieldsync::cli
