// Quarter ends (docs/model.md, "Quarter end"): before each quarter end, managers who panic
// and are behind quota turn urgent (more hunting, fewer answers) and their books go dark;
// the quarter's close ends it.
//
// Events kUrgency and kQuarterEnd. Writes to managers: urgent, quarter_new; to accounts:
// satisfaction, causes. At the close, the records of clients who left are given back
// (Shared::release_records).
#pragma once

#include "../state.hpp"

namespace tenure::model {

struct Quarters {
  Shared& s;
  explicit Quarters(Shared& shared) : s(shared) {}

  void setup() {
    s.sim.schedule_at(cal::next_quarter_end(0) - s.p.organisation.urgency_window_days, EventSpec{kUrgency});
    s.sim.schedule_at(cal::next_quarter_end(0), EventSpec{kQuarterEnd, 0, 0, kPrioQuarter});
  }

  void on_urgency() {
    const auto& p = s.p;
    auto& acc = s.acc;
    s.decide_all(DecisionMoment::Urgency);
    for (auto& m : s.managers) {
      if (!m.active || !m.panics || !p.factor_on(Factor::QuarterEnd)) continue;
      if (m.quarter_new >= p.organisation.quota) continue;
      m.urgent = true;
      // Clients notice the change and go dark.
      const auto id = static_cast<std::int32_t>(&m - s.managers.data());
      s.each_listed(m.book, [&](std::uint32_t a) {
        if (!s.served(a) || acc.rec[a].owner != id) return;
        acc.rec[a].causes |= bit(Cause::QuarterEnd);
        s.set_satisfaction(a, acc.rec[a].satisfaction - m.pressure->go_dark_penalty());
      });
    }
    // This window belongs to the quarter ending at now + window; the next one to the quarter after.
    const double next = cal::next_quarter_end(s.now() + p.organisation.urgency_window_days + 1.0) -
                        p.organisation.urgency_window_days;
    if (next <= p.horizon_days) s.sim.schedule_at(next, EventSpec{kUrgency});
  }

  void on_quarter_end() {
    // Records of clients who left are given back here, four times a year: often enough that
    // records stay close to the clients, rarely enough that pruning the books costs little.
    if (s.reuse_records()) s.release_records();
    for (auto& m : s.managers) {
      m.urgent = false;
      m.quarter_new = 0;
    }
    s.decide_all(DecisionMoment::QuarterEnd);  // for the quarter ahead
    const double next = cal::next_quarter_end(s.now() + 1.0);
    if (next <= s.p.horizon_days) s.sim.schedule_at(next, EventSpec{kQuarterEnd, 0, 0, kPrioQuarter});
  }
};

}  // namespace tenure::model
