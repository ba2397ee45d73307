// The account and career model on the kernel: one World is one replication of a scenario.
// It owns its Simulation, entities and recorders; nothing is shared between Worlds.
#pragma once

#include <atomic>

#include "tenure/core/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tenure/core/signal.hpp"
#include "tenure/model/params.hpp"
#include "tenure/model/results.hpp"

namespace tenure::model {

class World {
 public:
  World(const ModelParams& params, std::uint64_t seed, std::uint64_t replication);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Runs to the horizon and returns what was recorded. Call once.
  RunResult run();
  // Runs every event before `day` (at most the horizon), nothing scheduled for `day` itself:
  // the world as it is at the start of that day. The world is set up on the first call;
  // run() continues from there.
  void run_to(double day);
  double now() const;
  // Account records held now: one per client and former client, less the former clients'
  // records reused for clients won since, plus one per prospect on a sparse network (on the
  // complete graph prospects are a count). What a world's memory grows with.
  std::size_t records() const;
  // Asks a running world to stop: while `*flag` is set, the next month end throws Stopped (one
  // relaxed load a month). For runs on other threads that a user interrupts.
  void stop_when(const std::atomic<bool>* flag);

  // Snapshot: the whole state (clock, pending events, random streams' key, accounts, managers,
  // requests, market, network, results so far) as bytes. Restoring it and running on gives
  // results identical to the uninterrupted run.
  std::string save() const;
  // A world continued from saved state under `params`: the parameters it was saved with, or a
  // fork's, which may change what happens after the snapshot day (strategies, orders,
  // conferences, supervision, promotion, rates, the market's future) but not what already
  // happened or the world's make-up (accounts at the start, managers, levels, support staff,
  // regimes, a longer horizon). Throws tenure::Error naming every change it cannot absorb, or
  // what is damaged in `state` (`what` names it in messages).
  static std::unique_ptr<World> restore(const ModelParams& params, std::string_view state,
                                        const std::string& what = "snapshot");

  // Observers. Arguments: day, account, value, cause mask.
  core::Signal<double, std::uint32_t, double, std::uint32_t> account_churned;
  // day, account, value, source
  core::Signal<double, std::uint32_t, double, Source> account_acquired;
  // day, manager, new level
  core::Signal<double, std::uint32_t, std::int64_t> manager_promoted;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Thrown by a world asked to stop (World::stop_when).
class Stopped : public Error {
 public:
  Stopped() : Error("stopped") {}
};

// Convenience: one replication (stopping at a month end once `*stop` is set, if given).
RunResult simulate(const ModelParams& params, std::uint64_t seed, std::uint64_t replication,
                   const std::atomic<bool>* stop = nullptr);

// Checks the parameters the model relies on (positions, matrix rows, names in registries),
// and refuses an event storm (more than kMaxEventsPerRun expected events in one replication).
// Throws tenure::Error listing every problem.
void validate(const ModelParams& params);

// What one replication will need, estimated before it runs: accounts that will exist, model
// events (an upper bound), and peak memory in bytes.
struct Footprint {
  double accounts = 0, events = 0;
  double bytes = 0;         // a running replication: accounts, managers, network, pending events
  double result_bytes = 0;  // one finished replication's results, kept until they are written
};
Footprint footprint(const ModelParams& params);
inline constexpr double kMaxEventsPerRun = 2e10;

// Shapley attribution of lost value to factors, from counterfactual runs that switch
// factors off on common random numbers.
struct Attribution {
  std::vector<Factor> factors;
  std::vector<double> shapley;   // lost value attributed to each factor
  double lost_all_on = 0;        // lost value with every factor on (the scenario)
  double lost_all_off = 0;       // lost value with every listed factor off (the baseline)
  std::vector<double> blame;     // by manager: what the organisation's rule blames
};
Attribution attribute(const ModelParams& params, const std::vector<Factor>& factors,
                      std::uint64_t seed, std::uint64_t replication);
// Shapley values from the lost value of every counterfactual: lost[mask], bit j of mask set
// when factors[j] is on (2^F entries). Fills shapley, lost_all_on and lost_all_off.
void shapley(Attribution& at, const std::vector<double>& lost);

}  // namespace tenure::model
