// Requests and service (docs/model.md, "Requests and service"): a client's problems arrive
// as request candidates (arrivals.hpp), are thinned to the current rate, voiced or kept
// quiet, routed to support staff or the owner, answered, ignored or answered late; each
// answer moves satisfaction (the encounter).
//
// Owns: the open requests, the support staff on duty (in full-time equivalents: a cut removes
// hours, not rounded heads) and when each server is free, the month's response times. Writes to accounts: satisfaction, silent, scars, failures, causes,
// problem_count, open_requests; to managers: busy_until and the request counts of their rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <type_traits>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "../state.hpp"
#include "tenure/core/error.hpp"

namespace tenure::model {

struct Request {
  std::uint32_t account;
  std::int32_t manager;  // -1: served by support
  double arrival;
  bool urgent_at_arrival;
  bool support_cut_at_arrival;
  bool gives_up;  // the client gives up waiting at the request's event, unanswered
};
// Save and load, one function for both.
template <class Ar, class R>
  requires std::same_as<std::remove_const_t<R>, Request>
void io(Ar& ar, R& q) {
  ar.pod(q.account), ar.pod(q.manager), ar.pod(q.arrival), ar.pod(q.urgent_at_arrival), ar.pod(q.support_cut_at_arrival), ar.pod(q.gives_up);
}

struct Requests {
  Shared& s;
  std::vector<Request> requests;
  std::vector<std::uint32_t> free_requests;
  std::vector<double> support_busy;
  // Support on duty in full-time equivalents: servers 0 .. ceil(fte) - 1 work, the last one
  // part-time when fte is fractional (its requests take longer in proportion).
  double support_fte = 0;
  double response_sum = 0;  // this month's
  std::int64_t response_n = 0;
  // Support servers on duty, free soonest first: (busy until, index) in a min-heap, so that a
  // request finds the earliest-free server (the lowest index among equals) in O(log staff).
  std::vector<std::pair<double, std::uint32_t>> support_free;
  // 1 / the damping in days, formed once: one division per encounter, not three in a chain.
  const double damping_per_day;

  explicit Requests(Shared& shared)
      : s(shared), damping_per_day(1.0 / (cal::kDaysPerYear * s.p.service.tenure_damping_years)) {}

  // The candidates' rate in a month of demand `demand_mult`: the largest rate that month can
  // produce. The market moves at month ends only (market.hpp), so the month's demand is known
  // when its candidates are drawn; a support cut can come at any moment, and only scenarios
  // that order one (or a rule, which may) need its head room: it raises the rate by half the
  // fraction cut. Written as problem_rate() is, so that the two are equal bit for bit when no
  // support is cut (then nothing is thinned, and no draw is taken for it).
  static double month_bound(const ModelParams& p, double demand_mult) {
    const double bound = p.service.problem_rate * demand_mult * cut_room(p);
    return bound > 0 ? bound : 0.0;  // no problems this month: none scheduled
  }
  // The factor a support cut can put on the rate: problem_rate()'s 1 + 0.5 x the fraction cut,
  // at a cut of everything, where an order may cut; else 1.
  static double cut_room(const ModelParams& p) {
    for (const auto& o : p.orders)
      if (o.kind == OrderKind::CutSupport || o.kind == OrderKind::Rule) return 1.5;
    return 1.0;
  }

  void setup() {
    support_fte = static_cast<double>(s.p.service.support_staff);
    support_busy.assign(static_cast<std::size_t>(std::max<std::int64_t>(s.p.service.support_staff, 0)), 0.0);
    rebuild_support_free();
  }

  bool support_cut_active() const { return support_fte < static_cast<double>(s.p.service.support_staff); }
  // Servers on duty: the full-time ones and a part-time one.
  std::uint32_t servers_on_duty() const { return static_cast<std::uint32_t>(std::ceil(support_fte - 1e-9)); }
  // A server's share of full hours: 1, or the part-time server's fraction.
  double server_hours_share(std::uint32_t i) const {
    const double rest = support_fte - static_cast<double>(i);
    return rest >= 1.0 ? 1.0 : rest;
  }
  double problem_rate() const {
    const auto& p = s.p;
    const double cut = p.factor_on(Factor::SupportCut) && p.service.support_staff > 0
                           ? 1.0 - support_fte / static_cast<double>(p.service.support_staff)
                           : 0.0;
    return p.service.problem_rate * s.market.demand_mult * (1.0 + 0.5 * cut);
  }

  void on_problem(std::uint32_t a) {
    auto& acc = s.acc;
    const auto& p = s.p;
    if (!s.served(a)) return;
    const std::uint32_t k = ++acc.rec[a].problem_count;
    // The request's draws, by position (RequestDraw), each taken only when it can decide
    // something: they are counter-based, so a draw skipped changes no other, and the key is
    // hashed only if one is taken (in many scenarios none is).
    std::optional<KeyedDraws> base;
    auto draws_at = [&](RequestDraw position) {
      if (!base) base = s.account_draws(a, Purpose("problem"), k);
      KeyedDraws d = *base;
      d.skip(static_cast<std::uint64_t>(position));
      return d;
    };
    auto draw = [&](RequestDraw position) { return draws_at(position).uniform01(); };
    const double bound = s.arrivals.bound;
    const double rate = problem_rate();
    if (rate > bound * (1 + 1e-12)) [[unlikely]]
      rate_over_bound(rate, bound);
    if (rate < bound && draw(RequestDraw::Thinning) * bound >= rate) return;  // thinned away
    const double sat = acc.rec[a].satisfaction;
    bool quiet = false;
    // (A uniform is below 1: with a voice probability of 1 nobody goes quiet, and no draw.)
    if (sat < p.service.satisfied_threshold && p.service.voice_probability < 1)
      quiet = draw(RequestDraw::Voice) >= p.service.voice_probability;
    if (quiet) {
      // The client goes quiet: the damage stays until someone visits.
      acc.rec[a].silent += 1;
      s.set_satisfaction(a, sat - p.service.silent_penalty);
      s.log(a, "silent problem");
      return;
    }
    ++s.cur.requests;
    const std::int32_t owner = s.serving(a);
    if ((acc.rec[a].flags & kNoContact) && p.factor_on(Factor::ManagementOrder)) {
      // The manager may not answer: the unkept promise weighs like a loss.
      ignore(a, owner, bit(Cause::NoContactOrder));
      return;
    }
    const double support_p =
        p.service.support_staff > 0
            ? p.service.support_share * support_fte / static_cast<double>(p.service.support_staff)
            : 0.0;
    bool to_support = owner < 0;
    if (owner >= 0 && support_p > 0) to_support = draw(RequestDraw::Route) < support_p;
    // How long the client will wait for an answer (drawn only when it has to wait).
    auto patience = [&] { return patience_days([&] { return draws_at(RequestDraw::Patience); }); };
    if (to_support) {
      if (servers_on_duty() > 0) {
        enqueue_support(a, service_factor([&] { return draws_at(RequestDraw::Service); }), patience);
        return;
      }
      if (owner < 0) {
        ignore(a, owner, 0);
        return;
      }
    }
    Manager& m = s.managers[static_cast<std::size_t>(owner)];
    // The leader's coaching gets some of what the manager would leave unanswered answered.
    double answer = m.answer_p + (1.0 - m.answer_p) * m.coach;
    if (!p.factor_on(Factor::ManagerNeglect)) answer = std::max(answer, 0.98);
    if (s.now() < m.coached_until) answer = std::max(answer, 0.9);
    const bool urgent = m.urgent;
    if (urgent) answer *= m.urgent_factor;
    if (answer < 1 && draw(RequestDraw::Answer) >= answer) {
      std::uint32_t why = urgent ? bit(Cause::QuarterEnd) : bit(Cause::IgnoredRequest);
      ignore(a, owner, why);
      return;
    }
    const double start = std::max(s.now(), m.busy_until);
    if (start > s.now()) {
      // The manager is busy: a client whose patience runs out first gives up, and takes none
      // of the manager's time (the queue is first come, first served, so the wait is known).
      if (const double wait = patience(); wait < start - s.now()) {
        add_request(a, owner, urgent, s.now() + wait, true);
        return;
      }
    }
    const double service_days = m.service_days[urgent][s.now() < m.coached_until] * service_factor([&] { return draws_at(RequestDraw::Service); });
    m.busy_until = start + service_days;
    add_request(a, owner, urgent, m.busy_until);
  }

  // Out of line, so that building the message does not widen every request's frame.
  [[noreturn, gnu::cold, gnu::noinline]] void rate_over_bound(double rate, double bound) const {
    throw Error("invariant violated: request rate " + std::to_string(rate) + " exceeds the thinning bound " +
                std::to_string(bound) + " at day " + std::to_string(s.now()));
  }

  // A client's patience in days: exponential with mean service.patience (Erlang-A's
  // abandonment), drawn from `draws()` (the request's draws at RequestDraw::Patience); infinite
  // when patience is 0 (nobody gives up: no draw taken, no key hashed).
  template <class Draws>
  double patience_days(Draws draws) const {
    const double mean = s.p.service.patience_days;
    return mean > 0 ? -mean * std::log(draws().uniform_open0()) : std::numeric_limits<double>::infinity();
  }

  void rebuild_support_free() {
    support_free.clear();
    for (std::uint32_t i = 0, n = servers_on_duty(); i < n; ++i) support_free.emplace_back(support_busy[i], i);
    std::make_heap(support_free.begin(), support_free.end(), std::greater<>{});
  }
  // A management order cuts the support hours on duty by `fraction` (orders.hpp).
  void cut_support(double fraction) {
    support_fte *= 1.0 - fraction;
    rebuild_support_free();
  }
  // An order rule gives the support hours back: to the staffing level (orders.hpp).
  void restore_support() {
    support_fte = static_cast<double>(s.p.service.support_staff);
    rebuild_support_free();
  }
  // A request's work as a multiple of the mean (request_hours): 1 when service times are fixed
  // (no draw taken, no key hashed), else drawn from the request's own draws (`draws()` gives
  // them at RequestDraw::Service), mean 1.
  template <class Draws>
  double service_factor(Draws draws) const {
    if (s.p.service.service_time == ServiceTime::Fixed) [[likely]]
      return 1.0;
    KeyedDraws d = draws();
    switch (s.p.service.service_time) {
      case ServiceTime::Fixed: return 1.0;
      case ServiceTime::Exponential: return -std::log(d.uniform_open0());
      case ServiceTime::Lognormal: {
        const double cv = s.p.service.service_time_cv;
        const double var = std::log1p(cv * cv);
        return std::exp(std::sqrt(var) * d.normal() - 0.5 * var);
      }
    }
    return 1.0;
  }

  template <class Patience>
  void enqueue_support(std::uint32_t a, double factor, Patience patience) {
    const std::uint32_t best = support_free.front().second;
    const double start = std::max(s.now(), support_busy[best]);
    if (start > s.now()) {
      // Every server is busy: the client waits for the first free one, or gives up.
      if (const double wait = patience(); wait < start - s.now()) {
        add_request(a, -1, false, s.now() + wait, true);
        return;
      }
    }
    const double service_days =
        s.p.service.request_hours / (s.p.service.support_hours_per_week / 7.0 * server_hours_share(best)) * factor;
    support_busy[best] = start + service_days;
    later_top(support_free, {support_busy[best], best});
    add_request(a, -1, false, support_busy[best]);
  }
  // The top of a min-heap takes a later key `x`: it moves down to its place, in one sift where
  // a pop and a push would take two (half the unpredictable comparisons of a desk of thousands).
  // The keys are distinct (a server's index breaks ties), so the top that follows is the same.
  static void later_top(std::vector<std::pair<double, std::uint32_t>>& heap, const std::pair<double, std::uint32_t> x) {
    const std::size_t n = heap.size();
    std::size_t i = 0;
    for (std::size_t c = 1; c < n; c = 2 * i + 1) {
      if (c + 1 < n && heap[c + 1] < heap[c]) ++c;
      if (!(heap[c] < x)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = x;
  }

  void add_request(std::uint32_t a, std::int32_t server, bool urgent, double done, bool gives_up = false) {
    std::uint32_t id;
    if (!free_requests.empty()) {
      id = free_requests.back();
      free_requests.pop_back();
    } else {
      id = static_cast<std::uint32_t>(requests.size());
      requests.emplace_back();
    }
    requests[id] = Request{a, server, s.now(), urgent, support_cut_active() && s.p.factor_on(Factor::SupportCut), gives_up};
    ++s.acc.rec[a].open_requests;
    s.sim.schedule_at(done, EventSpec{kServiceDone, a, id});
  }

  // A client gives up waiting: an unanswered request, which costs as one ignored, with the
  // causes of the wait.
  void give_up(const Request& r) {
    const std::uint32_t a = r.account;
    ++s.cur.abandoned_requests;
    if (!s.served(a)) return;
    auto& x = s.acc.rec[a];
    if (r.manager >= 0) ++s.managers[static_cast<std::size_t>(r.manager)].row.requests_abandoned;
    std::uint32_t why = bit(Cause::LateResponse);
    if (r.support_cut_at_arrival) why |= bit(Cause::SupportCut);
    if (r.urgent_at_arrival) why |= bit(Cause::QuarterEnd);
    x.scars = static_cast<std::uint8_t>(std::min(x.scars + 1, 20));
    x.causes |= why;
    s.set_satisfaction(a, x.satisfaction - s.p.service.ignore_penalty);
    s.log(a, "request abandoned");
  }

  void ignore(std::uint32_t a, std::int32_t owner, std::uint32_t why) {
    auto& x = s.acc.rec[a];
    ++s.cur.ignored_requests;
    x.scars = static_cast<std::uint8_t>(std::min(x.scars + 1, 20));
    x.causes |= why;
    double drop = s.p.service.ignore_penalty;
    if (x.flags & kPromised) drop *= s.p.service.loss_aversion;  // a promise not kept
    s.set_satisfaction(a, x.satisfaction - drop);
    if (owner >= 0) ++s.managers[static_cast<std::size_t>(owner)].row.requests_ignored;
    s.log(a, "request ignored");
  }

  void on_service_done(std::uint32_t id) {
    auto& acc = s.acc;
    const auto& p = s.p;
    const Request r = requests[id];
    free_requests.push_back(id);
    const std::uint32_t a = r.account;
    --acc.rec[a].open_requests;
    if (r.gives_up) {
      give_up(r);
      return;
    }
    const double response = s.now() - r.arrival;
    response_sum += response;
    ++response_n;
    if (!s.served(a)) return;
    const double late = std::max(0.0, response - p.service.expected_response_days);
    double skill = 0;
    if (r.manager >= 0) {
      Manager& m = s.managers[static_cast<std::size_t>(r.manager)];
      ++m.row.requests_answered;
      if (late > 0) ++m.row.requests_late;
      skill = m.farming - 1.0;
    }
    if (late > 0) {
      acc.rec[a].causes |= bit(Cause::LateResponse);
      if (r.support_cut_at_arrival) acc.rec[a].causes |= bit(Cause::SupportCut);
      if (r.urgent_at_arrival) acc.rec[a].causes |= bit(Cause::QuarterEnd);
    }
    // A problem answered is at best no problem: the answer never leaves the client more satisfied
    // than before it (de Matos et al. 2007: recovery does not raise repurchase; satisfaction
    // drives churn here), except by the recovery bonus, which is 0 by default.
    const float before = acc.rec[a].satisfaction;
    encounter(a, skill - p.service.late_penalty_per_day * late);
    if (acc.rec[a].satisfaction > before) acc.rec[a].satisfaction = before;
    if (late == 0 && acc.rec[a].failures == 0) {
      // A first failure recovered well lifts satisfaction; later ones do not.
      s.set_satisfaction(a, acc.rec[a].satisfaction + p.service.recovery_bonus);
    }
    acc.rec[a].failures = static_cast<std::uint8_t>(std::min(acc.rec[a].failures + 1, 250));
    s.log(a, late > 0 ? "request answered late" : "request answered");
  }

  // Satisfaction moves toward expectation plus the (loss-averse) gap between delivered and
  // expected service; long-tenured clients move less.
  void encounter(std::uint32_t a, double gap) {
    const auto& p = s.p;
    auto& x = s.acc.rec[a];
    const double alpha = p.service.adapt_rate / (1.0 + std::max(0.0, s.now() - x.acquired) * damping_per_day);
    const double felt = gap >= 0 ? gap : p.service.loss_aversion * gap;
    const double target = x.expectation + felt;
    s.set_satisfaction(a, x.satisfaction + alpha * (target - x.satisfaction));
  }

  // The month's row: responses completed this month, the staff on duty.
  void record(MonthRow& row) {
    row.mean_response_days = response_n ? response_sum / static_cast<double>(response_n) : 0.0;
    row.answered_requests = response_n;
    row.support_capacity = support_fte;
    response_sum = 0;
    response_n = 0;
  }
};

}  // namespace tenure::model
