// Pending-event set candidates measured against each other by bench_hold: the engine's d-ary
// heap at several arities, its ladder queue, std::priority_queue (the baseline) and Boost's pairing heap.
#pragma once

#include <boost/heap/pairing_heap.hpp>
#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "tenure/core/event_queue.hpp"

namespace bench {

// The baseline holds the same information as a kernel event: time, sequence for ties, and
// the spec fields.
struct PlainEvent {
  double time;
  std::uint64_t seq;
  std::uint32_t kind, target;
};
struct Later {
  bool operator()(const PlainEvent& a, const PlainEvent& b) const {
    return a.time > b.time || (a.time == b.time && a.seq > b.seq);
  }
};

template <unsigned A>
struct Dary {
  static std::string name() { return "tenure " + std::to_string(A) + "-ary heap"; }
  tenure::core::DaryEventQueue<A> q;
  void reserve(std::size_t n) { q.reserve(n); }
  void push(double t, std::uint32_t target) { q.push(t, tenure::core::EventSpec{0, target}); }
  std::pair<double, std::uint32_t> pop() {
    auto e = q.pop();
    return {e.time, e.spec.target};
  }
};

struct Ladder {
  static std::string name() { return "tenure ladder queue"; }
  tenure::core::LadderEventQueue q;
  void reserve(std::size_t n) { q.reserve(n); }
  void push(double t, std::uint32_t target) { q.push(t, tenure::core::EventSpec{0, target}); }
  std::pair<double, std::uint32_t> pop() {
    auto e = q.pop();
    return {e.time, e.spec.target};
  }
};

struct StdPQ {
  static std::string name() { return "std::priority_queue"; }
  std::priority_queue<PlainEvent, std::vector<PlainEvent>, Later> q;
  std::uint64_t seq = 0;
  void reserve(std::size_t n) {
    std::vector<PlainEvent> v;
    v.reserve(n);
    q = decltype(q)(Later{}, std::move(v));
  }
  void push(double t, std::uint32_t target) { q.push(PlainEvent{t, ++seq, 0, target}); }
  std::pair<double, std::uint32_t> pop() {
    auto e = q.top();
    q.pop();
    return {e.time, e.target};
  }
};

struct Pairing {
  static std::string name() { return "boost pairing_heap"; }
  boost::heap::pairing_heap<PlainEvent, boost::heap::compare<Later>> q;
  std::uint64_t seq = 0;
  void reserve(std::size_t) {}
  void push(double t, std::uint32_t target) { q.push(PlainEvent{t, ++seq, 0, target}); }
  std::pair<double, std::uint32_t> pop() {
    auto e = q.top();
    q.pop();
    return {e.time, e.target};
  }
};

}  // namespace bench
