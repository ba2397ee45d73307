// The market (docs/model.md, "Market"): a regime chain, stepped once a month by the market
// model, and shocks; together they set stress and the competitor (churn), demand (requests)
// and the acquisition multiplier.
//
// Owns: the market model. Writes: Shared::market.
#pragma once

#include <algorithm>
#include <memory>

#include "../state.hpp"

namespace tenure::model {

struct Market {
  Shared& s;
  explicit Market(Shared& shared) : s(shared) {}

  std::unique_ptr<MarketModel> model;

  void equip() { model = market_models().create(s.p.market.model.name, s.p.market.model.params); }
  void setup() {
    s.market.regime = static_cast<std::size_t>(s.p.market.initial_regime);
    update();
  }

  // What the market does in `regime` now: its effect with the shocks running now.
  MarketNow effect(std::size_t regime) const {
    const auto& p = s.p;
    const Regime& r = p.market.regimes[regime];
    double shock = 0;
    for (const auto& x : p.market.shocks)
      if (s.now() >= x.start && s.now() < x.start + x.duration) shock = std::max(shock, x.severity);
    const bool market_on = p.factor_on(Factor::Market);
    MarketNow m;
    m.regime = regime;
    m.stress = market_on ? r.stress + shock : 0.0;
    m.demand_mult = market_on ? r.demand * (1.0 + shock) : 1.0;
    m.acquisition_mult = market_on ? r.acquisition * (1.0 - 0.7 * shock) : 1.0;
    m.competitor = p.factor_on(Factor::Competitor) ? r.competitor + 0.5 * shock : 0.0;
    return m;
  }
  void update() { s.market = effect(s.market.regime); }

  // The month's step, in two halves. At a month's end the month ahead's market is drawn first
  // (keyed by the number of the month it starts, whatever else happened), since the month's
  // pass draws that month's request candidates at its demand (Requests::month_bound); the
  // month's own work still sees the month that ends, and `enter` makes the new one current
  // when the month's end is done. The market changes at month ends only, so the demand is
  // the same all through a month.
  MarketNow ahead() const {
    core::Stream st(core::StreamKey{s.seed, s.rep, kGlobalEntity, Purpose("market").id + static_cast<std::uint64_t>(s.month + 1)});
    return effect(model->next(s.market.regime, s.p.market.transition, st));
  }
  void enter(const MarketNow& m) { s.market = m; }
};

}  // namespace tenure::model
