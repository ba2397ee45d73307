// Output analysis (output/analysis.hpp): the replication advice, MSER-5's warm-up, what common
// random numbers bought, and Holm's correction, against closed forms and direct measurement.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <boost/math/distributions/students_t.hpp>

#include "../model/helpers.hpp"
#include "tenure/core/time.hpp"
#include "tenure/output/analysis.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::stats;
namespace cal = tenure::calendar;

namespace {
// The smallest n with t(0.975, n - 1) sd / sqrt(n) <= goal, by brute force.
std::int64_t needed_by_search(double sd, double goal) {
  for (std::int64_t n = 2;; ++n)
    if (boost::math::quantile(boost::math::students_t(static_cast<double>(n - 1)), 0.975) * sd /
            std::sqrt(static_cast<double>(n)) <=
        goal)
      return n;
}
}  // namespace

TEST_CASE("Output analysis: precision and the replications a target needs", "[output]") {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const auto p = output::precision(x, 0.1);
  const double sd = std::sqrt(2.5);
  CHECK(p.relative_half_width == Approx(2.776445105 * sd / std::sqrt(5.0) / 3.0).epsilon(1e-6));
  CHECK(p.needed == needed_by_search(sd, 0.3));
  CHECK(output::precision(x, 0.9).needed == needed_by_search(sd, 2.7));
  // Undefined: a mean of zero, or a single value.
  CHECK(output::precision({-1, 1}, 0.05).needed == -1);
  CHECK(std::isnan(output::precision({3}, 0.05).relative_half_width));
}

TEST_CASE("Output analysis: the replication advice agrees with the closed form (survivors of a constant hazard)",
          "[output][statistical]") {
  // 1,000 clients, a constant hazard of 0.3 a year, nothing else, 3 years: survivors are
  // Binomial(1000, S) with S = exp(-0.9), so the replications for a 1% interval follow from
  // sd = sqrt(1000 S (1 - S)). The advice from 100 replications estimates sd, and with it n,
  // with a relative error of about sqrt(2 / 99) on n: checked within 4 of those.
  auto p = tenure::testing::small_params();
  p.accounts.initial_active = 1000, p.accounts.initial_prospects = 0, p.accounts.satisfaction_sd = 0;
  p.service.problem_rate = 0;
  p.churn.satisfaction_weight = p.churn.scar_weight = p.churn.market_weight = p.churn.competitor_weight = 0;
  p.churn.base_rate = cal::per_year(0.3);
  p.churn.notice_min_days = p.churn.notice_max_days = 0;
  p.acquisition.outreach_rate = p.acquisition.bass_q = p.acquisition.job_move_rate = 0;
  p.organisation.exit_rate = 0, p.organisation.dismissal_threshold = 0, p.organisation.positions = {2};
  p.horizon_days = cal::years(3);
  std::vector<double> clients;
  for (std::uint64_t r = 0; r < 100; ++r) clients.push_back(output::metric("final_clients").of(model::simulate(p, 8, r)));
  const double S = std::exp(-0.9), mean = 1000 * S, sd = std::sqrt(1000 * S * (1 - S));
  const auto closed = needed_by_search(sd, 0.01 * mean);
  const auto advice = output::precision(clients, 0.01);
  INFO("advice " << advice.needed << " replications, closed form " << closed << " (sd " << sd << ", mean " << mean << ")");
  CHECK(std::abs(static_cast<double>(advice.needed) / static_cast<double>(closed) - 1.0) < 4 * std::sqrt(2.0 / 99));
  CHECK(closed > 40);  // a case where the advice matters
}

TEST_CASE("Output analysis: MSER-5 on series with a known transient", "[output]") {
  std::mt19937_64 g(3);
  std::normal_distribution<double> noise(0, 1);
  // 50 observations 8 above the level, then 450 at it: the first 50 are cut.
  std::vector<double> y;
  for (int i = 0; i < 500; ++i) y.push_back((i < 50 ? 8.0 : 0.0) + noise(g));
  auto w = output::mser5(y);
  CHECK(w.truncate == 50);
  CHECK(w.settled);
  // No transient: nothing (or next to nothing) is cut.
  y.assign(500, 0.0);
  for (auto& v : y) v = noise(g);
  w = output::mser5(y);
  CHECK(w.truncate <= 25);
  CHECK(w.settled);
  // A series still rising at the end has no steady state within the run.
  for (int i = 0; i < 500; ++i) y[static_cast<std::size_t>(i)] = 0.05 * i + noise(g);
  w = output::mser5(y);
  CHECK_FALSE(w.settled);
  CHECK(w.truncate == 5 * (500 / 5 / 2));
}

TEST_CASE("Output analysis: MSER-5 finds the warm-up of a queue that starts empty (M/M/1, rho 0.8)",
          "[output][statistical]") {
  // One support server, Poisson requests at 0.8 a day, exponential service of a day on average,
  // starting empty. In steady state the number of open requests at any moment (a month's end)
  // is L = rho / (1 - rho) = 4; the relaxation time 1 / (mu (1 - sqrt rho))^2 is about 90
  // days. MSER-5 on the month-end counts averaged over 200 runs of 30 years must cut a warm-up
  // (the first month's end is a third of a relaxation time in, so the first batch is what is
  // left of the transient); the months it cuts must sit below L, and the mean after it match L.
  auto p = tenure::testing::small_params();
  p.horizon_days = cal::years(30);
  p.accounts.initial_active = 100, p.accounts.initial_prospects = 0;
  p.churn.base_rate = 0, p.organisation.exit_rate = 0, p.acquisition.job_move_rate = 0;
  p.service.satisfied_threshold = 0, p.service.support_staff = 1, p.service.support_share = 1;
  p.service.problem_rate = 0.008, p.service.request_hours = 5, p.service.support_hours_per_week = 35;
  p.service.service_time = model::ServiceTime::Exponential;
  p.service.patience_days = 0;
  scenario::RunSet rs;
  rs.variants = {"base"};
  rs.results.resize(1);
  for (std::uint64_t r = 0; r < 200; ++r) rs.results[0].push_back(model::simulate(p, 17, r));
  const auto t = output::warm_up_table(rs, {"open_requests"});
  REQUIRE(t.rows() == 1);
  const auto cut = static_cast<std::size_t>(t.column("truncate_months").integers[0]);
  const double after = t.column("mean_after").reals[0], low = t.column("ci_low").reals[0], high = t.column("ci_high").reals[0];
  std::vector<double> early;  // each run's mean over the months cut
  for (const auto& r : rs.results[0]) {
    double s = 0;
    for (std::size_t m = 0; m < cut; ++m) s += static_cast<double>(r.months[m].open_requests);
    early.push_back(cut ? s / static_cast<double>(cut) : 0.0);
  }
  const auto e = stats(early);
  INFO("MSER-5 cuts " << cut << " months (mean " << e.mean << " +- " << e.se << "); mean after " << after << " [" << low
                      << ", " << high << "]; L = 4");
  CHECK(t.column("settled").integers[0] == 1);
  CHECK(cut >= 5);   // the transient is seen
  CHECK(cut <= 15);  // a few relaxation times, not most of the run
  const double se_after = (high - low) / 2 / 1.972;  // t(0.975, 199)
  CHECK(std::abs(after - 4.0) < 4 * se_after);
  CHECK(4.0 - e.mean > 3 * e.se);  // what was cut was the empty start
}

TEST_CASE("Output analysis: the variance common random numbers saved matches independent streams",
          "[output][statistical]") {
  // quarter_end_pressure, 60 replications: the paired difference's variance with shared random
  // numbers, and the same variant run on another seed (independent streams) against the base.
  // The reported reduction (s_v^2 + s_b^2) / s_d^2 must match the measured var(independent
  // difference) / s_d^2 within the sampling error of two variances (log scale, 4 SE).
  const auto sc = scenario::load(tenure::testing::scenario_path("quarter_end_pressure"));
  const auto& calm = tenure::testing::variant(sc, "all_calm");
  const int n = 60;
  std::vector<double> base, shared, independent;
  for (int r = 0; r < n; ++r) {
    base.push_back(output::metric("final_value").of(model::simulate(sc.base, 41, static_cast<std::uint64_t>(r))));
    shared.push_back(output::metric("final_value").of(model::simulate(calm, 41, static_cast<std::uint64_t>(r))));
    independent.push_back(output::metric("final_value").of(model::simulate(calm, 9041, static_cast<std::uint64_t>(r))));
  }
  const auto crn = output::paired(shared, base);
  const auto ind = output::paired(independent, base);
  std::vector<double> d_shared, d_ind;
  for (int r = 0; r < n; ++r) d_shared.push_back(shared[r] - base[r]), d_ind.push_back(independent[r] - base[r]);
  const auto a = stats(d_shared), b = stats(d_ind);
  const double measured = (b.se * b.se) / (a.se * a.se);
  INFO("CRN correlation " << crn.correlation << ", reported reduction " << crn.variance_reduction << ", measured "
                          << measured << "; independent streams' correlation " << ind.correlation);
  CHECK(crn.correlation > 0.3);
  CHECK(std::abs(ind.correlation) < 4 / std::sqrt(n - 3.0));  // Fisher: independent streams are uncorrelated
  CHECK(std::abs(std::log(crn.variance_reduction / measured)) < 4 * std::sqrt(4.0 / (n - 1)));
  CHECK(crn.variance_reduction > 1.5);
}

TEST_CASE("Output analysis: Holm's correction, its adjusted p-values and intervals", "[output]") {
  // Three variants against one reference with differences of shrinking size.
  std::mt19937_64 g(11);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> ref(30);
  for (auto& v : ref) v = 100 + z(g);
  std::vector<std::vector<double>> vars(3, ref);
  const double shift[3] = {1.0, 0.45, 0.05};
  for (int k = 0; k < 3; ++k)
    for (auto& v : vars[static_cast<std::size_t>(k)]) v += shift[k] + 0.8 * z(g);
  std::vector<output::Paired> c;
  for (const auto& v : vars) c.push_back(output::paired(v, ref));
  std::vector<output::Paired*> family{&c[0], &c[1], &c[2]};
  output::holm(family);
  // Adjusted p by hand: sorted p, (k - i + 1) p, running maximum, capped at 1.
  std::vector<std::size_t> order{0, 1, 2};
  std::sort(order.begin(), order.end(), [&](auto i, auto j) { return c[i].p < c[j].p; });
  double running = 0;
  bool stopped = false;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& x = c[order[i]];
    running = std::max(running, std::min(1.0, static_cast<double>(3 - i) * x.p));
    CHECK(x.holm_p == Approx(running));
    if (x.p > 0.05 / static_cast<double>(3 - i)) stopped = true;
    const bool excludes = x.holm.low > 0 || x.holm.high < 0;
    INFO("p " << x.p << " holm " << x.holm_p << " [" << x.holm.low << ", " << x.holm.high << "]");
    CHECK(excludes == !stopped);  // the interval excludes zero exactly when Holm rejects
    CHECK(x.holm.high - x.holm.low >= x.difference.high - x.difference.low - 1e-12);  // never narrower
  }
  CHECK(c[order[0]].holm_p < 0.05);  // the large difference holds
  CHECK(c[2].holm_p > 0.05);         // the tiny one does not
  // One comparison: Holm changes nothing.
  std::vector<output::Paired*> one{&c[1]};
  auto before = c[1];
  before.holm_p = before.p, before.holm = before.difference;
  output::holm(one);
  CHECK(c[1].holm_p == Approx(before.p));
  CHECK(c[1].holm.low == Approx(before.difference.low));
}
