// The pending-event set: ordering, ties, cancellation, and agreement with a reference model.
#include <catch2/catch.hpp>

#include <bit>
#include <limits>
#include <map>
#include <random>
#include <tuple>

#include "tenure/core/event_queue.hpp"

using tenure::core::EventSpec;

TEMPLATE_TEST_CASE("EventQueue: events come out in time order", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  for (double t : {5.0, 1.0, 3.0, 2.0, 4.0}) q.push(t, EventSpec{static_cast<std::uint32_t>(t)});
  for (std::uint32_t k = 1; k <= 5; ++k) {
    auto ev = q.pop();
    CHECK(ev.time == Approx(k));
    CHECK(ev.spec.kind == k);
  }
  CHECK(q.empty());
}

TEMPLATE_TEST_CASE("EventQueue: ties at equal time run in insertion order", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  for (std::uint32_t i = 0; i < 1000; ++i) q.push(7.0, EventSpec{i});
  for (std::uint32_t i = 0; i < 1000; ++i) REQUIRE(q.pop().spec.kind == i);
}

TEMPLATE_TEST_CASE("EventQueue: priority breaks ties before insertion order", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  q.push(1.0, EventSpec{1, 0, 0, 5});
  q.push(1.0, EventSpec{2, 0, 0, -3});
  q.push(1.0, EventSpec{3, 0, 0, 5});
  q.push(1.0, EventSpec{4, 0, 0, 0});
  q.push(0.5, EventSpec{5, 0, 0, 100});  // earlier time wins over any priority
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().spec.kind);
  CHECK(order == std::vector<std::uint32_t>{5, 2, 4, 1, 3});
}

TEMPLATE_TEST_CASE("EventQueue: time zero and -0.0 order before positive times", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  q.push(1e-300, EventSpec{2});
  q.push(-0.0, EventSpec{1});
  CHECK(q.pop().spec.kind == 1);
  CHECK(q.pop().spec.kind == 2);
}

TEMPLATE_TEST_CASE("EventQueue: negative, NaN and infinite times are refused", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  CHECK_THROWS_AS(q.push(-1.0, {}), tenure::Error);
  CHECK_THROWS_AS(q.push(std::nan(""), {}), tenure::Error);
  CHECK_THROWS_AS(q.push(INFINITY, {}), tenure::Error);
  CHECK(q.empty());
}

TEMPLATE_TEST_CASE("EventQueue: cancel removes exactly the named event", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
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

TEMPLATE_TEST_CASE("EventQueue: a reused slot does not revive an old handle", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  auto a = q.push(1.0, EventSpec{1});
  q.pop();
  auto b = q.push(2.0, EventSpec{2});
  CHECK(b.slot == a.slot);  // slot recycled...
  CHECK_FALSE(q.cancel(a));  // ...but the old handle is dead
  CHECK(q.is_pending(b));
}

TEMPLATE_TEST_CASE("EventQueue: cancelling the head keeps peek truthful", "[kernel]", tenure::core::LadderEventQueue,
                   tenure::core::DaryEventQueue<4>) {
  TestType q;
  auto a = q.push(1.0, EventSpec{1});
  q.push(2.0, EventSpec{2});
  q.cancel(a);
  REQUIRE(q.peek().has_value());
  CHECK(q.peek()->spec.kind == 2);
  CHECK(q.next_time() == 2.0);
}

TEMPLATE_TEST_CASE("EventQueue: random operations agree with an ordered-map reference", "[kernel]",
                   tenure::core::LadderEventQueue, tenure::core::DaryEventQueue<4>) {
  // Reference: map keyed by (time, priority, seq). Mixed push/pop/cancel with heavy ties and
  // enough cancellations to trigger compaction.
  std::mt19937_64 rng(12345);
  TestType q;
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

// What a queue should hold, in an ordered map by (time, priority, sequence): pops are checked
// against it.
struct OrderReference {
  using Key = std::tuple<double, int, std::uint64_t>;
  std::map<Key, std::uint32_t> ref;
  std::uint32_t kind = 0;
  template <class Q>
  std::pair<tenure::core::EventHandle, Key> push(Q& q, double t) {
    const auto h = q.push(t, EventSpec{kind});
    const Key k{t, 0, h.seq};
    ref.emplace(k, kind++);
    return {h, k};
  }
  // Cancels in both; true when the queue did (and must have: the reference holds the event).
  template <class Q>
  bool cancel(Q& q, const std::pair<tenure::core::EventHandle, Key>& e) {
    const bool held = ref.erase(e.second) > 0;
    return q.cancel(e.first) == held;
  }
  // Pops up to n events (all, by default), each checked; returns the last one's time, or `now`.
  template <class Q>
  double pop(Q& q, double now, std::size_t n = static_cast<std::size_t>(-1)) {
    for (std::size_t i = 0; i < n && !ref.empty(); ++i) {
      const auto ev = q.pop();
      REQUIRE(ev.spec.kind == ref.begin()->second);
      now = ev.time;
      ref.erase(ref.begin());
    }
    return now;
  }
};

TEMPLATE_TEST_CASE("EventQueue: times a few units of least precision apart near zero keep exact order", "[kernel]",
                   tenure::core::LadderEventQueue, tenure::core::DaryEventQueue<4>) {
  // Rungs index buckets by multiplying with 1 / width, which overflows for spans of subnormal
  // times: the order must stay exact there too (zero, subnormals, then normal times as well).
  std::mt19937_64 rng(4242);
  TestType q;
  OrderReference r;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 500; ++i) {
      // 0 and the smallest subnormals only, at first (a span whose buckets would be narrower
      // than any double); then a few normal times above them too
      r.push(q, round > 0 && rng() % 5 == 0 ? 1.0 + static_cast<double>(rng() % 7)
                                            : std::numeric_limits<double>::denorm_min() * static_cast<double>(rng() % 64));
    }
    r.pop(q, 0.0, 200);
  }
  r.pop(q, 0.0);
  CHECK(q.empty());
}

TEMPLATE_TEST_CASE("EventQueue: crowded buckets and far-future events keep exact order", "[kernel]",
                   tenure::core::LadderEventQueue, tenure::core::DaryEventQueue<4>) {
  // Exercises the ladder's rung spawning: clusters of near-equal times, exact ties, tiny and
  // huge gaps, with interleaved pops, compared against an ordered map.
  std::mt19937_64 rng(777);
  TestType q;
  OrderReference r;
  double now = 0;
  std::exponential_distribution<double> expo(1.0);
  for (int round = 0; round < 300; ++round) {
    const int burst = static_cast<int>(rng() % 400);
    const double centre = now + (rng() % 2 ? expo(rng) * 1e-6 : expo(rng) * 1e4);
    for (int i = 0; i < burst; ++i) {
      double t = centre;
      switch (rng() % 4) {
        case 0: break;                                 // exact tie
        case 1: t += expo(rng) * 1e-9; break;          // crowded
        case 2: t = now + expo(rng); break;            // near future
        default: t = now + expo(rng) * 1e6; break;     // far future
      }
      r.push(q, t);
    }
    now = r.pop(q, now, rng() % 400);
    REQUIRE(q.size() == r.ref.size());
  }
  r.pop(q, now);
  CHECK(q.empty());
}

TEMPLATE_TEST_CASE("EventQueue: a large queue over many epochs, with short delays and cancellations, keeps exact order",
                   "[kernel]", tenure::core::LadderEventQueue, tenure::core::DaryEventQueue<4>) {
  // Over 65,536 pending, the ladder sizes rung 0 for the events pushed into it during the epoch
  // (the last epoch's rate over the new span). Here: most pushes land within the epoch, a few
  // far ahead (they end each epoch, as the model's annual review does), some are cancelled; and
  // then an epoch whose span is huge against the time the last one lasted, where that estimate
  // is bounded.
  std::mt19937_64 rng(2026);
  TestType q;
  OrderReference r;
  std::vector<std::pair<tenure::core::EventHandle, OrderReference::Key>> handles;
  std::exponential_distribution<double> expo(1.0);
  const auto push = [&](double t) {
    const auto e = r.push(q, t);
    if (rng() % 8 == 0) handles.push_back(e);
  };
  double now = 0;
  const auto pop = [&] { now = r.pop(q, now, 1); };
  // A first event alone, so that the 70,000 after it wait in Top and make one epoch together.
  push(0.0);
  for (int i = 0; i < 70000; ++i) push(std::uniform_real_distribution<double>(0, 100)(rng));
  for (int op = 0; op < 700000; ++op) {
    pop();
    push(now + (rng() % 64 == 0 ? 100 + 100 * expo(rng) : 40 * expo(rng)));
    if (rng() % 16 == 0 && !handles.empty()) {
      const std::size_t i = rng() % handles.size();
      REQUIRE(r.cancel(q, handles[i]));
      handles[i] = handles.back();
      handles.pop_back();
      push(now + 40 * expo(rng));
    }
    REQUIRE(q.size() == r.ref.size());
  }
  // A long span after a short epoch: far events 1e9 ahead, then everything drained in order.
  for (int i = 0; i < 70000; ++i) push(now + 1e9 * (1 + expo(rng)));
  now = r.pop(q, now);
  CHECK(q.empty());
}

TEMPLATE_TEST_CASE("EventQueue: a queue that has shrunk far below its peak keeps exact order over many epochs",
                   "[kernel]", tenure::core::LadderEventQueue, tenure::core::DaryEventQueue<4>) {
  // The ladder sizes rung 0 for the epoch's pushes once its node pool has held 65,536 events,
  // even when far fewer are pending (the model at 1e6 clients in its quieter years). Here 80,000
  // pending are drained to 20,000, then each event popped pushes one: mostly within the epoch,
  // now and then far ahead (ending the epoch, like the model's annual review).
  std::mt19937_64 rng(2027);
  TestType q;
  OrderReference r;
  std::exponential_distribution<double> expo(1.0);
  double now = 0;
  r.push(q, 0.0);
  for (int i = 0; i < 80000; ++i) r.push(q, std::uniform_real_distribution<double>(0, 50)(rng));
  while (q.size() > 20000) now = r.pop(q, now, 1);
  for (int op = 0; op < 400000; ++op) {
    now = r.pop(q, now, 1);
    r.push(q, now + (rng() % 256 == 0 ? 200 + 200 * expo(rng) : 5 * expo(rng)));
    REQUIRE(q.size() == r.ref.size());
  }
  now = r.pop(q, now);
  CHECK(q.empty());
}

TEST_CASE("LadderEventQueue: the soon hint sees each event before it is popped, and changes no order", "[kernel]") {
  // Events numbered by their spec's target; some crowded (rungs spawn), some cancelled, some
  // pushed while others are popped. The hint must have named each popped event before its
  // pop, and the pop order must be that of a queue without a hint, through a restore too.
  using tenure::core::LadderEventQueue;
  struct Seen {
    std::vector<char> hinted;
    std::uint64_t calls = 0;
  } seen;
  const auto hint = [](void* context, const EventSpec& spec) {
    auto& s = *static_cast<Seen*>(context);
    if (spec.target >= s.hinted.size()) s.hinted.resize(spec.target + 1, 0);
    s.hinted[spec.target] = 1;
    ++s.calls;
  };
  LadderEventQueue hinted, plain;
  hinted.set_soon_hint(hint, &seen);
  std::mt19937_64 rng(18);
  std::uint32_t next_id = 0;
  std::vector<std::pair<tenure::core::EventHandle, tenure::core::EventHandle>> handles;
  const auto push = [&](double t) {
    const EventSpec spec{0, next_id++};
    handles.emplace_back(hinted.push(t, spec), plain.push(t, spec));
  };
  for (int i = 0; i < 20000; ++i) push(std::uniform_real_distribution<double>(0, 100)(rng));
  for (int i = 0; i < 5000; ++i) push(50.0 + 1e-9 * static_cast<double>(i % 7));  // a crowded bucket
  std::uint64_t popped = 0;
  double now = 0;
  for (int op = 0; op < 60000 && !plain.empty(); ++op) {
    if (op == 30000) {
      // A restore (a snapshot's) keeps the hint.
      hinted.restore(hinted.image());
      plain.restore(plain.image());
    }
    const auto a = hinted.pop();
    const auto b = plain.pop();
    REQUIRE(a.spec.target == b.spec.target);
    REQUIRE(a.time == b.time);
    REQUIRE(seen.hinted[a.spec.target] == 1);
    now = a.time;
    ++popped;
    if (rng() % 2 == 0) push(now + 5 * std::exponential_distribution<double>(1.0)(rng));
    if (rng() % 16 == 0) {
      const auto& h = handles[rng() % handles.size()];
      REQUIRE(hinted.cancel(h.first) == plain.cancel(h.second));
    }
  }
  CHECK(popped > 20000);
  CHECK(seen.calls >= popped);
  // Without a hint nothing is called.
  const std::uint64_t calls = seen.calls;
  hinted.set_soon_hint(nullptr, nullptr);
  while (!hinted.empty()) hinted.pop();
  CHECK(seen.calls == calls);
}

TEST_CASE("BottomKeys: a sorted run below its bound, a heap above it, the same order either way", "[kernel]") {
  // Sizes swept up past kSortedUpTo (to the heap) and down past kSortedFrom (back to the sorted
  // run) again and again, with equal times (decided by the order) and random ones, pushes and
  // pops mixed: every pop must be the least key pending, as a reference multiset says.
  using tenure::core::detail::BottomKeys;
  using tenure::core::detail::Entry;
  std::mt19937_64 rng(23);
  BottomKeys keys;
  std::multimap<std::pair<std::uint64_t, std::uint64_t>, std::uint32_t> ref;
  std::uint64_t order = 0;
  std::size_t pops = 0, crossings = 0;
  bool above = false;
  for (int round = 0; round < 200; ++round) {
    const std::size_t peak = BottomKeys::kSortedUpTo + 1 + rng() % 40, low = rng() % (BottomKeys::kSortedFrom + 1);
    while (ref.size() < peak) {
      // Times from a few values, so that ties are common; now and then a pop in between.
      const std::uint64_t time = std::bit_cast<std::uint64_t>(static_cast<double>(rng() % 16));
      const Entry e{time, ++order, static_cast<std::uint32_t>(order), 0, 0, 0};
      keys.push(e);
      ref.emplace(std::pair{e.time, e.order}, e.slot);
      if (rng() % 4 == 0) {
        REQUIRE(keys.top().slot == ref.begin()->second);
        keys.pop(), ref.erase(ref.begin()), ++pops;
      }
    }
    above |= keys.size() > BottomKeys::kSortedUpTo;
    while (ref.size() > low) {
      REQUIRE(keys.size() == ref.size());
      REQUIRE(keys.top().slot == ref.begin()->second);
      keys.pop(), ref.erase(ref.begin()), ++pops;
    }
    crossings += above;
    above = false;
  }
  CHECK(crossings == 200);  // every round went past the sorted run's bound
  CHECK(pops > 5000);
  while (!ref.empty()) {
    REQUIRE(keys.top().slot == ref.begin()->second);
    keys.pop(), ref.erase(ref.begin());
  }
  CHECK(keys.empty());
}
