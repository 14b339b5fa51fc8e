// The `fieldsync` executable: the command line of cli.h on the process's streams.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return fieldsync::cli::run_cli(argc, argv, std::cout, std::cerr);
}
