// The pending-event set: a ladder queue of small keyed entries, cancellation by handle.
// Order is (time, priority, sequence), so simultaneous events run in insertion order.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tenure/core/error.hpp"
#include "tenure/core/huge_page_allocator.hpp"
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

// Everything a queue holds, for saving and restoring: the pending events with the slots their
// handles name, and the next sequence number. Restoring it gives a queue that pops the same
// events in the same order and honours the same handles.
struct QueueImage {
  struct Pending {
    std::uint32_t slot;
    Event event;
  };
  std::uint64_t next_seq = 1;
  std::vector<Pending> events;  // in slot order
};

namespace detail {

// One pending event inside a queue: a 16-byte key and the slot that holds its spec.
// The spec travels inline so that popping never touches the slot table.
struct Entry {
  std::uint64_t time;   // bit pattern of a non-negative double: orders like the value
  std::uint64_t order;  // (priority + 2^15) << 48 | seq
  std::uint32_t slot;
  std::uint32_t kind;
  std::uint32_t target;
  std::uint32_t aux;
};
static_assert(sizeof(Entry) == 32);
inline constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << 48) - 1;

inline bool less(const Entry& a, const Entry& b) {
  return a.time < b.time || (a.time == b.time && a.order < b.order);
}
inline double time_of(const Entry& e) { return std::bit_cast<double>(e.time); }

// Specs of pending events, by slot, and the sequence number that owns each slot. A queue
// entry whose seq no longer owns its slot was cancelled: queues drop such entries lazily.
class SlotTable {
 public:
  Entry make(Time t, const EventSpec& spec) {
    if (!(t >= 0.0 && t <= std::numeric_limits<double>::max()) || next_seq_ > kMaxSeq) [[unlikely]]
      refuse(t);
    const std::uint64_t seq = next_seq_++;
    std::uint32_t slot;
    if (!free_.empty()) [[likely]] {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = grow();
    }
    slots_[slot] = Slot{seq, spec};
    const std::uint64_t prio = static_cast<std::uint64_t>(static_cast<std::int32_t>(spec.priority) + 32768);
    return Entry{std::bit_cast<std::uint64_t>(t + 0.0), (prio << 48) | seq, slot, spec.kind,
                 spec.target, spec.aux};
  }
  bool live(const Entry& e) const { return slots_[e.slot].seq == (e.order & kMaxSeq); }
  bool is_pending(EventHandle h) const {
    return h.valid() && h.slot < slots_.size() && slots_[h.slot].seq == h.seq;
  }
  const EventSpec& spec(std::uint32_t slot) const { return slots_[slot].spec; }
  static Event materialize(const Entry& e) {
    const auto prio = static_cast<std::int16_t>(static_cast<std::int32_t>(e.order >> 48) - 32768);
    return Event{time_of(e), e.order & kMaxSeq, EventSpec{e.kind, e.target, e.aux, prio}};
  }
  void release(std::uint32_t slot) {
    slots_[slot].seq = 0;
    free_.push_back(slot);
  }
  void reserve(std::size_t n) { slots_.reserve(n); }
  std::uint64_t issued() const { return next_seq_ - 1; }
  void clear() {
    slots_.clear();
    free_.clear();
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void refuse(Time t) const {
    if (next_seq_ > kMaxSeq) throw Error("event sequence numbers exhausted (2^48 events)");
    throw Error("event time must be finite and >= 0, got " + std::to_string(t));
  }
  [[gnu::noinline]] std::uint32_t grow() {
    if (slots_.size() >= std::numeric_limits<std::uint32_t>::max())
      throw Error("too many pending events");
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }

  struct Slot {
    std::uint64_t seq = 0;  // 0 while the slot is free
    EventSpec spec;
  };
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t next_seq_ = 1;
};

// A d-ary min-heap of entries, with the "hole" sift that moves each entry once per level.
// Its array only grows (the first n_ entries are the heap): a push is a store, never a call.
template <unsigned Arity>
class EntryHeap {
  static_assert(Arity >= 2);

 public:
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const Entry& top() const { return v_[0]; }
  void reserve(std::size_t n) {
    if (n > v_.size()) v_.resize(n);
  }
  void clear() { n_ = 0; }
  [[gnu::always_inline]] inline void push(const Entry& e) {
    if (n_ == v_.size()) [[unlikely]] grow();
    std::size_t i = n_++;
    while (i > 0) {
      const std::size_t parent = (i - 1) / Arity;
      if (!less(e, v_[parent])) break;
      v_[i] = v_[parent];
      i = parent;
    }
    v_[i] = e;
  }
  void pop() {
    const Entry last = v_[--n_];
    if (n_ > 0) sift_down(0, last);
  }
  // Keeps the entries for which keep(e) holds and restores heap order in O(n).
  template <class Keep>
  void rebuild(Keep keep) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n_; ++i)
      if (keep(v_[i])) v_[kept++] = v_[i];
    n_ = kept;
    for (std::size_t i = n_ / Arity + 1; i-- > 0;)
      if (i < n_) sift_down(i, v_[i]);
  }
  std::span<const Entry> entries() const { return {v_.data(), n_}; }

 private:
  [[gnu::noinline]] void grow() { v_.resize(std::max<std::size_t>(16, 2 * v_.size())); }
  void sift_down(std::size_t i, const Entry e) {
    const std::size_t n = n_;
    for (;;) {
      const std::size_t first = i * Arity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + Arity < n ? first + Arity : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (less(v_[c], v_[best])) best = c;
      if (!less(v_[best], e)) break;
      v_[i] = v_[best];
      i = best;
    }
    v_[i] = e;
  }
  std::vector<Entry> v_;
  std::size_t n_ = 0;
};

// The ladder's Bottom: the next bucket's keys. A bucket holds a handful of events, so while
// there are few (at most kSortedUpTo) they are kept sorted, the next last: a pop is a
// decrement, and a push (most often an event due soon, such as an answer) moves only the keys
// due before it. More keys than that go to a 4-ary heap, until it holds kSortedFrom or fewer
// again (the gap keeps a Bottom near the bound from switching back and forth). Layout only:
// the keys are a total order, so the next key is the same either way.
class BottomKeys {
 public:
  static constexpr std::size_t kSortedUpTo = 32;
  static constexpr std::size_t kSortedFrom = 8;

  bool empty() const { return sorted_ ? n_ == 0 : heap_.empty(); }
  std::size_t size() const { return sorted_ ? n_ : heap_.size(); }
  const Entry& top() const { return sorted_ ? v_[n_ - 1] : heap_.top(); }
  [[gnu::always_inline]] inline void push(const Entry& e) {
    if (sorted_) [[likely]] {
      if (n_ < kSortedUpTo) [[likely]] {
        std::size_t i = n_++;
        for (; i > 0 && less(v_[i - 1], e); --i) v_[i] = v_[i - 1];
        v_[i] = e;
        return;
      }
      to_heap();
    }
    heap_.push(e);
  }
  void pop() {
    if (sorted_) [[likely]] {
      --n_;
      return;
    }
    heap_.pop();
    if (heap_.size() <= kSortedFrom) to_sorted();
  }

 private:
  [[gnu::noinline]] void to_heap() {
    for (std::size_t i = 0; i < n_; ++i) heap_.push(v_[i]);
    n_ = 0;
    sorted_ = false;
  }
  [[gnu::noinline]] void to_sorted() {
    n_ = heap_.size();
    for (std::size_t i = n_; i-- > 0;) {  // popped in order: the next one last
      v_[i] = heap_.top();
      heap_.pop();
    }
    sorted_ = true;
  }
  std::array<Entry, kSortedUpTo> v_{};  // sorted_: v_[0, n_), the greatest first
  std::size_t n_ = 0;
  bool sorted_ = true;
  EntryHeap<4> heap_;  // !sorted_
};

}  // namespace detail

// A plain d-ary heap with cancellation: the measured alternative to the ladder queue
// (bench/README.md); its entry heap is the ladder's Bottom.
template <unsigned Arity = 4>
class DaryEventQueue {
 public:
  std::size_t size() const { return heap_.size() - stale_; }
  bool empty() const { return size() == 0; }
  std::uint64_t scheduled_count() const { return slots_.issued(); }
  void reserve(std::size_t n) {
    heap_.reserve(n);
    slots_.reserve(n);
  }
  EventHandle push(Time t, const EventSpec& spec) {
    const detail::Entry e = slots_.make(t, spec);
    heap_.push(e);
    return {e.slot, e.order & detail::kMaxSeq};
  }
  std::optional<Event> peek() const {
    if (heap_.empty()) return std::nullopt;
    return slots_.materialize(heap_.top());
  }
  Time next_time() const { return detail::time_of(heap_.top()); }
  Event pop() {
    const detail::Entry top = heap_.top();
    Event ev = slots_.materialize(top);
    slots_.release(top.slot);
    heap_.pop();
    drop_stale_top();
    return ev;
  }
  bool cancel(EventHandle h) {
    if (!slots_.is_pending(h)) return false;
    slots_.release(h.slot);
    ++stale_;
    drop_stale_top();
    if (stale_ > 1024 && stale_ > heap_.size() / 2) {
      heap_.rebuild([&](const detail::Entry& e) { return slots_.live(e); });
      stale_ = 0;
    }
    return true;
  }
  bool is_pending(EventHandle h) const { return slots_.is_pending(h); }
  const EventSpec& spec_of(EventHandle h) const { return slots_.spec(h.slot); }
  std::vector<Event> pending() const {
    std::vector<Event> out;
    for (const auto& e : heap_.entries())
      if (slots_.live(e)) out.push_back(slots_.materialize(e));
    return out;
  }

 private:
  void drop_stale_top() {
    while (!heap_.empty() && !slots_.live(heap_.top())) {
      heap_.pop();
      --stale_;
    }
  }
  detail::EntryHeap<Arity> heap_;
  detail::SlotTable slots_;
  std::size_t stale_ = 0;
};

// A ladder queue (Tang, Goh and Thng 2005): far-future events wait unsorted in Top; the
// near future is spread over rungs of buckets, each bucket split into a finer rung when it
// is crowded; only the next bucket is ordered, in Bottom (a short sorted run or a heap). Amortised O(1)
// per event for the distributions simulations produce. Ties keep exact (time, priority,
// sequence) order: equal times always land in the same bucket, and Bottom orders the full key.
//
// Every event lives in one 32-byte node from push to pop; Top and the buckets are intrusive
// singly-linked lists of node indices, so moving an event between rungs copies nothing and
// no bucket owns an allocation. The node index is the handle's slot.
class LadderEventQueue {
 public:
  static constexpr std::size_t kSpawnThreshold = 50;  // a bucket this crowded gets its own rung
  static constexpr std::size_t kMaxRungs = 8;
  static constexpr std::size_t kBucketFill = 1;  // events per bucket on average (measured 1 to 16)
  static constexpr std::size_t kPrefetchBuckets = 8;  // how far ahead chains are fetched (measured 4 to 24)
  static constexpr std::size_t kInsertFill = 4;  // events per rung-0 bucket over an epoch (measured 2 to 8)
  static constexpr double kMaxGrowth = 16;  // bounds that estimate (the hold model at 1e6 pending needs 14)
  // With fewer nodes than this (32 bytes each, 2 MiB) chains cost few misses, and rung 0 sized
  // for Top alone is faster (fewer refills). Counted over the node pool, not the pending events:
  // the free list spreads the pending ones over every node the queue has held (its high-water
  // mark), so a queue that has shrunk still walks the larger pool. (At 1e6 clients the model
  // has 45,000 events pending in some years, spread over 136,000 nodes, 4.3 MiB.)
  static constexpr std::size_t kSizeForInsertsAbove = std::size_t{1} << 16;

  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  std::uint64_t scheduled_count() const { return next_seq_ - 1; }
  void reserve(std::size_t n) {
    nodes_.reserve(n);
    top_.reserve(n);
  }

  [[gnu::always_inline]] inline EventHandle push(Time t, const EventSpec& spec) {
    if (!(t >= 0.0 && t <= std::numeric_limits<double>::max()) || next_seq_ > detail::kMaxSeq)
        [[unlikely]]
      refuse(t);
    const std::uint64_t seq = next_seq_++;
    const std::uint32_t n = alloc();
    Node& node = nodes_[n];
    const auto prio = static_cast<std::uint64_t>(static_cast<std::int32_t>(spec.priority) + 32768);
    node.time = std::bit_cast<std::uint64_t>(t + 0.0);
    node.order = (prio << 48) | seq;
    node.kind = spec.kind;
    node.target = spec.target;
    node.aux = spec.aux;
    insert(n, t + 0.0);
    ++live_;
    if (bottom_.empty()) settle();
    return {n, seq};
  }

  std::optional<Event> peek() const {
    if (live_ == 0) return std::nullopt;
    return materialize(bottom_.top().slot);
  }
  // The next event's (time, order) key. Precondition: !empty().
  const detail::Entry& top_key() const { return bottom_.top(); }
  // What the next event says, read in place. Precondition: !empty().
  EventSpec top_spec() const {
    const Node& node = nodes_[bottom_.top().slot];
    return EventSpec{node.kind, node.target, node.aux, 0};
  }
  // A hint for each event as it enters Bottom, a few events before it is popped, with what
  // the event says: the owner fetches what the event will touch while others run. A hint
  // changes nothing in the queue or its order (the kernel gives kinds no meaning). Null: none.
  using SoonHint = void (*)(void* context, const EventSpec& spec);
  void set_soon_hint(SoonHint hint, void* context) {
    soon_ = hint;
    soon_context_ = context;
  }
  // Sequence numbers for n events kept outside the queue (a Simulation's batches), so that they
  // order against this queue's events exactly as if each had been pushed here, in turn.
  std::uint64_t take_seqs(std::uint64_t n) {
    if (n > detail::kMaxSeq + 1 - next_seq_) throw Error("event sequence numbers exhausted (2^48 events)");
    const std::uint64_t first = next_seq_;
    next_seq_ += n;
    return first;
  }
  // Time of the next event. Precondition: !empty().
  Time next_time() const { return detail::time_of(bottom_.top()); }

  // Removes and returns the next event. Precondition: !empty().
  Event pop() {
    const std::uint32_t n = bottom_.top().slot;
    last_popped_ = bottom_.top().time;
    Event ev = materialize(n);
    release(n);
    bottom_.pop();
    --live_;
    settle();
    return ev;
  }

  bool cancel(EventHandle h) {
    if (!is_pending(h)) return false;
    // The node stays linked wherever it is; it is freed when the queue next meets it.
    nodes_[h.slot].time = kCancelledTime;
    --live_;
    ++stale_;
    settle();
    return true;
  }
  bool is_pending(EventHandle h) const {
    return h.valid() && h.slot < nodes_.size() &&
           (nodes_[h.slot].order & detail::kMaxSeq) == h.seq && live(h.slot);
  }
  // Precondition: is_pending(h).
  EventSpec spec_of(EventHandle h) const { return materialize(h.slot).spec; }

  std::vector<Event> pending() const {
    std::vector<Event> out;
    out.reserve(live_);
    for (std::uint32_t n = 0; n < nodes_.size(); ++n)
      if (live(n) && in_use(n)) out.push_back(materialize(n));
    return out;
  }

  [[gnu::cold, gnu::noinline]] QueueImage image() const {
    QueueImage img;
    img.next_seq = next_seq_;
    img.events.reserve(live_);
    for (std::uint32_t n = 0; n < nodes_.size(); ++n)
      if (live(n) && in_use(n)) img.events.push_back({n, materialize(n)});
    return img;
  }
  // Replaces the contents with `img`. Pop order depends only on the (time, priority, sequence)
  // keys, never on how the rungs happened to be laid out, so the restored queue continues
  // exactly as the saved one would have.
  // (The hint, set_soon_hint, is kept.)
  [[gnu::cold, gnu::noinline]] void restore(const QueueImage& img) {
    const SoonHint hint = soon_;
    void* const context = soon_context_;
    *this = LadderEventQueue{};
    set_soon_hint(hint, context);
    std::uint32_t slots = 0;
    for (const auto& pe : img.events) {
      if (pe.slot >= kNil) throw Error("queue image: slot out of range");
      slots = std::max(slots, pe.slot + 1);
      if (pe.event.seq == 0 || pe.event.seq >= img.next_seq)
        throw Error("queue image: an event's sequence number is not below the next one");
    }
    next_seq_ = img.next_seq;
    nodes_.assign(slots, Node{0, 0, 0, 0, 0, kNil});
    for (const auto& pe : img.events) {
      Node& node = nodes_[pe.slot];
      const Time t = pe.event.time;
      if (in_use(pe.slot)) throw Error("queue image: two events in one slot");
      if (!(t >= 0.0 && t <= std::numeric_limits<double>::max())) throw Error("queue image: an event time is invalid");
      const auto prio = static_cast<std::uint64_t>(static_cast<std::int32_t>(pe.event.spec.priority) + 32768);
      node.time = std::bit_cast<std::uint64_t>(t + 0.0);
      node.order = (prio << 48) | pe.event.seq;
      node.kind = pe.event.spec.kind;
      node.target = pe.event.spec.target;
      node.aux = pe.event.spec.aux;
      insert(pe.slot, t + 0.0);
      ++live_;
    }
    for (std::uint32_t n = slots; n-- > 0;)
      if (!in_use(n)) release(n);
    settle();
  }

 private:
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
  // A cancelled node's time becomes a NaN pattern that no pushed time can have. Lists never
  // look at the time of a node they are about to drop, and Bottom keeps its own key copies.
  static constexpr std::uint64_t kCancelledTime = ~std::uint64_t{0};
  struct Node {
    std::uint64_t time;   // bit pattern of the (non-negative) time
    std::uint64_t order;  // (priority + 2^15) << 48 | seq; 0 while the node is free
    std::uint32_t kind, target, aux;
    std::uint32_t next;  // next node in the same list (Top or a bucket), or kNil
  };
  static_assert(sizeof(Node) == 32);

  struct List {
    std::uint32_t head = kNil;
  };

  struct Rung {
    // Bucket k holds times with floor((t - start) x per_width) == k: a multiplication, not a
    // division, per event. Any index monotone in t keeps the queue exact; this one is.
    double start = 0, width = 1, per_width = 1;
    double last = 0;              // nbuckets - 1, the clamp, as a double and as an index
    std::int64_t last_index = 0;
    std::size_t cur = 0;          // buckets before cur are consumed
    std::size_t nbuckets = 0;
    std::vector<List, HugePageAllocator<List>> buckets;  // kept allocated; all empty when inactive

    // floor((t - start) x per_width), -1 below the rung, clamped to the last bucket so that
    // rounding can never index past the end: monotone in t. At or above 0 the floor is the
    // truncation a conversion to an integer makes, so no floor is computed.
    std::int64_t index(double t) const {
      const double x = (t - start) * per_width;
      if (x < 0) return -1;
      return x < last ? static_cast<std::int64_t>(x) : last_index;
    }
    // n events now, and `expected` more to be pushed into the rung's span while it lasts.
    void init(double lo, double hi, std::size_t n, std::size_t expected = 0) {
      const std::size_t nb = std::max(n / kBucketFill, (n + expected) / kInsertFill) + 1;
      start = lo;
      width = (hi - lo) / static_cast<double>(nb);
      per_width = 1.0 / width;
      nbuckets = nb + 1;
      last_index = static_cast<std::int64_t>(nb);
      last = static_cast<double>(nb);
      cur = 0;
      if (buckets.size() < nbuckets) {
        // An inactive rung's buckets are all empty: nothing to copy. A quarter spare, so that a
        // rung 0 growing epoch by epoch is not allocated again each time (nor by doubling).
        decltype(buckets)().swap(buckets);
        buckets.reserve(nbuckets + nbuckets / 4);
        buckets.resize(nbuckets);
      }
    }
  };

  // Whether n events over [lo, hi] are worth a rung: buckets of a normal width, whose inverse
  // is finite. (Narrower spans, of subnormal times, would index every event into the last
  // bucket: still in order, but split again and again for nothing.)
  static bool spannable(double lo, double hi, std::size_t n) {
    if (!(hi > lo)) return false;
    const double width = (hi - lo) / static_cast<double>(n / kBucketFill + 1);
    return width >= std::numeric_limits<double>::min() && std::isfinite(1.0 / width);
  }

  [[noreturn, gnu::cold, gnu::noinline]] void refuse(Time t) const {
    if (next_seq_ > detail::kMaxSeq) throw Error("event sequence numbers exhausted (2^48 events)");
    throw Error("event time must be finite and >= 0, got " + std::to_string(t));
  }

  std::uint32_t alloc() {
    if (free_ != kNil) [[likely]] {
      const std::uint32_t n = free_;
      free_ = nodes_[n].next;
      return n;
    }
    if (nodes_.size() >= kNil) throw Error("too many pending events");
    nodes_.emplace_back();
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  void release(std::uint32_t n) {
    nodes_[n].order = 0;
    nodes_[n].next = free_;
    free_ = n;
  }
  bool in_use(std::uint32_t n) const { return nodes_[n].order != 0; }
  bool live(std::uint32_t n) const { return nodes_[n].time != kCancelledTime; }
  Event materialize(std::uint32_t n) const {
    const Node& node = nodes_[n];
    const auto prio = static_cast<std::int16_t>(static_cast<std::int32_t>(node.order >> 48) - 32768);
    return Event{std::bit_cast<Time>(node.time), node.order & detail::kMaxSeq,
                 EventSpec{node.kind, node.target, node.aux, prio}};
  }
  detail::Entry key(std::uint32_t n) const {
    return detail::Entry{nodes_[n].time, nodes_[n].order, n, 0, 0, 0};
  }

  // Node n's key into Bottom, and its hint.
  [[gnu::always_inline]] inline void into_bottom(std::uint32_t n) {
    bottom_.push(key(n));
    if (soon_) soon_(soon_context_, EventSpec{nodes_[n].kind, nodes_[n].target, nodes_[n].aux, 0});
  }

  template <class Nodes>
  static void link(List& l, Nodes& nodes, std::uint32_t n) {
    nodes[n].next = l.head;
    l.head = n;
  }

  [[gnu::always_inline]] inline void insert(std::uint32_t n, double t) {
    if (t > top_threshold_) {
      top_.push_back(n);
      const std::uint64_t bits = nodes_[n].time;
      top_lo_ = bits < top_lo_ ? bits : top_lo_;
      top_hi_ = bits > top_hi_ ? bits : top_hi_;
      ++top_count_;
      return;
    }
    ++epoch_inserts_;
    for (std::size_t r = 0; r < nrungs_; ++r) {
      Rung& rung = rungs_[r];
      const std::int64_t k = rung.index(t);
      if (k >= static_cast<std::int64_t>(rung.cur)) {
        link(rung.buckets[static_cast<std::size_t>(k)], nodes_, n);
        return;
      }
    }
    into_bottom(n);
  }

  // Restores the invariant: when anything is pending, Bottom's top is the next live event.
  // (The usual case, nothing cancelled and Bottom not empty, inline; the rest out of line.)
  [[gnu::always_inline]] inline void settle() {
    if (stale_ == 0 && (!bottom_.empty() || live_ == 0)) [[likely]]
      return;
    settle_slow();
  }
  [[gnu::noinline]] void settle_slow() {
    for (;;) {
      while (stale_ > 0 && !bottom_.empty() && !live(bottom_.top().slot)) {
        release(bottom_.top().slot);
        bottom_.pop();
        --stale_;
      }
      if (!bottom_.empty() || live_ == 0) return;
      refill_bottom();
    }
  }

  void refill_bottom() {
    while (nrungs_ > 0) {
      Rung& r = rungs_[nrungs_ - 1];
      while (r.cur < r.nbuckets && r.buckets[r.cur].head == kNil) ++r.cur;
      if (r.cur == r.nbuckets) {
        --nrungs_;
        continue;
      }
      List b = r.buckets[r.cur];
      r.buckets[r.cur++] = List{};
      // Progressive prefetch of the buckets that come next. Bucket cur + j has been through
      // (P - 1 - j) earlier rounds, so the first nodes of its chain are already in cache: walk
      // them and fetch the next one. Each chain is fetched ahead, level by level, and the
      // misses overlap instead of queueing behind each other when the bucket is taken.
      for (std::size_t j = 0; j < kPrefetchBuckets && r.cur + j < r.nbuckets; ++j) {
        std::uint32_t n = r.buckets[r.cur + j].head;
        for (std::size_t depth = kPrefetchBuckets - 1 - j; n != kNil && depth > 0; --depth) n = nodes_[n].next;
        if (n != kNil) __builtin_prefetch(&nodes_[n]);
      }
      take(b, nrungs_ < kMaxRungs);
      return;
    }
    // Every rung is spent: the next epoch starts from Top, whose bounds and size were kept
    // on insertion. Top is a contiguous array of node indices, so its nodes can be fetched
    // ahead of use instead of one dependent miss at a time.
    if (top_.empty()) return;
    const double lo = std::bit_cast<double>(top_lo_), hi = std::bit_cast<double>(top_hi_);
    const std::size_t count = top_count_;
    // Rung 0 also receives what is pushed below the threshold while the epoch lasts: in a model
    // with short delays, many times what Top held (a year's service and churn events against
    // the year's Top). Sized for Top alone, its buckets would collect dozens of events each,
    // and each would be walked as a chain of dependent misses. So it is sized for both, taking
    // the last epoch's rate of such pushes over this epoch's span. (Layout only: the order of
    // events never depends on it.)
    const double elapsed = std::bit_cast<double>(last_popped_) - std::bit_cast<double>(epoch_began_);
    // At most kMaxGrowth times what the last epoch saw or Top holds: a short epoch followed by
    // a long span must not extrapolate to buckets out of proportion to the events (a bucket
    // costs 4 bytes, and the empty ones are walked too).
    const double seen = static_cast<double>(epoch_inserts_);
    const double bound = kMaxGrowth * std::max(seen, static_cast<double>(count));
    const double expected =
        elapsed > 0 && nodes_.size() >= kSizeForInsertsAbove ? std::min(seen / elapsed * (hi - lo), bound) : 0.0;
    epoch_inserts_ = 0;
    epoch_began_ = last_popped_;
    top_lo_ = std::numeric_limits<std::uint64_t>::max();
    top_hi_ = 0;
    top_count_ = 0;
    top_threshold_ = hi;
    const bool spawn_rung = count > kSpawnThreshold && spannable(lo, hi, count);
    Rung* r = nullptr;
    if (spawn_rung) {
      r = &rungs_[nrungs_++];
      r->init(lo, hi, count, static_cast<std::size_t>(expected));
    }
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = 0; i < top_.size(); ++i) {
      if (i + kAhead < top_.size()) __builtin_prefetch(&nodes_[top_[i + kAhead]]);
      const std::uint32_t n = top_[i];
      if (!live(n)) {
        release(n);
        --stale_;
      } else if (r) {
        link(r->buckets[static_cast<std::size_t>(r->index(std::bit_cast<double>(nodes_[n].time)))],
             nodes_, n);
      } else {
        into_bottom(n);
      }
    }
    top_.clear();
  }

  void spawn(List l, double lo, double hi, std::size_t count) {
    Rung& r = rungs_[nrungs_++];
    r.init(lo, hi, count);
    for (std::uint32_t n = l.head; n != kNil;) {
      const std::uint32_t next = nodes_[n].next;
      if (live(n)) {
        link(r.buckets[static_cast<std::size_t>(r.index(std::bit_cast<double>(nodes_[n].time)))],
             nodes_, n);
      } else {
        release(n);
        --stale_;
      }
      n = next;
    }
  }

  void to_bottom(List l) {
    for (std::uint32_t n = l.head; n != kNil;) {
      const std::uint32_t next = nodes_[n].next;
      if (live(n)) {
        into_bottom(n);
      } else {
        release(n);
        --stale_;
      }
      n = next;
    }
  }

  // Moves a bucket into Bottom, or into a new rung when it is crowded. The bucket is small
  // or about to be split, so walking it twice stays in cache.
  void take(List l, bool may_spawn) {
    std::uint64_t lo = std::numeric_limits<std::uint64_t>::max(), hi = 0;
    std::size_t count = 0;
    for (std::uint32_t n = l.head; n != kNil; n = nodes_[n].next) {
      if (!live(n)) continue;
      lo = std::min(lo, nodes_[n].time);
      hi = std::max(hi, nodes_[n].time);
      ++count;
    }
    const double dlo = std::bit_cast<double>(lo), dhi = std::bit_cast<double>(hi);
    if (count > kSpawnThreshold && may_spawn && spannable(dlo, dhi, count)) {
      spawn(l, dlo, dhi, count);
    } else {
      to_bottom(l);
    }
  }

  std::vector<Node, HugePageAllocator<Node>> nodes_;
  std::uint32_t free_ = kNil;
  std::uint64_t next_seq_ = 1;
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> top_;  // node indices, unsorted
  std::uint64_t top_lo_ = std::numeric_limits<std::uint64_t>::max(), top_hi_ = 0;  // time bits
  std::size_t top_count_ = 0;  // nodes in Top, cancelled ones included
  double top_threshold_ = -1.0;  // times above it go to Top
  std::array<Rung, kMaxRungs> rungs_;
  std::size_t nrungs_ = 0;
  // For sizing rung 0 (refill_bottom): pushes below Top since the epoch began, the time of the
  // last event popped, and that time when the epoch began (time bits).
  std::size_t epoch_inserts_ = 0;
  std::uint64_t last_popped_ = 0, epoch_began_ = 0;
  detail::BottomKeys bottom_;  // keys of the next bucket's events; slot = node index
  SoonHint soon_ = nullptr;
  void* soon_context_ = nullptr;
  std::size_t live_ = 0;
  std::size_t stale_ = 0;  // cancelled nodes not yet met and freed
};

using EventQueue = LadderEventQueue;

}  // namespace tenure::core
