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

  // The effect of the regime and of the shocks running now.
  void update() {
    const auto& p = s.p;
    MarketNow& m = s.market;
    const Regime& r = p.market.regimes[m.regime];
    double shock = 0;
    for (const auto& x : p.market.shocks)
      if (s.now() >= x.start && s.now() < x.start + x.duration) shock = std::max(shock, x.severity);
    const bool market_on = p.factor_on(Factor::Market);
    m.stress = market_on ? r.stress + shock : 0.0;
    m.demand_mult = market_on ? r.demand * (1.0 + shock) : 1.0;
    m.acquisition_mult = market_on ? r.acquisition * (1.0 - 0.7 * shock) : 1.0;
    m.competitor = p.factor_on(Factor::Competitor) ? r.competitor + 0.5 * shock : 0.0;
  }

  // The month's step (the month counter already advanced): the draw is keyed by the month,
  // whatever else happened.
  void next_month() {
    core::Stream st(core::StreamKey{s.seed, s.rep, kGlobalEntity, Purpose("market").id + static_cast<std::uint64_t>(s.month)});
    s.market.regime = model->next(s.market.regime, s.p.market.transition, st);
    update();
  }
};

}  // namespace tenure::model
