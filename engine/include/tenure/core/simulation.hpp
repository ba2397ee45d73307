// A Simulation owns its clock, its pending-event set and its random streams; a model owns
// one Simulation beside its entities. Nothing is global, so simulations run side by side.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>
#include <optional>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
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
  std::size_t pending() const { return queue_.size(); }

  // Scheduling in the past is an error: it would break causality silently.
  EventHandle schedule_at(Time t, const EventSpec& spec) {
    if (!(t >= now_)) throw Error("cannot schedule an event at t=" + fmt(t) + ", before now=" + fmt(now_));
    return queue_.push(t, spec);
  }
  EventHandle schedule_in(Time delay, const EventSpec& spec) {
    if (!(delay >= 0.0)) throw Error("event delay must be >= 0, got " + fmt(delay));
    return queue_.push(now_ + delay, spec);
  }
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
  std::optional<Event> peek() const { return queue_.peek(); }

  // Runs the next event through handler(Simulation&, const Event&); false when none is left.
  template <class Handler>
  bool step(Handler&& handler) {
    if (queue_.empty()) return false;
    const Event ev = queue_.pop();
    advance_to(ev.time);
    ++processed_;
    handler(*this, ev);
    return true;
  }

  // Runs every event with time <= t, then sets the clock to t. Returns the number of events.
  template <class Handler>
  std::uint64_t run_until(Time t, Handler&& handler) {
    if (!(t >= now_)) throw Error("run_until(" + fmt(t) + ") is in the past: now=" + fmt(now_));
    const std::uint64_t before = processed_;
    while (!queue_.empty() && queue_.next_time() <= t) step(handler);
    advance_to(t);
    return processed_ - before;
  }

  // Runs every event with time < t, then sets the clock to t: the state at the start of
  // instant t, before anything scheduled for it. Returns the number of events.
  template <class Handler>
  std::uint64_t run_before(Time t, Handler&& handler) {
    if (!(t >= now_)) throw Error("run_before(" + fmt(t) + ") is in the past: now=" + fmt(now_));
    const std::uint64_t before = processed_;
    while (!queue_.empty() && queue_.next_time() < t) step(handler);
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
  // state always gives the same bytes.
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
    const QueueImage img = queue_.image();
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
    queue_.restore(img);
  }
  void load(ByteReader& r) {
    load(r, [](QueueImage&) {});
  }

 private:
  void advance_to(Time t) {
    if (t > now_) {
      const Time old = now_;
      now_ = t;
      if (time_advanced.connected()) time_advanced.emit(old, t);
    }
  }
  static std::string fmt(Time t);

  Time now_ = 0.0;
  std::uint64_t processed_ = 0;
  EventQueue queue_;
  StreamFactory streams_;
};

inline std::string Simulation::fmt(Time t) {
  std::string s = std::to_string(t);
  return s;
}

}  // namespace tenure::core
