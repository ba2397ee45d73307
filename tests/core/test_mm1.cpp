// The kernel against a closed form: an M/M/1 queue's mean time in system W = 1/(mu - lambda)
// and mean number in system L = rho/(1 - rho), over independent replications.
#include <catch2/catch.hpp>

#include <cmath>
#include <deque>
#include <vector>

#include "tenure/core/simulation.hpp"

using namespace tenure::core;

namespace {
enum Kind : std::uint32_t { kArrival, kDeparture };

struct MM1Result {
  double mean_time_in_system;
  double mean_number_in_system;
};

MM1Result run_mm1(double lambda, double mu, std::uint64_t replication, int warmup, int customers) {
  Simulation sim(2026, replication);
  Stream arrivals = sim.stream(0, Purpose("arrivals"));
  Stream service = sim.stream(0, Purpose("service"));
  std::deque<double> in_system;  // arrival times, FIFO
  int done = 0;
  double total_time = 0, area = 0, t_measure = -1;
  sim.time_advanced.connect([&](double from, double to) {
    if (t_measure >= 0) area += static_cast<double>(in_system.size()) * (to - std::max(from, t_measure));
  });
  sim.schedule_at(exponential(arrivals, lambda), EventSpec{kArrival});
  while (done < warmup + customers) {
    sim.step([&](Simulation& s, const Event& e) {
      if (e.spec.kind == kArrival) {
        in_system.push_back(s.now());
        if (in_system.size() == 1) s.schedule_in(exponential(service, mu), EventSpec{kDeparture});
        s.schedule_in(exponential(arrivals, lambda), EventSpec{kArrival});
      } else {
        if (done >= warmup) total_time += s.now() - in_system.front();
        in_system.pop_front();
        if (++done == warmup) t_measure = s.now();
        if (!in_system.empty()) s.schedule_in(exponential(service, mu), EventSpec{kDeparture});
      }
    });
  }
  return {total_time / customers, area / (sim.now() - t_measure)};
}
}  // namespace

TEST_CASE("Kernel: M/M/1 mean time and number in system match the closed form",
          "[kernel][statistical]") {
  const double lambda = 0.8, mu = 1.0;
  const double W = 1.0 / (mu - lambda), L = (lambda / mu) / (1 - lambda / mu);
  const int R = 30;
  std::vector<double> w, l;
  for (int r = 0; r < R; ++r) {
    auto res = run_mm1(lambda, mu, static_cast<std::uint64_t>(r), 2000, 40000);
    w.push_back(res.mean_time_in_system);
    l.push_back(res.mean_number_in_system);
  }
  auto mean_se = [R](const std::vector<double>& x) {
    double m = 0, s2 = 0;
    for (double v : x) m += v;
    m /= R;
    for (double v : x) s2 += (v - m) * (v - m);
    return std::pair{m, std::sqrt(s2 / (R - 1) / R)};
  };
  auto [wm, wse] = mean_se(w);
  auto [lm, lse] = mean_se(l);
  INFO("W = " << wm << " +- " << wse << " (closed form " << W << ")");
  INFO("L = " << lm << " +- " << lse << " (closed form " << L << ")");
  // Replication means are independent, so the standard error comes from the data; 4 standard
  // errors (with a t-quantile for 29 df well below that) bound a correct kernel's deviation.
  CHECK(std::abs(wm - W) < 4 * wse);
  CHECK(std::abs(lm - L) < 4 * lse);
  // The test must be able to fail: the interval is tight relative to the effect of an error.
  CHECK(wse < 0.05 * W);
}
