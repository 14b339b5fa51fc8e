// Office administration commands: users and roles, assignments, enrollment codes,
// devices. Each is one OfficeAdmin call (one transaction) or one read.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "fieldsync/clock.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/office_admin.h"
#include "fieldsync/server/office_report.h"
#include "fieldsync/server/secrets.h"
#include "fieldsync/text_values.h"
#include "office_passwords.h"
#include "quotas.h"
#include "server_cli.h"

namespace fieldsync::server::cli {
namespace {

OfficeAdmin admin_of(CommandContext& context) {
  return OfficeAdmin(*context.store, Schema::property_management(), Clock::system());
}

std::string roles_text() {
  return Schema::property_management().role_names();
}

// A new console password: typed twice at the terminal (not shown), or the first line of
// standard input when it is not a terminal (scripts, tests).
Result<std::string> read_new_password(const std::string& user, std::ostream& out) {
  std::string first, second;
  if (!::isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, first) || first.empty()) {
      return Status::invalid_argument(
          "the password of " + user +
          " comes from the terminal, or from the first line of standard input");
    }
    return first;
  }
  termios saved{};
  ::tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  out << "password for " << user << ": " << std::flush;
  std::getline(std::cin, first);
  out << "\nagain: " << std::flush;
  std::getline(std::cin, second);
  out << "\n";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (first != second) return Status::invalid_argument("the two passwords differ; nothing was set");
  return first;
}

Outcome run_user(CommandContext& context) {
  const auto& words = context.args.positional;
  if (!words.empty() && words[0] == "password") {
    FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 2, 2, "user password NAME"));
    auto password = read_new_password(user_key(words[1]), context.out);
    if (!password.ok()) return password.status();
    FIELDSYNC_SERVER_RETURN_IF_FAILED(admin_of(context).set_password(words[1], *password));
    context.out << "password of " << user_key(words[1]) << " set; their sessions ended\n";
    return Outcome();
  }
  if (words.empty() || (words[0] != "add" && words[0] != "deactivate")) {
    return Outcome::usage(
        "expected `user add NAME --role ROLE`, `user password NAME` or `user deactivate NAME`");
  }
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 2, 2, "user " + words[0] + " NAME"));
  OfficeAdmin admin = admin_of(context);
  if (words[0] == "deactivate") {
    if (context.args.has("role")) return Outcome::usage("user deactivate takes no --role");
    FIELDSYNC_SERVER_RETURN_IF_FAILED(admin.deactivate_user(words[1]));
    context.out << "deactivated " << words[1] << "\n";
    return Outcome();
  }
  auto role = context.args.value("role");
  if (!role) return Outcome::usage("user add needs --role (" + roles_text() + ")");
  const RoleDef* declared = Schema::property_management().role(*role);
  if (declared != nullptr && declared->manages) {
    // A manager signs in to the console: the first one's password is set here.
    auto password = read_new_password(user_key(words[1]), context.out);
    if (!password.ok()) return password.status();
    if (Status s = check_new_password(*password); !s.ok()) return s;
    FIELDSYNC_SERVER_RETURN_IF_FAILED(admin.add_user(words[1], *role));
    FIELDSYNC_SERVER_RETURN_IF_FAILED(admin.set_password(words[1], *password));
  } else {
    FIELDSYNC_SERVER_RETURN_IF_FAILED(admin.add_user(words[1], *role));
  }
  context.out << "user " << user_key(words[1]) << " (" << *role << ")\n";
  return Outcome();
}

// "estate <id> (<name>)" for each assignment of `user`.
Result<std::string> assignments_text(ServerTransaction& txn, const std::string& user) {
  auto assignments = txn.assignments_of(user);
  if (!assignments.ok()) return assignments.status();
  std::string text;
  for (const auto& a : *assignments) {
    auto target = txn.get_record(a.target);
    if (!target.ok()) return target.status();
    text += (text.empty() ? "" : ", ") + a.kind + " " + a.target;
    if (*target) text += " (" + (*target)->record.fields.value("name", std::string()) + ")";
  }
  return text.empty() ? std::string("-") : text;
}

Outcome run_users(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  auto users = (*txn)->list_users();
  if (!users.ok()) return users.status();
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : *users) {
    auto assigned = assignments_text(**txn, u.name);
    if (!assigned.ok()) return assigned.status();
    rows.push_back({u.name, u.role, u.active ? "yes" : "no", *assigned});
  }
  context.out << format_table({"user", "role", "active", "assignments"}, rows);
  return Outcome();
}

// The kind and target of --estate ID or --building ID, exactly one of them.
Outcome assignment_target(const CommandContext& context, std::string& kind, std::string& target) {
  const bool estate = context.args.has("estate"), building = context.args.has("building");
  if (estate == building) return Outcome::usage("give exactly one of --estate ID or --building ID");
  kind = estate ? "estate" : "building";
  target = *context.args.value(kind);
  return Outcome();
}

Outcome run_assign(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "USER"));
  std::string kind, target;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(assignment_target(context, kind, target));
  const std::string& user = context.args.positional[0];
  FIELDSYNC_SERVER_RETURN_IF_FAILED(admin_of(context).assign(user, kind, target));
  context.out << "assigned " << user << " to " << kind << " " << target << "\n";
  return Outcome();
}

Outcome run_unassign(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "USER"));
  std::string kind, target;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(assignment_target(context, kind, target));
  const std::string& user = context.args.positional[0];
  FIELDSYNC_SERVER_RETURN_IF_FAILED(admin_of(context).unassign(user, kind, target));
  context.out << "unassigned " << user << " from " << kind << " " << target << "\n";
  return Outcome();
}

Outcome run_enroll_code(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "USER"));
  int64_t hours = 168;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(context.args, "ttl-hours", 1, 24 * 366, hours));
  auto code =
      admin_of(context).issue_enrollment_code(context.args.positional[0], hours * 3600 * 1000);
  if (!code.ok()) return code.status();
  context.out << grouped_code(*code) << "\n";
  return Outcome();
}

Outcome run_devices(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 0, "no arguments"));
  auto txn = context.store->begin(false);
  if (!txn.ok()) return txn.status();
  auto devices = (*txn)->list_devices();
  if (!devices.ok()) return devices.status();
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : *devices) {
    rows.push_back({d.device_code, d.user, d.revoked ? "yes" : "no", std::to_string(d.last_seq),
                    d.last_seen_ms > 0 ? format_timestamp(d.last_seen_ms) : "never",
                    d.created_ms > 0 ? format_timestamp(d.created_ms) : "-"});
  }
  context.out << format_table({"code", "user", "revoked", "last change", "last seen", "enrolled"},
                              rows, {3});
  return Outcome();
}

Outcome run_revoke(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "DEVICE_CODE"));
  auto code = admin_of(context).revoke_device(context.args.positional[0]);
  if (!code.ok()) return code.status();
  context.out << "revoked " << *code << "\n";
  return Outcome();
}

Outcome run_readmit(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 1, 1, "DEVICE_CODE"));
  int64_t hours = 168;
  FIELDSYNC_SERVER_RETURN_IF_FAILED(read_number(context.args, "ttl-hours", 1, 24 * 366, hours));
  auto code = admin_of(context).readmit(context.args.positional[0], hours * 3600 * 1000);
  if (!code.ok()) return code.status();
  context.out << grouped_code(*code) << "\n";
  return Outcome();
}

// `quota`: the quotas in force; `quota NAME LIMIT`: sets one.
Outcome run_quota(CommandContext& context) {
  FIELDSYNC_SERVER_RETURN_IF_FAILED(expect_positional(context, 0, 2, "[NAME LIMIT]"));
  const auto& words = context.args.positional;
  if (words.size() == 1) return Outcome::usage("quota " + words[0] + " needs a limit");
  auto txn = context.store->begin(words.size() == 2);
  if (!txn.ok()) return txn.status();
  if (words.size() == 2) {
    if (Status s = set_quota(**txn, words[0], words[1]); !s.ok()) return s;
    if (Status s = (*txn)->commit(); !s.ok()) return s;
    for (const QuotaDef& q : quota_defs()) {
      if (words[0] == q.name) context.out << q.name << " is " << std::stoll(words[1]) << " " << q.unit << "\n";
    }
    return Outcome();
  }
  auto quotas = load_quotas(**txn);
  if (!quotas.ok()) return quotas.status();
  std::vector<std::vector<std::string>> rows;
  for (const QuotaDef& q : quota_defs()) {
    rows.push_back({q.name, std::to_string((*quotas).*q.value) + " " + q.unit, q.about});
  }
  context.out << format_table({"quota", "limit", "what it bounds"}, rows);
  return Outcome();
}

}  // namespace

std::vector<CommandDef> admin_commands() {
  const std::vector<OptionDef> target = {{"estate", true, "ID"}, {"building", true, "ID"}};
  return {
      {"user",
       "add NAME --role ROLE | password NAME | deactivate NAME",
       "add a user (or change their role), set the console password of an office user "
       "(typed at the terminal, or the first line of standard input), or deactivate one; "
       "roles: office, office_manager (asks for a password), collector, patrol, technician, "
       "customer_service",
       {{"role", true, "ROLE"}},
       Database::kCreate,
       run_user,
       "user add alice --role collector"},
      {"users",
       "",
       "list users with their role, whether active, and their assignments",
       {},
       Database::kExisting,
       run_users,
       "users"},
      {"assign", "USER (--estate ID | --building ID)",
       "let a user's devices hold an estate (all its buildings) or one building", target,
       Database::kExisting, run_assign,
       "assign alice --building 0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"},
      {"unassign", "USER (--estate ID | --building ID)", "take an assignment away", target,
       Database::kExisting, run_unassign,
       "unassign alice --estate 0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"},
      {"enroll-code",
       "USER [--ttl-hours 168]",
       "print a one-time code the user types into a new phone",
       {{"ttl-hours", true, "HOURS"}},
       Database::kExisting,
       run_enroll_code,
       "enroll-code alice --ttl-hours 24"},
      {"devices",
       "",
       "list enrolled devices: code, user, revoked, last change number, last seen",
       {},
       Database::kExisting,
       run_devices,
       "devices"},
      {"revoke",
       "DEVICE_CODE",
       "refuse a lost or stolen phone from now on",
       {},
       Database::kExisting,
       run_revoke,
       "revoke K7QM"},
      {"readmit",
       "DEVICE_CODE [--ttl-hours 168]",
       "print a one-time code that lets a revoked phone enroll again under its old device "
       "code, so the changes it still holds are delivered",
       {{"ttl-hours", true, "HOURS"}},
       Database::kExisting,
       run_readmit,
       "readmit K7QM"},
      {"quota",
       "[NAME LIMIT]",
       "show the quotas on what each device and each user may keep on and send to the server, "
       "or set one",
       {},
       Database::kCreate,
       run_quota,
       "quota blob_mb_per_device 2048"},
  };
}

}  // namespace fieldsync::server::cli
