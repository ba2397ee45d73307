// Runs a scenario's variants and replications on a pool of threads. Each replication is an
// independent World keyed by (seed, replication), so results do not depend on thread count.
#pragma once

#include <cstdint>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tenure/core/error.hpp"
#include "tenure/model/results.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/scenario.hpp"

namespace tenure::scenario {

struct RunOptions {
  std::optional<std::uint64_t> seed;  // unset: the scenario's experiment seed (every value, 0 included, is a seed)
  std::int64_t replications = 0;    // 0: the scenario's experiment replications
  std::uint64_t first_replication = 0;  // replications first .. first + replications - 1
  std::vector<std::string> variants;  // empty: base only; "base" may be listed
  unsigned threads = 0;             // 0: all cores
  std::function<void(std::size_t done, std::size_t total)> progress;  // called from one thread
  // Resuming: `restore` may fill a replication finished by an earlier run (then it is not run
  // again); `finished` sees each replication as it completes, from the worker threads.
  std::function<bool(const std::string& variant, std::size_t replication, model::RunResult&)> restore;
  std::function<void(const std::string& variant, std::size_t replication, const model::RunResult&)> finished;
  // Set by another thread (Python's Ctrl-C): no new replication starts, those running finish,
  // and the call throws Interrupted. Nothing is returned, so nothing half-done is written.
  const std::atomic<bool>* stop = nullptr;
};

// Thrown by run, attribute, take_snapshot and fork when RunOptions::stop was set.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

struct RunSet {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint64_t first_replication = 0;  // results[v][i] is replication first_replication + i
  std::vector<std::string> variants;                  // "base" first when run
  std::vector<double> horizons;                       // each variant's horizon (days): a paired
                                                      // difference needs equal horizons
  std::vector<std::vector<model::RunResult>> results;  // [variant][replication]
};

RunSet run(const Scenario& sc, const RunOptions& options);

// Appends `more` (the next replications of the same variants and seed) to `into`, so that
// replications can be added in batches until an interval is narrow enough. Throws when the
// two do not continue each other.
void append(RunSet& into, RunSet&& more);

// Shapley attribution of lost value, per variant and replication, on the same thread pool.
// 2^F runs per replication, so F is limited (model::attribute refuses more than 10).
struct AttributionSet {
  std::vector<model::Factor> factors;
  std::vector<std::vector<model::Attribution>> results;  // [variant][replication], as in RunSet
};
// `o` gives the threads, progress (over the replications attributed), stop, and resuming:
// restore_attribution may fill a replication's attribution finished by an earlier run, and
// attributed sees each one as it completes.
struct AttributionOptions {
  unsigned threads = 0;
  std::function<void(std::size_t done, std::size_t total)> progress;
  const std::atomic<bool>* stop = nullptr;
  std::function<bool(const std::string& variant, std::size_t replication, model::Attribution&)> restore;
  std::function<void(const std::string& variant, std::size_t replication, const model::Attribution&)> finished;
};
AttributionSet attribute(const Scenario& sc, const RunSet& rs, const std::vector<model::Factor>& factors,
                         const AttributionOptions& o);

// The factors worth attributing in a scenario: those it can switch on.
std::vector<model::Factor> default_factors(const model::ModelParams& p);

// --- snapshot and fork --------------------------------------------------------------------
// A snapshot is every replication of one variant, run to `day` and saved whole. Forking
// continues each saved world under one or more variants to the horizon: the variants share
// everything up to the snapshot, and their common random numbers after it, so a difference
// between them is what the response changed.
struct Snapshot {
  std::string scenario;       // the effective scenario (YAML) it was taken from, with its variants
  std::string scenario_name;
  std::string variant;        // the variant that ran up to `day`
  std::uint64_t seed = 0;
  std::uint64_t first_replication = 0;
  double day = 0;
  std::vector<std::string> states;  // one saved world per replication
};

// Runs `variant` of `sc` (seed, replications and threads from `o`) up to `day` and saves
// every world. Results do not depend on the number of threads.
Snapshot take_snapshot(const Scenario& sc, const std::string& variant, double day, const RunOptions& o);
// The snapshot as bytes (the file format), and back; `name` stands for the file in messages.
std::string encode(const Snapshot& s);
Snapshot decode(std::string_view bytes, const std::string& name);
// The scenario a snapshot was taken from, as it was, with `sets` overrides ("key=value").
Scenario scenario_of(const Snapshot& s, const std::vector<std::string>& sets = {});
// Continues every saved world under each of `o.variants` ("base" is `sc`'s base; empty means
// the variant the snapshot ran), to the horizon. `sc` is usually scenario_of(s), or a file
// that adds the responses to try as variants. A variant that changes what already happened
// is refused with every reason (model::World::restore).
RunSet fork(const Scenario& sc, const Snapshot& s, const RunOptions& o);

// --- playing in steps (the workshop's room) ------------------------------------------------
// Worlds played a step at a time, under parameters that may change between steps (a room's
// levers for the coming quarter). `states` are the saved worlds at the start of `day`, one per
// replication (what falls on `day`, a month's end and its decisions for the month ahead, is
// the next step's, as in a fork at that day); `so_far` is what each world records up to and
// including `day` under `p`, as if its horizon were `day`: the numbers if nothing changes.
struct Steps {
  double day = 0;
  std::vector<std::string> states;
  std::vector<model::RunResult> so_far;
};
// Whether a step also works out `so_far` (a second restore and run per replication): a caller
// that only goes on from the step's states skips it.
enum class SoFar : bool { Skip, Run };
// From `from` (empty `states`: new worlds of `seed`, replications first_replication on, as many
// as `o.replications`) on under `p` up to `day`. With `p` unchanged, a run played in steps gives
// the uninterrupted run's results byte for byte. `o` gives threads and stop.
Steps step(const model::ModelParams& p, std::uint64_t seed, const Steps& from, double day, const RunOptions& o,
           SoFar so_far = SoFar::Run);

}  // namespace tenure::scenario
