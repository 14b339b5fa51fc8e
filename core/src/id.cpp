// Version 7 UUIDs on Boost.UUID: Boost supplies the random bits, we lay the 48-bit
// millisecond timestamp over the first six bytes and set the version and variant.
#include "fieldsync/id.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <cctype>
#include <mutex>

#include "fieldsync/text_values.h"

namespace fieldsync {

std::string new_id(const Clock& clock) {
  static std::mutex mutex;
  static boost::uuids::random_generator generator;
  boost::uuids::uuid id;
  {
    std::lock_guard<std::mutex> lock(mutex);
    id = generator();
  }
  const uint64_t ms = static_cast<uint64_t>(clock.now_ms());
  for (int i = 0; i < 6; ++i) id.data[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  id.data[6] = static_cast<uint8_t>((id.data[6] & 0x0F) | 0x70);  // version 7
  id.data[8] = static_cast<uint8_t>((id.data[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return boost::uuids::to_string(id);
}

Result<std::string> parse_id(std::string_view text) {
  const std::string shown = text.size() > 60 ? utf8_prefix(text, 60) + "..." : std::string(text);
  if (text.size() != 36) {
    return Status::invalid_argument("'" + shown + "' is not an id: an id has 36 characters (8-4-4-4-12 hex digits), this has " +
                                    std::to_string(text.size()));
  }
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    const bool dash_place = i == 8 || i == 13 || i == 18 || i == 23;
    const unsigned char c = static_cast<unsigned char>(out[i]);
    if (dash_place) {
      if (c != '-') {
        return Status::invalid_argument("'" + shown + "' is not an id: expected '-' at position " +
                                        std::to_string(i + 1));
      }
    } else if (!std::isxdigit(c)) {
      // One byte of a multi-byte character quoted alone would not be UTF-8.
      const std::string what = c < 0x80 ? "'" + std::string(1, out[i]) + "'" : "a non-ASCII character";
      return Status::invalid_argument("'" + shown + "' is not an id: " + what + " at position " +
                                      std::to_string(i + 1) + " is not a hex digit");
    } else {
      out[i] = static_cast<char>(std::tolower(c));
    }
  }
  return out;
}

int64_t id_time_ms(std::string_view id) {
  if (id.size() != 36 || id[14] != '7') return 0;
  std::string hex;
  hex.append(id.substr(0, 8));
  hex.append(id.substr(9, 4));
  return static_cast<int64_t>(std::stoull(hex, nullptr, 16));
}

}  // namespace fieldsync
