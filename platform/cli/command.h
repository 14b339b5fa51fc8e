// What a command is: its name, its options, its help text and the function that runs
// it. The command files (commands_*.cpp) each return the commands of one area; the
// dispatcher (cli.cpp) parses the options, opens the database when the command needs
// one, and calls run() with a CommandContext.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/cli_status.h"
#include "fieldsync/device_store.h"
#include "fieldsync/http_transport.h"

namespace fieldsync::cli {

struct CommandDef;

struct CommandContext {
  const CommandDef* command;     // the command being run
  const ParsedArguments& args;   // the command's own options and positional arguments
  std::string db_path;           // where the database is (or is to be created)
  DeviceStore* store = nullptr;  // open when the command needs a database, else null
  bool json = false;             // print one JSON document instead of text for people
  std::ostream& out;
  // What the database is opened or created with: the key of --key-file or
  // FIELDSYNC_KEY_FILE when one is given.
  DeviceStoreOptions store_options = {};
};

enum class NeedsDatabase { kNo, kOpen, kPathOnly };

struct CommandDef {
  std::string name;
  std::string synopsis;  // the arguments after the name, as shown in help
  std::string summary;   // one line
  std::vector<OptionSpec> options;
  NeedsDatabase database = NeedsDatabase::kOpen;
  CliStatus (*run)(CommandContext& context) = nullptr;
  std::string example;  // one example command line (without "fieldsync --db PATH")
  // The collection a typed command writes; help lists the choices of its enum fields
  // from the schema for the options named after them ("--outcome" -> "outcome").
  std::string collection;
};

// The commands of each area, in the order help lists them.
std::vector<CommandDef> device_commands();   // init, info, collections, outbox, keygen, rekey
std::vector<CommandDef> record_commands();   // add, edit, advance, reopen, list, show
std::vector<CommandDef> view_commands();     // arrears, promises, visits
std::vector<CommandDef> attachment_commands();  // attach, attachments, fetch-attachment, ...
std::vector<CommandDef> sync_commands();     // enroll, sync, status, parked, conflicts
std::vector<CommandDef> help_commands();     // help

// The commands grouped by area, as help lists them.
struct CommandSection {
  std::string title;
  std::vector<CommandDef> commands;
};
// The field-work commands (visit, pay, check-in, ...), made from the collections'
// declarations, one section per kind of data (commands_recording.cpp).
std::vector<CommandSection> recording_sections();
// The option of a field-work command that gives `field`: "at" for the event's time,
// else the field's name with dashes ("promise-date").
std::string option_for_field(const CollectionDef& collection, const FieldDef& field);
const std::vector<CommandSection>& command_sections();
const std::vector<CommandDef>& all_commands();
const CommandDef* find_command(const std::string& name);
// "unknown command 'X'", with the nearest command's name when one is close.
CliStatus unknown_command(const std::string& name);

// A usage error when the command got fewer than `min` or more than `max` positional
// arguments; `what` names them for the message ("<collection> <id>").
CliStatus expect_positional(const CommandContext& context, size_t min, size_t max,
                            const std::string& what);

// A device database's key from a key file (64 hex digits). Refused when the group or
// others have any permission on it, like the server's key (commands_device.cpp).
Result<DatabaseKey> read_key_file(const std::string& path);

// The transport to the server given with --server, or else the enrolled one.
Result<std::unique_ptr<HttpTransport>> server_transport(const CommandContext& context);

// The collection named `name` in the store's schema (the commands' own collections).
Result<const CollectionDef*> schema_collection(const CommandContext& context,
                                               const std::string& name);

}  // namespace fieldsync::cli
