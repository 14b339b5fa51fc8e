#include "qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace fieldsync::server {

Result<QrSvg> qr_svg(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      QRcode_free);
  if (!code) {
    return Status::invalid_argument("cannot draw a QR code of " + std::to_string(text.size()) +
                                    " bytes: too long for any QR version");
  }
  QrSvg out;
  out.version = code->version;
  out.modules = code->width;
  const int side = code->width + 2 * kQrQuietModules;
  const std::string size = std::to_string(side);
  out.svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size +
            "\" shape-rendering=\"crispEdges\" data-modules=\"" + std::to_string(code->width) +
            "\"><rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/>";
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      // libqrencode: bit 0 of each byte is the module's colour (1 dark).
      if ((code->data[y * code->width + x] & 1) == 0) continue;
      out.svg += "<rect class=\"m\" x=\"" + std::to_string(x + kQrQuietModules) + "\" y=\"" +
                 std::to_string(y + kQrQuietModules) + "\" width=\"1\" height=\"1\"/>";
    }
  }
  out.svg += "</svg>";
  return out;
}

}  // namespace fieldsync::server
