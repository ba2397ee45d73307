// Mechanisms against closed forms, with tolerances derived from the number of runs:
// constant-hazard survival, Bass (logistic) diffusion on a complete graph with churn off (in
// continuous time),
// and the regime chain's long-run shares.
#include <catch2/catch.hpp>

#include <map>

#include "helpers.hpp"
#include "tenure/core/time.hpp"
#include "tenure/model/components.hpp"

using namespace tenure;
using tenure::testing::small_params;
using tenure::testing::stats;
namespace cal = tenure::calendar;

namespace {
// Everything switched off but what the test looks at.
model::ModelParams quiet(std::int64_t active, std::int64_t prospects) {
  auto p = small_params();
  p.accounts.initial_active = active;
  p.accounts.initial_prospects = prospects;
  p.accounts.satisfaction_sd = 0;
  p.service.problem_rate = 0;
  p.churn.satisfaction_weight = 0;
  p.churn.scar_weight = 0;
  p.churn.market_weight = 0;
  p.churn.competitor_weight = 0;
  p.acquisition.outreach_rate = 0;
  p.acquisition.bass_q = 0;
  p.acquisition.job_move_rate = 0;
  p.organisation.exit_rate = 0;
  p.organisation.dismissal_threshold = 0;
  p.organisation.positions = {2};
  return p;
}
// One support server and 100 clients for 20 years, every problem voiced and routed to it, no
// churn, exits or job moves: Poisson arrivals at 0.7 a day, a day's work per request on average.
model::ModelParams one_support_server() {
  auto p = small_params();
  p.horizon_days = 20 * 365.25;
  p.accounts.initial_active = 100;
  p.accounts.initial_prospects = 0;
  p.churn.base_rate = 0;
  p.organisation.exit_rate = 0;
  p.acquisition.job_move_rate = 0;
  p.service.satisfied_threshold = 0;  // every problem is voiced
  p.service.support_staff = 1;
  p.service.support_share = 1;        // and goes to support
  p.service.problem_rate = 0.007;
  p.service.request_hours = 5;
  p.service.support_hours_per_week = 35;
  return p;
}
}  // namespace

TEST_CASE("Churn: constant hazard gives exponential survival", "[model][statistical]") {
  auto p = quiet(5000, 0);
  p.horizon_days = cal::years(3);
  p.churn.base_rate = cal::per_year(0.3);
  p.churn.notice_min_days = p.churn.notice_max_days = 0;
  const auto r = model::simulate(p, 99, 0);
  const double n = 5000;
  for (int months : {6, 12, 24, 36}) {
    // Hazard draws happen at month ends; an account lost by then survived none of them.
    const double t = months * cal::kDaysPerMonth;
    double lost = 0;
    for (const auto& l : r.lost) lost += l.day <= t + 1e-9;
    const double q = 1 - std::exp(-p.churn.base_rate * t);
    const double sd = std::sqrt(n * q * (1 - q));
    INFO("month " << months << ": lost " << lost << ", expected " << n * q << " +- " << sd);
    CHECK(std::abs(lost - n * q) < 4 * sd);
  }
}

TEST_CASE("Acquisition: word of mouth on a complete graph follows Bass/logistic diffusion", "[model][statistical]") {
  // Churn off, outreach off: A' = q A (1 - A/M), the Bass model with p = 0, at 20,000 people.
  // Word of mouth is walked in continuous time (each new promoter raises the hazard at once),
  // so the model meets the closed form itself within sampling error: no step bias allowed.
  const double M = 20000, A0 = 200, q = 0.6;  // q per year
  auto p = quiet(static_cast<std::int64_t>(A0), static_cast<std::int64_t>(M - A0));
  p.churn.base_rate = 0;
  p.accounts.initial_satisfaction = 9;  // every client is a promoter
  p.acquisition.bass_q = cal::per_year(q);
  p.horizon_days = cal::years(10);
  const int R = 200;
  std::vector<model::RunResult> runs;
  for (int rep = 0; rep < R; ++rep) runs.push_back(model::simulate(p, 5, rep));
  for (double years : {2.0, 4.0, 6.0, 8.0, 10.0}) {
    const auto k = static_cast<std::size_t>(std::lround(years * 12)) - 1;
    std::vector<double> a;
    for (const auto& r : runs) a.push_back(static_cast<double>(r.months[k].active_accounts));
    const auto s = stats(a);
    const double ode = M / (1 + (M / A0 - 1) * std::exp(-q * years));
    INFO(years << " y: model " << s.mean << " +- " << s.se << ", closed form " << ode);
    CHECK(std::abs(s.mean - ode) < 4 * s.se);
    // The monthly step the model no longer takes would have been this far off: several SE.
    double rec = A0;
    for (std::size_t m = 0; m <= k; ++m) rec += (M - rec) * (1 - std::exp(-q * rec / M / 12.0));
    CHECK(std::abs(rec - ode) > 4 * s.se);
  }
}

TEST_CASE("Acquisition: pooled prospects convert as if each had its own threshold, and only the won get a record",
          "[model][statistical]") {
  // Outreach only, on the complete graph, with prospects arriving: the pool of n converts at
  // n h with h = outreach x effort / n, so each month a prospect there converts with probability
  // 1 - exp(-h dt), as it would with an Exp(1) threshold of its own (the model until
  // TENURE-WORLD-10). Expected prospects by recursion on the mean (n is large: the error of
  // putting the mean in the exponent is far below one count).
  auto p = quiet(100, 20000);
  p.churn.base_rate = 0;
  p.record_accounts = true;
  p.acquisition.outreach_rate = cal::per_year(2000);
  p.accounts.prospect_arrival_rate = cal::per_year(1200);
  p.horizon_days = cal::years(2);
  double effort = 0;
  for (const auto& m : p.managers) effort += model::time_allocations().create(m.time.name, m.time.params)->hunt_share();
  const int R = 60;
  std::vector<model::RunResult> runs;
  for (int rep = 0; rep < R; ++rep) runs.push_back(model::simulate(p, 17, rep));
  double n = 20000;
  const double dt = cal::kDaysPerMonth;
  for (std::size_t k = 0; k < 24; ++k) {
    n += p.accounts.prospect_arrival_rate * dt;  // arrivals come before the month's conversions
    n *= std::exp(-p.acquisition.outreach_rate * effort / n * dt);
    if (k % 6 != 5) continue;
    std::vector<double> left;
    for (const auto& r : runs) left.push_back(static_cast<double>(r.months[k].prospects));
    const auto s = stats(left);
    INFO("month " << k + 1 << ": prospects " << s.mean << " +- " << s.se << ", expected " << n);
    CHECK(std::abs(s.mean - n) < 4 * s.se + 1);
  }
  for (const auto& r : runs) {
    std::int64_t won = 0, arrived = r.accounts_created - 100 - 20000;
    for (const auto& m : r.months) won += m.new_clients;
    CHECK(r.months.back().prospects == 20000 + arrived - won);
    // A record for each client at the start and each won, none for the prospects still out.
    CHECK(static_cast<std::int64_t>(r.accounts.size()) == 100 + won);
    for (const auto& a : r.accounts) CHECK(a.state != "prospect");
  }
}

TEST_CASE("Market: the regime chain's long-run shares match its stationary distribution", "[model][statistical]") {
  auto p = quiet(10, 0);
  p.horizon_days = cal::years(25);
  p.market.model = {"markov", {}};
  p.market.regimes = {{"boom", 1, 1, 0, 0}, {"normal", 1, 1, 0, 0}, {"downturn", 1, 1, 0, 0}};
  p.market.transition.resize(3, 3);
  p.market.transition << 0.90, 0.10, 0.00, 0.05, 0.90, 0.05, 0.00, 0.20, 0.80;
  const Eigen::VectorXd pi = model::stationary_distribution(p.market.transition);
  CHECK(pi.sum() == Approx(1.0));
  CHECK((pi.transpose() * p.market.transition - pi.transpose()).norm() < 1e-12);
  const int R = 30, burn_in = 24;
  std::vector<std::vector<double>> shares(3);
  for (int rep = 0; rep < R; ++rep) {
    const auto r = model::simulate(p, 3, rep);
    std::vector<double> count(3, 0);
    for (std::size_t m = burn_in; m < r.months.size(); ++m) count[static_cast<std::size_t>(r.months[m].regime)] += 1;
    for (int j = 0; j < 3; ++j) shares[j].push_back(count[j] / static_cast<double>(r.months.size() - burn_in));
  }
  for (int j = 0; j < 3; ++j) {
    const auto s = stats(shares[j]);
    INFO("regime " << j << ": " << s.mean << " +- " << s.se << " vs " << pi(j));
    CHECK(std::abs(s.mean - pi(j)) < 4 * s.se);
    CHECK(s.se < 0.05);
  }
}

TEST_CASE("Requests: candidates at each client form a Poisson stream, drawn month by month",
          "[model][statistical]") {
  // Churn and acquisition off, every problem voiced, the bound equal to the rate (no thinning):
  // each month's requests are the sum of 2,000 independent Poisson(rate x month) counts.
  auto p = quiet(2000, 0);
  p.churn.base_rate = 0;
  p.horizon_days = cal::years(5);
  p.service.problem_rate = cal::per_year(18);  // 1.5 a month: months with two or more matter
  p.service.voice_probability = 1;
  p.service.support_staff = 0;
  const auto r = model::simulate(p, 21, 0);
  const double mean = 2000 * p.service.problem_rate * cal::kDaysPerMonth;
  std::vector<double> counts;
  for (const auto& m : r.months) counts.push_back(static_cast<double>(m.requests));
  REQUIRE(counts.size() == 60);
  const auto s = stats(counts);
  const double k = static_cast<double>(counts.size());
  INFO("requests per month " << s.mean << " +- " << s.se << ", expected " << mean);
  CHECK(std::abs(s.mean - mean) < 4 * std::sqrt(mean / k));
  // Poisson: variance equal to the mean. The sample variance's relative sd is sqrt(2 / (k - 1)).
  const double var = s.se * s.se * k;
  INFO("variance / mean " << var / mean);
  CHECK(std::abs(var / mean - 1.0) < 4 * std::sqrt(2.0 / (k - 1)));
}

TEST_CASE("Requests: a month's candidates come at that month's bound, set by its demand", "[model][statistical]") {
  // Regimes of demand 0.5 and 2, switching often. Each month's requests are Poisson(clients x
  // rate x demand x month) for the regime of that month. (A bound taken from the month before
  // would be exceeded in the month after each switch up: an error, not a count.)
  auto p = quiet(2000, 0);
  p.churn.base_rate = 0;
  p.horizon_days = cal::years(8);
  p.service.problem_rate = cal::per_year(6);
  p.service.voice_probability = 1;
  p.service.support_staff = 0;
  p.market.model = {"markov", {}};
  p.market.regimes = {{"slow", 1, 0.5, 0, 0}, {"busy", 1, 2.0, 0, 0}};
  p.market.transition.resize(2, 2);
  p.market.transition << 0.7, 0.3, 0.3, 0.7;
  const auto r = model::simulate(p, 8, 0);
  for (const int regime : {0, 1}) {
    double seen = 0, expected = 0;
    int months = 0;
    for (const auto& m : r.months)
      if (m.regime == regime) {
        seen += static_cast<double>(m.requests), ++months;
        expected += 2000 * p.service.problem_rate * p.market.regimes[static_cast<std::size_t>(regime)].demand * cal::kDaysPerMonth;
      }
    INFO("regime " << regime << ": " << months << " months, " << seen << " requests, expected " << expected);
    REQUIRE(months >= 20);
    CHECK(std::abs(seen - expected) < 4 * std::sqrt(expected));  // a sum of Poisson counts
  }
  // A regime the chain never enters changes no byte: its demand of 4 sets no month's bound.
  // (With one bound for the whole run, the largest demand, every month's candidates would come
  // four times as fast, thinned, and be different draws.)
  auto q = p;
  q.market.regimes.push_back({"never", 1, 4.0, 0, 0});
  q.market.transition.resize(3, 3);
  q.market.transition << 0.7, 0.3, 0.0, 0.3, 0.7, 0.0, 0.5, 0.5, 0.0;
  const auto rq = model::simulate(q, 8, 0);
  CHECK(rq.events == r.events);
  REQUIRE(rq.months.size() == r.months.size());
  for (std::size_t m = 0; m < r.months.size(); ++m) {
    CHECK(rq.months[m].requests == r.months[m].requests);
    CHECK(rq.months[m].value == r.months[m].value);
    CHECK(rq.months[m].mean_satisfaction == r.months[m].mean_satisfaction);
  }
}

TEST_CASE("Supervision: a client won back under notice does not leave at that notice's end",
          "[model][supervision]") {
  auto p = quiet(2000, 0);
  p.horizon_days = cal::years(3);
  p.churn.base_rate = cal::per_year(0.4);
  p.churn.notice_min_days = 60;
  p.churn.notice_max_days = 120;  // longer than the supervision interval: most are caught
  p.supervision.enabled = true;
  p.supervision.action = model::SupervisionAction::Escalate;
  p.supervision.save_probability = 0.5;  // some are won back (some of them give notice again), some leave
  p.record_accounts = true;
  const auto saved = model::simulate(p, 5, 0);
  // Per account, in order: a "churned" must follow a "notice given" with no "won back" between.
  // And it leaves at the end of its latest notice, never at an earlier notice's end.
  std::map<std::uint32_t, std::string> last;  // the last notice-related event
  std::map<std::uint32_t, double> noticed;    // when the latest notice was given
  std::size_t won_back = 0, churned = 0;
  for (const auto& e : saved.account_events) {
    if (e.what == "notice given" || e.what == "won back by supervision") last[e.account] = e.what;
    if (e.what == "notice given") noticed[e.account] = e.day;
    if (e.what == "won back by supervision") ++won_back;
    if (e.what == "churned") {
      ++churned;
      INFO("account " << e.account << " churned on day " << e.day);
      CHECK(last[e.account] == "notice given");
      CHECK(e.day >= noticed[e.account] + p.churn.notice_min_days - 1e-9);
    }
  }
  CHECK(won_back > 100);
  CHECK(churned > 50);
  // Without saves, the same notices run their course: more clients leave.
  p.supervision.save_probability = 0;
  const auto unsaved = model::simulate(p, 5, 0);
  CHECK(unsaved.lost.size() > saved.lost.size() + won_back / 2);
  CHECK(saved.lost.size() == churned);
}

TEST_CASE("Requests: support as one server docks with M/D/1, M/M/1 and M/G/1 (Pollaczek-Khinchine)",
          "[model][statistical]") {
  // Every request voiced and routed to one support server; no churn, no acquisition, no exits:
  // arrivals are Poisson at lambda = clients x problem_rate = 0.7 a day, service takes 1 day on
  // average (5 hours at 35 hours a week), so the mean response is W = 1/mu + lambda E[S^2] /
  // (2 (1 - rho)): 2.1667 days fixed, 3.3333 exponential, 2.4583 lognormal with cv 0.5.
  struct Case {
    model::ServiceTime dist;
    double cv, expected;
  };
  for (const Case c : {Case{model::ServiceTime::Fixed, 0, 1 + 0.7 / (2 * 0.3)},
                       Case{model::ServiceTime::Exponential, 1, 1 / 0.3},
                       Case{model::ServiceTime::Lognormal, 0.5, 1 + 0.7 * 1.25 / (2 * 0.3)}}) {
    auto p = one_support_server();
    p.service.service_time = c.dist;
    p.service.service_time_cv = c.cv;
    p.service.patience_days = 0;  // nobody gives up
    std::vector<double> per_rep;
    for (std::uint64_t r = 0; r < 12; ++r) {
      const auto res = model::simulate(p, 5, r);
      double sum = 0, n = 0;
      // Every answer's response, from the months' means and counts.
      for (const auto& m : res.months)
        sum += m.mean_response_days * static_cast<double>(m.answered_requests), n += static_cast<double>(m.answered_requests);
      per_rep.push_back(sum / n);
    }
    const auto st = tenure::testing::stats(per_rep);
    INFO(model::name_of(c.dist) << ": mean response " << st.mean << " +- " << st.se << " days, expected " << c.expected);
    CHECK(std::fabs(st.mean - c.expected) < 4.5 * st.se);
  }
}

TEST_CASE("Requests: clients who give up waiting dock with M/M/1+M (Erlang-A with one server)",
          "[model][statistical]") {
  // One support server, exponential service (mean 1 day), Poisson arrivals at 0.7 a day,
  // exponential patience (mean 2 days) while waiting. The queue is the birth-death chain with
  // births lambda and deaths mu + (n - 1) theta in state n >= 1; the share that gives up is
  // the abandonment rate sum (n - 1) theta p_n over lambda.
  const double lambda = 0.7, mu = 1.0, theta = 0.5;
  std::vector<double> pn{1.0};
  for (int n = 1; n < 400; ++n) pn.push_back(pn.back() * lambda / (mu + (n - 1) * theta));
  double total = 0, abandon_rate = 0;
  for (std::size_t n = 0; n < pn.size(); ++n) total += pn[n];
  for (std::size_t n = 1; n < pn.size(); ++n) abandon_rate += static_cast<double>(n - 1) * theta * pn[n] / total;
  const double expected = abandon_rate / lambda;
  auto p = one_support_server();
  p.service.service_time = model::ServiceTime::Exponential;
  p.service.patience_days = 1 / theta;
  std::vector<double> per_rep;
  for (std::uint64_t r = 0; r < 12; ++r) {
    const auto res = model::simulate(p, 5, r);
    double gave_up = 0, answered = 0;
    for (const auto& m : res.months) gave_up += static_cast<double>(m.abandoned_requests), answered += static_cast<double>(m.answered_requests);
    per_rep.push_back(gave_up / (gave_up + answered));
  }
  const auto st = tenure::testing::stats(per_rep);
  INFO("share given up " << st.mean << " +- " << st.se << ", M/M/1+M " << expected);
  CHECK(std::fabs(st.mean - expected) < 4.5 * st.se);
  CHECK(st.se < 0.01);
}
