// Blame rules and order rules of one's own (components.hpp), by the C++ route: a registry entry.
// A rule acts through the same actions as the built-in orders, so a rule that gives a built-in
// order's action at its day must give that order's run, byte for byte.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../helpers.hpp"
#include "tenure/core/bytes.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/results.hpp"
#include "tenure/scenario/experiment.hpp"

using namespace tenure;
using namespace tenure::model;

namespace {

std::string bytes_of(const RunResult& r) {
  core::ByteWriter w;
  save(w, r);
  return w.take();
}
// "identical", or where two runs' bytes first differ (a failure says where, not the bytes).
std::string compare(const RunResult& a, const RunResult& b) {
  const std::string x = bytes_of(a), y = bytes_of(b);
  if (x == y) return "identical";
  std::size_t i = 0;
  while (i < x.size() && i < y.size() && x[i] == y[i]) ++i;
  return "differ at byte " + std::to_string(i);
}

// Cuts support by its `fraction` parameter, as a cut_support order does.
struct CutRule : OrderRule {
  double fraction;
  explicit CutRule(double f) : fraction(f) {}
  void apply(OrganisationActions& org) const override { org.cut_support(fraction); }
};

// Records when it is called and what it sees; restores support when called again.
struct Calls {
  std::mutex mu;
  std::map<std::uint64_t, std::vector<double>> days;  // by the run's tag
  std::vector<double> support;
  bool consistent = true;
};
Calls& calls() {
  static Calls c;
  return c;
}
struct RecordingRule : OrderRule {
  std::uint64_t tag;
  explicit RecordingRule(std::uint64_t t) : tag(t) {}
  void apply(OrganisationActions& org) const override {
    std::lock_guard<std::mutex> lock(calls().mu);
    calls().days[tag].push_back(org.day());
    calls().support.push_back(org.support_staff());
    double books = 0;
    for (std::size_t i = 0; i < org.manager_count(); ++i) books += static_cast<double>(org.book_size(i));
    // Books hold every served client but those left ownerless (none here).
    if (books != static_cast<double>(org.clients()) || org.random_key(1) == org.random_key(2)) calls().consistent = false;
    if (org.support_staff() < 2) org.restore_support();
    else org.cut_support(0.5);
  }
};

// Blames nobody; or blames a manager who does not exist.
struct Nobody : BlameRule {
  std::int64_t blame(const LostRecord&, const OrganisationView&, core::Stream&) const override { return -1; }
};
struct OutOfRange : BlameRule {
  std::int64_t blame(const LostRecord&, const OrganisationView& org, core::Stream&) const override {
    return static_cast<std::int64_t>(org.manager_count());
  }
};
// Blames the owner, as last_owner does, through the view's numbers.
struct OwnerIfActive : BlameRule {
  std::int64_t blame(const LostRecord& lost, const OrganisationView& org, core::Stream&) const override {
    return lost.owner >= 0 && org.active(static_cast<std::size_t>(lost.owner)) ? lost.owner : -1;
  }
};
struct BadAction : OrderRule {
  void apply(OrganisationActions& org) const override { org.reassign_book(99); }
};

void register_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_order_rule({"test_cut", "cuts support", {real_param("fraction", 0.5, "", "share cut", 0, 1)},
                         [](const ParamSet& ps) -> std::unique_ptr<OrderRule> { return std::make_unique<CutRule>(ps.real("fraction")); }});
    register_order_rule({"test_recording", "records its calls", {int_param("tag", 0, "the run's tag", 0, 1000)},
                         [](const ParamSet& ps) -> std::unique_ptr<OrderRule> {
                           return std::make_unique<RecordingRule>(static_cast<std::uint64_t>(ps.integer("tag")));
                         }});
    register_order_rule({"test_bad_action", "reassigns a manager who does not exist", {},
                         [](const ParamSet&) -> std::unique_ptr<OrderRule> { return std::make_unique<BadAction>(); }});
    register_blame_rule({"test_nobody", "blames nobody", {},
                         [](const ParamSet&) -> std::unique_ptr<BlameRule> { return std::make_unique<Nobody>(); }});
    register_blame_rule({"test_out_of_range", "blames a manager who does not exist", {},
                         [](const ParamSet&) -> std::unique_ptr<BlameRule> { return std::make_unique<OutOfRange>(); }});
    register_blame_rule({"test_owner_if_active", "the owner while in post", {},
                         [](const ParamSet&) -> std::unique_ptr<BlameRule> { return std::make_unique<OwnerIfActive>(); }});
  });
}

ModelParams with_support(double cut_at) {
  auto p = testing::small_params();
  p.service.support_staff = 2;
  p.service.problem_rate = 6;
  p.orders = {Order{.at = cut_at, .kind = OrderKind::CutSupport, .fraction = 0.5}};
  return p;
}

}  // namespace

TEST_CASE("Order rule: a rule that cuts support at an order's day gives the built-in order's run exactly",
          "[model][rules]") {
  register_once();
  const ModelParams builtin = with_support(200);
  ModelParams ruled = builtin;
  ruled.orders = {Order{.at = 200, .kind = OrderKind::Rule, .rule = {"test_cut", {{"fraction", 0.5}}}}};
  CHECK(compare(simulate(ruled, 7, 2), simulate(builtin, 7, 2)) == "identical");
  // Attribution switches the rule's cut off as it does the built-in's (the same run), and the
  // cut matters (the run differs with it on).
  ModelParams off = ruled, builtin_off = builtin;
  off.factors_off = builtin_off.factors_off = 1u << static_cast<int>(Factor::SupportCut);
  CHECK(compare(simulate(off, 7, 2), simulate(builtin_off, 7, 2)) == "identical");
  CHECK(compare(simulate(off, 7, 2), simulate(builtin, 7, 2)) != "identical");
  // A rule may cut support or forbid contact: attribution lists both factors for it.
  const auto factors = scenario::default_factors(ruled);
  CHECK(std::count(factors.begin(), factors.end(), Factor::SupportCut) == 1);
  CHECK(std::count(factors.begin(), factors.end(), Factor::ManagementOrder) == 1);
  ModelParams plain = ruled;
  plain.orders.clear();
  const auto none = scenario::default_factors(plain);
  CHECK(std::count(none.begin(), none.end(), Factor::SupportCut) == 0);
}

TEST_CASE("Order rule: `every` repeats an order to the horizon, and a snapshot between calls resumes exactly",
          "[model][rules][snapshot]") {
  register_once();
  auto p = with_support(0);
  p.orders = {Order{.at = 100, .kind = OrderKind::Rule, .every = 90, .rule = {"test_recording", {{"tag", std::int64_t{1}}}}}};
  const RunResult whole = simulate(p, 3, 0);
  std::vector<double> expected;
  for (double d = 100; d < p.horizon_days; d += 90) expected.push_back(d);
  {
    std::lock_guard<std::mutex> lock(calls().mu);
    REQUIRE(calls().days[1].size() == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) CHECK(calls().days[1][k] == Approx(100 + 90.0 * static_cast<double>(k)));
    CHECK(calls().consistent);
    // Cut, restored, cut...: the rule saw its own actions.
    for (std::size_t k = 0; k < calls().support.size(); ++k) CHECK(calls().support[k] == (k % 2 == 0 ? 2.0 : 1.0));
  }
  // Saved between two calls and restored (the pending repeat travels in the snapshot), and
  // forked with the rule's schedule re-made from the day: the same run.
  p.orders[0].rule.params["tag"] = std::int64_t{2};
  for (double day : {150.0, 190.0, 280.0}) {
    World w(p, 3, 0);
    w.run_to(day);
    const std::string state = w.save();
    CHECK(compare(World::restore(p, state)->run(), whole) == "identical");
  }
  // A fork that adds an order after the snapshot day schedules the repeats from that day.
  ModelParams later = p;
  later.orders.push_back(Order{.at = 400, .kind = OrderKind::Rule, .every = 30, .rule = {"test_recording", {{"tag", std::int64_t{3}}}}});
  World w(p, 3, 0);
  w.run_to(300);
  World::restore(later, w.save())->run();
  std::lock_guard<std::mutex> lock(calls().mu);
  REQUIRE(!calls().days[3].empty());
  CHECK(calls().days[3].front() == 400);
  CHECK(calls().days[3].size() == static_cast<std::size_t>(std::ceil((p.horizon_days - 400) / 30)));
}

TEST_CASE("Blame rule: the organisation's rule decides whom a loss is blamed on, checked",
          "[model][rules]") {
  register_once();
  auto p = testing::small_params();
  p.churn.base_rate *= 4;  // losses to blame
  const RunResult owner = simulate(p, 5, 1);
  REQUIRE(owner.lost.size() > 20);
  double blamed = 0;
  for (const auto& m : owner.managers) blamed += m.blamed_value;
  CHECK(blamed > 0);

  p.organisation.blame = {"test_owner_if_active", {}};
  const RunResult same = simulate(p, 5, 1);
  REQUIRE(same.lost.size() == owner.lost.size());
  for (std::size_t i = 0; i < owner.lost.size(); ++i) {
    // Clients who follow a departed manager out are lost as theirs: not blamed on them here.
    const auto& l = owner.lost[i];
    const bool in_post = l.owner >= 0 && !(owner.managers[static_cast<std::size_t>(l.owner)].exited &&
                                           owner.managers[static_cast<std::size_t>(l.owner)].exit_day <= l.day);
    CHECK(same.lost[i].blamed == (in_post ? l.owner : -1));
  }

  p.organisation.blame = {"test_nobody", {}};
  const RunResult nobody = simulate(p, 5, 1);
  // Blame changes the record, not the firm: the same losses, blamed on nobody.
  REQUIRE(nobody.lost.size() == owner.lost.size());
  for (std::size_t i = 0; i < nobody.lost.size(); ++i) CHECK(nobody.lost[i].blamed == -1);
  for (const auto& m : nobody.managers) CHECK(m.blamed_value == 0);

  p.organisation.blame = {"test_out_of_range", {}};
  CHECK_THROWS_WITH(simulate(p, 5, 1), Catch::Contains("blame rule 'test_out_of_range' blamed manager") &&
                                            Catch::Contains("expected a manager's id"));
}

TEST_CASE("Order rule: an impossible action stops the run naming the rule, the order and the day", "[model][rules]") {
  register_once();
  auto p = testing::small_params();
  p.orders = {Order{.at = 50, .kind = OrderKind::Rule, .rule = {"test_bad_action", {}}}};
  CHECK_THROWS_WITH(simulate(p, 1, 0), Catch::Contains("order rule 'test_bad_action' (orders.0) failed at day 50") &&
                                           Catch::Contains("reassign_book(99): manager 99 does not exist"));
  // A rule order without a rule, a rule on another kind and a repeat under a day are refused.
  p.orders = {Order{.at = 50, .kind = OrderKind::Rule}};
  CHECK_THROWS_WITH(simulate(p, 1, 0), Catch::Contains("orders.0.rule: an order of kind rule needs the name"));
  p.orders = {Order{.at = 50, .kind = OrderKind::CutSupport, .fraction = 0.1, .rule = {"test_cut", {}}}};
  CHECK_THROWS_WITH(simulate(p, 1, 0), Catch::Contains("orders.0.rule: only an order of kind rule"));
  p.orders = {Order{.at = 50, .kind = OrderKind::CutSupport, .fraction = 0.1, .every = 0.5}};
  CHECK_THROWS_WITH(simulate(p, 1, 0), Catch::Contains("orders.0.every"));
}

namespace {
// A rule that takes the highest score, without saying so: reviews give it every candidate for
// every vacancy (PromotionPolicy::choose), the way a rule of one's own is served.
struct OnePassAtATime : PromotionPolicy {
  std::unique_ptr<PromotionPolicy> inner;
  explicit OnePassAtATime(std::unique_ptr<PromotionPolicy> p) : inner(std::move(p)) {}
  std::size_t choose(std::span<const CandidateRecord> c, std::uint64_t round, core::Stream& rng) const override {
    return inner->choose(c, round, rng);
  }
  double score(const CandidateRecord& c) const override { return inner->score(c); }
};
}  // namespace

TEST_CASE("Promotions: ranking each level once per review makes the choices of a pass per vacancy, byte for byte",
          "[rules][careers]") {
  // The ranked path (built-in rules that take the highest score) against the same rules served
  // one vacancy at a time: the same promotions, passed-over flags, rounds and runs.
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* name : {"new_business", "competence", "best", "worst", "composite"})
      register_promotion_policy({std::string("one_pass_") + name, "test: " + std::string(name) + " one vacancy at a time",
                                 promotion_policies().at(name).params,
                                 [name](const ParamSet& p) -> std::unique_ptr<PromotionPolicy> {
                                   return std::make_unique<OnePassAtATime>(promotion_policies().at(name).factory(p));
                                 }});
  });
  struct Case {
    const char* scenario;
    Component rule;
    std::vector<std::string> sets;
    std::int64_t promotions_at_least;  // over 3 replications of 8 years: several vacancies a review
  };
  const std::vector<Case> cases{
      // A high exit rate: many vacancies a review, filled down the levels in chains.
      {"what_the_firm_rewards", {"new_business", {}},
       {"accounts.initial_active=400", "accounts.initial_prospects=1600", "organisation.exit_rate=0.4 per year"}, 20},
      {"peter_principle", {"best", {{"metric", std::string("competence")}}}, {"organisation.exit_rate=0.4 per year"}, 200},
      {"peter_principle", {"worst", {{"metric", std::string("competence")}}}, {"organisation.exit_rate=0.4 per year"}, 200},
      {"baseline", {"composite", {}}, {"accounts.initial_active=400", "accounts.initial_prospects=1600"}, 5},
      {"ann_vs_darren", {"competence", {}}, {}, 1},
  };
  for (const auto& c : cases) {
    const auto sc = scenario::load(testing::scenario_path(c.scenario), c.sets);
    ModelParams fast = sc.base;
    fast.horizon_days = std::min(fast.horizon_days, 8 * 365.25);
    fast.organisation.promotion = c.rule;
    ModelParams slow = fast;
    slow.organisation.promotion.name = "one_pass_" + c.rule.name;
    REQUIRE_FALSE(promotion_policies().create(slow.organisation.promotion.name, slow.organisation.promotion.params)->picks_highest_score());
    REQUIRE(promotion_policies().create(fast.organisation.promotion.name, fast.organisation.promotion.params)->picks_highest_score());
    std::int64_t promotions = 0;
    for (std::uint64_t rep = 0; rep < 3; ++rep) {
      const RunResult a = simulate(fast, 5, rep), b = simulate(slow, 5, rep);
      for (const auto& m : a.managers) promotions += m.promotions;
      INFO(c.scenario << " under " << c.rule.name << ", replication " << rep);
      CHECK(compare(a, b) == "identical");
    }
    INFO(c.scenario << " under " << c.rule.name);
    CHECK(promotions >= c.promotions_at_least);
  }
}
