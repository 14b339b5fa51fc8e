#include "trusted_proxies.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace fieldsync::server {
namespace {

namespace ip = boost::asio::ip;

// An address parsed, an IPv4 one as its IPv4-mapped IPv6 form; false when it is none.
bool parse_address(std::string_view text, ip::address_v6& out) {
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(text), ec);
  if (ec) return false;
  out = address.is_v4() ? ip::make_address_v6(ip::v4_mapped, address.to_v4()) : address.to_v6();
  return true;
}

// How the front names an address: "192.0.2.1" for an IPv4 one, mapped or not.
std::string address_name(const ip::address_v6& address) {
  return address.is_v4_mapped() ? ip::make_address_v4(ip::v4_mapped, address).to_string()
                                : address.to_string();
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The entries of X-Forwarded-For fields, left to right, trimmed.
std::vector<std::string_view> entries_of(const std::vector<std::string_view>& fields) {
  std::vector<std::string_view> entries;
  for (std::string_view field : fields) {
    for (size_t start = 0;;) {
      const size_t comma = field.find(',', start);
      entries.push_back(trimmed(field.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return entries;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& proxies) {
  TrustedProxies parsed;
  for (const std::string& proxy : proxies) {
    const size_t slash = proxy.find('/');
    const std::string_view address_text = std::string_view(proxy).substr(0, slash);
    ip::address_v6 address;
    const bool mapped_v4 = address_text.find(':') == std::string_view::npos;
    int prefix = 128;
    bool valid = parse_address(address_text, address);
    if (valid && slash != std::string::npos) {
      const std::string_view digits = std::string_view(proxy).substr(slash + 1);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      valid = ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
              prefix >= 0 && prefix <= (mapped_v4 ? 32 : 128);
      if (mapped_v4) prefix += 96;
    }
    if (!valid) {
      return Status::invalid_argument("--trusted-proxy '" + proxy +
                                      "' is not an IP address (127.0.0.1, ::1) or a network "
                                      "(10.0.0.0/8, fd00::/8)");
    }
    parsed.ranges_.push_back(Range{address.to_bytes(), prefix});
  }
  return parsed;
}

bool TrustedProxies::trusts(std::string_view address_text) const {
  ip::address_v6 address;
  if (ranges_.empty() || !parse_address(address_text, address)) return false;
  const auto bytes = address.to_bytes();
  for (const Range& range : ranges_) {
    const int whole = range.prefix / 8, rest = range.prefix % 8;
    bool inside = std::equal(bytes.begin(), bytes.begin() + whole, range.bytes.begin());
    if (inside && rest > 0) {
      const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
      inside = (bytes[whole] & mask) == (range.bytes[whole] & mask);
    }
    if (inside) return true;
  }
  return false;
}

Result<std::string> TrustedProxies::client_address(
    const std::string& peer, const std::vector<std::string_view>& forwarded_for) const {
  if (forwarded_for.empty() || !trusts(peer)) return peer;
  const std::vector<std::string_view> entries = entries_of(forwarded_for);
  for (size_t i = entries.size(); i-- > 0;) {
    ip::address_v6 address;
    if (!parse_address(entries[i], address)) {
      return Status::invalid_argument(
          "X-Forwarded-For from the trusted proxy " + peer + " has '" +
          std::string(entries[i].substr(0, 64)) +
          "' where an IP address belongs; the proxy must send only addresses, separated by commas");
    }
    std::string name = address_name(address);
    if (i == 0 || !trusts(name)) return name;
  }
  return peer;  // not reached: a field always has an entry
}

}  // namespace fieldsync::server
