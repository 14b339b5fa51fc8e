// `report`: the office report of office_report.h, as tables or as one JSON document.
// With the blob folder (`--blobs`, or "<db>.blobs" when it exists) it also lists the
// attachments whose bytes have not arrived.
#include <filesystem>

#include "fieldsync/clock.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/text_values.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

Outcome run_report(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  const std::string today = date_of_timestamp(Clock::system().now_ms());
  const std::string period = context.args.value("period").value_or(today.substr(0, 7));
  const std::string as_of = context.args.value("as-of").value_or(today);
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

}  // namespace

std::vector<CommandDef> report_commands() {
  return {{"report",
           "[--period YYYY-MM] [--as-of YYYY-MM-DD] [--json] [--blobs FOLDER]",
           "the office report: collection rate, visits against target, promises, findings, "
           "return visits, conflicts, attachments waiting for their bytes (period defaults to "
           "this month, as-of to today, UTC)",
           {{"period", true, "YYYY-MM"},
            {"as-of", true, "YYYY-MM-DD"},
            {"json", false, ""},
            {"blobs", true, "FOLDER"}},
           Database::kExisting,
           run_report,
           "report --period 2026-11 --as-of 2026-11-30 --json"}};
}

}  // namespace fieldsync::server::cli
