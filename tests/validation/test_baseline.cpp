// The realistic team (scenarios/baseline.yaml) against the industry anchors: yearly client
// attrition near 15% once settled (retail and private banking), responses in days, sales-force
// turnover of 20 to 34% a year. Bands fixed here in advance; the figure is the mean over 20
// replications of years 3 to 10, checked with its standard error.
#include <catch2/catch.hpp>

#include "../model/helpers.hpp"
#include "tenure/core/time.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::stats;
namespace cal = tenure::calendar;

TEST_CASE("Validation: the realistic team loses about 15% of its clients a year and a quarter of its managers",
          "[validation][statistical]") {
  const auto sc = scenario::load(tenure::testing::scenario_path("baseline"));
  std::vector<double> attrition, response, turnover, growth;
  for (std::uint64_t rep = 0; rep < 20; ++rep) {
    const auto r = model::simulate(sc.base, sc.experiment.seed, rep);
    double churned = 0, active = 0, resp = 0;
    int months = 0;
    for (std::size_t m = 24; m < r.months.size(); ++m) {
      churned += static_cast<double>(r.months[m].churned);
      active += static_cast<double>(r.months[m].active_accounts);
      resp += r.months[m].mean_response_days;
      ++months;
    }
    const double years = months / 12.0;
    attrition.push_back(churned / (active / months) / years);
    response.push_back(resp / months);
    double exits = 0;
    for (const auto& m : r.managers) exits += m.exited && m.exit_day >= cal::years(2);
    turnover.push_back(exits / 20.0 / years);
    growth.push_back(static_cast<double>(r.months.back().active_accounts) / static_cast<double>(r.months[35].active_accounts));
  }
  const auto a = stats(attrition), q = stats(response), t = stats(turnover), g = stats(growth);
  INFO("attrition " << a.mean << " +- " << a.se << "; response " << q.mean << " days; turnover " << t.mean << " +- " << t.se
                    << "; clients at 10 y / at 3 y " << g.mean);
  CHECK(a.mean > 0.13);  // about 15%: within two points, with the standard error inside
  CHECK(a.mean < 0.18);
  CHECK(a.se < 0.01);
  CHECK(q.mean < 5.0);  // days, not weeks
  CHECK(t.mean > 0.20);
  CHECK(t.mean < 0.34);
  CHECK(g.mean < 1.25);  // settled: the book grows by less than a quarter over the last seven years
}
