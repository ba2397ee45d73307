// Job moves (docs/model.md, "Job moves"): a client's contact person changes employer; the
// manager-owned loyalty leaves with them, and a satisfied contact may bring the new employer
// to the manager who served them (a warm lead, reported as outreach).
//
// A stage of the month's pass (client_month), for active clients that did not give notice.
// Writes to accounts: loyalty, satisfaction; wins clients (Shared::activate).
#pragma once

#include <cmath>

#include "../state.hpp"

namespace tenure::model {

struct JobMoves {
  Shared& s;
  explicit JobMoves(Shared& shared) : s(shared) {}

  struct Month {
    double p_job;  // the chance a contact moves this month
  };
  Month begin_month(double dt) const { return {1.0 - std::exp(-s.p.acquisition.job_move_rate * dt)}; }

  // `d`: the client's month draws (MonthDraw::JobMove).
  [[gnu::always_inline]] inline void client_month(std::uint32_t a, KeyedDraws d, const Month& k) {
    if (k.p_job > 0 && at(d, MonthDraw::JobMove).uniform01() < k.p_job) move(a);
  }

  void move(std::uint32_t a) {
    auto& acc = s.acc;
    const auto& p = s.p;
    const double sat = acc.rec[a].satisfaction;
    const std::int32_t owner = acc.rec[a].owner;
    s.log(a, "contact moved");
    // The relationship was with the person: the manager-owned loyalty leaves with them.
    acc.rec[a].loyalty = static_cast<float>(p.accounts.manager_loyalty_initial);
    s.set_satisfaction(a, sat + 0.5 * (acc.rec[a].expectation - sat));
    if (sat < p.acquisition.warm_lead_threshold || owner < 0 || !s.managers[static_cast<std::size_t>(owner)].active)
      return;
    // A satisfied contact brings the new employer to the manager who served them. These draws
    // are the move's own, keyed by (client, "job-move", month): taking them from the month's
    // key would reuse the positions of the client's request candidates.
    KeyedDraws jd = s.account_draws(a, Purpose("job-move"), static_cast<std::uint64_t>(s.month));
    const std::uint32_t picked = s.pick_prospect(jd);
    if (picked == kNone || jd.uniform01() >= p.acquisition.warm_lead_conversion) return;
    const std::uint32_t target = s.take_prospect(picked);
    KeyedDraws vd = s.value_draws(target, jd);
    const double v = s.draw_value(vd) * p.acquisition.warm_lead_value_multiplier;
    // The organisation reports the deal as a close by outreach; the true source is the move.
    // Not a referral: the contact is the manager's, and no client stays behind vouching.
    s.activate(target, owner, Source::JobMove, Source::Outreach, v);
  }
};

}  // namespace tenure::model
