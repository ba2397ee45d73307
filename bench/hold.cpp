// The hold model: with n events pending, repeatedly pop the minimum and push it back at
// now + a gap. Reports ns per hold (one pop + one push) and events/s for each queue. The gaps,
// each of mean about 1 (Ronngren and Ayani's classic increment distributions, and a heavy tail):
//   exp       Exp(1)
//   bimodal   90% uniform on [0, 0.2), 10% uniform on [9, 11): most events near now, some far
//   pareto    Pareto(shape 1.5, scale 1/3): mean 1, infinite variance
//   bench_hold [--sizes 1e3,1e4,...] [--reps 3] [--min-ops 4e6] [--gaps exp,bimodal,pareto]
//              [--queues ladder,dary,pairing]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <boost/random/exponential_distribution.hpp>

#include "args.hpp"
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

enum class Gaps { Exp, Bimodal, Pareto };
const char* name_of(Gaps g) { return g == Gaps::Exp ? "exp" : g == Gaps::Bimodal ? "bimodal" : "pareto"; }

// One gap (the same draws for every queue: each run restarts the stream from its seed).
struct Gap {
  Gaps kind;
  boost::random::exponential_distribution<double> exp1{1.0};  // ziggurat, over our engine
  double operator()(Stream& rng) {
    switch (kind) {
      case Gaps::Exp: return exp1(rng);
      case Gaps::Bimodal: {
        const double u = rng.uniform01(), v = rng.uniform01();
        return u < 0.9 ? 0.2 * v : 9.0 + 2.0 * v;
      }
      case Gaps::Pareto: return (1.0 / 3.0) / std::pow(1.0 - rng.uniform01(), 1.0 / 1.5);
    }
    return 0;
  }
};

// Returns ns per hold operation.
template <class Q>
double hold(std::size_t n, std::size_t ops, std::uint64_t seed, Gaps kind) {
  Q q;
  q.reserve(n + 1);
  Stream rng = StreamFactory(seed, 0).stream(0, Purpose("hold"));
  Gap gap{kind};
  for (std::size_t i = 0; i < n; ++i) q.push(gap(rng), 0);
  // Warm up to the steady-state time distribution before timing.
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 1'000'000); ++i) {
    auto [t, id] = q.pop();
    q.push(t + gap(rng), id);
  }
  const double t0 = now_s();
  double last = 0;
  for (std::size_t i = 0; i < ops; ++i) {
    auto [t, id] = q.pop();
    last = t;
    q.push(t + gap(rng), id);
  }
  const double t1 = now_s();
  sink = last;
  return (t1 - t0) * 1e9 / static_cast<double>(ops);
}

template <class Q>
double median_hold(std::size_t n, std::size_t ops, int reps, Gaps kind) {
  std::vector<double> v;
  for (int r = 0; r < reps; ++r) v.push_back(hold<Q>(n, ops, static_cast<std::uint64_t>(r), kind));
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<std::size_t> parse_sizes(const char* s) {
  std::vector<std::size_t> out;
  for (const auto& item : tenure::bench::comma_list(s)) out.push_back(static_cast<std::size_t>(std::atof(item.c_str())));
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{1000, 10000, 100000, 1000000, 10000000};
  int reps = 3;
  double min_ops = 4e6;
  std::vector<Gaps> gaps{Gaps::Exp};
  std::string queues = "ladder,dary,pairing";  // std::priority_queue always runs: it is the baseline
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sizes")) sizes = parse_sizes(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--gaps")) {
      gaps.clear();
      const std::string list = argv[i + 1];
      for (const char* g : {"exp", "bimodal", "pareto"})
        if (list.find(g) != std::string::npos) gaps.push_back(!std::strcmp(g, "exp") ? Gaps::Exp : !std::strcmp(g, "bimodal") ? Gaps::Bimodal : Gaps::Pareto);
      if (gaps.empty()) {
        std::fprintf(stderr, "bench_hold: --gaps: expected exp, bimodal or pareto (comma-separated)\n");
        return 2;
      }
    }
    else if (!std::strcmp(argv[i], "--queues")) {
      queues = argv[i + 1];
      for (const auto& q : tenure::bench::comma_list(queues))  // each name must be one of the three
        if (q != "ladder" && q != "dary" && q != "pairing") {
          std::fprintf(stderr, "bench_hold: --queues: '%s' is not ladder, dary or pairing (comma-separated)\n", q.c_str());
          return 2;
        }
    }
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--min-ops")) min_ops = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_hold [--sizes 1e3,1e4] [--reps 3] [--min-ops 4e6] [--gaps exp,bimodal,pareto] [--queues ladder,dary,pairing]\n");
      return 2;
    }
  }
  std::printf("| gaps | pending | queue | ns/event | Mevents/s | vs std::priority_queue |\n");
  std::printf("|---|---:|---|---:|---:|---:|\n");
  for (Gaps g : gaps)
    for (std::size_t n : sizes) {
      const auto ops = static_cast<std::size_t>(std::max(min_ops, 3.0 * static_cast<double>(n)));
      const double base = median_hold<bench::StdPQ>(n, ops, reps, g);
      auto row = [&](const std::string& name, double ns) {
        std::printf("| %s | %.0e | %s | %.1f | %.1f | %.2fx |\n", name_of(g), static_cast<double>(n), name.c_str(), ns,
                    1e3 / ns, base / ns);
        std::fflush(stdout);
      };
      row(bench::StdPQ::name(), base);
      const auto wanted = [&](const char* q) { return queues.find(q) != std::string::npos; };
      if (wanted("ladder")) row(bench::Ladder::name(), median_hold<bench::Ladder>(n, ops, reps, g));
      if (wanted("dary")) {
        row(bench::Dary<2>::name(), median_hold<bench::Dary<2>>(n, ops, reps, g));
        row(bench::Dary<4>::name(), median_hold<bench::Dary<4>>(n, ops, reps, g));
        row(bench::Dary<8>::name(), median_hold<bench::Dary<8>>(n, ops, reps, g));
      }
      // The pairing heap is already 8x slower than the baseline at 1e6; at 1e7 it takes minutes.
      if (wanted("pairing") && n <= 1'000'000) row(bench::Pairing::name(), median_hold<bench::Pairing>(n, ops, reps, g));
    }
}
