// The strategy hook (components.hpp): a strategy decides once a month, when urgency may start
// and after each review, from a view of its manager; the hot paths read the cached decision.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

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

// Throws after its first year, as a user's strategy might; and records its keyed draws.
struct Throws : TimeAllocation {
  double hunt_share() const override { return 0.5; }
  void decide(const ManagerView& v, Decision& d) const override {
    if (v.day() > 400) throw std::runtime_error("user code failed");
    d.hunt_share = 0.5;
  }
};
struct Keys {
  std::mutex mu;
  std::map<std::pair<std::string, double>, std::uint64_t> by_manager_day;  // key 0 at month decisions
};
Keys& keys() {
  static Keys k;
  return k;
}
struct KeyRecorder : TimeAllocation {
  double hunt_share() const override { return 0.5; }
  void decide(const ManagerView& v, Decision& d) const override {
    d.hunt_share = 0.5;
    if (v.moment() != DecisionMoment::Month) return;
    std::lock_guard<std::mutex> lock(keys().mu);
    keys().by_manager_day[{v.name(), v.day()}] = v.random_key(0);
    if (v.random_key(0) != v.random_key(0) || v.random_key(0) == v.random_key(1)) keys().by_manager_day[{"inconsistent", 0}] = 1;
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
    register_time_allocation({"test_throws", "throws after a year", {},
                              [](const ParamSet&) -> std::unique_ptr<TimeAllocation> { return std::make_unique<Throws>(); }});
    register_time_allocation({"test_keys", "records its keyed draws", {},
                              [](const ParamSet&) -> std::unique_ptr<TimeAllocation> { return std::make_unique<KeyRecorder>(); }});
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

TEST_CASE("Strategy hook: a failing strategy stops the run naming the manager, the part, the day and the moment",
          "[model][strategy]") {
  register_once();
  auto p = testing::small_params();
  for (auto& m : p.managers) m.time = {"test_throws", {}};
  CHECK_THROWS_WITH(simulate(p, 5, 0), Catch::Contains("strategy test_throws/") && Catch::Contains("of manager ") &&
                                           Catch::Contains("failed deciding its time at day 4") &&
                                           Catch::Contains("decision):\nuser code failed"));
}

TEST_CASE("Strategy hook: a strategy's own draws are keyed by manager and day, not by order or replication's neighbours",
          "[model][strategy]") {
  register_once();
  auto p = testing::small_params();
  for (auto& m : p.managers) m.time = {"test_keys", {}};
  p.organisation.hire.time = {"test_keys", {}};
  (void)simulate(p, 5, 0);
  std::map<std::pair<std::string, double>, std::uint64_t> first;
  {
    std::lock_guard<std::mutex> lock(keys().mu);
    first.swap(keys().by_manager_day);
  }
  REQUIRE(first.size() > 20);
  CHECK(first.count({"inconsistent", 0}) == 0);
  std::set<std::uint64_t> distinct;
  for (const auto& [k, v] : first) distinct.insert(v);
  CHECK(distinct.size() == first.size());  // every manager and day its own stream
  // The same run again: the same keys. Another replication: none of them.
  (void)simulate(p, 5, 0);
  std::map<std::pair<std::string, double>, std::uint64_t> again;
  {
    std::lock_guard<std::mutex> lock(keys().mu);
    again.swap(keys().by_manager_day);
  }
  CHECK(again == first);
  (void)simulate(p, 5, 1);
  std::lock_guard<std::mutex> lock(keys().mu);
  for (const auto& [k, v] : keys().by_manager_day) CHECK(!distinct.count(v));
}
