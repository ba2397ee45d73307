// The strategy hook (components.hpp): a strategy decides once a month, when urgency may start
// and after each review, from a view of its manager; the hot paths read the cached decision.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "../helpers.hpp"
#include "tenure/model/components.hpp"

using namespace tenure;
using namespace tenure::model;

namespace {

// What the test strategies saw, by name: moments and the views' numbers.
struct Seen {
  std::mutex mu;
  std::map<DecisionMoment, int> moments;
  bool views_consistent = true;
};
Seen& seen() {
  static Seen s;
  return s;
}

// Decides a fixed share through the hook (not through hunt_share()): a run with it must equal
// a run with the built-in of the same share, byte for byte.
struct DecidedShare : TimeAllocation {
  double share;
  explicit DecidedShare(double s) : share(s) {}
  double hunt_share() const override { return 0.0; }  // never read for decisions
  void decide(const ManagerView& v, Decision& d) const override {
    d.hunt_share = share;
    std::lock_guard<std::mutex> lock(seen().mu);
    ++seen().moments[v.moment()];
    const double to_review = v.days_to_review();
    if (!(to_review > 0 && to_review <= 365.25 + 1e-9) || v.book_size() < 0 || v.book_value() < 0 ||
        v.book_satisfaction() < 0 || v.book_satisfaction() > 10 || v.open_requests() < 0 || v.quota() <= 0)
      seen().views_consistent = false;
    if (v.book_size() == 0 && v.book_value() != 0) seen().views_consistent = false;
  }
};

// Behind quota: hunt; ahead: farm. Its decisions must reach the hot paths. (The worked example
// of docs/architecture.md, "What it takes to add something".)
struct QuotaChaser : TimeAllocation {
  double hunt_share() const override { return 0.5; }
  void decide(const ManagerView& v, Decision& d) const override {
    d.hunt_share = v.quarter_new_business() < v.quota() ? 0.95 : 0.05;
  }
};

struct Broken : TimeAllocation {
  double hunt_share() const override { return 0.5; }
  void decide(const ManagerView&, Decision& d) const override { d.hunt_share = 1.5; }
};

void register_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_time_allocation({"test_decided_hunter", "hunter's share, decided through the hook", {},
                              [](const ParamSet&) -> std::unique_ptr<TimeAllocation> { return std::make_unique<DecidedShare>(0.8); }});
    register_time_allocation({"test_quota_chaser", "hunts when behind quota", {},
                              [](const ParamSet&) -> std::unique_ptr<TimeAllocation> { return std::make_unique<QuotaChaser>(); }});
    register_time_allocation({"test_broken", "decides an impossible share", {},
                              [](const ParamSet&) -> std::unique_ptr<TimeAllocation> { return std::make_unique<Broken>(); }});
  });
}

}  // namespace

TEST_CASE("Strategy hook: decisions through the view give the built-in's run exactly, at every moment",
          "[model][strategy]") {
  register_once();
  auto p = testing::small_params();
  p.organisation.quota = 1e9;
  for (auto& m : p.managers) m.time = {"hunter", {}}, m.pressure = {"urgent", {}};
  p.organisation.hire.time = {"hunter", {}};
  const RunResult builtin = simulate(p, 11, 0);
  for (auto& m : p.managers) m.time = {"test_decided_hunter", {}};
  p.organisation.hire.time = {"test_decided_hunter", {}};
  const RunResult decided = simulate(p, 11, 0);
  REQUIRE(decided.months.size() == builtin.months.size());
  for (std::size_t i = 0; i < builtin.months.size(); ++i) {
    CHECK(decided.months[i].value == builtin.months[i].value);
    CHECK(decided.months[i].new_business == builtin.months[i].new_business);
    CHECK(decided.months[i].mean_response_days == builtin.months[i].mean_response_days);
  }
  CHECK(decided.events == builtin.events);
  // Asked every month (24 month ends), at each of the 8 urgency windows, at the quarters' closes
  // and at both reviews, for each active manager (2, or more after hires).
  std::lock_guard<std::mutex> lock(seen().mu);
  CHECK(seen().moments[DecisionMoment::Month] >= 2 * 24);
  CHECK(seen().moments[DecisionMoment::Urgency] >= 2 * 8);
  CHECK(seen().moments[DecisionMoment::QuarterEnd] >= 2 * 7);  // the 8th closes at the horizon
  CHECK(seen().moments[DecisionMoment::Review] >= 2 * 2);
  CHECK(seen().views_consistent);
}

TEST_CASE("Strategy hook: a decision from the view reaches the hot paths, an impossible one is refused",
          "[model][strategy]") {
  register_once();
  auto p = testing::small_params();
  p.organisation.quota = 1e12;  // always behind: the chaser hunts at 0.95
  for (auto& m : p.managers) m.time = {"test_quota_chaser", {}};
  p.organisation.hire.time = {"test_quota_chaser", {}};
  const RunResult chasing = simulate(p, 5, 0);
  p.organisation.quota = 0;  // always ahead: it farms at 0.05
  const RunResult farming = simulate(p, 5, 0);
  double won_chasing = 0, won_farming = 0;
  const auto outreach = static_cast<std::size_t>(Source::Outreach);
  for (const auto& m : chasing.months) won_chasing += m.new_by_source[outreach];
  for (const auto& m : farming.months) won_farming += m.new_by_source[outreach];
  CHECK(won_chasing > 2 * won_farming);  // outreach effort 19 times larger

  for (auto& m : p.managers) m.time = {"test_broken", {}};
  CHECK_THROWS_WITH(simulate(p, 5, 0), Catch::Contains("decided hunt_share = 1.5") && Catch::Contains("expected 0"));
}
