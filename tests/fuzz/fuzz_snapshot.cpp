// Fuzz target: snapshot files. Any bytes must be refused with a tenure::Error naming what is
// wrong, or restore to worlds that run to their horizon with their invariants intact (the
// run checks them); never a crash, a hang, or another exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/experiment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tenure;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const scenario::Snapshot snap = scenario::decode(bytes, "fuzz.snap");
    const scenario::Scenario sc = scenario::scenario_of(snap);
    const model::ModelParams* p = &sc.base;
    for (const auto& [name, vp] : sc.variants)
      if (name == snap.variant) p = &vp;
    // Small worlds only: large ones would test patience, not robustness.
    const auto& a = p->accounts;
    if (a.initial_active + a.initial_prospects > 2000 || p->horizon_days > 3 * 365.25 || a.prospect_arrival_rate > 10 ||
        p->service.problem_rate > 0.2 || p->managers.size() > 50)
      return 0;
    for (std::size_t r = 0; r < snap.states.size() && r < 2; ++r) {
      try {
        (void)model::World::restore(*p, snap.states[r], "fuzz.snap")->run();
      } catch (const Error&) {
        // refused or stopped by an invariant, with context
      }
    }
  } catch (const Error&) {
    // refused with a message: what we want
  }
  return 0;
}
