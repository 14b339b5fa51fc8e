#include "fieldsync/http_transport.h"

#include <algorithm>
#include <cctype>

namespace fieldsync {

std::string header_value(const HttpHeaders& headers, std::string_view name) {
  const auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& [field, value] : headers) {
    if (same(field, name)) return value;
  }
  return "";
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.a.b.c with each part a decimal number up to 255.
  if (host.substr(0, 4) != "127.") return false;
  int parts = 2;  // "127" and the part being read
  size_t digits = 0;
  int value = 0;
  for (char c : host.substr(4)) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
      value = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      value = value * 10 + (c - '0');
      if (value > 255) return false;
      ++digits;
    } else {
      return false;
    }
  }
  return parts == 4 && digits > 0;
}

Status check_server_url(const std::string& url) {
  const bool tls = url.rfind("https://", 0) == 0;
  if (!tls && url.rfind("http://", 0) != 0) {
    return Status::invalid_argument("the server address '" + url +
                                    "' must start with https:// (or http:// on this machine)");
  }
  std::string_view rest(url);
  rest.remove_prefix(tls ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // "http://localhost@evil.example" is a request to evil.example.
  if (authority.find('@') != std::string_view::npos) {
    return Status::invalid_argument("the server address '" + url +
                                    "' has a user name in it ('@'); give only the host and port");
  }
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return Status::invalid_argument("the server address '" + url + "' names no host");
  if (!tls && !is_loopback_host(host)) {
    return Status::invalid_argument(
        "the server address '" + url + "' is plain HTTP to another machine: tokens and owners' "
        "data would cross the network in clear; use https://");
  }
  return Status();
}

}  // namespace fieldsync
