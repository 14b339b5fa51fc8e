// Usage text, generated from the command registry so it cannot drift from what the
// commands accept: an overview of every command with the global options and the exit
// codes, and a page per command with its options and an example.
#pragma once

#include <ostream>

#include "cli/command.h"

namespace fieldsync::cli {

void print_overview(std::ostream& out);
void print_command_help(std::ostream& out, const CommandDef& command);

}  // namespace fieldsync::cli
