// QR codes drawn as SVG for the office console (docs/console.md, "Devices and people"):
// the matrix from libqrencode, the drawing ours. The SVG holds nothing but rectangles, so
// a page may import it as a document without running or showing any text of its own.
// Private to server-stub; thread-safe (libqrencode's encoder keeps no state).
#pragma once

#include <string>

#include "fieldsync/status.h"

namespace fieldsync::server {

// The quiet zone around the code: four modules of white on each side, as ISO/IEC 18004
// asks, so a phone's camera finds the code's edges on any background.
inline constexpr int kQrQuietModules = 4;

struct QrSvg {
  int version = 0;  // 1 to 40: the matrix is 17 + 4 * version modules a side
  int modules = 0;  // modules a side, without the quiet zone
  std::string svg;  // a white square and one <rect class="m"> per dark module
};

// `text` (bytes, usually a URI) as a QR code of error correction level M, in the smallest
// version that holds it; invalid_argument when it is too long for any.
Result<QrSvg> qr_svg(const std::string& text);

}  // namespace fieldsync::server
