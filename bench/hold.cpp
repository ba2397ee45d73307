// The hold model: with n events pending, repeatedly pop the minimum and push it back at
// now + Exp(1). Reports ns per hold (one pop + one push) and events/s for each queue.
//   bench_hold [--sizes 1e3,1e4,...] [--reps 3] [--min-ops 4e6]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <boost/random/exponential_distribution.hpp>

#include "queues.hpp"
#include "tenure/core/random.hpp"

using tenure::core::Purpose;
using tenure::core::Stream;
using tenure::core::StreamFactory;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

volatile double sink;

// Returns ns per hold operation.
template <class Q>
double hold(std::size_t n, std::size_t ops, std::uint64_t seed) {
  Q q;
  q.reserve(n + 1);
  Stream rng = StreamFactory(seed, 0).stream(0, Purpose("hold"));
  boost::random::exponential_distribution<double> exp1(1.0);  // ziggurat, over our engine
  for (std::size_t i = 0; i < n; ++i) q.push(exp1(rng), 0);
  // Warm up to the steady-state time distribution before timing.
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 1'000'000); ++i) {
    auto [t, id] = q.pop();
    q.push(t + exp1(rng), id);
  }
  const double t0 = now_s();
  double last = 0;
  for (std::size_t i = 0; i < ops; ++i) {
    auto [t, id] = q.pop();
    last = t;
    q.push(t + exp1(rng), id);
  }
  const double t1 = now_s();
  sink = last;
  return (t1 - t0) * 1e9 / static_cast<double>(ops);
}

template <class Q>
double median_hold(std::size_t n, std::size_t ops, int reps) {
  std::vector<double> v;
  for (int r = 0; r < reps; ++r) v.push_back(hold<Q>(n, ops, static_cast<std::uint64_t>(r)));
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<std::size_t> parse_sizes(const char* s) {
  std::vector<std::size_t> out;
  std::string str(s);
  std::size_t pos = 0;
  while (pos <= str.size()) {
    auto comma = str.find(',', pos);
    if (comma == std::string::npos) comma = str.size();
    out.push_back(static_cast<std::size_t>(std::atof(str.substr(pos, comma - pos).c_str())));
    pos = comma + 1;
  }
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{1000, 10000, 100000, 1000000, 10000000};
  int reps = 3;
  double min_ops = 4e6;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sizes")) sizes = parse_sizes(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--min-ops")) min_ops = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_hold [--sizes 1e3,1e4] [--reps 3] [--min-ops 4e6]\n");
      return 2;
    }
  }
  std::printf("| pending | queue | ns/event | Mevents/s | vs std::priority_queue |\n");
  std::printf("|---:|---|---:|---:|---:|\n");
  for (std::size_t n : sizes) {
    const auto ops = static_cast<std::size_t>(std::max(min_ops, 3.0 * static_cast<double>(n)));
    const double base = median_hold<bench::StdPQ>(n, ops, reps);
    auto row = [&](const std::string& name, double ns) {
      std::printf("| %.0e | %s | %.1f | %.1f | %.2fx |\n", static_cast<double>(n), name.c_str(), ns,
                  1e3 / ns, base / ns);
      std::fflush(stdout);
    };
    row(bench::StdPQ::name(), base);
    row(bench::Ladder::name(), median_hold<bench::Ladder>(n, ops, reps));
    row(bench::Dary<2>::name(), median_hold<bench::Dary<2>>(n, ops, reps));
    row(bench::Dary<4>::name(), median_hold<bench::Dary<4>>(n, ops, reps));
    row(bench::Dary<8>::name(), median_hold<bench::Dary<8>>(n, ops, reps));
    // The pairing heap is already 8x slower than the baseline at 1e6; at 1e7 it takes minutes.
    if (n <= 1'000'000) row(bench::Pairing::name(), median_hold<bench::Pairing>(n, ops, reps));
  }
}
