// The pending-event set: ordering, ties, cancellation, and agreement with a reference model.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <tuple>

#include "tenure/core/event_queue.hpp"

using tenure::core::EventQueue;
using tenure::core::EventSpec;

TEST_CASE("EventQueue: events come out in time order", "[kernel]") {
  EventQueue q;
  for (double t : {5.0, 1.0, 3.0, 2.0, 4.0}) q.push(t, EventSpec{static_cast<std::uint32_t>(t)});
  for (std::uint32_t k = 1; k <= 5; ++k) {
    auto ev = q.pop();
    CHECK(ev.time == Approx(k));
    CHECK(ev.spec.kind == k);
  }
  CHECK(q.empty());
}

TEST_CASE("EventQueue: ties at equal time run in insertion order", "[kernel]") {
  EventQueue q;
  for (std::uint32_t i = 0; i < 1000; ++i) q.push(7.0, EventSpec{i});
  for (std::uint32_t i = 0; i < 1000; ++i) REQUIRE(q.pop().spec.kind == i);
}

TEST_CASE("EventQueue: priority breaks ties before insertion order", "[kernel]") {
  EventQueue q;
  q.push(1.0, EventSpec{1, 0, 0, 5});
  q.push(1.0, EventSpec{2, 0, 0, -3});
  q.push(1.0, EventSpec{3, 0, 0, 5});
  q.push(1.0, EventSpec{4, 0, 0, 0});
  q.push(0.5, EventSpec{5, 0, 0, 100});  // earlier time wins over any priority
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().spec.kind);
  CHECK(order == std::vector<std::uint32_t>{5, 2, 4, 1, 3});
}

TEST_CASE("EventQueue: time zero and -0.0 order before positive times", "[kernel]") {
  EventQueue q;
  q.push(1e-300, EventSpec{2});
  q.push(-0.0, EventSpec{1});
  CHECK(q.pop().spec.kind == 1);
  CHECK(q.pop().spec.kind == 2);
}

TEST_CASE("EventQueue: negative, NaN and infinite times are refused", "[kernel]") {
  EventQueue q;
  CHECK_THROWS_AS(q.push(-1.0, {}), tenure::Error);
  CHECK_THROWS_AS(q.push(std::nan(""), {}), tenure::Error);
  CHECK_THROWS_AS(q.push(INFINITY, {}), tenure::Error);
  CHECK(q.empty());
}

TEST_CASE("EventQueue: cancel removes exactly the named event", "[kernel]") {
  EventQueue q;
  auto a = q.push(1.0, EventSpec{1});
  auto b = q.push(2.0, EventSpec{2});
  auto c = q.push(3.0, EventSpec{3});
  CHECK(q.cancel(b));
  CHECK_FALSE(q.cancel(b));  // second cancel of the same handle
  CHECK(q.size() == 2);
  CHECK(q.pop().spec.kind == 1);
  CHECK_FALSE(q.cancel(a));  // already ran
  CHECK(q.cancel(c));
  CHECK(q.empty());
  CHECK_FALSE(q.peek().has_value());
}

TEST_CASE("EventQueue: a reused slot does not revive an old handle", "[kernel]") {
  EventQueue q;
  auto a = q.push(1.0, EventSpec{1});
  q.pop();
  auto b = q.push(2.0, EventSpec{2});
  CHECK(b.slot == a.slot);  // slot recycled...
  CHECK_FALSE(q.cancel(a));  // ...but the old handle is dead
  CHECK(q.is_pending(b));
}

TEST_CASE("EventQueue: cancelling the head keeps peek truthful", "[kernel]") {
  EventQueue q;
  auto a = q.push(1.0, EventSpec{1});
  q.push(2.0, EventSpec{2});
  q.cancel(a);
  REQUIRE(q.peek().has_value());
  CHECK(q.peek()->spec.kind == 2);
  CHECK(q.next_time() == 2.0);
}

TEST_CASE("EventQueue: random operations agree with an ordered-map reference", "[kernel]") {
  // Reference: map keyed by (time, priority, seq). Mixed push/pop/cancel with heavy ties and
  // enough cancellations to trigger compaction.
  std::mt19937_64 rng(12345);
  EventQueue q;
  using Key = std::tuple<double, int, std::uint64_t>;
  std::map<Key, std::uint32_t> ref;
  std::vector<std::pair<tenure::core::EventHandle, Key>> handles;
  std::uint32_t next_kind = 0;
  double now = 0;
  for (int op = 0; op < 200000; ++op) {
    const int r = static_cast<int>(rng() % 10);
    if (r < 5 || ref.empty()) {
      const double t = now + static_cast<double>(rng() % 50) * 0.5;  // many ties
      const auto prio = static_cast<std::int16_t>(static_cast<int>(rng() % 3) - 1);
      auto h = q.push(t, EventSpec{next_kind, 0, 0, prio});
      Key k{t, prio, h.seq};
      ref.emplace(k, next_kind++);
      handles.emplace_back(h, k);
    } else if (r < 8) {
      auto ev = q.pop();
      auto it = ref.begin();
      REQUIRE(ev.spec.kind == it->second);
      REQUIRE(ev.time == std::get<0>(it->first));
      now = ev.time;
      ref.erase(it);
    } else {
      auto& [h, k] = handles[rng() % handles.size()];
      const bool in_ref = ref.count(k) > 0;
      REQUIRE(q.cancel(h) == in_ref);
      ref.erase(k);
    }
    REQUIRE(q.size() == ref.size());
    if (handles.size() > 5000) handles.erase(handles.begin(), handles.begin() + 2500);
  }
}
