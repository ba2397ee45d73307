// The pending-event set: a d-ary heap of small keyed entries, with cancellation by handle.
// Order is (time, priority, sequence), so simultaneous events run in insertion order.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "tenure/core/error.hpp"
#include "tenure/core/time.hpp"

namespace tenure::core {

// What an event says. The kernel never interprets it: `kind` selects the model's handler,
// `target` is usually an entity id, `aux` is free for the model (e.g. a request number).
struct EventSpec {
  std::uint32_t kind = 0;
  std::uint32_t target = 0;
  std::uint32_t aux = 0;
  std::int16_t priority = 0;  // lower runs first among events at the same time
};

struct Event {
  Time time = 0;
  std::uint64_t seq = 0;  // insertion number, unique within one queue
  EventSpec spec;
};

// Refers to one scheduled event. Stale handles (the event ran or was cancelled) are harmless:
// cancel() returns false for them.
struct EventHandle {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint64_t seq = 0;
  bool valid() const { return seq != 0; }
  friend bool operator==(const EventHandle&, const EventHandle&) = default;
};

// Arity 4 was chosen by measurement (bench/README.md: hold model against arity 2 and 8,
// a pairing heap and std::priority_queue).
template <unsigned Arity = 4>
class DaryEventQueue {
  static_assert(Arity >= 2);

 public:
  static constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << 48) - 1;

  std::size_t size() const { return heap_.size() - stale_; }
  bool empty() const { return size() == 0; }
  std::uint64_t scheduled_count() const { return next_seq_ - 1; }

  void reserve(std::size_t n) {
    heap_.reserve(n);
    slots_.reserve(n);
  }

  EventHandle push(Time t, const EventSpec& spec) {
    if (!(t >= 0.0) || !std::isfinite(t)) throw Error("event time must be finite and >= 0");
    if (next_seq_ > kMaxSeq) throw Error("event sequence numbers exhausted (2^48 events)");
    const std::uint64_t seq = next_seq_++;
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (slots_.size() >= std::numeric_limits<std::uint32_t>::max())
        throw Error("too many pending events");
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    slots_[slot] = Slot{seq, spec};
    Entry e{time_bits(t), order_key(spec.priority, seq), slot};
    heap_.push_back(e);
    sift_up(heap_.size() - 1);
    return {slot, seq};
  }

  // The next event, without removing it.
  std::optional<Event> peek() const {
    if (heap_.empty()) return std::nullopt;
    return materialize(heap_.front());
  }

  // Time of the next event. Precondition: !empty().
  Time next_time() const { return std::bit_cast<Time>(heap_.front().time); }

  // Removes and returns the next event. Precondition: !empty().
  Event pop() {
    const Entry top = heap_.front();
    Event ev = materialize(top);
    release(top.slot);
    remove_top();
    drop_stale_top();
    return ev;
  }

  // Cancels a pending event; false when it already ran or was cancelled.
  bool cancel(EventHandle h) {
    if (!is_pending(h)) return false;
    release(h.slot);
    ++stale_;
    drop_stale_top();
    if (stale_ > 1024 && stale_ > heap_.size() / 2) compact();
    return true;
  }

  bool is_pending(EventHandle h) const {
    return h.valid() && h.slot < slots_.size() && slots_[h.slot].seq == h.seq;
  }

  // The spec of a pending event (precondition: is_pending(h)).
  const EventSpec& spec_of(EventHandle h) const { return slots_[h.slot].spec; }

  void clear() {
    heap_.clear();
    slots_.clear();
    free_.clear();
    stale_ = 0;
  }

  // Every pending event, in no particular order (for snapshots and diagnostics).
  std::vector<Event> pending() const {
    std::vector<Event> out;
    out.reserve(size());
    for (const Entry& e : heap_)
      if (live(e)) out.push_back(materialize(e));
    return out;
  }

 private:
  struct Entry {
    std::uint64_t time;   // bit pattern of a non-negative double: orders like the value
    std::uint64_t order;  // (priority + 2^15) << 48 | seq
    std::uint32_t slot;
  };
  struct Slot {
    std::uint64_t seq = 0;  // 0 while the slot is free
    EventSpec spec;
  };

  static std::uint64_t time_bits(Time t) { return std::bit_cast<std::uint64_t>(t + 0.0); }
  static std::uint64_t order_key(std::int16_t priority, std::uint64_t seq) {
    return (static_cast<std::uint64_t>(static_cast<std::int32_t>(priority) + 32768) << 48) | seq;
  }
  static bool less(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  bool live(const Entry& e) const { return slots_[e.slot].seq == (e.order & kMaxSeq); }
  Event materialize(const Entry& e) const {
    return Event{std::bit_cast<Time>(e.time), e.order & kMaxSeq, slots_[e.slot].spec};
  }
  void release(std::uint32_t slot) {
    slots_[slot].seq = 0;
    free_.push_back(slot);
  }

  void drop_stale_top() {
    while (!heap_.empty() && !live(heap_.front())) {
      remove_top();
      --stale_;
    }
  }

  void remove_top() {
    const Entry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
  }

  void sift_up(std::size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / Arity;
      if (!less(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  // Places `e` into the hole at i, moving smaller children up.
  void sift_down(std::size_t i, const Entry e) {
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = i * Arity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + Arity < n ? first + Arity : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (less(heap_[c], heap_[best])) best = c;
      if (!less(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  void compact() {
    std::vector<Entry> keep;
    keep.reserve(size());
    for (const Entry& e : heap_)
      if (live(e)) keep.push_back(e);
    heap_.swap(keep);
    stale_ = 0;
    for (std::size_t i = heap_.size() / Arity + 1; i-- > 0;)
      if (i < heap_.size()) sift_down(i, heap_[i]);
  }

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t stale_ = 0;
  std::uint64_t next_seq_ = 1;
};

using EventQueue = DaryEventQueue<4>;

}  // namespace tenure::core
