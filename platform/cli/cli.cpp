// The dispatcher: global options, the command's own options, the database, then the
// command; and the one place errors are printed.
#include "cli/cli.h"

#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/help.h"
#include "cli/record_output.h"

namespace fieldsync::cli {
namespace {

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options = {
      {"db", true, false, "PATH", "the device database (or FIELDSYNC_DB)"},
      {"key-file", true, false, "FILE", "the database's key (or FIELDSYNC_KEY_FILE)"},
      {"json", false, false, "", "print one JSON document"},
      {"help", false, false, "", "show help"},
  };
  return options;
}

struct Invocation {
  ParsedArguments globals;  // options before the command
  std::string command;      // empty when none was given
  std::vector<std::string> rest;
};

// Reads the global options up to the first word that is not one: the command.
CliStatus split_command_line(const std::vector<std::string>& args, Invocation& invocation) {
  size_t i = 0;
  std::vector<std::string> leading;
  while (i < args.size() && args[i].size() > 1 && args[i][0] == '-') {
    const bool takes_value = args[i] == "--db" || args[i] == "--key-file";
    leading.push_back(args[i] == "-h" ? "--help" : args[i]);
    if (takes_value && i + 1 < args.size()) leading.push_back(args[++i]);
    ++i;
  }
  FIELDSYNC_CLI_RETURN_IF_ERROR(parse_arguments(leading, global_options(), invocation.globals));
  if (!invocation.globals.positional.empty()) {
    return CliStatus::usage("unknown option '" + invocation.globals.positional[0].substr(0, 60) +
                            "'");
  }
  if (i < args.size()) invocation.command = args[i++];
  invocation.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return CliStatus();
}

// The command's options with the global ones merged in (each may be given once).
// Required options are checked last, and not at all when help is asked for.
CliStatus parse_command_options(const CommandDef& command, const Invocation& invocation,
                                ParsedArguments& parsed) {
  std::vector<OptionSpec> specs = command.options;
  specs.insert(specs.end(), global_options().begin(), global_options().end());
  // `-h` among a command's own words (before any "--") asks for its help, as --help does.
  std::vector<std::string> words = invocation.rest;
  for (auto& word : words) {
    if (word == "--") break;
    if (word == "-h") word = "--help";
  }
  FIELDSYNC_CLI_RETURN_IF_ERROR(parse_arguments(words, specs, parsed));
  for (const auto& [name, value] : invocation.globals.options) {
    if (parsed.has(name)) return CliStatus::usage("option --" + name + " is given twice");
    parsed.options[name] = value;
  }
  if (parsed.has("help")) return CliStatus();
  return check_required_options(command.options, parsed);
}

CliStatus resolve_database(const CommandDef& command, const ParsedArguments& args,
                           std::string& path) {
  if (auto db = args.value("db")) {
    path = *db;
  } else if (const char* env = std::getenv("FIELDSYNC_DB"); env != nullptr && *env != '\0') {
    path = env;
  }
  if (path.empty() && command.database != NeedsDatabase::kNo) {
    return CliStatus::usage("no database given: pass --db PATH or set FIELDSYNC_DB");
  }
  return CliStatus();
}

// The key of an encrypted database: --key-file, else FIELDSYNC_KEY_FILE, else none.
CliStatus resolve_key(const CommandDef& command, const ParsedArguments& args,
                      DeviceStoreOptions& options) {
  if (command.database == NeedsDatabase::kNo) return CliStatus();
  std::string path = args.value("key-file").value_or("");
  if (path.empty()) {
    if (const char* env = std::getenv("FIELDSYNC_KEY_FILE"); env != nullptr) path = env;
  }
  if (path.empty()) return CliStatus();
  auto key = read_key_file(path);
  if (!key.ok()) return key.status();
  options.key = std::move(key).value();
  return CliStatus();
}

CliStatus run_command(const CommandDef& command, const ParsedArguments& args, std::ostream& out) {
  CommandContext context{&command, args, "", nullptr, args.has("json"), out};
  FIELDSYNC_CLI_RETURN_IF_ERROR(resolve_database(command, args, context.db_path));
  FIELDSYNC_CLI_RETURN_IF_ERROR(resolve_key(command, args, context.store_options));
  std::unique_ptr<DeviceStore> store;
  if (command.database == NeedsDatabase::kOpen) {
    auto opened = DeviceStore::open(context.db_path, context.store_options);
    if (!opened.ok()) return CliStatus::database(opened.status());
    store = std::move(opened).value();
    context.store = store.get();
  }
  return command.run(context);
}

CliStatus dispatch(const std::vector<std::string>& args, std::ostream& out) {
  Invocation invocation;
  FIELDSYNC_CLI_RETURN_IF_ERROR(split_command_line(args, invocation));
  if (invocation.command.empty()) {
    if (!invocation.globals.has("help")) {
      return CliStatus::usage("no command given; run 'fieldsync help' for the list");
    }
    print_overview(out);
    return CliStatus();
  }
  const CommandDef* command = find_command(invocation.command);
  if (command == nullptr) return unknown_command(invocation.command);
  ParsedArguments parsed;
  FIELDSYNC_CLI_RETURN_IF_ERROR(parse_command_options(*command, invocation, parsed));
  if (parsed.has("help")) {
    print_command_help(out, *command);
    return CliStatus();
  }
  return run_command(*command, parsed, out);
}

void report_error(const CliStatus& status, const std::string& command, bool json, std::ostream& out,
                  std::ostream& err) {
  const Status& s = status.status();
  err << "fieldsync: error: " << s.message() << '\n';
  for (const auto& detail : s.unsaid_details()) err << "  " << detail << '\n';
  if (status.exit_code() == ExitCode::kUsage &&
      s.message().find("fieldsync help") == std::string::npos) {
    // An unknown command, or one `help` does not know, is helped by the list of commands.
    const bool known = command != "help" && find_command(command) != nullptr;
    err << "run 'fieldsync help" << (known ? " " + command : "") << "' for usage\n";
  }
  if (json) {
    print_json(out, Json{{"error",
                          {{"code", status_code_name(s.code())},
                           {"message", s.message()},
                           {"details", s.details()},
                           {"exit_code", static_cast<int>(status.exit_code())}}}});
  }
}

// True when --json appears among the options, so even a usage error is reported as JSON.
bool wants_json(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--") return false;
    if (arg == "--json") return true;
  }
  return false;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  CliStatus status;
  try {
    status = dispatch(args, out);
  } catch (const std::exception& e) {
    status = Status::internal(std::string("unexpected failure: ") + e.what());
  }
  if (!status.ok()) {
    Invocation invocation;
    (void)split_command_line(args, invocation);
    report_error(status, invocation.command, wants_json(args), out, err);
  }
  out.flush();
  return static_cast<int>(status.exit_code());
}

}  // namespace fieldsync::cli
