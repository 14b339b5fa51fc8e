// The office console in the browser (docs/console.md): its files, and the headers that
// keep a page of it safe. Private to server-stub.
#pragma once

#include <optional>
#include <string>

#include "fieldsync/http_transport.h"

namespace fieldsync::server {

// The console's file at `path` ("/" is its index.html), with the headers every console
// answer carries; nullopt when `path` names none.
std::optional<HttpResponse> console_file(const std::string& path);

// Adds to `response` the headers of every console answer, files and API alike: a
// Content-Security-Policy that allows only the server's own scripts and styles (no
// inline script), no sniffing of types, no referrer, no framing, no caching of answers
// that carry office data.
void add_console_headers(HttpResponse& response);

}  // namespace fieldsync::server
