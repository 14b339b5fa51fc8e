// The office console's files (server-stub/console/), compiled into fieldsync-server by
// cmake/embed_files.cmake: served at /console/<name>, and index.html also at /.
// Private to server-stub.
#pragma once

#include <string_view>
#include <vector>

namespace fieldsync::server {

struct ConsoleAsset {
  std::string_view path;          // "/console/console.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

const std::vector<ConsoleAsset>& console_assets();

}  // namespace fieldsync::server
