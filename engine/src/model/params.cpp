// The keys of a whole scenario (each section's records, params.hpp, under its path) and the
// cross-field checks, section by section. Every problem starts with the key path it concerns
// (list items by index or by name, as in --set), so the loader places it at that key in the
// file.
#include "tenure/model/params.hpp"

#include <cmath>
#include <cstdio>

#include "tenure/core/error.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/world.hpp"

namespace tenure::model {

namespace {

// A section's keys under its path: "churn" + "base_rate" is "churn.base_rate".
template <class T>
void add_section(std::vector<Key<ModelParams>>& all, const std::string& path, T ModelParams::*section) {
  for (const Key<T>& k : keys<T>()) {
    Key<ModelParams> g;
    g.spec = k.spec;
    g.spec.name = path + "." + k.spec.name;
    g.set = [section, set = k.set](ModelParams& p, const ParamValue& v) { set(p.*section, v); };
    g.get = [section, get = k.get](const ModelParams& p) { return get(p.*section); };
    all.push_back(std::move(g));
  }
}

using Check = std::function<void(bool, const std::string&)>;

void check_run(const ModelParams& p, const Check& check) {
  check(p.horizon_days > 0, "horizon: must be positive");
  check(!p.managers.empty(), "managers: at least one manager is needed");
  check(!p.organisation.positions.empty(), "organisation.positions: needs at least one level");
}

void check_market(const MarketParams& m, const Check& check) {
  const auto n = static_cast<Eigen::Index>(m.regimes.size());
  check(n > 0, "market.regimes: needs at least one regime");
  if (n == 0) return;
  check(m.transition.rows() == n && m.transition.cols() == n,
        "market.transition: must be " + std::to_string(n) + "x" + std::to_string(n) + " (one row and column per regime)");
  if (m.transition.rows() == n && m.transition.cols() == n)
    for (Eigen::Index i = 0; i < n; ++i) {
      check(std::abs(m.transition.row(i).sum() - 1.0) < 1e-9,
            "market.transition." + std::to_string(i) + ": row " + std::to_string(i) + " must sum to 1");
      check(m.transition.row(i).minCoeff() >= 0, "market.transition." + std::to_string(i) + ": entries must be >= 0");
    }
  check(m.initial_regime >= 0 && m.initial_regime < n,
        "market.initial_regime: " + std::to_string(m.initial_regime) + " is not a regime (expected 0 to " +
            std::to_string(n - 1) + ")");
}

// A component's name and parameters against its registry.
template <class Reg>
void check_component(Problems& problems, const std::string& at, const Reg& reg, const Component& c) {
  try {
    reg.create(c.name, c.params);
  } catch (const Error& e) {
    problems.push_back(at + ": " + e.what());
  }
}

// Managers against the levels: each at a level that exists, no level over its positions.
void check_managers(const ModelParams& p, Problems& problems, const Check& check) {
  std::vector<std::int64_t> per_level(p.organisation.positions.size(), 0);
  for (const auto& m : p.managers) {
    const std::string at = "managers." + m.name;
    check(m.count >= 1, at + ".count: must be >= 1");
    check(m.level >= 0 && m.level < static_cast<std::int64_t>(per_level.size()),
          at + ".level: level " + std::to_string(m.level) + " has no positions (organisation.positions has " +
              std::to_string(per_level.size()) + " levels)");
    if (m.level >= 0 && m.level < static_cast<std::int64_t>(per_level.size()))
      per_level[static_cast<std::size_t>(m.level)] += m.count;
    check_component(problems, at + ".time", time_allocations(), m.time);
    check_component(problems, at + ".service", service_styles(), m.service);
    check_component(problems, at + ".pressure", pressure_behaviours(), m.pressure);
  }
  for (std::size_t l = 0; l < per_level.size(); ++l)
    check(per_level[l] <= p.organisation.positions[l],
          "organisation.positions." + std::to_string(l) + ": level " + std::to_string(l) + " has " +
              std::to_string(per_level[l]) + " managers but " + std::to_string(p.organisation.positions[l]) + " positions");
}

void check_organisation(const OrganisationParams& o, const Check& check) {
  check(o.competence_min < o.competence_max, "organisation.competence_max: must be above organisation.competence_min");
}

void check_churn(const ChurnParams& c, const Check& check) {
  check(c.notice_max_days >= c.notice_min_days, "churn.notice_max: must be >= churn.notice_min");
}

// Orders name accounts and managers that exist at the start.
void check_orders(const ModelParams& p, const Check& check) {
  std::int64_t managers_at_start = 0;
  for (const auto& m : p.managers) managers_at_start += std::max<std::int64_t>(m.count, 0);
  const std::int64_t accounts_at_start = p.accounts.initial_active + p.accounts.initial_prospects;
  for (std::size_t i = 0; i < p.orders.size(); ++i) {
    const Order& o = p.orders[i];
    const std::string at = "orders." + std::to_string(i);
    if (o.kind == OrderKind::ReassignBook)
      check(o.manager >= 0 && o.manager < managers_at_start,
            at + ".manager: a reassign_book order needs the index of a manager at the start, 0 to " +
                std::to_string(managers_at_start - 1) + " (got " + std::to_string(o.manager) + ")");
    if (o.kind == OrderKind::Rule)
      check(!o.rule.name.empty(), at + ".rule: an order of kind rule needs the name of an order rule (rule: NAME or {name: NAME, ...})");
    else
      check(o.rule.name.empty(), at + ".rule: only an order of kind rule names a rule (this one is " + std::string(name_of(o.kind)) + ")");
    check(o.every == 0 || o.every >= 1, at + ".every: an order is given again at least a day later, or once (0)");
    if (o.kind == OrderKind::NoContact || o.kind == OrderKind::LiftNoContact || o.kind == OrderKind::RecoveryMeeting)
      check(o.account < accounts_at_start,
            at + ".account: account " + std::to_string(o.account) + " does not exist at the start (accounts are numbered 0 to " +
                std::to_string(accounts_at_start - 1) + ", or say 'largest')");
  }
}

// What a replication would need: ids fit in 32 bits, and no event storm.
void check_size(const ModelParams& p, const Check& check) {
  const Footprint f = footprint(p);
  // Counts too large for an integer are printed as such (%.3g), never cast: no overflowed numbers.
  auto count_text = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, x < 1e15 ? "%.0f" : "%.3g", x);
    return std::string(buf);
  };
  check(f.accounts < 4e9, "accounts: too many accounts (" + count_text(f.accounts) + " would exist; ids are 32-bit)");
  // An event storm is refused before it starts, not after hours of running.
  check(f.events <= kMaxEventsPerRun,
        "service.problem_rate: about " + count_text(f.events / 1e9) +
            " billion events per replication (request rate x clients x horizon); at most " +
            std::to_string(static_cast<long long>(kMaxEventsPerRun / 1e9)) +
            " billion are allowed: lower service.problem_rate, the number of accounts or the horizon");
}

}  // namespace

const std::vector<Key<ModelParams>>& parameter_keys() {
  static const std::vector<Key<ModelParams>> all = [] {
    std::vector<Key<ModelParams>> v = keys<ModelParams>();  // horizon, record_accounts
    add_section(v, "accounts", &ModelParams::accounts);
    add_section(v, "service", &ModelParams::service);
    add_section(v, "churn", &ModelParams::churn);
    add_section(v, "acquisition", &ModelParams::acquisition);
    add_section(v, "organisation", &ModelParams::organisation);
    add_section(v, "supervision", &ModelParams::supervision);
    add_section(v, "market", &ModelParams::market);
    return v;
  }();
  return all;
}

void check(const ModelParams& p, Problems& problems) {
  const Check check = [&](bool ok, const std::string& msg) {
    if (!ok) problems.push_back(msg);
  };
  check_run(p, check);
  check_market(p.market, check);
  check_managers(p, problems, check);
  check_component(problems, "organisation.promotion", promotion_policies(), p.organisation.promotion);
  check_component(problems, "market.model", market_models(), p.market.model);
  check_component(problems, "network.generator", network_generators(), p.network.generator);
  check_churn(p.churn, check);
  check_organisation(p.organisation, check);
  check_orders(p, check);
  check_size(p, check);
}

ModelParams one_spec_per_manager(const ModelParams& p) {
  ModelParams out = p;
  out.managers.clear();
  for (const auto& spec : p.managers)
    for (std::int64_t i = 0; i < spec.count; ++i) {
      ManagerSpec one = spec;
      one.count = 1;
      if (spec.count != 1) one.name = spec.name + "-" + std::to_string(i + 1);
      out.managers.push_back(std::move(one));
    }
  return out;
}

}  // namespace tenure::model
