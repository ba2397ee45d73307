// The Simulation object: clock, run_until edges, reschedule, signals, and independence of
// simulations running side by side in threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
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

namespace {
// The reference order: every event by (time, priority, order of scheduling), batched or not.
struct Scheduled {
  double time;
  std::int16_t priority;
  std::uint64_t n;  // order of scheduling
  bool operator<(const Scheduled& o) const {
    return time < o.time || (time == o.time && (priority < o.priority || (priority == o.priority && n < o.n)));
  }
};
}  // namespace

TEST_CASE("Simulation: batched events run merged with queued ones, as if scheduled one by one",
          "[kernel][batch]") {
  for (std::size_t batch_size : {5, 300, 5000}) {  // the small path, and the distribution pass
    Simulation sim;
    tenure::core::Stream s(tenure::core::StreamKey{7, batch_size, 0, 0});
    std::vector<Scheduled> ref;
    std::uint32_t n = 0;
    // Coarse times (many exact ties between batch and queue), a crowded instant, mixed priorities.
    auto draw_time = [&](double from) { return from + std::floor(s.uniform01() * 40.0) / 4.0; };
    auto draw_prio = [&] { return static_cast<std::int16_t>(static_cast<int>(s.uniform01() * 3.0) - 1); };
    std::vector<Simulation::BatchItem> items;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 50; ++i) {
        const double t = draw_time(0);
        const auto pr = draw_prio();
        sim.schedule_at(t, EventSpec{0, n, 0, pr});
        ref.push_back({t, pr, n++});
      }
      for (std::size_t i = 0; i < batch_size; ++i) {
        const double t = i % 7 == 0 ? 5.0 : draw_time(0);
        const auto pr = draw_prio();
        items.push_back({t, EventSpec{1, n, 0, pr}});
        ref.push_back({t, pr, n++});
      }
      sim.schedule_batch(items);  // a second and third batch merge with what is left
      CHECK(items.empty());
    }
    std::sort(ref.begin(), ref.end());
    REQUIRE(sim.pending() == ref.size());
    std::vector<std::uint32_t> order;
    sim.run_until(1000.0, [&](Simulation&, const Event& e) { order.push_back(e.spec.target); });
    REQUIRE(order.size() == ref.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) mismatches += order[i] != ref[i].n;
    INFO("batch of " << batch_size);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("Simulation: a batch larger than the cache is ordered exactly, however its times are spread",
          "[kernel][batch]") {
  // Above EventBatch::kBlockedAbove the batch is split into blocks before it is distributed:
  // spread times, times on a coarse grid (crowded buckets, ties broken by priority and order),
  // and heavy-tailed times (blocks of very different sizes, most events in the first few).
  const std::size_t n = 4 * tenure::core::EventBatch::kBlockedAbove + 123;
  for (int shape = 0; shape < 3; ++shape) {
    Simulation sim;
    tenure::core::Stream s(tenure::core::StreamKey{11, static_cast<std::uint64_t>(shape), 0, 0});
    std::vector<Scheduled> ref;
    std::vector<Simulation::BatchItem> items;
    for (std::uint32_t i = 0; i < n; ++i) {
      const double u = s.uniform01();
      const double t = shape == 0 ? 30.0 * u : shape == 1 ? std::floor(u * 200.0) / 8.0 : 1.0 / (1.0 - u) - 1.0;
      const auto pr = static_cast<std::int16_t>(static_cast<int>(s.uniform01() * 3.0) - 1);
      items.push_back({t, EventSpec{1, i, 0, pr}});
      ref.push_back({t, pr, i});
    }
    sim.schedule_batch(items);
    std::sort(ref.begin(), ref.end());
    std::vector<std::uint32_t> order;
    sim.run_until(std::numeric_limits<double>::max(), [&](Simulation&, const Event& e) { order.push_back(e.spec.target); });
    REQUIRE(order.size() == ref.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) mismatches += order[i] != ref[i].n;
    INFO("shape " << shape);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("Simulation: a batch before the clock is refused whole, peek and pending see batches", "[kernel][batch]") {
  Simulation sim;
  sim.schedule_at(2.0, EventSpec{0, 1});
  sim.run_until(2.0, [](Simulation&, const Event&) {});
  std::vector<Simulation::BatchItem> items{{3.0, EventSpec{0, 2}}, {1.0, EventSpec{0, 3}}};
  CHECK_THROWS_WITH(sim.schedule_batch(items), Catch::Contains("before now"));
  CHECK(sim.pending() == 0);
  items = {{4.0, EventSpec{0, 4}}, {3.0, EventSpec{0, 5}}};
  sim.schedule_batch(items);
  sim.schedule_at(3.5, EventSpec{0, 6});
  CHECK(sim.pending() == 3);
  REQUIRE(sim.peek());
  CHECK(sim.peek()->spec.target == 5);
  CHECK(sim.next_time() == 3.0);
  std::vector<std::uint32_t> order;
  sim.run_until(10.0, [&](Simulation&, const Event& e) { order.push_back(e.spec.target); });
  CHECK(order == std::vector<std::uint32_t>{5, 6, 4});
}

TEST_CASE("Simulation: batched events are saved as pending events, the restored run continues the same",
          "[kernel][batch][snapshot]") {
  auto build = [] {
    Simulation sim(3, 0);
    std::vector<Simulation::BatchItem> items;
    for (std::uint32_t i = 0; i < 200; ++i) items.push_back({0.5 * (i % 40), EventSpec{1, i}});
    sim.schedule_batch(items);
    for (std::uint32_t i = 0; i < 30; ++i) sim.schedule_at(0.25 + i, EventSpec{2, 1000 + i});
    return sim;
  };
  auto trace = [](Simulation& sim) {
    std::vector<std::pair<double, std::uint32_t>> t;
    sim.run_until(100.0, [&](Simulation&, const Event& e) { t.emplace_back(e.time, e.spec.target); });
    return t;
  };
  Simulation whole = build();
  const auto expected = trace(whole);
  Simulation part = build();
  part.run_before(7.0, [](Simulation&, const Event&) {});
  tenure::core::ByteWriter w;
  part.save(w);
  const std::string bytes = w.take();
  Simulation back;
  tenure::core::ByteReader r(bytes, "state");
  back.load(r);
  CHECK(back.pending() == part.pending());
  tenure::core::ByteWriter again;
  back.save(again);
  CHECK(again.take() == bytes);  // a restored state saves the same bytes
  auto rest = trace(back);
  std::vector<std::pair<double, std::uint32_t>> head;
  for (const auto& x : expected)
    if (x.first < 7.0) head.push_back(x);
  head.insert(head.end(), rest.begin(), rest.end());
  CHECK(head == expected);
}
