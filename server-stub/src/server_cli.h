// The `fieldsync-server` command line: `fieldsync-server --db PATH <command> ...`.
// server_cli.cpp parses the global options, finds the command, parses its options,
// opens the server database when the command needs one and maps the outcome to an
// exit code; the commands live in admin_commands.cpp (users, devices), record_commands.cpp
// (add, import), report_command.cpp and serve_command.cpp.
//
// Exit codes: 0 ok, 1 other failure, 2 usage, 3 invalid input (nothing changed),
// 4 not found, 5 database problem. Every failure prints a message on stderr.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"

namespace fieldsync::server::cli {

enum class ExitCode : int {
  kOk = 0,
  kOther = 1,
  kUsage = 2,
  kInvalidInput = 3,
  kNotFound = 4,
  kDatabase = 5,
};

// How a command ended: ok, or a Status and the exit code it maps to.
class [[nodiscard]] Outcome {
 public:
  Outcome() = default;
  Outcome(Status status);  // NOLINT: implicit by design; exit code from the status code
  static Outcome usage(std::string message);
  // Opening the database failed: 4 when there is no such file, otherwise 5.
  static Outcome database(Status status);
  static Outcome with_exit(Status status, ExitCode exit_code);

  bool ok() const { return exit_code_ == ExitCode::kOk; }
  ExitCode exit_code() const { return exit_code_; }
  const Status& status() const { return status_; }

 private:
  Status status_;
  ExitCode exit_code_ = ExitCode::kOk;
};

struct OptionDef {
  std::string name;  // without "--"
  bool takes_value = true;
  std::string hint;  // for help: "ID", "YYYY-MM"
  bool repeatable = false;  // may be given more than once (Arguments::values)
};

struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // name -> value ("" for flags); the last one
  std::map<std::string, std::vector<std::string>> repeated;  // a repeatable option's values

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  // Every value of a repeatable option, in order; none when it is absent.
  std::vector<std::string> values(const std::string& name) const;
};

// What a command gets: its arguments, the open store (null for commands without a
// database) and the streams. Commands use Schema::property_management() and
// Clock::system().
struct CommandContext {
  const Arguments& args;
  ServerStore* store = nullptr;
  std::ostream& out;
  std::ostream& err;
  std::string db_path;  // the server database's path ("" for commands without one)
};

enum class Database {
  kNone,      // the command needs no database
  kExisting,  // the file must exist (exit 4 otherwise)
  kCreate,    // a missing file is created
};

struct CommandDef {
  std::string name;
  std::string synopsis;  // arguments after the name, for help
  std::string summary;   // one line
  std::vector<OptionDef> options;
  Database database = Database::kExisting;
  Outcome (*run)(CommandContext& context) = nullptr;
  std::string example;  // without "fieldsync-server --db PATH"
};

std::vector<CommandDef>
admin_commands();  // user, users, assign, unassign, enroll-code, devices, revoke, readmit, quota
std::vector<CommandDef> record_commands();  // add, import
std::vector<CommandDef> report_commands();  // report, arrears, close-period, time-zone
std::vector<CommandDef> serve_commands();   // serve
std::vector<CommandDef> refused_commands();  // parked
std::vector<CommandDef> view_commands();     // list, show, export

// The fields of "field=value" words for a record of `c`, each read by its field's type;
// every problem at once. Managed fields (a receipt number) only when `managed_allowed`.
Result<Json> fields_of(const CollectionDef& c, const std::vector<std::string>& words,
                       bool managed_allowed = false);

// A usage error unless the command got between `min` and `max` positional arguments.
Outcome expect_positional(const CommandContext& context, size_t min, size_t max,
                          const std::string& what);
// A whole number from option `name` within [min, max] into `target` (unchanged when
// the option is absent); anything else is a usage error naming the option.
Outcome read_number(const Arguments& args, const std::string& name, int64_t min, int64_t max,
                    int64_t& target);

// Runs the command line; returns the process exit code.
int run_server_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace fieldsync::server::cli

// Returns early from the enclosing command when `expr` yields a failed Outcome (or Status).
#define FIELDSYNC_SERVER_RETURN_IF_FAILED(expr)             \
  do {                                                      \
    ::fieldsync::server::cli::Outcome _fs_outcome = (expr); \
    if (!_fs_outcome.ok()) return _fs_outcome;              \
  } while (false)
