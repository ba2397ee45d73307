// The machine's memory as the account model meets it: a table of 64-byte records (one cache
// line each, as model::Account) on transparent huge pages (core::HugePageAllocator, as the
// model's records), read four ways:
//   chase      each record names the next at random (one cycle through them all): every read
//              waits for the one before, so this is the latency of one miss;
//   gather     records at random indices known in advance: the reads overlap as far as the
//              processor allows, so this is the throughput of random misses;
//   update     the same, each record read, changed and written back (an event on a record);
//   scan       every record in table order (a pass over records laid out in the order visited).
// The model at N clients has about 1.09 N records (bench/RESULTS.md): 1.09e6 and 1.09e7 are its
// tables at 1e6 and 1e7 clients. A random read in a table far larger than the caches costs the
// chase's time when nothing overlaps it, and the gather's at best.
//   bench_memory [--records 1.09e5,1.09e6,1.09e7] [--reads 2e7] [--rounds 3]
// Prints, per size, the median ns per record read of each way over the rounds.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "args.hpp"
#include "tenure/core/huge_page_allocator.hpp"
#include "tenure/core/random.hpp"

namespace {
struct alignas(64) Record {
  std::uint64_t next;  // chase: the record read after this one
  std::uint64_t value;
  std::uint64_t pad[6];
};
static_assert(sizeof(Record) == 64);
using Table = std::vector<Record, tenure::core::HugePageAllocator<Record>>;

std::vector<double> parse_list(const std::string& s, const char* what, double lo, double hi) {
  std::vector<double> out;
  for (const auto& item : tenure::bench::comma_list(s)) {
    const double v = std::atof(item.c_str());
    if (!(v >= lo && v <= hi)) {
      std::fprintf(stderr, "bench_memory: %s: '%s' is not a number from %g to %g\n", what, item.c_str(), lo, hi);
      std::exit(2);
    }
    out.push_back(v);
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double ns_per(std::size_t reads, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e9 / static_cast<double>(reads);
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<double> sizes{1.09e5, 1.09e6, 1.09e7};
  double reads_wanted = 2e7;
  int rounds = 3;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 < argc && !std::strcmp(argv[i], "--records")) sizes = parse_list(argv[i + 1], "--records", 1024, 1e9);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--reads")) reads_wanted = parse_list(argv[i + 1], "--reads", 1e5, 1e10)[0];
    else if (i + 1 < argc && !std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: bench_memory [--records 1.09e6,1.09e7] [--reads 2e7] [--rounds 3]\n");
      return 2;
    }
  }
  std::printf("| records | MiB | chase, ns per read | gather, ns per read | update, ns per read | scan, ns per record | chase / gather |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const double size : sizes) {
    const auto n = static_cast<std::size_t>(size);
    const auto reads = static_cast<std::size_t>(reads_wanted);
    tenure::core::Stream rng(tenure::core::StreamKey{2026, n, 0, 0});
    Table table(n);
    // One cycle through every record (Sattolo's shuffle), so the chase never settles in a
    // short loop that the caches hold.
    std::vector<std::uint32_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = n - 1; i > 0; --i)
      std::swap(order[i], order[static_cast<std::size_t>(rng.uniform01() * static_cast<double>(i))]);
    for (std::size_t i = 0; i < n; ++i) table[order[i]].next = order[(i + 1) % n], table[i].value = i;
    std::vector<std::uint32_t> at(reads);
    for (auto& a : at) a = static_cast<std::uint32_t>(rng.uniform01() * static_cast<double>(n));
    std::vector<double> chase, gather, update, scan;
    std::uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r) {  // in turn, so that a slow spell of the host hits every way
      chase.push_back(ns_per(reads, [&] {
        std::uint64_t j = order[0];
        for (std::size_t i = 0; i < reads; ++i) j = table[j].next;
        sink += j;
      }));
      gather.push_back(ns_per(reads, [&] {
        std::uint64_t s = 0;
        for (std::size_t i = 0; i < reads; ++i) s += table[at[i]].value;
        sink += s;
      }));
      update.push_back(ns_per(reads, [&] {
        for (std::size_t i = 0; i < reads; ++i) table[at[i]].value += i;
      }));
      const std::size_t passes = std::max<std::size_t>(1, reads / n);
      scan.push_back(ns_per(passes * n, [&] {
        std::uint64_t s = 0;
        for (std::size_t k = 0; k < passes; ++k)
          for (std::size_t i = 0; i < n; ++i) s += table[i].value;
        sink += s;
      }));
    }
    const double c = median(chase), g = median(gather);
    std::printf("| %.3g | %.0f | %.1f | %.1f | %.1f | %.2f | %.1fx |\n", size, static_cast<double>(n) * 64 / (1 << 20), c, g,
                median(update), median(scan), c / g);
    if (sink == 42) std::printf("\n");  // keeps the reads
  }
}
