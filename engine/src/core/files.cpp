// Bounded reading of regular files, and unique temporary names.
#include "tenure/core/files.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tenure/core/error.hpp"

namespace tenure {

std::string read_regular_file(const std::string& path, const std::string& what, std::size_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error(path + ": cannot open " + what + " (no such file)");
  if (fs::is_directory(st)) throw Error(path + ": is a folder; expected a " + what);
  if (!fs::is_regular_file(st))
    throw Error(path + ": not a regular file (a FIFO, device or socket); expected a " + what);
  const auto size = fs::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw Error(path + ": " + std::to_string(size) + " bytes; a " + what + " may hold at most " +
                std::to_string(max_bytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open " + what);
  // Read in chunks: what the file holds, never the bound, is what is allocated.
  std::string text;
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  while (in && text.size() <= max_bytes) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path + ": cannot read the " + what + " (" + std::strerror(errno) + ")");
  if (text.size() > max_bytes)  // it grew while being read
    throw Error(path + ": more than " + std::to_string(max_bytes) + " bytes; a " + what + " may hold no more");
  return text;
}

std::string unique_temporary_name(const std::string& path) {
  static std::atomic<unsigned long long> counter{0};
  return path + ".tmp-" + std::to_string(static_cast<long long>(::getpid())) + "-" + std::to_string(++counter);
}

}  // namespace tenure
