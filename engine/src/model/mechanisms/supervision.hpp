// Supervision (docs/model.md, "Supervision"): every interval a checkpoint flags clients (low
// satisfaction, under notice, scarred and below expectation) and coaches their manager,
// reassigns them to the best farmer or escalates to a recovery meeting; a client under
// notice may be won back. A client following a departed manager (Careers::depart) is
// escalated, not coached, and one won back is handed to a manager at the leaver's level.
//
// Event kSupervision. Writes to managers: coached_until; to accounts: state (won back),
// satisfaction, expectation, silent, and the owner through Shared::reassign.
#pragma once

#include <algorithm>
#include <cmath>

#include "../state.hpp"

namespace tenure::model {

struct Supervision {
  Shared& s;
  explicit Supervision(Shared& shared) : s(shared) {}

  // The first checkpoint, one interval into the run, if enabled.
  void schedule_first() {
    if (s.p.supervision.enabled) s.sim.schedule_at(s.p.supervision.interval_days, EventSpec{kSupervision});
  }
  // The next checkpoint of the cycle after day `day` (a fork resumes it), if enabled.
  void schedule_after(double day) {
    const SupervisionParams& v = s.p.supervision;
    if (!v.enabled) return;
    const double next = std::max(1.0, std::ceil(day / v.interval_days)) * v.interval_days;
    if (next <= s.p.horizon_days) s.sim.schedule_at(next, EventSpec{kSupervision});
  }

  // Escalation: a recovery meeting, which also raises what the client expects.
  void escalate(std::uint32_t a) {
    auto& x = s.acc.rec[a];
    s.set_satisfaction(a, x.satisfaction + s.p.supervision.recovery_boost);
    x.expectation = static_cast<float>(std::min(10.0, x.expectation + s.p.supervision.expectation_raise));
    x.silent = 0;
  }

  void on_supervision() {
    auto& acc = s.acc;
    auto& managers = s.managers;
    const SupervisionParams& v = s.p.supervision;
    s.sync_served();
    for (std::size_t k = 0, n = s.served_ids.size(); k < n; ++k) {
      const std::uint32_t a = s.served_ids[k];
      if (!s.served(a)) continue;
      const bool flagged = acc.rec[a].satisfaction < v.satisfaction_threshold || acc.rec[a].state == State::Notice ||
                           (acc.rec[a].scars > 0 && acc.rec[a].satisfaction < s.p.accounts.expectation);
      if (!flagged) continue;
      const std::int32_t owner = acc.rec[a].owner;
      if (v.action == SupervisionAction::Coach && owner >= 0) {
        // A departed owner is coached no more; the client is escalated instead.
        if (const std::int32_t who = s.serving(a); who >= 0) managers[static_cast<std::size_t>(who)].coached_until = s.now() + v.coach_days;
        else escalate(a);
      } else if (v.action == SupervisionAction::Reassign && owner >= 0) {
        std::int32_t best = -1;
        for (std::size_t i = 0; i < managers.size(); ++i)
          if (managers[i].active && static_cast<std::int32_t>(i) != owner &&
              (best < 0 || managers[i].farming * managers[i].answer_p >
                               managers[static_cast<std::size_t>(best)].farming * managers[static_cast<std::size_t>(best)].answer_p))
            best = static_cast<std::int32_t>(i);
        if (best >= 0) s.reassign(a, best);
      } else {
        escalate(a);
      }
      // A notice is fought once: the first checkpoint that sees it decides, with the notice's
      // own draw (a chance per checkpoint would win back nearly every notice over its months).
      if (acc.rec[a].state == State::Notice && !(acc.rec[a].flags & kSaveTried)) {
        acc.rec[a].flags |= kSaveTried;
        KeyedDraws d = s.account_draws(a, Purpose("save"), acc.rec[a].notices);
        if (d.uniform01() < v.save_probability) {
          acc.rec[a].state = State::Active;
          s.log(a, "won back by supervision");
          // Won back from following a departed manager: handed to a manager at their level.
          if (const std::int32_t o = acc.rec[a].owner; o >= 0 && !managers[static_cast<std::size_t>(o)].active)
            s.reassign(a, s.least_loaded(managers[static_cast<std::size_t>(o)].level));
        }
      }
    }
    if (s.now() + v.interval_days <= s.p.horizon_days) s.sim.schedule_in(v.interval_days, EventSpec{kSupervision});
  }
};

}  // namespace tenure::model
