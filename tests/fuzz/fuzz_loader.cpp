// Fuzz target: the scenario loader. Any bytes must give a scenario or a tenure::Error naming
// the problem; never a crash, a hang, or another exception. A scenario that loads must
// survive its effective-YAML round trip, and a small one must run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tenure;
  const std::string text(reinterpret_cast<const char*>(data), size);
  scenario::Scenario sc;
  try {
    sc = scenario::load_string(text, "fuzz.yaml");
  } catch (const Error&) {
    return 0;  // refused with a message: what we want
  }
  // What loads must write back to a file that loads to the same thing.
  const std::string eff = scenario::effective_yaml(sc);
  const scenario::Scenario again = scenario::load_string(eff, "effective.yaml");
  if (scenario::effective_yaml(again) != eff) __builtin_trap();
  // Small scenarios run one replication (large ones would only test patience).
  const auto& a = sc.base.accounts;
  if (a.initial_active + a.initial_prospects <= 2000 && sc.base.horizon_days <= 3 * 365.25 &&
      a.prospect_arrival_rate <= 10 && sc.base.service.problem_rate <= 0.2 && sc.base.managers.size() <= 50) {
    try {
      (void)model::simulate(sc.base, 1, 0);
    } catch (const Error&) {
      // an invariant or a model check refused it, with context
    }
  }
  return 0;
}
