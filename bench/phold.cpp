// PHOLD with ROSS semantics, sequential: N LPs each start with E events; an event at an LP
// sends one new event, to a uniformly chosen other LP with probability `remote` (else to
// itself), at now + lookahead + Exp(mean). Every LP draws from its own stream.
//   bench_phold [--lps 1000] [--events-per-lp 1] [--remote 0.9] [--lookahead 0.1]
//               [--mean 1.0] [--events 2e7] [--reps 3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <vector>

#include "queues.hpp"
#include "tenure/core/simulation.hpp"

using namespace tenure::core;

namespace {
struct Config {
  std::uint32_t lps = 1000;
  std::uint32_t events_per_lp = 1;
  double remote = 0.9, lookahead = 0.1, mean = 1.0;
  std::uint64_t events = 20'000'000;
  int reps = 3;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<Stream> lp_streams(const Config& c, std::uint64_t rep) {
  std::vector<Stream> s;
  StreamFactory f(99, rep);
  for (std::uint32_t i = 0; i < c.lps; ++i) s.push_back(f.stream(i, Purpose("phold")));
  return s;
}

// Destination and delay of the event an LP sends.
inline std::pair<std::uint32_t, double> send(const Config& c, Stream& s, std::uint32_t self) {
  std::uint32_t dest = self;
  if (s.uniform01() < c.remote) {
    dest = static_cast<std::uint32_t>(s.uniform01() * (c.lps - 1));
    if (dest >= self) ++dest;
  }
  return {dest, c.lookahead + exponential(s, 1.0 / c.mean)};
}

// Returns (seconds, final time) for the engine's Simulation.
std::pair<double, double> run_tenure(const Config& c, std::uint64_t rep) {
  Simulation sim(99, rep);
  auto streams = lp_streams(c, rep);
  for (std::uint32_t lp = 0; lp < c.lps; ++lp)
    for (std::uint32_t e = 0; e < c.events_per_lp; ++e)
      sim.schedule_at(exponential(streams[lp], 1.0 / c.mean), EventSpec{0, lp});
  auto handler = [&](Simulation& s, const Event& ev) {
    auto [dest, delay] = send(c, streams[ev.spec.target], ev.spec.target);
    s.schedule_in(delay, EventSpec{0, dest});
  };
  const double t0 = now_s();
  for (std::uint64_t i = 0; i < c.events; ++i) sim.step(handler);
  return {now_s() - t0, sim.now()};
}

std::pair<double, double> run_std(const Config& c, std::uint64_t rep) {
  bench::StdPQ q;
  q.reserve(c.lps * c.events_per_lp + 1);
  auto streams = lp_streams(c, rep);
  for (std::uint32_t lp = 0; lp < c.lps; ++lp)
    for (std::uint32_t e = 0; e < c.events_per_lp; ++e)
      q.push(exponential(streams[lp], 1.0 / c.mean), lp);
  double now = 0;
  const double t0 = now_s();
  for (std::uint64_t i = 0; i < c.events; ++i) {
    auto [t, lp] = q.pop();
    now = t;
    auto [dest, delay] = send(c, streams[lp], lp);
    q.push(now + delay, dest);
  }
  return {now_s() - t0, now};
}
}  // namespace

int main(int argc, char** argv) {
  Config c;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char* k = argv[i];
    const char* v = argv[i + 1];
    if (!std::strcmp(k, "--lps")) c.lps = static_cast<std::uint32_t>(std::atof(v));
    else if (!std::strcmp(k, "--events-per-lp")) c.events_per_lp = static_cast<std::uint32_t>(std::atof(v));
    else if (!std::strcmp(k, "--remote")) c.remote = std::atof(v);
    else if (!std::strcmp(k, "--lookahead")) c.lookahead = std::atof(v);
    else if (!std::strcmp(k, "--mean")) c.mean = std::atof(v);
    else if (!std::strcmp(k, "--events")) c.events = static_cast<std::uint64_t>(std::atof(v));
    else if (!std::strcmp(k, "--reps")) c.reps = std::atoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k);
      return 2;
    }
  }
  if (c.lps < 2) {
    std::fprintf(stderr, "--lps must be at least 2\n");
    return 2;
  }
  std::vector<double> tt, ts;
  double end_t = 0, end_s = 0;
  for (int r = 0; r < c.reps; ++r) {
    auto [a, ea] = run_tenure(c, static_cast<std::uint64_t>(r));
    auto [b, eb] = run_std(c, static_cast<std::uint64_t>(r));
    tt.push_back(a), ts.push_back(b);
    end_t = ea, end_s = eb;
  }
  if (end_t != end_s) {
    std::fprintf(stderr, "engine and baseline disagree: end times %.17g vs %.17g\n", end_t, end_s);
    return 1;
  }
  std::sort(tt.begin(), tt.end());
  std::sort(ts.begin(), ts.end());
  const double mt = tt[tt.size() / 2], ms = ts[ts.size() / 2];
  const double ev = static_cast<double>(c.events);
  std::printf("| LPs | events/LP | remote | implementation | ns/event | Mevents/s |\n");
  std::printf("|---:|---:|---:|---|---:|---:|\n");
  std::printf("| %u | %u | %.2f | tenure Simulation | %.1f | %.1f |\n", c.lps, c.events_per_lp,
              c.remote, mt * 1e9 / ev, ev / mt / 1e6);
  std::printf("| %u | %u | %.2f | std::priority_queue | %.1f | %.1f |\n", c.lps, c.events_per_lp,
              c.remote, ms * 1e9 / ev, ev / ms / 1e6);
}
