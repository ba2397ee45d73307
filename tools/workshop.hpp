// `tenure workshop`: a small local web server and the page where trainers play strategies
// against each other. Two panes, A and B, run the same seed, so their difference is the
// strategy's and not the noise.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tenure/scenario/experiment.hpp"

namespace tenure::workshop {

struct Options {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise; a name (localhost) is resolved
  int port = 8600;                 // 0: any free port
  int replications = 30;
  std::string file;                // a scenario to open first; the bundled stories are listed too
  std::string scenario_dir;        // where the bundled stories are
  // The room (--room): every trainee steers a manager of `file` (required). Off unless asked
  // for; then the server listens on the local network (0.0.0.0) unless --host says otherwise.
  bool room = false;
  std::string room_variant = "base";
  std::vector<std::string> room_sets;  // overrides, as --set
  std::optional<std::uint64_t> room_seed;
  int room_months = 3;                 // months per step: a quarter
};

// Serves until interrupted. Prints the address on stdout first (the port, if 0 was asked).
int serve(const Options& o);

// One pane's answer: its JSON and each replication's metrics (for the paired differences).
struct PaneResult {
  nlohmann::ordered_json json;
  std::uint64_t seed = 0;
  std::vector<std::vector<double>> metrics;  // [metric][replication]
};

// A slider moves one pane at a time, so the other pane's last results are reused and a re-run
// costs one pane's replications. Keyed by everything that determines a pane's results (file
// and its modification time, overrides, variant, the month they apply from, replications,
// seed); the 16 most recent. Levers applied from a month on fork the scenario's snapshot at
// that month: the 4 most recent snapshots are kept, so a lever moved again runs only the rest.
class PaneCache {
 public:
  const PaneResult* find(const std::string& key) const;
  const PaneResult& put(std::string key, PaneResult r);
  std::shared_ptr<const scenario::Snapshot> snapshot(const std::string& key) const;
  void put_snapshot(std::string key, std::shared_ptr<const scenario::Snapshot> s);

 private:
  std::deque<std::pair<std::string, PaneResult>> entries_;  // a deque: references stay valid
  std::deque<std::pair<std::string, std::shared_ptr<const scenario::Snapshot>>> snapshots_;
};

// A manager's levers as the scenario sets them: the hunt share of its time allocation and the
// answer probability of its service style (NaN: its strategy has no such lever).
double hunt_share_of(const model::ManagerSpec& m);
double answer_probability_of(const model::ManagerSpec& m);
// What the charts mark: the scenario's scheduled events (shocks, conferences, orders, reviews),
// months from the start.
nlohmann::ordered_json events_json(const model::ModelParams& p);

// The JSON answer to /api/run for a query string, and its HTTP status.
struct Answer {
  int status = 200;
  std::string body;
};
// `cache_mu`, when given, guards `cache` (the server answers several queries at once).
Answer run_query(const Options& o, const std::string& query, PaneCache& cache, std::mutex* cache_mu = nullptr);
// The JSON answer to /api/levers: what the levers start at for a scenario's variant (team-wide
// and per manager) and the events the charts mark.
Answer levers_query(const Options& o, const std::string& query);
// The JSON answer to /api/attribution: a pane's losses by cause (Shapley values) beside whom its
// blame rule blames, per run.
Answer attribution_query(const Options& o, const std::string& query);
// The JSON answer to /api/account: the client a scenario's orders name, replication by
// replication (its satisfaction along its history, and whether it left).
Answer account_query(const Options& o, const std::string& query);

}  // namespace tenure::workshop
