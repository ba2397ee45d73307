#include "tenure/output/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <boost/math/distributions/students_t.hpp>

namespace tenure::output {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kAlpha = 0.05;

double mean_of(const std::vector<double>& x) {
  return x.empty() ? kNaN : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
double variance_of(const std::vector<double>& x, double m) {
  if (x.size() < 2) return kNaN;
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return ss / static_cast<double>(x.size() - 1);
}
double t_quantile(double df, double p) { return boost::math::quantile(boost::math::students_t(df), p); }
// A mean's interval at two-sided level 1 - alpha.
Interval interval(double mean, double sd, std::size_t n, double alpha) {
  Interval iv;
  iv.mean = mean, iv.n = n;
  iv.low = iv.high = kNaN;
  if (n < 2 || !std::isfinite(sd)) return iv;
  const double half = t_quantile(static_cast<double>(n - 1), 1.0 - alpha / 2) * sd / std::sqrt(static_cast<double>(n));
  iv.low = mean - half, iv.high = mean + half;
  return iv;
}
}  // namespace

Precision precision(const std::vector<double>& x, double target) {
  Precision p;
  p.relative_half_width = kNaN;
  const double m = mean_of(x);
  const double sd = std::sqrt(variance_of(x, m));
  if (x.size() < 2 || !std::isfinite(sd) || m == 0) return p;
  const double n = static_cast<double>(x.size());
  p.relative_half_width = t_quantile(n - 1, 0.975) * sd / std::sqrt(n) / std::abs(m);
  if (!(target > 0)) return p;
  // Start from the normal approximation and step up until Student's t is satisfied too.
  const double z = 1.959963984540054;
  const double goal = target * std::abs(m);
  auto ok = [&](double k) { return t_quantile(k - 1, 0.975) * sd / std::sqrt(k) <= goal; };
  double k = std::max(2.0, std::ceil(std::pow(z * sd / goal, 2)));
  if (k > 1e9) return p;  // not a number of replications anyone will run
  while (!ok(k)) k += 1;
  while (k > 2 && ok(k - 1)) k -= 1;
  p.needed = static_cast<std::int64_t>(k);
  return p;
}

WarmUp mser5(const std::vector<double>& y) {
  WarmUp w;
  const std::size_t m = y.size() / 5;
  w.batches = m;
  if (m < 2) return w;
  std::vector<double> z(m);
  for (std::size_t j = 0; j < m; ++j) z[j] = (y[5 * j] + y[5 * j + 1] + y[5 * j + 2] + y[5 * j + 3] + y[5 * j + 4]) / 5.0;
  // Suffix sums give each truncation's mean and sum of squares in one pass.
  const std::size_t limit = m / 2;
  double best = std::numeric_limits<double>::infinity();
  std::size_t best_d = 0;
  double s = 0, ss = 0;
  std::vector<double> score(limit + 1, kNaN);
  for (std::size_t j = m; j-- > 0;) {
    s += z[j], ss += z[j] * z[j];
    if (j <= limit) {
      const double k = static_cast<double>(m - j);
      const double sse = std::max(0.0, ss - s * s / k);
      score[j] = sse / (k * k);
    }
  }
  for (std::size_t d = 0; d <= limit; ++d)
    if (score[d] < best) best = score[d], best_d = d;
  w.truncate = 5 * best_d;
  w.settled = best_d < limit;
  return w;
}

Paired paired(const std::vector<double>& variant, const std::vector<double>& reference) {
  Paired out;
  const std::size_t n = std::min(variant.size(), reference.size());
  std::vector<double> v(variant.begin(), variant.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<double> r(reference.begin(), reference.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<double> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = v[i] - r[i];
  out.difference = mean_ci(d);
  out.p = out.correlation = out.variance_reduction = kNaN;
  if (n >= 2) {
    const double mv = mean_of(v), mr = mean_of(r), md = mean_of(d);
    const double sv = variance_of(v, mv), sr = variance_of(r, mr), sd = variance_of(d, md);
    if (sv > 0 && sr > 0) {
      double cov = 0;
      for (std::size_t i = 0; i < n; ++i) cov += (v[i] - mv) * (r[i] - mr);
      out.correlation = std::clamp(cov / static_cast<double>(n - 1) / std::sqrt(sv * sr), -1.0, 1.0);
    }
    if (sd > 0) {
      out.variance_reduction = (sv + sr) / sd;
      const double t = md / std::sqrt(sd / static_cast<double>(n));
      out.p = 2.0 * boost::math::cdf(boost::math::complement(boost::math::students_t(static_cast<double>(n - 1)), std::abs(t)));
    } else {
      out.variance_reduction = sv + sr > 0 ? std::numeric_limits<double>::infinity() : kNaN;
      out.p = md == 0 ? 1.0 : 0.0;  // every pair differs by the same amount
    }
  }
  out.holm_p = out.p;
  out.holm = out.difference;
  return out;
}

void holm(std::vector<Paired*>& family) {
  std::vector<Paired*> f;
  for (auto* c : family)
    if (std::isfinite(c->p)) f.push_back(c);
  std::stable_sort(f.begin(), f.end(), [](const Paired* a, const Paired* b) { return a->p < b->p; });
  const std::size_t k = f.size();
  double running = 0;   // adjusted p-values are monotone in the order tested
  bool stopped = false;
  double level = kAlpha;  // the level the stop was tested at
  for (std::size_t i = 0; i < k; ++i) {
    Paired& c = *f[i];
    const double factor = static_cast<double>(k - i);
    running = std::max(running, std::min(1.0, factor * c.p));
    c.holm_p = running;
    if (!stopped) {
      level = kAlpha / factor;
      if (c.p > level) stopped = true;
    }
    // The interval at the level this comparison was tested at (after the stop: the stop's).
    const Interval& iv = c.difference;
    const double sd_over = std::isfinite(iv.low) ? (iv.high - iv.low) / 2 /
                                                       t_quantile(static_cast<double>(iv.n - 1), 0.975)
                                                 : kNaN;  // s / sqrt(n)
    c.holm = interval(iv.mean, sd_over * std::sqrt(static_cast<double>(iv.n)), iv.n, level);
  }
}

}  // namespace tenure::output
