// The command registry: every command of every area, in the order help lists them.
#include "cli/command.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {

const std::vector<CommandSection>& command_sections() {
  static const std::vector<CommandSection> sections = [] {
    std::vector<CommandSection> all = {{"device", device_commands()},
                                       {"records (any collection)", record_commands()}};
    for (auto& section : recording_sections()) all.push_back(std::move(section));
    all.push_back({"derived views", view_commands()});
    all.push_back({"attachments", attachment_commands()});
    all.push_back({"sync with the office", sync_commands()});
    all.push_back({"help", help_commands()});
    return all;
  }();
  return sections;
}

const std::vector<CommandDef>& all_commands() {
  static const std::vector<CommandDef> commands = [] {
    std::vector<CommandDef> all;
    for (const auto& section : command_sections()) {
      all.insert(all.end(), section.commands.begin(), section.commands.end());
    }
    return all;
  }();
  return commands;
}

const CommandDef* find_command(const std::string& name) {
  for (const auto& command : all_commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

CliStatus unknown_command(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& command : all_commands()) names.push_back(command.name);
  return CliStatus::usage("unknown command '" + utf8_prefix(name, 60) + "'" +
                          did_you_mean(name, names));
}

CliStatus expect_positional(const CommandContext& context, size_t min, size_t max,
                            const std::string& what) {
  const size_t given = context.args.positional.size();
  if (given < min) return CliStatus::usage("missing " + what);
  if (given > max) {
    const std::string extra = context.args.positional[max];
    return CliStatus::usage("unexpected argument '" + extra.substr(0, 60) + "'" +
                            (what.empty() ? "" : "; expected " + what));
  }
  return CliStatus();
}

Result<const CollectionDef*> schema_collection(const CommandContext& context,
                                               const std::string& name) {
  const Schema& schema =
      context.store != nullptr ? context.store->schema() : Schema::property_management();
  return schema.require(name);
}

}  // namespace fieldsync::cli
