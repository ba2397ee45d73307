// Output analysis for a set of replications (docs/research.md, "Output analysis"): how precise
// a mean is and how many replications a target precision needs, where a monthly series has
// warmed up (MSER-5), and what common random numbers bought in a paired comparison, with
// Holm's correction when several variants are compared with one reference. summary.json, the
// terminal, the report and Python all take these from here.
#pragma once

#include <cstdint>
#include <vector>

#include "tenure/output/output.hpp"

namespace tenure::output {

// A mean's precision: its 95% half-width over |mean|, and the replications that would bring
// it to `target` (the smallest n with t(0.975, n-1) s / sqrt(n) <= target |mean|, s the
// sample standard deviation). NaN / -1 when undefined: fewer than 2 values, or a mean of 0.
struct Precision {
  double relative_half_width = 0;
  std::int64_t needed = -1;
};
Precision precision(const std::vector<double>& x, double target);

// MSER-5 (White 1997; Franklin and White 2008): the series in batches of 5, and the number of
// leading batches d (at most half of them) whose removal minimises the marginal standard error
// sum_{j>d} (z_j - mean_d)^2 / (m - d)^2. `truncate` is 5 d observations. `settled` is false
// when the minimum lies at the half-way limit: the series has not reached a steady state.
struct WarmUp {
  std::size_t truncate = 0;
  std::size_t batches = 0;
  bool settled = false;
};
WarmUp mser5(const std::vector<double>& y);

// One paired comparison over common replications: variant - reference.
struct Paired {
  Interval difference;            // mean difference, 95% Student-t interval
  double p = 0;                   // two-sided paired t-test of no difference (NaN: undefined)
  double correlation = 0;         // between the variant's and the reference's values: what common random numbers achieved
  double variance_reduction = 0;  // (s_v^2 + s_r^2) / s_d^2: an independent-streams difference's variance over the paired one
  double holm_p = 0;              // Holm-adjusted p over the family (the p itself until holm() runs)
  Interval holm;                  // the interval at the comparison's Holm level (the 95% one until holm() runs)
};
Paired paired(const std::vector<double>& variant, const std::vector<double>& reference);

// Holm's step-down correction over a family of comparisons (one metric, several variants
// against one reference), at family-wise level 0.05. Sorted by p, the i-th (from 1) of k is
// tested at 0.05 / (k - i + 1) until the first that is not rejected; each interval is widened
// to the level it was tested at (the ones after the stop to the stop's level), so an interval
// excludes zero exactly when Holm rejects.
void holm(std::vector<Paired*>& family);

}  // namespace tenure::output
