// The fieldsync command line: `fieldsync [--db PATH] [--json] <command> [arguments]`.
// Everything works offline against the device database; see docs/cli.md.
//
// run_cli() never throws and never calls exit(): it writes results to `out`, errors to
// `err` ("fieldsync: error: ..."; with --json also a JSON error object on `out`) and
// returns the process exit code (cli_status.h lists them).
#pragma once

#include <ostream>

namespace fieldsync::cli {

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace fieldsync::cli
