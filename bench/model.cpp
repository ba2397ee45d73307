// Model benchmarks. `bench_model FILE [--reps N]` times replications of a scenario (medians of
// wall time, events/s). `bench_model FILE --accounts N [--years Y]` scales the scenario's
// base to N clients (3N prospects, one manager per 100 clients) and reports wall time,
// events/s and peak memory. Run one size per process so peak memory is that size's own.
// `--snapshot-at Y` (years) also times saving the world's state at Y, restoring it and running
// on, and checks that the result is the uninterrupted run's, byte for byte.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tenure/core/bytes.hpp"
#include "tenure/core/time.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/scenario.hpp"

using namespace tenure;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
// Peak resident memory of this program: VmHWM belongs to the address space, so unlike
// getrusage's ru_maxrss it does not carry the parent's peak across exec (a Python parent
// would otherwise add its own few hundred MiB).
double peak_mib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    std::fclose(f);
    if (kib >= 0) return static_cast<double>(kib) / 1024.0;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_model FILE [--reps N] [--accounts N] [--years Y] [--snapshot-at Y]\n");
    return 2;
  }
  int reps = 5;
  bool reps_given = false;
  double accounts = 0, years = 0, snapshot_at = -1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]), reps_given = true;
    else if (!std::strcmp(argv[i], "--accounts")) accounts = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--years")) years = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--snapshot-at")) snapshot_at = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  try {
    const auto sc = scenario::load(argv[1]);
    model::ModelParams p = sc.base;
    if (years > 0) p.horizon_days = years * calendar::kDaysPerYear;
    if (accounts > 0) {
      const auto n = static_cast<std::int64_t>(accounts);
      const double scale = accounts / static_cast<double>(p.accounts.initial_active);
      p.accounts.initial_active = n;
      p.accounts.initial_prospects = 3 * n;
      p.accounts.prospect_arrival_rate *= scale;
      std::int64_t managers = 0;
      for (auto& m : p.managers) {
        m.count = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(static_cast<double>(m.count) * scale)));
        managers += m.count;
      }
      std::vector<std::int64_t> per_level(p.organisation.positions.size(), 0);
      for (const auto& m : p.managers) per_level[static_cast<std::size_t>(m.level)] += m.count;
      p.organisation.positions = per_level;
      p.service.support_staff = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(static_cast<double>(p.service.support_staff) * scale)));
      if (!reps_given) reps = 1;  // large: one replication unless asked
    }
    if (snapshot_at >= 0) {
      const std::uint64_t seed = sc.experiment.seed;
      auto bytes = [](const model::RunResult& r) {
        core::ByteWriter w;
        model::save(w, r);
        return w.take();
      };
      const double t0 = now_s();
      const std::string whole = bytes(model::simulate(p, seed, 0));
      const double t1 = now_s();
      model::World w(p, seed, 0);
      w.run_to(snapshot_at * calendar::kDaysPerYear);
      const double t2 = now_s();
      const std::string state = w.save();
      const double t3 = now_s();
      auto back = model::World::restore(p, state);
      const double t4 = now_s();
      const std::string cont = bytes(back->run());
      const double t5 = now_s();
      std::printf("| %s | %lld clients | snapshot at %.1f years | uninterrupted %.3f s | to the snapshot %.3f s | save %.3f s "
                  "| %.1f MiB state | restore %.3f s | on to the horizon %.3f s | %s |\n",
                  sc.name.c_str(), static_cast<long long>(p.accounts.initial_active), snapshot_at, t1 - t0, t2 - t1, t3 - t2,
                  static_cast<double>(state.size()) / (1 << 20), t4 - t3, t5 - t4, cont == whole ? "identical" : "DIFFERENT");
      return cont == whole ? 0 : 1;
    }
    // Medians over replications: of the wall time, and of each replication's events per second.
    std::vector<double> times, rates;
    double events = 0, created = 0, records = 0, lost = 0;
    for (int r = 0; r < reps; ++r) {
      const double t0 = now_s();
      model::World world(p, sc.experiment.seed, static_cast<std::uint64_t>(r));
      const auto res = world.run();
      times.push_back(now_s() - t0);
      rates.push_back(static_cast<double>(res.events) / times.back());
      events += static_cast<double>(res.events) / reps;
      created += static_cast<double>(res.accounts_created) / reps;
      // Account records at the end (pooled prospects have none, and clients won take the
      // records of clients who left) and rows of lost accounts: what grows with the run.
      records += static_cast<double>(world.records()) / reps;
      lost += static_cast<double>(res.lost.size()) / reps;
    }
    std::sort(times.begin(), times.end());
    std::sort(rates.begin(), rates.end());
    const double t = times[times.size() / 2], rate = rates[rates.size() / 2];
    std::printf("| %s | %lld clients | %.1f years | %d reps | %.4f s | %.2fM events | %.2fM events/s | %.0f MiB peak | %.0f accounts ever | %.0f records | %.0f lost |\n",
                sc.name.c_str(), static_cast<long long>(p.accounts.initial_active), p.horizon_days / calendar::kDaysPerYear,
                reps, t, events / 1e6, rate / 1e6, peak_mib(), created, records, lost);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
