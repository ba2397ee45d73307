// Checksums for saved state.
#include "tenure/core/bytes.hpp"

#include <boost/crc.hpp>

namespace tenure::core {

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
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
