// Peer model (b), hand-written in C++ as the reference for what the slice costs at the limit:
// the rules of bench/peers/slice.yaml (see slice_peers.py's header), written as one would for
// this model alone, without an event queue or any of tenure's generality.
//
// - A month's requests are a Poisson stream over the clients served at the month's start
//   (rate: clients x problem_rate), thinned at each arrival to those still served: drawn in
//   time order as exponential gaps, so nothing is sorted.
// - A manager serves first come, first served in a fixed time, so a request's completion is
//   known when it arrives; its encounter is applied then if it completes within the month, and
//   otherwise kept for the next month (a client's encounters stay in order: one manager each).
// - A notice's end is a day stored with the client; "served at t" compares with it.
// - The month's end: notices that ended are counted, check-ins, the churn hazard, and
//   conversions as one binomial draw.
//
// With --events, the same rules under two commitments the slice's rules do not need but the
// full model does (run_events below): keyed draws per client-month, as tenure's common random
// numbers, and every request's arrival and answer an event in a priority queue. It is not a
// peer: it measures what those commitments cost a hand-written program, so that tenure's gap
// to the plain program can be split into the commitments and the rest (bench/README.md).
//
// Prints one JSON line per replication: the outputs compare.py checks and the run's seconds.
// Usage: bench_peer_slice_hand PARAMS.json [--seed S] [--reps N] [--events]
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {
constexpr double kDaysPerYear = 365.25, kDt = kDaysPerYear / 12;

struct Params {
  double horizon, s0, s_sd, expectation, problem_rate, service_days, farm_hours_per_day, expected_response, adapt, kappa,
      damping_years, late_penalty, recovery_bonus, visit_hours, visit_boost, base_rate, weight, reference, notice_min,
      notice_max, outreach, effort;
  int n_active, n_prospects, managers;
};

// xoshiro256++ (Blackman and Vigna), seeded by splitmix64: what one writes for speed.
struct Rng {
  using result_type = std::uint64_t;
  std::uint64_t s[4];
  explicit Rng(std::uint64_t seed) {
    for (auto& x : s) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      x = z ^ (z >> 31);
    }
  }
  static constexpr std::uint64_t min() { return 0; }
  static constexpr std::uint64_t max() { return ~0ULL; }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t operator()() {
    const std::uint64_t r = rotl(s[0] + s[3], 23) + s[0], t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return r;
  }
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
};

// Binomial(n, p) by inversion: exact, and quick for the small means of a month's conversions
// (with libstdc++'s std::binomial_distribution this program converted 1000.4 +- 0.6 a run over
// 3,000 runs, against 997.9 +- 0.5 from NumPy's binomial and 998.6 +- 0.6 by inversion).
long binomial(Rng& rng, long n, double p) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const double ratio = p / (1.0 - p), u = rng.uniform();
  double pk = std::pow(1.0 - p, static_cast<double>(n)), cdf = pk;
  long k = 0;
  while (u > cdf && k < n) {
    pk *= static_cast<double>(n - k) / static_cast<double>(k + 1) * ratio;
    cdf += pk;
    ++k;
  }
  return k;
}

struct Deferred {
  double done, arrival;
  std::uint32_t account;
};

struct Outputs {
  long final_active = 0, churned = 0, new_clients = 0, requests = 0;
  double final_mean_satisfaction = 0, mean_response_days = 0, seconds = 0;
};

// A client's encounter with an answer `response` days after its request, at day `now`.
inline void encounter_at(const Params& p, double& sat, std::uint32_t& failures, double acquired, double now, double response) {
  const double late = std::max(0.0, response - p.expected_response);
  const double gap = -p.late_penalty * late;
  const double years = std::max(0.0, now - acquired) / kDaysPerYear;
  const double alpha = p.adapt / (1.0 + years / p.damping_years);
  const double felt = gap >= 0 ? gap : p.kappa * gap;
  // An answer never leaves the client more satisfied than before it (the recovery paradox),
  // but for the recovery bonus of a first request answered on time.
  double s = std::min(sat, std::clamp(sat + alpha * (p.expectation + felt - sat), 0.0, 10.0));
  if (late == 0 && failures == 0) s = std::clamp(s + p.recovery_bonus, 0.0, 10.0);
  sat = s;
  ++failures;
}

Outputs run(const Params& p, std::uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  Rng rng(seed);
  std::normal_distribution<double> normal;
  const std::size_t cap = static_cast<std::size_t>(p.n_active + p.n_prospects);
  const double never = std::numeric_limits<double>::infinity();
  std::vector<double> sat(cap), acquired(cap), churn_at(cap, never);
  std::vector<std::uint32_t> owner(cap), failures(cap, 0);
  std::vector<std::uint8_t> notice(cap, 0);
  std::vector<std::uint32_t> served;
  served.reserve(cap);
  const auto n = static_cast<std::size_t>(p.n_active);
  for (std::size_t i = 0; i < n; ++i) {
    owner[i] = static_cast<std::uint32_t>(std::min(p.managers - 1, static_cast<int>((static_cast<double>(i) + 0.5) / static_cast<double>(n) * p.managers)));
    sat[i] = std::clamp(p.s0 + p.s_sd * normal(rng), 0.0, 10.0);
    acquired[i] = -rng.uniform() * 5 * kDaysPerYear;
    served.push_back(static_cast<std::uint32_t>(i));
  }
  std::size_t accounts = n;
  long prospects = p.n_prospects;
  std::vector<double> busy(static_cast<std::size_t>(p.managers), 0.0);
  std::vector<Deferred> deferred, later;
  std::vector<long> book(static_cast<std::size_t>(p.managers));
  std::vector<double> visit_p(static_cast<std::size_t>(p.managers));
  Outputs out;
  double response_sum = 0, monthly_sum = 0;
  long response_n = 0, months = 0;

  auto encounter = [&](std::uint32_t a, double now, double response) { encounter_at(p, sat[a], failures[a], acquired[a], now, response); };
  // A request answered at `done`: its response is counted; the client feels it if still served.
  auto complete = [&](std::uint32_t a, double arrival, double done) {
    response_sum += done - arrival, ++response_n;
    if (done < churn_at[a]) encounter(a, done, done - arrival);
  };

  const long n_months = static_cast<long>(std::floor(p.horizon / kDt + 1e-9));
  for (long k = 0; k < n_months; ++k) {
    const double start = static_cast<double>(k) * kDt, end = start + kDt;
    // Last month's answers that complete this month, in order.
    later.clear();
    for (const Deferred& d : deferred) {
      if (d.done <= end) complete(d.account, d.arrival, d.done);
      else later.push_back(d);
    }
    deferred.swap(later);
    // This month's requests.
    const double rate = static_cast<double>(served.size()) * p.problem_rate;
    if (rate > 0) {
      for (double t = start - std::log(1.0 - rng.uniform()) / rate; t < end; t -= std::log(1.0 - rng.uniform()) / rate) {
        const std::uint32_t a = served[static_cast<std::size_t>(rng.uniform() * static_cast<double>(served.size()))];
        if (t >= churn_at[a]) continue;  // left during the month
        ++out.requests;
        double& b = busy[owner[a]];
        const double done = std::max(t, b) + p.service_days;
        b = done;
        if (done <= end) complete(a, t, done);
        else deferred.push_back({done, t, a});
      }
    }
    // The month's end: notices that ended, check-ins, churn, conversions.
    std::fill(book.begin(), book.end(), 0);
    std::size_t kept = 0;
    for (const std::uint32_t a : served) {
      if (churn_at[a] <= end) {
        ++out.churned;
        continue;
      }
      served[kept++] = a;
      ++book[owner[a]];
    }
    served.resize(kept);
    for (std::size_t m = 0; m < book.size(); ++m)
      visit_p[m] = book[m] ? std::min(1.0, p.farm_hours_per_day * kDt / (static_cast<double>(book[m]) * p.visit_hours)) : 0.0;
    for (const std::uint32_t a : served) {
      if (rng.uniform() < visit_p[owner[a]]) sat[a] = std::min(10.0, sat[a] + p.visit_boost);
      if (notice[a]) continue;
      const double h = p.base_rate * std::exp(p.weight * (p.reference - sat[a]));
      if (rng.uniform() < 1.0 - std::exp(-h * kDt)) {
        notice[a] = 1;
        churn_at[a] = end + p.notice_min + rng.uniform() * (p.notice_max - p.notice_min);
      }
    }
    if (prospects > 0) {
      const double h = p.outreach * p.effort / static_cast<double>(prospects);
      const long won = binomial(rng, prospects, 1.0 - std::exp(-h * kDt));
      for (long w = 0; w < won; ++w) {
        const auto a = static_cast<std::uint32_t>(accounts++);
        owner[a] = static_cast<std::uint32_t>(rng.uniform() * p.managers);
        sat[a] = p.s0;
        acquired[a] = end;
        served.push_back(a);
      }
      prospects -= won;
      out.new_clients += won;
    }
    monthly_sum += response_n ? response_sum / static_cast<double>(response_n) : 0.0;
    ++months;
    response_sum = 0, response_n = 0;
    double s = 0;
    for (const std::uint32_t a : served) s += sat[a];
    out.final_active = static_cast<long>(served.size());
    out.final_mean_satisfaction = served.empty() ? 0.0 : s / static_cast<double>(served.size());
  }
  out.mean_response_days = monthly_sum / static_cast<double>(std::max(1L, months));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

// --- with the full model's commitments (--events) -------------------------------------------
//
// run_events repeats run's month-end bookkeeping (the books, the binomial, the month's outputs)
// instead of sharing it: run is the reference whose instructions bench/RESULTS.md counts, and
// sharing that code with run_events moved run's compiled count by 1.5% to 5% (33.7M a
// replication to 34.2M and 35.3M, callgrind), through where the compiler kept the random
// stream's state. run stays as it was measured.

// SplitMix64's mixer, and keyed draws as tenure's: a client-month's draws come from a hash of
// (seed, replication, month, client), so a client's random numbers never depend on another's
// (common random numbers across variants). Each draw is one mixer round.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL, kIndex = 0xd1b54a32d192ed03ULL;
struct Keyed {
  std::uint64_t state;
  std::uint64_t next() { return mix64(state += kGolden); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double open0() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }
};
// Two uniforms from one 64-bit draw, 32 bits each.
inline std::pair<double, double> halves(std::uint64_t r) {
  return {static_cast<double>(r >> 32) * 0x1.0p-32, static_cast<double>(r & 0xffffffffu) * 0x1.0p-32};
}

// An answer waiting in the event queue: due at `done`, for a request that arrived at `arrival`.
struct Answer {
  double done, arrival;
  std::uint32_t account;
  bool operator>(const Answer& o) const { return done > o.done; }
};

Outputs run_events(const Params& p, std::uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t run_hash = mix64(mix64(seed) ^ 0x74656e757265ULL);
  const auto keyed = [&](std::uint64_t entity, std::uint64_t purpose, std::uint64_t index) {
    return Keyed{mix64(mix64(mix64(run_hash ^ (entity * kGolden)) ^ purpose) ^ (index * kIndex + 1))};
  };
  constexpr std::uint64_t kInit = 1, kMonth = 2, kLag = 3, kWon = 4, kRequests = 5;
  const std::size_t cap = static_cast<std::size_t>(p.n_active + p.n_prospects);
  const double never = std::numeric_limits<double>::infinity();
  std::vector<double> sat(cap), acquired(cap), churn_at(cap, never);
  std::vector<std::uint32_t> owner(cap), failures(cap, 0);
  std::vector<std::uint8_t> notice(cap, 0);
  std::vector<std::uint32_t> served;
  served.reserve(cap);
  const auto n = static_cast<std::size_t>(p.n_active);
  for (std::size_t i = 0; i < n; ++i) {
    Keyed d = keyed(i, kInit, 0);
    owner[i] = static_cast<std::uint32_t>(std::min(p.managers - 1, static_cast<int>((static_cast<double>(i) + 0.5) / static_cast<double>(n) * p.managers)));
    const double normal = std::sqrt(-2.0 * std::log(d.open0())) * std::cos(6.283185307179586 * d.uniform());
    sat[i] = std::clamp(p.s0 + p.s_sd * normal, 0.0, 10.0);
    acquired[i] = -d.uniform() * 5 * kDaysPerYear;
    served.push_back(static_cast<std::uint32_t>(i));
  }
  // A client's count of requests in a month: Poisson, by inversion of its distribution.
  std::vector<double> cdf;
  {
    const double mean = p.problem_rate * kDt;
    double c = 0;
    for (double k = 0; c < 1.0 - 1e-16 && k < mean + 60 * std::sqrt(mean) + 60; ++k) {
      c += std::exp(-mean + k * std::log(mean) - std::lgamma(k + 1.0));
      cdf.push_back(c);
    }
    cdf.push_back(2.0);
  }
  // The coming month's arrivals for client a, from its month key: the count and the first time
  // from one draw, further times a draw each.
  std::vector<std::pair<double, std::uint32_t>> arrivals;
  const auto draw_requests = [&](std::uint32_t a, std::uint64_t month_key, double from) {
    Keyed d{mix64(month_key ^ kRequests)};
    const auto [u, f] = halves(d.next());
    std::size_t k = 0;
    while (u >= cdf[k]) ++k;
    for (std::size_t i = 0; i < k; ++i) arrivals.push_back({from + kDt * (i == 0 ? f : d.uniform()), a});
  };
  const auto month_hash = [&](long m) { return mix64(mix64(run_hash ^ kMonth) ^ (static_cast<std::uint64_t>(m) * kIndex + 1)); };
  {
    const std::uint64_t h = month_hash(-1);
    for (const std::uint32_t a : served) draw_requests(a, mix64(h ^ (a * kGolden)), 0.0);
  }
  std::size_t accounts = n;
  long prospects = p.n_prospects;
  std::vector<double> busy(static_cast<std::size_t>(p.managers), 0.0);
  std::priority_queue<Answer, std::vector<Answer>, std::greater<Answer>> answers;
  std::vector<long> book(static_cast<std::size_t>(p.managers));
  std::vector<double> visit_p(static_cast<std::size_t>(p.managers));
  Outputs out;
  double response_sum = 0, monthly_sum = 0;
  long response_n = 0, months = 0;

  const long n_months = static_cast<long>(std::floor(p.horizon / kDt + 1e-9));
  for (long k = 0; k < n_months; ++k) {
    const double end = static_cast<double>(k + 1) * kDt;
    // The month's events in time order: arrivals (sorted once) merged with the answers' queue.
    std::sort(arrivals.begin(), arrivals.end());
    for (std::size_t i = 0;;) {
      const bool arrival = i < arrivals.size() && (answers.empty() || arrivals[i].first < answers.top().done);
      if (arrival) {
        const auto [t, a] = arrivals[i++];
        if (t >= churn_at[a]) continue;  // left since its requests were drawn
        ++out.requests;
        double& b = busy[owner[a]];
        b = std::max(t, b) + p.service_days;
        answers.push({b, t, a});
      } else if (!answers.empty() && answers.top().done <= end) {
        const Answer r = answers.top();
        answers.pop();
        response_sum += r.done - r.arrival, ++response_n;
        if (r.done < churn_at[r.account]) encounter_at(p, sat[r.account], failures[r.account], acquired[r.account], r.done, r.done - r.arrival);
      } else {
        break;
      }
    }
    arrivals.clear();
    // The month's end: notices that ended, check-ins, churn, the coming month's requests,
    // conversions.
    std::fill(book.begin(), book.end(), 0);
    std::size_t kept = 0;
    for (const std::uint32_t a : served) {
      if (churn_at[a] <= end) {
        ++out.churned;
        continue;
      }
      served[kept++] = a;
      ++book[owner[a]];
    }
    served.resize(kept);
    for (std::size_t m = 0; m < book.size(); ++m)
      visit_p[m] = book[m] ? std::min(1.0, p.farm_hours_per_day * kDt / (static_cast<double>(book[m]) * p.visit_hours)) : 0.0;
    const std::uint64_t h = month_hash(k);
    for (const std::uint32_t a : served) {
      const std::uint64_t key = mix64(h ^ (a * kGolden));
      const auto [u_visit, u_churn] = halves(key);
      if (u_visit < visit_p[owner[a]]) sat[a] = std::min(10.0, sat[a] + p.visit_boost);
      draw_requests(a, key, end);
      if (notice[a]) continue;
      const double hz = p.base_rate * std::exp(p.weight * (p.reference - sat[a]));
      if (u_churn < 1.0 - std::exp(-hz * kDt)) {
        notice[a] = 1;
        churn_at[a] = end + p.notice_min + Keyed{mix64(key ^ kLag)}.uniform() * (p.notice_max - p.notice_min);
      }
    }
    if (prospects > 0) {
      const double hp = p.outreach * p.effort / static_cast<double>(prospects);
      Keyed d = keyed(0, kWon, static_cast<std::uint64_t>(k));
      // Binomial(prospects, q) by inversion, from the month's keyed uniform.
      const double q = 1.0 - std::exp(-hp * kDt), ratio = q / (1.0 - q), u = d.uniform();
      double pk = std::pow(1.0 - q, static_cast<double>(prospects)), c = pk;
      long won = 0;
      while (u > c && won < prospects) {
        pk *= static_cast<double>(prospects - won) / static_cast<double>(won + 1) * ratio;
        c += pk;
        ++won;
      }
      for (long w = 0; w < won; ++w) {
        const auto a = static_cast<std::uint32_t>(accounts++);
        owner[a] = static_cast<std::uint32_t>(d.uniform() * p.managers);
        sat[a] = p.s0;
        acquired[a] = end;
        served.push_back(a);
        draw_requests(a, mix64(h ^ (a * kGolden)), end);
      }
      prospects -= won;
      out.new_clients += won;
    }
    monthly_sum += response_n ? response_sum / static_cast<double>(response_n) : 0.0;
    ++months;
    response_sum = 0, response_n = 0;
    double s = 0;
    for (const std::uint32_t a : served) s += sat[a];
    out.final_active = static_cast<long>(served.size());
    out.final_mean_satisfaction = served.empty() ? 0.0 : s / static_cast<double>(served.size());
  }
  out.mean_response_days = monthly_sum / static_cast<double>(std::max(1L, months));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_peer_slice_hand PARAMS.json [--seed S] [--reps N] [--events]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  const nlohmann::json j = nlohmann::json::parse(in);
  Params p{};
  const auto d = [&](const char* k) { return j.at(k).get<double>(); };
  p.horizon = d("horizon"), p.s0 = d("s0"), p.s_sd = d("s_sd"), p.expectation = d("expectation");
  p.problem_rate = d("problem_rate"), p.service_days = d("service_days"), p.farm_hours_per_day = d("farm_hours_per_day");
  p.expected_response = d("expected_response"), p.adapt = d("adapt"), p.kappa = d("kappa"), p.damping_years = d("damping_years");
  p.late_penalty = d("late_penalty"), p.recovery_bonus = d("recovery_bonus"), p.visit_hours = d("visit_hours");
  p.visit_boost = d("visit_boost"), p.base_rate = d("base_rate"), p.weight = d("weight"), p.reference = d("reference");
  p.notice_min = d("notice_min"), p.notice_max = d("notice_max"), p.outreach = d("outreach"), p.effort = d("effort");
  p.n_active = j.at("n_active").get<int>(), p.n_prospects = j.at("n_prospects").get<int>(), p.managers = j.at("managers").get<int>();
  std::uint64_t seed = 1;
  long reps = 1;
  bool events = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--events") events = true;
    else if (i + 1 < argc && a == "--seed") seed = std::stoull(argv[++i]);
    else if (i + 1 < argc && a == "--reps") reps = std::stol(argv[++i]);
    else {
      std::fprintf(stderr, "bench_peer_slice_hand: unknown or incomplete argument %s\n", a.c_str());
      return 2;
    }
  }
  for (long r = 0; r < reps; ++r) {
    const std::uint64_t key = seed * 1000003ULL + static_cast<std::uint64_t>(r);
    const Outputs o = events ? run_events(p, key) : run(p, key);
    std::printf("{\"final_active\": %ld, \"churned\": %ld, \"new_clients\": %ld, \"requests\": %ld, "
                "\"final_mean_satisfaction\": %.10g, \"mean_response_days\": %.10g, \"seconds\": %.9f}\n",
                o.final_active, o.churned, o.new_clients, o.requests, o.final_mean_satisfaction, o.mean_response_days,
                o.seconds);
  }
  return 0;
}
