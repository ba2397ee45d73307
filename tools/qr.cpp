#include "qr.hpp"

#include <qrencode.h>

#include <memory>
#include <vector>

#include "tenure/core/error.hpp"

namespace tenure::workshop {

namespace {

constexpr int kQuiet = 4;

// The modules, dark = true, with the quiet zone around them.
std::vector<std::vector<bool>> modules(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                   QRcode_free);
  if (!code) throw Error("cannot draw a QR code of '" + excerpt(text) + "' (too long for a QR code?)");
  const int w = code->width, n = w + 2 * kQuiet;
  std::vector<std::vector<bool>> m(static_cast<std::size_t>(n), std::vector<bool>(static_cast<std::size_t>(n), false));
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x)
      m[static_cast<std::size_t>(y + kQuiet)][static_cast<std::size_t>(x + kQuiet)] = code->data[y * w + x] & 1;
  return m;
}

}  // namespace

std::string qr_svg(const std::string& text) {
  const auto m = modules(text);
  const std::size_t n = m.size();
  std::string path;
  for (std::size_t y = 0; y < n; ++y)
    for (std::size_t x = 0; x < n; ++x)
      if (m[y][x]) {
        path += 'M';
        path += std::to_string(x);
        path += ' ';
        path += std::to_string(y);
        path += "h1v1h-1z";
      }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(n) + " " + std::to_string(n) +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code of the join address\">"
         "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

std::string qr_text(const std::string& text) {
  const auto m = modules(text);
  const std::size_t n = m.size();
  std::string out;
  // A terminal is usually light text on dark: draw the light modules, so the code reads dark on light.
  for (std::size_t y = 0; y < n; y += 2) {
    for (std::size_t x = 0; x < n; ++x) {
      const bool top = !m[y][x], bottom = y + 1 < n ? !m[y + 1][x] : true;
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += "\n";
  }
  return out;
}

}  // namespace tenure::workshop
