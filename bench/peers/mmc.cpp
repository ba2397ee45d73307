// Peer model (a): an M/M/c queue of requests at a team of c account managers, on tenure's
// kernel. Requests arrive at rate lambda, a free manager serves one in Exp(mu) days, the
// others wait in one FIFO queue. Prints one JSON line per replication: mean time in system W
// and mean wait Wq over the measured customers, the wall time of the run and its events.
// Usage: bench_peer_mmc --lambda 8 --mu 1 --c 10 --customers 200000 --warmup 10000 --reps 5
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "tenure/core/simulation.hpp"

using namespace tenure::core;

namespace {
enum Kind : std::uint32_t { kArrival, kDeparture };

struct Result {
  double W = 0, Wq = 0, seconds = 0;
  std::uint64_t events = 0;
};

Result run(double lambda, double mu, int c, long warmup, long customers, std::uint64_t seed, std::uint64_t rep) {
  const auto t0 = std::chrono::steady_clock::now();
  Simulation sim(seed, rep);
  Stream arrival_stream = sim.stream(0, Purpose("arrivals"));
  Stream service_stream = sim.stream(0, Purpose("service"));
  // Inter-arrival and service times by inversion, a block at a time from each stream (the
  // same numbers as one at a time).
  ExponentialBlock arrivals(arrival_stream, lambda), service(service_stream, mu);
  std::deque<double> waiting;  // arrival times of requests in the queue
  std::vector<double> serving(static_cast<std::size_t>(c));  // arrival time of each manager's request
  std::vector<std::uint32_t> free_managers;
  for (int m = c; m-- > 0;) free_managers.push_back(static_cast<std::uint32_t>(m));
  long arrived = 0, done = 0;
  double sum_w = 0, sum_wq = 0;
  std::uint64_t events = 0;
  auto start_service = [&](Simulation& s, std::uint32_t m, double arrival) {
    serving[m] = arrival;
    if (arrived > warmup) sum_wq += s.now() - arrival;
    s.schedule_in(service.next(), EventSpec{kDeparture, m});
  };
  sim.schedule_at(arrivals.next(), EventSpec{kArrival});
  while (done < warmup + customers) {
    sim.step([&](Simulation& s, const Event& e) {
      ++events;
      if (e.spec.kind == kArrival) {
        ++arrived;
        if (!free_managers.empty()) {
          const std::uint32_t m = free_managers.back();
          free_managers.pop_back();
          start_service(s, m, s.now());
        } else {
          waiting.push_back(s.now());
        }
        s.schedule_in(arrivals.next(), EventSpec{kArrival});
      } else {
        ++done;
        const std::uint32_t m = e.spec.target;
        if (done > warmup) sum_w += s.now() - serving[m];
        if (!waiting.empty()) {
          const double a = waiting.front();
          waiting.pop_front();
          start_service(s, m, a);
        } else {
          free_managers.push_back(m);
        }
      }
    });
  }
  Result r;
  r.W = sum_w / static_cast<double>(customers);
  r.Wq = sum_wq / static_cast<double>(customers);
  r.events = events;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}
}  // namespace

int main(int argc, char** argv) {
  double lambda = 8, mu = 1;
  int c = 10, reps = 5;
  long customers = 200000, warmup = 10000;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--lambda") lambda = std::atof(v);
    else if (k == "--mu") mu = std::atof(v);
    else if (k == "--c") c = std::atoi(v);
    else if (k == "--customers") customers = std::atol(v);
    else if (k == "--warmup") warmup = std::atol(v);
    else if (k == "--reps") reps = std::atoi(v);
    else if (k == "--seed") seed = std::strtoull(v, nullptr, 10);
    else {
      std::fprintf(stderr, "bench_peer_mmc: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (!(lambda > 0 && mu > 0 && c > 0 && lambda < c * mu)) {
    std::fprintf(stderr, "bench_peer_mmc: need lambda > 0, mu > 0, c > 0 and lambda < c mu (a stable queue)\n");
    return 2;
  }
  for (int r = 0; r < reps; ++r) {
    const Result x = run(lambda, mu, c, warmup, customers, seed, static_cast<std::uint64_t>(r));
    std::printf("{\"rep\": %d, \"W\": %.10g, \"Wq\": %.10g, \"seconds\": %.6f, \"events\": %llu}\n", r, x.W, x.Wq,
                x.seconds, static_cast<unsigned long long>(x.events));
  }
  return 0;
}
