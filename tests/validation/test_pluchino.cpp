// Docking against a published model: Pluchino, Rapisarda and Garofalo (2010), "The Peter
// principle revisited", set up as scenarios/peter_principle.yaml (an organisation without
// clients, competence on 0-1 for the paper's 1-10). Each strategy's efficiency gain is the
// mean `effectiveness` over years 100 to 300 against the efficiency after the first yearly step
// (the paper's curves start there: after the first dismissals, promotions and hires); tolerances
// come from the replications' standard errors. docs/validation.md gives the figures, and the
// gains against the untouched organisation as well.
#include <catch2/catch.hpp>

#include <map>

#include "../model/helpers.hpp"
#include "tenure/core/time.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::stats;
using tenure::testing::variant;
namespace cal = tenure::calendar;

namespace {
struct Gain {
  double mean = 0, se = 0;  // percent of the efficiency after the first yearly step
};
// Month 11's row holds the first yearly review (day 365): the first step of the paper's model.
constexpr std::size_t kFirstStep = 11;
Gain efficiency_gain(model::ModelParams p, int reps) {
  p.horizon_days = cal::years(300);
  std::vector<double> gains;
  for (int r = 0; r < reps; ++r) {
    const auto res = model::simulate(p, 2010, static_cast<std::uint64_t>(r));
    // Nothing moves before the first review; the review moves the efficiency.
    REQUIRE(res.months[kFirstStep - 1].effectiveness == res.months.front().effectiveness);
    REQUIRE(res.months[kFirstStep].effectiveness != res.months.front().effectiveness);
    double late = 0;
    int n = 0;
    for (std::size_t m = 1200; m < res.months.size(); ++m) late += res.months[m].effectiveness, ++n;
    gains.push_back(100.0 * (late / n / res.months[kFirstStep].effectiveness - 1.0));
  }
  const auto s = stats(gains);
  return {s.mean, s.se};
}
}  // namespace

TEST_CASE("Validation: Pluchino et al. (2010) docks: orderings and magnitudes of the promotion strategies",
          "[validation][statistical]") {
  const auto sc = scenario::load(tenure::testing::scenario_path("peter_principle"));
  const int reps = 6;
  std::map<std::string, Gain> g;
  for (const char* v : {"base", "ph_worst", "ph_random", "ph_alternating", "cs_best", "cs_worst", "cs_random", "cs_alternating"}) {
    g[v] = efficiency_gain(variant(sc, v), reps);
    INFO(v << ": " << g[v].mean << " +- " << g[v].se << " %");
  }
  auto apart = [&](const char* hi, const char* lo) {
    INFO(hi << " " << g[hi].mean << " +- " << g[hi].se << " against " << lo << " " << g[lo].mean << " +- " << g[lo].se);
    CHECK(g[hi].mean - g[lo].mean > 4 * std::hypot(g[hi].se, g[lo].se));
  };
  // Peter hypothesis (the base promotes the best): the best lose about a tenth of the
  // efficiency (paper: about -10%), the worst gain about an eighth (paper: about +12%), each
  // within 3 points plus 4 standard errors; random and alternating hold up.
  auto near = [&](const char* v, double paper) {
    INFO(v << " " << g[v].mean << " +- " << g[v].se << " against the paper's " << paper);
    CHECK(std::abs(g[v].mean - paper) < 3.0 + 4 * g[v].se);
  };
  near("base", -10.0);
  near("ph_worst", 12.0);
  apart("ph_worst", "ph_random");
  apart("ph_worst", "ph_alternating");
  apart("ph_random", "base");
  apart("ph_alternating", "base");
  // Random and alternating hold up under both hypotheses: neither loses, neither gains much.
  for (const char* v : {"ph_random", "ph_alternating", "cs_random", "cs_alternating"}) {
    INFO(v << " " << g[v].mean << " +- " << g[v].se);
    CHECK(g[v].mean > -3.0);
    CHECK(g[v].mean < 8.0);
  }
  // Common sense (competence carried with noise): best > random > worst.
  apart("cs_best", "cs_random");
  apart("cs_random", "cs_worst");
}

TEST_CASE("Validation: the Pluchino scenario runs its thousand years without clients", "[validation]") {
  const auto sc = scenario::load(tenure::testing::scenario_path("peter_principle"));
  CHECK(sc.base.horizon_days == Approx(cal::years(1000)));
  const auto res = model::simulate(sc.base, 1, 0);
  CHECK(res.months.size() == 12000);
  CHECK(res.months.back().managers == 160);  // every position filled, every year
  CHECK(res.months.back().active_accounts == 0);
}
