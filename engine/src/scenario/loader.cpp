// The scenario loader: YAML (yaml-cpp) to ModelParams, through the typed field records.
// Collects every problem of a file before failing, each with file:line:column.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"
#include "tenure/core/time.hpp"
#include "tenure/model/components.hpp"
#include "tenure/model/world.hpp"
#include "tenure/scenario/scenario.hpp"

namespace tenure::scenario {

using model::ModelParams;
namespace cal = tenure::calendar;

// --- units -------------------------------------------------------------------------------

namespace {
// "18 months" as 18 and "months". The whole text is read: anything after the unit (a second
// line, a NUL byte) makes it malformed, not ignored.
bool parse_number_unit(const std::string& text, double& number, std::string& unit) {
  std::size_t used = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  unit = text.substr(used);
  unit.erase(0, unit.find_first_not_of(" \t"));
  unit.erase(unit.find_last_not_of(" \t") + 1);
  if (std::any_of(unit.begin(), unit.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) return false;
  if (unit.find("  ") != std::string::npos) return false;
  return std::isfinite(number);
}

double unit_days(const std::string& u) {
  static const std::map<std::string, double> units{
      {"day", 1}, {"days", 1}, {"week", 7}, {"weeks", 7},
      {"month", cal::kDaysPerMonth}, {"months", cal::kDaysPerMonth},
      {"quarter", 3 * cal::kDaysPerMonth}, {"quarters", 3 * cal::kDaysPerMonth},
      {"year", cal::kDaysPerYear}, {"years", cal::kDaysPerYear}};
  auto it = units.find(u);
  return it == units.end() ? -1.0 : it->second;
}
}  // namespace

double parse_duration(const std::string& text) {
  double n;
  std::string unit;
  if (!parse_number_unit(text, n, unit) || unit.empty())
    throw Error("expected a duration with a unit (e.g. '18 months', '3 days'), got '" + excerpt(text) + "'");
  const double d = unit_days(unit);
  if (d < 0) throw Error("unknown time unit '" + excerpt(unit) + "' in '" + excerpt(text) + "' (use days, weeks, months, quarters or years)");
  return n * d;
}

std::optional<std::uint64_t> parse_seed(const std::string& text, std::string& err) {
  std::uint64_t v = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    err = "expected a whole number from 0 to 18446744073709551615, got '" + excerpt(text) + "'" +
          (res.ec == std::errc::result_out_of_range ? " (too large)" : "");
    return std::nullopt;
  }
  return v;
}

double parse_rate(const std::string& text) {
  double n;
  std::string unit;
  if (!parse_number_unit(text, n, unit) || unit.rfind("per ", 0) != 0)
    throw Error("expected a rate like '0.2 per year', got '" + excerpt(text) + "'");
  std::string per = unit.substr(4);
  per.erase(0, per.find_first_not_of(" \t"));
  const double d = unit_days(per);
  if (d < 0) throw Error("unknown time unit '" + excerpt(per) + "' in '" + excerpt(text) + "' (use day, week, month, quarter or year)");
  return n / d;
}

// --- the key records ------------------------------------------------------------------------
// The records live beside the model's structs (model/params.hpp); the loader walks them.
const std::vector<Field>& fields() {
  static const std::vector<Field> f = [] {
    std::vector<Field> v;
    for (const auto& k : model::parameter_keys()) v.push_back(Field{k.spec.name, k.spec, k.set, k.get});
    return v;
  }();
  return f;
}

// --- parsing ------------------------------------------------------------------------------

namespace {

// Limits that keep loading linear and bounded whatever the input.
constexpr std::size_t kMaxFileBytes = 32u << 20;   // a scenario file (or one it extends)
constexpr std::size_t kMaxErrors = 50;             // problems reported in full; the rest are counted
constexpr std::size_t kMaxSetParts = 32;           // parts of a --set key path
constexpr std::size_t kMaxSetKeyBytes = 1024;      // bytes of a --set key path
constexpr std::size_t kMaxNameBytes = 64;          // a scenario's or a variant's name

// yaml-cpp keeps nodes in pools, and putting a node of one pool into a map of another merges
// the pools: a copy of the whole set of the inserted one's nodes. Building a fresh map for each
// variant over the file's nodes therefore copied the file's pool once per variant (quadratic in
// the number of variants). Maps and lists made here share one pool, which the file's nodes join
// once, so every later insertion is free.
class Arena {
 public:
  YAML::Node make(YAML::NodeType::value type) {
    YAML::Node n = anchor_["n"];  // created in the arena's pool
    anchor_.remove("n");
    n = YAML::Node(type);         // defined as a map or list (a pool of one node joins the arena's)
    return n;
  }

 private:
  YAML::Node anchor_{YAML::NodeType::Map};
};

struct Ctx {
  std::string file;
  std::vector<std::string> errors;
  std::set<std::string> seen;
  std::size_t more = 0;  // problems beyond kMaxErrors
  // Nodes made by overrides (--set, or a Python dict) and the override's text: they have no
  // place in the file, so a problem with one is placed in its override.
  std::vector<std::pair<YAML::Node, std::string>> overrides;
  std::shared_ptr<Arena> arena = std::make_shared<Arena>();  // shared with the Ctx of an extended file
  void add(std::string e) {
    if (seen.count(e)) return;
    if (errors.size() >= kMaxErrors) {
      ++more;
      return;
    }
    seen.insert(e);
    errors.push_back(std::move(e));
  }
  void error(const YAML::Mark& m, const std::string& msg) {
    add(m.is_null() ? file + ": in an override: " + msg
                    : file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " + msg);
  }
  // A problem with a value: placed in the file, or in the --set that gave it.
  void error(const YAML::Node& n, const std::string& msg) {
    if (n.Mark().is_null())
      for (const auto& [node, text] : overrides)
        if (node.is(n)) return add("--set " + excerpt(text, 200) + ": " + msg);
    error(n.Mark(), msg);
  }
  // A problem with a key that an override made: placed in the --set whose path names it.
  void key_error(const YAML::Node& key, const std::string& msg) {
    if (key.Mark().is_null() && key.IsScalar())
      for (const auto& [node, text] : overrides) {
        const std::string path = text.substr(0, text.find('='));
        if (("." + path + ".").find("." + key.Scalar() + ".") != std::string::npos)
          return add("--set " + excerpt(text, 200) + ": " + msg);
      }
    error(key.Mark(), msg);
  }
  std::string message() const {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    if (more) msg += "\n... and " + std::to_string(more) + " more problems";
    return msg;
  }
};

std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

// A YAML scalar as the record's type; an empty string in `err` when it fits.
ParamValue to_value(const YAML::Node& n, const ParamSpec& spec, std::string& err) {
  if (!n.IsScalar()) {
    err = "expected " + spec.expectation();
    return {};
  }
  const std::string s = n.Scalar();
  try {
    switch (spec.type) {
      case ParamType::Duration: return parse_duration(s);
      case ParamType::Rate: return parse_rate(s);
      case ParamType::Boolean:
        if (s == "true" || s == "false") return s == "true";
        err = "expected true or false, got '" + s + "'";
        return {};
      case ParamType::Integer: {
        std::size_t used = 0;
        const double d = std::stod(s, &used);
        if (used != s.size() || std::floor(d) != d) throw std::invalid_argument("x");
        if (!(std::fabs(d) < 9.2e18)) {  // found by fuzzing: the cast of a huge number was undefined
          err = "expected " + spec.expectation() + ", got " + s + ", too large";
          return {};
        }
        return static_cast<std::int64_t>(d);
      }
      case ParamType::Real:
      case ParamType::Probability: {
        std::size_t used = 0;
        const double d = std::stod(s, &used);
        if (used != s.size()) throw std::invalid_argument("x");
        return d;
      }
      case ParamType::Text:
      case ParamType::Choice: return s;
    }
  } catch (const Error& e) {
    err = e.what();
    return {};
  } catch (const std::exception&) {
    err = "expected " + spec.expectation() + ", got '" + s + "'";
    return {};
  }
  return {};
}

// Component parameters take their types from the registry entry's records.
template <class Reg>
model::Component component(Ctx& ctx, const YAML::Node& n, const Reg& reg, const std::string& current = "") {
  model::Component c;
  if (n.IsScalar()) {
    c.name = n.Scalar();
  } else if (n.IsMap() && n["name"]) {
    c.name = scalar(n["name"]);
  } else if (n.IsMap() && !current.empty()) {
    c.name = current;  // parameters of the component already chosen (by default or by `strategy:`)
  } else {
    ctx.error(n.Mark(), "expected a " + reg.kind() + " name, or a map with 'name' and its parameters");
    return c;
  }
  if (!reg.contains(c.name)) {
    ctx.error(n.IsMap() ? n["name"].Mark() : n.Mark(), unknown_name_message(reg.kind(), c.name, reg.names()));
    return c;
  }
  const auto& entry = reg.at(c.name);
  if (n.IsMap()) {
    std::vector<std::string> known;
    for (const auto& s : entry.params) known.push_back(s.name);
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "name") continue;
      auto spec = std::find_if(entry.params.begin(), entry.params.end(), [&](const ParamSpec& s) { return s.name == key; });
      if (spec == entry.params.end()) {
        ctx.key_error(it->first, unknown_name_message(reg.kind() + " '" + c.name + "' parameter", key, known));
        continue;
      }
      std::string err;
      ParamValue v = to_value(it->second, *spec, err);
      if (err.empty()) err = spec->check(v);
      if (!err.empty()) ctx.error(it->second, key + ": " + err);
      else c.params[key] = v;
    }
  }
  return c;
}

void unknown_key(Ctx& ctx, const YAML::Node& key, const std::string& prefix, const std::vector<std::string>& known) {
  ctx.key_error(key, unknown_name_message("key", prefix + key.Scalar(), known));
}

std::string bound_text(double x) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

// A number from lo to hi. The whole scalar must be the number.
double number_of(Ctx& ctx, const YAML::Node& n, const std::string& what, double lo, double hi) {
  const std::string s = scalar(n);
  std::size_t used = 0;
  double d = 0;
  try {
    d = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (!n.IsScalar() || used == 0 || used != s.size() || !std::isfinite(d)) {
    ctx.error(n, what + ": expected a number from " + bound_text(lo) + " to " + bound_text(hi) + ", got '" + excerpt(s) + "'");
    return lo;
  }
  if (!(d >= lo && d <= hi)) {
    ctx.error(n, what + ": value " + excerpt(s) + " is out of range: expected " + bound_text(lo) + " to " + bound_text(hi));
    return lo;  // the error stands; callers may cast the value, so keep it in range
  }
  return d;
}

// A relative precision: a share above 0 and at most 1, or a percentage ("5%").
double precision_of(Ctx& ctx, const YAML::Node& n, const std::string& what) {
  const std::string s = n.IsScalar() ? scalar(n) : std::string();
  const bool percent = !s.empty() && s.back() == '%';
  std::size_t used = 0;
  double d = 0;
  try {
    d = std::stod(percent ? s.substr(0, s.size() - 1) : s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (percent) d /= 100.0;
  if (!n.IsScalar() || used == 0 || used != s.size() - (percent ? 1 : 0) || !std::isfinite(d) || !(d > 0 && d <= 1)) {
    ctx.error(n, what + ": expected a relative precision above 0 and at most 1, as a share (0.05) or a percentage (5%), got '" +
                     excerpt(s) + "'");
    return 0.05;
  }
  return d;
}

// A whole number from lo to hi, exactly as written: a fraction is an error, not truncated.
std::int64_t integer_of(Ctx& ctx, const YAML::Node& n, const std::string& what, std::int64_t lo, std::int64_t hi) {
  const std::string s = scalar(n);
  std::int64_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!n.IsScalar() || s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || v < lo || v > hi) {
    ctx.error(n, what + ": expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" +
                     excerpt(s) + "'");
    return lo;
  }
  return v;
}

// A seed: any whole number from 0 to 2^64 - 1, exactly (no rounding through a double).
std::uint64_t seed_of(Ctx& ctx, const YAML::Node& n) {
  std::string err;
  const auto v = parse_seed(scalar(n), err);
  if (!n.IsScalar() || !err.empty()) ctx.error(n, "seed: " + (err.empty() ? std::string("expected a whole number") : err));
  return v.value_or(0);
}

// --- the items of list sections: their records beside their structs (model/params.hpp) -----

template <class T>
using ItemField = model::Key<T>;
const std::vector<ItemField<model::ManagerSpec>>& manager_fields() { return model::keys<model::ManagerSpec>(); }
const std::vector<ItemField<model::ConferenceParams>>& conference_fields() { return model::keys<model::ConferenceParams>(); }
const std::vector<ItemField<model::Shock>>& shock_fields() { return model::keys<model::Shock>(); }
const std::vector<ItemField<model::Regime>>& regime_fields() { return model::keys<model::Regime>(); }
const std::vector<ItemField<model::Order>>& order_fields() { return model::keys<model::Order>(); }

// Parses a list of maps through an item table; `extra` handles keys outside the table and
// returns false for unknown ones. Every problem is reported with its position.
template <class T, class Extra>
std::vector<T> parse_items(Ctx& ctx, const YAML::Node& n, const std::string& what,
                           const std::vector<ItemField<T>>& fields, const std::vector<std::string>& extra_keys,
                           Extra extra) {
  std::vector<T> out;
  if (!n.IsSequence()) {
    ctx.error(n.Mark(), what + ": expected a list");
    return out;
  }
  std::vector<std::string> known;
  for (const auto& f : fields) known.push_back(f.spec.name);
  known.insert(known.end(), extra_keys.begin(), extra_keys.end());
  for (const auto& node : n) {
    T t{};
    if (!node.IsMap()) {
      ctx.error(node.Mark(), what + ": each item must be a map of keys");
      continue;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      auto f = std::find_if(fields.begin(), fields.end(), [&](const auto& x) { return x.spec.name == key; });
      if (f != fields.end()) {
        std::string err;
        ParamValue v = to_value(it->second, f->spec, err);
        if (err.empty()) err = f->spec.check(v);
        if (!err.empty()) ctx.error(it->second, key + ": " + err);
        else f->set(t, v);
      } else if (!extra(t, key, it->second)) {
        ctx.key_error(it->first, unknown_name_message(what + " key", key, known));
      }
    }
    out.push_back(t);
  }
  return out;
}

template <class T>
bool no_extra(T&, const std::string&, const YAML::Node&) { return false; }

// Managers: the table plus the strategy, as a shorthand or as three components.
std::vector<model::ManagerSpec> parse_managers(Ctx& ctx, const YAML::Node& n, const std::string& what) {
  auto extra = [&](model::ManagerSpec& m, const std::string& k, const YAML::Node& v) {
    if (k == "time") m.time = component(ctx, v, model::time_allocations(), m.time.name);
    else if (k == "service") m.service = component(ctx, v, model::service_styles(), m.service.name);
    else if (k == "pressure") m.pressure = component(ctx, v, model::pressure_behaviours(), m.pressure.name);
    else if (k == "strategy") {
      // Shorthand "time/service/pressure", e.g. hunter/neglectful/urgent.
      std::vector<std::string> parts;
      std::stringstream ss(scalar(v));
      for (std::string part; std::getline(ss, part, '/');) parts.push_back(part);
      if (parts.size() != 3) {
        ctx.error(v.Mark(), "strategy: expected 'time/service/pressure', e.g. 'hunter/attentive/calm'");
        return true;
      }
      auto check = [&](const std::string& name, const auto& reg) {
        if (!reg.contains(name)) ctx.error(v.Mark(), unknown_name_message(reg.kind(), name, reg.names()));
      };
      check(parts[0], model::time_allocations());
      check(parts[1], model::service_styles());
      check(parts[2], model::pressure_behaviours());
      m.time.name = parts[0], m.service.name = parts[1], m.pressure.name = parts[2];
    } else {
      return false;
    }
    return true;
  };
  auto ms = parse_items(ctx, n, what, manager_fields(), {"strategy", "time", "service", "pressure"}, extra);
  for (std::size_t i = 0; i < ms.size() && i < n.size(); ++i)
    if (ms[i].name.empty()) ctx.error(n[i].Mark(), what + ": a manager needs a name");
  return ms;
}

template <class F>
void each(Ctx& ctx, const YAML::Node& n, const std::string& what, F f) {
  if (!n.IsSequence()) {
    ctx.error(n.Mark(), what + ": expected a list");
    return;
  }
  for (const auto& item : n) f(item);
}

void parse_market(Ctx& ctx, const YAML::Node& n, model::MarketParams& m) {
  static const std::vector<std::string> keys{"model", "regimes", "transition", "initial_regime", "shocks"};
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "model") m.model = component(ctx, v, model::market_models());
    else if (k == "initial_regime") m.initial_regime = integer_of(ctx, v, "market.initial_regime", 0, 100);
    else if (k == "regimes") {
      m.regimes = parse_items(ctx, v, "regimes", regime_fields(), {}, no_extra<model::Regime>);
    } else if (k == "transition") {
      std::vector<std::vector<double>> rows;
      each(ctx, v, "transition", [&](const YAML::Node& row) {
        std::vector<double> r;
        each(ctx, row, "transition row", [&](const YAML::Node& x) { r.push_back(number_of(ctx, x, "transition", 0, 1)); });
        if (!rows.empty() && r.size() != rows.front().size()) ctx.error(row.Mark(), "transition rows must have equal length");
        else if (std::abs(std::accumulate(r.begin(), r.end(), 0.0) - 1.0) > 1e-9)
          ctx.error(row.Mark(), "transition row must sum to 1");
        rows.push_back(r);
      });
      if (!rows.empty()) {
        m.transition.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.front().size()));
        for (std::size_t i = 0; i < rows.size(); ++i)
          for (std::size_t j = 0; j < rows[i].size() && j < rows.front().size(); ++j)
            m.transition(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
      }
    } else if (k == "shocks") {
      m.shocks = parse_items(ctx, v, "shocks", shock_fields(), {}, no_extra<model::Shock>);
    } else {
      unknown_key(ctx, it->first, "market.", keys);
    }
  }
}

// Sets a scalar field, or reports why not.
void set_field(Ctx& ctx, ModelParams& p, const Field& f, const YAML::Node& v) {
  std::string err;
  ParamValue val = to_value(v, f.spec, err);
  if (err.empty()) err = f.spec.check(val);
  if (!err.empty()) {
    ctx.error(v, f.path + ": " + err);
    return;
  }
  f.set(p, val);
}

// The entry of a map whose key reads `key`: (key node, value node), if there is one.
std::optional<std::pair<YAML::Node, YAML::Node>> entry(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return std::make_pair(it->first, it->second);
  return std::nullopt;
}

// `over` merged into `base`, maps key by key, anything else replaced. Keys are matched by
// their text and each appears once in the result (yaml-cpp looks a Node key up by identity,
// so inserting the override's key node beside the base's would keep both). Entries keep
// the key node of the file that set them, so messages point there.
// A map with a `name` is a component: switching to another one drops the old one's
// parameters instead of merging them in.
bool other_component(const YAML::Node& base, const YAML::Node& over) {
  const auto b = entry(base, "name"), o = entry(over, "name");
  return b && o && b->second.IsScalar() && o->second.IsScalar() && b->second.Scalar() != o->second.Scalar();
}

// The keys of a map whose values are components (a name and its parameters): only there does
// a different `name` mean a different component. Elsewhere (the file's own `name`, a manager's
// `name`) a name is a value like any other and maps merge key by key.
bool component_key(const std::string& key) {
  static const std::unordered_set<std::string> keys{"time", "service", "pressure", "promotion", "blame_rule", "generator", "model", "rule"};
  return keys.count(key) > 0;
}

// Linear in the size of both maps: keys are indexed by text once, and entries are appended
// without yaml-cpp's lookup by identity (which is linear per insert).
YAML::Node merge(Arena& arena, const YAML::Node& base, const YAML::Node& over, bool component = false) {
  if (!base.IsMap() || !over.IsMap() || (component && other_component(base, over))) return over;
  std::unordered_map<std::string, YAML::Node> over_keys, over_values;
  for (auto it = over.begin(); it != over.end(); ++it)
    if (it->first.IsScalar() && !over_keys.count(it->first.Scalar()))
      over_keys.emplace(it->first.Scalar(), it->first), over_values.emplace(it->first.Scalar(), it->second);
  std::unordered_set<std::string> base_keys;
  YAML::Node out = arena.make(YAML::NodeType::Map);
  for (auto it = base.begin(); it != base.end(); ++it) {
    const bool named = it->first.IsScalar();
    if (named) base_keys.insert(it->first.Scalar());
    const auto o = named ? over_keys.find(it->first.Scalar()) : over_keys.end();
    if (o != over_keys.end())
      out.force_insert(o->second, merge(arena, it->second, over_values.at(o->first), component_key(o->first)));
    else
      out.force_insert(it->first, it->second);
  }
  for (auto it = over.begin(); it != over.end(); ++it)
    if (!it->first.IsScalar() || !base_keys.count(it->first.Scalar())) out.force_insert(it->first, it->second);
  return out;
}

void parse_params(Ctx& ctx, const YAML::Node& root, ModelParams& p, Experiment& ex) {
  static const std::vector<std::string> sections{"name", "extends", "plugins", "experiment", "variants", "horizon", "record_accounts", "record_managers", "accounts", "service", "churn", "acquisition", "organisation", "supervision", "market", "network", "managers", "conferences", "orders"};
  const auto& fs = fields();
  static const std::unordered_map<std::string, const Field*> by_path = [] {
    std::unordered_map<std::string, const Field*> m;
    for (const auto& f : fields()) m.emplace(f.path, &f);
    return m;
  }();
  auto find = [&](const std::string& path) -> const Field* {
    const auto it = by_path.find(path);
    return it == by_path.end() ? nullptr : it->second;
  };
  if (!root.IsMap()) {
    ctx.error(root.Mark(), "a scenario file must be a map of sections");
    return;
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "name" || k == "extends" || k == "variants" || k == "plugins") continue;
    if ((k == "experiment" || k == "market" || k == "network") && !v.IsMap()) {
      // found by fuzzing: a list here was walked as a map
      ctx.error(v.Mark(), k + ": expected a map of keys");
      continue;
    }
    if (const Field* top = find(k)) {
      set_field(ctx, p, *top, v);
    } else if (k == "experiment") {
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        const std::string ek = jt->first.Scalar();
        if (ek == "replications") ex.replications = integer_of(ctx, jt->second, "experiment.replications", 1, 1000000);
        else if (ek == "seed") ex.seed = seed_of(ctx, jt->second);
        else if (ek == "precision") ex.precision = precision_of(ctx, jt->second, "experiment.precision");
        else if (ek == "horizon") set_field(ctx, p, *find("horizon"), jt->second);
        else if (ek == "outputs") {
          ex.outputs.clear();
          each(ctx, jt->second, "outputs", [&](const YAML::Node& o) {
            const std::string name = scalar(o);
            const auto& known = output_names();
            if (std::find(known.begin(), known.end(), name) == known.end())
              ctx.error(o.Mark(), unknown_name_message("output", name, known));
            ex.outputs.push_back(name);
          });
        } else unknown_key(ctx, jt->first, "experiment.", {"replications", "seed", "horizon", "precision", "outputs"});
      }
    } else if (k == "managers") {
      p.managers = parse_managers(ctx, v, "managers");
    } else if (k == "conferences") {
      p.conferences = parse_items(ctx, v, "conferences", conference_fields(), {}, no_extra<model::ConferenceParams>);
    } else if (k == "orders") {
      // `account` is an index or the word `largest` (resolved by the model: orders.hpp); `rule`
      // an order rule (kind rule).
      p.orders = parse_items(ctx, v, "orders", order_fields(), {"account", "rule"},
                             [&](model::Order& o, const std::string& key, const YAML::Node& val) {
                               if (key == "rule") {
                                 o.rule = component(ctx, val, model::order_rules());
                                 return true;
                               }
                               if (key != "account") return false;
                               if (scalar(val) == "largest") o.account = -1;
                               else o.account = integer_of(ctx, val, "orders: account", 0, 4000000000);
                               return true;
                             });
      for (std::size_t i = 0; i < p.orders.size() && i < v.size(); ++i)
        if (v[i].IsMap() && !entry(v[i], "kind")) ctx.error(v[i].Mark(), "orders: each order needs a kind (" +
                                                                           order_fields()[1].spec.expectation() + ")");
    } else if (k == "market") {
      parse_market(ctx, v, p.market);
    } else if (k == "network") {
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        if (jt->first.Scalar() == "generator") p.network.generator = component(ctx, jt->second, model::network_generators());
        else unknown_key(ctx, jt->first, "network.", {"generator"});
      }
    } else if (k == "organisation" || k == "accounts" || k == "service" || k == "churn" || k == "acquisition" || k == "supervision") {
      if (!v.IsMap()) {
        ctx.error(v.Mark(), k + ": expected a map of keys");
        continue;
      }
      std::vector<std::string> known;
      for (const auto& rec : fs)
        if (rec.path.rfind(k + ".", 0) == 0) known.push_back(rec.path);
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        const std::string sub = jt->first.Scalar();
        const std::string path = k + "." + sub;
        if (const Field* rec = find(path)) {
          set_field(ctx, p, *rec, jt->second);
        } else if (k == "organisation" && sub == "positions") {
          p.organisation.positions.clear();
          each(ctx, jt->second, "positions", [&](const YAML::Node& x) {
            p.organisation.positions.push_back(integer_of(ctx, x, "organisation.positions", 0, 10000000));
          });
        } else if (k == "organisation" && sub == "responsibility") {
          p.organisation.responsibility.clear();
          each(ctx, jt->second, "responsibility", [&](const YAML::Node& x) {
            p.organisation.responsibility.push_back(number_of(ctx, x, "responsibility", 0, 1e6));
          });
        } else if (k == "organisation" && sub == "promotion") {
          p.organisation.promotion = component(ctx, jt->second, model::promotion_policies());
        } else if (k == "organisation" && sub == "blame_rule") {
          p.organisation.blame = component(ctx, jt->second, model::blame_rules());
        } else if (k == "organisation" && sub == "hire") {
          YAML::Node one(YAML::NodeType::Sequence);
          if (jt->second.IsMap() && !entry(jt->second, "name")) {
            // The profile of outside hires: its name is only a label (hires are hire-1, hire-2...).
            YAML::Node named = merge(*ctx.arena, ctx.arena->make(YAML::NodeType::Map), jt->second);
            named["name"] = "hire";
            one.push_back(named);
          } else {
            one.push_back(jt->second);
          }
          auto hires = parse_managers(ctx, one, "organisation.hire");
          if (!hires.empty()) p.organisation.hire = hires.front();
        } else {
          auto all = known;
          if (k == "organisation") all.insert(all.end(), {"organisation.positions", "organisation.responsibility", "organisation.promotion", "organisation.blame_rule", "organisation.hire"});
          ctx.key_error(jt->first, unknown_name_message("key", path, all));
        }
      }
    } else {
      unknown_key(ctx, it->first, "", sections);
    }
  }
}

// Deep merge: maps merge key by key, anything else in `over` replaces `base`. Child nodes
// are shared, so their marks still point into the files they came from.

std::string header_comment(const std::string& text) {
  std::istringstream is(text);
  std::string line, out;
  while (std::getline(is, line)) {
    if (line.rfind("#", 0) != 0) break;
    std::string body = line.substr(1);
    if (!body.empty() && body[0] == ' ') body.erase(0, 1);
    out += body + "\n";
  }
  return out;
}

// Every map in the tree has each key once: YAML says a key is unique, and a second one would
// silently win (or lose, by where it is looked up). Keys must be plain text. Iterative, so a
// deeply nested file cannot exhaust the stack here.
void check_keys(Ctx& ctx, const YAML::Node& root) {
  std::vector<YAML::Node> todo{root};
  while (!todo.empty()) {
    const YAML::Node n = todo.back();
    todo.pop_back();
    if (n.IsSequence()) {
      for (const auto& item : n) todo.push_back(item);
    } else if (n.IsMap()) {
      std::unordered_map<std::string, YAML::Mark> first;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar()) {
          ctx.error(it->first.Mark(), "a key must be plain text, not a list or a map");
          continue;
        }
        const auto [at, fresh] = first.emplace(it->first.Scalar(), it->first.Mark());
        if (!fresh)
          ctx.error(it->first.Mark(), "duplicate key '" + excerpt(it->first.Scalar()) + "' (first at line " +
                                          std::to_string(at->second.line + 1) + "); each key may appear once in a map");
        todo.push_back(it->second);
      }
    }
  }
}

YAML::Mark mark_at(const std::string& text, std::size_t offset) {
  YAML::Mark m;
  m.pos = static_cast<int>(offset);
  m.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  const auto nl = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  m.column = static_cast<int>(nl == std::string::npos || offset == 0 ? offset : offset - nl - 1);
  return m;
}

// Where each document starts, and nothing else: to count documents without building them.
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& m) override { starts.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// One YAML document, with no NUL byte (yaml-cpp would stop reading there) and unique keys.
// Documents are counted by reading at most two: yaml-cpp's LoadAll never ends on some
// malformed input (a ',' at the start of a line yields empty documents without moving on,
// found by fuzzing), and Load alone would read such a file as an empty scenario.
YAML::Node parse_text(Ctx& ctx, const std::string& text) {
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    ctx.error(mark_at(text, nul), "a NUL byte: expected a text file (is this a binary file?)");
    return YAML::Node();
  }
  YAML::Node root;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    if (!parser.HandleNextDocument(starts)) return YAML::Node();  // no document: an empty file
    if (parser.HandleNextDocument(starts)) {
      const YAML::Mark& first = starts.starts.front();
      const YAML::Mark& second = starts.starts.back();
      if (second.pos == first.pos)
        ctx.error(second, "YAML syntax error: unexpected text here (a ',', ']' or '}' outside a flow list or map?)");
      else
        ctx.error(second, "a second YAML document: a scenario file holds one (remove the '---' or '...' line)");
      return YAML::Node();
    }
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    ctx.error(e.mark, "YAML syntax error: " + e.msg);
    return YAML::Node();
  }
  check_keys(ctx, root);
  return root;
}

std::string read_file(const std::string& path) { return read_regular_file(path, "scenario file", kMaxFileBytes); }

// The file's root merged over whatever it extends (recursively, with a cycle guard).
YAML::Node resolve(Ctx& ctx, const std::string& path, const std::string& text, std::vector<std::string>& chain) {
  Ctx local;
  local.file = path;
  local.arena = ctx.arena;
  YAML::Node root = parse_text(local, text);
  auto pass_on = [&] {
    for (auto& e : local.errors) ctx.add(e);
    ctx.more += local.more;
    local.errors.clear();
  };
  pass_on();
  if (!root || !root.IsMap()) return root;
  if (const auto ext = entry(root, "extends")) {
    namespace fs = std::filesystem;
    if (!ext->second.IsScalar() || ext->second.Scalar().empty()) {
      local.error(ext->second.Mark(), "extends: expected the path of a scenario file");
      pass_on();
      return root;
    }
    const fs::path parent = fs::path(path).parent_path() / ext->second.Scalar();
    const std::string pp = parent.lexically_normal().string();
    if (std::find(chain.begin(), chain.end(), pp) != chain.end()) {
      local.error(ext->second.Mark(), "extends: cycle through " + excerpt(pp, 200));
      pass_on();
      return root;
    }
    if (chain.size() > 16) {
      local.error(ext->second.Mark(), "extends: more than 16 files deep");
      pass_on();
      return root;
    }
    std::string base_text;
    try {
      base_text = read_file(pp);
    } catch (const Error& e) {
      std::string why = e.what();
      if (why.rfind(pp + ": ", 0) == 0) why.erase(0, pp.size() + 2);
      local.error(ext->second.Mark(), "extends: cannot open '" + excerpt(pp, 200) + "': " + why);
      pass_on();
      return root;
    }
    chain.push_back(pp);
    YAML::Node base = resolve(ctx, pp, base_text, chain);
    if (!base || !base.IsMap()) {
      local.error(ext->second.Mark(), "extends: '" + excerpt(pp, 200) + "' is not a scenario (expected a map of sections)");
      pass_on();
      return root;
    }
    {
      YAML::Node stripped = merge(*ctx.arena, ctx.arena->make(YAML::NodeType::Map), root);
      stripped.remove("extends");
      return merge(*ctx.arena, base, stripped);
    }
  }
  return root;
}

struct Setting {
  std::string text;  // as given: key.path=value
  std::vector<std::string> keys;
  YAML::Node value;
};

// "--set service.problem_rate=3 per year" sets a scalar record, checked against it before
// anything runs. Any other path reaches into the file's tree: a list item is picked by its
// index or its name ("managers.Darren.time.hunt_share=0.7"), a component given by name alone
// is expanded ("time: hunter" to "time: {name: hunter}"), and what results is validated like
// the rest of the file.
std::vector<Setting> parse_sets(const std::vector<std::string>& sets) {
  std::vector<std::string> errors;
  std::vector<Setting> out;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.push_back("--set " + s + ": expected key.path=value");
      continue;
    }
    const std::string path = s.substr(0, eq), value = s.substr(eq + 1);
    const std::string shown = "--set " + excerpt(s, 120);
    // The depth and length of a path are bounded, so the work an override asks for is too.
    const auto parts = static_cast<std::size_t>(std::count(path.begin(), path.end(), '.')) + 1;
    if (path.size() > kMaxSetKeyBytes || parts > kMaxSetParts) {
      errors.push_back(shown + ": the key path has " + std::to_string(parts) + " parts and " + std::to_string(path.size()) +
                       " bytes; at most " + std::to_string(kMaxSetParts) + " parts and " + std::to_string(kMaxSetKeyBytes) +
                       " bytes");
      continue;
    }
    Setting st;
    std::stringstream ss(path);
    for (std::string k; std::getline(ss, k, '.');) st.keys.push_back(k);
    if (std::any_of(st.keys.begin(), st.keys.end(), [](const std::string& k) { return k.empty(); }) || path.back() == '.') {
      errors.push_back(shown + ": expected key.path=value with no empty key");
      continue;
    }
    if (st.keys.front() == "extends" || st.keys.front() == "name") {
      errors.push_back(shown + ": '" + st.keys.front() + "' cannot be overridden (" +
                       (st.keys.front() == "extends" ? "write a file that extends the other one" : "give --out instead") + ")");
      continue;
    }
    if (st.keys.front() == "variants" && st.keys.size() < 3) {
      errors.push_back(shown + ": expected variants.<variant>.<key>=value");
      continue;
    }
    for (const auto& f : fields())
      if (f.path == path) {
        std::string err;
        ParamValue v = to_value(YAML::Node(value), f.spec, err);
        if (err.empty()) err = f.spec.check(v);
        if (!err.empty()) errors.push_back(shown + ": " + err);
      }
    st.text = s;
    if (!value.empty() && (value.front() == '[' || value.front() == '{')) {
      // A list or a map in YAML flow style: --set 'market.shocks=[{at: 24 months, severity: 0.5}]'
      try {
        st.value = YAML::Load(value);
      } catch (const YAML::Exception& e) {
        errors.push_back(shown + ": expected a YAML flow " + (value.front() == '[' ? "list" : "map") + ": " + e.msg);
        continue;
      }
    } else {
      st.value = YAML::Node(value);
    }
    out.push_back(st);
  }
  if (!errors.empty()) {
    std::string msg;
    for (std::size_t i = 0; i < errors.size() && i < kMaxErrors; ++i) msg += (msg.empty() ? "" : "\n") + errors[i];
    if (errors.size() > kMaxErrors) msg += "\n... and " + std::to_string(errors.size() - kMaxErrors) + " more problems";
    throw Error(msg);
  }
  return out;
}

// A copy of `node` with the value at keys[i..] replaced; shares untouched subtrees.
YAML::Node with_value(Arena& arena, const YAML::Node& node, const Setting& st, std::size_t i, std::string& err) {
  if (i == st.keys.size()) return st.value;
  const std::string& key = st.keys[i];
  if (node && node.IsSequence() && key == "*") {  // every item
    YAML::Node out = arena.make(YAML::NodeType::Sequence);
    for (std::size_t j = 0; j < node.size(); ++j) out.push_back(with_value(arena, node[j], st, i + 1, err));
    return out;
  }
  if (node && node.IsSequence()) {
    std::size_t pick = node.size();
    std::vector<std::string> names;
    for (std::size_t j = 0; j < node.size(); ++j) {
      const std::string name = node[j].IsMap() && node[j]["name"] ? scalar(node[j]["name"]) : std::to_string(j);
      names.push_back(name);
      if (name == key || std::to_string(j) == key) pick = pick < node.size() ? pick : j;
    }
    if (pick == node.size()) {
      err = "--set " + excerpt(st.text, 120) + ": " + unknown_name_message("item of " + st.keys[i - 1], key, names);
      return node;
    }
    YAML::Node out(YAML::NodeType::Sequence);
    for (std::size_t j = 0; j < node.size(); ++j) out.push_back(j == pick ? with_value(arena, node[j], st, i + 1, err) : node[j]);
    return out;
  }
  // A fresh map with the matching entries replaced. Entries are copied by their key nodes
  // (which keep their marks); a key is matched by its text, on every entry that has it.
  YAML::Node out = arena.make(YAML::NodeType::Map);
  bool found = false;
  if (node && node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->second.IsDefined()) continue;
      const bool match = it->first.IsScalar() && it->first.Scalar() == key;
      out.force_insert(it->first, match ? with_value(arena, it->second, st, i + 1, err) : it->second);
      found |= match;
    }
  } else if (node && node.IsScalar() && i > 0 && key != "name") {
    out["name"] = node;  // a component given by name alone
  }
  if (!found) out[key] = with_value(arena, YAML::Node(), st, i + 1, err);
  return out;
}

// `variant` names the variant the overrides are applied to (empty: the scenario itself), so a
// path that holds in the base but not in a variant says where it failed.
void apply_sets(Ctx& ctx, YAML::Node& root, const std::vector<Setting>& sets, const std::string& variant = {}) {
  for (const auto& st : sets) {
    std::string err;
    YAML::Node changed = with_value(*ctx.arena, root, st, 0, err);
    if (!err.empty())
      ctx.add(variant.empty() ? err
                              : "in variant '" + excerpt(variant) + "': " + err +
                                    " (a --set applies to the scenario and to every variant)");
    else root = changed;
    ctx.overrides.emplace_back(st.value, st.text);
  }
}

// A scenario's or a variant's name becomes a folder or file name (results/<name>,
// <name>.snap): plain letters, digits, '_', '-', '.' and spaces, not starting with a dot,
// at most kMaxNameBytes bytes. A variant may not be called "base" (the scenario itself).
std::string name_problem(const std::string& name, bool variant) {
  const std::string what = variant ? "variant name" : "scenario name";
  if (name.empty()) return what + ": expected a name, got an empty one";
  if (name.size() > kMaxNameBytes)
    return what + " '" + excerpt(name, 40) + "': at most " + std::to_string(kMaxNameBytes) + " bytes";
  if (name.front() == '.' || name.front() == '-' || name.front() == ' ' || name.back() == ' ' ||
      !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ' ';
      }))
    return what + " '" + excerpt(name) + "': expected letters, digits, '_', '-', '.' or spaces, not starting with '.', '-' or a space "
           "(it names files and folders)";
  if (variant && name == "base") return "variant name 'base': taken by the scenario itself; choose another name";
  return {};
}

// The node a model check's key path ("orders.1.manager", "managers.Darren.level") names in
// `root`, or the nearest one above it that exists.
YAML::Node node_at(const YAML::Node& root, const std::string& path) {
  YAML::Node n = root;
  std::stringstream ss(path);
  for (std::string k; std::getline(ss, k, '.');) {
    std::optional<YAML::Node> next;
    if (n.IsMap()) {
      if (const auto e = entry(n, k)) next = e->second;
    } else if (n.IsSequence()) {
      std::size_t j = 0;
      for (auto it = n.begin(); it != n.end() && !next; ++it, ++j) {
        const YAML::Node item = *it;
        if (std::to_string(j) == k || (item.IsMap() && entry(item, "name") && scalar(entry(item, "name")->second) == k))
          next = item;
      }
    }
    if (!next) break;
    n.reset(*next);  // rebinds n; `n = *next` would overwrite the node n refers to, in the tree
  }
  return n;
}

// Events that can never happen: scheduled at or after the horizon.
void warn_beyond_horizon(const std::string& file, const YAML::Node& root, const model::ModelParams& p,
                         const std::string& which, std::vector<std::string>& warnings) {
  auto warn = [&](const std::string& path, double day, const std::string& what) {
    if (day < p.horizon_days) return;
    const YAML::Mark m = node_at(root, path).Mark();  // null for an override's node: the file is named
    const std::string at = m.is_null() ? file : file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    warnings.push_back(at + ": warning: " + which + what + " at day " + bound_text(day) + " is at or after the horizon (day " +
                       bound_text(p.horizon_days) + "): it never happens");
  };
  for (std::size_t i = 0; i < p.market.shocks.size(); ++i)
    warn("market.shocks." + std::to_string(i) + ".at", p.market.shocks[i].start, "shock " + std::to_string(i));
  for (std::size_t i = 0; i < p.orders.size(); ++i)
    warn("orders." + std::to_string(i) + ".at", p.orders[i].at, "order " + std::to_string(i) + " (" + std::string(model::name_of(p.orders[i].kind)) + ")");
  for (std::size_t i = 0; i < p.conferences.size(); ++i)
    warn("conferences." + std::to_string(i) + ".at", p.conferences[i].start, "conference " + std::to_string(i));
}

// `plugins:` is a list of Python files (relative to the scenario's folder) or module names.
std::vector<std::string> plugin_list(Ctx& ctx, const YAML::Node& v, const std::string& path) {
  std::vector<std::string> out;
  if (!v.IsSequence()) {
    ctx.error(v.Mark(), "plugins: expected a list of Python files (.py, relative to this file) or module names");
    return out;
  }
  for (const auto& item : v) {
    const std::string name = item.IsScalar() ? item.Scalar() : std::string();
    if (name.empty()) {
      ctx.error(item.Mark(), "plugins: expected a Python file (.py) or a module name");
      continue;
    }
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0) {
      std::filesystem::path f(name);
      if (f.is_relative()) f = std::filesystem::path(path).parent_path() / f;
      out.push_back(std::filesystem::absolute(f).lexically_normal().string());
    } else {
      out.push_back(name);
    }
  }
  return out;
}

Scenario load_text(const std::string& text, const std::string& path, const std::vector<std::string>& sets) {
  Ctx ctx;
  ctx.file = path;
  std::vector<std::string> chain{path};
  const std::vector<Setting> settings = parse_sets(sets);
  YAML::Node root = resolve(ctx, path, text, chain);
  if (root && root.IsMap() && !settings.empty()) {
    // An override of a variant must name one that exists.
    const auto vs = entry(root, "variants");
    for (const auto& st : settings) {
      if (st.keys.front() != "variants") continue;
      std::vector<std::string> names;
      bool found = false;
      if (vs && vs->second.IsMap())
        for (auto it = vs->second.begin(); it != vs->second.end(); ++it)
          names.push_back(scalar(it->first)), found |= scalar(it->first) == st.keys[1];
      if (!found) ctx.add("--set " + excerpt(st.text, 120) + ": " + unknown_name_message("variant", st.keys[1], names));
    }
    apply_sets(ctx, root, settings);
  }
  Scenario sc;
  sc.path = path;
  sc.story = header_comment(text);
  // The lines write_run puts above an effective scenario (who wrote it from what, its hash) are
  // not its story: a results folder's scenario.effective.yaml run again writes the same file.
  if (sc.story.rfind("effective scenario written by tenure ", 0) == 0) {
    std::size_t cut = sc.story.find('\n');
    if (cut != std::string::npos && sc.story.compare(cut + 1, 5, "hash ") == 0) cut = sc.story.find('\n', cut + 1);
    sc.story = cut == std::string::npos ? std::string() : sc.story.substr(cut + 1);
  }
  std::vector<YAML::Node> trees;  // the tree each variant was read from, to place the model's checks
  if (ctx.errors.empty() && root && root.IsMap()) {
    const auto name = entry(root, "name");
    sc.name = name ? scalar(name->second) : std::filesystem::path(path).stem().string();
    if (const std::string problem = name_problem(sc.name, false); !problem.empty())
      ctx.error(name ? name->second.Mark() : root.Mark(), problem + (name ? "" : " (from the file name; add a 'name:' key)"));
    parse_params(ctx, root, sc.base, sc.experiment);
    if (const auto plugins = entry(root, "plugins")) sc.plugins = plugin_list(ctx, plugins->second, path);
    if (const auto variants = entry(root, "variants")) {
      const YAML::Node vs = variants->second;
      YAML::Node shared = merge(*ctx.arena, ctx.arena->make(YAML::NodeType::Map), root);  // the base without its variants:
      shared.remove("variants");                                          // each variant merges in linear time
      if (!vs.IsMap()) ctx.error(vs.Mark(), "variants: expected a map of name: overrides");
      else
        for (auto it = vs.begin(); it != vs.end(); ++it) {
          const std::string vname = scalar(it->first);
          if (const std::string problem = name_problem(vname, true); !problem.empty()) ctx.error(it->first.Mark(), problem);
          const YAML::Node over = it->second;
          if (!over.IsMap() && !(over.IsNull())) {
            ctx.error(over.Mark(), "variant '" + excerpt(vname) + "': expected a map of the keys it changes");
            continue;
          }
          bool usable = true;
          if (over.IsMap())
            for (auto jt = over.begin(); jt != over.end(); ++jt) {
              const std::string k = scalar(jt->first);
              if (k == "name" || k == "extends" || k == "variants" || k == "plugins") {
                ctx.error(jt->first.Mark(), "variant '" + excerpt(vname) + "': '" + k + "' belongs to the file, not to a variant" +
                                                (k == "name" ? " (the variant's name is its key)" : ""));
                usable = false;
              } else if (k == "experiment" && jt->second.IsMap()) {
                for (auto kt = jt->second.begin(); kt != jt->second.end(); ++kt)
                  if (scalar(kt->first) != "horizon") {
                    ctx.error(kt->first.Mark(), "variant '" + excerpt(vname) + "': experiment." + excerpt(scalar(kt->first)) +
                                                    " is shared by every variant (so they stay comparable); set it at the top "
                                                    "of the file or on the command line");
                    usable = false;
                  }
              }
            }
          if (!usable) continue;
          YAML::Node merged = over.IsMap() ? merge(*ctx.arena, shared, over) : shared;
          apply_sets(ctx, merged, settings, vname);  // --set wins over the variant too
          model::ModelParams vp;
          Experiment ignored;
          parse_params(ctx, merged, vp, ignored);
          sc.variants.emplace_back(vname, vp);
          trees.push_back(merged);
        }
    }
    if (ctx.errors.empty()) {
      // The model's own checks start with the key path they concern ("orders.1.manager: ...");
      // each is placed at that key, or the nearest one above it that the file has.
      auto check = [&](const model::ModelParams& p, const YAML::Node& tree, const std::string& which) {
        try {
          model::validate(p);
        } catch (const Error& e) {
          std::istringstream lines(e.what());
          std::string line;
          std::getline(lines, line);  // "invalid model parameters:"
          while (std::getline(lines, line)) {
            line.erase(0, line.find_first_not_of(' '));
            const auto colon = line.find(": ");
            const std::string key = colon == std::string::npos ? "" : line.substr(0, colon);
            const bool is_path = !key.empty() && key.find(' ') == std::string::npos;
            // A node an override made has no place in the file: the override is named instead.
            ctx.error(is_path ? node_at(tree, key) : tree, which + line);
          }
        }
        warn_beyond_horizon(path, tree, p, which, sc.warnings);
      };
      check(sc.base, root, "");
      for (std::size_t v = 0; v < sc.variants.size(); ++v)
        check(sc.variants[v].second, trees[v], "variant '" + sc.variants[v].first + "': ");
    }
  } else if (ctx.errors.empty()) {
    ctx.add(path + ":1:1: a scenario file must be a map of sections");
  }
  if (!ctx.errors.empty()) throw Error(ctx.message());
  return sc;
}

}  // namespace

// --- emitting the effective scenario ------------------------------------------------------

namespace {

std::string value_text(const ParamSpec& spec, const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  const double x = std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  std::string num(buf, res.ptr);
  if (spec.type == ParamType::Integer) return std::to_string(std::get<std::int64_t>(v));
  if (spec.type == ParamType::Duration) return num + " days";
  if (spec.type == ParamType::Rate) return num + " per day";
  return num;
}

void emit_value(YAML::Emitter& e, const ParamSpec& spec, const ParamValue& v) {
  const std::string t = value_text(spec, v);
  if (std::holds_alternative<std::string>(v)) e << YAML::DoubleQuoted << t;
  else e << t;
}

template <class Reg>
void emit_component(YAML::Emitter& e, const model::Component& c, const Reg& reg) {
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name;
  for (const auto& spec : reg.at(c.name).params) {
    auto it = c.params.find(spec.name);
    e << YAML::Key << spec.name << YAML::Value;
    emit_value(e, spec, it != c.params.end() ? it->second : spec.default_value);
  }
  e << YAML::EndMap;
}

template <class T>
void emit_item(YAML::Emitter& e, const T& t, const std::vector<ItemField<T>>& fields) {
  for (const auto& f : fields) {
    e << YAML::Key << f.spec.name << YAML::Value;
    emit_value(e, f.spec, f.get(t));
  }
}

void emit_manager(YAML::Emitter& e, const model::ManagerSpec& m) {
  e << YAML::BeginMap;
  emit_item(e, m, manager_fields());
  e << YAML::Key << "time" << YAML::Value;
  emit_component(e, m.time, model::time_allocations());
  e << YAML::Key << "service" << YAML::Value;
  emit_component(e, m.service, model::service_styles());
  e << YAML::Key << "pressure" << YAML::Value;
  emit_component(e, m.pressure, model::pressure_behaviours());
  e << YAML::EndMap;
}

template <class T>
void emit_list(YAML::Emitter& e, const char* key, const std::vector<T>& items, const std::vector<ItemField<T>>& fields) {
  e << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& t : items) {
    e << YAML::Flow << YAML::BeginMap;
    emit_item(e, t, fields);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

// Every parameter of one ModelParams, defaults included, as the sections of a scenario file.
void emit_params(YAML::Emitter& e, const model::ModelParams& p) {
  // Scalar records, grouped by section in the order they are declared; the organisation's
  // lists and components follow its last scalar.
  const Field* last_organisation_field = nullptr;
  for (const auto& f : fields())
    if (f.path.rfind("organisation.", 0) == 0) last_organisation_field = &f;
  std::string section;
  for (const auto& f : fields()) {
    const auto dot = f.path.find('.');
    const std::string sec = dot == std::string::npos ? "" : f.path.substr(0, dot);
    const std::string key = dot == std::string::npos ? f.path : f.path.substr(dot + 1);
    if (sec != section) {
      if (!section.empty()) e << YAML::EndMap;
      if (!sec.empty()) e << YAML::Key << sec << YAML::Value << YAML::BeginMap;
      section = sec;
    }
    e << YAML::Key << key << YAML::Value;
    emit_value(e, f.spec, f.get(p));
    if (sec == "organisation" && &f == last_organisation_field) {
      e << YAML::Key << "positions" << YAML::Value << YAML::Flow << p.organisation.positions;
      std::vector<std::string> resp;
      for (double r : p.organisation.responsibility) resp.push_back(value_text(ParamSpec{}, r));
      e << YAML::Key << "responsibility" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& r : resp) e << r;
      e << YAML::EndSeq;
      e << YAML::Key << "promotion" << YAML::Value;
      emit_component(e, p.organisation.promotion, model::promotion_policies());
      e << YAML::Key << "blame_rule" << YAML::Value;
      emit_component(e, p.organisation.blame, model::blame_rules());
      e << YAML::Key << "hire" << YAML::Value;
      emit_manager(e, p.organisation.hire);
    }
    if (sec == "market" && key == "initial_regime") {
      e << YAML::Key << "model" << YAML::Value;
      emit_component(e, p.market.model, model::market_models());
      emit_list(e, "regimes", p.market.regimes, regime_fields());
      e << YAML::Key << "transition" << YAML::Value << YAML::BeginSeq;
      for (Eigen::Index i = 0; i < p.market.transition.rows(); ++i) {
        e << YAML::Flow << YAML::BeginSeq;
        for (Eigen::Index j = 0; j < p.market.transition.cols(); ++j)
          e << value_text(ParamSpec{}, p.market.transition(i, j));
        e << YAML::EndSeq;
      }
      e << YAML::EndSeq;
      emit_list(e, "shocks", p.market.shocks, shock_fields());
    }
  }
  if (!section.empty()) e << YAML::EndMap;
  e << YAML::Key << "network" << YAML::Value << YAML::BeginMap << YAML::Key << "generator" << YAML::Value;
  emit_component(e, p.network.generator, model::network_generators());
  e << YAML::EndMap;
  e << YAML::Key << "managers" << YAML::Value << YAML::BeginSeq;
  for (const auto& m : p.managers) emit_manager(e, m);
  e << YAML::EndSeq;
  emit_list(e, "conferences", p.conferences, conference_fields());
  e << YAML::Key << "orders" << YAML::Value << YAML::BeginSeq;
  for (const auto& o : p.orders) {
    e << YAML::Flow << YAML::BeginMap;
    emit_item(e, o, order_fields());
    e << YAML::Key << "account" << YAML::Value;
    if (o.account < 0) e << "largest";
    else e << o.account;
    if (o.kind == model::OrderKind::Rule) {
      e << YAML::Key << "rule" << YAML::Value;
      emit_component(e, o.rule, model::order_rules());
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

// The effective parameters as a tree, from their emitted text (so scalars keep that text).
YAML::Node params_node(const model::ModelParams& p) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  emit_params(e, p);
  e << YAML::EndMap;
  return YAML::Load(e.c_str());
}

// What `over` changes in `base`: its entries that differ, maps compared key by key.
YAML::Node difference(const YAML::Node& base, const YAML::Node& over) {
  YAML::Node out(YAML::NodeType::Map);
  for (auto it = over.begin(); it != over.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node b = base[key];
    if (b && b.IsMap() && it->second.IsMap() && !(component_key(key) && other_component(b, it->second))) {
      const YAML::Node sub = difference(b, it->second);
      if (sub.size() > 0) out[key] = sub;
    } else if (!b || YAML::Dump(b) != YAML::Dump(it->second)) {
      out[key] = it->second;
    }
  }
  return out;
}

}  // namespace

std::string effective_yaml(const Scenario& sc) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << sc.name;
  e << YAML::Key << "experiment" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "replications" << YAML::Value << sc.experiment.replications;
  e << YAML::Key << "seed" << YAML::Value << sc.experiment.seed;
  {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, sc.experiment.precision);
    e << YAML::Key << "precision" << YAML::Value << std::string(buf, res.ptr);
  }
  e << YAML::Key << "outputs" << YAML::Value << YAML::Flow << sc.experiment.outputs;
  e << YAML::EndMap;
  if (!sc.plugins.empty()) e << YAML::Key << "plugins" << YAML::Value << sc.plugins;
  emit_params(e, sc.base);
  if (!sc.variants.empty()) {
    // Each variant as what it changes: the keys whose effective values differ from the
    // base's (whole lists where a list differs). Loading merges them over the base again.
    const YAML::Node base = params_node(sc.base);
    e << YAML::Key << "variants" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, vp] : sc.variants) {
      const YAML::Node changes = difference(base, params_node(vp));
      e << YAML::Key << name << YAML::Value;
      if (changes.size() == 0) e << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      else e << changes;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  if (!e.good()) throw Error("cannot write the effective scenario: " + e.GetLastError());
  std::string story;
  std::istringstream is(sc.story);
  for (std::string line; std::getline(is, line);) story += "# " + line + "\n";
  return story + std::string(e.c_str()) + "\n";
}

// --- JSON Schema and the reference, from the records ----------------------------------------

namespace {

using Json = nlohmann::ordered_json;

const char* kDurationPattern = "^[-+0-9.eE]+ *(day|days|week|weeks|month|months|quarter|quarters|year|years)$";
const char* kRatePattern = "^[-+0-9.eE]+ *per *(day|week|month|quarter|year)$";

Json spec_schema(const ParamSpec& s) {
  Json o{{"description", s.description + (s.unit.empty() ? "" : " [" + s.unit + "]")}};
  auto bounds = [&] {
    if (s.min) o["minimum"] = *s.min;
    if (s.max) o["maximum"] = *s.max;
  };
  switch (s.type) {
    case ParamType::Real:
    case ParamType::Probability: o["type"] = "number", bounds(); break;
    case ParamType::Integer: o["type"] = "integer", bounds(); break;
    case ParamType::Boolean: o["type"] = "boolean"; break;
    case ParamType::Text: o["type"] = "string"; break;
    case ParamType::Choice: o["enum"] = s.choices; break;
    case ParamType::Duration: o["type"] = "string", o["pattern"] = kDurationPattern; break;
    case ParamType::Rate: o["type"] = "string", o["pattern"] = kRatePattern; break;
  }
  return o;
}

template <class Reg>
Json component_schema(const Reg& reg) {
  std::vector<std::string> names;
  std::map<std::string, const ParamSpec*> params;
  for (const auto* e : reg.entries()) {
    names.push_back(e->name);
    for (const auto& p : e->params) params.emplace(p.name, &p);
  }
  if (names.empty())  // none built in (order rules): the ones plugins register
    return {{"description", "a " + reg.kind() + " registered by a plugin: a name, or a map with name and parameters"},
            {"anyOf", Json::array({Json{{"type", "string"}}, Json{{"type", "object"}, {"required", {"name"}}}})}};
  Json props{{"name", {{"enum", names}}}};
  for (const auto& [n, p] : params) props[n] = spec_schema(*p);
  return {{"description", "a " + reg.kind() + ": a name, or a map with name and parameters"},
          {"anyOf", Json::array({Json{{"enum", names}},
                                 Json{{"type", "object"}, {"required", {"name"}}, {"additionalProperties", false},
                                      {"properties", props}}})}};
}

template <class T>
Json items_schema(const std::vector<ItemField<T>>& fields, Json extra = Json::object()) {
  Json props = Json::object();
  for (const auto& f : fields) props[f.spec.name] = spec_schema(f.spec);
  for (auto& [k, v] : extra.items()) props[k] = v;
  return {{"type", "array"}, {"items", {{"type", "object"}, {"additionalProperties", false}, {"properties", props}}}};
}

Json manager_item_schema() {
  Json props = Json::object();
  for (const auto& f : manager_fields()) props[f.spec.name] = spec_schema(f.spec);
  props["strategy"] = {{"type", "string"}, {"pattern", "^[a-z_]+/[a-z_]+/[a-z_]+$"}, {"description", "time/service/pressure"}};
  props["time"] = component_schema(model::time_allocations());
  props["service"] = component_schema(model::service_styles());
  props["pressure"] = component_schema(model::pressure_behaviours());
  return {{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
}

// The sections of a scenario (without `variants`, which repeats them).
Json sections_schema() {
  Json o{{"name", {{"type", "string"}}},
         {"extends", {{"type", "string"}, {"description", "a scenario file this one overrides"}}},
         {"experiment",
          {{"type", "object"},
           {"additionalProperties", false},
           {"properties",
            {{"replications", {{"type", "integer"}, {"minimum", 1}}},
             {"seed", {{"type", "integer"}, {"minimum", 0}}},
             {"precision", {{"oneOf", Json::array({Json{{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}},
                                                   Json{{"type", "string"}, {"pattern", "^[0-9.]+%$"}}})}}},
             {"horizon", {{"type", "string"}, {"pattern", kDurationPattern}}},
             {"outputs", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}};
  std::map<std::string, Json> sections;  // section -> properties
  for (const auto& f : fields()) {
    const auto dot = f.path.find('.');
    if (dot == std::string::npos) {
      o[f.path] = spec_schema(f.spec);
      continue;
    }
    auto& props = sections[f.path.substr(0, dot)];
    if (props.is_null()) props = Json::object();
    props[f.path.substr(dot + 1)] = spec_schema(f.spec);
  }
  auto& org = sections["organisation"];
  org["positions"] = {{"type", "array"}, {"items", {{"type", "integer"}, {"minimum", 0}}}};
  org["responsibility"] = {{"type", "array"}, {"items", {{"type", "number"}, {"minimum", 0}}}};
  org["promotion"] = component_schema(model::promotion_policies());
  org["blame_rule"] = component_schema(model::blame_rules());
  org["hire"] = manager_item_schema();
  auto& market = sections["market"];
  market["model"] = component_schema(model::market_models());
  market["regimes"] = items_schema(regime_fields());
  market["transition"] = {{"type", "array"},
                          {"items", {{"type", "array"}, {"items", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}}};
  market["shocks"] = items_schema(shock_fields());
  sections["network"] = Json{{"generator", component_schema(model::network_generators())}};
  for (const auto& [name, props] : sections)
    o[name] = {{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
  o["managers"] = {{"type", "array"}, {"items", manager_item_schema()}};
  o["conferences"] = items_schema(conference_fields());
  o["orders"] = items_schema(
      order_fields(),
      Json{{"account", {{"anyOf", Json::array({Json{{"const", "largest"}}, Json{{"type", "integer"}, {"minimum", 0}}})}}},
           {"rule", component_schema(model::order_rules())}});
  return o;
}

template <class T>
void markdown_items(std::ostringstream& md, const std::string& title, const std::vector<ItemField<T>>& fields) {
  md << "\n### " << title << "\n\n| key | expects | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : fields)
    md << "| `" << f.spec.name << "` | " << f.spec.expectation() << " | " << value_text(f.spec, f.spec.default_value)
       << " | " << f.spec.description << " |\n";
}

template <class Reg>
void markdown_registry(std::ostringstream& md, const Reg& reg) {
  md << "\n### " << reg.kind() << "\n\n";
  if (reg.entries().empty()) md << "None built in: plugins register their own (docs/extending.md).\n";
  for (const auto* e : reg.entries()) {
    md << "- `" << e->name << "`: " << e->description << "\n";
    for (const auto& p : e->params)
      md << "  - `" << p.name << "`: " << p.expectation() << ", default " << value_text(p, p.default_value) << ": "
         << p.description << "\n";
  }
}

}  // namespace

std::string json_schema() {
  const Json sections = sections_schema();
  Json properties = sections;
  properties["plugins"] = {{"type", "array"},
                           {"items", {{"type", "string"}}},
                           {"description", "Python files (relative to the scenario) or modules that register strategies and rules"}};
  properties["variants"] = {{"type", "object"},
                            {"description", "named overrides of the base scenario"},
                            {"additionalProperties", {{"type", "object"}, {"additionalProperties", false}, {"properties", sections}}}};
  const Json schema{{"$schema", "http://json-schema.org/draft-07/schema#"},
                    {"title", "tenure scenario"},
                    {"type", "object"},
                    {"additionalProperties", false},
                    {"properties", properties}};
  return schema.dump(2) + "\n";
}

std::string reference_markdown() {
  std::ostringstream md;
  md << "# Scenario file reference\n\n"
        "Generated by `tenure schema --markdown` from the same typed records that validate scenario\n"
        "files (do not edit by hand; `tests/cli/test_cli.sh` checks that it is current). The format,\n"
        "with examples, is explained in `docs/scenario-format.md`.\n\n"
        "Durations take a unit (`18 months`, `3 days`, `2 years`; days, weeks, months, quarters, years);\n"
        "rates take `per` and a unit (`0.2 per year`). A month is 365.25/12 days.\n\n"
        "## Scalar keys\n\n| key | expects | default | meaning |\n|---|---|---|---|\n";
  static const model::ModelParams defaults;
  for (const auto& f : fields())
    md << "| `" << f.path << "` | " << f.spec.expectation() << " | " << value_text(f.spec, f.get(defaults)) << " | "
       << f.spec.description << (f.spec.unit.empty() ? "" : " (" + f.spec.unit + ")") << " |\n";
  md << "\nAlso: `organisation.positions` (positions per level, bottom first), `organisation.responsibility`\n"
        "(weight of each level in effectiveness), `organisation.promotion` (a promotion policy),\n"
        "`organisation.blame_rule` (a blame rule), `organisation.hire` (a manager entry: the profile of outside hires), `market.model`,\n"
        "`market.regimes`, `market.transition` (rows sum to 1, per month), `market.shocks`,\n"
        "`network.generator`, `experiment` (`replications`, `seed`, `horizon`, `outputs`), `variants`\n"
        "(named overrides of any of the above), `extends` (a file this one overrides) and `plugins` (Python\n"
        "files, relative to the scenario, or module names, that register the strategies and rules it names:\n"
        "docs/extending.md).\n\n## List items\n";
  markdown_items(md, "managers (and organisation.hire): also `strategy: time/service/pressure`, or `time:`, `service:`, `pressure:` components", manager_fields());
  markdown_items(md, "conferences", conference_fields());
  markdown_items(md, "orders: also `account` (an index, or `largest`) and, for kind `rule`, `rule` (an order rule)", order_fields());
  markdown_items(md, "market.shocks", shock_fields());
  markdown_items(md, "market.regimes", regime_fields());
  md << "\n## Registered components\n";
  markdown_registry(md, model::time_allocations());
  markdown_registry(md, model::service_styles());
  markdown_registry(md, model::pressure_behaviours());
  markdown_registry(md, model::promotion_policies());
  markdown_registry(md, model::blame_rules());
  markdown_registry(md, model::order_rules());
  markdown_registry(md, model::network_generators());
  markdown_registry(md, model::market_models());
  return md.str();
}

std::string content_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Scenario load(const std::string& path, const std::vector<std::string>& sets) {
  return load_text(read_file(path), path, sets);
}
std::vector<std::string> plugins_of(const std::string& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["plugins"]) return {};
    Ctx ctx;
    ctx.file = path;
    auto out = plugin_list(ctx, root["plugins"], path);
    return ctx.errors.empty() ? out : std::vector<std::string>{};
  } catch (const std::exception&) {
    return {};
  }
}
Scenario load_string(const std::string& yaml, const std::string& name, const std::vector<std::string>& sets) {
  return load_text(yaml, name, sets);
}

}  // namespace tenure::scenario
