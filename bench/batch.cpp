// Sorting a batch of events known ahead (EventBatch::add, what Simulation::schedule_batch
// does with a month's request candidates): the one-pass distribution against the blocked one
// (EventBatch::kBlockedAbove), on the same items, in turn. Times spread uniformly over a
// month, as a model's month of arrivals; targets random over 10^7 accounts. Both ways must
// give the same order (a checksum over it), or the benchmark fails.
//   bench_batch [--sizes 3e4,1e5,...] [--rounds 7]
// Prints, per size, the median ns per entry of each way over the rounds and their ratio.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "args.hpp"
#include "tenure/core/event_batch.hpp"
#include "tenure/core/random.hpp"

using tenure::core::EventBatch;
using tenure::core::EventSpec;

namespace {
std::vector<std::size_t> parse_sizes(const std::string& s) {
  std::vector<std::size_t> out;
  for (const auto& item : tenure::bench::comma_list(s)) {
    const double v = std::atof(item.c_str());
    if (!(v >= 64 && v <= 1e9)) {
      std::fprintf(stderr, "bench_batch: --sizes: '%s' is not a size from 64 to 1e9\n", item.c_str());
      std::exit(2);
    }
    out.push_back(static_cast<std::size_t>(v));
  }
  return out;
}

// Seconds to add `items` to a fresh batch that sorts in blocks above `blocked_above`, and a
// checksum of the order it gives.
double time_add(const std::vector<EventBatch::Item>& items, std::size_t blocked_above, double lo, double hi,
                std::uint64_t& checksum) {
  EventBatch b(blocked_above);
  const auto t0 = std::chrono::steady_clock::now();
  b.add(items, 1, lo, hi);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  checksum = 0;
  for (const auto* e = b.begin(); e != b.end(); ++e) checksum = checksum * 1000003 + e->target;
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{30000, 100000, 200000, 400000, 1000000, 3000000};
  int rounds = 7;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 < argc && !std::strcmp(argv[i], "--sizes")) sizes = parse_sizes(argv[i + 1]);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: bench_batch [--sizes 3e4,1e5] [--rounds 7]\n");
      return 2;
    }
  }
  const double lo = 100.0, hi = lo + 365.25 / 12;
  std::printf("| entries | MiB | one pass, ns/entry | blocked, ns/entry | one pass / blocked | default way |\n");
  std::printf("|---:|---:|---:|---:|---:|---|\n");
  for (const std::size_t n : sizes) {
    tenure::core::Stream rng(tenure::core::StreamKey{2026, n, 0, 0});
    std::vector<EventBatch::Item> items(n);
    for (auto& it : items)
      it = {lo + (hi - lo) * rng.uniform01(), EventSpec{0, static_cast<std::uint32_t>(rng.uniform01() * 1e7), 0, 0}};
    std::vector<double> one, blocked;
    for (int r = 0; r < rounds; ++r) {  // in turn, so that a slow spell of the host hits both
      std::uint64_t c1 = 0, c2 = 0;
      one.push_back(time_add(items, std::numeric_limits<std::size_t>::max(), lo, hi, c1));
      blocked.push_back(time_add(items, 0, lo, hi, c2));
      if (c1 != c2) {
        std::fprintf(stderr, "bench_batch: the two ways order %zu entries differently\n", n);
        return 1;
      }
    }
    const double a = median(one) * 1e9 / static_cast<double>(n), b = median(blocked) * 1e9 / static_cast<double>(n);
    std::printf("| %zu | %.1f | %.1f | %.1f | %.2fx | %s |\n", n, static_cast<double>(n) * 32 / (1 << 20), a, b, a / b,
                n > EventBatch::kBlockedAbove ? "blocked" : "one pass");
  }
}
