// Conferences (docs/model.md, "Conferences"): each manager meets prospects in proportion to
// hunting and own clients in proportion to farming; prospects convert by hunting skill,
// clients' relationships and value deepen.
//
// Event kConference (aux: the conference's index). Wins clients (Shared::activate); writes to
// accounts: satisfaction, loyalty, value (and the ledger's growth).
#pragma once

#include <algorithm>
#include <cmath>

#include "../state.hpp"

namespace tenure::model {

struct Conferences {
  Shared& s;
  explicit Conferences(Shared& shared) : s(shared) {}

  // Conferences from day `from` on (a fork schedules the ones after its day).
  void schedule(double from) {
    for (std::size_t i = 0; i < s.p.conferences.size(); ++i)
      if (s.p.conferences[i].start >= from)
        s.sim.schedule_at(s.p.conferences[i].start, EventSpec{kConference, 0, static_cast<std::uint32_t>(i)});
  }

  void on_conference(std::size_t idx) {
    const auto& p = s.p;
    auto& acc = s.acc;
    const ConferenceParams& c = p.conferences[idx];
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      Manager& m = s.managers[i];
      if (!m.active) continue;
      const double hunt = m.hunt_share();
      KeyedDraws d = s.draws(kManagerEntity + i, Purpose("conference"), idx);
      const auto met = static_cast<std::int64_t>(std::lround(static_cast<double>(c.prospects_met) * hunt));
      for (std::int64_t k = 0; k < met; ++k) {
        const std::uint32_t picked = s.pick_prospect(d);
        if (picked == kNone) break;
        if (d.uniform01() >= c.conversion * m.hunting) continue;
        const std::uint32_t t = s.take_prospect(picked);
        // A pooled prospect's value: keyed by (manager, conference, the k-th prospect met).
        KeyedDraws vd = s.value_draws(t, s.draws(kManagerEntity + i, Purpose("conference-value"),
                                                 (static_cast<std::uint64_t>(idx) << 32) + static_cast<std::uint64_t>(k)));
        s.activate(t, static_cast<std::int32_t>(i), Source::Event, Source::Event, s.draw_value(vd) * c.value_multiplier);
      }
      const auto clients = static_cast<std::int64_t>(std::lround(static_cast<double>(c.clients_met) * (1.0 - hunt)));
      s.prune_book(i);  // picks among the manager's clients
      m.value_known = false;
      for (std::int64_t k = 0; k < clients && !m.book.empty(); ++k) {
        const std::uint32_t a = m.book[std::min(m.book.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(m.book.size())))];
        if (!s.served(a)) continue;
        s.set_satisfaction(a, acc.rec[a].satisfaction + c.relationship_boost * m.farming);
        acc.rec[a].loyalty = static_cast<float>(std::min(p.service.loyalty_cap, acc.rec[a].loyalty + c.loyalty_boost));
        const double before = acc.rec[a].value;
        acc.rec[a].value *= 1.0 + 5 * p.service.deepening * m.farming;
        s.value_growth += acc.rec[a].value - before;
        s.log(a, "met at conference");
      }
    }
  }
};

}  // namespace tenure::model
