// The account and career model: world.cpp composes the mechanisms (mechanisms/*.hpp, one per
// section of docs/model.md) over the shared state (state.hpp). It names, once each, the order
// of the set-up, the order of the month's work and the event each kind dispatches to; and it
// saves and restores the whole state.
#include "tenure/model/world.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <numeric>
#include <type_traits>
#include <variant>

#include "mechanisms/acquisition.hpp"
#include "mechanisms/care.hpp"
#include "mechanisms/careers.hpp"
#include "mechanisms/churn.hpp"
#include "mechanisms/conferences.hpp"
#include "mechanisms/job_moves.hpp"
#include "mechanisms/market.hpp"
#include "mechanisms/orders.hpp"
#include "mechanisms/quarters.hpp"
#include "mechanisms/requests.hpp"
#include "mechanisms/supervision.hpp"
#include "state.hpp"
#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
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
constexpr std::string_view kStateMagic = "TENURE-WORLD-12";  // 12: request candidates at the month's bound (the header keeps the bound at a demand of 1); 11: records given back each quarter (a churn event carries the record's generation); 10: prospects pooled on the complete graph (no thresholds, a record only when won); 9: orders repeat and name rules (their schedule signature), managers' months; 8: strategies' memory, review ranks; 7: revenue of rushed deals; 6: former clients' voices; 5: managers' skills and leaders; 4: requests given up, referral links
using core::Event;
using core::Simulation;
using core::StreamKey;
}  // namespace

struct World::Impl {
  Shared s;
  // The mechanisms, each over the shared state (state.hpp).
  Requests requests{s};
  Care care{s};
  Careers careers{s};
  Churn churn{s, careers};
  JobMoves job_moves{s};
  Acquisition acquisition{s};
  Market market{s};
  Quarters quarters{s};
  Conferences conferences{s};
  Supervision supervision{s};
  Orders orders{s, requests};

  const std::atomic<bool>* stop_flag = nullptr;  // World::stop_when
  bool started = false, finished = false;

  Impl(World& w, const ModelParams& params, std::uint64_t seed, std::uint64_t rep) : s(w, params, seed, rep) {}

  double now() const { return s.now(); }

  // --- set-up: the order in which the mechanisms start ------------------------------------
  void setup() {
    const ModelParams& p = s.p;
    careers.equip();
    market.equip();
    orders.equip();
    requests.setup();

    s.managers.reserve(s.managers_expected(p.horizon_days));  // hires never copy them all at once
    std::vector<double> shares;
    for (const auto& spec : p.managers)
      for (std::int64_t i = 0; i < spec.count; ++i) {
        const std::string name = spec.count == 1 ? spec.name : spec.name + "-" + std::to_string(i + 1);
        s.managers.push_back(s.make_manager(spec, name));
        shares.push_back(spec.book_share);
      }
    const double share_sum = std::accumulate(shares.begin(), shares.end(), 0.0);
    s.members.assign(p.organisation.positions.size(), {});
    for (std::uint32_t i = 0; i < s.managers.size(); ++i) s.join(i, s.managers[i].level);
    careers.teams();

    const auto total = static_cast<std::size_t>(p.accounts.initial_active + p.accounts.initial_prospects);
    acquisition.setup(total);  // the network: whether prospects are pooled
    // Room for every account that can exist (address space only: pages are touched as records
    // are added), so that growth never doubles peak memory. Pooled prospects get a record when
    // won; on a sparse network every prospect has one from the start.
    s.acc.reserve(total + static_cast<std::size_t>(1.05 * p.accounts.prospect_arrival_rate * p.horizon_days + 64));
    // The same for the rows of lost clients: at most every account (a vector's doubling would
    // hold the old rows and their copy at once).
    s.out.lost.reserve(s.acc.rec.capacity());
    const std::size_t records = s.pooled ? static_cast<std::size_t>(p.accounts.initial_active) : total;
    for (std::size_t i = 0; i < records; ++i) s.acc.add();
    s.n_prospects = static_cast<std::int64_t>(total);
    // Initial clients go to managers in proportion to their book share, in account order.
    std::vector<double> cum(shares.size());
    std::partial_sum(shares.begin(), shares.end(), cum.begin());
    std::size_t m = 0;
    for (std::int64_t i = 0; i < p.accounts.initial_active; ++i) {
      const auto a = static_cast<std::uint32_t>(i);
      const double pos = (static_cast<double>(i) + 0.5) / static_cast<double>(p.accounts.initial_active) * share_sum;
      while (m + 1 < cum.size() && pos > cum[m]) ++m;
      KeyedDraws d = s.account_draws(a, Purpose("initial"), 0);
      s.activate(a, s.managers.empty() ? -1 : static_cast<std::int32_t>(m), Source::Initial, Source::Initial,
                 s.draw_value(d), /*at_start=*/true);
      s.set_satisfaction(a, p.accounts.initial_satisfaction + p.accounts.satisfaction_sd * d.normal());
      s.acc.rec[a].acquired = -d.uniform01() * 5 * cal::kDaysPerYear;  // tenure up to five years
    }
    careers.snapshot_openings();

    market.setup();  // the first month's demand: its candidates' rate
    s.arrivals.set_bound(Requests::month_bound(p, s.market.demand_mult));
    s.arrivals.until = std::min(cal::months(1), p.horizon_days);
    if (s.arrivals.bound > 0) {
      for (std::uint32_t a = 0; a < s.acc.size(); ++a)
        if (s.served(a)) s.arrivals.candidates(a, s.account_draws(a, Purpose("problems-start"), 0), 0.0, s.arrivals.until);
      s.sim.schedule_batch(s.arrivals.drawn);
    }

    s.sim.schedule_at(cal::months(1), EventSpec{kMonthEnd, 0, 0, kPrioMonth});
    quarters.setup();
    s.sim.schedule_at(cal::years(1), EventSpec{kReview, 0, 0, kPrioReview});
    conferences.schedule(-std::numeric_limits<double>::infinity());
    orders.schedule(-std::numeric_limits<double>::infinity());
    supervision.schedule_first();
  }

  // --- the month's end: the order of the month's work --------------------------------------
  void on_month_end() {
    if (stop_flag && stop_flag->load(std::memory_order_relaxed)) [[unlikely]] throw Stopped();
    const double dt = cal::kDaysPerMonth;
    s.arrivals.window_to = std::min(now() + dt, s.p.horizon_days);
    // The month ahead's market, drawn now: the pass draws its request candidates at its demand.
    const MarketNow ahead = market.ahead();
    if (const double b = Requests::month_bound(s.p, ahead.demand_mult); b != s.arrivals.bound) s.arrivals.set_bound(b);
    s.rng.start_month(static_cast<std::uint64_t>(s.month));
    s.sync_served();
    s.decide_all(DecisionMoment::Month);  // the strategies, for the month ahead
    month_pass(dt);          // care, churn, job moves; the coming month's request candidates
    acquisition.month(dt);   // new prospects; outreach and word of mouth
    careers.month(dt);       // exits, hand-overs, hires
    close_month();
    // The clients won during the pass or after it: their candidates, with their month's draws.
    if (s.arrivals.bound > 0) {
      for (std::size_t i = s.arrivals.covered; i < s.served_ids.size(); ++i)
        if (const std::uint32_t a = s.served_ids[i]; s.served(a))
          s.arrivals.candidates(a, at(s.rng.month_draws(s.acc.rec[a].number), MonthDraw::RequestCandidates), now(), s.arrivals.window_to);
      s.sim.schedule_batch(s.arrivals.drawn);
    }
    s.arrivals.until = s.arrivals.window_to;
    ++s.month;
    hint_ahead();  // the table may have grown past the cache
    market.enter(ahead);
    if (now() + dt <= s.p.horizon_days + 1e-9) s.sim.schedule_in(dt, EventSpec{kMonthEnd, 0, 0, kPrioMonth});
  }

  // The month's pass: every client's monthly work while the pass holds its record, the stages
  // in this order: request candidates, care (the visit), churn (active clients), job moves
  // (active clients that stay). Each stage's monthly constants are locals here: in the loop
  // the compiler keeps them in registers, where it would otherwise reload them after every
  // store to a record (it cannot tell a record's doubles from the parameters').
  static constexpr std::size_t kPassAhead = 8;  // a client's work hides the fetch
  static constexpr std::size_t kFetchOwnersFrom = 16384;  // managers: a care table of 512 KiB
  void month_pass(double dt) {
    s.settle_referrals();  // before any churn test reads who is referred
    const Care::Month kc = care.begin_month(dt);
    const Churn::Month kh = churn.begin_month(dt);
    const JobMoves::Month kj = job_moves.begin_month(dt);
    const double from = now(), to = s.arrivals.window_to;
    const bool full_month = to == from + cal::kDaysPerMonth;  // candidates by the table (Arrivals::candidates)
    const double promoter = s.p.service.promoter_threshold, detractor = s.p.service.detractor_threshold;
    auto& ids = s.served_ids;
    auto& drawn = s.arrivals.drawn;
    const std::size_t n_served = ids.size();  // clients acquired during the pass wait a month
    s.tally = MonthTally{};
    // Promoters written by index (most clients are promoters), trimmed after the pass.
    s.month_promoters.resize(n_served);
    std::size_t promoters = 0;
    MonthTally t;
    double growth = s.value_growth;  // the same additions, in the same order, as on the member
    // A slot per client for its month's first request candidate, written whether or not there
    // is one and kept when there is (the count is unpredictable: no branch on it), in a block
    // of slots moved to `drawn` every Arrivals::kBlock clients. Further candidates, and those
    // of clients won during the pass, follow all the first ones.
    const bool requests_on = s.arrivals.bound > 0;
    std::size_t firsts = 0;
    std::size_t kept = 0;
    // A care table of half an L2 cache or less stays in it: no fetching ahead (instructions
    // for nothing, 2% of a small model's).
    const bool fetch_owners = s.managers.size() >= kFetchOwnersFrom;
    const std::size_t fetch_to = s.acc.beyond_cache() ? n_served : 0;  // likewise the records
    for (std::size_t i = 0; i < n_served; ++i) {
      if (i % Arrivals::kBlock == 0) s.arrivals.flush_block(firsts);
      // Clients are in id order, but spread over a table that is mostly prospects: fetch
      // records ahead, which the hardware prefetcher cannot guess.
      if (i + kPassAhead < fetch_to) __builtin_prefetch(&s.acc.rec[ids[i + kPassAhead]]);
      // And half as far ahead, from the record fetched then, its owner's entry of the care
      // table (random: at 1e7 clients the table is 3 MiB, and the records' stream evicts it).
      if (fetch_owners && i + kPassAhead / 2 < n_served) __builtin_prefetch(&kc.managers[Care::owner_entry(s.acc.rec[ids[i + kPassAhead / 2]], kc)]);
      const std::uint32_t a = ids[i];
      if (!s.served(a)) continue;  // churned since the last pass: dropped from the list
      ids[kept++] = a;
      // The client's draws for the month (draws.hpp, MonthDraw), each taken only when it is
      // needed: the draws are counter-based, so skipping one changes no other.
      const KeyedDraws d = s.rng.month_draws(s.acc.rec[a].number);
      if (requests_on) {
        const KeyedDraws w = at(d, MonthDraw::RequestCandidates);
        if (full_month) [[likely]]
          s.arrivals.month_candidates_slotted(a, w, from, firsts);
        else
          s.arrivals.part_candidates(a, w, from, to);
      }
      Account& x = s.acc.rec[a];
      // The visit and churn draws: the halves of the month's key for the client, itself a mixer
      // output (the first draw a mixer round fewer, on the path to both decisions).
      const auto [u_visit, u_churn] = halves(d.state());
      Care::client_month(x, u_visit, kc, growth);
      if (x.state == State::Active && !churn.client_month(a, x, u_churn, d, kh)) job_moves.client_month(a, d, kj);
      // Counted now: its state now is its state when the month closes (see close_month).
      s.month_promoters[promoters] = a;
      promoters += Shared::add_to(t, s.acc.rec[a], now(), promoter, detractor);
    }
    s.value_growth = growth;
    s.arrivals.flush_block(firsts);
    drawn.insert(drawn.end(), s.arrivals.later.begin(), s.arrivals.later.end());
    s.arrivals.later.clear();
    s.month_promoters.resize(promoters);
    // Clients won during the pass (job moves) follow the kept ones, still out of order.
    ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(kept), ids.begin() + static_cast<std::ptrdiff_t>(n_served));
    s.served_sorted = kept;
    s.arrivals.covered = kept;
    s.tally = t;
    s.tally.counted = kept;
    s.tally.live = true;
  }

  // The month's row.
  void close_month() {
    MonthRow& cur = s.cur;
    cur.month = s.month;
    s.count_rest();  // clients won since the pass
    const double s_sum = s.tally.satisfaction;
    const std::int64_t n = s.tally.clients;
    cur.value = s.tally.value;
    cur.open_requests = s.tally.open_requests;
    cur.prospects = s.n_prospects;
    cur.active_accounts = n;
    cur.mean_satisfaction = n ? s_sum / static_cast<double>(n) : 0.0;
    cur.promoters = static_cast<std::int64_t>(s.month_promoters.size());
    cur.detractors = s.tally.detractors;
    cur.revenue = cur.value * s.p.accounts.margin / 12.0 - cur.discounts;
    cur.rushed_revenue = s.tally.rushed_value * s.p.accounts.margin / 12.0;
    requests.record(cur);
    cur.regime = static_cast<std::int64_t>(s.market.regime);
    cur.stress = s.market.stress;
    cur.effectiveness = careers.effectiveness();
    for (const auto& m : s.managers) cur.managers += m.active;
    if (s.p.record_managers)
      for (std::size_t i = 0; i < s.managers.size(); ++i)
        if (const Manager& m = s.managers[i]; m.active)
          s.out.manager_months.push_back({s.month, static_cast<std::uint32_t>(i), m.level, m.owned, s.current_book_value(i), m.year_new});
    s.out.months.push_back(cur);
    cur = MonthRow{};
    s.tally.live = false;
  }

  // --- events: each kind to the mechanism that owns it -------------------------------------
  // Inlined into both run loops (to the horizon, and up to a snapshot's day).
  static constexpr std::size_t kBatchAhead = 8;
  // The queue's hint as an event nears its turn (a bucket's worth of events ahead): its record,
  // and an answer's request, so that the owner's lines can be fetched from it one event ahead
  // (fetch_ahead) without a miss on the request first. Only beyond the cache, like the rest.
  static void soon(void* context, const EventSpec& e) {
    const Impl& w = *static_cast<const Impl*>(context);
    if (e.kind <= kChurn && e.target < w.s.acc.size()) __builtin_prefetch(&w.s.acc.rec[e.target]);
    if (e.kind == kServiceDone && e.aux < w.requests.requests.size()) __builtin_prefetch(&w.requests.requests[e.aux]);
  }
  void hint_ahead() { s.sim.set_soon_hint(s.acc.beyond_cache() ? &Impl::soon : nullptr, this); }
  // The events' records and managers, fetched ahead while this event runs.
  [[gnu::always_inline]] inline void fetch_ahead() {
    // The next event is known already: start fetching its account while this one runs.
    if (s.sim.has_pending()) {
      if (const EventSpec next = s.sim.next_spec(); next.kind <= kChurn && next.target < s.acc.size()) {
        __builtin_prefetch(&s.acc.rec[next.target]);
        // An answer's request (the table of open requests is small and warm) names its
        // manager: fetch the lines the answer writes (line 0, and the row's counters).
        if (next.kind == kServiceDone && next.aux < requests.requests.size())
          if (const std::int32_t o = requests.requests[next.aux].manager; o >= 0) {
            const auto* m = reinterpret_cast<const char*>(&s.managers[static_cast<std::size_t>(o)]);
            __builtin_prefetch(m), __builtin_prefetch(m + 128);
          }
      }
    }
    // Batched events are request candidates (accounts never go away): fetch further ahead, and
    // half as far ahead, from the record fetched then, the lines of its owner a request reads.
    if (const std::uint32_t* t = s.sim.batch_target_ahead(kBatchAhead)) __builtin_prefetch(&s.acc.rec[*t]);
    if (const std::uint32_t* t = s.sim.batch_target_ahead(kBatchAhead / 2))
      if (const std::int32_t o = s.acc.rec[*t].owner; o >= 0) {
        const auto* m = reinterpret_cast<const char*>(&s.managers[static_cast<std::size_t>(o)]);
        __builtin_prefetch(m), __builtin_prefetch(m + 64);
      }
  }
  [[gnu::always_inline]] inline void dispatch(const Event& e) {
#ifndef NDEBUG
    struct Check {  // after the event, in debug builds, where it is affordable
      const Impl& w;
      ~Check() noexcept(false) {
        if (w.s.acc.size() <= 20000 && std::uncaught_exceptions() == 0) w.check_invariants();
      }
    } check{*this};
#endif
    if (s.acc.beyond_cache()) fetch_ahead();  // (a smaller table stays in cache)
    switch (e.spec.kind) {
      case kProblem: requests.on_problem(e.spec.target); break;
      case kServiceDone: requests.on_service_done(e.spec.aux); break;
      case kMonthEnd: on_month_end(); break;
      case kChurn: churn.on_churn(e.spec.target, e.spec.aux); break;
      case kUrgency: quarters.on_urgency(); break;
      case kQuarterEnd: quarters.on_quarter_end(); break;
      case kReview: careers.on_review(); break;
      case kConference: conferences.on_conference(e.spec.aux); break;
      case kSupervision: supervision.on_supervision(); break;
      case kOrder: orders.on_order(e.spec.aux); break;
      default: unknown_kind(e.spec.kind);
    }
  }
  [[noreturn, gnu::cold, gnu::noinline]] static void unknown_kind(std::uint32_t kind) {
    throw Error("unknown event kind " + std::to_string(kind));
  }
  // Whether a pending event read from a snapshot points inside the world.
  bool valid_pending(const EventSpec& e, std::size_t accounts) const {
    const auto k = e.kind;
    return k < kKindCount && ((k != kProblem && k != kChurn) || e.target < accounts) &&
           (k != kServiceDone || (e.aux < requests.requests.size() && requests.requests[e.aux].account == e.target)) &&
           (k != kConference || e.aux < s.p.conferences.size()) && (k != kOrder || e.aux < s.p.orders.size());
  }

  // Conservation of accounts and value, with context when it fails. Called at the end of
  // every run, and after every event in debug builds (for worlds small enough to afford it).
  void check_invariants() const {
    const auto& acc = s.acc;
    const auto& managers = s.managers;
    std::int64_t counts[4] = {0, 0, 0, 0};
    double held = 0;
    for (std::uint32_t a = 0; a < acc.size(); ++a) {
      ++counts[static_cast<int>(acc.rec[a].state)];
      if (!(acc.rec[a].value >= 0) || !(acc.rec[a].satisfaction >= 0 && acc.rec[a].satisfaction <= 10))
        throw Error("invariant violated at day " + std::to_string(now()) + ", account " + std::to_string(a) +
                    ": value " + std::to_string(acc.rec[a].value) + ", satisfaction " +
                    std::to_string(acc.rec[a].satisfaction));
      if (s.served(a)) held += acc.rec[a].value;
    }
    auto fail = [&](const std::string& what) {
      throw Error("invariant violated at day " + std::to_string(now()) + " (seed " + std::to_string(s.seed) +
                  ", replication " + std::to_string(s.rep) + "): " + what);
    };
    const ModelParams& p = s.p;
    // Every prospect ever is a prospect still or was won; pooled prospects have no record.
    if (s.n_prospects + s.clients_won != p.accounts.initial_prospects + s.arrivals_total)
      fail(std::to_string(s.n_prospects) + " prospects and " + std::to_string(s.clients_won) + " won, but " +
           std::to_string(p.accounts.initial_prospects + s.arrivals_total) + " prospects came");
    // A record for every client ever (less the records reused) and every unpooled prospect.
    const std::int64_t records = p.accounts.initial_active + s.clients_won - s.records_reused + (s.pooled ? 0 : s.n_prospects);
    if (static_cast<std::int64_t>(acc.size()) != records)
      fail(std::to_string(acc.size()) + " account records, but " + std::to_string(records) + " expected");
    if (counts[0] != (s.pooled ? 0 : s.n_prospects))
      fail(std::to_string(counts[0]) + " prospects have records, but " + std::to_string(s.pooled ? 0 : s.n_prospects) +
           " should");
    const std::int64_t clients = counts[1] + counts[2] + counts[3] + s.records_reused;
    if (clients != p.accounts.initial_active + s.clients_won)
      fail(std::to_string(clients) + " clients and former clients, but " + std::to_string(p.accounts.initial_active) +
           " at the start and " + std::to_string(s.clients_won) + " won since");
    std::vector<std::int64_t> owned(managers.size(), 0);
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (s.served(a) && acc.rec[a].owner >= 0) ++owned[static_cast<std::size_t>(acc.rec[a].owner)];
    // Only a client following a departed manager, under notice, may be owned by one.
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (acc.rec[a].state == State::Active && acc.rec[a].owner >= 0 &&
          !managers[static_cast<std::size_t>(acc.rec[a].owner)].active)
        fail("active client " + std::to_string(a) + " is owned by manager " + std::to_string(acc.rec[a].owner) +
             ", who has left");
    for (std::size_t i = 0; i < managers.size(); ++i)
      if (owned[i] != managers[i].owned)
        fail("manager " + std::to_string(i) + " owns " + std::to_string(owned[i]) + " clients, but the count says " +
             std::to_string(managers[i].owned));
    for (std::size_t i = 0; i < managers.size(); ++i)
      if (managers[i].value_known && !(managers[i].known_value == s.book_value(managers[i])))
        fail("manager " + std::to_string(i) + "'s book value is known as " + std::to_string(managers[i].known_value) +
             " but is " + std::to_string(s.book_value(managers[i])));
    const RunResult& out = s.out;
    if (counts[3] + s.records_reused != static_cast<std::int64_t>(out.lost.size()))
      fail(std::to_string(counts[3]) + " churned records and " + std::to_string(s.records_reused) + " reused, but " +
           std::to_string(out.lost.size()) + " losses recorded");
    if (s.acc.next_number != static_cast<std::uint64_t>(p.accounts.initial_active + s.clients_won + (s.pooled ? 0 : s.n_prospects)))
      fail("the next account number is " + std::to_string(s.acc.next_number));
    for (const auto a : s.free_records)
      if (acc.rec[a].state != State::Churned) fail("free record " + std::to_string(a) + " is not a former client's");
    // Value: what was held at the start, plus what was won and grew, less what was lost.
    const double expected = s.initial_value + s.value_won + s.value_growth - out.lost_value;
    const double scale = std::max({1.0, s.initial_value + s.value_won + s.value_growth, out.lost_value});
    if (!(std::fabs(held - expected) <= 1e-9 * scale))
      fail("clients hold " + std::to_string(held) + " of value, but the ledger says " + std::to_string(expected) +
           " (start " + std::to_string(s.initial_value) + " + won " + std::to_string(s.value_won) + " + growth " +
           std::to_string(s.value_growth) + " - lost " + std::to_string(out.lost_value) + ")");
  }

  // --- snapshots -----------------------------------------------------------------------------
  // The whole state, field by field (never padding, so one state gives one byte string): the
  // kernel's clock, queue and stream key, every account, manager and request, the market, the
  // network, the results so far, and what the parameters fixed (so that a restore can tell
  // which changes it can absorb). Records have one io function each for both directions
  // (state.hpp, requests.hpp); this is the order of the format.
  std::uint32_t initial_managers() const {
    std::int64_t n = 0;
    for (const auto& spec : s.p.managers) n += spec.count;
    return static_cast<std::uint32_t>(n);
  }
  // Orders and conferences before `upto`, and (when `upto` is the whole run) supervision: what
  // a snapshot keeps as pending events.
  static constexpr double kWholeRun = std::numeric_limits<double>::infinity();
  static std::string schedule_signature(const ModelParams& q, double upto) {
    core::ByteWriter w;
    for (const auto& o : q.orders)
      if (o.at < upto) {
        w.pod(o.at), w.str(name_of(o.kind)), w.pod(o.fraction), w.pod(o.account), w.pod(o.manager), w.pod(o.every);
        w.str(o.rule.name);
        for (const auto& [k, v] : o.rule.params) {
          w.str(k), w.pod(static_cast<std::uint8_t>(v.index()));
          std::visit([&](const auto& x) {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>) w.str(x);
            else w.pod(x);
          }, v);
        }
      }
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
    const ModelParams& p = s.p;
    w.raw(kStateMagic);
    w.pod(s.seed), w.pod(s.rep);
    // What the parameters fixed at the start.
    w.pod(p.accounts.initial_active), w.pod(p.accounts.initial_prospects), w.pod(initial_managers());
    w.pod<std::uint64_t>(p.organisation.positions.size()), w.pod(p.service.support_staff);
    w.pod<std::uint64_t>(p.market.regimes.size()), w.pod(p.horizon_days), w.pod(Requests::month_bound(p, 1.0));
    w.str(schedule_signature(p, now())), w.str(schedule_signature(p, kWholeRun)), w.str(market_signature(p));
    s.sim.save(w);
    io_records(w, *this);
  }

  // The records of the state, in the format's order, one function for both directions (Ar:
  // core::ByteWriter with a const world, or core::ByteReader). Reading sizes each list from its
  // count (refused above what the bytes left could hold); load() then checks every index.
  template <class Ar, class W>
  static void io_records(Ar& ar, W& w) {
    constexpr bool loading = !Ar::saving;
    auto& s = w.s;
    auto& acc = s.acc;
    core::io_tag(ar, "ACC1");
    std::size_t n = acc.size();
    core::io_count(ar, n, std::min<std::size_t>(core::io_left(ar) / 50, std::uint64_t{1} << 32));  // >= 50 bytes each
    if constexpr (loading) {
      acc.rec.clear();
      acc.reserve(n);  // and room for the rest of the run once the counts are read (load())
      for (std::size_t a = 0; a < n; ++a) acc.add();
    }
    for (std::size_t a = 0; a < n; ++a) io(ar, acc.rec[a]);
    core::io_tag(ar, "MGR1");
    std::size_t nm = s.managers.size();
    core::io_count(ar, nm, core::io_left(ar) / 100);  // a manager takes more than 100 bytes
    if constexpr (loading) {
      s.managers.reserve(nm + s.managers_expected(std::max(0.0, s.p.horizon_days - s.now())));
      s.managers.resize(nm);
    }
    for (auto& m : s.managers) io(ar, m);
    std::size_t levels = s.members.size();
    core::io_count(ar, levels, core::io_left(ar) / 8);
    if constexpr (loading) s.members.assign(levels, {});
    for (auto& l : s.members) ar.pods(l);
    core::io_tag(ar, "ORG1");
    ar.pod(s.assignments), ar.pod(w.careers.promotion_round), ar.pod(s.month), ar.pod(w.careers.hires);
    core::io_size(ar, s.market.regime);
    ar.pod(s.market.stress), ar.pod(s.market.competitor), ar.pod(s.market.acquisition_mult), ar.pod(s.market.demand_mult);
    auto& requests = w.requests;
    std::size_t nr = requests.requests.size();
    core::io_count(ar, nr, core::io_left(ar) / 18);
    if constexpr (loading) requests.requests.resize(nr);
    for (auto& q : requests.requests) io(ar, q);
    ar.pods(requests.free_requests), ar.pods(s.served_ids), core::io_size(ar, s.served_sorted), ar.pod(s.n_prospects);
    ar.pod(s.arrivals_total), ar.pod(s.clients_won), ar.pod(s.initial_value), ar.pod(s.value_won), ar.pod(s.value_growth);
    ar.pods(requests.support_busy), ar.pod(requests.support_fte);
    ar.pod(s.cur), ar.pod(requests.response_sum), ar.pod(requests.response_n);
    auto& acquisition = w.acquisition;
    ar.pod(acquisition.conversions), ar.pod(acquisition.gap_left), ar.pod(w.orders.named_largest);
    core::io_tag(ar, "REF1");
    std::size_t nl = s.referrals.size();
    core::io_count(ar, nl, core::io_left(ar) / 16);
    if constexpr (loading) s.referrals.resize(nl);
    for (auto& l : s.referrals) {
      ar.pod(l.referrer), ar.pod(l.referrer_number), ar.pod(l.referee), ar.pod(l.referee_number);
      if constexpr (loading)
        if (l.referrer >= acc.size() || l.referee >= acc.size()) ar.fail("a referral link names an account that does not exist");
    }
    ar.pods(s.links_left);
    std::size_t nx = s.ex_detractors.size();
    core::io_count(ar, nx, core::io_left(ar) / 16);
    if constexpr (loading) s.ex_detractors.resize(nx);
    for (auto& [until, value] : s.ex_detractors) {
      ar.pod(until), ar.pod(value);
      if constexpr (loading)
        if (!(value >= 0 && std::isfinite(value))) ar.fail("a former client's value is not a value");
    }
    // Records reused (Shared::release_records): the numbering and the records waiting.
    core::io_tag(ar, "RUS2");
    ar.pod(acc.next_number), ar.pod(s.records_reused);
    std::size_t nlr = s.left_records.size();
    core::io_count(ar, nlr, core::io_left(ar) / 8);
    if constexpr (loading) s.left_records.resize(nlr);
    for (auto& l : s.left_records) ar.pod(l.month), ar.pod(l.record);
    ar.pods(s.free_records);
    auto& net = acquisition.network;
    core::io_tag(ar, "NET1");
    ar.pod(net.complete), core::io_size(ar, net.node_count), ar.pods(net.offsets), ar.pods(net.targets);
    core::io_tag(ar, "OUT1");
    if constexpr (loading) s.out = load_result(ar);
    else model::save(ar, s.out);
    core::io_tag(ar, "END1");
  }

  // Restores a saved state under this world's parameters: the ones it was saved with, or a
  // fork's, which may change what happens after the snapshot day but not what already did.
  void load(core::ByteReader& r) {
    const ModelParams& p = s.p;
    validate(p);
    careers.equip();
    market.equip();
    orders.equip();
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
    const double saved_bound = r.pod<double>();  // the request rate's bound at a demand of 1
    const std::string saved_past = r.str(), saved_schedule = r.str(), saved_market = r.str();

    // The kernel. When the fork changes what is scheduled, or what bounds the request rate
    // (the rate, the head room for a cut, the market that sets the month's demand), the pending
    // events concerned are dropped here and scheduled again below.
    const bool reschedule = saved_schedule != schedule_signature(p, kWholeRun);
    const bool market_changed = saved_market != market_signature(p);
    const bool redraw_requests = Requests::month_bound(p, 1.0) != saved_bound || market_changed;
    s.sim.load(r, [&](core::QueueImage& img) {
      std::erase_if(img.events, [&](const core::QueueImage::Pending& e) {
        const auto k = e.event.spec.kind;
        return (reschedule && (k == kOrder || k == kConference || k == kSupervision)) ||
               (redraw_requests && k == kProblem);
      });
    });
    const double day = now();
    // A clock outside the saved run (found by fuzzing: a forged day made the room reserved for
    // arriving prospects overflow) is damage, whatever the parameters.
    if (!(day >= 0 && day <= saved_horizon)) r.fail("the clock (day " + std::to_string(day) + ") is outside the run");
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
    io_records(r, *this);
    auto& acc = s.acc;
    auto& managers = s.managers;
    const std::size_t n = acc.size(), nm = managers.size();
    for (std::size_t a = 0; a < n; ++a) {
      const Account& x = acc.rec[a];
      if (static_cast<std::uint8_t>(x.state) > 3 || static_cast<std::uint8_t>(x.source) >= kSourceCount ||
          static_cast<std::uint8_t>(x.reported) >= kSourceCount)
        r.fail("account " + std::to_string(a) + " has an unknown state or source");
    }
    // Strategies come from the parameters: a fork may give a manager another one.
    const std::uint32_t first = initial_managers();
    std::vector<ManagerSpec> specs;
    for (const auto& spec : p.managers)
      for (std::int64_t i = 0; i < spec.count; ++i) specs.push_back(spec);
    for (std::size_t i = 0; i < nm; ++i) {
      Manager& m = managers[i];
      for (auto a : m.opening_book)
        if (a >= n) r.fail("a manager's book names account " + std::to_string(a));
      for (auto a : m.book)
        if (a >= n) r.fail("a manager's book names account " + std::to_string(a));
      const double hunting = m.hunting;  // drawn, and saved: not the spec's
      s.equip(m, i < first && i < specs.size() ? specs[i] : p.organisation.hire, i);
      m.hunting = hunting;
      if (m.leader < -1 || m.leader >= static_cast<std::int32_t>(nm)) r.fail("a manager's leader is out of range");
      if (!(m.hunting >= 0 && m.managing >= 0)) r.fail("a manager's skill is out of range");
    }
    for (const auto& l : s.members)
      for (auto id : l)
        if (id >= nm) r.fail("a level lists manager " + std::to_string(id));
    for (const auto& q : requests.requests)
      if (q.account >= n) r.fail("a request names account " + std::to_string(q.account));
    const Network& net = acquisition.network;
    if (!net.complete && (net.offsets.size() != net.node_count + 1 || (net.node_count && net.offsets.back() != net.targets.size())))
      r.fail("the network's offsets do not match its edges");
    // Every index the handlers will follow must point inside the world.
    const auto nmi = static_cast<std::int64_t>(nm);
    for (auto a : s.served_ids)
      if (a >= n) r.fail("the client list names account " + std::to_string(a));
    for (std::size_t a = 0; a < n; ++a)
      if (acc.rec[a].owner < -1 || acc.rec[a].owner >= nmi) r.fail("account " + std::to_string(a) + " has an unknown owner");
    for (std::size_t i = 0; i < nm; ++i) {
      const Manager& m = managers[i];
      if (m.level < 0 || m.level >= static_cast<std::int64_t>(s.members.size())) r.fail("a manager's level is out of range");
      if (m.active && (m.level_slot >= s.members[static_cast<std::size_t>(m.level)].size() ||
                       s.members[static_cast<std::size_t>(m.level)][m.level_slot] != i))
        r.fail("the level lists do not match the managers");
    }
    for (const auto& q : requests.requests)
      if (q.manager < -1 || q.manager >= nmi) r.fail("a request names an unknown manager");
    for (auto id : requests.free_requests)
      if (id >= requests.requests.size()) r.fail("a free request number is out of range");
    s.pooled = net.complete;
    if (!(acquisition.gap_left >= 0 && std::isfinite(acquisition.gap_left))) r.fail("the acquisition gap is not a time");
    if (s.n_prospects < 0 || s.arrivals_total < 0 || s.clients_won < 0 || s.n_prospects >= (std::int64_t{1} << 32) ||
        s.n_prospects + s.clients_won != p.accounts.initial_prospects + s.arrivals_total)
      r.fail("the prospects and the clients won do not add up to the prospects that came");
    // Room for every account the rest of the run can add, as at the start.
    acc.reserve(n + static_cast<std::size_t>((s.pooled ? static_cast<double>(s.n_prospects) : 0.0) +
                                             1.05 * p.accounts.prospect_arrival_rate * std::max(0.0, p.horizon_days - now()) + 64));
    // Records are reused as at the start (a fork that records accounts stops reusing them).
    if (!s.reuse_records()) s.free_records.clear(), s.left_records.clear();
    for (const auto& l : s.out.lost)
      if (l.account >= acc.next_number) r.fail("a lost account is out of range");
    for (std::size_t a = 0; a < n; ++a)
      if (acc.rec[a].number >= acc.next_number) r.fail("account " + std::to_string(a) + " has a number not yet given");
    if (s.records_reused < 0 || s.records_reused > s.clients_won) r.fail("more records reused than clients won");
    for (const auto& l : s.referrals)
      if (l.referrer_number >= acc.next_number || l.referee_number >= acc.next_number) r.fail("a referral link names a number not yet given");
    for (const auto number : s.links_left)
      if (number >= acc.next_number) r.fail("a client with links who left has a number not yet given");
    for (const auto& l : s.left_records)
      if (l.record >= n || l.month > s.month || acc.rec[l.record].state != State::Churned) r.fail("a record waiting to be reused is out of range");
    for (const auto a : s.free_records)
      if (a >= n || acc.rec[a].state != State::Churned) r.fail("a free record is not a former client's");
    if (!net.complete) {
      for (std::size_t v = 0; v < net.node_count; ++v)
        if (net.offsets[v] > net.offsets[v + 1]) r.fail("the network's offsets are not increasing");
      for (auto t : net.targets)
        if (t >= net.node_count) r.fail("the network names an unknown person");
      if (net.node_count > n) r.fail("the network has more people than accounts");
    }
    for (const auto& e : s.sim.queue().pending())
      if (!valid_pending(e.spec, n)) r.fail("a pending event (kind " + std::to_string(e.spec.kind) + ") points outside the world");
    if (!(requests.support_fte >= 0 && requests.support_fte <= static_cast<double>(requests.support_busy.size())))
      r.fail("support staff on duty out of range");
    if (s.served_sorted > s.served_ids.size() || s.market.regime >= p.market.regimes.size() ||
        requests.support_busy.size() != static_cast<std::size_t>(std::max<std::int64_t>(p.service.support_staff, 0)))
      r.fail("inconsistent counts");
    requests.rebuild_support_free();
    for (std::uint32_t a = 0; a < acc.size(); ++a)
      if (s.served(a) && acc.rec[a].owner >= 0) ++managers[static_cast<std::size_t>(acc.rec[a].owner)].owned;
    careers.teams();  // reports and what the leaders make of their teams, from the saved leaders

    started = true;
    check_invariants();

    // What the fork changes from now on.
    if (reschedule) {
      orders.schedule(day);
      conferences.schedule(day);
      supervision.schedule_after(day);
    }
    // Candidates are drawn up to the next month's end (or the horizon).
    s.arrivals.until = p.horizon_days;
    for (const auto& e : s.sim.queue().pending())
      if (e.spec.kind == kMonthEnd) s.arrivals.until = std::min(s.arrivals.until, e.time);
    // The market now (a fork's new regimes and shocks take effect from the snapshot's day), and
    // the month's bound from it: with nothing changed, the saved run's bound, bit for bit.
    if (market_changed) market.update();
    s.arrivals.set_bound(Requests::month_bound(p, s.market.demand_mult));
    if (redraw_requests && s.arrivals.bound > 0) {
      // Request candidates are a Poisson stream per client: memoryless, so a new bound only
      // needs fresh candidates from now to the month's end, drawn for what they are for.
      for (std::uint32_t a = 0; a < acc.size(); ++a)
        if (s.served(a))
          s.arrivals.candidates(a, s.account_draws(a, Purpose("problem-fork"), acc.rec[a].problem_count), day, s.arrivals.until);
      s.sim.schedule_batch(s.arrivals.drawn);
    }
    hint_ahead();
  }

  // --- run -----------------------------------------------------------------------------------
  void start() {
    if (started) return;
    validate(s.p);
    setup();
    hint_ahead();
    started = true;
  }
  void advance(double day) {
    if (finished) throw Error("this world has already run to its horizon");
    if (!(day <= s.p.horizon_days && day >= now()))
      throw Error("cannot run to day " + std::to_string(day) + ": the world is at day " + std::to_string(now()) +
                  " and its horizon is day " + std::to_string(s.p.horizon_days));
    start();
    s.sim.run_before(day, [this](Simulation&, const Event& e) { dispatch(e); });
  }

  RunResult run() {
    start();
    s.sim.run_until(s.p.horizon_days, [this](Simulation&, const Event& e) { dispatch(e); });
    finished = true;
    check_invariants();
    // What only the run needed goes before the results are formed (the manager rows are a copy):
    // the peak of a large run is its end.
    for (auto* v : {&s.arrivals.drawn, &s.arrivals.later}) std::vector<core::Simulation::BatchItem>().swap(*v);
    for (auto* v : {&s.served_ids, &s.month_promoters, &s.free_records}) std::vector<std::uint32_t>().swap(*v);
    s.prune_books();
    auto& acc = s.acc;
    RunResult& out = s.out;
    out.managers.reserve(s.managers.size());
    for (std::size_t i = 0; i < s.managers.size(); ++i) {
      Manager& m = s.managers[i];
      ManagerRow& r = m.row;
      r.level = m.level;
      r.competence = m.competence;
      r.hunting_skill = m.hunting;
      r.managing_skill = m.managing;
      r.reports = m.active ? m.reports : 0;
      r.leader = m.active && m.leader >= 0 ? s.managers[static_cast<std::size_t>(m.leader)].name : std::string();
      r.book_size = static_cast<std::int64_t>(m.book.size());
      r.book_value = s.book_value(m);
      // A yearly rate over the exposure: clients of the opening books lost per client-year
      // held, so that a period cut short by a departure does not look like a good year.
      r.retention_rate = r.opening_client_years > 0
                             ? std::max(0.0, 1.0 - static_cast<double>(r.opening_clients - r.retained_clients) / r.opening_client_years)
                             : 0.0;
      // CLV = m r / (1 + d - r), discount 10%: what the book is worth at this retention.
      const double ret = std::min(r.retention_rate, 0.99);
      r.book_clv = s.p.accounts.margin * r.book_value * ret / (1.1 - ret);
      double sw = 0, w = 0;
      for (auto a : m.book) sw += acc.rec[a].satisfaction * acc.rec[a].value, w += acc.rec[a].value;
      r.reputation = w > 0 ? sw / w : 0.0;
      out.managers.push_back(r);
    }
    out.events = s.sim.events_processed();
    out.accounts_created = s.p.accounts.initial_active + s.p.accounts.initial_prospects + s.arrivals_total;
    if (s.p.record_accounts) {
      static const char* names[] = {"prospect", "active", "notice", "churned"};
      // (Records are not reused when accounts are recorded: one row per account.)
      std::vector<double> churned_day(acc.next_number, -1.0);
      for (const auto& l : out.lost) churned_day[l.account] = l.day;
      for (std::uint32_t a = 0; a < acc.size(); ++a) {
        const double churned = churned_day[acc.rec[a].number];
        out.accounts.push_back({acc.rec[a].number, names[static_cast<int>(acc.rec[a].state)], acc.rec[a].source, acc.rec[a].reported,
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
std::size_t World::records() const { return impl_->s.acc.size(); }
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
  Problems problems;
  check(p, problems);
  if (!problems.empty()) {
    std::string msg = "invalid model parameters:";
    for (const auto& x : problems) msg += "\n  " + x;
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
  shapley(at, lost);
  return at;
}

void shapley(Attribution& at, const std::vector<double>& lost) {
  const std::size_t F = at.factors.size();
  if (lost.size() != (std::size_t{1} << F)) throw Error("shapley: expected 2^F counterfactuals");
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
  // An upper bound: about 140 bytes per account ever at 1e6 and 1e7 clients before prospects were
  // pooled and records reused (36 since, bench/README.md), plus the pending
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
                   (p.record_accounts ? f.accounts * (sizeof(AccountRow) + 4 * sizeof(AccountEvent)) : 0.0) +
                   (p.record_managers ? managers * months * sizeof(ManagerMonth) : 0.0);
  return f;
}

}  // namespace tenure::model
