// A Simulation owns its clock, its pending-event set and its random streams; a model owns
// one Simulation beside its entities. Nothing is global, so simulations run side by side.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>
#include <limits>
#include <optional>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/core/event_batch.hpp"
#include "tenure/core/event_queue.hpp"
#include "tenure/core/random.hpp"
#include "tenure/core/signal.hpp"
#include "tenure/core/time.hpp"

namespace tenure::core {

class Simulation {
 public:
  Simulation() = default;
  Simulation(std::uint64_t seed, std::uint64_t replication) : streams_(seed, replication) {}

  Time now() const { return now_; }
  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending() const { return queue_.size() + batch_.size(); }

  // Scheduling in the past is an error: it would break causality silently.
  EventHandle schedule_at(Time t, const EventSpec& spec) {
    if (!(t >= now_)) [[unlikely]]
      refuse_past(t);
    return queue_.push(t, spec);
  }
  EventHandle schedule_in(Time delay, const EventSpec& spec) {
    if (!(delay >= 0.0)) throw Error("event delay must be >= 0, got " + fmt(delay));
    return queue_.push(now_ + delay, spec);
  }
  // A hint for each queued event a few events before it runs (LadderEventQueue::set_soon_hint):
  // for fetching ahead what it will touch. Changes no result.
  void set_soon_hint(EventQueue::SoonHint hint, void* context) { queue_.set_soon_hint(hint, context); }
  bool cancel(EventHandle h) { return queue_.cancel(h); }
  bool is_pending(EventHandle h) const { return queue_.is_pending(h); }
  // Moves a pending event to a new time, keeping what it says. The new handle replaces the old
  // one; the event takes a new sequence number, as if scheduled now.
  EventHandle reschedule(EventHandle h, Time t) {
    if (!queue_.is_pending(h)) throw Error("reschedule: the event is not pending");
    const EventSpec spec = queue_.spec_of(h);
    if (!(t >= now_)) throw Error("cannot reschedule to t=" + fmt(t) + ", before now=" + fmt(now_));
    queue_.cancel(h);
    return queue_.push(t, spec);
  }
  // Schedules many events at once, as if each were scheduled in turn in the order given, but
  // without a queue node each (see EventBatch): for a model's arrivals over a coming period.
  // Empties `items` (keeping its capacity, so a caller can reuse it).
  using BatchItem = EventBatch::Item;
  void schedule_batch(std::vector<BatchItem>& items) {
    if (items.empty()) return;
    // One pass checks every time and finds the range the sort needs.
    const auto schedulable = [this](Time t) { return (t >= now_) & (t <= std::numeric_limits<double>::max()); };
    double lo = items[0].time, hi = lo;
    bool all = true;
    for (const auto& it : items) {
      all &= schedulable(it.time);
      lo = it.time < lo ? it.time : lo;
      hi = it.time > hi ? it.time : hi;
    }
    if (!all) [[unlikely]]
      for (const auto& it : items)
        if (!schedulable(it.time))
          throw Error("cannot schedule an event at t=" + fmt(it.time) + ", before now=" + fmt(now_) + " or not finite");
    batch_.add(items, queue_.take_seqs(items.size()), lo, hi);
    items.clear();
  }
  // The target of the batched event k places after the next batched one, if any: lets a
  // handler fetch what upcoming events will touch. (Batched events only; a hint, not an order.)
  const std::uint32_t* batch_target_ahead(std::size_t k) const {
    const detail::Entry* e = batch_.ahead(k);
    return e ? &e->target : nullptr;
  }

  std::optional<Event> peek() const {
    if (from_batch()) return detail::SlotTable::materialize(batch_.top());
    return queue_.peek();
  }
  bool has_pending() const { return !queue_.empty() || !batch_.empty(); }
  // What the next event says (its priority left out), without copying the event: for a
  // handler that fetches ahead. Precondition: has_pending().
  EventSpec next_spec() const {
    if (from_batch()) {
      const detail::Entry& e = batch_.top();
      return EventSpec{e.kind, e.target, e.aux, 0};
    }
    return queue_.top_spec();
  }
  // Time of the next event. Precondition: has_pending().
  Time next_time() const { return from_batch() ? detail::time_of(batch_.top()) : queue_.next_time(); }

  // Runs the next event through handler(Simulation&, const Event&); false when none is left.
  template <class Handler>
  bool step(Handler&& handler) {
    return step_if([](Time) { return true; }, handler);
  }

  // Runs every event with time <= t, then sets the clock to t. Returns the number of events.
  template <class Handler>
  std::uint64_t run_until(Time t, Handler&& handler) {
    if (!(t >= now_)) throw Error("run_until(" + fmt(t) + ") is in the past: now=" + fmt(now_));
    const std::uint64_t before = processed_;
    while (step_if([t](Time x) { return x <= t; }, handler)) {
    }
    advance_to(t);
    return processed_ - before;
  }

  // Runs every event with time < t, then sets the clock to t: the state at the start of
  // instant t, before anything scheduled for it. Returns the number of events.
  template <class Handler>
  std::uint64_t run_before(Time t, Handler&& handler) {
    if (!(t >= now_)) throw Error("run_before(" + fmt(t) + ") is in the past: now=" + fmt(now_));
    const std::uint64_t before = processed_;
    while (step_if([t](Time x) { return x < t; }, handler)) {
    }
    advance_to(t);
    return processed_ - before;
  }

  const StreamFactory& streams() const { return streams_; }
  Stream stream(std::uint64_t entity, Purpose purpose) const { return streams_.stream(entity, purpose); }

  // Emitted whenever the clock moves forward: (old time, new time).
  Signal<Time, Time> time_advanced;

  const EventQueue& queue() const { return queue_; }

  // The whole kernel state, for snapshots: the clock, the count of events run, the streams'
  // key and every pending event with its handle's slot. Written field by field, so the same
  // state always gives the same bytes. Batched events are pending events like the others:
  // they are written after the queue's, with slots after its slots, and a restore puts them
  // in the queue (pop order depends only on the keys, so the run continues the same).
  //
  // Slots are written compacted (the k-th pending event in slot order gets slot k), so the
  // bytes do not depend on how the pool was laid out and a restore allocates only what is
  // pending. `handle()` translates a handle the model kept into the saved numbering.
  class SavedHandles {
   public:
    EventHandle handle(EventHandle h) const {
      if (!sim_->is_pending(h)) return {};
      const auto it = std::lower_bound(slots_.begin(), slots_.end(), h.slot);
      return {static_cast<std::uint32_t>(it - slots_.begin()), h.seq};
    }

   private:
    friend class Simulation;
    const Simulation* sim_ = nullptr;
    std::vector<std::uint32_t> slots_;
  };
  SavedHandles save(ByteWriter& w) const {
    w.raw("SIM1");
    w.pod(now_), w.pod(processed_), w.pod(streams_.seed()), w.pod(streams_.replication());
    QueueImage img = queue_.image();
    std::uint32_t slot = img.events.empty() ? 0 : img.events.back().slot + 1;
    for (const auto& e : batch_) img.events.push_back({slot++, detail::SlotTable::materialize(e)});
    SavedHandles handles;
    handles.sim_ = this;
    handles.slots_.reserve(img.events.size());
    w.pod(img.next_seq);
    w.pod<std::uint64_t>(img.events.size());
    for (const auto& pe : img.events) {
      w.pod(static_cast<std::uint32_t>(handles.slots_.size())), w.pod(pe.event.time), w.pod(pe.event.seq);
      w.pod(pe.event.spec.kind), w.pod(pe.event.spec.target), w.pod(pe.event.spec.aux), w.pod(pe.event.spec.priority);
      handles.slots_.push_back(pe.slot);
    }
    return handles;
  }
  // Restores a saved state; `edit` may change the pending events first (a fork that reschedules
  // what its new parameters change).
  template <class Edit>
  void load(ByteReader& r, Edit&& edit) {
    r.expect("SIM1");
    now_ = r.pod<Time>();
    processed_ = r.pod<std::uint64_t>();
    const auto seed = r.pod<std::uint64_t>();
    const auto rep = r.pod<std::uint64_t>();
    streams_ = StreamFactory(seed, rep);
    QueueImage img;
    img.next_seq = r.pod<std::uint64_t>();
    img.events.resize(r.count(r.remaining() / 30));
    for (auto& pe : img.events) {
      r.pod(pe.slot), r.pod(pe.event.time), r.pod(pe.event.seq);
      r.pod(pe.event.spec.kind), r.pod(pe.event.spec.target), r.pod(pe.event.spec.aux), r.pod(pe.event.spec.priority);
      if (!(pe.event.time >= now_)) r.fail("a pending event lies before the clock");
      if (pe.slot >= img.events.size()) r.fail("a pending event's slot is out of range");
    }
    edit(img);
    batch_.clear();
    queue_.restore(img);
  }
  void load(ByteReader& r) {
    load(r, [](QueueImage&) {});
  }

 private:
  // Runs the next event if there is one and its time passes `due`: the run loops' step, which
  // looks at the queue's and the batch's heads once per event.
  template <class Due, class Handler>
  bool step_if(Due due, Handler& handler) {
    Event ev;
    if (from_batch()) {
      if (!due(detail::time_of(batch_.top()))) return false;
      ev = detail::SlotTable::materialize(batch_.top());
      batch_.pop();
    } else if (!queue_.empty()) {
      if (!due(queue_.next_time())) return false;
      ev = queue_.pop();
    } else {
      return false;
    }
    advance_to(ev.time);
    ++processed_;
    handler(*this, ev);
    return true;
  }
  // Whether the next event is the batch's: ties cannot happen (sequence numbers are unique).
  bool from_batch() const {
    return !batch_.empty() && (queue_.empty() || detail::less(batch_.top(), queue_.top_key()));
  }
  void advance_to(Time t) {
    if (t > now_) {
      const Time old = now_;
      now_ = t;
      if (time_advanced.connected()) time_advanced.emit(old, t);
    }
  }
  static std::string fmt(Time t);
  // Out of line, so that building the message does not widen the frame of every push.
  [[noreturn, gnu::cold, gnu::noinline]] void refuse_past(Time t) const {
    throw Error("cannot schedule an event at t=" + fmt(t) + ", before now=" + fmt(now_));
  }

  Time now_ = 0.0;
  std::uint64_t processed_ = 0;
  EventQueue queue_;
  EventBatch batch_;
  StreamFactory streams_;
};

inline std::string Simulation::fmt(Time t) {
  std::string s = std::to_string(t);
  return s;
}

}  // namespace tenure::core
