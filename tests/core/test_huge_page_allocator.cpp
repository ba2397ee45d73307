// The huge-page allocator: large arrays mapped from the kernel at 2 MiB alignment and given back
// when freed; small ones from operator new.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "tenure/core/huge_page_allocator.hpp"

using tenure::core::HugePageAllocator;

TEST_CASE("HugePageAllocator: arrays grow past huge pages, keep their contents, and are 2 MiB aligned", "[kernel]") {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> v;
  for (std::uint64_t i = 0; i < 3'000'000; ++i) {  // 24 MB, through the small and the mapped sizes
    v.push_back(i * 2654435761u);
    if (v.size() * sizeof(std::uint64_t) >= HugePageAllocator<std::uint64_t>::kHuge && v.size() == v.capacity())
      CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % HugePageAllocator<std::uint64_t>::kHuge == 0);
  }
  bool same = true;
  for (std::uint64_t i = 0; i < v.size(); ++i) same &= v[i] == i * 2654435761u;
  CHECK(same);
  // Freed and taken again: no mapping is left behind (Linux: the process's map count).
  const auto mappings = [] {
    std::ifstream maps("/proc/self/maps");
    std::size_t n = 0;
    for (std::string line; std::getline(maps, line);) ++n;
    return n;
  };
  const std::size_t before = mappings();
  for (int round = 0; round < 2000; ++round) {
    std::vector<char, HugePageAllocator<char>> w;
    w.reserve(HugePageAllocator<char>::kHuge + 1 + static_cast<std::size_t>(round) * 4096);
    w.push_back(1);
    REQUIRE(reinterpret_cast<std::uintptr_t>(w.data()) % HugePageAllocator<char>::kHuge == 0);
  }
  if (before > 0) CHECK(mappings() <= before + 2);
  // Copies and moves between vectors of the same allocator.
  auto copy = v;
  CHECK(copy == v);
  auto moved = std::move(copy);
  CHECK(moved.size() == v.size());
}
