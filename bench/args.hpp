// Command-line helpers the benchmarks share.
#pragma once

#include <string>
#include <vector>

namespace tenure::bench {

// "a,b,c" -> {"a", "b", "c"}; an empty item stays (the caller says whether it is valid).
inline std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= s.size();) {
    std::size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

}  // namespace tenure::bench
