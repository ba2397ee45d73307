// The Simulation object: clock, run_until edges, reschedule, signals, and independence of
// simulations running side by side in threads.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "tenure/core/simulation.hpp"

using tenure::core::Event;
using tenure::core::EventSpec;
using tenure::core::Purpose;
using tenure::core::Simulation;

namespace {
struct Recorder {
  std::vector<std::pair<double, std::uint32_t>> seen;
  void operator()(Simulation&, const Event& e) { seen.emplace_back(e.time, e.spec.kind); }
};

// A small self-exciting process: each event spawns a successor after an Exp(1) delay, on the
// target's own stream. The trace is the test's fingerprint of the run.
std::vector<std::pair<double, std::uint32_t>> branching_trace(std::uint64_t seed) {
  Simulation sim(seed, 0);
  std::vector<tenure::core::Stream> streams;
  for (std::uint32_t i = 0; i < 50; ++i) {
    streams.push_back(sim.stream(i, Purpose("delay")));
    sim.schedule_at(tenure::core::exponential(streams[i], 1.0), EventSpec{0, i});
  }
  std::vector<std::pair<double, std::uint32_t>> trace;
  sim.run_until(100.0, [&](Simulation& s, const Event& e) {
    trace.emplace_back(e.time, e.spec.target);
    s.schedule_in(tenure::core::exponential(streams[e.spec.target], 1.0), e.spec);
  });
  return trace;
}
}  // namespace

TEST_CASE("Simulation: run_until includes events exactly at the horizon", "[kernel]") {
  Simulation sim;
  sim.schedule_at(1.0, EventSpec{1});
  sim.schedule_at(2.0, EventSpec{2});
  sim.schedule_at(2.0 + 1e-12, EventSpec{3});
  Recorder r;
  CHECK(sim.run_until(2.0, r) == 2);
  CHECK(sim.now() == 2.0);
  CHECK(sim.pending() == 1);
  CHECK(r.seen.back().second == 2);
}

TEST_CASE("Simulation: run_until moves the clock even with no events", "[kernel]") {
  Simulation sim;
  Recorder r;
  CHECK(sim.run_until(10.0, r) == 0);
  CHECK(sim.now() == 10.0);
  CHECK(sim.run_until(10.0, r) == 0);  // now itself is allowed
}

TEST_CASE("Simulation: run_until into the past is an error", "[kernel]") {
  Simulation sim;
  Recorder r;
  sim.run_until(5.0, r);
  CHECK_THROWS_AS(sim.run_until(4.999, r), tenure::Error);
  CHECK_THROWS_AS(sim.run_until(std::nan(""), r), tenure::Error);
  CHECK(sim.now() == 5.0);
}

TEST_CASE("Simulation: scheduling before now is an error", "[kernel]") {
  Simulation sim;
  Recorder r;
  sim.run_until(3.0, r);
  CHECK_THROWS_AS(sim.schedule_at(2.0, {}), tenure::Error);
  CHECK_THROWS_AS(sim.schedule_in(-1.0, {}), tenure::Error);
  CHECK_NOTHROW(sim.schedule_at(3.0, {}));
}

TEST_CASE("Simulation: step runs one event and reports an empty queue", "[kernel]") {
  Simulation sim;
  Recorder r;
  CHECK_FALSE(sim.step(r));
  sim.schedule_at(4.0, EventSpec{9});
  CHECK(sim.step(r));
  CHECK(sim.now() == 4.0);
  CHECK_FALSE(sim.step(r));
}

TEST_CASE("Simulation: reschedule moves an event and keeps its spec", "[kernel]") {
  Simulation sim;
  auto h = sim.schedule_at(10.0, EventSpec{7, 3, 11, 2});
  sim.schedule_at(5.0, EventSpec{1});
  auto h2 = sim.reschedule(h, 2.0);
  CHECK_FALSE(sim.is_pending(h));
  CHECK(sim.is_pending(h2));
  Recorder r;
  sim.step(r);
  CHECK(r.seen.back() == std::pair<double, std::uint32_t>{2.0, 7});
  CHECK_THROWS_AS(sim.reschedule(h, 3.0), tenure::Error);  // stale handle
  auto h3 = sim.schedule_at(8.0, EventSpec{4});
  CHECK_THROWS_AS(sim.reschedule(h3, 1.0), tenure::Error);  // before now
  CHECK(sim.is_pending(h3));  // a refused reschedule leaves the event alone
}

TEST_CASE("Simulation: cancelled events never run", "[kernel]") {
  Simulation sim;
  std::vector<tenure::core::EventHandle> hs;
  for (std::uint32_t i = 0; i < 100; ++i) hs.push_back(sim.schedule_at(i, EventSpec{i}));
  for (std::uint32_t i = 0; i < 100; i += 2) CHECK(sim.cancel(hs[i]));
  Recorder r;
  sim.run_until(1000, r);
  REQUIRE(r.seen.size() == 50);
  for (auto& [t, k] : r.seen) CHECK(k % 2 == 1);
}

TEST_CASE("Simulation: time_advanced signal sees every clock move once", "[kernel]") {
  Simulation sim;
  std::vector<std::pair<double, double>> moves;
  sim.time_advanced.connect([&](double a, double b) { moves.emplace_back(a, b); });
  sim.schedule_at(1.0, {});
  sim.schedule_at(1.0, {});  // same time: no second move
  sim.schedule_at(3.0, {});
  Recorder r;
  sim.run_until(5.0, r);
  CHECK(moves == std::vector<std::pair<double, double>>{{0, 1}, {1, 3}, {3, 5}});
}

TEST_CASE("Simulation: the same seed gives an identical event trace", "[kernel][determinism]") {
  auto a = branching_trace(42);
  auto b = branching_trace(42);
  auto c = branching_trace(43);
  REQUIRE(a.size() > 4000);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Simulation: simulations in parallel threads match sequential runs", "[kernel][determinism]") {
  std::vector<std::vector<std::pair<double, std::uint32_t>>> seq, par(4);
  for (std::uint64_t s = 0; s < 4; ++s) seq.push_back(branching_trace(s));
  std::vector<std::thread> threads;
  for (std::uint64_t s = 0; s < 4; ++s) threads.emplace_back([&, s] { par[s] = branching_trace(s); });
  for (auto& t : threads) t.join();
  CHECK(seq == par);
}
