// Fuzz target: the command-line parser. The input is split into arguments at newlines; the
// parser must answer with a status (0, 1 or 2) and never crash. Commands are parsed, not run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"tenure"};
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n') {
      args.push_back(cur);
      cur.clear();
    } else if (c != '\0') {
      cur += c;
    }
  }
  if (!cur.empty()) args.push_back(cur);
  if (args.size() > 64) return 0;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int status = tenure::cli::main(static_cast<int>(args.size()), argv.data(), /*parse_only=*/true);
  if (status < 0 || status > 2) __builtin_trap();
  return 0;
}
