// The `fieldsync-server` executable: the command line of server_cli.h on the process's
// streams.
#include <iostream>

#include "server_cli.h"

int main(int argc, char** argv) {
  return fieldsync::server::cli::run_server_cli(argc, argv, std::cout, std::cerr);
}
