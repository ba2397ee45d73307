// Empirical anchors (../shared/design/evidence.md; docs/validation.md): each set up as its
// source describes, with bands fixed here and tolerances from the replications.
#include <catch2/catch.hpp>

#include <sstream>

#include "../model/helpers.hpp"
#include "../model/mechanisms/fixture.hpp"
#include "../../engine/src/model/mechanisms/requests.hpp"
#include "tenure/core/time.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::stats;
using tenure::testing::variant;
namespace cal = tenure::calendar;

namespace {
double revenue(const model::RunResult& r, std::size_t from, std::size_t to) {
  double x = 0;
  for (std::size_t m = from; m < to && m < r.months.size(); ++m) x += r.months[m].revenue;
  return x;
}
}  // namespace

TEST_CASE("Validation: a book handed over loses 13.2 to 17.6% of its revenue in the next year (Shi et al. 2017)",
          "[validation][statistical]") {
  // Five alike managers, no acquisition, no exits; in `exit` manager 0's book is handed over at
  // month 12 (the departure's hand-over, without the clients who follow). The fall is the
  // paired loss of revenue in months 12 to 23 over the handed-over book's share (a fifth).
  const auto sc = scenario::load_string(R"(
name: shi
experiment: {replications: 40, seed: 7, horizon: 2 years}
accounts: {initial_active: 500, initial_prospects: 0}
acquisition: {outreach_rate: 0 per year, bass_q: 0 per year, job_move_rate: 0 per year}
managers:
  - {name: m, count: 5, strategy: balanced/attentive/calm}
organisation: {positions: [5], exit_rate: 0 per year, hire: {name: hire, strategy: balanced/attentive/calm}}
variants:
  exit:
    orders: [{at: 12 months, kind: reassign_book, manager: 0}]
)");
  std::vector<double> fall;
  for (std::uint64_t r = 0; r < 40; ++r) {
    const auto kept = model::simulate(sc.base, 7, r), moved = model::simulate(variant(sc, "exit"), 7, r);
    const double k = revenue(kept, 12, 24), m = revenue(moved, 12, 24);
    fall.push_back((k - m) / (k / 5));
  }
  const auto f = stats(fall);
  INFO("fall " << f.mean << " +- " << f.se);
  CHECK(f.mean - 4 * f.se > 0.132 - 0.01);
  CHECK(f.mean + 4 * f.se < 0.176 + 0.01);
  CHECK(f.mean > 0.132);
  CHECK(f.mean < 0.176);
}

TEST_CASE("Validation: referred clients live 1.16 to 1.25 times as long, counted once (Schmitt et al. 2011)",
          "[validation][statistical]") {
  // A constant hazard for everyone (satisfaction and scars off), word of mouth from promoters,
  // value not multiplied: the referral advantage is the lower hazard while the referrer stays.
  // Lifetimes of clients won in the first five years of a forty-year run (censoring negligible).
  const auto sc = scenario::load_string(R"(
name: referral
experiment: {replications: 6, seed: 9, horizon: 40 years}
record_accounts: true
accounts: {initial_active: 300, initial_prospects: 6000, initial_satisfaction: 9, satisfaction_sd: 0}
service: {problem_rate: 0 per year}
churn: {base_rate: 0.3 per year, satisfaction_weight: 0, scar_weight: 0, market_weight: 0, competitor_weight: 0, notice_min: 0 days, notice_max: 0 days}
acquisition: {outreach_rate: 60 per year, bass_q: 0.5 per year, job_move_rate: 0 per year}
managers:
  - {name: m, count: 3, strategy: balanced/attentive/calm}
organisation: {positions: [3], exit_rate: 0 per year, hire: {name: hire, strategy: balanced/attentive/calm}}
)");
  std::vector<double> ratio;
  for (std::uint64_t r = 0; r < 6; ++r) {
    const auto res = model::simulate(sc.base, 9, r);
    double ref = 0, non = 0, nref = 0, nnon = 0;
    for (const auto& a : res.accounts) {
      if (a.acquired_day <= 0 || a.acquired_day > cal::years(5) || a.churned_day < 0) continue;
      const double life = a.churned_day - a.acquired_day;
      if (a.source == model::Source::Referral) ref += life, ++nref;
      else if (a.source == model::Source::Outreach) non += life, ++nnon;
    }
    REQUIRE(nref > 200);
    REQUIRE(nnon > 200);
    ratio.push_back((ref / nref) / (non / nnon));
  }
  const auto q = stats(ratio);
  INFO("referred / non-referred lifetime " << q.mean << " +- " << q.se << " (constant hazard: 2 / (m + 1) = "
                                           << 2 / (sc.base.churn.referred_multiplier + 1) << ")");
  CHECK(q.mean > 1.16);
  CHECK(q.mean < 1.25);
  CHECK(std::abs(q.mean - 2 / (sc.base.churn.referred_multiplier + 1)) < 4 * q.se + 0.02);
}

TEST_CASE("Validation: promoters outnumber detractors about 3 to 1 in ordinary conditions (East et al. 2008)",
          "[validation][statistical]") {
  // The calibrated baseline, months of the normal regime from year three on, pooled per run.
  const auto sc = scenario::load(tenure::testing::scenario_path("baseline"));
  std::vector<double> ratio;
  double all_pro = 0, all_det = 0;
  for (std::uint64_t r = 0; r < 20; ++r) {
    const auto res = model::simulate(sc.base, sc.experiment.seed, r);
    double pro = 0, det = 0;
    for (std::size_t m = 24; m < res.months.size(); ++m)
      if (res.months[m].regime == 1)
        pro += static_cast<double>(res.months[m].promoters), det += static_cast<double>(res.months[m].detractors);
    if (det > 0) ratio.push_back(pro / det);
    all_pro += pro, all_det += det;
  }
  const auto q = stats(ratio);
  const double pooled = all_pro / all_det;
  INFO("promoters / detractors, pooled " << pooled << "; per run " << q.mean << " +- " << q.se << " over " << q.n << " runs");
  CHECK(q.n >= 15);
  CHECK(pooled > 2.5);  // about 3 to 1: within one either way
  CHECK(pooled < 4.0);
}

TEST_CASE("Validation: retention is ordered answered quickly > answered late > ignored (TARP)",
          "[validation][statistical]") {
  // 1,000 clients, every problem voiced to support; no acquisition, no exits. Quick: ample
  // support; late: support near its load (answers in about two weeks, nobody gives up);
  // ignored: no support and managers who answer nothing.
  const auto sc = scenario::load_string(R"(
name: tarp
experiment: {replications: 30, seed: 5, horizon: 3 years}
accounts: {initial_active: 1000, initial_prospects: 0}
acquisition: {outreach_rate: 0 per year, bass_q: 0 per year, job_move_rate: 0 per year}
service: {support_staff: 20, support_share: 1, patience: 0 days, satisfied_threshold: 0}
managers:
  - {name: m, count: 5, strategy: balanced/attentive/calm}
organisation: {positions: [5], exit_rate: 0 per year, hire: {name: hire, strategy: balanced/attentive/calm}}
variants:
  late:
    service: {support_staff: 6, support_share: 1, patience: 0 days, satisfied_threshold: 0}
  ignored:
    service: {support_staff: 0, support_share: 1, patience: 0 days, satisfied_threshold: 0}
    managers: [{name: m, count: 5, strategy: balanced/neglectful/calm, service: {name: neglectful, answer_probability: 0}}]
)");
  std::vector<double> quick_late, late_ignored, response;
  for (std::uint64_t r = 0; r < 30; ++r) {
    const auto q = model::simulate(sc.base, 5, r), l = model::simulate(variant(sc, "late"), 5, r),
               i = model::simulate(variant(sc, "ignored"), 5, r);
    const auto kept = [](const model::RunResult& x) { return static_cast<double>(x.months.back().active_accounts); };
    quick_late.push_back(kept(q) - kept(l));
    late_ignored.push_back(kept(l) - kept(i));
    double resp = 0;
    for (const auto& m : l.months) resp += m.mean_response_days / static_cast<double>(l.months.size());
    response.push_back(resp);
  }
  const auto a = stats(quick_late), b = stats(late_ignored), t = stats(response);
  INFO("quick - late " << a.mean << " +- " << a.se << "; late - ignored " << b.mean << " +- " << b.se
                       << "; late answers in " << t.mean << " days");
  CHECK(t.mean > 5.0);  // late indeed
  CHECK(a.mean > 4 * a.se);
  CHECK(b.mean > 4 * b.se);
}

TEST_CASE("Validation: a loss moves satisfaction more than a gain of the same size (Mittal et al. 1998)",
          "[validation][mechanism]") {
  tenure::testing::MechanismFixture f(2, 1, 0, 7.0);
  model::Shared& s = f.state();
  model::Requests requests(s);
  requests.encounter(0, +1.0);
  requests.encounter(1, -1.0);
  const double up = s.acc.rec[0].satisfaction - 7.0, down = 7.0 - s.acc.rec[1].satisfaction;
  CHECK(up > 0);
  CHECK(down == Approx(s.p.service.loss_aversion * up).epsilon(1e-5));
}

TEST_CASE("Validation: a recovered client does not churn less than one who never had a failure (de Matos et al. 2007)",
          "[validation][mechanism]") {
  // A first problem answered on time, to a client as satisfied as one who never had one: with
  // no recovery bonus (the default: the paradox lifts satisfaction but not repurchase, and here
  // satisfaction drives churn), the recovered client ends no more satisfied, so its hazard is no
  // lower.
  for (const double start : {6.0, 7.0, 8.0, 9.0}) {
    model::ModelParams p;
    p.service.support_staff = 1;
    p.service.support_share = 1;
    tenure::testing::MechanismFixture f(2, 1, 0, start, p);
    model::Shared& s = f.state();
    model::Requests requests(s);
    requests.setup();
    requests.add_request(0, -1, false, s.now() + 0.5);
    requests.on_service_done(0);  // answered in half a day: on time
    INFO("start " << start << ": recovered " << s.acc.rec[0].satisfaction << ", never failed " << s.acc.rec[1].satisfaction);
    CHECK(s.acc.rec[0].satisfaction <= s.acc.rec[1].satisfaction + 1e-6f);
  }
}

namespace {
// Discounts over the revenue of the rushed deals in their first year, from month 12 on (by then
// the first year's rushed deals are in the column; deals won near the end leave as much revenue
// out as the earliest ones bring in). One ratio per run.
std::vector<double> discount_shares(const model::ModelParams& p, std::uint64_t seed, int reps) {
  std::vector<double> share;
  for (int r = 0; r < reps; ++r) {
    const auto res = model::simulate(p, seed, static_cast<std::uint64_t>(r));
    double disc = 0, touched = 0;
    for (std::size_t m = 12; m < res.months.size(); ++m) disc += res.months[m].discounts, touched += res.months[m].rushed_revenue;
    if (touched > 0) share.push_back(disc / touched);
  }
  return share;
}
}  // namespace

TEST_CASE("Validation: quarter-end timing games cost 6 to 8% of the revenue they touch (Larkin 2014)",
          "[validation][statistical]") {
  // quarter_end_pressure as bundled (half the team urgent), its own 30 replications. The share
  // is measured: the discount is set on a year of the deal's revenue at signing, while the
  // revenue the deal actually brings in its first year depends on its early churn and growth.
  const auto sc = scenario::load(tenure::testing::scenario_path("quarter_end_pressure"));
  const auto q = stats(discount_shares(sc.base, sc.experiment.seed, 30));
  INFO("discounts / first-year revenue of the rushed deals: " << q.mean << " +- " << q.se << " over " << q.n << " runs");
  CHECK(q.n == 30);
  CHECK(q.mean > 0.06);
  CHECK(q.mean < 0.08);
  // The check can fail: a 12% discount lands outside the band.
  model::ModelParams steep = sc.base;
  for (auto& m : steep.managers)
    if (m.pressure.name == "urgent") m.pressure.params["rush_discount"] = 0.12;
  const auto q12 = stats(discount_shares(steep, sc.experiment.seed, 10));
  INFO("with a 12% discount: " << q12.mean << " +- " << q12.se);
  CHECK(q12.mean - 4 * q12.se > 0.08);
}

TEST_CASE("Validation: new business peaks in the last month of each quota period (Oyer 1998)", "[validation][statistical]") {
  // quarter_end_pressure, from year two on: the quarter's last month against its first,
  // paired within each run; and the sawtooth is the urgent managers' (all calm: none).
  const auto sc = scenario::load(tenure::testing::scenario_path("quarter_end_pressure"));
  auto saw = [&](const model::ModelParams& p) {
    std::vector<double> diff;
    for (std::uint64_t r = 0; r < 30; ++r) {
      const auto res = model::simulate(p, sc.experiment.seed, r);
      double last = 0, first = 0;
      for (std::size_t m = 12; m < res.months.size(); ++m) {
        if (m % 3 == 2) last += res.months[m].new_business;
        if (m % 3 == 0) first += res.months[m].new_business;
      }
      diff.push_back((last - first) / static_cast<double>((res.months.size() - 12) / 3));
    }
    return stats(diff);
  };
  const auto urgent = saw(sc.base), calm = saw(variant(sc, "all_calm"));
  INFO("last month - first month of a quarter, per quarter: half urgent " << urgent.mean << " +- " << urgent.se
                                                                           << "; all calm " << calm.mean << " +- " << calm.se);
  CHECK(urgent.mean > 4 * urgent.se);
  CHECK(std::abs(calm.mean) < 4 * calm.se + 0.1 * urgent.mean);
}

TEST_CASE("Validation: the baseline's market cycles last as the NBER's post-war cycles do", "[validation][statistical]") {
  // The baseline's regime chain alone (no clients), 40 runs of 1,000 years: expansions (boom or
  // normal) average 64.2 months and contractions 10.3 (NBER, post-war). Complete spells only.
  const auto sc = scenario::load(tenure::testing::scenario_path("baseline"));
  model::ModelParams p = sc.base;
  p.accounts.initial_active = 0, p.accounts.initial_prospects = 0, p.accounts.prospect_arrival_rate = 0;
  p.horizon_days = cal::years(1000);
  p.managers.resize(1), p.managers[0].count = 1, p.organisation.positions = {1};  // the chain is all that is measured
  const std::int64_t downturn = 2;
  REQUIRE(p.market.regimes.size() == 3);
  REQUIRE(p.market.regimes[downturn].name == "downturn");
  std::vector<double> expansion, contraction;  // mean complete spell per run
  for (std::uint64_t r = 0; r < 40; ++r) {
    const auto res = model::simulate(p, sc.experiment.seed, r);
    double up = 0, down = 0;
    int n_up = 0, n_down = 0;
    std::size_t start = 0;
    for (std::size_t m = 1; m <= res.months.size(); ++m) {
      const bool ends = m == res.months.size() || (res.months[m].regime == downturn) != (res.months[m - 1].regime == downturn);
      if (!ends) continue;
      if (start > 0 && m < res.months.size()) {  // a complete spell: not the first, not the last
        (res.months[start].regime == downturn ? down : up) += static_cast<double>(m - start);
        ++(res.months[start].regime == downturn ? n_down : n_up);
      }
      start = m;
    }
    expansion.push_back(up / n_up);
    contraction.push_back(down / n_down);
  }
  const auto e = stats(expansion), c = stats(contraction);
  INFO("expansions " << e.mean << " +- " << e.se << " months (NBER 64.2); contractions " << c.mean << " +- " << c.se
                     << " (NBER 10.3)");
  // Within a month of the NBER's figures, plus 4 standard errors.
  CHECK(std::abs(e.mean - 64.2) < 1.0 + 4 * e.se);
  CHECK(std::abs(c.mean - 10.3) < 1.0 + 4 * c.se);
  CHECK(e.se < 1.0);
  CHECK(c.se < 0.2);
}

namespace {
// Five alike managers of one time allocation against five balanced ones, with `per` clients
// each, in the baseline's calibration (problem rate, churn, word of mouth) and with support
// staffed to the book as the baseline's is (one server per 333 clients, at least one).
scenario::Scenario hunter_farmer(int per) {
  const int clients = 5 * per, staff = std::max(1, (clients + 166) / 333);
  std::ostringstream yaml;
  yaml << "name: hunter_farmer\n"
       << "experiment: {replications: 30, seed: 11, horizon: 2 years}\n"
       << "accounts: {initial_active: " << clients << ", initial_prospects: 20000}\n"
       << "service: {support_staff: " << staff << ", problem_rate: 3 per year}\n"
       << R"(churn: {base_rate: 0.08 per year}
acquisition: {bass_q: 0.2 per year}
managers:
  - {name: m, count: 5, strategy: balanced/attentive/calm}
organisation: {positions: [5], exit_rate: 0 per year, hire: {name: hire, strategy: balanced/attentive/calm}}
variants:
  hunter:
    managers: [{name: m, count: 5, strategy: hunter/attentive/calm}]
  farmer:
    managers: [{name: m, count: 5, strategy: farmer/attentive/calm}]
)";
  return scenario::load_string(yaml.str());
}

// Paired revenue of a variant less the balanced team's, over the run, replication by replication.
tenure::testing::Stats paired_revenue(const scenario::Scenario& sc, const std::string& v) {
  std::vector<double> d;
  for (std::uint64_t r = 0; r < 30; ++r) {
    const auto a = model::simulate(variant(sc, v), 11, r), b = model::simulate(sc.base, 11, r);
    d.push_back(revenue(a, 0, a.months.size()) - revenue(b, 0, b.months.size()));
  }
  return stats(d);
}
}  // namespace

TEST_CASE("Validation: doing both pays with a large book and loses with a small one (DeCarlo and Lam 2016)",
          "[validation][statistical]") {
  // With 10 clients each, a book needs little farming and the hunter earns most; with 300 each,
  // the balanced team earns more than both pure ones.
  const auto small = hunter_farmer(10), large = hunter_farmer(300);
  const auto h10 = paired_revenue(small, "hunter"), h300 = paired_revenue(large, "hunter"),
             f300 = paired_revenue(large, "farmer");
  INFO("10 each: hunter - balanced " << h10.mean << " +- " << h10.se);
  INFO("300 each: hunter - balanced " << h300.mean << " +- " << h300.se << ", farmer - balanced " << f300.mean
                                      << " +- " << f300.se);
  CHECK(h10.mean - 4 * h10.se > 0);
  CHECK(h300.mean + 4 * h300.se < 0);
  CHECK(f300.mean + 4 * f300.se < 0);
}
