// The state every mechanism shares: the account and manager records, the organisation's
// levels, the client list, the ledger and the month's recorders, with the operations that
// several mechanisms perform on them (a client won, given notice, handed over; books and
// levels kept). Each mechanism (mechanisms/*.hpp) keeps its own state beside this and names
// the shared fields it writes; world.cpp composes them.
#pragma once

#include <array>
#include <limits>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arrivals.hpp"
#include "draws.hpp"
#include "events.hpp"
#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/core/huge_page_allocator.hpp"
#include "tenure/core/simulation.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/params.hpp"
#include "tenure/model/results.hpp"
#include "tenure/model/world.hpp"

namespace tenure::model {

namespace cal = tenure::calendar;
using core::EventSpec;
using core::KeyedDraws;
using core::Purpose;

enum class State : std::uint8_t { Prospect, Active, Notice, Churned };

inline std::uint32_t bit(Cause c) { return 1u << static_cast<int>(c); }
constexpr std::uint32_t kNone = 0xffffffffu;

// One record per account (prospects included on a sparse network; on the complete graph a
// prospect gets its record when it is won, Shared::take_prospect): a request touches one record, not a dozen
// parallel arrays. One cache line each: a record fetched ahead arrives whole. Who writes what:
struct alignas(64) Account {
  double value = 0;          // won (State::activate); deepened by care and conferences
  double acquired = -1;      // day won
  float satisfaction = 0;    // requests, care, churn's neighbours: every mechanism through set_satisfaction
  float expectation = 0;     // supervision and orders raise it
  float loyalty = 0;         // care; reset by job moves and hand-overs
  float silent = 0;          // requests (quiet problems); cleared by visits
  std::int32_t owner = -1;   // State::activate, State::reassign
  std::uint32_t causes = 0;  // causes of dissatisfaction, for attribution (bit(Cause))
  std::uint32_t problem_count = 0, open_requests = 0;  // requests
  // Notices given, and the record's generation (how often it was taken again,
  // Accounts::reuse): a churn event carries both (Shared::notice_tag), so that one pending from
  // a withdrawn notice finds a client no longer under it, even in a record taken since.
  std::uint16_t notices = 0, generation = 0;
  // The account's number: what outputs, hooks and orders call it, and what its draws are keyed
  // by. The record's index equals it unless records are reused (Shared::take_prospect).
  std::uint32_t number = 0;
  State state = State::Prospect;
  Source source = Source::Initial, reported = Source::Initial;
  std::uint8_t scars = 0, failures = 0, flags = 0;  // scars, failures: requests
};
// Save and load, one function for both (A: Account or const Account; Ar: core::ByteWriter or
// core::ByteReader). The order is the snapshot format's.
template <class Ar, class A>
  requires std::same_as<std::remove_const_t<A>, Account>
void io(Ar& ar, A& x) {
  ar.pod(x.value), ar.pod(x.acquired), ar.pod(x.satisfaction), ar.pod(x.expectation), ar.pod(x.loyalty), ar.pod(x.silent);
  ar.pod(x.owner), ar.pod(x.causes), ar.pod(x.problem_count), ar.pod(x.open_requests), ar.pod(x.state), ar.pod(x.source);
  ar.pod(x.reported), ar.pod(x.scars), ar.pod(x.failures), ar.pod(x.flags), ar.pod(x.notices);
  ar.pod(x.generation), ar.pod(x.number);
}
// Account flags.
constexpr std::uint8_t kRushed = 1, kReferred = 2, kNoContact = 4, kPromised = 8;
// Counted in a month's tally. Never cleared: every client served at a month's pass is counted
// in it, so at that month's end a served client carries the flag unless it was won after the
// pass (and an account is won only once).
constexpr std::uint8_t kCounted = 16;
// Supervision has tried to win this notice back (once per notice; cleared by a new notice).
constexpr std::uint8_t kSaveTried = 32;
// Has referred a client (Shared::refer): its leaving is noted for the referral links.
constexpr std::uint8_t kReferrer = 64;

struct Accounts {
  // On transparent huge pages: requests touch accounts at random, and with 4 KiB pages a
  // table of a million accounts misses the TLB on nearly every event.
  std::vector<Account, core::HugePageAllocator<Account>> rec;

  std::uint32_t next_number = 0;  // the number the next account gets

  std::size_t size() const { return rec.size(); }
  // Whether the records outgrow half an L2 cache (512 KiB: 8,192 records), so that fetching
  // them ahead pays. A smaller table stays in cache, and the fetches would only add
  // instructions: about 3% of a small model's (bench/README.md, "Fetching ahead").
  static constexpr std::size_t kFetchAheadFrom = 8192;
  bool beyond_cache() const { return rec.size() >= kFetchAheadFrom; }
  void reserve(std::size_t n) { rec.reserve(n); }
  std::uint32_t add() {
    rec.emplace_back();
    rec.back().number = next_number++;
    return static_cast<std::uint32_t>(rec.size() - 1);
  }
  // A new account in the record of one that left: a fresh record with the next number (no
  // event of the one that left is pending any more: Shared::release_records).
  void reuse(std::uint32_t i) {
    const std::uint16_t generation = rec[i].generation;
    rec[i] = Account{};
    rec[i].number = next_number++;
    rec[i].generation = static_cast<std::uint16_t>(generation + 1);  // wraps: see Shared::notice_tag
  }
  // The record of account number `n`, or kNone: its index when records are not reused, else
  // a search (for orders and hooks that name an account: rare).
  std::uint32_t find(std::uint32_t n) const {
    if (n < rec.size() && rec[n].number == n) return n;
    for (std::uint32_t i = 0; i < rec.size(); ++i)
      if (rec[i].number == n) return i;
    return 0xffffffffu;
  }
};

// What a request reads and writes of its manager comes first, in two cache lines, then the
// manager's row with its request counters at its head (ManagerRow): at a million clients the
// active managers' records no longer fit the nearer caches, and a request touches three lines
// of its manager, not five.
struct alignas(64) Manager {
  // Line 0: the first a request reads (Requests::on_problem, on_service_done; Shared::serving).
  double busy_until = 0, coached_until = -1;
  double answer_p = 1;   // the strategy's last decision (Shared::decide), as the hot paths read it
  double coach = 0;      // the leader's coaching of unanswered requests (Careers::teams)
  double urgent_factor = 1;
  double farming = 1, hours = 40;
  bool active = true, urgent = false, passed_over = false, panics = false;
  // Line 1: days one request takes, [urgent][coached], formed when the manager is equipped or
  // decides (Shared::refresh_service_days), as a request would form them, so that a request
  // does not wait on two divisions; and the rest of the decision.
  double service_days[2][2] = {{0, 0}, {0, 0}};
  double care = 1, share = 0.5, urgent_share = 0.5;
  double lead_share = 0;  // teams: the share of hours taken from selling to lead
  // Lines 2 on: the row, its request counters first.
  ManagerRow row;
  std::string name, strategy;
  std::unique_ptr<TimeAllocation> time;
  std::unique_ptr<ServiceStyle> service;
  std::unique_ptr<PressureBehaviour> pressure;
  double hunting = 1, competence = 0.5, age_days = 0;
  // Teams (careers.hpp, Careers::teams): the leader (a manager one level up, -1: none), the
  // reports led, and what the leader makes of the team (with lead_share and coach above): the
  // follow-up of at-risk clients, the exit hazard's multiplier, the speed of requests.
  double managing = 1;
  std::int32_t leader = -1, reports = 0;
  double follow_up = 0, exit_mult = 1, speed = 1;  // speed: x a request's days
  // Hours a week left for selling (hunting and the book).
  double selling_hours() const { return hours * (1.0 - lead_share); }
  std::int64_t level = 0;
  std::size_t level_slot = 0;  // index in the level's member list
  double quarter_new = 0;
  // year-to-date and cumulative
  double year_new = 0, opening_value = 0, opening_day = 0;  // opening_day: when the retention period began
  std::vector<std::uint32_t> opening_book;
  std::vector<std::uint32_t> book;  // account ids, lazily pruned (see State::prune_book)
  std::int64_t owned = 0;           // clients (served accounts) this manager owns: the book's true size
  // book_value() as last computed, while `value_known`: what the blame of each lost account
  // reads, recomputed only for a book that changed since (State::book_changed).
  double known_value = 0;
  bool value_known = false;

  // The strategy's own state (Decision::memory) and the last review's rank (ManagerView::review_rank).
  std::array<double, 6> memory{};
  double review_rank = std::numeric_limits<double>::quiet_NaN();
  double rewarded_share = std::numeric_limits<double>::quiet_NaN();

  double hunt_share() const { return urgent ? std::max(share, urgent_share) : share; }
  // Hours per day given to the book.
  double farm_hours_per_day(double now) const { return farm_hours_per_day(urgent, now < coached_until); }
  double farm_hours_per_day(bool is_urgent, bool coached) const {
    double c = care;
    if (coached) c = std::max(c, 1.0) * 1.5;
    return std::max(0.05, selling_hours() * (1.0 - (is_urgent ? std::max(share, urgent_share) : share)) * c / 7.0);
  }
};
static_assert(offsetof(Manager, service_days) == 64 && offsetof(Manager, row) == 128, "a request's fields in the first two lines");
// Save and load, one function for both: a manager's state, not its strategies (they come from
// the parameters, State::equip) nor what is derived from its clients (owned, known_value).
inline void io_row(core::ByteWriter& w, const ManagerRow& row) { save(w, row); }
inline void io_row(core::ByteReader& r, ManagerRow& row) { row = load_row(r); }
template <class Ar, class M>
  requires std::same_as<std::remove_const_t<M>, Manager>
void io(Ar& ar, M& m) {
  ar.str(m.name), ar.str(m.strategy);
  ar.pod(m.competence), ar.pod(m.age_days), ar.pod(m.level), core::io_size(ar, m.level_slot);
  ar.pod(m.hunting), ar.pod(m.managing), ar.pod(m.leader);
  ar.pod(m.active), ar.pod(m.urgent), ar.pod(m.passed_over);
  ar.pod(m.coached_until), ar.pod(m.busy_until), ar.pod(m.quarter_new), ar.pod(m.year_new), ar.pod(m.opening_value), ar.pod(m.opening_day);
  ar.pods(m.opening_book), ar.pods(m.book);
  ar.pod(m.memory), ar.pod(m.review_rank), ar.pod(m.rewarded_share);
  io_row(ar, m.row);
}

// What the month's end needs from every client, gathered while the month's pass holds its
// record: word of mouth (promoters, detractors) and the month's row (satisfaction, value,
// open requests). Clients added after the pass are counted by count_rest(), in list order,
// so the sums are the same, operation for operation, as one loop over the list at the end.
struct MonthTally {
  double satisfaction = 0, value = 0;
  double rushed_value = 0;  // value of clients won by a rushed deal, in their first year
  std::int64_t clients = 0, open_requests = 0, detractors = 0;
  std::size_t counted = 0;  // served_ids[0, counted) are in the tally
  bool live = false;        // from the pass to the month's row
};

// The market's current effect, written by the market mechanism (market.hpp) and read by the
// others.
struct MarketNow {
  std::size_t regime = 0;
  double stress = 0, competitor = 0, acquisition_mult = 1, demand_mult = 1;
};

struct Shared {
  World& world;  // its signals
  ModelParams p;
  std::uint64_t seed, rep;
  core::Simulation sim;
  RunDraws rng;
  Accounts acc;
  // On huge pages when large, like the records: requests reach their managers at random, and
  // at 1e7 clients the 100,000 managers' 32 MiB on 4 KiB pages missed the TLB as well.
  std::vector<Manager, core::HugePageAllocator<Manager>> managers;
  std::vector<std::vector<std::uint32_t>> members;  // active managers by level
  std::uint64_t assignments = 0;                     // clients assigned by least_loaded
  // Clients (active or under notice), in id order, pruned of churned ones each month; and the
  // number of prospects. The monthly work then never walks the (larger) prospect pool.
  std::vector<std::uint32_t> served_ids;
  std::size_t served_sorted = 0;  // served_ids[0, served_sorted) is sorted
  std::int64_t n_prospects = 0;
  // Prospects pooled: on the complete graph prospects are exchangeable (the same hazard, no
  // neighbours, no attributes until won), so they are a count, and a prospect gets its record
  // (the next account id) only when it is won. On a sparse network each is a person of the
  // network, with a record from the start. Fixed by the network (Acquisition::setup).
  bool pooled = false;
  // Records reused: a pooled prospect won takes the record of a client who left, once nothing
  // refers to it any more (Careers::on_review, release_records), so that records stay about as
  // many as clients. Off on a sparse network and when accounts are recorded (every record is
  // a row of accounts.csv). Results do not depend on it: draws and outputs use numbers.
  bool reuse_records() const { return pooled && !p.record_accounts; }
  struct LeftRecord {
    std::uint32_t month;  // the month it left in
    std::uint32_t record;
  };
  std::vector<LeftRecord> left_records;      // in the order they left
  std::vector<std::uint32_t> free_records;   // ready to take, taken from the back
  std::int64_t records_reused = 0;
  // The ledger the end-of-run checks balance: accounts and value in, accounts and value out.
  std::int64_t arrivals_total = 0, clients_won = 0;
  double initial_value = 0, value_won = 0, value_growth = 0;
  Arrivals arrivals;
  MarketNow market;
  std::int64_t month = 0;
  RunResult out;
  MonthRow cur;  // the month being recorded
  MonthTally tally;
  std::vector<std::uint32_t> month_promoters;  // this month's promoters, in list order
  // Referral links (acquisition.hpp): a referred client's lower churn lasts while its referrer
  // stays a client (Van den Bulte et al. 2018). Only the month's pass reads the advantage, so a
  // link whose referrer left is settled at the next pass (settle_referrals), with the others
  // that ended: 16 bytes a link, where a map from referrer to referees took about 100.
  struct Referral {
    std::uint32_t referrer, referrer_number, referee, referee_number;
  };
  std::vector<Referral> referrals;        // in the order made
  std::vector<std::uint32_t> links_left;  // numbers of clients with links who left since the pass
  // Clients who left as detractors and still talk (churn.hpp adds, acquisition.hpp reads and
  // drops them when their voice ends): (until day, value when they left), in the order they left.
  std::vector<std::pair<double, double>> ex_detractors;

  Shared(World& w, const ModelParams& params, std::uint64_t s, std::uint64_t r)
      : world(w), p(params), seed(s), rep(r), sim(s, r), rng(s, r) {}

  // --- draws ------------------------------------------------------------------------------
  [[gnu::always_inline]] inline KeyedDraws draws(std::uint64_t entity, Purpose purpose, std::uint64_t index) const {
    return rng.draws(entity, purpose, index);
  }
  KeyedDraws global(Purpose purpose, std::uint64_t index) const { return rng.global(purpose, index); }
  // Draws of account record `a`, keyed by its number.
  [[gnu::always_inline]] inline KeyedDraws account_draws(std::uint32_t a, Purpose purpose, std::uint64_t index) const {
    return rng.draws(acc.rec[a].number, purpose, index);
  }
  double draw_value(KeyedDraws& d) const {
    return std::exp(p.accounts.value_log_mean + p.accounts.value_log_sd * d.normal());
  }

  // --- accounts ---------------------------------------------------------------------------
  double now() const { return sim.now(); }
  double ceiling(std::uint32_t a) const { return std::max(0.0, 10.0 - p.accounts.scar_cap * acc.rec[a].scars); }
  [[gnu::always_inline]] inline void set_satisfaction(std::uint32_t a, double s) {
    acc.rec[a].satisfaction = static_cast<float>(std::clamp(s, 0.0, ceiling(a)));
  }
  bool served(std::uint32_t a) const {
    return acc.rec[a].state == State::Active || acc.rec[a].state == State::Notice;
  }
  // The manager who serves client `a`, or -1 for nobody. Its owner, unless the owner has left:
  // a client following a departed manager (Careers::depart) keeps them as its owner through
  // its notice (its loss and blame name them) but nobody serves it; its requests go to support.
  std::int32_t serving(std::uint32_t a) const {
    const std::int32_t o = acc.rec[a].owner;
    return o >= 0 && managers[static_cast<std::size_t>(o)].active ? o : -1;
  }
  void log(std::uint32_t a, const char* what) {
    if (p.record_accounts) out.account_events.push_back({now(), acc.rec[a].number, what, acc.rec[a].satisfaction});
  }

  // A prospect becomes a client of `owner` (-1: nobody's): at the start (counted as the
  // initial book) or won later (counted as new business, its requests start now).
  void activate(std::uint32_t a, std::int32_t owner, Source src, Source reported, double value, bool at_start = false) {
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
      if (arrivals.bound > 0 && now() < arrivals.until) {
        arrivals.candidates(a, account_draws(a, Purpose("problems-start"), 0), now(), arrivals.until);
        for (const auto& c : arrivals.drawn) sim.schedule_at(c.time, c.spec);
        arrivals.drawn.clear();
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
      if (world.account_acquired.connected()) world.account_acquired.emit(now(), acc.rec[a].number, value, src);
      log(a, "acquired");
    }
  }

  // Out of line, so that building the message does not widen the month's pass.
  [[noreturn, gnu::cold, gnu::noinline]] static void too_many_notices(const Account& x) {
    throw Error("account " + std::to_string(x.number) + " has given 65,535 notices: more than a run can count");
  }
  // A client gives notice: it leaves after `lag` days (churn.hpp) unless won back.
  void give_notice(std::uint32_t a, double lag, std::uint32_t why) {
    Account& x = acc.rec[a];
    if (x.notices == 0xffff) [[unlikely]]
      too_many_notices(x);
    x.state = State::Notice;
    x.causes |= why;
    x.flags &= static_cast<std::uint8_t>(~kSaveTried);
    ++x.notices;
    // A notice withdrawn (a client won back) needs no cancellation: its churn event finds a
    // client no longer under that notice, and does nothing.
    sim.schedule_in(lag, EventSpec{kChurn, a, notice_tag(x)});
    log(a, "notice given");
  }
  // What a churn event carries: the notice and the record's generation. An event of an earlier
  // client of the record differs in the generation (a record is taken again at most once a
  // quarter, and a notice lasts far less than the 16,384 years a wrap would take), one of an
  // earlier notice of the same client in the notice.
  static std::uint32_t notice_tag(const Account& x) {
    return (static_cast<std::uint32_t>(x.generation) << 16) | x.notices;
  }

  // `referee` was referred by the client `referrer`: its advantage lasts while they stay.
  void refer(std::uint32_t referee, std::uint32_t referrer) {
    acc.rec[referee].flags |= kReferred;
    acc.rec[referrer].flags |= kReferrer;
    referrals.push_back({referrer, acc.rec[referrer].number, referee, acc.rec[referee].number});
  }
  // Client `a` left (churn.hpp): noted if it has links.
  void note_link_left(std::uint32_t a) {
    if (acc.rec[a].flags & (kReferred | kReferrer)) links_left.push_back(acc.rec[a].number);
  }
  // At the month's pass, before any client's churn test: the referred clients of referrers who
  // left lose their advantage, and the links of clients who left are dropped. The same flags
  // at every pass as ending each link when its referrer leaves (nothing else reads them).
  // (Who left is a bit per account number, set for the month: a link costs two bit tests.)
  std::vector<std::uint64_t> left_bits;
  void settle_referrals() {
    if (links_left.empty()) return;
    left_bits.resize((acc.next_number + 63) / 64);
    for (const std::uint32_t n : links_left) left_bits[n >> 6] |= std::uint64_t{1} << (n & 63);
    const auto left = [&](std::uint32_t n) { return (left_bits[n >> 6] >> (n & 63)) & 1; };
    std::size_t kept = 0;
    for (const Referral& r : referrals) {
      const bool referrer_left = left(r.referrer_number), referee_left = left(r.referee_number);
      if (referrer_left && !referee_left) acc.rec[r.referee].flags &= static_cast<std::uint8_t>(~kReferred);
      if (!referrer_left && !referee_left) referrals[kept++] = r;
    }
    referrals.resize(kept);
    for (const std::uint32_t n : links_left) left_bits[n >> 6] = 0;
    links_left.clear();
  }

  // A client is handed over to manager `to` (-1: nobody).
  void reassign(std::uint32_t a, std::int32_t to) {
    if (const std::int32_t from = acc.rec[a].owner; from >= 0 && served(a)) --managers[static_cast<std::size_t>(from)].owned;
    book_changed(acc.rec[a].owner);
    acc.rec[a].owner = to;
    if (to >= 0) add_to_book(static_cast<std::size_t>(to), a);
    acc.rec[a].causes |= bit(Cause::Handoff);
    acc.rec[a].loyalty = static_cast<float>(p.accounts.manager_loyalty_initial * 0.5);
    const float before = acc.rec[a].satisfaction;
    set_satisfaction(a, acc.rec[a].satisfaction - p.organisation.handoff_penalty);
    // Part of the wallet goes with the old relationship (Shi et al. 2017), booked in the ledger.
    const double value_before = acc.rec[a].value;
    acc.rec[a].value = value_before * (1.0 - p.organisation.handoff_value_loss);
    value_growth += acc.rec[a].value - value_before;
    cur.handoff_loss += value_before - acc.rec[a].value;
    // A handover at a month's end, after the pass (a manager quits): the month's row sees it.
    if (tally.live && (acc.rec[a].flags & kCounted)) {
      tally.satisfaction += static_cast<double>(acc.rec[a].satisfaction) - static_cast<double>(before);
      tally.value += acc.rec[a].value - value_before;
    }
  }

  // A prospect at random, for a channel that meets one and may win it (job moves,
  // conferences): an account id on a sparse network, by rejection sampling over account ids
  // (prospects are usually most of them) then a scan when they are rare; kPooled when
  // prospects are pooled (any prospect of the pool: they are alike). kNone when there is none.
  static constexpr std::uint32_t kPooled = 0xfffffffeu;
  std::uint32_t pick_prospect(KeyedDraws& d) {
    if (n_prospects <= 0) return kNone;
    if (pooled) return kPooled;
    if (acc.size() == 0) return kNone;
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
  // The picked prospect's account, about to be won (activate): a pooled prospect gets its
  // record here, the next account id.
  // A free record when records are reused, else a new one; either way the next number.
  std::uint32_t take_prospect(std::uint32_t picked) {
    if (picked != kPooled) return picked;
    if (free_records.empty() || !reuse_records()) return acc.add();
    const std::uint32_t a = free_records.back();
    free_records.pop_back();
    acc.reuse(a);
    ++records_reused;
    return a;
  }
  // A client left: its record may be taken again once nothing refers to it (release_records).
  void record_left(std::uint32_t a) {
    if (reuse_records()) left_records.push_back({static_cast<std::uint32_t>(month), a});
  }
  // Frees the records of clients who left before this month with no request open: the month's
  // pass has dropped them from the client list, their request candidates are behind them and
  // no request of theirs is in service. Churn events of their withdrawn notices may still be
  // pending: they carry the record's generation (notice_tag), which a reuse moves on. Books
  // are pruned first, so that none lists them; an opening book may, and tells a client who
  // took the record by its day won (Careers::held_since_opening). Called at each quarter's
  // close (quarters.hpp), in the order they left.
  void release_records() {
    prune_books();
    std::size_t kept = 0;
    const std::size_t fetch_to = acc.beyond_cache() ? left_records.size() : 0;
    for (std::size_t i = 0; i < left_records.size(); ++i) {
      if (i + kFilterAhead < fetch_to) __builtin_prefetch(&acc.rec[left_records[i + kFilterAhead].record]);
      const LeftRecord l = left_records[i];
      if (l.month < month && acc.rec[l.record].open_requests == 0)
        free_records.push_back(l.record);
      else
        left_records[kept++] = l;
    }
    left_records.resize(kept);
  }
  // The draws for the value of prospect `a`, won: its own on a sparse network (keyed by the
  // person, common to variants however it is won), else `pooled`, the winning channel's (an id
  // given at the win would shift, between variants, with every win before it).
  KeyedDraws value_draws(std::uint32_t a, KeyedDraws pooled_draws) const {
    return pooled ? pooled_draws : account_draws(a, Purpose("value"), 0);
  }

  // --- the client list ----------------------------------------------------------------------
  // Keeps the account ids for which keep(id) holds, in order, fetching records a few ids ahead:
  // the lists are long and their ids spread over the whole table.
  static constexpr std::size_t kFilterAhead = 32;  // filters do almost nothing per id: fetch further ahead
  template <class Keep>
  void keep_if(std::vector<std::uint32_t>& ids, Keep keep) {
    std::size_t kept = 0;
    each_listed(ids, [&](std::uint32_t a) {
      if (keep(a)) ids[kept++] = a;  // at or before the id read: the ids ahead stay as they were
    });
    ids.resize(kept);
  }
  // Calls f(id) for each id of a list (a book, the client list), in order, fetching the
  // records some ids ahead. f may rewrite the list at or before the id it is given.
  template <class F>
  void each_listed(const std::vector<std::uint32_t>& ids, F f) const {
    each_in_lists(1, [&](std::size_t) -> const std::vector<std::uint32_t>& { return ids; },
                  [&](std::size_t, std::uint32_t a) { f(a); }, [](std::size_t) {});
  }
  // Walks lists 0 to n - 1 (list_of(j): every manager's book, say) as one: f(j, id) for each
  // id in order, then end_list(j) when list j is done. The records are fetched kFilterAhead
  // ids ahead across the lists' ends, so that a walk over many short lists (books of a hundred
  // clients) does not wait on the first ids of each. f may rewrite list j at or before the id
  // it is given, and end_list may shorten list j; the lists ahead must stay as they are.
  template <class ListOf, class F, class End>
  void each_in_lists(std::size_t n, ListOf list_of, F f, End end_list) const {
    const bool fetch = acc.beyond_cache();
    std::size_t fj = 0, fk = 0;  // the next id to fetch: list fj, position fk
    const auto fetch_next = [&] {
      while (fj < n && fk >= list_of(fj).size()) ++fj, fk = 0;
      if (fj < n) __builtin_prefetch(&acc.rec[list_of(fj)[fk++]]);
    };
    if (fetch)
      for (std::size_t i = 0; i < kFilterAhead; ++i) fetch_next();
    for (std::size_t j = 0; j < n; ++j) {
      const std::vector<std::uint32_t>& ids = list_of(j);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (fetch) fetch_next();
        f(j, ids[k]);
      }
      end_list(j);
    }
  }
  // Merges the newly acquired into id order, once a month; the month's pass then drops the
  // churned (it reads every record anyway). Between syncs the list may hold churned clients
  // (readers check served()) and, at its tail, new ones out of order; a record is activated
  // again only after the pass has dropped it (release_records), so it never appears twice.
  // In order of the accounts' numbers, which is the records' order unless records are reused
  // (pooled clients are won, and listed, in the order of their numbers: the sort finds the new
  // ones in place).
  void sync_served() {
    const auto by_number = [this](std::uint32_t x, std::uint32_t y) { return acc.rec[x].number < acc.rec[y].number; };
    const auto mid = served_ids.begin() + static_cast<std::ptrdiff_t>(served_sorted);
    if (!std::is_sorted(mid, served_ids.end(), by_number)) std::sort(mid, served_ids.end(), by_number);
    if (mid != served_ids.begin() && mid != served_ids.end() && by_number(*mid, *(mid - 1)))
      std::inplace_merge(served_ids.begin(), mid, served_ids.end(), by_number);
    served_sorted = served_ids.size();
  }
  // Adds a client's record to a month's sums and marks it counted; true for a promoter.
  static bool add_to(MonthTally& t, Account& x, double now, double promoter, double detractor) {
    x.flags |= kCounted;
    ++t.clients;
    t.satisfaction += x.satisfaction;
    t.value += x.value;
    if ((x.flags & kRushed) && now - x.acquired < cal::kDaysPerYear) t.rushed_value += x.value;
    t.open_requests += x.open_requests;
    t.detractors += x.satisfaction <= detractor;
    return x.satisfaction >= promoter;
  }
  void count(std::uint32_t a) {
    if (add_to(tally, acc.rec[a], now(), p.service.promoter_threshold, p.service.detractor_threshold)) month_promoters.push_back(a);
  }
  // Counts the clients added to the list since the pass (or the last call).
  void count_rest() {
    for (; tally.counted < served_ids.size(); ++tally.counted)
      if (const std::uint32_t a = served_ids[tally.counted]; served(a)) count(a);
  }

  // --- books --------------------------------------------------------------------------------
  // A book holds its manager's clients in the order they came, and, until pruned, accounts
  // that left or moved to another book (readers check). Pruned when the stale entries
  // outnumber the live ones (so appends stay O(1) amortised), before a conference picks from
  // it, at reviews and at the end: never in a pass over every book each month.
  // Whether account a is still in manager i's book: served, and still its manager's.
  bool in_book(std::size_t i, std::uint32_t a) const { return served(a) && acc.rec[a].owner == static_cast<std::int32_t>(i); }
  void prune_book(std::size_t i) {
    keep_if(managers[i].book, [&](std::uint32_t a) { return in_book(i, a); });
  }
  // Every book, in one walk (Shared::each_in_lists).
  void prune_books() {
    std::size_t kept = 0;
    each_in_lists(
        managers.size(), [&](std::size_t i) -> const std::vector<std::uint32_t>& { return managers[i].book; },
        [&](std::size_t i, std::uint32_t a) {
          if (in_book(i, a)) managers[i].book[kept++] = a;
        },
        [&](std::size_t i) { managers[i].book.resize(kept), kept = 0; });
  }
  void add_to_book(std::size_t i, std::uint32_t a) {
    Manager& m = managers[i];
    m.book.push_back(a);
    ++m.owned;
    m.value_known = false;
    if (m.book.size() > 2 * static_cast<std::size_t>(m.owned) + 64) prune_book(i);
  }
  double book_value(const Manager& m) const {
    double v = 0;
    each_client(m, [&](const Account& x) { v += x.value; });
    return v;
  }
  // book_value() of every active manager (0 for those who left), in one walk over every book.
  std::vector<double> book_values() const {
    std::vector<double> v(managers.size());
    static const std::vector<std::uint32_t> none;
    each_in_lists(
        managers.size(), [&](std::size_t i) -> const std::vector<std::uint32_t>& { return managers[i].active ? managers[i].book : none; },
        [&](std::size_t i, std::uint32_t a) {
          if (in_book(i, a)) v[i] += acc.rec[a].value;
        },
        [](std::size_t) {});
    return v;
  }
  // Calls f(record) for each client a manager owns, in the book's order.
  template <class F>
  void each_client(const Manager& m, F f) const {
    const auto id = static_cast<std::size_t>(&m - managers.data());
    each_listed(m.book, [&](std::uint32_t a) {
      if (in_book(id, a)) f(acc.rec[a]);
    });
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

  // --- managers and levels ------------------------------------------------------------------
  // Strategy objects and the names that go with them; the rest of a manager is state. The
  // manager (index `id`, which it has or will have) then takes its first decision.
  void equip(Manager& m, const ManagerSpec& spec, std::size_t id) const {
    m.time = time_allocations().create(spec.time.name, spec.time.params);
    m.service = service_styles().create(spec.service.name, spec.service.params);
    m.pressure = pressure_behaviours().create(spec.pressure.name, spec.pressure.params);
    m.strategy = spec.time.name + "/" + spec.service.name + "/" + spec.pressure.name;
    m.row.strategy = m.strategy;
    m.hunting = spec.hunting_skill;
    m.farming = spec.farming_skill;
    m.hours = spec.hours_per_week;
    decide(m, id, DecisionMoment::Month);
  }

  // What a strategy sees (components.hpp): the manager's numbers, and its book's when asked.
  struct View final : ManagerView {
    const Shared& s;
    const Manager& m;
    std::int32_t id;
    DecisionMoment when;
    View(const Shared& sh, const Manager& mg, std::size_t i, DecisionMoment w)
        : s(sh), m(mg), id(static_cast<std::int32_t>(i)), when(w) {}
    template <class F>
    void each_client(F f) const {
      s.each_client(m, f);
    }
    DecisionMoment moment() const override { return when; }
    double day() const override { return s.now(); }
    std::int64_t level() const override { return m.level; }
    double quarter_new_business() const override { return m.quarter_new; }
    double quota() const override { return s.p.organisation.quota; }
    double year_new_business() const override { return m.year_new; }
    std::int64_t book_size() const override { return m.owned; }
    double book_value() const override {
      double v = 0;
      each_client([&](const Account& x) { v += x.value; });
      return v;
    }
    double book_satisfaction() const override {
      double sum = 0;
      std::int64_t n = 0;
      each_client([&](const Account& x) { sum += x.satisfaction, ++n; });
      return n ? sum / static_cast<double>(n) : 0.0;
    }
    std::int64_t open_requests() const override {
      std::int64_t n = 0;
      each_client([&](const Account& x) { n += x.open_requests; });
      return n;
    }
    double days_to_review() const override {
      // Reviews fall on every whole year from the start.
      return (std::floor(s.now() / cal::kDaysPerYear) + 1) * cal::kDaysPerYear - s.now();
    }
    std::int64_t promotions() const override { return m.row.promotions; }
    bool passed_over() const override { return m.passed_over; }
    std::size_t market_regime() const override { return s.market.regime; }
    const std::string& name() const override { return m.name; }
    std::int64_t late_requests() const override { return m.row.requests_late; }
    std::int64_t abandoned_requests() const override { return m.row.requests_abandoned; }
    double review_rank() const override { return m.review_rank; }
    double rewarded_share() const override { return m.rewarded_share; }
    std::uint64_t random_key(std::uint64_t key) const override {
      const auto day = static_cast<std::uint64_t>(std::llround(s.now() * 16));  // to 1/16 of a day
      const std::uint64_t at = core::mix64(day * 4 + static_cast<std::uint64_t>(when)) ^ core::mix64(key + 0x5bd1e995ULL);
      return core::StreamKey{s.seed, s.rep, kManagerEntity + static_cast<std::uint64_t>(id), Purpose("strategy-own").id ^ at}.hash();
    }
  };

  // The manager's strategy decides (once a month, when urgency may start, after a review);
  // the decision is checked and cached, with what follows from it (a request's days).
  void decide(Manager& m, std::size_t id, DecisionMoment when) const {
    const View view(*this, m, id, when);
    Decision d;
    d.memory = m.memory;
    const char* part = "time";
    try {
      m.time->decide(view, d);
      part = "service";
      m.service->decide(view, d);
      part = "pressure";
      m.pressure->decide(view, d);
    } catch (const std::exception& e) {
      // A strategy of one's own that fails (a Python exception, with its traceback) stops the
      // run, naming the manager, the day and the hook.
      throw Error("strategy " + m.strategy + " of manager " + m.name + " failed deciding its " + part + " at day " +
                  std::to_string(now()) + " (" + to_string(when) + " decision):\n" + e.what());
    }
    auto check = [&](double x, double lo, double hi, const char* what) {
      if (!(x >= lo && x <= hi))
        throw Error("strategy " + m.strategy + " of manager " + m.name + " decided " + what + " = " + std::to_string(x) +
                    " at day " + std::to_string(now()) + ": expected " + std::to_string(lo) + " to " + std::to_string(hi));
    };
    check(d.hunt_share, 0, 1, "hunt_share");
    check(d.answer_probability, 0, 1, "answer_probability");
    check(d.care, 0, 1e6, "care");
    check(d.urgent_hunt_share, 0, 1, "urgent_hunt_share");
    check(d.urgent_answer_factor, 0, 1e6, "urgent_answer_factor");
    m.share = d.hunt_share;
    m.answer_p = d.answer_probability;
    m.care = d.care;
    m.panics = d.panics;
    m.urgent_share = d.urgent_hunt_share;
    m.urgent_factor = d.urgent_answer_factor;
    m.memory = d.memory;
    m.row.hunt_share = d.hunt_share;
    refresh_service_days(m);
  }
  // A request's days, from the hours the manager gives the book.
  void refresh_service_days(Manager& m) const {
    for (int u = 0; u < 2; ++u)
      for (int c = 0; c < 2; ++c) m.service_days[u][c] = p.service.request_hours / m.farm_hours_per_day(u, c) * m.speed;
  }
  // Every active manager decides. A decision reads lines spread over its manager (832 bytes)
  // and its three strategy objects (each on the heap, behind the manager's pointers): with
  // many managers each is a miss, one after another. So fetch a manager's lines some managers
  // ahead, and half as far ahead, from the pointers fetched then, its strategies.
  static constexpr std::size_t kDecideAhead = 4;
  static constexpr std::size_t kFetchManagersFrom = 2048;  // 1.7 MiB of managers
  static void fetch_decision(const Manager& m) {
    const auto* c = reinterpret_cast<const char*>(&m);
    __builtin_prefetch(c), __builtin_prefetch(c + 64), __builtin_prefetch(&m.row.hunt_share);
    for (std::size_t o = offsetof(Manager, time); o < sizeof(Manager); o += 64) __builtin_prefetch(c + o);
  }
  void decide_all(DecisionMoment when) {
    const std::size_t n = managers.size();
    const bool fetch = n >= kFetchManagersFrom;
    for (std::size_t i = 0; i < n; ++i) {
      if (fetch) {
        if (i + kDecideAhead < n) fetch_decision(managers[i + kDecideAhead]);
        if (i + kDecideAhead / 2 < n)
          if (const Manager& f = managers[i + kDecideAhead / 2]; f.active)
            __builtin_prefetch(f.time.get()), __builtin_prefetch(f.service.get()), __builtin_prefetch(f.pressure.get());
      }
      if (managers[i].active) decide(managers[i], i, when);
    }
  }
  // A manager as `spec` describes: competence and age drawn around the spec's when it gives a
  // spread (with the manager's own draws, so no other draw moves), exactly the spec's otherwise.
  Manager make_manager(const ManagerSpec& spec, const std::string& name) const {
    Manager m;
    const std::size_t id = managers.size();
    m.name = name;
    m.row.name = name;
    equip(m, spec, id);
    m.competence = spec.competence;
    m.level = spec.level;
    m.age_days = spec.age_years * cal::kDaysPerYear;
    if (spec.competence_sd > 0 || spec.age_sd > 0) {
      KeyedDraws d = draws(kManagerEntity + id, Purpose("profile"), 0);
      m.competence = draw_competence(d, spec.competence, spec.competence_sd, spec.competence_spread);
      m.age_days = draw_age(d, spec) * cal::kDaysPerYear;
    }
    m.managing = spec.managing_skill;
    if (spec.hunting_sd > 0 || spec.managing_sd > 0) {
      // Selling and managing skill, correlated by organisation.skill_correlation.
      KeyedDraws d = draws(kManagerEntity + id, Purpose("skills"), 0);
      const double zh = d.normal(), zm = d.normal(), rho = p.organisation.skill_correlation;
      m.hunting = std::max(0.0, spec.hunting_skill + spec.hunting_sd * zh);
      m.managing = std::max(0.0, spec.managing_skill + spec.managing_sd * (rho * zh + std::sqrt(1 - rho * rho) * zm));
    }
    return m;
  }
  // A competence around `mean` with standard deviation `sd`: a normal truncated to the
  // organisation's bounds (by rejection; clamped after 1,000 misses), or a uniform of that mean
  // and sd within them.
  double draw_competence(KeyedDraws& d, double mean, double sd, Spread spread) const {
    const double lo = p.organisation.competence_min, hi = p.organisation.competence_max;
    if (sd <= 0) return std::clamp(mean, lo, hi);
    if (spread == Spread::Uniform) {
      const double half = sd * std::sqrt(3.0);
      const double a = std::max(lo, mean - half), b = std::min(hi, mean + half);
      return a < b ? a + (b - a) * d.uniform01() : std::clamp(mean, lo, hi);
    }
    for (int tries = 0; tries < 1000; ++tries)
      if (const double x = mean + sd * d.normal(); x >= lo && x <= hi) return x;
    return std::clamp(mean, lo, hi);
  }
  // An age in years around the spec's (normal, sd age_sd, 16 to the retirement age).
  double draw_age(KeyedDraws& d, const ManagerSpec& spec) const {
    if (spec.age_sd <= 0) return spec.age_years;
    const double lo = 16, hi = std::max(16.0, p.organisation.retirement_age);
    for (int tries = 0; tries < 1000; ++tries)
      if (const double x = spec.age_years + spec.age_sd * d.normal(); x >= lo && x <= hi) return x;
    return std::clamp(spec.age_years, lo, hi);
  }
  // Managers to make room for over `days`: the positions, and twice their expected quits (a
  // departed manager's record stays: outputs name them), so that hires rarely copy them all.
  std::size_t managers_expected(double days) const {
    double seats = 0;
    for (const auto x : p.organisation.positions) seats += static_cast<double>(std::max<std::int64_t>(x, 0));
    return static_cast<std::size_t>(std::min(1e8, seats * (1.5 + 2 * p.organisation.exit_rate * days)) + 64);
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
    // The candidates first, each manager's count fetched as it is drawn, then compared: with
    // 100,000 managers each count is a miss, and the eight overlap instead of queueing.
    constexpr std::size_t kTries = 8;
    const std::size_t tries = std::min(kTries, list->size());
    std::array<std::uint32_t, kTries> ids;
    for (std::size_t t = 0; t < tries; ++t) {
      ids[t] = list->size() <= kTries ? (*list)[t]
          : (*list)[std::min(list->size() - 1, static_cast<std::size_t>(d.uniform01() * static_cast<double>(list->size())))];
      __builtin_prefetch(&managers[ids[t]].owned);
    }
    for (std::size_t t = 0; t < tries; ++t)
      if (static_cast<std::size_t>(managers[ids[t]].owned) < size)
        size = static_cast<std::size_t>(managers[ids[t]].owned), best = static_cast<std::int32_t>(ids[t]);
    return best;
  }
};

}  // namespace tenure::model
