#include "cli/arguments.h"


#include <charconv>

#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const auto& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string shown(const std::string& text) {
  return text.size() > 60 ? text.substr(0, 60) + "..." : text;
}

// Reads the option at args[i] (which starts with "--"), advancing i past its value.
CliStatus read_option(const std::vector<std::string>& args, size_t& i,
                      const std::vector<OptionSpec>& specs, ParsedArguments& parsed) {
  const std::string word = args[i].substr(2);
  const size_t equals = word.find('=');
  const std::string name = word.substr(0, equals);
  const OptionSpec* spec = find_spec(specs, name);
  if (spec == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : specs) names.push_back("--" + s.name);
    return CliStatus::usage("unknown option '--" + shown(name) + "'" +
                            did_you_mean("--" + name, names));
  }
  if (parsed.has(name)) return CliStatus::usage("option --" + name + " is given twice");
  if (!spec->takes_value) {
    if (equals != std::string::npos)
      return CliStatus::usage("option --" + name + " takes no value");
    parsed.options[name] = "";
    return CliStatus();
  }
  if (equals != std::string::npos) {
    parsed.options[name] = word.substr(equals + 1);
    return CliStatus();
  }
  if (i + 1 >= args.size()) {
    const std::string hint = spec->value_hint.empty() ? "a value" : spec->value_hint;
    return CliStatus::usage("option --" + name + " needs " + hint);
  }
  parsed.options[name] = args[++i];
  return CliStatus();
}

}  // namespace

std::optional<std::string> ParsedArguments::value(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

CliStatus read_count(const ParsedArguments& args, const std::string& name, int64_t& target) {
  const auto text = args.value(name);
  if (!text) return CliStatus();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return CliStatus::usage("--" + name + " needs a whole number of 0 or more, got '" +
                            shown(*text) + "'");
  }
  target = value;
  return CliStatus();
}


CliStatus parse_arguments(const std::vector<std::string>& args,
                          const std::vector<OptionSpec>& specs, ParsedArguments& parsed) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (!is_valid_utf8(args[i])) {
      return Status::invalid_argument("argument " + std::to_string(i + 1) +
                                      " is not valid UTF-8 text");
    }
  }
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!options_ended && word == "--") {
      options_ended = true;
    } else if (!options_ended && word.size() > 2 && word.compare(0, 2, "--") == 0) {
      FIELDSYNC_CLI_RETURN_IF_ERROR(read_option(args, i, specs, parsed));
    } else {
      parsed.positional.push_back(word);
    }
  }
  return CliStatus();
}

CliStatus check_required_options(const std::vector<OptionSpec>& specs,
                                 const ParsedArguments& parsed) {
  for (const auto& spec : specs) {
    if (spec.required && !parsed.has(spec.name)) {
      return CliStatus::usage("missing --" + spec.name +
                              (spec.value_hint.empty() ? "" : " " + spec.value_hint));
    }
  }
  return CliStatus();
}

CliStatus parse_assignments(const std::vector<std::string>& words,
                            std::vector<std::pair<std::string, std::string>>& assignments) {
  for (const auto& word : words) {
    const size_t equals = word.find('=');
    if (equals == std::string::npos || equals == 0) {
      return CliStatus::usage("expected field=value, got '" + shown(word) + "'");
    }
    const std::string field = word.substr(0, equals);
    for (const auto& [seen, value] : assignments) {
      if (seen == field) return CliStatus::usage("field '" + shown(field) + "' is given twice");
    }
    assignments.emplace_back(field, word.substr(equals + 1));
  }
  return CliStatus();
}

}  // namespace fieldsync::cli
