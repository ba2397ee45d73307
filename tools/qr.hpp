// QR codes of the room's join address (libqrencode): as SVG for the trainer's console, and as
// text for the terminal that started the room.
#pragma once

#include <string>

namespace tenure::workshop {

// An SVG image of `text` as a QR code (error correction M, a quiet zone of 4 modules).
std::string qr_svg(const std::string& text);
// The same code drawn with Unicode half blocks, two rows of modules per line, dark on light.
std::string qr_text(const std::string& text);

}  // namespace tenure::workshop
