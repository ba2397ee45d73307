// Conformance: every registered strategy part, promotion policy, network generator and
// market model runs; accounts are conserved; nothing goes negative; the same seed gives the
// same result, also when run on another thread; a snapshot taken mid-run restores to the same
// bytes and runs on to the uninterrupted run's results.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "helpers.hpp"
#include "tenure/core/bytes.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/results.hpp"

using namespace tenure;
using tenure::testing::small_params;

namespace {
void check_run(const model::ModelParams& p, const std::string& what) {
  INFO(what);
  model::RunResult a = model::simulate(p, 7, 0);  // run() checks conservation itself
  model::RunResult b = model::simulate(p, 7, 0);
  model::RunResult c;
  std::thread t([&] { c = model::simulate(p, 7, 0); });
  t.join();
  // Save and restore mid-run: the same bytes again, and the uninterrupted run's results.
  {
    model::World w(p, 7, 0);
    w.run_to(p.horizon_days / 2);
    const std::string state = w.save();
    auto r = model::World::restore(p, state);
    CHECK(r->save() == state);
    const model::RunResult d = r->run();
    REQUIRE(d.months.size() == a.months.size());
    for (std::size_t i = 0; i < a.months.size(); ++i) {
      CHECK(d.months[i].value == a.months[i].value);
      CHECK(d.months[i].churned == a.months[i].churned);
      CHECK(d.months[i].new_business == a.months[i].new_business);
      CHECK(d.months[i].mean_satisfaction == a.months[i].mean_satisfaction);
    }
    CHECK(d.lost.size() == a.lost.size());
    CHECK(d.events == a.events);
  }
  REQUIRE(a.months.size() == b.months.size());
  std::int64_t lost = 0, gained = 0;
  for (std::size_t i = 0; i < a.months.size(); ++i) {
    const auto& m = a.months[i];
    CHECK(m.value >= 0);
    CHECK(m.active_accounts >= 0);
    CHECK(m.new_business >= 0);
    CHECK(m.churned_value >= 0);
    CHECK(m.mean_satisfaction >= 0);
    CHECK(m.mean_satisfaction <= 10);
    CHECK(m.open_requests >= 0);
    CHECK(m.value == b.months[i].value);
    CHECK(m.value == c.months[i].value);
    CHECK(m.churned == b.months[i].churned);
    lost += m.churned;
    gained += m.new_clients;
  }
  // Accounts are conserved: clients at the end = at the start + acquired - lost.
  CHECK(a.months.back().active_accounts == p.accounts.initial_active + gained - lost);
  CHECK(a.months.back().active_accounts + a.months.back().prospects + lost == a.accounts_created);
  CHECK(a.lost.size() == static_cast<std::size_t>(lost));
  for (const auto& m : a.managers) {
    CHECK(m.new_business >= 0);
    CHECK(m.retention_rate >= 0);
    CHECK(m.retention_rate <= 1);
    CHECK(m.book_value >= 0);
  }
}
}  // namespace

TEST_CASE("Conformance: every strategy combination runs and conserves accounts", "[model][conformance]") {
  for (const auto& t : model::time_allocations().names())
    for (const auto& s : model::service_styles().names())
      for (const auto& pr : model::pressure_behaviours().names()) {
        auto p = small_params();
        for (auto& m : p.managers) m.time = {t, {}}, m.service = {s, {}}, m.pressure = {pr, {}};
        p.organisation.quota = 1e9;  // everyone behind quota: pressure always bites
        check_run(p, t + "/" + s + "/" + pr);
      }
}

TEST_CASE("Conformance: every promotion policy runs and promotes", "[model][conformance]") {
  for (const auto& name : model::promotion_policies().names()) {
    auto p = small_params();
    p.organisation.promotion = {name, {}};
    check_run(p, name);
    auto r = model::simulate(p, 7, 0);
    std::int64_t promotions = 0;
    for (const auto& m : r.managers) promotions += m.promotions;
    CHECK(promotions >= 1);  // the level-1 position is vacant at the first review
  }
}

TEST_CASE("Conformance: every network generator and market model runs", "[model][conformance]") {
  for (const auto& name : model::network_generators().names()) {
    auto p = small_params();
    p.network.generator = {name, {}};
    check_run(p, name);
  }
  for (const auto& name : model::market_models().names()) {
    auto p = small_params();
    p.market.model = {name, {}};
    p.market.regimes = {{"a", 1, 1, 0, 0.1}, {"b", 0.5, 1.5, 0.5, 0.3}};
    p.market.transition.resize(2, 2);
    p.market.transition << 0.9, 0.1, 0.2, 0.8;
    check_run(p, name);
  }
}

TEST_CASE("Conformance: supervision, orders and conferences keep the invariants", "[model][conformance]") {
  auto p = small_params();
  p.supervision.enabled = true;
  using model::OrderKind;
  for (const auto action : {model::SupervisionAction::Coach, model::SupervisionAction::Reassign, model::SupervisionAction::Escalate}) {
    p.supervision.action = action;
    p.orders = {{100, OrderKind::CutSupport, 0.5, -1, -1},   {120, OrderKind::RecoveryMeeting, 0, -1, -1},
                {130, OrderKind::NoContact, 0, -1, -1},       {200, OrderKind::ReassignBook, 0, -1, 0},
                {300, OrderKind::LiftNoContact, 0, -1, -1}};
    p.conferences = {model::ConferenceParams{}};
    p.conferences[0].start = 60;
    check_run(p, std::string(model::name_of(action)));
  }
}

TEST_CASE("Model: a different seed or replication gives a different run", "[model][determinism]") {
  auto p = small_params();
  auto a = model::simulate(p, 7, 0), b = model::simulate(p, 8, 0), c = model::simulate(p, 7, 1);
  CHECK(a.months.back().value != b.months.back().value);
  CHECK(a.months.back().value != c.months.back().value);
}

TEST_CASE("Model: invalid parameters are refused with every problem listed", "[model]") {
  auto p = small_params();
  p.organisation.positions = {1};
  p.managers[0].time = {"huntr", {}};
  p.market.transition = Eigen::MatrixXd::Constant(1, 1, 0.5);
  try {
    model::simulate(p, 1, 0);
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("did you mean 'hunter'"));
    CHECK_THAT(msg, Catch::Contains("level 0 has 2 managers but 1 positions"));
    CHECK_THAT(msg, Catch::Contains("row 0 must sum to 1"));
  }
}

// A run's results as bytes, without the per-account rows (which only a run that keeps every
// record writes): what reusing records must not change.
static std::string bytes_without_accounts(model::RunResult r) {
  r.accounts.clear();
  r.account_events.clear();
  core::ByteWriter w;
  model::save(w, r);
  return w.take();
}

TEST_CASE("Records: clients won take the records of clients who left, and no result changes", "[model][conformance]") {
  // Records are reused unless accounts are recorded (then every record is a row): the same run
  // both ways, with churn, hand-overs, job moves, referrals, supervision and an order about the
  // largest client, must give the same bytes, saved and restored in the middle too.
  auto p = small_params();
  p.horizon_days = 6 * 365.25;
  p.accounts.initial_active = 600;
  p.accounts.initial_prospects = 3000;
  p.accounts.prospect_arrival_rate = 300 / 365.25;
  p.churn.base_rate = 0.4 / 365.25;
  p.acquisition.job_move_rate = 0.3 / 365.25;
  p.acquisition.outreach_rate = 400 / 365.25;  // wins outrun losses: most wins take a record back
  p.supervision.enabled = true;
  p.orders = {{400, model::OrderKind::RecoveryMeeting, 0, -1, -1}, {800, model::OrderKind::NoContact, 0, -1, -1}};
  auto recorded = p;
  recorded.record_accounts = true;
  for (std::uint64_t rep = 0; rep < 3; ++rep) {
    model::World reusing(p, 11, rep), keeping(recorded, 11, rep);
    const std::string a = bytes_without_accounts(reusing.run()), b = bytes_without_accounts(keeping.run());
    CHECK(a == b);
    // Reused: fewer records than clients ever; kept: one per client ever.
    const model::RunResult r = model::simulate(recorded, 11, rep);
    std::int64_t won = 0;
    for (const auto& m : r.months) won += m.new_clients;
    CHECK(keeping.records() == static_cast<std::size_t>(600 + won));
    INFO("records kept " << keeping.records() << ", reused " << reusing.records() << ", lost " << r.lost.size() << ", clients at the end " << r.months.back().active_accounts);
    CHECK(reusing.records() < keeping.records() - r.lost.size() / 2);
    // Given back at each quarter's close, a record waits at most four months (a client who left
    // in a quarter's last month, before its close): records never exceed the most clients at a
    // month's end, plus the most won in a month, plus the most lost in any five months.
    std::int64_t most_clients = 0, most_won = 0, most_lost = 0;
    for (std::size_t m = 0; m < r.months.size(); ++m) {
      most_clients = std::max(most_clients, r.months[m].active_accounts);
      most_won = std::max(most_won, r.months[m].new_clients);
      std::int64_t lost = 0;
      for (std::size_t k = m; k < std::min(m + 5, r.months.size()); ++k) lost += r.months[k].churned;
      most_lost = std::max(most_lost, lost);
    }
    CHECK(reusing.records() <= static_cast<std::size_t>(most_clients + most_won + most_lost));
    // Saved in the middle (records waiting and free among the state) and run on: the same.
    model::World half(p, 11, rep);
    half.run_to(p.horizon_days / 2 + 17);
    auto back = model::World::restore(p, half.save());
    CHECK(bytes_without_accounts(back->run()) == a);
  }
}

TEST_CASE("Records: a churn event of a withdrawn notice does nothing in a record taken again", "[model][conformance]") {
  // Notices of very different lengths, most of them won back, and records taken again each
  // quarter: a client whose withdrawn notice's event is still pending gives a second, shorter
  // notice and leaves; its record goes to a new client, who may be under its own first notice
  // when the old event comes. The event carries the record's generation, so it must find
  // nobody: the run gives the same bytes as one that keeps every record.
  auto p = small_params();
  p.horizon_days = 8 * 365.25;
  p.accounts.initial_active = 400;
  p.accounts.initial_prospects = 4000;
  p.accounts.prospect_arrival_rate = 600 / 365.25;
  p.churn.base_rate = 2.0 / 365.25;
  p.churn.notice_min_days = 5;
  p.churn.notice_max_days = 400;
  p.acquisition.outreach_rate = 800 / 365.25;
  p.supervision.enabled = true;
  p.supervision.interval_days = 7;
  p.supervision.satisfaction_threshold = 10;  // every client under notice is seen
  p.supervision.save_probability = 0.8;
  auto recorded = p;
  recorded.record_accounts = true;
  for (std::uint64_t rep = 0; rep < 4; ++rep) {
    model::World reusing(p, 3, rep), keeping(recorded, 3, rep);
    CHECK(bytes_without_accounts(reusing.run()) == bytes_without_accounts(keeping.run()));
    CHECK(reusing.records() < keeping.records());
  }
}

TEST_CASE("Careers: a manager who leaves at a review has that year's retention counted once", "[model][careers]") {
  // The review closes every manager's retention year; a manager dismissed at that review must
  // not have it closed a second time on leaving. Dismissal acts only at the review, so a run
  // that dismisses everyone there and one that dismisses nobody agree on every retention
  // record of the first year (neither reaches a second review).
  auto p = small_params();
  p.horizon_days = 365.25 + 20;
  p.accounts.initial_active = 400;
  p.organisation.exit_rate = 0;
  p.organisation.dismissal_threshold = 0;
  const auto kept = model::simulate(p, 5, 0);
  p.organisation.dismissal_threshold = 2;  // above any competence
  const auto dismissed = model::simulate(p, 5, 0);
  const std::size_t initial = p.managers.size();
  REQUIRE(kept.managers.size() >= initial);
  REQUIRE(dismissed.managers.size() >= initial);
  for (std::size_t i = 0; i < initial; ++i) {
    const auto &k = kept.managers[i], &d = dismissed.managers[i];
    INFO("manager " << d.name);
    CHECK_FALSE(k.exited);
    CHECK((d.exited && d.exit_reason == model::DepartureReason::Dismissed));
    CHECK(k.opening_clients > 0);
    CHECK(d.opening_clients == k.opening_clients);
    CHECK(d.retained_clients == k.retained_clients);
    CHECK(d.opening_client_years == k.opening_client_years);
    CHECK(d.retained_value == k.retained_value);
    CHECK(d.reviews == 1);
  }
}
