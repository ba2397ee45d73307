// Acquisition and word of mouth (docs/model.md, "Acquisition"): prospects enter the market;
// each converts at a hazard made of the hunters' outreach and the promoters' word of mouth,
// damped by detractors; a deal goes to a hunter in proportion to effort or to the referring
// promoter's manager. An urgent manager's deal may be rushed.
//
// Owns: the people network and, on the complete graph, the pool's clock (the gap to the next
// conversion). Runs once a month after the pass (month()). Wins clients (Shared::activate).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>


#include "../state.hpp"

namespace tenure::model {

struct Acquisition {
  Shared& s;
  explicit Acquisition(Shared& shared) : s(shared) {}

  Network network;

  // The network of the `people` at the start; on the complete graph prospects are then pooled
  // (Shared::pooled), and the first gap of the pool's clock is drawn.
  void setup(std::size_t people) {
    core::Stream net_rng = s.sim.stream(kGlobalEntity, Purpose("network"));
    network = network_generators()
                  .create(s.p.network.generator.name, s.p.network.generator.params)
                  ->generate(people, net_rng);
    s.pooled = network.complete;
    conversions = 0;
    gap_left = gap(0);
  }

  // New prospects, then conversions. The tally of the month's pass (promoters, detractors)
  // is the word of mouth.
  void month(double dt) {
    const auto& p = s.p;
    auto& acc = s.acc;
    const auto mu = static_cast<std::uint64_t>(s.month);
    const AcquisitionParams& q = p.acquisition;
    // New prospects enter the market.
    if (p.accounts.prospect_arrival_rate > 0) {
      core::Stream g(core::StreamKey{s.seed, s.rep, kGlobalEntity, Purpose("prospect-arrivals").id + mu});
      const std::int64_t k = core::poisson(g, p.accounts.prospect_arrival_rate * dt);
      if (!s.pooled)
        for (std::int64_t i = 0; i < k; ++i) acc.add();
      s.n_prospects += k;
      s.arrivals_total += k;
    }
    s.count_rest();  // clients won by job moves during the pass
    const std::int64_t population = s.n_prospects + s.tally.clients;
    if (s.n_prospects <= 0 || population == 0) return;
    weigh_voices();
    // Clients who left unhappy still talk, until their voice ends.
    std::erase_if(s.ex_detractors, [&](const auto& e) { return e.first <= s.now(); });
    double ex_voice = 0;
    for (const auto& e : s.ex_detractors) ex_voice += q.influence != 0 ? voice(e.second) / mean_voice : 1.0;
    if (network.complete) {
      // Shares of the population: promoters and detractors, each counted by its voice.
      const double pop = static_cast<double>(population);
      const bool weighted = q.influence != 0;
      const double pos = weighted ? promoter_total / mean_voice / pop : static_cast<double>(s.month_promoters.size()) / pop;
      const double neg = ((weighted ? detractor_total / mean_voice : static_cast<double>(s.tally.detractors)) + ex_voice) / pop;
      acquire_complete(dt, pos, neg, s.month_promoters);
      return;
    }
    // Sparse network: each prospect hears only its neighbours, so hazards differ.
    std::vector<double> effort;
    const double total_effort = hunting_effort(effort);
    const double outreach_h = q.outreach_rate * total_effort / static_cast<double>(s.n_prospects) * s.market.acquisition_mult;
    std::vector<std::uint32_t> listed;
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (acc.rec[a].state == State::Prospect) listed.push_back(a);
    for (std::uint32_t a : listed) {
      if (acc.rec[a].state != State::Prospect) continue;
      double pos = 0, neg = 0;
      if (auto nb = network.neighbours(a); !nb.empty()) {
        double wp = 0, wn = 0;  // voices, in units of the mean client's (one each without influence)
        for (auto b : nb) {
          if (!s.served(b)) continue;
          const bool promotes = acc.rec[b].satisfaction >= p.service.promoter_threshold;
          const bool detracts = acc.rec[b].satisfaction <= p.service.detractor_threshold;
          if (promotes || detracts) (promotes ? wp : wn) += q.influence != 0 ? voice(acc.rec[b]) / mean_voice : 1.0;
        }
        pos = wp / static_cast<double>(nb.size());
        neg = wn / static_cast<double>(nb.size());
      }
      // Negative word of mouth hits acquisition harder than retention (East et al. 2008).
      const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
      const double h_out = outreach_h * damp;
      const double h = h_out + q.bass_q * s.market.acquisition_mult * pos * damp;
      if (h <= 0) continue;
      KeyedDraws d = s.account_draws(a, Purpose("acquire"), mu);
      if (d.uniform01() >= 1.0 - std::exp(-h * dt)) continue;
      convert(a, d, s.account_draws(a, Purpose("value"), 0), h_out, h, effort, total_effort, s.month_promoters, dt);
    }
  }

  // A prospect becomes a client: by outreach (a hunter, in proportion to effort) or by word
  // of mouth (a referral from a promoter; a neighbour when the network is sparse). `d`: the
  // conversion's draws; `vd`: its value's.
  void convert(std::uint32_t a, KeyedDraws& d, KeyedDraws vd, double h_out, double h, const std::vector<double>& effort,
               double total_effort, const std::vector<std::uint32_t>& promoters, double dt) {
    auto& acc = s.acc;
    auto& managers = s.managers;
    const auto& p = s.p;
    double v = s.draw_value(vd);
    if (d.uniform01() * h < h_out && total_effort > 0) {
      // Which hunter closed it, in proportion to effort: `effort` holds running totals.
      const double u = d.uniform01() * total_effort;
      std::size_t m = static_cast<std::size_t>(std::upper_bound(effort.begin(), effort.end(), u) - effort.begin());
      if (m >= managers.size()) m = managers.size() - 1;
      while (!managers[m].active) m = (m + 1) % managers.size();
      // Deals are booked at month end; the part of the month under pressure is rushed.
      const bool rushed = managers[m].urgent && d.uniform01() < std::min(1.0, p.organisation.urgency_window_days / dt);
      s.activate(a, static_cast<std::int32_t>(m), Source::Outreach, Source::Outreach, v);
      if (rushed) {
        // The price given away is revenue: the discount on a year of the deal's revenue
        // (Larkin 2014: 6-8% of the revenue the timing games touch), booked in the month.
        s.cur.discounts += managers[m].pressure->rush_discount() * p.accounts.margin * v;
        acc.rec[a].flags |= kRushed;
        s.set_satisfaction(a, acc.rec[a].satisfaction - managers[m].pressure->rush_fit_penalty());
      }
      return;
    }
    // The referrer: a promoter drawn in proportion to its voice (all alike without influence).
    std::uint32_t referrer = kNone;
    if (network.complete) {
      if (!promoter_voice.empty() && promoter_voice.back() > 0) {
        const double u = d.uniform01() * promoter_voice.back();
        const auto i = static_cast<std::size_t>(std::upper_bound(promoter_voice.begin(), promoter_voice.end(), u) - promoter_voice.begin());
        referrer = promoters[std::min(i, promoters.size() - 1)];
      } else if (!promoters.empty()) {
        referrer = promoters[std::min(promoters.size() - 1,
                                      static_cast<std::size_t>(d.uniform01() * static_cast<double>(promoters.size())))];
      }
    } else {
      std::vector<std::uint32_t> cand;
      std::vector<double> cum;
      for (auto b : network.neighbours(a))
        if (s.served(b) && acc.rec[b].satisfaction >= p.service.promoter_threshold) {
          cand.push_back(b);
          if (p.acquisition.influence != 0) cum.push_back((cum.empty() ? 0.0 : cum.back()) + voice(acc.rec[b]));
        }
      if (!cum.empty() && cum.back() > 0) {
        const double u = d.uniform01() * cum.back();
        const auto i = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
        referrer = cand[std::min(i, cand.size() - 1)];
      } else if (!cand.empty()) {
        referrer = cand[std::min(cand.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(cand.size())))];
      }
    }
    std::int32_t owner = referrer == kNone ? -1 : acc.rec[referrer].owner;
    if (owner >= 0 && !managers[static_cast<std::size_t>(owner)].active) owner = -1;
    if (owner < 0) owner = s.least_loaded(0);
    v *= p.acquisition.referral_value_multiplier;
    const Source src = referrer == kNone ? Source::WordOfMouth : Source::Referral;
    s.activate(a, owner, src, src, v);
    if (referrer != kNone) s.refer(a, referrer);
    if (referrer != kNone && owner == acc.rec[referrer].owner) ++managers[static_cast<std::size_t>(owner)].row.referrals;
  }

  // On the complete graph every prospect has the same hazard h(t), and a prospect that has not
  // converted yet still has, the exponential being memoryless, an Exp(1) threshold ahead of the
  // cumulative hazard: the pool of n prospects converts at rate n h(t). So the pool keeps one
  // clock, the integral of n h dt, and the k-th conversion comes when it has run the k-th Exp(1)
  // gap since the one before. Exact for a hazard and a pool that change at any time (prospects
  // arrive, other channels take some); no record or threshold per prospect: only the prospects
  // won get a record (Shared::take_prospect). The k-th conversion's draws are keyed by k.
  std::uint64_t conversions = 0;  // won by the hazard so far: the index of the next gap
  double gap_left = 0;            // of the current gap, on the pool's clock
  double gap(std::uint64_t k) const { return -std::log(s.global(Purpose("acquire-gap"), k).uniform_open0()); }

  void acquire_complete(double dt, double pos, double neg, const std::vector<std::uint32_t>& promoters) {
    auto& acc = s.acc;
    const AcquisitionParams& q = s.p.acquisition;
    std::vector<double> effort;
    const double total_effort = hunting_effort(effort);
    const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
    const double h_out = q.outreach_rate * total_effort / static_cast<double>(s.n_prospects) * s.market.acquisition_mult * damp;
    const double h_wom = q.bass_q * s.market.acquisition_mult * pos * damp;
    double h = h_out + h_wom;
    // Word of mouth in continuous time: the shared hazard rises at each conversion that adds a
    // promoter, so the month is walked from one conversion to the next (Bass's closed form, not
    // a month's lag behind it). What a new promoter adds: its voice over the population.
    const double per_voice = q.bass_q * s.market.acquisition_mult * damp /
                             static_cast<double>(s.n_prospects + s.tally.clients);
    double left = dt;  // days of the month still to walk
    while (h > 0 && left > 0 && s.n_prospects > 0) {
      const double rate = h * static_cast<double>(s.n_prospects);  // the pool's clock, per day
      if (gap_left >= rate * left) {
        gap_left -= rate * left;
        break;
      }
      left = std::max(0.0, left - gap_left / rate);
      const std::uint64_t k = conversions++;
      gap_left = gap(conversions);
      const std::uint32_t a = s.take_prospect(Shared::kPooled);
      KeyedDraws d = s.global(Purpose("acquire"), k);
      convert(a, d, s.global(Purpose("acquire-value"), k), h_out, h, effort, total_effort, promoters, dt);
      if (s.served(a) && acc.rec[a].satisfaction >= s.p.service.promoter_threshold)
        h += per_voice * (q.influence != 0 ? voice(acc.rec[a]) / mean_voice : 1.0);
    }
  }

  // Influential clients: a client's voice is (value)^influence, in units of the mean client's,
  // so that without influence each client is one voice and with influence 1 a client worth
  // ten times the mean speaks for ten.
  double voice(double value) const { return std::pow(std::max(value, 0.0), s.p.acquisition.influence); }
  double voice(const Account& x) const { return voice(x.value); }
  double mean_voice = 1, promoter_total = 0, detractor_total = 0;
  std::vector<double> promoter_voice;  // running totals over the month's promoters (with influence)
  // The month's voices, from the clients as the month closes: only with influence.
  void weigh_voices() {
    promoter_voice.clear();
    mean_voice = 1, promoter_total = 0, detractor_total = 0;
    if (s.p.acquisition.influence == 0) return;
    double total = 0;
    std::int64_t n = 0;
    for (const std::uint32_t a : s.served_ids)
      if (s.served(a)) {
        const Account& x = s.acc.rec[a];
        const double w = voice(x);
        total += w, ++n;
        if (x.satisfaction <= s.p.service.detractor_threshold) detractor_total += w;
      }
    if (n == 0 || total <= 0) return;
    mean_voice = total / static_cast<double>(n);
    for (const std::uint32_t a : s.month_promoters) {
      promoter_total += voice(s.acc.rec[a]);
      promoter_voice.push_back(promoter_total);
    }
  }

  // Running totals of hunting effort (hunt share x hours x skill) over managers, for a
  // binary search by effort; returns the total.
  double hunting_effort(std::vector<double>& cumulative) const {
    cumulative.assign(s.managers.size(), 0.0);
    double total = 0;
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      const Manager& m = s.managers[i];
      if (m.active) total += m.hunt_share() * m.selling_hours() / 40.0 * m.hunting;
      cumulative[i] = total;
    }
    return total;
  }
};

}  // namespace tenure::model
