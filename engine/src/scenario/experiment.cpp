// The replication runner: a shared counter hands out (variant, replication) jobs to threads;
// each result lands in its own slot, so the output never depends on scheduling.
#include "tenure/scenario/experiment.hpp"

#include <sys/resource.h>
#include <unistd.h>


#include <algorithm>
#include <cmath>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"

namespace tenure::scenario {

namespace {
// Runs job(i) for i in [0, n) on `threads` threads; the first exception wins and stops the rest.
template <class Job>
void parallel_for(std::size_t n, unsigned threads, Job job, const std::function<void(std::size_t, std::size_t)>& progress = {},
                  const std::atomic<bool>* stop = nullptr) {
  threads = static_cast<unsigned>(std::min<std::size_t>(threads ? threads : std::max(1u, std::thread::hardware_concurrency()),
                                                        std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  std::exception_ptr failure;
  auto worker = [&] {
    for (;;) {
      if (stop && stop->load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        job(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        next = n;
        return;
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(d, n);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (stop && stop->load() && done.load() < n) throw Interrupted();  // whatever the workers were doing
  if (failure) std::rethrow_exception(failure);
}

// Memory this process can still use: MemAvailable, or a cgroup limit if lower, or what the
// address-space limit (ulimit -v) leaves beside what is mapped already. 0 if unknown.
double available_memory_bytes() {
  double avail = 0;
  if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    long kib = 0;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "MemAvailable: %ld kB", &kib) == 1) avail = static_cast<double>(kib) * 1024;
    std::fclose(f);
  }
  if (std::FILE* f = std::fopen("/sys/fs/cgroup/memory.max", "r")) {
    char buf[64] = {0};
    if (std::fgets(buf, sizeof buf, f) && std::strncmp(buf, "max", 3) != 0) {
      const double limit = std::atof(buf);
      if (limit > 0 && (avail == 0 || limit < avail)) avail = limit;
    }
    std::fclose(f);
  }
  rlimit lim{};
  if (::getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    double mapped = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      unsigned long pages = 0;
      if (std::fscanf(f, "%lu", &pages) == 1) mapped = static_cast<double>(pages) * static_cast<double>(::sysconf(_SC_PAGESIZE));
      std::fclose(f);
    }
    const double left = std::max(0.0, static_cast<double>(lim.rlim_cur) - mapped);
    if (avail == 0 || left < avail) avail = std::max(left, 1.0);
  }
  return avail;
}

// Refuses, before anything runs, what this machine cannot hold: the largest replication
// times the replications that run at once, plus `kept_per_replication` bytes kept for each
// replication (a snapshot's saved states).
void refuse_if_too_big(const std::string& name, const std::vector<const model::ModelParams*>& params,
                       const std::vector<std::string>& names, unsigned threads_wanted, std::size_t reps,
                       double kept_per_account) {
  const auto threads = static_cast<unsigned>(std::min<std::size_t>(
      threads_wanted ? threads_wanted : std::max(1u, std::thread::hardware_concurrency()), std::max<std::size_t>(1, params.size() * reps)));
  // Each thread's stack and allocator arena are mapped too (they count against ulimit -v).
  double need = 128e6 * threads, results = 0, largest = 0;
  std::string biggest;
  for (std::size_t v = 0; v < params.size(); ++v) {
    model::validate(*params[v]);
    const model::Footprint f = model::footprint(*params[v]);
    // Every replication's results are kept until they are written.
    results += f.result_bytes * static_cast<double>(reps);
    const double b = f.bytes * threads + kept_per_account * f.accounts * static_cast<double>(reps);
    if (b > largest) largest = b, biggest = names[v];
  }
  need += largest + results;
  const double have = available_memory_bytes();
  if (have > 0 && need > 0.9 * have) {
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "%s: would need about %.1f GiB (%u replication%s at once, %s the largest) but %.1f GiB is "
                  "available; use fewer --threads, fewer accounts (accounts.initial_prospects, "
                  "accounts.prospect_arrival_rate) or a larger machine",
                  name.c_str(), need / (1 << 30), threads, threads > 1 ? "s" : "", biggest.c_str(),
                  have / (1 << 30));
    throw Error(msg);
  }
}

// Fills rs.results[variant][replication] on the thread pool, after the memory check: each
// job is restored from an earlier run's checkpoint (o.restore) or produced by
// `produce(variant, index, replication)`, then handed to o.finished.
template <class Produce>
void run_jobs(const std::string& name, RunSet& rs, const std::vector<const model::ModelParams*>& params,
              std::size_t reps, const RunOptions& o, Produce produce) {
  refuse_if_too_big(name, params, rs.variants, o.threads, reps, 0);
  rs.results.assign(params.size(), std::vector<model::RunResult>(reps));
  parallel_for(params.size() * reps, o.threads, [&](std::size_t job) {
    const std::size_t v = job / reps, r = job % reps;
    const std::size_t replication = rs.first_replication + r;
    if (o.restore && o.restore(rs.variants[v], replication, rs.results[v][r])) return;
    rs.results[v][r] = produce(v, r, replication);
    if (o.finished) o.finished(rs.variants[v], replication, rs.results[v][r]);
  }, o.progress, o.stop);
}

const model::ModelParams& params_of(const Scenario& sc, const std::string& name) {
  if (name == "base") return sc.base;
  for (const auto& [n, p] : sc.variants)
    if (n == name) return p;
  std::vector<std::string> known{"base"};
  for (const auto& v : sc.variants) known.push_back(v.first);
  throw Error(unknown_name_message("variant", name, known));
}
}  // namespace

std::vector<model::Factor> default_factors(const model::ModelParams& p) {
  using F = model::Factor;
  std::vector<F> f{F::ManagerNeglect, F::Market, F::Competitor};
  bool cut = false, order = false, urgent = false;
  // An order rule may cut support or forbid contact: both are candidates (a factor the rule
  // never used shows as zero).
  for (const auto& o : p.orders) {
    const bool rule = o.kind == model::OrderKind::Rule;
    cut |= rule || o.kind == model::OrderKind::CutSupport, order |= rule || o.kind == model::OrderKind::NoContact;
  }
  for (const auto& m : p.managers) urgent |= m.pressure.name == "urgent";
  if (cut) f.push_back(F::SupportCut);
  if (order) f.push_back(F::ManagementOrder);
  if (urgent) f.push_back(F::QuarterEnd);
  if (p.organisation.exit_rate > 0) f.push_back(F::ManagerExit);
  return f;
}

AttributionSet attribute(const Scenario& sc, const RunSet& rs, const std::vector<model::Factor>& factors,
                         const AttributionOptions& o) {
  AttributionSet at;
  at.factors = factors;
  at.results.resize(rs.variants.size());
  std::size_t reps = 0;
  for (std::size_t v = 0; v < rs.variants.size(); ++v) {
    at.results[v].resize(rs.results[v].size());
    reps = rs.results[v].size();
  }
  parallel_for(rs.variants.size() * reps, o.threads, [&](std::size_t job) {
    const std::size_t v = job / reps, r = job % reps;
    const std::size_t replication = rs.first_replication + r;
    if (o.restore && o.restore(rs.variants[v], replication, at.results[v][r]) && at.results[v][r].factors == factors) return;
    at.results[v][r] = model::attribute(params_of(sc, rs.variants[v]), factors, rs.seed, replication);
    if (o.finished) o.finished(rs.variants[v], replication, at.results[v][r]);
  }, o.progress, o.stop);
  return at;
}

RunSet run(const Scenario& sc, const RunOptions& o) {
  RunSet rs;
  rs.scenario = sc.name;
  rs.seed = o.seed.value_or(sc.experiment.seed);
  rs.first_replication = o.first_replication;
  const auto reps = static_cast<std::size_t>(o.replications > 0 ? o.replications : sc.experiment.replications);
  std::vector<const model::ModelParams*> params;
  std::vector<std::string> wanted = o.variants.empty() ? std::vector<std::string>{"base"} : o.variants;
  for (const auto& name : wanted) {
    params.push_back(&params_of(sc, name));
    rs.variants.push_back(name);
    rs.horizons.push_back(params.back()->horizon_days);
  }
  run_jobs(sc.name, rs, params, reps, o, [&](std::size_t v, std::size_t, std::uint64_t replication) {
    return model::simulate(*params[v], rs.seed, replication, o.stop);
  });
  return rs;
}

void append(RunSet& into, RunSet&& more) {
  if (into.results.empty()) {
    into = std::move(more);
    return;
  }
  const std::size_t have = into.results.front().size();
  if (more.scenario != into.scenario || more.seed != into.seed || more.variants != into.variants ||
      more.horizons != into.horizons)
    throw Error("cannot append results of another scenario, seed or set of variants");
  if (more.first_replication != into.first_replication + have)
    throw Error("cannot append replications from " + std::to_string(more.first_replication) + " to results that end at " +
                std::to_string(into.first_replication + have));
  for (std::size_t v = 0; v < into.results.size(); ++v)
    for (auto& r : more.results[v]) into.results[v].push_back(std::move(r));
}

namespace {
constexpr std::string_view kSnapshotMagic = "TENURE-SNAPSHOT-2\n";
}  // namespace

Snapshot take_snapshot(const Scenario& sc, const std::string& variant, double day, const RunOptions& o) {
  const model::ModelParams& p = params_of(sc, variant);
  const auto reps = static_cast<std::size_t>(o.replications > 0 ? o.replications : sc.experiment.replications);
  // A saved world takes about 70 to 90 bytes per account, kept for every replication.
  refuse_if_too_big(sc.name, {&p}, {variant}, o.threads, reps, 100);
  if (!(day >= 0 && day <= p.horizon_days))
    throw Error("snapshot day " + std::to_string(day) + " is outside the run (day 0 to the horizon, day " +
                std::to_string(p.horizon_days) + ")");
  Snapshot s;
  s.scenario = effective_yaml(sc);
  s.scenario_name = sc.name;
  s.variant = variant;
  s.seed = o.seed.value_or(sc.experiment.seed);
  s.first_replication = o.first_replication;
  s.day = day;
  s.states.resize(reps);
  parallel_for(reps, o.threads, [&](std::size_t r) {
    model::World w(p, s.seed, s.first_replication + r);
    w.stop_when(o.stop);
    w.run_to(day);
    s.states[r] = w.save();
  }, o.progress, o.stop);
  return s;
}

// magic; the scenario, its hash, name and variant; seed, first replication, day; each state
// with its replication number; then a CRC-32 of everything before it.
std::string encode(const Snapshot& s) {
  core::ByteWriter w;
  w.raw(kSnapshotMagic);
  w.str(s.scenario), w.str(content_hash(s.scenario)), w.str(s.scenario_name), w.str(s.variant);
  w.pod(s.seed), w.pod(s.first_replication), w.pod(s.day);
  w.pod<std::uint64_t>(s.states.size());
  for (std::size_t i = 0; i < s.states.size(); ++i) w.pod<std::uint64_t>(s.first_replication + i), w.str(s.states[i]);
  return core::with_crc32(w.take());
}

namespace {
std::string output_day(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}
}  // namespace

Snapshot decode(std::string_view bytes, const std::string& name) {
  if (bytes.substr(0, kSnapshotMagic.size()) != kSnapshotMagic)
    throw Error(name + ": not a tenure snapshot (it does not start with '" +
                std::string(kSnapshotMagic.substr(0, kSnapshotMagic.size() - 1)) + "')");
  if (bytes.size() < kSnapshotMagic.size() + 4) throw Error(name + ": damaged snapshot (truncated)");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (!core::crc32_matches(bytes))
    throw Error(name + ": damaged snapshot (its checksum does not match: the file was changed or cut after it was written)");
  core::ByteReader r(body.substr(kSnapshotMagic.size()), name);
  Snapshot s;
  s.scenario = r.str();
  const std::string hash = r.str();
  s.scenario_name = r.str(), s.variant = r.str();
  if (hash != content_hash(s.scenario)) throw Error(name + ": damaged snapshot (the scenario does not match its hash)");
  r.pod(s.seed), r.pod(s.first_replication), r.pod(s.day);
  if (!std::isfinite(s.day) || s.day < 0)
    throw Error(name + ": damaged snapshot (its day is " + output_day(s.day) + "; expected a finite day >= 0)");
  s.states.resize(r.count(r.remaining() / 16));
  for (std::size_t i = 0; i < s.states.size(); ++i) {
    std::uint64_t replication = 0;
    r.pod(replication);
    if (replication != s.first_replication + i)
      throw Error(name + ": damaged snapshot (state " + std::to_string(i) + " is of replication " + std::to_string(replication) +
                  ", expected " + std::to_string(s.first_replication + i) + ")");
    s.states[i] = r.str();
  }
  r.finish();
  if (s.states.empty()) throw Error(name + ": the snapshot holds no replications");
  return s;
}

Scenario scenario_of(const Snapshot& s, const std::vector<std::string>& sets) {
  try {
    return load_string(s.scenario, s.scenario_name + " (as saved in the snapshot)", sets);
  } catch (const Error& e) {
    throw Error(std::string("the scenario saved in the snapshot no longer loads: ") + e.what());
  }
}

RunSet fork(const Scenario& sc, const Snapshot& s, const RunOptions& o) {
  RunSet rs;
  rs.scenario = sc.name;
  rs.seed = s.seed;
  rs.first_replication = s.first_replication;
  std::vector<const model::ModelParams*> params;
  for (const auto& name : o.variants.empty() ? std::vector<std::string>{s.variant} : o.variants) {
    params.push_back(&params_of(sc, name));
    rs.variants.push_back(name);
    rs.horizons.push_back(params.back()->horizon_days);
  }
  run_jobs(sc.name, rs, params, s.states.size(), o, [&](std::size_t v, std::size_t r, std::uint64_t replication) {
    try {
      auto world = model::World::restore(*params[v], s.states[r],
                                         "snapshot of " + s.scenario_name + ", replication " + std::to_string(replication));
      world->stop_when(o.stop);
      return world->run();
    } catch (const Error& e) {
      throw Error("fork '" + rs.variants[v] + "': " + e.what());
    }
  });
  return rs;
}

Steps step(const model::ModelParams& p, std::uint64_t seed, const Steps& from, double day, const RunOptions& o,
           SoFar so_far) {
  if (!(day >= from.day && day <= p.horizon_days))
    throw Error("step: day " + std::to_string(day) + " is outside day " + std::to_string(from.day) + " to the horizon (day " +
                std::to_string(p.horizon_days) + ")");
  const bool fresh = from.states.empty();
  const auto reps = fresh ? static_cast<std::size_t>(std::max<std::int64_t>(o.replications, 1)) : from.states.size();
  model::ModelParams upto = p;  // the results so far: the same world, its horizon at `day`
  upto.horizon_days = day;
  Steps out;
  out.day = day;
  out.states.resize(reps);
  if (so_far == SoFar::Run) out.so_far.resize(reps);
  parallel_for(reps, o.threads, [&](std::size_t r) {
    const std::string what = "step, replication " + std::to_string(o.first_replication + r);
    std::unique_ptr<model::World> w = fresh ? std::make_unique<model::World>(p, seed, o.first_replication + r)
                                            : model::World::restore(p, from.states[r], what);
    w->stop_when(o.stop);
    // Everything before `day`, as a snapshot: what falls on `day` itself (a month's end, its
    // decisions for the month ahead, a review) is the next step's, under its parameters, as in
    // a fork at that day. `so_far` runs it under these parameters: the numbers as they stand
    // if nothing changes.
    w->run_to(day);
    out.states[r] = w->save();
    if (so_far == SoFar::Skip) return;
    auto upto_world = model::World::restore(upto, out.states[r], what);
    out.so_far[r] = upto_world->run();
  }, o.progress, o.stop);
  return out;
}

}  // namespace tenure::scenario
