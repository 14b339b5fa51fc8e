// Repairs and customer service: work orders, notes appended as work goes on, return
// visits to the owner (satisfaction), and complaints or enquiries.
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/field_options.h"
#include "cli/record_output.h"
#include "fieldsync/field_work.h"

namespace fieldsync::cli {
namespace {

// "(--a ID | --b ID)": exactly one of two options, or a usage error.
CliStatus one_of(const CommandContext& context, const std::string& a, const std::string& b) {
  const bool has_a = context.args.has(a), has_b = context.args.has(b);
  if (has_a && has_b) return CliStatus::usage("give --" + a + " or --" + b + ", not both");
  if (!has_a && !has_b) return CliStatus::usage("missing --" + a + " ID or --" + b + " ID");
  return CliStatus();
}

CliStatus run_work_order(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  FIELDSYNC_CLI_RETURN_IF_ERROR(one_of(context, "household", "building"));
  if (context.args.has("building") && !context.args.has("area")) {
    return CliStatus::usage("missing --area TEXT: a work order for a building names the area");
  }
  auto orders = schema_collection(context, "work_orders");
  if (!orders.ok()) return orders.status();
  WorkOrderInput order;
  FieldOptions options(context.args, **orders);
  options.read("household", "household", order.household);
  options.read("building", "building", order.building);
  options.read("area", "area", order.area);
  options.read("category", "category", order.category);
  options.read("description", "description", order.description);
  options.read("channel", "channel", order.channel);
  options.read("priority", "priority", order.priority);
  options.read("assignee", "assignee", order.assignee);
  options.read("at", "reported_at", order.reported_at);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).open_work_order(order));
}

CliStatus run_note(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  auto notes = schema_collection(context, "work_order_notes");
  if (!notes.ok()) return notes.status();
  std::string work_order, text;
  FieldOptions options(context.args, **notes);
  options.read("work-order", "work_order", work_order);
  options.read("text", "text", text);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).add_work_order_note(work_order, text));
}

CliStatus run_return_visit(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  FIELDSYNC_CLI_RETURN_IF_ERROR(one_of(context, "work-order", "complaint"));
  auto visits = schema_collection(context, "return_visits");
  if (!visits.ok()) return visits.status();
  ReturnVisitInput visit;
  FieldOptions options(context.args, **visits);
  options.read("work-order", "work_order", visit.work_order);
  options.read("complaint", "complaint", visit.complaint);
  options.read("satisfaction", "satisfaction", visit.satisfaction);
  options.read("comment", "comment", visit.comment);
  options.read("at", "visited_at", visit.visited_at);
  options.read("visited-by", "visited_by", visit.visited_by);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).record_return_visit(visit));
}

CliStatus run_complaint(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  FIELDSYNC_CLI_RETURN_IF_ERROR(one_of(context, "household", "building"));
  auto complaints = schema_collection(context, "complaints");
  if (!complaints.ok()) return complaints.status();
  ComplaintInput complaint;
  FieldOptions options(context.args, **complaints);
  options.read("type", "type", complaint.type);
  options.read("household", "household", complaint.household);
  options.read("building", "building", complaint.building);
  options.read("description", "description", complaint.description);
  options.read("assignee", "assignee", complaint.assignee);
  options.read("at", "received_at", complaint.received_at);
  FIELDSYNC_CLI_RETURN_IF_ERROR(options.status());
  return print_written(context, FieldWork(*context.store).log_complaint(complaint));
}

}  // namespace

std::vector<CommandDef> service_commands() {
  const OptionSpec assignee = option("assignee", "NAME", "who handles it");
  return {
      {"work-order",
       "(--household ID | --building ID --area TEXT) --category C --description TEXT",
       "Open a repair work order for a household, or for a public area of a building.",
       {option("household", "ID", "the household"), option("building", "ID", "the building"),
        option("area", "TEXT", "the public area (with --building)"),
        option("category", "CATEGORY", "what kind of repair", true),
        option("description", "TEXT", "what is wrong", true),
        option("channel", "CHANNEL", "how it was reported (default phone)"),
        option("priority", "PRIORITY", "how urgent (default normal)"), assignee,
        option("at", "TIME", "when it was reported, ISO 8601 UTC (default now)")},
       NeedsDatabase::kOpen,
       run_work_order,
       "work-order --household 0193... --category plumbing --description 'kitchen leak'",
       "work_orders"},
      {"note",
       "--work-order ID --text TEXT",
       "Append a note to a work order.",
       {option("work-order", "ID", "the work order", true),
        option("text", "TEXT", "the note", true)},
       NeedsDatabase::kOpen,
       run_note,
       "note --work-order 0193... --text 'replaced the valve'",
       "work_order_notes"},
      {"return-visit",
       "(--work-order ID | --complaint ID) --satisfaction 1-5 [--comment TEXT]",
       "Record the return visit to the owner after a repair or complaint.",
       {option("work-order", "ID", "the work order"), option("complaint", "ID", "the complaint"),
        option("satisfaction", "1-5", "the owner's satisfaction, 1 to 5", true),
        option("comment", "TEXT", "what the owner said"),
        option("at", "TIME", "when, ISO 8601 UTC (default now)"),
        option("visited-by", "NAME", "who visited (default the device's user)")},
       NeedsDatabase::kOpen,
       run_return_visit,
       "return-visit --work-order 0193... --satisfaction 5 --comment 'fixed quickly'",
       "return_visits"},
      {"complaint",
       "[--type complaint|enquiry] (--household ID | --building ID) --description TEXT",
       "Log a complaint or an enquiry from a household or about a building.",
       {option("type", "TYPE", "a complaint (default) or an enquiry"),
        option("household", "ID", "the household"), option("building", "ID", "the building"),
        option("description", "TEXT", "what it is about", true), assignee,
        option("at", "TIME", "when it was received, ISO 8601 UTC (default now)")},
       NeedsDatabase::kOpen,
       run_complaint,
       "complaint --household 0193... --description 'noise at night'",
       "complaints"},
  };
}

}  // namespace fieldsync::cli
