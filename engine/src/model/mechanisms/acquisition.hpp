// Acquisition and word of mouth (docs/model.md, "Acquisition"): prospects enter the market;
// each converts at a hazard made of the hunters' outreach and the promoters' word of mouth,
// damped by detractors; a deal goes to a hunter in proportion to effort or to the referring
// promoter's manager. An urgent manager's deal may be rushed.
//
// Owns: the people network, the complete graph's cumulative hazard and prospects'
// thresholds. Runs once a month after the pass (month()). Wins clients (Shared::activate).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <boost/random/poisson_distribution.hpp>

#include "../state.hpp"

namespace tenure::model {

struct Acquisition {
  Shared& s;
  explicit Acquisition(Shared& shared) : s(shared) {}

  Network network;

  void setup(std::size_t people) {
    core::Stream net_rng = s.sim.stream(kGlobalEntity, Purpose("network"));
    network = network_generators()
                  .create(s.p.network.generator.name, s.p.network.generator.params)
                  ->generate(people, net_rng);
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
      boost::random::poisson_distribution<std::int64_t, double> arrivals(p.accounts.prospect_arrival_rate * dt);
      const std::int64_t k = arrivals(g);
      for (std::int64_t i = 0; i < k; ++i) acc.add();
      s.n_prospects += k;
      s.arrivals_total += k;
    }
    s.count_rest();  // clients won by job moves during the pass
    const std::int64_t detractors = s.tally.detractors, population = s.n_prospects + s.tally.clients;
    if (s.n_prospects <= 0 || population == 0) return;
    if (network.complete) {
      acquire_complete(dt, static_cast<double>(s.month_promoters.size()) / static_cast<double>(population),
                       static_cast<double>(detractors) / static_cast<double>(population), s.month_promoters);
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
        std::size_t np = 0, nn = 0;
        for (auto b : nb) {
          if (!s.served(b)) continue;
          np += acc.rec[b].satisfaction >= p.service.promoter_threshold;
          nn += acc.rec[b].satisfaction <= p.service.detractor_threshold;
        }
        pos = static_cast<double>(np) / static_cast<double>(nb.size());
        neg = static_cast<double>(nn) / static_cast<double>(nb.size());
      }
      // Negative word of mouth hits acquisition harder than retention (East et al. 2008).
      const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
      const double h_out = outreach_h * damp;
      const double h = h_out + q.bass_q * s.market.acquisition_mult * pos * damp;
      if (h <= 0) continue;
      KeyedDraws d = s.draws(a, Purpose("acquire"), mu);
      if (d.uniform01() >= 1.0 - std::exp(-h * dt)) continue;
      convert(a, d, h_out, h, effort, total_effort, s.month_promoters, dt);
    }
  }

  // A prospect becomes a client: by outreach (a hunter, in proportion to effort) or by word
  // of mouth (a referral from a promoter; a neighbour when the network is sparse).
  void convert(std::uint32_t a, KeyedDraws& d, double h_out, double h, const std::vector<double>& effort,
               double total_effort, const std::vector<std::uint32_t>& promoters, double dt) {
    auto& acc = s.acc;
    auto& managers = s.managers;
    const auto& p = s.p;
    KeyedDraws vd = s.draws(a, Purpose("value"), 0);
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
    std::uint32_t referrer = kNone;
    if (network.complete) {
      if (!promoters.empty())
        referrer = promoters[std::min(promoters.size() - 1,
                                      static_cast<std::size_t>(d.uniform01() * static_cast<double>(promoters.size())))];
    } else {
      std::vector<std::uint32_t> cand;
      for (auto b : network.neighbours(a))
        if (s.served(b) && acc.rec[b].satisfaction >= p.service.promoter_threshold) cand.push_back(b);
      if (!cand.empty())
        referrer = cand[std::min(cand.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(cand.size())))];
    }
    std::int32_t owner = referrer == kNone ? -1 : acc.rec[referrer].owner;
    if (owner >= 0 && !managers[static_cast<std::size_t>(owner)].active) owner = -1;
    if (owner < 0) owner = s.least_loaded(0);
    v *= p.acquisition.referral_value_multiplier;
    const Source src = referrer == kNone ? Source::WordOfMouth : Source::Referral;
    s.activate(a, owner, src, src, v);
    acc.rec[a].flags |= kReferred;
    if (referrer != kNone && owner == acc.rec[referrer].owner) ++managers[static_cast<std::size_t>(owner)].row.referrals;
  }

  // On a complete graph every prospect has the same hazard h(t). A prospect converts when
  // the shared cumulative hazard H passes its own Exp(1) threshold, drawn once: exact for a
  // hazard that changes month to month, and only the converting prospects are touched.
  //
  // Most prospects' thresholds are never reached within a run, so only those up to a cap a
  // little above H wait in a min-heap (small: it stays in cache); the rest wait unsorted and
  // join the heap when H comes near. Pops are in threshold order either way.
  double cumulative_hazard = 0;
  using Threshold = std::pair<double, std::uint32_t>;
  std::vector<Threshold> thresholds;      // min-heap by threshold: those <= near_cap
  std::vector<Threshold> far_thresholds;  // the others, unsorted
  double near_cap = -std::numeric_limits<double>::infinity();
  std::uint32_t thresholds_known = 0;  // accounts below this id have a threshold
  static bool later(const Threshold& x, const Threshold& y) { return x.first > y.first; }
  void add_threshold(const Threshold& x) {
    if (x.first <= near_cap) {
      thresholds.push_back(x);
      std::push_heap(thresholds.begin(), thresholds.end(), later);
    } else {
      far_thresholds.push_back(x);
    }
  }
  void raise_cap(double cap) {
    near_cap = cap;
    std::size_t kept = 0;
    for (const auto& x : far_thresholds) {
      if (x.first <= cap) {
        thresholds.push_back(x);
        std::push_heap(thresholds.begin(), thresholds.end(), later);
      } else {
        far_thresholds[kept++] = x;
      }
    }
    far_thresholds.resize(kept);
  }
  // Every threshold, in (threshold, account) order: what a snapshot saves (one state, one byte
  // string, whatever the split).
  std::vector<Threshold> all_thresholds() const {
    std::vector<Threshold> v(thresholds);
    v.insert(v.end(), far_thresholds.begin(), far_thresholds.end());
    std::sort(v.begin(), v.end());
    return v;
  }
  // After a restore: every threshold waits apart until the next month's cap.
  void restore_thresholds(std::vector<Threshold> all) {
    thresholds.clear();
    near_cap = -std::numeric_limits<double>::infinity();
    far_thresholds = std::move(all);
  }

  void acquire_complete(double dt, double pos, double neg, const std::vector<std::uint32_t>& promoters) {
    auto& acc = s.acc;
    const AcquisitionParams& q = s.p.acquisition;
    for (; thresholds_known < acc.size(); ++thresholds_known) {
      const std::uint32_t a = thresholds_known;
      if (acc.rec[a].state != State::Prospect) continue;
      KeyedDraws d = s.draws(a, Purpose("acquire-threshold"), 0);
      add_threshold({cumulative_hazard - std::log(d.uniform_open0()), a});
    }
    std::vector<double> effort;
    const double total_effort = hunting_effort(effort);
    const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
    const double h_out = q.outreach_rate * total_effort / static_cast<double>(s.n_prospects) * s.market.acquisition_mult * damp;
    const double h_wom = q.bass_q * s.market.acquisition_mult * pos * damp;
    const double h = h_out + h_wom;
    cumulative_hazard += h * dt;
    // The heap must hold every threshold up to H: raise the cap, with room for a few months.
    if (cumulative_hazard > near_cap) raise_cap(cumulative_hazard + std::max(0.05, 4.0 * h * dt));
    const auto mu = static_cast<std::uint64_t>(s.month);
    while (!thresholds.empty() && thresholds.front().first <= cumulative_hazard) {
      std::pop_heap(thresholds.begin(), thresholds.end(), later);
      const std::uint32_t a = thresholds.back().second;
      thresholds.pop_back();
      if (acc.rec[a].state != State::Prospect) continue;  // taken another way meanwhile
      KeyedDraws d = s.draws(a, Purpose("acquire"), mu);
      convert(a, d, h_out, h, effort, total_effort, promoters, dt);
    }
  }

  // Running totals of hunting effort (hunt share x hours x skill) over managers, for a
  // binary search by effort; returns the total.
  double hunting_effort(std::vector<double>& cumulative) const {
    cumulative.assign(s.managers.size(), 0.0);
    double total = 0;
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      const Manager& m = s.managers[i];
      if (m.active) total += m.hunt_share() * m.hours / 40.0 * m.hunting;
      cumulative[i] = total;
    }
    return total;
  }
};

}  // namespace tenure::model
