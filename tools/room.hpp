// The workshop's room (`tenure workshop --room`): every trainee steers a manager. Trainees join
// with the room's code, claim a manager and set its levers for the coming quarter; the trainer
// advances time a quarter at a time (each replication saved and continued: scenario::step),
// can rewind to a saved quarter and replay it, and ends with a debrief. No HTTP here: the
// server (workshop.cpp) calls these and pushes state() to every browser after each change.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tenure/scenario/experiment.hpp"

namespace tenure::workshop {

struct RoomOptions {
  std::string file;                  // the scenario
  std::string variant = "base";
  std::vector<std::string> sets;     // overrides, as `--set`
  int replications = 30;
  std::optional<std::uint64_t> seed;  // unset: the scenario's
  int months_per_step = 3;           // a quarter
  unsigned threads = 0;
};

// What a call answers: empty `error` when it was done; `status` an HTTP status for the server.
struct RoomAnswer {
  int status = 200;
  std::string error;
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
};

class Room {
 public:
  // Loads the scenario (its errors are thrown, with file, line and column) and saves quarter 0.
  explicit Room(RoomOptions o);

  const std::string& code() const { return code_; }  // trainees join with it
  const std::string& key() const { return key_; }    // the trainer's console key

  // Trainees. join checks the code and gives a token; claim takes a free manager (releasing the
  // one held before); levers sets the claimed manager's levers for the coming quarter. Values
  // out of range, or a lever the manager's strategy does not have, are refused with a reason.
  RoomAnswer join(const std::string& code, const std::string& name);
  RoomAnswer claim(const std::string& token, const std::string& manager);
  RoomAnswer levers(const std::string& token, const nlohmann::json& levers);
  bool is_trainee(const std::string& token) const;
  bool is_trainer(const std::string& key) const;

  // The trainer. advance plays the coming quarter under everyone's levers; rewind goes back to
  // a saved quarter (with the levers as they were then; a replay with the same levers gives the
  // same numbers); debrief sums the game up (outcomes, what was rewarded, attribution beside
  // blame). advance and debrief run simulations: one at a time, without holding the room's
  // lock, so trainees can still join and move levers meanwhile.
  RoomAnswer advance();
  RoomAnswer rewind(int quarter);
  RoomAnswer debrief();

  // What every browser sees (no tokens, no key), and a number that grows with every change.
  nlohmann::ordered_json state() const;
  std::uint64_t version() const { return version_.load(); }

 private:
  // A manager's levers. The hunt share always: once set, it takes the time split over (a
  // fixed share, `balanced` with that share); until then the scenario's strategy keeps it. The
  // answer probability when the service style has one.
  struct Levers {
    std::optional<double> hunt_share, answer_probability;  // unset: the strategy has no such lever
    std::string pressure;
    bool steers_time = false;  // the hunt share was set: a fixed share from then on
    bool operator==(const Levers&) const = default;
  };
  struct Seat {
    std::string manager;
    std::string trainee, token;  // empty: free
    bool ready = false;
    Levers levers;  // for the coming quarter
  };
  struct Quarter {
    int index = 0;
    std::shared_ptr<const scenario::Steps> steps = std::make_shared<const scenario::Steps>();
    std::vector<Levers> played;  // the levers of the quarter that ended here (empty for 0)
    nlohmann::ordered_json summary;
  };

  model::ModelParams params_with(const std::vector<Levers>& levers) const;
  nlohmann::ordered_json summarise(const Quarter& q, const Quarter* before) const;
  std::vector<Levers> current_levers() const;
  void changed() { ++version_; }
  // Runs `work` outside the lock (the caller has marked the room busy) and clears the mark
  // whatever happens: its answer, or a refusal (400 for the engine's errors, 500 otherwise).
  RoomAnswer finish_busy(const std::function<RoomAnswer()>& work);

  RoomOptions o_;
  scenario::Scenario sc_;
  model::ModelParams base_;  // the variant, one spec per manager
  std::uint64_t seed_ = 0;
  double step_days_ = 0;
  std::string code_, key_;
  mutable std::mutex mu_;
  std::vector<Seat> seats_;
  std::vector<Levers> initial_levers_;  // the scenario's, as quarter 0 stands
  std::vector<Quarter> quarters_;  // 0 .. the current quarter
  std::map<std::string, int> tokens_;  // token -> seat, or -1 before a claim
  std::map<std::string, std::string> names_;  // token -> trainee's name
  std::string busy_;  // "" or what the room is doing ("advancing", "debriefing")
  nlohmann::ordered_json debrief_;
  std::atomic<std::uint64_t> version_{1};
};

}  // namespace tenure::workshop
