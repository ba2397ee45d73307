// Fuzz target: snapshot files. Any bytes must be refused with a tenure::Error naming what is
// wrong, or restore to worlds that run to their horizon with their invariants intact (the
// run checks them); never a crash, a hang, or another exception.
#include <cstddef>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/experiment.hpp"

namespace {
void one(std::string_view bytes);
}  // namespace

// Each input is tried as it is (almost always refused by the checksum) and with its last four
// bytes replaced by the right CRC-32, so that the fuzzer explores the parser behind the check.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  one(bytes);
  if (size >= 4) {
    std::string fixed(bytes);
    const std::uint32_t sum = tenure::core::crc32(std::string_view(fixed).substr(0, fixed.size() - 4));
    std::memcpy(fixed.data() + fixed.size() - 4, &sum, 4);
    one(fixed);
  }
  return 0;
}

namespace {
void one(std::string_view bytes) {
  using namespace tenure;
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
      return;
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
}
}  // namespace
