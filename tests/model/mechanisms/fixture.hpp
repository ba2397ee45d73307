// A small shared state for testing one mechanism alone (engine/src/model/mechanisms/): no
// run, no other mechanism; the test sets the records and calls the mechanism's hooks.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "../../../engine/src/model/state.hpp"
#include "tenure/model/world.hpp"

namespace tenure::testing {

struct MechanismFixture {
  model::ModelParams p;
  std::unique_ptr<model::World> world;  // only for its signals
  std::unique_ptr<model::Shared> s;

  // `clients` active accounts (value 1, satisfaction `satisfaction`) split over `managers`
  // managers by id, then `prospects` prospects.
  explicit MechanismFixture(std::size_t clients, std::size_t managers = 1, std::size_t prospects = 0,
                            double satisfaction = 7.0, model::ModelParams params = {}) : p(std::move(params)) {
    p.accounts.initial_active = static_cast<std::int64_t>(clients);
    p.accounts.initial_prospects = static_cast<std::int64_t>(prospects);
    if (p.managers.empty()) p.managers = {model::ManagerSpec{.name = "m"}};
    p.managers[0].count = static_cast<std::int64_t>(managers);
    p.organisation.positions = {static_cast<std::int64_t>(managers) + 1};
    world = std::make_unique<model::World>(p, 1, 0);
    s = std::make_unique<model::Shared>(*world, p, 1, 0);
    s->members.assign(1, {});
    for (std::size_t i = 0; i < managers; ++i) {
      s->managers.push_back(s->make_manager(p.managers[0], "m" + std::to_string(i)));
      s->join(static_cast<std::uint32_t>(i), 0);
    }
    for (std::size_t a = 0; a < clients + prospects; ++a) s->acc.add();
    s->n_prospects = static_cast<std::int64_t>(clients + prospects);
    for (std::size_t a = 0; a < clients; ++a) {
      const auto owner = managers ? static_cast<std::int32_t>(a % managers) : -1;
      s->activate(static_cast<std::uint32_t>(a), owner, model::Source::Initial, model::Source::Initial, 1.0, true);
      s->acc.rec[a].satisfaction = static_cast<float>(satisfaction);
    }
  }
  model::Shared& state() { return *s; }
};

// Binomial tolerance: 4.5 standard errors (fixed seeds: the test cannot flake; a wrong rule
// is many errors away).
inline bool near_binomial(double count, double n, double prob) {
  const double sd = std::sqrt(n * prob * (1 - prob));
  return std::fabs(count - n * prob) <= 4.5 * sd + 1e-9;
}

}  // namespace tenure::testing
