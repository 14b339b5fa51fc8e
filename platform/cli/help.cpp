#include "cli/help.h"

#include <sstream>

#include "cli/record_output.h"
#include "cli/table.h"

namespace fieldsync::cli {
namespace {

const char* kGlobalOptions =
    "global options (before the command, or anywhere among its options):\n"
    "  --db PATH        the device database; FIELDSYNC_DB is used when --db is not given\n"
    "  --key-file FILE  the key of an encrypted database (64 hex digits, mode 600, from\n"
    "                   'fieldsync keygen'); FIELDSYNC_KEY_FILE is used when it is not given\n"
    "  --json           print one JSON document on stdout instead of text for people\n"
    "  --help           show help (also 'fieldsync help <command>')\n";

const char* kExitCodes =
    "exit codes:\n"
    "  0  ok\n"
    "  1  internal error (a bug)\n"
    "  2  usage error: unknown command or option, missing argument, malformed option\n"
    "  3  invalid input: validation failed; nothing was written\n"
    "  4  not found: the record, or no database at the path\n"
    "  5  database problem: not a fieldsync database, damaged, written by a newer\n"
    "     fieldsync, encrypted and no key or the wrong key given, or an I/O error\n"
    "  6  refused by the record's state: already voided, a status cannot go back,\n"
    "     the file already exists (init)\n"
    "  7  the server could not be reached, or answered that it is busy: try again\n"
    "     later; nothing is lost, the changes wait in the outbox\n"
    "  8  refused: this device's role may not make the change (nothing was\n"
    "     written), or the server refused this device: unknown or revoked token,\n"
    "     or a bad enrollment code\n";

// The option's description, and for an option named after an enum field of the
// command's collection, its choices as the schema declares them.
std::string option_text(const CommandDef& command, const OptionSpec& option) {
  std::string text = (option.required ? "(required) " : "") + option.description;
  const CollectionDef* collection = Schema::property_management().find(command.collection);
  if (collection == nullptr) return text;
  std::string field_name = option.name;
  for (char& c : field_name) c = c == '-' ? '_' : c;
  const FieldDef* field = collection->field(field_name);
  if (field == nullptr || field->type != FieldType::kEnum) return text;
  std::string choices;
  for (const auto& choice : field->choices) choices += (choices.empty() ? "" : ", ") + choice;
  return text + ": " + choices;
}

std::string option_words(const OptionSpec& option) {
  return "--" + option.name + (option.value_hint.empty() ? "" : " " + option.value_hint);
}

CliStatus run_help(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 1, "at most one command name"));
  std::ostringstream text;
  if (context.args.positional.empty()) {
    print_overview(text);
  } else {
    const CommandDef* command = find_command(context.args.positional[0]);
    if (command == nullptr) return unknown_command(context.args.positional[0]);
    print_command_help(text, *command);
  }
  if (context.json) {
    print_json(context.out, Json{{"help", text.str()}});
  } else {
    context.out << text.str();
  }
  return CliStatus();
}

}  // namespace

void print_overview(std::ostream& out) {
  out << "fieldsync: offline records for property-management field work\n\n"
      << "usage: fieldsync [--db PATH] [--key-file FILE] [--json] <command> [arguments]\n\n"
      << kGlobalOptions;
  for (const auto& section : command_sections()) {
    out << "\n" << section.title << ":\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& command : section.commands) {
      lines.emplace_back("  " + command.name, command.summary);
    }
    render_pairs(out, lines);
  }
  out << "\nRun 'fieldsync help <command>' for a command's options and an example.\n\n"
      << kExitCodes;
}

void print_command_help(std::ostream& out, const CommandDef& command) {
  out << "usage: fieldsync [--db PATH] [--json] " << command.name
      << (command.synopsis.empty() ? "" : " " + command.synopsis) << "\n\n"
      << command.summary << "\n";
  if (!command.options.empty()) {
    out << "\noptions:\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& option : command.options) {
      lines.emplace_back("  " + option_words(option), option_text(command, option));
    }
    render_pairs(out, lines);
  }
  if (!command.example.empty()) {
    out << "\nexample:\n  fieldsync --db device.db " << command.example << "\n";
  }
  out << "\n" << kGlobalOptions;
}

std::vector<CommandDef> help_commands() {
  CommandDef help;
  help.name = "help";
  help.synopsis = "[<command>]";
  help.summary = "Show every command, or one command's options and an example.";
  help.database = NeedsDatabase::kNo;
  help.run = run_help;
  help.example = "help pay";
  return {help};
}

}  // namespace fieldsync::cli
