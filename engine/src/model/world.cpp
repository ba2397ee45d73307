// The account and career model: event handlers for requests, service, churn, acquisition,
// market, quarter ends, reviews and promotion, supervision and management orders.
#include "tenure/model/world.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <functional>
#include <bit>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/core/huge_page_allocator.hpp"
#include "tenure/core/simulation.hpp"
#include "tenure/model/components.hpp"

namespace tenure::model {

const char* to_string(Source s) {
  switch (s) {
    case Source::Initial: return "initial";
    case Source::Outreach: return "outreach";
    case Source::Referral: return "referral";
    case Source::WordOfMouth: return "word_of_mouth";
    case Source::JobMove: return "job_move";
    case Source::Event: return "event";
  }
  return "?";
}

const char* to_string(Cause c) {
  switch (c) {
    case Cause::IgnoredRequest: return "ignored_request";
    case Cause::LateResponse: return "late_response";
    case Cause::SupportCut: return "support_cut";
    case Cause::MarketStress: return "market_stress";
    case Cause::Competitor: return "competitor";
    case Cause::QuarterEnd: return "quarter_end";
    case Cause::NoContactOrder: return "no_contact_order";
    case Cause::ManagerExit: return "manager_exit";
    case Cause::RushedDeal: return "rushed_deal";
    case Cause::Handoff: return "handoff";
  }
  return "?";
}

namespace {

constexpr std::string_view kStateMagic = "TENURE-WORLD-2";

using core::Event;
using core::EventSpec;
using core::KeyedDraws;
using core::Purpose;
using core::Simulation;
using core::StreamKey;
namespace cal = tenure::calendar;

enum Kind : std::uint32_t {
  kProblem,      // target: account
  kServiceDone,  // aux: request id
  kMonthEnd,
  kChurn,        // target: account
  kUrgency,      // a quarter's urgency window opens
  kQuarterEnd,
  kReview,
  kConference,   // aux: conference index
  kSupervision,
  kOrder,        // aux: order index
};

// Priorities among simultaneous events: orders and reviews see the state before the month
// is closed, so that the month's row records their effect.
// The quarter closes after the month that ends with it, so the month's deals still see the
// quarter-end pressure.
constexpr std::int16_t kPrioOrder = -2, kPrioReview = -1, kPrioMonth = 1, kPrioQuarter = 2;

enum class State : std::uint8_t { Prospect, Active, Notice, Churned };

constexpr std::uint64_t kManagerEntity = std::uint64_t{1} << 40;
constexpr std::uint64_t kGlobalEntity = std::uint64_t{1} << 41;

inline std::uint32_t bit(Cause c) { return 1u << static_cast<int>(c); }

// One record per account (prospects included): a request touches one record, not a dozen
// parallel arrays. One cache line each: a record fetched ahead arrives whole.
struct alignas(64) Account {
  double value = 0, acquired = -1;
  float satisfaction = 0, expectation = 0, loyalty = 0, silent = 0;
  std::int32_t owner = -1;
  std::uint32_t causes = 0, problem_count = 0, open_requests = 0;
  std::uint32_t notices = 0;  // notices given; a churn event carries the number of its notice
  State state = State::Prospect;
  Source source = Source::Initial, reported = Source::Initial;
  std::uint8_t scars = 0, failures = 0, flags = 0;
};

struct Accounts {
  // On transparent huge pages: requests touch accounts at random, and with 4 KiB pages a
  // table of a million accounts misses the TLB on nearly every event.
  std::vector<Account, core::HugePageAllocator<Account>> rec;

  std::size_t size() const { return rec.size(); }
  void reserve(std::size_t n) {
    rec.reserve(n);
  }
  std::uint32_t add() {
    rec.emplace_back();
    return static_cast<std::uint32_t>(rec.size() - 1);
  }
};
// Account flags.
constexpr std::uint8_t kRushed = 1, kReferred = 2, kNoContact = 4, kPromised = 8;
// Counted in a month's tally. Never cleared: every client served at a month's pass is counted
// in it, so at that month's end a served client carries the flag unless it was won after the
// pass (and an account is won only once).
constexpr std::uint8_t kCounted = 16;

struct Manager {
  // What every request reads first, together: the strategies' numbers are read once, when the
  // manager is equipped (equip()), not through a virtual call and a pointer per request.
  double busy_until = 0, coached_until = -1, farming = 1, hours = 40;
  double answer_p = 1, care = 1, share = 0.5, urgent_share = 0.5, urgent_factor = 1;
  bool active = true, urgent = false, passed_over = false;
  std::string name, strategy;
  std::unique_ptr<TimeAllocation> time;
  std::unique_ptr<ServiceStyle> service;
  std::unique_ptr<PressureBehaviour> pressure;
  double hunting = 1, competence = 0.5, age_days = 0;
  std::int64_t level = 0;
  std::size_t level_slot = 0;  // index in the level's member list
  double quarter_new = 0;
  // year-to-date and cumulative
  double year_new = 0, opening_value = 0;
  std::vector<std::uint32_t> opening_book;
  ManagerRow row;
  std::vector<std::uint32_t> book;  // account ids, lazily pruned (see prune_book)
  std::int64_t owned = 0;           // clients (served accounts) this manager owns: the book's true size
  // book_value() as last computed, while `value_known`: what the blame of each lost account
  // reads, recomputed only for a book that changed since (see book_changed()).
  double known_value = 0;
  bool value_known = false;

  double hunt_share() const { return urgent ? std::max(share, urgent_share) : share; }
  // Hours per day given to the book.
  double farm_hours_per_day(double now) const { return farm_hours_per_day(urgent, now < coached_until); }
  double farm_hours_per_day(bool is_urgent, bool coached) const {
    double c = care;
    if (coached) c = std::max(c, 1.0) * 1.5;
    return std::max(0.05, hours * (1.0 - (is_urgent ? std::max(share, urgent_share) : share)) * c / 7.0);
  }
  // Days one request takes, [urgent][coached]: formed when the manager is equipped, as a
  // request would form them, so that a request does not wait on two divisions.
  double service_days[2][2] = {{0, 0}, {0, 0}};
};

struct Request {
  std::uint32_t account;
  std::int32_t manager;  // -1: served by support
  double arrival;
  bool urgent_at_arrival;
  bool support_cut_at_arrival;
};

}  // namespace

struct World::Impl {
  World& self;
  ModelParams p;
  std::uint64_t seed, rep;
  Simulation sim;
  Accounts acc;
  std::vector<Manager> managers;
  std::vector<std::vector<std::uint32_t>> members;  // active managers by level
  std::uint64_t assignments = 0;
  std::unique_ptr<PromotionPolicy> policy;
  std::unique_ptr<MarketModel> market;
  Network network;
  std::vector<Request> requests;
  // Clients (active or under notice), in id order, pruned of churned ones each month; and the
  // number of prospects. The monthly work then never walks the (larger) prospect pool.
  std::vector<std::uint32_t> served_ids;
  std::size_t served_sorted = 0;  // served_ids[0, served_sorted) is sorted
  std::int64_t n_prospects = 0;
  // The ledger the end-of-run checks balance: accounts and value in, accounts and value out.
  std::int64_t arrivals_total = 0, clients_won = 0;
  double initial_value = 0, value_won = 0, value_growth = 0;
  std::vector<std::uint32_t> free_requests;
  std::vector<double> support_busy;
  std::int64_t support_staff_now = 0;
  std::size_t regime = 0;
  double stress = 0, competitor = 0, acquisition_mult = 1, demand_mult = 1;
  std::uint64_t promotion_round = 0;
  std::int64_t month = 0;
  std::uint64_t hires = 0;
  RunResult out;
  MonthRow cur;  // the month being recorded
  double response_sum = 0;
  std::int64_t response_n = 0;
  double problem_rate_max = 0;

  Impl(World& w, const ModelParams& params, std::uint64_t s, std::uint64_t r)
      : self(w), p(params), seed(s), rep(r), sim(s, r) {
    run_hash = StreamKey{seed, rep, 0, 0}.hash();
  }

  // --- random draws keyed by what they are for ---------------------------------------
  // (seed, replication) hashed once; each draw set then costs three mixer rounds.
  std::uint64_t run_hash = 0;
  [[gnu::always_inline]] inline KeyedDraws draws(std::uint64_t entity, Purpose purpose, std::uint64_t index) const {
    std::uint64_t h = core::mix64(run_hash ^ (entity * 0x9e3779b97f4a7c15ULL));
    h = core::mix64(h ^ purpose.id);
    return KeyedDraws::from_state(core::mix64(h ^ (index * 0xd1b54a32d192ed03ULL + 1)));
  }
  // A client's draws for the month: (seed, replication, "month", month) hashed once a month
  // (month_hash), then one mixer round with the client's id. The month's pass takes them for
  // every client.
  std::uint64_t month_hash = 0;
  void start_month_draws(std::uint64_t mu) {
    month_hash = core::mix64(core::mix64(run_hash ^ Purpose("month").id) ^ (mu * 0xd1b54a32d192ed03ULL + 1));
  }
  KeyedDraws month_draws(std::uint32_t a) const {
    return KeyedDraws::from_state(core::mix64(month_hash ^ (static_cast<std::uint64_t>(a) * 0x9e3779b97f4a7c15ULL)));
  }
  KeyedDraws global(Purpose purpose, std::uint64_t index) const {
    return draws(kGlobalEntity, purpose, index);
  }

  double now() const { return sim.now(); }
  double ceiling(std::uint32_t a) const {
    return std::max(0.0, 10.0 - p.accounts.scar_cap * acc.rec[a].scars);
  }
  [[gnu::always_inline]] inline void set_satisfaction(std::uint32_t a, double s) {
    acc.rec[a].satisfaction = static_cast<float>(std::clamp(s, 0.0, ceiling(a)));
  }
  bool served(std::uint32_t a) const {
    return acc.rec[a].state == State::Active || acc.rec[a].state == State::Notice;
  }
  void log(std::uint32_t a, const char* what) {
    if (p.record_accounts) out.account_events.push_back({now(), a, what, acc.rec[a].satisfaction});
  }
  bool support_cut_active() const {
    return support_staff_now < p.service.support_staff;
  }

  // --- set-up ----------------------------------------------------------------------------
  // Thinning bound for problem arrivals: the largest rate any regime or cut can produce.
  static double thinning_bound(const ModelParams& p) {
    double demand_max = 1;
    for (const auto& r : p.market.regimes) demand_max = std::max(demand_max, r.demand);
    double shock_max = 0;
    for (const auto& s : p.market.shocks) shock_max = std::max(shock_max, s.severity);
    // A support cut raises the rate by half the fraction cut, and only scenarios that order
    // a cut need the head room.
    double cut_max = 0;
    for (const auto& o : p.orders)
      if (o.kind == "cut_support") cut_max = 1.0;
    const double bound = p.service.problem_rate * demand_max * (1.0 + shock_max) * (1.0 + 0.5 * cut_max);
    return bound > 0 ? bound : 0.0;  // no problems at all: none scheduled
  }

  // Strategy objects and the names that go with them; the rest of a manager is state.
  void equip(Manager& m, const ManagerSpec& s) {
    m.time = time_allocations().create(s.time.name, s.time.params);
    m.service = service_styles().create(s.service.name, s.service.params);
    m.pressure = pressure_behaviours().create(s.pressure.name, s.pressure.params);
    m.answer_p = m.service->answer_probability();
    m.care = m.service->care();
    m.share = m.time->hunt_share();
    m.urgent_share = m.pressure->urgent_hunt_share();
    m.urgent_factor = m.pressure->urgent_answer_factor();
    m.strategy = s.time.name + "/" + s.service.name + "/" + s.pressure.name;
    m.row.strategy = m.strategy;
    m.hunting = s.hunting_skill;
    m.farming = s.farming_skill;
    m.hours = s.hours_per_week;
    for (int u = 0; u < 2; ++u)
      for (int c = 0; c < 2; ++c) m.service_days[u][c] = p.service.request_hours / m.farm_hours_per_day(u, c);
  }
  Manager make_manager(const ManagerSpec& s, const std::string& name) {
    Manager m;
    m.name = name;
    m.row.name = name;
    equip(m, s);
    m.competence = s.competence;
    m.level = s.level;
    m.age_days = s.age_years * cal::kDaysPerYear;
    return m;
  }

  double draw_value(KeyedDraws& d) const {
    return std::exp(p.accounts.value_log_mean + p.accounts.value_log_sd * d.normal());
  }

  void setup() {
    policy = promotion_policies().create(p.organisation.promotion.name, p.organisation.promotion.params);
    market = market_models().create(p.market.model.name, p.market.model.params);
    regime = static_cast<std::size_t>(p.market.initial_regime);
    support_staff_now = p.service.support_staff;
    support_busy.assign(static_cast<std::size_t>(std::max<std::int64_t>(p.service.support_staff, 0)), 0.0);
    rebuild_support_free();

    std::vector<double> shares;
    for (const auto& spec : p.managers)
      for (std::int64_t i = 0; i < spec.count; ++i) {
        const std::string name = spec.count == 1 ? spec.name : spec.name + "-" + std::to_string(i + 1);
        managers.push_back(make_manager(spec, name));
        shares.push_back(spec.book_share);
      }
    const double share_sum = std::accumulate(shares.begin(), shares.end(), 0.0);
    members.assign(p.organisation.positions.size(), {});
    for (std::uint32_t i = 0; i < managers.size(); ++i) join(i, managers[i].level);

    const auto total = static_cast<std::size_t>(p.accounts.initial_active + p.accounts.initial_prospects);
    // Room for the prospects expected to arrive, so that growth never doubles peak memory.
    acc.reserve(total + static_cast<std::size_t>(1.05 * p.accounts.prospect_arrival_rate * p.horizon_days + 64));
    for (std::size_t i = 0; i < total; ++i) acc.add();
    n_prospects = static_cast<std::int64_t>(total);
    // Initial clients go to managers in proportion to their book share, in account order.
    std::vector<double> cum(shares.size());
    std::partial_sum(shares.begin(), shares.end(), cum.begin());
    std::size_t m = 0;
    for (std::int64_t i = 0; i < p.accounts.initial_active; ++i) {
      const auto a = static_cast<std::uint32_t>(i);
      const double pos = (static_cast<double>(i) + 0.5) / static_cast<double>(p.accounts.initial_active) * share_sum;
      while (m + 1 < cum.size() && pos > cum[m]) ++m;
      KeyedDraws d = draws(a, Purpose("initial"), 0);
      activate(a, managers.empty() ? -1 : static_cast<std::int32_t>(m), Source::Initial, Source::Initial,
               draw_value(d), /*at_start=*/true);
      set_satisfaction(a, p.accounts.initial_satisfaction + p.accounts.satisfaction_sd * d.normal());
      acc.rec[a].acquired = -d.uniform01() * 5 * cal::kDaysPerYear;  // tenure up to five years
    }
    for (auto& mg : managers) snapshot_opening(mg);

    core::Stream net_rng = sim.stream(kGlobalEntity, Purpose("network"));
    network = network_generators()
                  .create(p.network.generator.name, p.network.generator.params)
                  ->generate(total, net_rng);

    set_bound(thinning_bound(p));
    arrivals_until = std::min(cal::months(1), p.horizon_days);
    if (problem_rate_max > 0) {
      for (std::uint32_t a = 0; a < acc.size(); ++a)
        if (served(a)) candidates(a, draws(a, Purpose("problems-start"), 0), 0.0, arrivals_until);
      sim.schedule_batch(drawn);
    }

    sim.schedule_at(cal::months(1), EventSpec{kMonthEnd, 0, 0, kPrioMonth});
    sim.schedule_at(cal::next_quarter_end(0) - p.organisation.urgency_window_days, EventSpec{kUrgency});
    sim.schedule_at(cal::next_quarter_end(0), EventSpec{kQuarterEnd, 0, 0, kPrioQuarter});
    sim.schedule_at(cal::years(1), EventSpec{kReview, 0, 0, kPrioReview});
    for (std::size_t i = 0; i < p.conferences.size(); ++i)
      sim.schedule_at(p.conferences[i].start, EventSpec{kConference, 0, static_cast<std::uint32_t>(i)});
    for (std::size_t i = 0; i < p.orders.size(); ++i)
      sim.schedule_at(p.orders[i].at, EventSpec{kOrder, 0, static_cast<std::uint32_t>(i), kPrioOrder});
    if (p.supervision.enabled) sim.schedule_at(p.supervision.interval_days, EventSpec{kSupervision});
    update_market_multipliers();
  }

  void activate(std::uint32_t a, std::int32_t owner, Source src, Source reported, double value,
                bool at_start = false) {
    if (acc.rec[a].state == State::Prospect) --n_prospects;
    served_ids.push_back(a);
    acc.rec[a].state = State::Active;
    acc.rec[a].owner = owner;
    acc.rec[a].source = src;
    acc.rec[a].reported = reported;
    acc.rec[a].value = value;
    acc.rec[a].expectation = static_cast<float>(p.accounts.expectation);
    acc.rec[a].loyalty = static_cast<float>(p.accounts.manager_loyalty_initial);
    acc.rec[a].acquired = now();
    if (!at_start) set_satisfaction(a, p.accounts.initial_satisfaction);
    if (at_start) initial_value += value;
    else ++clients_won, value_won += value;
    if (owner >= 0) add_to_book(static_cast<std::size_t>(owner), a);
    if (!at_start) {
      // Mid-month, the client's requests start now; at a month's end, the month's pass draws
      // them with everyone else's.
      if (problem_rate_max > 0 && now() < arrivals_until) {
        candidates(a, draws(a, Purpose("problems-start"), 0), now(), arrivals_until);
        for (const auto& c : drawn) sim.schedule_at(c.time, c.spec);
        drawn.clear();
      }
      cur.new_business += value;
      ++cur.new_clients;
      cur.new_by_source[static_cast<int>(src)] += value;
      cur.new_by_reported_source[static_cast<int>(reported)] += value;
      if (owner >= 0) {
        Manager& m = managers[static_cast<std::size_t>(owner)];
        m.row.new_business += value;
        ++m.row.new_clients;
        m.year_new += value;
        m.quarter_new += value;
      }
      if (self.account_acquired.connected()) self.account_acquired.emit(now(), a, value, src);
      log(a, "acquired");
    }
  }

  // --- requests and service ----------------------------------------------------------
  // Request candidates arrive at each client as a Poisson stream at the bound rate; thinning
  // accepts them at the current rate (on_problem). A Poisson stream's counts in disjoint
  // windows are independent, so the candidates are drawn a month at a time: in the monthly
  // pass, which holds the client's record anyway, with the month's own draws, and scheduled
  // as one batch (core::EventBatch) instead of one queue entry each.
  std::vector<Simulation::BatchItem> drawn;  // candidates drawn, not yet scheduled
  double arrivals_until = 0;                    // candidates are drawn up to this time
  std::vector<double> month_cdf;                // P(N <= n), N ~ Poisson(bound x one month)
  double window_to = 0;                         // at a month's end: the end of the month ahead
  std::size_t arrivals_covered = 0;             // served_ids[0, this) drew theirs in the pass

  void set_bound(double bound) {
    problem_rate_max = bound;
    month_cdf.clear();
    const double mean = bound * cal::kDaysPerMonth;
    if (!(mean > 0)) return;
    // In logs, so that a large mean cannot underflow; up to far into the tail.
    const double cap = mean + 60.0 * std::sqrt(mean) + 60.0;
    double cdf = 0;
    for (double n = 0; n <= cap && cdf < 1.0; ++n) {
      cdf += std::exp(-mean + n * std::log(mean) - std::lgamma(n + 1.0));
      month_cdf.push_back(cdf);
    }
    // Padded with 2 (above any uniform), so that the first entries can be compared without
    // a bound check and without branches.
    month_cdf.resize(std::max(month_cdf.size() + 1, kCdfFast), 2.0);
  }
  static constexpr std::size_t kCdfFast = 4;
  // Client a's candidates in (from, to], into `drawn`. A whole month: the count by inversion
  // of the table, the times uniform over the month (no logarithm; most client-months have
  // none). A part of one (a client won mid-month, the run's last days, a fork): exponential
  // gaps.
  // (Inlined into the month's pass, which calls it for every client.)
  [[gnu::always_inline]] inline void candidates(std::uint32_t a, KeyedDraws d, double from, double to) {
    if (to == from + cal::kDaysPerMonth) [[likely]]
      month_candidates(a, d, from);
    else
      part_candidates(a, d, from, to);
  }
  // A whole month from `from`.
  // The count and the first time come from one 64-bit draw, 32 bits each (see halves()); the
  // further times from a draw each.
  [[gnu::always_inline]] inline void month_candidates(std::uint32_t a, KeyedDraws d, double from) {
    double first;
    const std::size_t n = month_count_first(d, first);
    for (std::size_t i = 0; i < n; ++i)
      drawn.push_back({from + cal::kDaysPerMonth * (i == 0 ? first : d.uniform01()), EventSpec{kProblem, a}});
  }
  // A month's count, and its first time as a fraction of the month: the halves of d's next
  // draw. Further times are d's draws after it.
  [[gnu::always_inline]] inline std::size_t month_count_first(KeyedDraws& d, double& first) const {
    const auto [u, f] = halves(d.next());
    first = f;
    return month_count(u);
  }
  // N ~ Poisson(bound x one month) for a uniform u: the number of entries of the table u is at
  // or above. A sum over the first entries (the count is rarely more than a few, and
  // unpredictable), then a search for the rare rest.
  [[gnu::always_inline]] inline std::size_t month_count(double u) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < kCdfFast; ++i) n += u >= month_cdf[i];
    if (n == kCdfFast) [[unlikely]]
      while (u >= month_cdf[n]) ++n;
    return n;
  }
  // Two uniforms on [0, 1) from one 64-bit draw, 32 bits each: for the month's draws, where a
  // resolution of 2^-32 decides as well as 2^-53 and a draw (a mixer round) less is a tenth of
  // a client's month.
  static std::pair<double, double> halves(std::uint64_t r) {
    return {static_cast<double>(r >> 32) * 0x1.0p-32, static_cast<double>(r & 0xffffffffu) * 0x1.0p-32};
  }
  [[gnu::noinline]] void part_candidates(std::uint32_t a, KeyedDraws d, double from, double to) {
    for (double t = from;;) {
      t += -std::log(d.uniform_open0()) / problem_rate_max;
      if (!(t <= to)) return;
      drawn.push_back({t, EventSpec{kProblem, a}});
    }
  }
  // The month's draws for client a, from the fifth on (account_month uses the first four).
  KeyedDraws month_arrival_draws(std::uint32_t a) const {
    KeyedDraws d = month_draws(a);
    d.skip(4);
    return d;
  }

  double problem_rate() const {
    const double cut = p.factor_on(Factor::SupportCut) && p.service.support_staff > 0
                           ? 1.0 - static_cast<double>(support_staff_now) / static_cast<double>(p.service.support_staff)
                           : 0.0;
    return p.service.problem_rate * demand_mult * (1.0 + 0.5 * cut);
  }

  void on_problem(std::uint32_t a) {
    if (!served(a)) return;
    const std::uint32_t k = ++acc.rec[a].problem_count;
    // The request's draws, by position (thinning, voice, route, answer), each taken only when
    // it can decide something: they are counter-based, so a draw skipped changes no other, and
    // the key is hashed only if one is taken (in many scenarios none is).
    std::optional<KeyedDraws> base;
    auto draw = [&](std::uint64_t position) {
      if (!base) base = draws(a, Purpose("problem"), k);
      KeyedDraws d = *base;
      d.skip(position);
      return d.uniform01();
    };
    const double rate = problem_rate();
    if (rate > problem_rate_max * (1 + 1e-12))
      throw Error("invariant violated: request rate " + std::to_string(rate) + " exceeds the thinning bound " +
                  std::to_string(problem_rate_max) + " at day " + std::to_string(now()));
    if (rate < problem_rate_max && draw(0) * problem_rate_max >= rate) return;  // thinned away
    const double s = acc.rec[a].satisfaction;
    bool quiet = false;
    if (s < p.service.satisfied_threshold) quiet = draw(1) >= p.service.voice_probability;
    if (quiet) {
      // The client goes quiet: the damage stays until someone visits.
      acc.rec[a].silent += 1;
      set_satisfaction(a, s - p.service.silent_penalty);
      log(a, "silent problem");
      return;
    }
    ++cur.requests;
    const std::int32_t owner = acc.rec[a].owner;
    if ((acc.rec[a].flags & kNoContact) && p.factor_on(Factor::ManagementOrder)) {
      // The manager may not answer: the unkept promise weighs like a loss.
      ignore(a, owner, bit(Cause::NoContactOrder));
      return;
    }
    const double support_p =
        p.service.support_staff > 0
            ? p.service.support_share * static_cast<double>(support_staff_now) / static_cast<double>(p.service.support_staff)
            : 0.0;
    bool to_support = owner < 0;
    if (owner >= 0 && support_p > 0) to_support = draw(2) < support_p;
    if (to_support) {
      if (support_staff_now > 0) {
        enqueue_support(a);
        return;
      }
      if (owner < 0) {
        ignore(a, owner, 0);
        return;
      }
    }
    Manager& m = managers[static_cast<std::size_t>(owner)];
    double answer = m.answer_p;
    if (!p.factor_on(Factor::ManagerNeglect)) answer = std::max(answer, 0.98);
    if (now() < m.coached_until) answer = std::max(answer, 0.9);
    const bool urgent = m.urgent;
    if (urgent) answer *= m.urgent_factor;
    if (answer < 1 && draw(3) >= answer) {
      std::uint32_t why = urgent ? bit(Cause::QuarterEnd) : bit(Cause::IgnoredRequest);
      ignore(a, owner, why);
      return;
    }
    const double service_days = m.service_days[urgent][now() < m.coached_until];
    const double start = std::max(now(), m.busy_until);
    m.busy_until = start + service_days;
    add_request(a, owner, urgent, m.busy_until);
  }

  // Support servers on duty, free soonest first: (busy until, index) in a min-heap, so that a
  // request finds the earliest-free server (the lowest index among equals) in O(log staff).
  std::vector<std::pair<double, std::uint32_t>> support_free;
  void rebuild_support_free() {
    support_free.clear();
    for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(support_staff_now); ++i)
      support_free.emplace_back(support_busy[i], i);
    std::make_heap(support_free.begin(), support_free.end(), std::greater<>{});
  }
  void enqueue_support(std::uint32_t a) {
    std::pop_heap(support_free.begin(), support_free.end(), std::greater<>{});
    const std::uint32_t best = support_free.back().second;
    const double service_days = p.service.request_hours / (p.service.support_hours_per_week / 7.0);
    const double start = std::max(now(), support_busy[best]);
    support_busy[best] = start + service_days;
    support_free.back().first = support_busy[best];
    std::push_heap(support_free.begin(), support_free.end(), std::greater<>{});
    add_request(a, -1, false, support_busy[best]);
  }

  void add_request(std::uint32_t a, std::int32_t server, bool urgent, double done) {
    std::uint32_t id;
    if (!free_requests.empty()) {
      id = free_requests.back();
      free_requests.pop_back();
    } else {
      id = static_cast<std::uint32_t>(requests.size());
      requests.emplace_back();
    }
    requests[id] = Request{a, server, now(), urgent, support_cut_active() && p.factor_on(Factor::SupportCut)};
    ++acc.rec[a].open_requests;
    sim.schedule_at(done, EventSpec{kServiceDone, a, id});
  }

  void ignore(std::uint32_t a, std::int32_t owner, std::uint32_t why) {
    ++cur.ignored_requests;
    acc.rec[a].scars = static_cast<std::uint8_t>(std::min(acc.rec[a].scars + 1, 20));
    acc.rec[a].causes |= why;
    double drop = p.service.ignore_penalty;
    if (acc.rec[a].flags & kPromised) drop *= p.service.loss_aversion;  // a promise not kept
    set_satisfaction(a, acc.rec[a].satisfaction - drop);
    if (owner >= 0) ++managers[static_cast<std::size_t>(owner)].row.requests_ignored;
    log(a, "request ignored");
  }

  void on_service_done(std::uint32_t id) {
    const Request r = requests[id];
    free_requests.push_back(id);
    const std::uint32_t a = r.account;
    --acc.rec[a].open_requests;
    const double response = now() - r.arrival;
    response_sum += response;
    ++response_n;
    if (!served(a)) return;
    const double late = std::max(0.0, response - p.service.expected_response_days);
    double skill = 0;
    if (r.manager >= 0) {
      Manager& m = managers[static_cast<std::size_t>(r.manager)];
      ++m.row.requests_answered;
      if (late > 0) ++m.row.requests_late;
      skill = m.farming - 1.0;
    }
    if (late > 0) {
      acc.rec[a].causes |= bit(Cause::LateResponse);
      if (r.support_cut_at_arrival) acc.rec[a].causes |= bit(Cause::SupportCut);
      if (r.urgent_at_arrival) acc.rec[a].causes |= bit(Cause::QuarterEnd);
    }
    encounter(a, skill - p.service.late_penalty_per_day * late);
    if (late == 0 && acc.rec[a].failures == 0) {
      // A first failure recovered well lifts satisfaction; later ones do not.
      set_satisfaction(a, acc.rec[a].satisfaction + p.service.recovery_bonus);
    }
    acc.rec[a].failures = static_cast<std::uint8_t>(std::min(acc.rec[a].failures + 1, 250));
    log(a, late > 0 ? "request answered late" : "request answered");
  }

  // Satisfaction moves toward expectation plus the (loss-averse) gap between delivered and
  // expected service; long-tenured clients move less.
  // (1 / the damping in days, formed once: one division per encounter, not three in a chain.)
  const double damping_per_day = 1.0 / (cal::kDaysPerYear * p.service.tenure_damping_years);
  void encounter(std::uint32_t a, double gap) {
    const double alpha = p.service.adapt_rate / (1.0 + std::max(0.0, now() - acc.rec[a].acquired) * damping_per_day);
    const double felt = gap >= 0 ? gap : p.service.loss_aversion * gap;
    const double target = acc.rec[a].expectation + felt;
    set_satisfaction(a, acc.rec[a].satisfaction + alpha * (target - acc.rec[a].satisfaction));
  }

  // --- churn -----------------------------------------------------------------------------
  void give_notice(std::uint32_t a, double lag, std::uint32_t why) {
    acc.rec[a].state = State::Notice;
    acc.rec[a].causes |= why;
    // A notice withdrawn (a client won back) needs no cancellation: its churn event finds a
    // client no longer under that notice, and does nothing.
    sim.schedule_in(lag, EventSpec{kChurn, a, ++acc.rec[a].notices});
    log(a, "notice given");
  }

  void on_churn(std::uint32_t a, std::uint32_t notice) {
    if (acc.rec[a].state != State::Notice || acc.rec[a].notices != notice) return;
    acc.rec[a].state = State::Churned;
    if (const std::int32_t o = acc.rec[a].owner; o >= 0) --managers[static_cast<std::size_t>(o)].owned;
    book_changed(acc.rec[a].owner);
    const double v = acc.rec[a].value;
    const std::uint32_t causes = acc.rec[a].causes;
    cur.churned_value += v;
    ++cur.churned;
    int n = 0;
    for (int c = 0; c < kCauseCount; ++c) n += (causes >> c) & 1;
    for (int c = 0; c < kCauseCount; ++c)
      if ((causes >> c) & 1) cur.churned_by_cause[static_cast<std::size_t>(c)] += v / n;
    if (n == 0) cur.churned_by_cause[kCauseCount] += v;
    LostAccount lost{a, now(), v, causes, acc.rec[a].owner, blame(a)};
    if (lost.blamed >= 0) managers[static_cast<std::size_t>(lost.blamed)].row.blamed_value += v;
    out.lost.push_back(lost);
    out.lost_value += v;
    if (self.account_churned.connected()) self.account_churned.emit(now(), a, v, causes);
    log(a, "churned");
  }

  std::int64_t blame(std::uint32_t a) {
    if (p.organisation.blame_rule == "weakest_performer") {
      std::int64_t worst = -1;
      double w = 1e300;
      for (std::size_t i = 0; i < managers.size(); ++i) {
        if (!managers[i].active) continue;
        const double score = managers[i].year_new + current_book_value(i);
        if (score < w) w = score, worst = static_cast<std::int64_t>(i);
      }
      return worst;
    }
    return acc.rec[a].owner;
  }

  // A book's value, recomputed only when the book changed since it was last computed: a lost
  // account's blame reads every manager's, and most books do not change between two losses.
  // The same sum, in the same order, as book_value().
  double current_book_value(std::size_t i) {
    Manager& m = managers[i];
    if (!m.value_known) m.known_value = book_value(m), m.value_known = true;
    return m.known_value;
  }
  // Marks a book whose clients or their values changed.
  void book_changed(std::int32_t i) {
    if (i >= 0) managers[static_cast<std::size_t>(i)].value_known = false;
  }
  double book_value(const Manager& m) const {
    double v = 0;
    for (auto a : m.book)
      if (served(a) && acc.rec[a].owner == static_cast<std::int32_t>(&m - managers.data())) v += acc.rec[a].value;
    return v;
  }

  // --- the month -------------------------------------------------------------------------
  void update_market_multipliers() {
    const Regime& r = p.market.regimes[regime];
    double shock = 0;
    for (const auto& s : p.market.shocks)
      if (now() >= s.start && now() < s.start + s.duration) shock = std::max(shock, s.severity);
    const bool market_on = p.factor_on(Factor::Market);
    stress = market_on ? r.stress + shock : 0.0;
    demand_mult = market_on ? r.demand * (1.0 + shock) : 1.0;
    acquisition_mult = market_on ? r.acquisition * (1.0 - 0.7 * shock) : 1.0;
    competitor = p.factor_on(Factor::Competitor) ? r.competitor + 0.5 * shock : 0.0;
  }

  // Merges the newly acquired into id order, once a month; the month's pass then drops the
  // churned (it reads every record anyway). Between syncs the list may hold churned clients
  // (readers check served()) and, at its tail, new ones out of order; an account is
  // activated only once, so it never appears twice.
  void sync_served() {
    std::sort(served_ids.begin() + static_cast<std::ptrdiff_t>(served_sorted), served_ids.end());
    std::inplace_merge(served_ids.begin(), served_ids.begin() + static_cast<std::ptrdiff_t>(served_sorted),
                       served_ids.end());
    served_sorted = served_ids.size();
  }

  const std::atomic<bool>* stop_flag = nullptr;  // World::stop_when

  void on_month_end() {
    if (stop_flag && stop_flag->load(std::memory_order_relaxed)) [[unlikely]] throw Stopped();
    const double dt = cal::kDaysPerMonth;
    window_to = std::min(now() + dt, p.horizon_days);
    start_month_draws(static_cast<std::uint64_t>(month));
    sync_served();
    accounts_month(dt);  // draws the coming month's request candidates of the clients it visits
    acquisition_month(dt);
    managers_month(dt);
    close_month();
    // The clients won during the pass or after it: their candidates, with their month's draws.
    if (problem_rate_max > 0) {
      for (std::size_t i = arrivals_covered; i < served_ids.size(); ++i)
        if (const std::uint32_t a = served_ids[i]; served(a)) candidates(a, month_arrival_draws(a), now(), window_to);
      sim.schedule_batch(drawn);
    }
    arrivals_until = window_to;
    ++month;
    // The market's draw is keyed by the month, whatever else happened.
    core::Stream s(StreamKey{seed, rep, kGlobalEntity, Purpose("market").id + static_cast<std::uint64_t>(month)});
    regime = market->next(regime, p.market.transition, s);
    update_market_multipliers();
    if (now() + dt <= p.horizon_days + 1e-9)
      sim.schedule_in(dt, EventSpec{kMonthEnd, 0, 0, kPrioMonth});
  }

  // Keeps the account ids for which keep(id) holds, in order, fetching records a few ids ahead:
  // the lists are long and their ids spread over the whole table.
  static constexpr std::size_t kPassAhead = 8;   // the month's pass: a client's work hides the fetch
  static constexpr std::size_t kFilterAhead = 32;  // filters do almost nothing per id: fetch further ahead
  template <class Keep>
  void keep_if(std::vector<std::uint32_t>& ids, Keep keep) {
    std::size_t kept = 0;
    const std::size_t n = ids.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kFilterAhead < n) __builtin_prefetch(&acc.rec[ids[i + kFilterAhead]]);
      if (keep(ids[i])) ids[kept++] = ids[i];
    }
    ids.resize(kept);
  }

  // A book holds its manager's clients in the order they came, and, until pruned, accounts
  // that left or moved to another book (readers check). Pruned when the stale entries
  // outnumber the live ones (so appends stay O(1) amortised), before a conference picks from
  // it, at reviews and at the end: never in a pass over every book each month.
  void prune_book(std::size_t i) {
    keep_if(managers[i].book, [&](std::uint32_t a) { return served(a) && acc.rec[a].owner == static_cast<std::int32_t>(i); });
  }
  void prune_books() {
    for (std::size_t i = 0; i < managers.size(); ++i) prune_book(i);
  }
  void add_to_book(std::size_t i, std::uint32_t a) {
    Manager& m = managers[i];
    m.book.push_back(a);
    ++m.owned;
    m.value_known = false;
    if (m.book.size() > 2 * static_cast<std::size_t>(m.owned) + 64) prune_book(i);
  }

  // What the month's pass reads for every client, copied once: in the loop the compiler keeps
  // them in registers, where it would otherwise reload the parameters after every store to a
  // record (it cannot tell a record's doubles from the parameters'). The products are the
  // ones the formulas would form, so every result is the same to the last bit.
  struct PassConsts {
    double now, dt, window_to, p_job;
    bool full_month;  // the month ahead is whole: candidates by the table (see candidates())
    double ref, sat_w, scar_w, market_term, competitor_term, base_rate, rushed_mult, referred_mult;
    double scar_cap, loyalty_cap, loyalty_gain, promoter, detractor;
    // h0 x dt, times the rushed (bit 0) and referred (bit 1) multipliers as they apply, in the
    // order the churn test forms them: x for a hazard multiple of 1.
    std::array<double, 4> x_unit;
  };
  // x = h dt for h = h0 e, times the rushed and referred multipliers as they apply.
  static double churn_x(const PassConsts& k, double e, bool rushed, bool referred) {
    double h = k.base_rate * e;
    if (rushed) h *= k.rushed_mult;
    if (referred) h *= k.referred_mult;
    return h * k.dt;
  }
  struct PassManager {
    double visit_p = 0, boost = 0, deepen = 1;  // check-in probability; visit_boost x farming; 1 + deepening x farming
  };
  std::vector<PassManager> pass_managers;

  void accounts_month(double dt) {
    // Visit probability per manager: farming hours over the hours the book would need.
    // One more entry, never visiting, for clients without a manager: the visit is decided
    // without a branch on the owner.
    pass_managers.assign(managers.size() + 1, PassManager{});
    for (std::size_t i = 0; i < managers.size(); ++i) {
      Manager& m = managers[i];
      m.value_known = false;  // visits deepen values
      PassManager& pm = pass_managers[i];
      pm.boost = p.service.visit_boost * m.farming;
      pm.deepen = 1.0 + p.service.deepening * m.farming;
      if (!m.active || m.owned <= 0) continue;
      const double hours = m.farm_hours_per_day(now()) * dt;
      pm.visit_p = std::min(1.0, hours / (static_cast<double>(m.owned) * p.service.visit_hours));
    }
    const ChurnParams& c = p.churn;
    PassConsts k{now(), dt, window_to, 1.0 - std::exp(-p.acquisition.job_move_rate * dt),
                       window_to == now() + cal::kDaysPerMonth,
                       c.reference_satisfaction, c.satisfaction_weight, c.scar_weight, c.market_weight * stress,
                       c.competitor_weight * competitor, c.base_rate, c.rushed_multiplier, c.referred_multiplier,
                       p.accounts.scar_cap, p.service.loyalty_cap, p.service.loyalty_gain,
                       p.service.promoter_threshold, p.service.detractor_threshold, {}};
    for (std::size_t i = 0; i < 4; ++i) k.x_unit[i] = churn_x(k, 1.0, i & 1, i & 2);
    const std::size_t n_served = served_ids.size();  // clients acquired during the pass wait a month
    tally = MonthTally{};
    // Promoters written by index (most clients are promoters), trimmed after the pass.
    month_promoters.resize(n_served);
    std::size_t promoters = 0;
    MonthTally t;
    double growth = value_growth;  // the same additions, in the same order, as on the member
    // A slot per client for its month's first request candidate, written whether or not there
    // is one and kept when there is (the count is unpredictable: no branch on it). Further
    // candidates, and those of clients won during the pass, go after the slots.
    const std::size_t slots = drawn.size();
    if (problem_rate_max > 0 && k.full_month) drawn.resize(slots + n_served);
    std::size_t firsts = slots;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n_served; ++i) {
      // Clients are in id order, but spread over a table that is mostly prospects: fetch
      // records ahead, which the hardware prefetcher cannot guess.
      if (i + kPassAhead < n_served) __builtin_prefetch(&acc.rec[served_ids[i + kPassAhead]]);
      const std::uint32_t a = served_ids[i];
      if (!served(a)) continue;  // churned since the last pass: dropped from the list
      served_ids[kept++] = a;
      account_month(a, k, growth, firsts);
      // Counted now: its state now is its state when the month closes (see close_month).
      month_promoters[promoters] = a;
      promoters += add_to(t, acc.rec[a], k.promoter, k.detractor);
    }
    value_growth = growth;
    if (problem_rate_max > 0 && k.full_month)
      drawn.erase(drawn.begin() + static_cast<std::ptrdiff_t>(firsts),
                  drawn.begin() + static_cast<std::ptrdiff_t>(slots + n_served));
    month_promoters.resize(promoters);
    // Clients won during the pass (job moves) follow the kept ones, still out of order.
    served_ids.erase(served_ids.begin() + static_cast<std::ptrdiff_t>(kept),
                     served_ids.begin() + static_cast<std::ptrdiff_t>(n_served));
    served_sorted = kept;
    arrivals_covered = kept;
    tally = t;
    tally.counted = kept;
    tally.live = true;
  }

  // What the month's end needs from every client, gathered while the pass holds its record:
  // word of mouth (promoters, detractors) and the month's row (satisfaction, value, open
  // requests). Clients added after the pass are counted by count_rest(), in list order, so
  // the sums are the same, operation for operation, as one loop over the list at the end.
  struct MonthTally {
    double satisfaction = 0, value = 0;
    std::int64_t clients = 0, open_requests = 0, detractors = 0;
    std::size_t counted = 0;  // served_ids[0, counted) are in the tally
    bool live = false;        // from the pass to the month's row
  } tally;
  std::vector<std::uint32_t> month_promoters;  // this month's promoters, in list order
  // Adds a client's record to a month's sums and marks it counted; true for a promoter.
  static bool add_to(MonthTally& t, Account& x, double promoter, double detractor) {
    x.flags |= kCounted;
    ++t.clients;
    t.satisfaction += x.satisfaction;
    t.value += x.value;
    t.open_requests += x.open_requests;
    t.detractors += x.satisfaction <= detractor;
    return x.satisfaction >= promoter;
  }
  void count(std::uint32_t a) {
    if (add_to(tally, acc.rec[a], p.service.promoter_threshold, p.service.detractor_threshold)) month_promoters.push_back(a);
  }
  void count_rest() {
    for (; tally.counted < served_ids.size(); ++tally.counted)
      if (const std::uint32_t a = served_ids[tally.counted]; served(a)) count(a);
  }

  [[gnu::always_inline]] inline void account_month(std::uint32_t a, const PassConsts& k, double& growth, std::size_t& firsts) {
    // The client's draws for the month (visit and churn from the key itself, then, after two
    // unused, notice lag and job move), each taken only when it is needed: the draws are
    // counter-based, so skipping one changes no other. The request candidates follow.
    KeyedDraws d = month_draws(a);
    if (problem_rate_max > 0) {
      KeyedDraws w = d;
      w.skip(4);
      if (k.full_month) [[likely]] {
        // month_candidates(), with the first candidate into its slot.
        double first;
        const std::size_t n = month_count_first(w, first);
        drawn[firsts] = {k.now + cal::kDaysPerMonth * first, EventSpec{kProblem, a}};
        firsts += n != 0;
        for (std::size_t i = 1; i < n; ++i)
          drawn.push_back({k.now + cal::kDaysPerMonth * w.uniform01(), EventSpec{kProblem, a}});
      } else {
        part_candidates(a, w, k.now, k.window_to);
      }
    }
    Account& x = acc.rec[a];
    // The visit and churn draws: the halves of the month's key for the client, itself a mixer
    // output (the first draw a mixer round fewer, on the path to both decisions).
    const auto [u_visit, u_churn] = halves(d.state());
    d.skip(2);
    // Proactive check-ins deepen the relationship and find silent problems. Whether the
    // manager visits is a coin flip the processor cannot predict: both outcomes are computed
    // and the right one kept, without a branch.
    const std::size_t owner = x.owner >= 0 ? static_cast<std::size_t>(x.owner) : pass_managers.size() - 1;
    const PassManager& pm = pass_managers[owner];
    const bool visit = !(x.flags & kNoContact) && u_visit < pm.visit_p;
    {
      // Each field's two outcomes in a pair indexed by the decision: compilers keep a select
      // as a branch, but not an indexed load.
      const double ceiling = std::max(0.0, 10.0 - k.scar_cap * x.scars);
      const float visited = static_cast<float>(std::clamp(x.satisfaction + pm.boost, 0.0, ceiling));
      const float unseen = x.silent > 0 ? static_cast<float>(std::clamp(x.satisfaction - 0.1 * x.silent, 0.0, ceiling))
                                        : x.satisfaction;
      const float satisfaction[2] = {unseen, visited};
      const float silent[2] = {x.silent, 0.0f};
      const float loyalty[2] = {x.loyalty, static_cast<float>(std::min(k.loyalty_cap, x.loyalty + k.loyalty_gain))};
      const double deepen[2] = {1.0, pm.deepen};
      x.satisfaction = satisfaction[visit];
      x.silent = silent[visit];
      x.loyalty = loyalty[visit];
      const double before = x.value;
      x.value = before * deepen[visit];  // x 1 exactly when not visited
      growth += x.value - before;          // + 0 then: growth is never -0, so it is unchanged
    }
    if (x.state != State::Active) return;
    const double s = x.satisfaction;
    // (The competitor's term is zero, and needs no division, when there is no competitor:
    // adding that zero would change no decision and no output.)
    double log_h = k.sat_w * (k.ref - s) + k.scar_w * x.scars + k.market_term;
    if (k.competitor_term != 0) log_h += k.competitor_term * (1.0 + 5.0 * (std::max(0.0, k.ref - s) / k.ref));
    const double tenure = k.now - x.acquired;
    const bool rushed = (x.flags & kRushed) && tenure < cal::kDaysPerYear;
    const bool referred = x.flags & kReferred;
    // Churn when u < 1 - exp(-x), x = h dt, h = h0 exp(log_h) (times the rushed and referred
    // multipliers). Most months are settled without any exponential: with y = log_h log2 e +
    // 1e-9, P = 2^(floor(y) + 1) exceeds exp(log_h) by a factor of at least 1 + 7e-10, far above
    // rounding, so u at or above x_unit P means no churn; then x - x^2/2 <= 1 - exp(-x) <= x
    // settle most of the rest. The decisions are exactly those of the direct formula.
    // u >= x_unit P is tested as "the binary exponent E of u / x_unit exceeds y" (E > y, E an
    // integer, is E >= floor(y) + 1): the division does not wait for the satisfaction, and
    // the chain from the satisfaction is a few operations long. (When the quotient rounds up to
    // P, u is within 1e-16 of x_unit P: no churn either way. y is kept at or above -1000, so a
    // zero or subnormal quotient never settles a month.)
    const double q = u_churn / k.x_unit[static_cast<std::size_t>(rushed) | (static_cast<std::size_t>(referred) << 1)];
    const auto e_q = static_cast<double>(static_cast<std::int64_t>((std::bit_cast<std::uint64_t>(q) >> 52) & 0x7ff) - 1023);
    double y = log_h * 1.4426950408889634 + 1e-9;
    y = y < -1000.0 ? -1000.0 : y;
    bool churns = false;
    if (!(e_q > y)) [[unlikely]] {
      const double hx = churn_x(k, std::exp(log_h), rushed, referred);
      churns = u_churn < hx && (u_churn < hx - 0.5 * hx * hx || u_churn < 1.0 - std::exp(-hx));
    }
    if (churns) [[unlikely]] {
      const ChurnParams& c = p.churn;
      std::uint32_t why = 0;
      if (stress > 0) why |= bit(Cause::MarketStress);
      if (competitor > 0 && std::max(0.0, k.ref - s) / k.ref > 0) why |= bit(Cause::Competitor);
      if (rushed) why |= bit(Cause::RushedDeal);
      const double u_lag = d.uniform01();
      give_notice(a, c.notice_min_days + u_lag * (c.notice_max_days - c.notice_min_days), why);
      return;
    }
    // The contact person changes employer.
    if (k.p_job > 0) {
      d.skip(1);  // the notice lag's draw
      if (d.uniform01() < k.p_job) job_move(a);
    }
  }

  void job_move(std::uint32_t a) {
    const double s = acc.rec[a].satisfaction;
    const std::int32_t owner = acc.rec[a].owner;
    log(a, "contact moved");
    // The relationship was with the person: the manager-owned loyalty leaves with them.
    acc.rec[a].loyalty = static_cast<float>(p.accounts.manager_loyalty_initial);
    set_satisfaction(a, s + 0.5 * (acc.rec[a].expectation - s));
    if (s < p.acquisition.warm_lead_threshold || owner < 0 || !managers[static_cast<std::size_t>(owner)].active)
      return;
    // A satisfied contact brings the new employer to the manager who served them. These draws
    // are the move's own, keyed by (client, "job-move", month): taking them from the month's
    // key would reuse the positions of the client's request candidates.
    KeyedDraws jd = draws(a, Purpose("job-move"), static_cast<std::uint64_t>(month));
    const std::uint32_t target = pick_prospect(jd);
    if (target == kNone || jd.uniform01() >= p.acquisition.warm_lead_conversion) return;
    KeyedDraws vd = draws(target, Purpose("value"), 0);
    const double v = draw_value(vd) * p.acquisition.warm_lead_value_multiplier;
    // The organisation reports the deal as a close by outreach; the true source is the move.
    activate(target, owner, Source::JobMove, Source::Outreach, v);
    acc.rec[target].flags |= kReferred;
  }

  static constexpr std::uint32_t kNone = 0xffffffffu;
  // A prospect at random: rejection sampling over account ids (prospects are usually most of
  // them), then a scan when they are rare.
  std::uint32_t pick_prospect(KeyedDraws& d) {
    if (n_prospects <= 0 || acc.size() == 0) return kNone;
    for (int tries = 0; tries < 32; ++tries) {
      const auto i = static_cast<std::size_t>(d.uniform01() * static_cast<double>(acc.size()));
      const auto t = static_cast<std::uint32_t>(std::min(i, acc.size() - 1));
      if (acc.rec[t].state == State::Prospect) return t;
    }
    std::vector<std::uint32_t> all;
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (acc.rec[a].state == State::Prospect) all.push_back(a);
    if (all.empty()) return kNone;
    return all[std::min(all.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(all.size())))];
  }

  void acquisition_month(double dt) {
    const auto mu = static_cast<std::uint64_t>(month);
    const AcquisitionParams& q = p.acquisition;
    // New prospects enter the market.
    if (p.accounts.prospect_arrival_rate > 0) {
      core::Stream g(StreamKey{seed, rep, kGlobalEntity, Purpose("prospect-arrivals").id + mu});
      boost::random::poisson_distribution<std::int64_t, double> arrivals(p.accounts.prospect_arrival_rate * dt);
      const std::int64_t k = arrivals(g);
      for (std::int64_t i = 0; i < k; ++i) acc.add();
      n_prospects += k;
      arrivals_total += k;
    }
    count_rest();  // clients won by job moves during the pass
    const std::int64_t detractors = tally.detractors, population = n_prospects + tally.clients;
    if (n_prospects <= 0 || population == 0) return;
    if (network.complete) {
      acquire_complete(dt, static_cast<double>(month_promoters.size()) / static_cast<double>(population),
                       static_cast<double>(detractors) / static_cast<double>(population), month_promoters);
      return;
    }
    // Sparse network: each prospect hears only its neighbours, so hazards differ.
    std::vector<double> effort;
    const double total_effort = hunting_effort(effort);
    const double outreach_h = q.outreach_rate * total_effort / static_cast<double>(n_prospects) * acquisition_mult;
    std::vector<std::uint32_t> listed;
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (acc.rec[a].state == State::Prospect) listed.push_back(a);
    for (std::uint32_t a : listed) {
      if (acc.rec[a].state != State::Prospect) continue;
      double pos = 0, neg = 0;
      if (auto nb = network.neighbours(a); !nb.empty()) {
        std::size_t np = 0, nn = 0;
        for (auto b : nb) {
          if (!served(b)) continue;
          np += acc.rec[b].satisfaction >= p.service.promoter_threshold;
          nn += acc.rec[b].satisfaction <= p.service.detractor_threshold;
        }
        pos = static_cast<double>(np) / static_cast<double>(nb.size());
        neg = static_cast<double>(nn) / static_cast<double>(nb.size());
      }
      // Negative word of mouth hits acquisition harder than retention (East et al. 2008).
      const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
      const double h_out = outreach_h * damp;
      const double h = h_out + q.bass_q * acquisition_mult * pos * damp;
      if (h <= 0) continue;
      KeyedDraws d = draws(a, Purpose("acquire"), mu);
      if (d.uniform01() >= 1.0 - std::exp(-h * dt)) continue;
      convert(a, d, h_out, h, effort, total_effort, month_promoters, dt);
    }
  }

  // A prospect becomes a client: by outreach (a hunter, in proportion to effort) or by word
  // of mouth (a referral from a promoter; a neighbour when the network is sparse).
  void convert(std::uint32_t a, KeyedDraws& d, double h_out, double h, const std::vector<double>& effort,
               double total_effort, const std::vector<std::uint32_t>& promoters, double dt) {
    KeyedDraws vd = draws(a, Purpose("value"), 0);
    double v = draw_value(vd);
    if (d.uniform01() * h < h_out && total_effort > 0) {
      // Which hunter closed it, in proportion to effort: `effort` holds running totals.
      const double u = d.uniform01() * total_effort;
      std::size_t m = static_cast<std::size_t>(std::upper_bound(effort.begin(), effort.end(), u) - effort.begin());
      if (m >= managers.size()) m = managers.size() - 1;
      while (!managers[m].active) m = (m + 1) % managers.size();
      // Deals are booked at month end; the part of the month under pressure is rushed.
      const bool rushed = managers[m].urgent &&
                          d.uniform01() < std::min(1.0, p.organisation.urgency_window_days / dt);
      if (rushed) v *= 1.0 - managers[m].pressure->rush_discount();
      activate(a, static_cast<std::int32_t>(m), Source::Outreach, Source::Outreach, v);
      if (rushed) {
        acc.rec[a].flags |= kRushed;
        set_satisfaction(a, acc.rec[a].satisfaction - managers[m].pressure->rush_fit_penalty());
      }
      return;
    }
    std::uint32_t referrer = kNone;
    if (network.complete) {
      if (!promoters.empty())
        referrer = promoters[std::min(promoters.size() - 1,
                                      static_cast<std::size_t>(d.uniform01() * static_cast<double>(promoters.size())))];
    } else {
      std::vector<std::uint32_t> cand;
      for (auto b : network.neighbours(a))
        if (served(b) && acc.rec[b].satisfaction >= p.service.promoter_threshold) cand.push_back(b);
      if (!cand.empty())
        referrer = cand[std::min(cand.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(cand.size())))];
    }
    std::int32_t owner = referrer == kNone ? -1 : acc.rec[referrer].owner;
    if (owner >= 0 && !managers[static_cast<std::size_t>(owner)].active) owner = -1;
    if (owner < 0) owner = least_loaded(0);
    v *= p.acquisition.referral_value_multiplier;
    const Source src = referrer == kNone ? Source::WordOfMouth : Source::Referral;
    activate(a, owner, src, src, v);
    acc.rec[a].flags |= kReferred;
    if (referrer != kNone && owner == acc.rec[referrer].owner) ++managers[static_cast<std::size_t>(owner)].row.referrals;
  }

  // On a complete graph every prospect has the same hazard h(t). A prospect converts when
  // the shared cumulative hazard H passes its own Exp(1) threshold, drawn once: exact for a
  // hazard that changes month to month, and only the converting prospects are touched.
  //
  // Most prospects' thresholds are never reached within a run, so only those up to a cap a
  // little above H wait in a min-heap (small: it stays in cache); the rest wait unsorted and
  // join the heap when H comes near. Pops are in threshold order either way.
  double cumulative_hazard = 0;
  using Threshold = std::pair<double, std::uint32_t>;
  std::vector<Threshold> thresholds;       // min-heap by threshold: those <= near_cap
  std::vector<Threshold> far_thresholds;  // the others, unsorted
  double near_cap = -std::numeric_limits<double>::infinity();
  std::uint32_t thresholds_known = 0;  // accounts below this id have a threshold
  static bool later(const Threshold& x, const Threshold& y) { return x.first > y.first; }
  void add_threshold(const Threshold& x) {
    if (x.first <= near_cap) {
      thresholds.push_back(x);
      std::push_heap(thresholds.begin(), thresholds.end(), later);
    } else {
      far_thresholds.push_back(x);
    }
  }
  void raise_cap(double cap) {
    near_cap = cap;
    std::size_t kept = 0;
    for (const auto& x : far_thresholds) {
      if (x.first <= cap) {
        thresholds.push_back(x);
        std::push_heap(thresholds.begin(), thresholds.end(), later);
      } else {
        far_thresholds[kept++] = x;
      }
    }
    far_thresholds.resize(kept);
  }
  // Every threshold, in (threshold, account) order: what a snapshot saves (one state, one byte
  // string, whatever the split).
  std::vector<Threshold> all_thresholds() const {
    std::vector<Threshold> v(thresholds);
    v.insert(v.end(), far_thresholds.begin(), far_thresholds.end());
    std::sort(v.begin(), v.end());
    return v;
  }

  void acquire_complete(double dt, double pos, double neg, const std::vector<std::uint32_t>& promoters) {
    const AcquisitionParams& q = p.acquisition;
    for (; thresholds_known < acc.size(); ++thresholds_known) {
      const std::uint32_t a = thresholds_known;
      if (acc.rec[a].state != State::Prospect) continue;
      KeyedDraws d = draws(a, Purpose("acquire-threshold"), 0);
      add_threshold({cumulative_hazard - std::log(d.uniform_open0()), a});
    }
    std::vector<double> effort;
    const double total_effort = hunting_effort(effort);
    const double damp = std::max(0.0, 1.0 - q.negative_weight * neg);
    const double h_out = q.outreach_rate * total_effort / static_cast<double>(n_prospects) * acquisition_mult * damp;
    const double h_wom = q.bass_q * acquisition_mult * pos * damp;
    const double h = h_out + h_wom;
    cumulative_hazard += h * dt;
    // The heap must hold every threshold up to H: raise the cap, with room for a few months.
    if (cumulative_hazard > near_cap) raise_cap(cumulative_hazard + std::max(0.05, 4.0 * h * dt));
    const auto mu = static_cast<std::uint64_t>(month);
    while (!thresholds.empty() && thresholds.front().first <= cumulative_hazard) {
      std::pop_heap(thresholds.begin(), thresholds.end(), later);
      const std::uint32_t a = thresholds.back().second;
      thresholds.pop_back();
      if (acc.rec[a].state != State::Prospect) continue;  // taken another way meanwhile
      KeyedDraws d = draws(a, Purpose("acquire"), mu);
      convert(a, d, h_out, h, effort, total_effort, promoters, dt);
    }
  }

  // Running totals of hunting effort (hunt share x hours x skill) over managers, for a
  // binary search by effort; returns the total.
  double hunting_effort(std::vector<double>& cumulative) const {
    cumulative.assign(managers.size(), 0.0);
    double total = 0;
    for (std::size_t i = 0; i < managers.size(); ++i) {
      const Manager& m = managers[i];
      if (m.active) total += m.hunt_share() * m.hours / 40.0 * m.hunting;
      cumulative[i] = total;
    }
    return total;
  }

  void join(std::uint32_t id, std::int64_t level) {
    auto& list = members[static_cast<std::size_t>(level)];
    managers[id].level = level;
    managers[id].level_slot = list.size();
    list.push_back(id);
  }
  void leave(std::uint32_t id) {
    auto& list = members[static_cast<std::size_t>(managers[id].level)];
    const std::size_t slot = managers[id].level_slot;
    list[slot] = list.back();
    managers[list[slot]].level_slot = slot;
    list.pop_back();
  }

  // The least loaded of up to eight managers drawn at `level` ("power of d choices"): near
  // the true minimum, at a cost that does not grow with the size of the organisation. Falls
  // back to the nearest level that has anyone.
  std::int32_t least_loaded(std::int64_t level) {
    const std::vector<std::uint32_t>* list = nullptr;
    for (std::size_t k = 0; k < members.size() && !list; ++k) {
      const auto l = static_cast<std::size_t>(level >= 0 ? level : 0);
      for (std::size_t cand : {l + k, l >= k ? l - k : SIZE_MAX})
        if (cand < members.size() && !members[cand].empty()) {
          list = &members[cand];
          break;
        }
    }
    if (!list) return -1;
    KeyedDraws d = global(Purpose("assign"), assignments++);
    std::int32_t best = -1;
    std::size_t size = SIZE_MAX;
    const std::size_t tries = std::min<std::size_t>(8, list->size());
    for (std::size_t t = 0; t < tries; ++t) {
      const std::uint32_t id = list->size() <= 8 ? (*list)[t]
          : (*list)[std::min(list->size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(list->size())))];
      if (static_cast<std::size_t>(managers[id].owned) < size)
        size = static_cast<std::size_t>(managers[id].owned), best = static_cast<std::int32_t>(id);
    }
    return best;
  }

  void managers_month(double dt) {
    const auto mu = static_cast<std::uint64_t>(month);
    const std::size_t n = managers.size();
    for (std::size_t i = 0; i < n; ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      m.age_days += dt;
      KeyedDraws d = draws(kManagerEntity + i, Purpose("exit"), mu);
      const double h = p.organisation.exit_rate * (m.passed_over ? p.organisation.passed_over_multiplier : 1.0);
      if (d.uniform01() < 1.0 - std::exp(-h * dt)) depart(i, "quit");
    }
  }

  // A manager leaves: the manager-owned share of loyalty follows them, the rest of the book
  // is handed over, and the position is filled.
  void depart(std::size_t i, const char* reason) {
    Manager& m = managers[i];
    m.active = false;
    m.row.exited = true;
    m.row.exit_reason = reason;
    m.row.exit_day = now();
    m.urgent = false;
    const std::int64_t level = m.level;
    // The partial year counts: what was still held, of the year's opening book, at departure.
    record_retention(m);
    m.opening_value = 0;
    m.opening_book.clear();
    std::vector<std::uint32_t> book;
    book.swap(m.book);
    const bool follows = p.factor_on(Factor::ManagerExit) && std::string(reason) == "quit";
    leave(static_cast<std::uint32_t>(i));
    // A bottom vacancy is hired at once (which grows `managers`: no reference into it
    // survives); vacancies above wait for the annual review's promotions.
    if (level == 0) fill_vacancy(0, {});
    for (std::uint32_t a : book) {
      if (!served(a) || acc.rec[a].owner != static_cast<std::int32_t>(i)) continue;
      KeyedDraws d = draws(a, Purpose("follow"), static_cast<std::uint64_t>(i));
      if (follows && acc.rec[a].state == State::Active && d.uniform01() < acc.rec[a].loyalty) {
        give_notice(a, 30.0, bit(Cause::ManagerExit));
        continue;
      }
      reassign(a, least_loaded(level));
    }
  }

  void reassign(std::uint32_t a, std::int32_t to) {
    if (const std::int32_t from = acc.rec[a].owner; from >= 0 && served(a)) --managers[static_cast<std::size_t>(from)].owned;
    book_changed(acc.rec[a].owner);
    acc.rec[a].owner = to;
    if (to >= 0) add_to_book(static_cast<std::size_t>(to), a);
    acc.rec[a].causes |= bit(Cause::Handoff);
    acc.rec[a].loyalty = static_cast<float>(p.accounts.manager_loyalty_initial * 0.5);
    const float before = acc.rec[a].satisfaction;
    set_satisfaction(a, acc.rec[a].satisfaction - p.organisation.handoff_penalty);
    // A handover at a month's end, after the pass (a manager quits): the month's row sees it.
    // (Satisfaction is all it changes of what the row sums.)
    if (tally.live && (acc.rec[a].flags & kCounted))
      tally.satisfaction += static_cast<double>(acc.rec[a].satisfaction) - static_cast<double>(before);
  }

  std::size_t count_at(std::int64_t level) const { return members[static_cast<std::size_t>(level)].size(); }

  std::int64_t positions(std::int64_t level) const {
    const auto& pos = p.organisation.positions;
    return level < static_cast<std::int64_t>(pos.size()) ? pos[static_cast<std::size_t>(level)] : 0;
  }

  // Fills one vacancy at `level`: promotion from below by the policy, or an outside hire at
  // the bottom. A promotion opens a vacancy one level down, filled the same way.
  // `records` holds the review's snapshot of every manager's numbers, by manager id.
  void fill_vacancy(std::int64_t level, const std::vector<CandidateRecord>& records) {
    if (static_cast<std::int64_t>(count_at(level)) >= positions(level)) return;
    if (level == 0) {
      hire();
      return;
    }
    std::vector<CandidateRecord> cands;
    for (std::uint32_t i : members[static_cast<std::size_t>(level - 1)])
      // Someone hired during this review has no numbers yet.
      cands.push_back(i < records.size() ? records[i] : CandidateRecord{i, 0, 0, 0, managers[i].competence});
    std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.manager < b.manager; });
    if (cands.empty()) return;
    core::Stream rng(StreamKey{seed, rep, kGlobalEntity, Purpose("promotion").id + promotion_round});
    const std::size_t pick = policy->choose(cands, promotion_round++, rng);
    const std::uint32_t id = cands[pick].manager;
    for (const auto& c : cands)
      if (c.manager != id) managers[c.manager].passed_over = true;
    leave(id);
    join(id, level);
    Manager& m = managers[id];
    m.passed_over = false;
    ++m.row.promotions;
    KeyedDraws d = draws(kManagerEntity + id, Purpose("competence"), static_cast<std::uint64_t>(level));
    if (p.organisation.competence_on_promotion == "redrawn") {
      m.competence = d.uniform01();  // the skills that won the promotion need not serve the new job
    } else {
      m.competence = std::clamp(m.competence + p.organisation.competence_noise * d.normal(), 0.0, 1.0);
    }
    if (self.manager_promoted.connected()) self.manager_promoted.emit(now(), id, level);
    fill_vacancy(level - 1, records);
  }

  void hire() {
    const std::string name = "hire-" + std::to_string(++hires);
    managers.push_back(make_manager(p.organisation.hire, name));
    join(static_cast<std::uint32_t>(managers.size() - 1), 0);
    Manager& m = managers.back();
    KeyedDraws d = global(Purpose("hire"), hires);
    m.competence = std::clamp(p.organisation.hire.competence + 0.1 * d.normal(), 0.0, 1.0);
    snapshot_opening(m);
  }

  double retained_now(const Manager& m) const {
    const auto id = static_cast<std::int32_t>(&m - managers.data());
    double v = 0;
    for (auto a : m.opening_book)
      if (served(a) && acc.rec[a].owner == id) v += acc.rec[a].value;
    return v;
  }
  std::int64_t retained_clients_now(const Manager& m) const {
    const auto id = static_cast<std::int32_t>(&m - managers.data());
    std::int64_t n = 0;
    for (auto a : m.opening_book) n += served(a) && acc.rec[a].owner == id;
    return n;
  }
  // Closes a retention period (a review year, or the part of one before a departure).
  void record_retention(Manager& m) {
    m.row.retained_value += retained_now(m);
    m.row.opening_value += m.opening_value;
    m.row.retained_clients += retained_clients_now(m);
    m.row.opening_clients += static_cast<std::int64_t>(m.opening_book.size());
  }

  void snapshot_opening(Manager& m) {
    m.opening_book.clear();
    const auto id = static_cast<std::int32_t>(&m - managers.data());
    m.opening_value = 0;
    for (auto a : m.book)
      if (served(a) && acc.rec[a].owner == id) {
        m.opening_book.push_back(a);
        m.opening_value += acc.rec[a].value;
      }
  }

  double effectiveness() const {
    double num = 0, den = 0;
    const auto& w = p.organisation.responsibility;
    for (std::size_t l = 0; l < p.organisation.positions.size(); ++l) {
      const double wl = l < w.size() ? w[l] : 1.0;
      den += wl * static_cast<double>(p.organisation.positions[l]);
      for (const auto& m : managers)
        if (m.active && m.level == static_cast<std::int64_t>(l)) num += wl * m.competence;
    }
    return den > 0 ? num / den : 0.0;
  }

  void close_month() {
    cur.month = month;
    count_rest();  // clients won since the pass
    const double s_sum = tally.satisfaction;
    const std::int64_t n = tally.clients;
    cur.value = tally.value;
    cur.open_requests = tally.open_requests;
    cur.prospects = n_prospects;
    cur.active_accounts = n;
    cur.mean_satisfaction = n ? s_sum / static_cast<double>(n) : 0.0;
    cur.revenue = cur.value * p.accounts.margin / 12.0;
    cur.mean_response_days = response_n ? response_sum / static_cast<double>(response_n) : 0.0;
    cur.support_capacity = static_cast<double>(support_staff_now);
    cur.regime = static_cast<std::int64_t>(regime);
    cur.stress = stress;
    cur.effectiveness = effectiveness();
    for (const auto& m : managers) cur.managers += m.active;
    out.months.push_back(cur);
    cur = MonthRow{};
    response_sum = 0;
    response_n = 0;
    tally.live = false;
  }

  // --- quarters, reviews, conferences, supervision, orders -------------------------
  void on_urgency() {
    for (auto& m : managers) {
      if (!m.active || !m.pressure->panics() || !p.factor_on(Factor::QuarterEnd)) continue;
      if (m.quarter_new >= p.organisation.quota) continue;
      m.urgent = true;
      // Clients notice the change and go dark.
      const auto id = static_cast<std::int32_t>(&m - managers.data());
      for (auto a : m.book) {
        if (!served(a) || acc.rec[a].owner != id) continue;
        acc.rec[a].causes |= bit(Cause::QuarterEnd);
        set_satisfaction(a, acc.rec[a].satisfaction - m.pressure->go_dark_penalty());
      }
    }
    // This window belongs to the quarter ending at now + window; the next one to the quarter after.
    const double next = cal::next_quarter_end(now() + p.organisation.urgency_window_days + 1.0) -
                        p.organisation.urgency_window_days;
    if (next <= p.horizon_days) sim.schedule_at(next, EventSpec{kUrgency});
  }

  void on_quarter_end() {
    for (auto& m : managers) {
      m.urgent = false;
      m.quarter_new = 0;
    }
    const double next = cal::next_quarter_end(now() + 1.0);
    if (next <= p.horizon_days) sim.schedule_at(next, EventSpec{kQuarterEnd, 0, 0, kPrioQuarter});
  }

  void on_review() {
    prune_books();
    for (std::size_t i = 0; i < managers.size(); ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      ++m.row.reviews;
      record_retention(m);
    }
    // Dismissal and retirement open vacancies before promotions fill them.
    const std::size_t n = managers.size();
    for (std::size_t i = 0; i < n; ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      if (m.age_days >= p.organisation.retirement_age * cal::kDaysPerYear) depart(i, "retired");
      else if (m.competence < p.organisation.dismissal_threshold) depart(i, "dismissed");
    }
    // One snapshot of the year's numbers serves every promotion of this review.
    std::vector<CandidateRecord> records(managers.size());
    for (std::uint32_t i = 0; i < managers.size(); ++i) {
      const Manager& m = managers[i];
      records[i] = {i, m.year_new, m.active ? retained_now(m) : 0.0, m.active ? book_value(m) : 0.0, m.competence};
    }
    for (std::int64_t l = static_cast<std::int64_t>(p.organisation.positions.size()) - 1; l >= 0; --l)
      while (static_cast<std::int64_t>(count_at(l)) < positions(l)) {
        const std::size_t before = count_at(l);
        fill_vacancy(l, records);
        if (count_at(l) == before) break;  // nobody to promote
      }
    for (auto& m : managers) {
      m.year_new = 0;
      snapshot_opening(m);
    }
    if (now() + cal::kDaysPerYear <= p.horizon_days + 1e-9)
      sim.schedule_in(cal::kDaysPerYear, EventSpec{kReview, 0, 0, kPrioReview});
  }

  void on_conference(std::size_t idx) {
    const ConferenceParams& c = p.conferences[idx];
    for (std::size_t i = 0; i < managers.size(); ++i) {
      Manager& m = managers[i];
      if (!m.active) continue;
      const double hunt = m.hunt_share();
      KeyedDraws d = draws(kManagerEntity + i, Purpose("conference"), idx);
      const auto met = static_cast<std::int64_t>(std::lround(static_cast<double>(c.prospects_met) * hunt));
      for (std::int64_t k = 0; k < met; ++k) {
        const std::uint32_t t = pick_prospect(d);
        if (t == kNone) break;
        if (d.uniform01() >= c.conversion * m.hunting) continue;
        KeyedDraws vd = draws(t, Purpose("value"), 0);
        activate(t, static_cast<std::int32_t>(i), Source::Event, Source::Event, draw_value(vd) * c.value_multiplier);
      }
      const auto clients = static_cast<std::int64_t>(std::lround(static_cast<double>(c.clients_met) * (1.0 - hunt)));
      prune_book(i);  // picks among the manager's clients
      m.value_known = false;
      for (std::int64_t k = 0; k < clients && !m.book.empty(); ++k) {
        const std::uint32_t a = m.book[std::min(m.book.size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(m.book.size())))];
        if (!served(a)) continue;
        set_satisfaction(a, acc.rec[a].satisfaction + c.relationship_boost * m.farming);
        acc.rec[a].loyalty = static_cast<float>(std::min(p.service.loyalty_cap, acc.rec[a].loyalty + c.loyalty_boost));
        const double before = acc.rec[a].value;
        acc.rec[a].value *= 1.0 + 5 * p.service.deepening * m.farming;
        value_growth += acc.rec[a].value - before;
        log(a, "met at conference");
      }
    }
  }

  void on_supervision() {
    const SupervisionParams& s = p.supervision;
    const auto round = static_cast<std::uint64_t>(std::llround(now() / s.interval_days));
    sync_served();
    for (std::size_t k = 0, n = served_ids.size(); k < n; ++k) {
      const std::uint32_t a = served_ids[k];
      if (!served(a)) continue;
      const bool flagged = acc.rec[a].satisfaction < s.satisfaction_threshold || acc.rec[a].state == State::Notice ||
                           (acc.rec[a].scars > 0 && acc.rec[a].satisfaction < p.accounts.expectation);
      if (!flagged) continue;
      const std::int32_t owner = acc.rec[a].owner;
      if (s.action == "coach" && owner >= 0) {
        managers[static_cast<std::size_t>(owner)].coached_until = now() + s.coach_days;
      } else if (s.action == "reassign" && owner >= 0) {
        std::int32_t best = -1;
        for (std::size_t i = 0; i < managers.size(); ++i)
          if (managers[i].active && static_cast<std::int32_t>(i) != owner &&
              (best < 0 || managers[i].farming * managers[i].service->answer_probability() >
                               managers[static_cast<std::size_t>(best)].farming *
                                   managers[static_cast<std::size_t>(best)].service->answer_probability()))
            best = static_cast<std::int32_t>(i);
        if (best >= 0) reassign(a, best);
      } else {
        // Escalation: a recovery meeting, which also raises what the client expects.
        set_satisfaction(a, acc.rec[a].satisfaction + s.recovery_boost);
        acc.rec[a].expectation = static_cast<float>(std::min(10.0, acc.rec[a].expectation + s.expectation_raise));
        acc.rec[a].silent = 0;
      }
      if (acc.rec[a].state == State::Notice) {
        KeyedDraws d = draws(a, Purpose("save"), round);
        if (d.uniform01() < s.save_probability) {
          acc.rec[a].state = State::Active;
          log(a, "won back by supervision");
        }
      }
    }
    if (now() + s.interval_days <= p.horizon_days) sim.schedule_in(s.interval_days, EventSpec{kSupervision});
  }

  std::uint32_t named_largest = kNone;
  std::uint32_t largest_account() const {
    std::uint32_t best = kNone;
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (served(a) && (best == kNone || acc.rec[a].value > acc.rec[best].value)) best = a;
    return best;
  }

  void on_order(std::size_t idx) {
    const Order& o = p.orders[idx];
    if (o.kind == "cut_support") {
      if (!p.factor_on(Factor::SupportCut)) return;
      support_staff_now = static_cast<std::int64_t>(std::lround(static_cast<double>(support_staff_now) * (1.0 - o.fraction)));
      rebuild_support_free();
      return;
    }
    if (o.kind == "reassign_book") {
      if (o.manager < 0 || o.manager >= static_cast<std::int64_t>(managers.size())) return;
      auto book = managers[static_cast<std::size_t>(o.manager)].book;
      for (auto a : book)
        if (served(a) && acc.rec[a].owner == o.manager) {
          std::int32_t to = -1;
          std::size_t size = SIZE_MAX;
          for (std::size_t i = 0; i < managers.size(); ++i)
            if (managers[i].active && static_cast<std::int64_t>(i) != o.manager && static_cast<std::size_t>(managers[i].owned) < size)
              size = static_cast<std::size_t>(managers[i].owned), to = static_cast<std::int32_t>(i);
          reassign(a, to);
        }
      managers[static_cast<std::size_t>(o.manager)].book.clear();
      return;
    }
    // "largest" is resolved once, at the first order that names it, so that a sequence of
    // orders (a meeting, then a no-contact order) concerns the same client.
    if (o.account < 0 && named_largest == kNone) named_largest = largest_account();
    const std::uint32_t a = o.account >= 0 ? static_cast<std::uint32_t>(o.account) : named_largest;
    if (a == kNone || a >= acc.size() || !served(a)) return;
    if (o.kind == "recovery_meeting") {
      set_satisfaction(a, acc.rec[a].satisfaction + p.supervision.recovery_boost);
      acc.rec[a].expectation = static_cast<float>(std::min(10.0, acc.rec[a].expectation + p.supervision.expectation_raise * 2));
      acc.rec[a].silent = 0;
      acc.rec[a].flags |= kPromised;
      log(a, "recovery meeting");
    } else if (o.kind == "no_contact") {
      if (!p.factor_on(Factor::ManagementOrder)) return;
      acc.rec[a].flags |= kNoContact;
      acc.rec[a].causes |= bit(Cause::NoContactOrder);
      if (acc.rec[a].flags & kPromised) {
        // The raised expectation now meets silence: the gap is felt as a loss.
        const double raised = acc.rec[a].expectation - p.accounts.expectation;
        set_satisfaction(a, acc.rec[a].satisfaction - p.service.loss_aversion * std::max(raised, 0.5));
      }
      log(a, "no-contact order");
    } else if (o.kind == "lift_no_contact") {
      acc.rec[a].flags &= static_cast<std::uint8_t>(~kNoContact);
    }
  }

  // --- run -----------------------------------------------------------------------------------
  // Inlined into both run loops (to the horizon, and up to a snapshot's day).
  static constexpr std::size_t kBatchAhead = 8;
  [[gnu::always_inline]] inline void dispatch(const Event& e) {
#ifndef NDEBUG
    struct Check {  // after the event, in debug builds, where it is affordable
      const Impl& w;
      ~Check() noexcept(false) {
        if (w.acc.size() <= 20000 && std::uncaught_exceptions() == 0) w.check_invariants();
      }
    } check{*this};
#endif
    // The next event is known already: start fetching its account while this one runs.
    if (sim.has_pending()) {
      if (const EventSpec next = sim.next_spec(); next.kind <= kChurn && next.target < acc.size()) {
        __builtin_prefetch(&acc.rec[next.target]);
        if (next.kind == kServiceDone && next.aux < requests.size()) __builtin_prefetch(&requests[next.aux]);
      }
    }
    // Batched events are request candidates (accounts never go away): fetch further ahead.
    if (const std::uint32_t* t = sim.batch_target_ahead(kBatchAhead)) __builtin_prefetch(&acc.rec[*t]);
    switch (e.spec.kind) {
      case kProblem: on_problem(e.spec.target); break;
      case kServiceDone: on_service_done(e.spec.aux); break;
      case kMonthEnd: on_month_end(); break;
      case kChurn: on_churn(e.spec.target, e.spec.aux); break;
      case kUrgency: on_urgency(); break;
      case kQuarterEnd: on_quarter_end(); break;
      case kReview: on_review(); break;
      case kConference: on_conference(e.spec.aux); break;
      case kSupervision: on_supervision(); break;
      case kOrder: on_order(e.spec.aux); break;
      default: throw Error("unknown event kind " + std::to_string(e.spec.kind));
    }
  }

  // Conservation of accounts and value, with context when it fails. Called at the end of
  // every run, and after every event in debug builds (for worlds small enough to afford it).
  void check_invariants() const {
    std::int64_t counts[4] = {0, 0, 0, 0};
    double held = 0;
    for (std::uint32_t a = 0; a < acc.size(); ++a) {
      ++counts[static_cast<int>(acc.rec[a].state)];
      if (!(acc.rec[a].value >= 0) || !(acc.rec[a].satisfaction >= 0 && acc.rec[a].satisfaction <= 10))
        throw Error("invariant violated at day " + std::to_string(now()) + ", account " + std::to_string(a) +
                    ": value " + std::to_string(acc.rec[a].value) + ", satisfaction " +
                    std::to_string(acc.rec[a].satisfaction));
      if (served(a)) held += acc.rec[a].value;
    }
    auto fail = [&](const std::string& what) {
      throw Error("invariant violated at day " + std::to_string(now()) + " (seed " + std::to_string(seed) +
                  ", replication " + std::to_string(rep) + "): " + what);
    };
    const std::int64_t created = p.accounts.initial_active + p.accounts.initial_prospects + arrivals_total;
    if (static_cast<std::int64_t>(acc.size()) != created)
      fail(std::to_string(acc.size()) + " accounts exist, but " + std::to_string(created) + " were created");
    if (counts[0] != n_prospects)
      fail(std::to_string(counts[0]) + " prospects, but the count says " + std::to_string(n_prospects));
    const std::int64_t clients = counts[1] + counts[2] + counts[3];
    if (clients != p.accounts.initial_active + clients_won)
      fail(std::to_string(clients) + " clients and former clients, but " + std::to_string(p.accounts.initial_active) +
           " at the start and " + std::to_string(clients_won) + " won since");
    std::vector<std::int64_t> owned(managers.size(), 0);
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (served(a) && acc.rec[a].owner >= 0) ++owned[static_cast<std::size_t>(acc.rec[a].owner)];
    for (std::size_t i = 0; i < managers.size(); ++i)
      if (owned[i] != managers[i].owned)
        fail("manager " + std::to_string(i) + " owns " + std::to_string(owned[i]) + " clients, but the count says " +
             std::to_string(managers[i].owned));
    for (std::size_t i = 0; i < managers.size(); ++i)
      if (managers[i].value_known && !(managers[i].known_value == book_value(managers[i])))
        fail("manager " + std::to_string(i) + "'s book value is known as " + std::to_string(managers[i].known_value) +
             " but is " + std::to_string(book_value(managers[i])));
    if (counts[3] != static_cast<std::int64_t>(out.lost.size()))
      fail(std::to_string(counts[3]) + " accounts churned, but " + std::to_string(out.lost.size()) + " losses recorded");
    // Value: what was held at the start, plus what was won and grew, less what was lost.
    const double expected = initial_value + value_won + value_growth - out.lost_value;
    const double scale = std::max({1.0, initial_value + value_won + value_growth, out.lost_value});
    if (!(std::fabs(held - expected) <= 1e-9 * scale))
      fail("clients hold " + std::to_string(held) + " of value, but the ledger says " + std::to_string(expected) +
           " (start " + std::to_string(initial_value) + " + won " + std::to_string(value_won) + " + growth " +
           std::to_string(value_growth) + " - lost " + std::to_string(out.lost_value) + ")");
  }

  // --- snapshots -----------------------------------------------------------------------------
  // The whole state, field by field (never padding, so one state gives one byte string): the
  // kernel's clock, queue and stream key, every account, manager and request, the market, the
  // network, the results so far, and what the parameters fixed (so that a restore can tell
  // which changes it can absorb).
  std::uint32_t initial_managers() const {
    std::int64_t n = 0;
    for (const auto& s : p.managers) n += s.count;
    return static_cast<std::uint32_t>(n);
  }
  // Orders and conferences before `upto`, and (when `upto` is the whole run) supervision: what
  // a snapshot keeps as pending events.
  static constexpr double kWholeRun = std::numeric_limits<double>::infinity();
  static std::string schedule_signature(const ModelParams& q, double upto) {
    core::ByteWriter w;
    for (const auto& o : q.orders)
      if (o.at < upto) w.pod(o.at), w.str(o.kind), w.pod(o.fraction), w.pod(o.account), w.pod(o.manager);
    w.raw("|");
    for (const auto& c : q.conferences)
      if (c.start < upto)
        w.pod(c.start), w.pod(c.duration), w.pod(c.prospects_met), w.pod(c.clients_met), w.pod(c.conversion),
            w.pod(c.value_multiplier), w.pod(c.relationship_boost), w.pod(c.loyalty_boost);
    w.raw("|");
    if (upto == kWholeRun) w.pod(q.supervision.enabled), w.pod(q.supervision.interval_days);
    return w.take();
  }
  static std::string market_signature(const ModelParams& q) {
    core::ByteWriter w;
    for (const auto& r : q.market.regimes) w.pod(r.acquisition), w.pod(r.demand), w.pod(r.stress), w.pod(r.competitor);
    for (const auto& x : q.market.shocks) w.pod(x.start), w.pod(x.duration), w.pod(x.severity);
    w.pod(q.factors_off);
    return w.take();
  }

  void save(core::ByteWriter& w) const {
    w.raw(kStateMagic);
    w.pod(seed), w.pod(rep);
    // What the parameters fixed at the start.
    w.pod(p.accounts.initial_active), w.pod(p.accounts.initial_prospects), w.pod(initial_managers());
    w.pod<std::uint64_t>(p.organisation.positions.size()), w.pod(p.service.support_staff);
    w.pod<std::uint64_t>(p.market.regimes.size()), w.pod(p.horizon_days), w.pod(problem_rate_max);
    w.str(schedule_signature(p, now())), w.str(schedule_signature(p, kWholeRun)), w.str(market_signature(p));
    sim.save(w);
    w.raw("ACC1");
    w.pod<std::uint64_t>(acc.size());
    for (std::size_t a = 0; a < acc.size(); ++a) {
      const Account& x = acc.rec[a];
      w.pod(x.value), w.pod(x.acquired), w.pod(x.satisfaction), w.pod(x.expectation), w.pod(x.loyalty), w.pod(x.silent);
      w.pod(x.owner), w.pod(x.causes), w.pod(x.problem_count), w.pod(x.open_requests), w.pod(x.state), w.pod(x.source);
      w.pod(x.reported), w.pod(x.scars), w.pod(x.failures), w.pod(x.flags), w.pod(x.notices);
    }
    w.raw("MGR1");
    w.pod<std::uint64_t>(managers.size());
    for (const auto& m : managers) {
      w.str(m.name), w.str(m.strategy);
      w.pod(m.competence), w.pod(m.age_days), w.pod(m.level), w.pod<std::uint64_t>(m.level_slot);
      w.pod(m.active), w.pod(m.urgent), w.pod(m.passed_over);
      w.pod(m.coached_until), w.pod(m.busy_until), w.pod(m.quarter_new), w.pod(m.year_new), w.pod(m.opening_value);
      w.pods(m.opening_book), w.pods(m.book);
      model::save(w, m.row);
    }
    w.pod<std::uint64_t>(members.size());
    for (const auto& l : members) w.pods(l);
    w.raw("ORG1");
    w.pod(assignments), w.pod(promotion_round), w.pod(month), w.pod(hires), w.pod<std::uint64_t>(regime);
    w.pod(stress), w.pod(competitor), w.pod(acquisition_mult), w.pod(demand_mult);
    w.pod<std::uint64_t>(requests.size());
    for (const auto& r : requests)
      w.pod(r.account), w.pod(r.manager), w.pod(r.arrival), w.pod(r.urgent_at_arrival), w.pod(r.support_cut_at_arrival);
    w.pods(free_requests), w.pods(served_ids), w.pod<std::uint64_t>(served_sorted), w.pod(n_prospects);
    w.pod(arrivals_total), w.pod(clients_won), w.pod(initial_value), w.pod(value_won), w.pod(value_growth);
    w.pods(support_busy), w.pod(support_staff_now);
    w.pod(cur), w.pod(response_sum), w.pod(response_n);
    w.pod(cumulative_hazard), w.pod(thresholds_known), w.pod(named_largest);
    const auto all = all_thresholds();
    w.pod<std::uint64_t>(all.size());
    for (const auto& [h, a] : all) w.pod(h), w.pod(a);
    w.raw("NET1");
    w.pod(network.complete), w.pod<std::uint64_t>(network.node_count), w.pods(network.offsets), w.pods(network.targets);
    w.raw("OUT1");
    model::save(w, out);
    w.raw("END1");
  }

  // Restores a saved state under this world's parameters: the ones it was saved with, or a
  // fork's, which may change what happens after the snapshot day but not what already did.
  void load(core::ByteReader& r) {
    validate(p);
    policy = promotion_policies().create(p.organisation.promotion.name, p.organisation.promotion.params);
    market = market_models().create(p.market.model.name, p.market.model.params);
    std::vector<std::string> problems;
    auto same = [&](auto saved, auto now_, const char* key) {
      if (saved != now_)
        problems.push_back(std::string(key) + " is " + std::to_string(saved) + " in the snapshot but " +
                           std::to_string(now_) + " here");
    };
    same(r.pod<std::int64_t>(), p.accounts.initial_active, "accounts.initial_active");
    same(r.pod<std::int64_t>(), p.accounts.initial_prospects, "accounts.initial_prospects");
    same(r.pod<std::uint32_t>(), initial_managers(), "the number of managers");
    same(r.pod<std::uint64_t>(), static_cast<std::uint64_t>(p.organisation.positions.size()), "the number of levels (organisation.positions)");
    same(r.pod<std::int64_t>(), p.service.support_staff, "service.support_staff");
    same(r.pod<std::uint64_t>(), static_cast<std::uint64_t>(p.market.regimes.size()), "the number of market regimes");
    const double saved_horizon = r.pod<double>();
    const double saved_bound = r.pod<double>();
    const std::string saved_past = r.str(), saved_schedule = r.str(), saved_market = r.str();

    // The kernel. When the fork changes what is scheduled, or the bound on the request rate,
    // the pending events concerned are dropped here and scheduled again below.
    const bool reschedule = saved_schedule != schedule_signature(p, kWholeRun);
    const double bound = thinning_bound(p);
    const bool redraw_requests = bound != saved_bound;
    sim.load(r, [&](core::QueueImage& img) {
      std::erase_if(img.events, [&](const core::QueueImage::Pending& e) {
        const auto k = e.event.spec.kind;
        return (reschedule && (k == kOrder || k == kConference || k == kSupervision)) ||
               (redraw_requests && k == kProblem);
      });
    });
    const double day = now();
    if (schedule_signature(p, day) != saved_past)
      problems.push_back("the orders or conferences before the snapshot day differ from the ones that already happened");
    if (p.horizon_days > saved_horizon)
      problems.push_back("the horizon is extended from day " + std::to_string(saved_horizon) + " to day " +
                         std::to_string(p.horizon_days) +
                         ": the monthly and yearly schedules stop at the original horizon; snapshot a scenario with the longer horizon");
    if (!(p.horizon_days >= day))
      problems.push_back("the horizon (day " + std::to_string(p.horizon_days) + ") is before the snapshot (day " +
                         std::to_string(day) + ")");
    if (!problems.empty()) {
      std::string msg = "cannot continue this snapshot with these parameters (a fork may change what happens from day " +
                        std::to_string(day) + " on, not what has already happened):";
      for (const auto& x : problems) msg += "\n  " + x;
      throw Error(msg);
    }
    r.expect("ACC1");
    const std::size_t n = r.count(std::min<std::size_t>(r.remaining() / 50, std::uint64_t{1} << 32));  // >= 50 bytes each
    acc.rec.clear();
    acc.reserve(n + static_cast<std::size_t>(1.05 * p.accounts.prospect_arrival_rate * std::max(0.0, p.horizon_days - day) + 64));
    for (std::size_t a = 0; a < n; ++a) {
      acc.add();
      Account& x = acc.rec[a];
      r.pod(x.value), r.pod(x.acquired), r.pod(x.satisfaction), r.pod(x.expectation), r.pod(x.loyalty), r.pod(x.silent);
      r.pod(x.owner), r.pod(x.causes), r.pod(x.problem_count), r.pod(x.open_requests), r.pod(x.state), r.pod(x.source);
      r.pod(x.reported), r.pod(x.scars), r.pod(x.failures), r.pod(x.flags), r.pod(x.notices);
      if (static_cast<std::uint8_t>(x.state) > 3 || static_cast<std::uint8_t>(x.source) >= kSourceCount ||
          static_cast<std::uint8_t>(x.reported) >= kSourceCount)
        r.fail("account " + std::to_string(a) + " has an unknown state or source");
    }
    r.expect("MGR1");
    const std::size_t nm = r.count(r.remaining() / 100);  // a manager takes more than 100 bytes
    const std::uint32_t first = initial_managers();
    std::vector<ManagerSpec> specs;
    for (const auto& spec : p.managers)
      for (std::int64_t i = 0; i < spec.count; ++i) specs.push_back(spec);
    managers.clear();
    for (std::size_t i = 0; i < nm; ++i) {
      Manager m;
      m.name = r.str();
      const std::string saved_strategy = r.str();
      r.pod(m.competence), r.pod(m.age_days), r.pod(m.level);
      m.level_slot = static_cast<std::size_t>(r.pod<std::uint64_t>());
      r.pod(m.active), r.pod(m.urgent), r.pod(m.passed_over);
      r.pod(m.coached_until), r.pod(m.busy_until), r.pod(m.quarter_new), r.pod(m.year_new), r.pod(m.opening_value);
      r.pods(m.opening_book), r.pods(m.book);
      m.row = load_row(r);
      // Strategies come from the parameters: a fork may give a manager another one.
      equip(m, i < first && i < specs.size() ? specs[i] : p.organisation.hire);
      for (auto a : m.opening_book)
        if (a >= n) r.fail("a manager's book names account " + std::to_string(a));
      for (auto a : m.book)
        if (a >= n) r.fail("a manager's book names account " + std::to_string(a));
      managers.push_back(std::move(m));
    }
    members.assign(r.count(r.remaining() / 8), {});
    for (auto& l : members) {
      r.pods(l);
      for (auto id : l)
        if (id >= nm) r.fail("a level lists manager " + std::to_string(id));
    }
    r.expect("ORG1");
    r.pod(assignments), r.pod(promotion_round), r.pod(month), r.pod(hires);
    regime = static_cast<std::size_t>(r.pod<std::uint64_t>());
    r.pod(stress), r.pod(competitor), r.pod(acquisition_mult), r.pod(demand_mult);
    requests.resize(r.count(r.remaining() / 18));
    for (auto& q : requests) {
      r.pod(q.account), r.pod(q.manager), r.pod(q.arrival), r.pod(q.urgent_at_arrival), r.pod(q.support_cut_at_arrival);
      if (q.account >= n) r.fail("a request names account " + std::to_string(q.account));
    }
    r.pods(free_requests), r.pods(served_ids);
    served_sorted = static_cast<std::size_t>(r.pod<std::uint64_t>());
    r.pod(n_prospects);
    r.pod(arrivals_total), r.pod(clients_won), r.pod(initial_value), r.pod(value_won), r.pod(value_growth);
    r.pods(support_busy), r.pod(support_staff_now);
    r.pod(cur), r.pod(response_sum), r.pod(response_n);
    r.pod(cumulative_hazard), r.pod(thresholds_known), r.pod(named_largest);
    thresholds.clear();
    near_cap = -std::numeric_limits<double>::infinity();  // all wait apart until the next month's cap
    far_thresholds.resize(r.count(r.remaining() / 12));
    for (auto& [h, a] : far_thresholds) r.pod(h), r.pod(a);
    r.expect("NET1");
    r.pod(network.complete);
    network.node_count = static_cast<std::size_t>(r.pod<std::uint64_t>());
    r.pods(network.offsets), r.pods(network.targets);
    if (!network.complete && (network.offsets.size() != network.node_count + 1 ||
                              (network.node_count && network.offsets.back() != network.targets.size())))
      r.fail("the network's offsets do not match its edges");
    r.expect("OUT1");
    out = load_result(r);
    r.expect("END1");
    // Every index the handlers will follow must point inside the world.
    const auto nmi = static_cast<std::int64_t>(nm);
    for (auto a : served_ids)
      if (a >= n) r.fail("the client list names account " + std::to_string(a));
    for (std::size_t a = 0; a < n; ++a)
      if (acc.rec[a].owner < -1 || acc.rec[a].owner >= nmi) r.fail("account " + std::to_string(a) + " has an unknown owner");
    for (std::size_t i = 0; i < nm; ++i) {
      const Manager& m = managers[i];
      if (m.level < 0 || m.level >= static_cast<std::int64_t>(members.size())) r.fail("a manager's level is out of range");
      if (m.active && (m.level_slot >= members[static_cast<std::size_t>(m.level)].size() ||
                       members[static_cast<std::size_t>(m.level)][m.level_slot] != i))
        r.fail("the level lists do not match the managers");
    }
    for (const auto& q : requests)
      if (q.manager < -1 || q.manager >= nmi) r.fail("a request names an unknown manager");
    for (auto id : free_requests)
      if (id >= requests.size()) r.fail("a free request number is out of range");
    for (const auto& t : far_thresholds)
      if (t.second >= n) r.fail("an acquisition threshold names account " + std::to_string(t.second));
    for (const auto& l : out.lost)
      if (l.account >= n) r.fail("a lost account is out of range");
    if (!network.complete) {
      for (std::size_t v = 0; v < network.node_count; ++v)
        if (network.offsets[v] > network.offsets[v + 1]) r.fail("the network's offsets are not increasing");
      for (auto t : network.targets)
        if (t >= network.node_count) r.fail("the network names an unknown person");
      if (network.node_count > n) r.fail("the network has more people than accounts");
    }
    for (const auto& e : sim.queue().pending()) {
      const auto k = e.spec.kind;
      const bool ok = k <= kOrder && ((k != kProblem && k != kChurn) || e.spec.target < n) &&
                      (k != kServiceDone || (e.spec.aux < requests.size() && requests[e.spec.aux].account == e.spec.target)) &&
                      (k != kConference || e.spec.aux < p.conferences.size()) && (k != kOrder || e.spec.aux < p.orders.size());
      if (!ok) r.fail("a pending event (kind " + std::to_string(k) + ") points outside the world");
    }
    if (support_staff_now < 0 || static_cast<std::size_t>(support_staff_now) > support_busy.size())
      r.fail("support staff on duty out of range");
    if (served_sorted > served_ids.size() || regime >= p.market.regimes.size() || support_busy.size() != static_cast<std::size_t>(std::max<std::int64_t>(p.service.support_staff, 0)))
      r.fail("inconsistent counts");
    rebuild_support_free();
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (served(a) && acc.rec[a].owner >= 0) ++managers[static_cast<std::size_t>(acc.rec[a].owner)].owned;

    started = true;
    check_invariants();

    // What the fork changes from now on.
    if (reschedule) {
      for (std::size_t i = 0; i < p.orders.size(); ++i)
        if (p.orders[i].at >= day) sim.schedule_at(p.orders[i].at, EventSpec{kOrder, 0, static_cast<std::uint32_t>(i), kPrioOrder});
      for (std::size_t i = 0; i < p.conferences.size(); ++i)
        if (p.conferences[i].start >= day) sim.schedule_at(p.conferences[i].start, EventSpec{kConference, 0, static_cast<std::uint32_t>(i)});
      if (p.supervision.enabled) {
        const double next = std::max(1.0, std::ceil(day / p.supervision.interval_days)) * p.supervision.interval_days;
        if (next <= p.horizon_days) sim.schedule_at(next, EventSpec{kSupervision});
      }
    }
    // Candidates are drawn up to the next month's end (or the horizon).
    arrivals_until = p.horizon_days;
    for (const auto& e : sim.queue().pending())
      if (e.spec.kind == kMonthEnd) arrivals_until = std::min(arrivals_until, e.time);
    if (redraw_requests) {
      // Request candidates are a Poisson stream per client: memoryless, so a new bound only
      // needs fresh candidates from now to the month's end, drawn for what they are for.
      set_bound(bound);
      if (problem_rate_max > 0) {
        for (std::uint32_t a = 0; a < acc.size(); ++a)
          if (served(a)) candidates(a, draws(a, Purpose("problem-fork"), acc.rec[a].problem_count), day, arrivals_until);
        sim.schedule_batch(drawn);
      }
    } else {
      set_bound(saved_bound);
    }
    if (saved_market != market_signature(p)) update_market_multipliers();
  }



  bool started = false, finished = false;
  void start() {
    if (started) return;
    validate(p);
    setup();
    started = true;
  }
  void dispatch_all(double horizon) {
    sim.run_until(horizon, [this](Simulation&, const Event& e) { dispatch(e); });
  }
  void advance(double day) {
    if (finished) throw Error("this world has already run to its horizon");
    if (!(day <= p.horizon_days && day >= now()))
      throw Error("cannot run to day " + std::to_string(day) + ": the world is at day " + std::to_string(now()) +
                  " and its horizon is day " + std::to_string(p.horizon_days));
    start();
    sim.run_before(day, [this](Simulation&, const Event& e) { dispatch(e); });
  }

  RunResult run() {
    start();
    dispatch_all(p.horizon_days);
    finished = true;
    check_invariants();
    prune_books();
    for (std::size_t i = 0; i < managers.size(); ++i) {
      Manager& m = managers[i];
      ManagerRow& r = m.row;
      r.level = m.level;
      r.competence = m.competence;
      r.book_size = static_cast<std::int64_t>(m.book.size());
      r.book_value = book_value(m);
      r.retention_rate = r.opening_clients > 0 ? static_cast<double>(r.retained_clients) / static_cast<double>(r.opening_clients) : 0.0;
      // CLV = m r / (1 + d - r), discount 10%: what the book is worth at this retention.
      const double ret = std::min(r.retention_rate, 0.99);
      r.book_clv = p.accounts.margin * r.book_value * ret / (1.1 - ret);
      double sw = 0, w = 0;
      for (auto a : m.book) sw += acc.rec[a].satisfaction * acc.rec[a].value, w += acc.rec[a].value;
      r.reputation = w > 0 ? sw / w : 0.0;
      out.managers.push_back(r);
    }
    out.events = sim.events_processed();
    out.accounts_created = static_cast<std::int64_t>(acc.size());
    if (p.record_accounts) {
      static const char* names[] = {"prospect", "active", "notice", "churned"};
      std::vector<double> churned_day(acc.size(), -1.0);
      for (const auto& l : out.lost) churned_day[l.account] = l.day;
      for (std::uint32_t a = 0; a < acc.size(); ++a) {
        const double churned = churned_day[a];
        out.accounts.push_back({a, names[static_cast<int>(acc.rec[a].state)], acc.rec[a].source, acc.rec[a].reported,
                                acc.rec[a].owner, acc.rec[a].value, acc.rec[a].satisfaction, acc.rec[a].expectation,
                                acc.rec[a].scars, acc.rec[a].acquired, churned, acc.rec[a].causes});
      }
    }
    return std::move(out);
  }
};

World::World(const ModelParams& params, std::uint64_t seed, std::uint64_t replication)
    : impl_(std::make_unique<Impl>(*this, params, seed, replication)) {}
World::~World() = default;
RunResult World::run() { return impl_->run(); }
void World::run_to(double day) { impl_->advance(day); }
double World::now() const { return impl_->now(); }
void World::stop_when(const std::atomic<bool>* flag) { impl_->stop_flag = flag; }

std::string World::save() const {
  if (impl_->finished) throw Error("snapshot: this world has already run to its horizon");
  impl_->start();
  core::ByteWriter w;
  impl_->save(w);
  return w.take();
}

std::unique_ptr<World> World::restore(const ModelParams& params, std::string_view state, const std::string& what) {
  core::ByteReader r(state, what);
  // A state from another version of the format: say so, rather than "damaged".
  constexpr std::string_view family = "TENURE-WORLD-";
  if (state.substr(0, family.size()) == family && state.substr(0, kStateMagic.size()) != kStateMagic)
    throw Error(what + ": written by another version of tenure (its world state is '" +
                std::string(state.substr(0, std::min(state.size(), kStateMagic.size()))) + "', this version reads '" +
                std::string(kStateMagic) + "'): take the snapshot again with this version");
  r.expect(kStateMagic);
  const auto seed = r.pod<std::uint64_t>();
  const auto rep = r.pod<std::uint64_t>();
  auto w = std::make_unique<World>(params, seed, rep);
  w->impl_->load(r);
  r.finish();
  return w;
}

RunResult simulate(const ModelParams& params, std::uint64_t seed, std::uint64_t replication,
                   const std::atomic<bool>* stop) {
  World w(params, seed, replication);
  w.stop_when(stop);
  return w.run();
}

void validate(const ModelParams& p) {
  std::vector<std::string> problems;
  auto check = [&](bool ok, const std::string& msg) {
    if (!ok) problems.push_back(msg);
  };
  // Each problem starts with the key path it concerns (list items by index or by name, as in
  // --set), so the loader can place it at that key in the file.
  check(p.horizon_days > 0, "horizon: must be positive");
  check(!p.managers.empty(), "managers: at least one manager is needed");
  check(!p.organisation.positions.empty(), "organisation.positions: needs at least one level");
  const auto n = static_cast<Eigen::Index>(p.market.regimes.size());
  check(n > 0, "market.regimes: needs at least one regime");
  if (n > 0) {
    check(p.market.transition.rows() == n && p.market.transition.cols() == n,
          "market.transition: must be " + std::to_string(n) + "x" + std::to_string(n) + " (one row and column per regime)");
    if (p.market.transition.rows() == n && p.market.transition.cols() == n)
      for (Eigen::Index i = 0; i < n; ++i) {
        check(std::abs(p.market.transition.row(i).sum() - 1.0) < 1e-9,
              "market.transition." + std::to_string(i) + ": row " + std::to_string(i) + " must sum to 1");
        check(p.market.transition.row(i).minCoeff() >= 0,
              "market.transition." + std::to_string(i) + ": entries must be >= 0");
      }
    check(p.market.initial_regime >= 0 && p.market.initial_regime < n,
          "market.initial_regime: " + std::to_string(p.market.initial_regime) + " is not a regime (expected 0 to " +
              std::to_string(n - 1) + ")");
  }
  std::vector<std::int64_t> per_level(p.organisation.positions.size(), 0);
  std::int64_t managers_at_start = 0;
  for (const auto& m : p.managers) {
    const std::string at = "managers." + m.name;
    check(m.count >= 1, at + ".count: must be >= 1");
    check(m.level >= 0 && m.level < static_cast<std::int64_t>(per_level.size()),
          at + ".level: level " + std::to_string(m.level) + " has no positions (organisation.positions has " +
              std::to_string(per_level.size()) + " levels)");
    if (m.level >= 0 && m.level < static_cast<std::int64_t>(per_level.size()))
      per_level[static_cast<std::size_t>(m.level)] += m.count;
    managers_at_start += std::max<std::int64_t>(m.count, 0);
    auto component = [&](const char* key, auto& reg, const Component& c) {
      try {
        reg.create(c.name, c.params);
      } catch (const Error& e) {
        problems.push_back(at + "." + key + ": " + e.what());
      }
    };
    component("time", time_allocations(), m.time);
    component("service", service_styles(), m.service);
    component("pressure", pressure_behaviours(), m.pressure);
  }
  for (std::size_t l = 0; l < per_level.size(); ++l)
    check(per_level[l] <= p.organisation.positions[l],
          "organisation.positions." + std::to_string(l) + ": level " + std::to_string(l) + " has " +
              std::to_string(per_level[l]) + " managers but " + std::to_string(p.organisation.positions[l]) + " positions");
  auto component = [&](const char* key, auto& reg, const Component& c) {
    try {
      reg.create(c.name, c.params);
    } catch (const Error& e) {
      problems.push_back(std::string(key) + ": " + e.what());
    }
  };
  component("organisation.promotion", promotion_policies(), p.organisation.promotion);
  component("market.model", market_models(), p.market.model);
  component("network.generator", network_generators(), p.network.generator);
  check(p.organisation.competence_on_promotion == "carried" || p.organisation.competence_on_promotion == "redrawn",
        "organisation.competence_on_promotion: must be carried or redrawn");
  check(p.organisation.blame_rule == "last_owner" || p.organisation.blame_rule == "weakest_performer",
        "organisation.blame_rule: must be last_owner or weakest_performer");
  check(p.churn.notice_max_days >= p.churn.notice_min_days, "churn.notice_max: must be >= churn.notice_min");
  const std::int64_t accounts_at_start = p.accounts.initial_active + p.accounts.initial_prospects;
  for (std::size_t i = 0; i < p.orders.size(); ++i) {
    const Order& o = p.orders[i];
    const std::string at = "orders." + std::to_string(i);
    check(o.kind == "cut_support" || o.kind == "no_contact" || o.kind == "lift_no_contact" ||
              o.kind == "reassign_book" || o.kind == "recovery_meeting",
          at + ".kind: unknown order kind '" + o.kind + "'");
    if (o.kind == "reassign_book")
      check(o.manager >= 0 && o.manager < managers_at_start,
            at + ".manager: a reassign_book order needs the index of a manager at the start, 0 to " +
                std::to_string(managers_at_start - 1) + " (got " + std::to_string(o.manager) + ")");
    if (o.kind == "no_contact" || o.kind == "lift_no_contact" || o.kind == "recovery_meeting")
      check(o.account < accounts_at_start,
            at + ".account: account " + std::to_string(o.account) + " does not exist at the start (accounts are numbered 0 to " +
                std::to_string(accounts_at_start - 1) + ", or say 'largest')");
  }
  const Footprint f = footprint(p);
  // Counts too large for an integer are printed as such (%.3g), never cast: no overflowed numbers.
  auto count_text = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, x < 1e15 ? "%.0f" : "%.3g", x);
    return std::string(buf);
  };
  check(f.accounts < 4e9, "accounts: too many accounts (" + count_text(f.accounts) +
                              " would exist; ids are 32-bit)");
  // An event storm is refused before it starts, not after hours of running.
  check(f.events <= kMaxEventsPerRun,
        "service.problem_rate: about " + count_text(f.events / 1e9) +
            " billion events per replication (request rate x clients x horizon); at most " +
            std::to_string(static_cast<long long>(kMaxEventsPerRun / 1e9)) +
            " billion are allowed: lower service.problem_rate, the number of accounts or the horizon");
  if (!problems.empty()) {
    std::string msg = "invalid model parameters:";
    for (const auto& s : problems) msg += "\n  " + s;
    throw Error(msg);
  }
}

Attribution attribute(const ModelParams& params, const std::vector<Factor>& factors,
                      std::uint64_t seed, std::uint64_t replication) {
  const std::size_t F = factors.size();
  if (F > 10) throw Error("attribution over more than 10 factors needs 2^F runs; choose fewer");
  std::vector<double> lost(std::size_t{1} << F);
  Attribution at;
  at.factors = factors;
  for (std::size_t mask = 0; mask < lost.size(); ++mask) {
    // mask bit j set: factor j is ON in this counterfactual.
    ModelParams p = params;
    for (std::size_t j = 0; j < F; ++j)
      if (!(mask & (std::size_t{1} << j))) p.factors_off |= 1u << static_cast<int>(factors[j]);
    RunResult r = simulate(p, seed, replication);
    lost[mask] = r.lost_value;
    if (mask == lost.size() - 1) {
      at.blame.assign(r.managers.size(), 0.0);
      for (std::size_t i = 0; i < r.managers.size(); ++i) at.blame[i] = r.managers[i].blamed_value;
    }
  }
  std::vector<double> fact(F + 1, 1.0);
  for (std::size_t i = 1; i <= F; ++i) fact[i] = fact[i - 1] * static_cast<double>(i);
  at.shapley.assign(F, 0.0);
  for (std::size_t j = 0; j < F; ++j)
    for (std::size_t mask = 0; mask < lost.size(); ++mask) {
      if (mask & (std::size_t{1} << j)) continue;
      const auto s = static_cast<std::size_t>(std::popcount(mask));
      const double w = fact[s] * fact[F - s - 1] / fact[F];
      at.shapley[j] += w * (lost[mask | (std::size_t{1} << j)] - lost[mask]);
    }
  at.lost_all_on = lost.back();
  at.lost_all_off = lost.front();
  return at;
}

Footprint footprint(const ModelParams& p) {
  Footprint f;
  f.accounts = static_cast<double>(p.accounts.initial_active + p.accounts.initial_prospects) +
               p.accounts.prospect_arrival_rate * p.horizon_days;
  double demand = 1, shock = 0;
  for (const auto& r : p.market.regimes) demand = std::max(demand, r.demand);
  for (const auto& x : p.market.shocks) shock = std::max(shock, x.severity);
  // Request candidates come from clients only; every account counts here, an upper bound.
  f.events = p.service.problem_rate * demand * (1 + shock) * 1.5 * f.accounts * p.horizon_days +
             3 * p.horizon_days / cal::kDaysPerMonth;
  // About 140 bytes per account at 1e6 and 1e7 clients (bench/RESULTS.md), plus the pending
  // requests, the network's edges for sparse generators, and the program itself.
  double edges = 0;
  const auto& g = p.network.generator;
  if (g.name == "small_world") edges = f.accounts * static_cast<double>(g.params.count("k") ? std::get<std::int64_t>(g.params.at("k")) : 6);
  if (g.name == "scale_free") edges = 2 * f.accounts * static_cast<double>(g.params.count("m") ? std::get<std::int64_t>(g.params.at("m")) : 3);
  // Managers (their records and books' bookkeeping) and conferences count too: a file may ask
  // for millions of managers.
  double managers = 0;
  for (const auto& m : p.managers) managers += static_cast<double>(std::max<std::int64_t>(m.count, 0));
  for (const auto& x : p.organisation.positions) managers += 0.1 * static_cast<double>(std::max<std::int64_t>(x, 0));  // hires
  f.bytes = 160 * f.accounts + 24 * edges + 400 * managers + 64 * static_cast<double>(p.conferences.size()) + 64e6;
  // A replication's results: a row per month, a row per manager, a row per lost account (at
  // most every client; half is the estimate), and per account when they are recorded.
  const double months = p.horizon_days / cal::kDaysPerMonth + 1;
  const double clients = static_cast<double>(p.accounts.initial_active) + p.accounts.prospect_arrival_rate * p.horizon_days;
  f.result_bytes = months * sizeof(MonthRow) + managers * (sizeof(ManagerRow) + 16) + 0.5 * clients * sizeof(LostAccount) +
                   (p.record_accounts ? f.accounts * (sizeof(AccountRow) + 4 * sizeof(AccountEvent)) : 0.0);
  return f;
}

}  // namespace tenure::model
