// Helpers shared by the model tests: small parameter sets and replication statistics.
#pragma once

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "tenure/core/error.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/scenario.hpp"

namespace tenure::testing {

// A small, quick team: two managers, 100 clients, 400 prospects, two years.
inline model::ModelParams small_params() {
  model::ModelParams p;
  p.horizon_days = 2 * 365.25;
  p.accounts.initial_active = 100;
  p.accounts.initial_prospects = 400;
  model::ManagerSpec a;
  a.name = "a";
  a.time = {"hunter", {}};
  model::ManagerSpec b;
  b.name = "b";
  b.time = {"farmer", {}};
  p.managers = {a, b};
  p.organisation.positions = {2, 1};
  p.organisation.hire = a;
  return p;
}

struct Stats {
  double mean = 0, se = 0;
  std::size_t n = 0;
};
inline Stats stats(const std::vector<double>& x) {
  Stats s;
  s.n = x.size();
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - s.mean) * (v - s.mean);
  s.se = std::sqrt(ss / static_cast<double>(x.size() - 1) / static_cast<double>(x.size()));
  return s;
}

inline std::string scenario_path(const std::string& name) {
  return std::string(TENURE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

inline const model::ModelParams& variant(const scenario::Scenario& sc, const std::string& name) {
  if (name == "base") return sc.base;
  for (const auto& [n, p] : sc.variants)
    if (n == name) return p;
  throw tenure::Error("no variant " + name);
}

}  // namespace tenure::testing
