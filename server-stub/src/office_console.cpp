#include "office_console.h"

#include "console_assets.h"

namespace fieldsync::server {

void add_console_headers(HttpResponse& response) {
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Cache-Control", "no-store");
}

std::optional<HttpResponse> console_file(const std::string& path) {
  const std::string wanted = path == "/" ? "/console/index.html" : path;
  for (const ConsoleAsset& asset : console_assets()) {
    if (asset.path != wanted) continue;
    HttpResponse response{200, std::string(asset.bytes), std::string(asset.content_type)};
    add_console_headers(response);
    return response;
  }
  return std::nullopt;
}

}  // namespace fieldsync::server
