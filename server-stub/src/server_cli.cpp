// The dispatcher of `fieldsync-server`: global options, the command table, option
// parsing, opening the database, help, and the one mapping to exit codes.
#include "server_cli.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "fieldsync/text_values.h"

namespace fieldsync::server::cli {
namespace {

ExitCode exit_code_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return ExitCode::kOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
      return ExitCode::kInvalidInput;
    case StatusCode::kNotFound:
      return ExitCode::kNotFound;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
      return ExitCode::kDatabase;
    default:
      return ExitCode::kOther;
  }
}

Outcome run_help(CommandContext& context);

const std::vector<CommandDef>& all_commands() {
  static const std::vector<CommandDef> all = [] {
    std::vector<CommandDef> out;
    for (const auto& group : {serve_commands(), admin_commands(), record_commands(),
                              report_commands(), refused_commands(), view_commands()}) {
      out.insert(out.end(), group.begin(), group.end());
    }
    out.push_back({"help",
                   "[COMMAND]",
                   "this list, or the options of one command",
                   {},
                   Database::kNone,
                   run_help,
                   "help import"});
    return out;
  }();
  return all;
}

const CommandDef* find_command(const std::string& name) {
  for (const auto& c : all_commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void print_overview(std::ostream& out) {
  out << "usage: fieldsync-server --db PATH <command> [arguments]\n"
         "  --db PATH may also come from the environment variable FIELDSYNC_SERVER_DB.\n\n"
         "commands:\n";
  for (const auto& c : all_commands()) {
    out << "  " << c.name << (c.synopsis.empty() ? "" : " " + c.synopsis) << "\n      " << c.summary
        << "\n";
  }
  out << "\nexit codes: 0 ok, 1 other failure, 2 usage, 3 invalid input (nothing changed),\n"
         "4 not found, 5 database problem. `fieldsync-server help COMMAND` shows one command.\n";
}

// "no command 'X'", with the nearest command when one is close.
Outcome no_command(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : all_commands()) names.push_back(c.name);
  return Outcome::usage("no command '" + utf8_prefix(name, 60) + "'" + did_you_mean(name, names));
}

void print_command_help(const CommandDef& c, std::ostream& out) {
  out << "usage: fieldsync-server --db PATH " << c.name << " " << c.synopsis << "\n"
      << "  " << c.summary << "\n";
  for (const auto& o : c.options)
    out << "  --" << o.name << (o.takes_value ? " " + o.hint : "")
        << (o.repeatable ? " (repeatable)" : "") << "\n";
  out << "example: fieldsync-server --db server.db " << c.example << "\n";
}

Outcome run_help(CommandContext& context) {
  if (context.args.positional.empty()) {
    print_overview(context.out);
    return Outcome();
  }
  const CommandDef* c = find_command(context.args.positional[0]);
  if (c == nullptr) return no_command(context.args.positional[0]);
  print_command_help(*c, context.out);
  return Outcome();
}

// `COMMAND --help` (or -h) among a command's own options, before any "--".
bool asks_for_help(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (word == "--") return false;
    if (word == "--help" || word == "-h") return true;
  }
  return false;
}

// Splits a command's own words into options (declared by `def`, plus --db) and
// positional arguments. "--name value" and "--name=value" both work; "--" ends options.
Outcome parse_options(const CommandDef& def, const std::vector<std::string>& words,
                      Arguments& args) {
  std::vector<OptionDef> known = def.options;
  known.push_back({"db", true, "PATH"});
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      args.positional.insert(args.positional.end(), words.begin() + i + 1, words.end());
      break;
    }
    if (word.size() < 3 || word.rfind("--", 0) != 0) {
      args.positional.push_back(word);
      continue;
    }
    const size_t equals = word.find('=');
    const std::string name =
        word.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    const OptionDef* option = nullptr;
    for (const auto& o : known) option = o.name == name ? &o : option;
    if (option == nullptr) {
      std::vector<std::string> names;
      for (const auto& o : known) names.push_back("--" + o.name);
      return Outcome::usage(def.name + " has no option --" + utf8_prefix(name, 60) +
                            did_you_mean("--" + name, names));
    }
    if (args.has(name) && !option->repeatable) {
      return Outcome::usage("--" + name + " is given twice");
    }
    if (!option->takes_value) {
      if (equals != std::string::npos) return Outcome::usage("--" + name + " takes no value");
      args.options[name] = "";
    } else if (equals != std::string::npos) {
      args.options[name] = word.substr(equals + 1);
    } else if (i + 1 < words.size()) {
      args.options[name] = words[++i];
    } else {
      return Outcome::usage("--" + name + " needs a value (" + option->hint + ")");
    }
    if (option->repeatable) args.repeated[name].push_back(args.options[name]);
  }
  return Outcome();
}

Result<std::unique_ptr<ServerStore>> open_store(const CommandDef& def, const std::string& path) {
  if (def.database == Database::kExisting && !std::filesystem::exists(path)) {
    return Status::not_found("no server database at '" + path +
                             "' (serve, user add, add, import and time-zone create one)");
  }
  return open_sqlite_server_store(path);
}

void print_failure(const Outcome& outcome, const std::string& command, std::ostream& err) {
  err << "fieldsync-server: " << outcome.status().message() << "\n";
  for (const auto& detail : outcome.status().unsaid_details()) err << "  " << detail << "\n";
  if (outcome.exit_code() == ExitCode::kUsage) {
    // An unknown command, or one `help` does not know, is helped by the list of commands.
    const bool known = !command.empty() && command != "help" && find_command(command) != nullptr;
    err << "see `fieldsync-server help" << (known ? " " + command : "") << "`\n";
  }
}

Outcome run(const std::vector<std::string>& words, std::ostream& out, std::ostream& err,
            std::string& command) {
  std::string db;
  if (const char* env = std::getenv("FIELDSYNC_SERVER_DB")) db = env;
  size_t i = 0;
  for (; i < words.size() && words[i].rfind("-", 0) == 0; ++i) {
    if (words[i] == "--help" || words[i] == "-h") {
      print_overview(out);
      return Outcome();
    }
    if (words[i].rfind("--db=", 0) == 0) {
      db = words[i].substr(5);
    } else if (words[i] == "--db") {
      if (i + 1 == words.size()) return Outcome::usage("--db needs a value (PATH)");
      db = words[++i];
    } else {
      return Outcome::usage("unknown option " + words[i] + " (the command goes after --db PATH)");
    }
  }
  if (i == words.size()) return Outcome::usage("no command given");
  command = words[i];
  const CommandDef* def = find_command(command);
  if (def == nullptr) return no_command(command);
  if (asks_for_help({words.begin() + i + 1, words.end()})) {
    print_command_help(*def, out);
    return Outcome();
  }
  Arguments args;
  Outcome parsed = parse_options(*def, {words.begin() + i + 1, words.end()}, args);
  if (!parsed.ok()) return parsed;
  if (auto given = args.value("db")) db = *given;
  std::unique_ptr<ServerStore> store;
  if (def->database != Database::kNone) {
    if (db.empty())
      return Outcome::usage("give the server database with --db PATH or FIELDSYNC_SERVER_DB");
    auto opened = open_store(*def, db);
    if (!opened.ok()) return Outcome::database(opened.status());
    store = std::move(opened).value();
  }
  CommandContext context{args, store.get(), out, err, db};
  return def->run(context);
}

}  // namespace

Outcome::Outcome(Status status) : status_(std::move(status)) {
  exit_code_ = exit_code_for(status_.code());
}

Outcome Outcome::usage(std::string message) {
  return with_exit(Status::invalid_argument(std::move(message)), ExitCode::kUsage);
}

Outcome Outcome::database(Status status) {
  if (status.ok()) return Outcome();
  const bool missing = status.code() == StatusCode::kNotFound;
  return with_exit(std::move(status), missing ? ExitCode::kNotFound : ExitCode::kDatabase);
}

Outcome Outcome::with_exit(Status status, ExitCode exit_code) {
  Outcome outcome;
  outcome.status_ = std::move(status);
  outcome.exit_code_ = exit_code;
  return outcome;
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Arguments::values(const std::string& name) const {
  auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>() : it->second;
}

Outcome expect_positional(const CommandContext& context, size_t min, size_t max,
                          const std::string& what) {
  const size_t n = context.args.positional.size();
  if (n >= min && n <= max) return Outcome();
  return Outcome::usage("expected " + what + ", got " + std::to_string(n) +
                        (n == 1 ? " argument" : " arguments"));
}

Outcome read_number(const Arguments& args, const std::string& name, int64_t min, int64_t max,
                    int64_t& target) {
  auto text = args.value(name);
  if (!text) return Outcome();
  int64_t value = 0;
  size_t used = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size() || (*text)[0] == ' ' || value < min || value > max) {
    return Outcome::usage("--" + name + " takes a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max) + ", not '" + text->substr(0, 40) + "'");
  }
  target = value;
  return Outcome();
}

int run_server_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  std::string command;
  Outcome outcome;
  try {
    outcome = run(words, out, err, command);
  } catch (const std::exception& e) {
    outcome = Outcome::with_exit(Status::internal(std::string("unexpected error: ") + e.what()),
                                 ExitCode::kOther);
  }
  if (!outcome.ok()) {
    print_failure(outcome, command, err);
    // With --json the failure is the one JSON document on stdout too, shaped as the
    // phone's `fieldsync --json` gives it.
    if (std::find(words.begin(), words.end(), "--json") != words.end()) {
      const Status& s = outcome.status();
      out << Json{{"error",
                   {{"code", status_code_name(s.code())},
                    {"message", s.message()},
                    {"details", s.details()},
                    {"exit_code", static_cast<int>(outcome.exit_code())}}}}
                 .dump(2)
          << "\n";
    }
  }
  out.flush();
  return static_cast<int>(outcome.exit_code());
}

}  // namespace fieldsync::server::cli
