// The model's random draws, keyed by what they are for (common random numbers): a draw set is
// (seed, replication, entity, purpose, index) hashed, so that adding an entity or a purpose
// never shifts anybody else's numbers. The positions within the draw sets that several
// mechanisms share are named here, once.
#pragma once

#include <cstdint>
#include <utility>

#include "tenure/core/random.hpp"

namespace tenure::model {

// Entities other than accounts (whose entity is their id).
constexpr std::uint64_t kManagerEntity = std::uint64_t{1} << 40;  // + manager id
constexpr std::uint64_t kGlobalEntity = std::uint64_t{1} << 41;

// A client's draws for a month (RunDraws::month_draws): one key per client and month, taken
// by the month's pass. The key itself is the first draw: its halves (halves()) are the visit's
// and the churn test's uniforms. Then, by position (KeyedDraws::skip, then one draw):
enum class MonthDraw : std::uint64_t {
  // 0 and 1 are unused.
  NoticeLag = 2,          // churn.hpp: where in the notice window a churning client leaves
  JobMove = 3,            // job_moves.hpp: whether the contact changes employer
  RequestCandidates = 4,  // arrivals.hpp: the month's count and first time, then one per further time
};
inline core::KeyedDraws at(core::KeyedDraws d, MonthDraw position) {
  d.skip(static_cast<std::uint64_t>(position));
  return d;
}

// A request's draws (key: account, "problem", the client's request number), by position; each
// taken only when it can decide something (requests.hpp).
enum class RequestDraw : std::uint64_t {
  Thinning = 0,  // accepted at the current rate out of the bound's
  Voice = 1,     // a dissatisfied client speaks up or goes quiet
  Route = 2,     // to support staff or to the manager
  Answer = 3,    // the manager answers or ignores it
  Service = 4,   // its work, when service times vary (4 and 5: a normal takes two uniforms)
  Patience = 6,  // how long the client waits before giving up, when it has to wait
};

// Two uniforms on [0, 1) from one 64-bit draw, 32 bits each: for the month's draws, where a
// resolution of 2^-32 decides as well as 2^-53 and a draw (a mixer round) less is a tenth of
// a client's month.
inline std::pair<double, double> halves(std::uint64_t r) {
  return {static_cast<double>(r >> 32) * 0x1.0p-32, static_cast<double>(r & 0xffffffffu) * 0x1.0p-32};
}

// The run's keyed draws: (seed, replication) hashed once; each draw set then costs three mixer
// rounds.
class RunDraws {
 public:
  RunDraws(std::uint64_t seed, std::uint64_t rep) : run_hash_(core::StreamKey{seed, rep, 0, 0}.hash()) {}

  [[gnu::always_inline]] inline core::KeyedDraws draws(std::uint64_t entity, core::Purpose purpose,
                                                        std::uint64_t index) const {
    std::uint64_t h = core::mix64(run_hash_ ^ (entity * 0x9e3779b97f4a7c15ULL));
    h = core::mix64(h ^ purpose.id);
    return core::KeyedDraws::from_state(core::mix64(h ^ (index * 0xd1b54a32d192ed03ULL + 1)));
  }
  core::KeyedDraws global(core::Purpose purpose, std::uint64_t index) const {
    return draws(kGlobalEntity, purpose, index);
  }
  // A client's draws for month mu: (seed, replication, "month", mu) hashed once a month
  // (start_month), then one mixer round with the client's id.
  void start_month(std::uint64_t mu) {
    month_hash_ = core::mix64(core::mix64(run_hash_ ^ core::Purpose("month").id) ^ (mu * 0xd1b54a32d192ed03ULL + 1));
  }
  core::KeyedDraws month_draws(std::uint32_t a) const {
    return core::KeyedDraws::from_state(core::mix64(month_hash_ ^ (static_cast<std::uint64_t>(a) * 0x9e3779b97f4a7c15ULL)));
  }

 private:
  std::uint64_t run_hash_;
  std::uint64_t month_hash_ = 0;
};

}  // namespace tenure::model
