// Checksums for saved state.
#include "tenure/core/bytes.hpp"

#include <zlib.h>

namespace tenure::core {

// CRC-32 (ISO-HDLC, as in zip and PNG) by zlib, which reads several bytes a step where a
// byte-wise table takes about 7 instructions a byte: 1% of a small model's command-line run
// went to its checkpoints' checksums. Same values as before (Boost's crc_32_type).
std::uint32_t crc32(std::string_view bytes) {
  return static_cast<std::uint32_t>(
      ::crc32_z(::crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string with_crc32(std::string bytes) {
  const std::uint32_t sum = crc32(bytes);
  bytes.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return bytes;
}

bool crc32_matches(std::string_view bytes) {
  if (bytes.size() < 4) return false;
  std::uint32_t sum = 0;
  std::memcpy(&sum, bytes.data() + bytes.size() - 4, 4);
  return crc32(bytes.substr(0, bytes.size() - 4)) == sum;
}

}  // namespace tenure::core
