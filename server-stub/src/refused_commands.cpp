// Refused changes, as the office meets them: `parked` lists what the server refused
// from the phones (kept whole by the push), `parked show` one in full, `parked accept`
// writes it corrected as the office, `parked void` settles it without a write. The
// phone's parked entry clears on its next sync either way (docs/server.md, "Refused
// changes").
#include <charconv>

#include "event_times.h"
#include "fieldsync/clock.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/text_values.h"
#include "office_settle.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

Result<int64_t> change_number(const std::string& text) {
  int64_t n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size() || n <= 0) {
    return Status::invalid_argument("'" + utf8_prefix(text, 40) +
                                    "' is not the number of a refused change (see `parked`)");
  }
  return n;
}

Outcome list_parked(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, ""));
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  auto changes = (*txn)->refused_changes(context.args.has("all"));
  if (!changes.ok()) return changes.status();
  if (context.args.has("json")) {
    Json list = Json::array();
    for (const RefusedChange& r : *changes) list.push_back(refused_change_json(**txn, *zone, r));
    context.out << Json{{"count", list.size()}, {"refused_changes", list}}.dump(2) << "\n";
    return Outcome();
  }
  std::vector<std::vector<std::string>> rows;
  for (const RefusedChange& r : *changes) {
    rows.push_back({std::to_string(r.id), zone->format(r.refused_ms),
                    r.device_code + " (" + r.user + ")", r.collection, refused_what(**txn, r),
                    utf8_prefix(r.reason, 120), r.state});
  }
  context.out << format_table(
      {"#", "refused at", "device", "collection", "what", "why", "state"}, rows, {0});
  context.out << changes->size() << (context.args.has("all") ? " refused" : " open")
              << (changes->size() == 1 ? " change" : " changes")
              << "; `parked show N`, `parked accept N [field=value ...]`, "
                 "`parked void N --note TEXT`\n";
  return Outcome();
}

Outcome show_parked(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 2, 2, "show N"));
  auto id = change_number(context.args.positional[1]);
  if (!id.ok()) return id.status();
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  auto zone = server_zone(**txn);
  if (!zone.ok()) return zone.status();
  auto found = (*txn)->refused_change(*id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::not_found("no refused change " + std::to_string(*id));
  Json shown = refused_change_json(**txn, *zone, **found);
  shown["change"] = (*found)->change;
  context.out << shown.dump(2) << "\n";
  return Outcome();
}

Outcome settle_parked(CommandContext& context, bool accept) {
  const auto& words = context.args.positional;
  if (words.size() < 2) {
    return Outcome::usage(accept ? "expected `parked accept N [field=value ...]`"
                                 : "expected `parked void N --note TEXT`");
  }
  if (!accept && words.size() > 2) return Outcome::usage("parked void takes no field=value");
  auto id = change_number(words[1]);
  if (!id.ok()) return id.status();
  const std::string note = context.args.value("note").value_or("");
  if (!accept && note.empty()) {
    return Outcome::usage("say why with --note TEXT: the collector sees it on the phone");
  }
  const std::string by = context.args.value("by").value_or("office");
  OfficeAdmin admin(*context.store, Schema::property_management(), Clock::system());
  Result<RefusedChange> settled = Status::internal("not settled");
  if (accept) {
    Json corrections = Json::object();
    if (words.size() > 2) {
      auto txn = context.store->begin(false);
      if (!txn.ok()) return txn.status();
      auto found = (*txn)->refused_change(*id);
      if (!found.ok()) return found.status();
      if (!*found) return Status::not_found("no refused change " + std::to_string(*id));
      const CollectionDef* c = Schema::property_management().find((*found)->collection);
      if (c == nullptr) {
        return Status::invalid_argument("refused change " + std::to_string(*id) +
                                        " is of no known collection; void it");
      }
      auto fields = fields_of(*c, {words.begin() + 2, words.end()}, /*managed_allowed=*/true);
      if (!fields.ok()) return fields.status();
      corrections = std::move(fields).value();
    }
    settled = admin.accept_refused(*id, corrections, by, note);
  } else {
    settled = admin.void_refused(*id, by, note);
  }
  if (!settled.ok()) return settled.status();
  if (accept) {
    context.out << "accepted refused change " << *id << " as " << settled->collection << " "
                << settled->accepted_record << "; ";
  } else {
    context.out << "voided refused change " << *id << "; ";
  }
  context.out << "device " << settled->device_code
              << " clears its parked entry on its next sync\n";
  return Outcome();
}

Outcome run_parked(CommandContext& context) {
  const auto& words = context.args.positional;
  if (words.empty()) return list_parked(context);
  if (words[0] == "show") return show_parked(context);
  if (words[0] == "accept") return settle_parked(context, true);
  if (words[0] == "void") return settle_parked(context, false);
  return Outcome::usage("expected `parked`, `parked show N`, `parked accept N` or `parked void N`");
}

}  // namespace

std::vector<CommandDef> refused_commands() {
  return {{"parked",
           "[show N | accept N [field=value ...] | void N --note TEXT] [--all] [--json]",
           "changes the server refused from the phones, kept whole: list them (open ones; "
           "--all for settled too), show one, accept one corrected (written as the office "
           "under its own id and receipt) or void it; the phone's parked entry clears on its "
           "next sync",
           {{"all", false, ""},
            {"json", false, ""},
            {"note", true, "TEXT"},
            {"by", true, "NAME"}},
           Database::kExisting,
           run_parked,
           "parked accept 3 household=0193a6f2-0000-7000-8000-00000000a002 --note \"door 1-102\""}};
}

}  // namespace fieldsync::server::cli
