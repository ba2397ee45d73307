// The replication runner: a shared counter hands out (variant, replication) jobs to threads;
// each result lands in its own slot, so the output never depends on scheduling.
#include "tenure/scenario/experiment.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"

namespace tenure::scenario {

RunSet run(const Scenario& sc, const RunOptions& o) {
  RunSet rs;
  rs.scenario = sc.name;
  rs.seed = o.seed ? o.seed : sc.experiment.seed;
  const auto reps = static_cast<std::size_t>(o.replications > 0 ? o.replications : sc.experiment.replications);
  std::vector<const model::ModelParams*> params;
  std::vector<std::string> wanted = o.variants.empty() ? std::vector<std::string>{"base"} : o.variants;
  for (const auto& name : wanted) {
    if (name == "base") {
      params.push_back(&sc.base);
    } else {
      auto it = std::find_if(sc.variants.begin(), sc.variants.end(), [&](const auto& v) { return v.first == name; });
      if (it == sc.variants.end()) {
        std::vector<std::string> known{"base"};
        for (const auto& v : sc.variants) known.push_back(v.first);
        throw Error(unknown_name_message("variant", name, known));
      }
      params.push_back(&it->second);
    }
    rs.variants.push_back(name);
  }
  rs.results.assign(params.size(), std::vector<model::RunResult>(reps));
  const std::size_t total = params.size() * reps;
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(total, 1)));
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  std::exception_ptr failure;
  auto worker = [&] {
    for (;;) {
      const std::size_t job = next.fetch_add(1);
      if (job >= total) return;
      const std::size_t v = job / reps, r = job % reps;
      try {
        rs.results[v][r] = model::simulate(*params[v], rs.seed, r);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        next = total;  // stop handing out work
        return;
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (o.progress) {
        std::lock_guard<std::mutex> lock(mu);
        o.progress(d, total);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return rs;
}

}  // namespace tenure::scenario
