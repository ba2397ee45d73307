// Care, or farming (docs/model.md, "Farming"): each month a client is visited with a
// probability set by its manager's farming hours against the book; a visit finds silent
// problems, lifts satisfaction and loyalty and deepens value.
//
// A stage of the month's pass (world.cpp): begin_month() forms each manager's numbers once,
// client_month() runs for every client while the pass holds its record. Writes to accounts:
// satisfaction, silent, loyalty, value (and the ledger's growth).
#pragma once

#include <algorithm>
#include <vector>

#include "../state.hpp"

namespace tenure::model {

struct Care {
  Shared& s;
  explicit Care(Shared& shared) : s(shared) {}

  struct PassManager {
    // Check-in probability (and for an at-risk client, with the owner's leader's follow-up);
    // visit_boost x farming; 1 + deepening x farming.
    double visit_p[2] = {0, 0}, boost = 0, deepen = 1;
  };
  // One entry per manager, and one more, never visiting, for clients without a manager: the
  // visit is decided without a branch on the owner. On huge pages when large (the pass reads
  // it by owner, at random).
  std::vector<PassManager, core::HugePageAllocator<PassManager>> pass_managers;

  // The month's constants, held in locals by the pass (see world.cpp).
  struct Month {
    double scar_cap, loyalty_cap, loyalty_gain, at_risk;
    const PassManager* managers;
    std::size_t nobody;  // the entry of clients without a manager
  };

  // Visit probability per manager: farming hours over the hours the book would need.
  Month begin_month(double dt) {
    const auto& p = s.p;
    pass_managers.assign(s.managers.size() + 1, PassManager{});
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      Manager& m = s.managers[i];
      m.value_known = false;  // visits deepen values
      PassManager& pm = pass_managers[i];
      pm.boost = p.service.visit_boost * m.farming;
      pm.deepen = 1.0 + p.service.deepening * m.farming;
      if (!m.active || m.owned <= 0) continue;
      const double hours = m.farm_hours_per_day(s.now()) * dt;
      pm.visit_p[0] = std::min(1.0, hours / (static_cast<double>(m.owned) * p.service.visit_hours));
      // An at-risk client is also followed up by the owner's leader (Careers::team_effects).
      pm.visit_p[1] = 1.0 - (1.0 - pm.visit_p[0]) * (1.0 - m.follow_up);
    }
    return {p.accounts.scar_cap, p.service.loyalty_cap, p.service.loyalty_gain, p.organisation.at_risk_satisfaction,
            pass_managers.data(), pass_managers.size() - 1};
  }

  // A client's entry in the month's table: its owner's, or the entry of clients without one.
  [[gnu::always_inline]] static inline std::size_t owner_entry(const Account& x, const Month& k) {
    return x.owner >= 0 ? static_cast<std::size_t>(x.owner) : k.nobody;
  }

  // Whether the manager visits is a coin flip the processor cannot predict: both outcomes are
  // computed and the right one kept, without a branch. `growth` sums the value added.
  [[gnu::always_inline]] static inline void client_month(Account& x, double u_visit, const Month& k, double& growth) {
    const PassManager& pm = k.managers[owner_entry(x, k)];
    const bool visit = !(x.flags & kNoContact) && u_visit < pm.visit_p[x.satisfaction < k.at_risk];
    // Each field's two outcomes in a pair indexed by the decision: compilers keep a select
    // as a branch, but not an indexed load.
    const double ceiling = std::max(0.0, 10.0 - k.scar_cap * x.scars);
    const float visited = static_cast<float>(std::clamp(x.satisfaction + pm.boost, 0.0, ceiling));
    const float unseen = x.silent > 0 ? static_cast<float>(std::clamp(x.satisfaction - 0.1 * x.silent, 0.0, ceiling))
                                      : x.satisfaction;
    const float satisfaction[2] = {unseen, visited};
    const float silent[2] = {x.silent, 0.0f};
    const float loyalty[2] = {x.loyalty, static_cast<float>(std::min(k.loyalty_cap, x.loyalty + k.loyalty_gain))};
    const double deepen[2] = {1.0, pm.deepen};
    x.satisfaction = satisfaction[visit];
    x.silent = silent[visit];
    x.loyalty = loyalty[visit];
    const double before = x.value;
    x.value = before * deepen[visit];  // x 1 exactly when not visited
    growth += x.value - before;          // + 0 then: growth is never -0, so it is unchanged
  }
};

}  // namespace tenure::model
