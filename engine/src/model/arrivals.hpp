// Request candidates: the draw plumbing of the requests mechanism, below every mechanism
// because a client won anywhere (acquisition, job moves, conferences) starts its requests.
//
// Request candidates arrive at each client as a Poisson stream at a bound rate; thinning
// accepts them at the current rate (requests.hpp). A Poisson stream's counts in disjoint
// windows are independent, so the candidates are drawn a month at a time: in the monthly
// pass, which holds the client's record anyway, with the month's own draws, and scheduled as
// one batch (core::EventBatch) instead of one queue entry each.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "draws.hpp"
#include "events.hpp"
#include "tenure/core/simulation.hpp"
#include "tenure/core/time.hpp"

namespace tenure::model {

struct Arrivals {
  double bound = 0;                                 // the candidates' rate per client (thinning bound)
  std::vector<core::Simulation::BatchItem> drawn;  // candidates drawn, not yet scheduled
  double until = 0;                                 // candidates are drawn up to this time
  std::vector<double> month_cdf;                    // P(N <= n), N ~ Poisson(bound x one month)
  double window_to = 0;                             // at a month's end: the end of the month ahead
  std::size_t covered = 0;                          // served_ids[0, this) drew theirs in the pass

  void set_bound(double b) {
    bound = b;
    month_cdf.clear();
    const double mean = b * calendar::kDaysPerMonth;
    if (!(mean > 0)) return;
    // In logs, so that a large mean cannot underflow; up to far into the tail.
    const double cap = mean + 60.0 * std::sqrt(mean) + 60.0;
    double cdf = 0;
    for (double n = 0; n <= cap && cdf < 1.0; ++n) {
      cdf += std::exp(-mean + n * std::log(mean) - std::lgamma(n + 1.0));
      month_cdf.push_back(cdf);
    }
    // Padded with 2 (above any uniform), so that the first entries can be compared without
    // a bound check and without branches.
    month_cdf.resize(std::max(month_cdf.size() + 1, kCdfFast), 2.0);
  }
  static constexpr std::size_t kCdfFast = 4;

  // Client a's candidates in (from, to], into `drawn`. A whole month: the count by inversion
  // of the table, the times uniform over the month (no logarithm; most client-months have
  // none). A part of one (a client won mid-month, the run's last days, a fork): exponential
  // gaps. (Inlined into the month's pass, which calls it for every client.)
  [[gnu::always_inline]] inline void candidates(std::uint32_t a, core::KeyedDraws d, double from, double to) {
    if (to == from + calendar::kDaysPerMonth) [[likely]]
      month_candidates(a, d, from);
    else
      part_candidates(a, d, from, to);
  }
  // A whole month from `from`: the count and the first time from one 64-bit draw, 32 bits
  // each (see halves()); the further times from a draw each.
  [[gnu::always_inline]] inline void month_candidates(std::uint32_t a, core::KeyedDraws d, double from) {
    double first;
    const std::size_t n = month_count_first(d, first);
    for (std::size_t i = 0; i < n; ++i)
      drawn.push_back({from + calendar::kDaysPerMonth * (i == 0 ? first : d.uniform01()), core::EventSpec{kProblem, a}});
  }
  // The month's pass: month_candidates(), with the first candidate written into the block's
  // slot `firsts` (kept, by advancing `firsts`, only when there is one: no branch on the
  // count), and further ones into `later`. The pass moves the block's kept slots to `drawn`
  // every kBlock clients (a block stays in cache; a slot per client in `drawn` itself was 24
  // bytes a client, written for every one), and `later` after them all.
  static constexpr std::size_t kBlock = 1024;
  std::array<core::Simulation::BatchItem, kBlock> block;
  std::vector<core::Simulation::BatchItem> later;
  [[gnu::always_inline]] inline void month_candidates_slotted(std::uint32_t a, core::KeyedDraws w, double from,
                                                              std::size_t& firsts) {
    double first;
    const std::size_t n = month_count_first(w, first);
    block[firsts] = {from + calendar::kDaysPerMonth * first, core::EventSpec{kProblem, a}};
    firsts += n != 0;
    for (std::size_t i = 1; i < n; ++i)
      later.push_back({from + calendar::kDaysPerMonth * w.uniform01(), core::EventSpec{kProblem, a}});
  }
  void flush_block(std::size_t& firsts) {
    drawn.insert(drawn.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(firsts));
    firsts = 0;
  }
  // A month's count, and its first time as a fraction of the month: the halves of d's next
  // draw. Further times are d's draws after it.
  [[gnu::always_inline]] inline std::size_t month_count_first(core::KeyedDraws& d, double& first) const {
    const auto [u, f] = halves(d.next());
    first = f;
    return month_count(u);
  }
  // N ~ Poisson(bound x one month) for a uniform u: the number of entries of the table u is at
  // or above. A sum over the first entries (the count is rarely more than a few, and
  // unpredictable), then a search for the rare rest.
  [[gnu::always_inline]] inline std::size_t month_count(double u) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < kCdfFast; ++i) n += u >= month_cdf[i];
    if (n == kCdfFast) [[unlikely]]
      while (u >= month_cdf[n]) ++n;
    return n;
  }
  [[gnu::noinline]] void part_candidates(std::uint32_t a, core::KeyedDraws d, double from, double to) {
    for (double t = from;;) {
      t += -std::log(d.uniform_open0()) / bound;
      if (!(t <= to)) return;
      drawn.push_back({t, core::EventSpec{kProblem, a}});
    }
  }
};

}  // namespace tenure::model
