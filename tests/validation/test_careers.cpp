// Careers with consequences, at firm level: promotion puts people in charge of others, so the
// promotion rule changes what the firm gets (Benson, Li and Shue 2019: firms promote their best
// sellers, whose teams then do worse than under a rule that weighs managing skill). Paired
// differences under common random numbers; tolerances from the replications' standard errors.
#include <catch2/catch.hpp>

#include "../model/helpers.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using tenure::testing::stats;
using tenure::testing::variant;

namespace {
double revenue(const model::RunResult& r) {
  double x = 0;
  for (const auto& m : r.months) x += m.revenue;
  return x;
}
struct Promoted {
  double hunting = 0, managing = 0, n = 0;
};
void add_promoted(const model::RunResult& r, Promoted& p) {
  for (const auto& m : r.managers)
    if (m.promotions > 0) p.hunting += m.hunting_skill, p.managing += m.managing_skill, p.n += 1;
}
}  // namespace

TEST_CASE("Validation: promoting the best seller costs the firm what promoting the best manager gains (Benson et al.)",
          "[validation][statistical]") {
  const auto sc = scenario::load(tenure::testing::scenario_path("baseline"));
  const auto& sellers = variant(sc, "base");  // promotion by new business
  const auto& managers = variant(sc, "promote_managing_skill");
  std::vector<double> diff, clients;
  Promoted by_sales, by_managing;
  double pop_hunting = 0, pop_n = 0;
  for (std::uint64_t rep = 0; rep < 20; ++rep) {
    const auto a = model::simulate(sellers, sc.experiment.seed, rep);
    const auto b = model::simulate(managers, sc.experiment.seed, rep);
    diff.push_back(revenue(b) - revenue(a));
    clients.push_back(static_cast<double>(b.months.back().active_accounts - a.months.back().active_accounts));
    add_promoted(a, by_sales);
    add_promoted(b, by_managing);
    for (const auto& m : a.managers) pop_hunting += m.hunting_skill, pop_n += 1;
  }
  // Firms promote their best sellers: under promotion by new business the promoted sell better
  // than the average manager, and manage no better than one.
  INFO("promoted by new business: hunting " << by_sales.hunting / by_sales.n << " (all: " << pop_hunting / pop_n
                                            << "), managing " << by_sales.managing / by_sales.n);
  CHECK(by_sales.hunting / by_sales.n > pop_hunting / pop_n + 0.05);
  CHECK(by_managing.managing / by_managing.n > by_sales.managing / by_sales.n + 0.3);
  // The teams of those promoted for managing do better: the firm's revenue and clients.
  const auto r = stats(diff), c = stats(clients);
  INFO("revenue, managing - selling rule: " << r.mean << " +- " << r.se << "; clients " << c.mean << " +- " << c.se);
  CHECK(r.mean > 3 * r.se);
  CHECK(c.mean > 2 * c.se);
}
