// The proxies whose X-Forwarded-For the HTTP front believes (`serve --trusted-proxy`),
// and the client address it reads from that header. Behind nginx every request comes
// from nginx's address; the per-address limits must count the client nginx names.
//
// The client is the right-most X-Forwarded-For entry that is not itself a trusted
// proxy: each proxy appends the address it saw, so entries to the left of the first
// untrusted one (from the right) are whatever that client chose to send, and are never
// read. A request from any other peer keeps its peer address, whatever it sends.
//
// A value type, immutable once parsed; thread-safe to share. Free of Boost.Asio types.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fieldsync/status.h"

namespace fieldsync::server {

class TrustedProxies {
 public:
  TrustedProxies() = default;  // none: X-Forwarded-For is never read

  // Each an IP address ("127.0.0.1", "::1") or a network ("10.0.0.0/8", "fd00::/8");
  // invalid_argument naming the first that is neither.
  static Result<TrustedProxies> parse(const std::vector<std::string>& proxies);

  bool empty() const { return ranges_.empty(); }
  // Whether `address` (as the front prints a peer) is one of the proxies.
  bool trusts(std::string_view address) const;

  // The client's address for a request from `peer` whose X-Forwarded-For fields are
  // `forwarded_for` (all of them, in order; a field may list several addresses). `peer`
  // itself when it is not trusted or sent no X-Forwarded-For; the left-most entry when
  // every entry is trusted. invalid_argument, saying what is wrong, when an entry that
  // has to be read is not an IP address.
  Result<std::string> client_address(const std::string& peer,
                                     const std::vector<std::string_view>& forwarded_for) const;

 private:
  // An IPv6 network; an IPv4 one is mapped (::ffff:a.b.c.d, its prefix plus 96).
  struct Range {
    std::array<uint8_t, 16> bytes{};
    int prefix = 128;
  };
  std::vector<Range> ranges_;
};

}  // namespace fieldsync::server
