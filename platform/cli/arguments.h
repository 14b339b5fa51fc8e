// Splits a command line into options and positional arguments. Options are declared
// per command (OptionSpec); "--name value" and "--name=value" both work, a lone "--"
// ends the options, and anything else is positional. Parsing only checks the shape of
// the command line (exit 2 when wrong); what the values mean is checked by the command.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_status.h"

namespace fieldsync::cli {

struct OptionSpec {
  std::string name;         // without the leading "--"
  bool takes_value = true;  // false for flags such as --json
  bool required = false;    // a missing required option is a usage error
  std::string value_hint;   // for help: "ID", "YYYY-MM-DD", ...
  std::string description;  // for help, one line
};

// An option that takes a value, for the command tables.
inline OptionSpec option(std::string name, std::string value_hint, std::string description,
                         bool required = false) {
  return {std::move(name), true, required, std::move(value_hint), std::move(description)};
}

struct ParsedArguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // name -> value ("" for flags)

  bool has(const std::string& name) const { return options.count(name) != 0; }
  // The option's value, or nullopt when it was not given.
  std::optional<std::string> value(const std::string& name) const;
};

// Parses `args` against `specs` into `parsed`. An unknown option, an option given
// twice or an option missing its value is a usage error naming it. Every argument
// must be valid UTF-8 (invalid input otherwise), because values end up in JSON.
CliStatus parse_arguments(const std::vector<std::string>& args,
                          const std::vector<OptionSpec>& specs, ParsedArguments& parsed);
// A usage error naming the first required option of `specs` missing from `parsed`.
CliStatus check_required_options(const std::vector<OptionSpec>& specs,
                                 const ParsedArguments& parsed);

// "field=value" words, split at the first '='; a word without '=' or a field named twice
// is a usage error.
CliStatus parse_assignments(const std::vector<std::string>& words,
                            std::vector<std::pair<std::string, std::string>>& assignments);

// A whole number of at least zero from option `name` into `target` (unchanged when the
// option is absent); anything else is a usage error.
CliStatus read_count(const ParsedArguments& args, const std::string& name, int64_t& target);


}  // namespace fieldsync::cli
