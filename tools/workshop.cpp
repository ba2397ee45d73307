// The workshop server: Boost.Beast over Asio, many connections at once on a few I/O threads,
// each request under a deadline; simulations run in a pool of their own, bounded in the work a
// query may ask for and stopped at a deadline. GET and HEAD for the pages and their JSON; POST
// (JSON bodies) only for the room's actions; only for this machine's Host and Origin. The room
// pushes its state to every browser as server-sent events. JSON is written with nlohmann-json.
#include "workshop.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <variant>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "tenure/core/error.hpp"
#include "tenure/core/time.hpp"
#include "tenure/model/components.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/output.hpp"
#include "tenure/scenario/experiment.hpp"
#include "qr.hpp"
#include "room.hpp"
#include "workshop_page.hpp"

namespace tenure::workshop {

namespace {

using Json = nlohmann::ordered_json;

// JSON text: invalid UTF-8 in a name or a message is replaced, never sent as invalid JSON.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string url_decode(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') o += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      o += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::stringstream ss(q);
  for (std::string kv; std::getline(ss, kv, '&');) {
    if (kv.empty()) continue;
    const auto eq = kv.find('=');
    out[url_decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// The scenarios the page offers: the bundled stories, and the file given on the command line.
std::vector<std::pair<std::string, std::string>> scenario_files(const Options& o) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> paths;
  std::error_code ec;
  if (!o.scenario_dir.empty())
    for (const auto& e : std::filesystem::directory_iterator(o.scenario_dir, ec))
      if (e.path().extension() == ".yaml") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  if (!o.file.empty()) paths.insert(paths.begin(), o.file);
  for (const auto& p : paths) {
    const std::string stem = std::filesystem::path(p).stem().string();
    if (std::none_of(out.begin(), out.end(), [&](const auto& x) { return x.first == stem; })) out.emplace_back(stem, p);
  }
  return out;
}

std::string scenarios_json(const Options& o) {
  Json j{{"replications", o.replications}, {"scenarios", Json::array()}};
  for (const auto& [name, path] : scenario_files(o)) {
    try {
      const auto sc = scenario::load(path);
      Json variants = Json::array({"base"});
      for (const auto& v : sc.variants) variants.push_back(v.first);
      j["scenarios"].push_back({{"name", name}, {"story", sc.story}, {"variants", variants}});
    } catch (const Error&) {
      // a broken file is left out of the list; opening it by name reports the problem
    }
  }
  j["promotion_policies"] = model::promotion_policies().names();
  return dump(j);
}

constexpr double kMonth = calendar::kDaysPerMonth;

// What the levers start at: the scenario's values for one variant (team-wide and per manager).
Json levers_json(const model::ModelParams& p) {
  Json managers = Json::array();
  for (const auto& m : p.managers) {
    const double hunt = hunt_share_of(m);
    const double answer = answer_probability_of(m);
    managers.push_back({{"name", m.name}, {"count", m.count}, {"time", m.time.name}, {"service", m.service.name},
                        {"pressure", m.pressure.name},
                        {"hunt_share", std::isnan(hunt) ? Json() : Json(hunt)},
                        {"answer_probability", std::isnan(answer) ? Json() : Json(answer)}});
  }
  Json shock;
  if (!p.market.shocks.empty())
    shock = {{"month", p.market.shocks.front().start / kMonth}, {"severity", p.market.shocks.front().severity}};
  return {{"support_staff", p.service.support_staff}, {"supervision", p.supervision.enabled},
          {"promotion", p.organisation.promotion.name}, {"shock", shock},
          {"horizon_months", p.horizon_days / kMonth}, {"managers", managers}};
}

struct Pane {
  scenario::RunSet rs;
};

// The monthly columns the page charts (their labels and units come with them, from the
// declarations in output/columns.hpp).
const std::vector<const char*>& series_names() {
  static const std::vector<const char*> n{"active_accounts", "value", "mean_satisfaction", "new_business", "churned_value"};
  return n;
}

// What the page shows for each series and metric: the declarations' labels and units.
Json labels_json() {
  Json j = Json::object();
  for (const char* name : series_names()) {
    const auto& c = output::month_column(name);
    j[name] = {{"label", c.label}, {"unit", c.unit}};
  }
  for (const auto& m : output::metrics()) j[m.name] = {{"label", m.label}, {"unit", m.unit}};
  return j;
}

Json interval_json(const output::Interval& iv) { return {{"mean", iv.mean}, {"low", iv.low}, {"high", iv.high}}; }

Json pane_json(const scenario::RunSet& rs, const model::ModelParams& params) {
  const auto& runs = rs.results.front();
  std::size_t months = runs.empty() ? 0 : runs.front().months.size();
  for (const auto& r : runs) months = std::min(months, r.months.size());
  Json series = Json::object();
  for (const char* name : series_names()) {
    const auto& column = output::month_column(name);
    std::vector<double> mean, low, high;
    for (std::size_t m = 0; m < months; ++m) {
      std::vector<double> x;
      for (const auto& r : runs) x.push_back(column.number(r.months[m], r));
      const auto iv = output::mean_ci(x);
      mean.push_back(iv.mean), low.push_back(iv.low), high.push_back(iv.high);
    }
    series[name] = {{"mean", mean}, {"low", low}, {"high", high}};  // NaN (no interval) is written as null
  }
  Json metrics = Json::object();
  for (const auto& m : output::metrics()) {
    std::vector<double> x;
    for (const auto& r : runs) x.push_back(m.of(r));
    metrics[m.name] = interval_json(output::mean_ci(x));
  }
  // Each manager's book value month by month, the mean over the replications where they held
  // the post that month (record_managers); hires, who differ from run to run, are left out.
  std::map<std::string, std::vector<std::pair<double, int>>> books;
  for (const auto& r : runs)
    for (const auto& mm : r.manager_months) {
      const std::string& name = r.managers[mm.manager].name;
      if (name.rfind("hire-", 0) == 0 || mm.month < 0 || static_cast<std::size_t>(mm.month) >= months) continue;
      auto& v = books[name];
      v.resize(months, {0.0, 0});
      v[static_cast<std::size_t>(mm.month)].first += mm.book_value, ++v[static_cast<std::size_t>(mm.month)].second;
    }
  Json managers = Json::object();
  if (books.size() <= 12)  // a team, not a population: lines a room can tell apart
    for (const auto& [name, v] : books) {
      Json line = Json::array();
      for (const auto& [sum, n] : v) line.push_back(n ? Json(sum / n) : Json());
      managers[name] = line;
    }
  return {{"series", series}, {"metrics", metrics}, {"events", events_json(params)}, {"managers", managers}};
}

// The most work one query may ask for: events over all its replications (about half a minute
// of this machine's cores), and the time it may take before it is stopped.
constexpr double kMaxEventsPerQuery = 1e9;
constexpr auto kRunDeadline = std::chrono::seconds(60);

}  // namespace

// A number among a component's parameters: its value in the scenario, else the entry's default
// (NaN when the component has no such parameter: the lever does not apply to it).
template <class Reg>
double component_number(const model::Component& c, const Reg& reg, const std::string& key) {
  if (const auto it = c.params.find(key); it != c.params.end()) {
    if (const auto* d = std::get_if<double>(&it->second)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  }
  if (!reg.contains(c.name)) return std::nan("");
  for (const auto& spec : reg.at(c.name).params)
    if (spec.name == key) {
      if (const auto* d = std::get_if<double>(&spec.default_value)) return *d;
    }
  return std::nan("");
}

double hunt_share_of(const model::ManagerSpec& m) { return component_number(m.time, model::time_allocations(), "hunt_share"); }
double answer_probability_of(const model::ManagerSpec& m) {
  return component_number(m.service, model::service_styles(), "answer_probability");
}

// What the charts mark: the scenario's scheduled events (months from the start).
nlohmann::ordered_json events_json(const model::ModelParams& p) {
  Json ev = Json::array();
  for (const auto& x : p.market.shocks)
    ev.push_back({{"month", x.start / kMonth}, {"kind", "shock"},
                  {"label", "market shock " + std::to_string(static_cast<int>(std::lround(x.severity * 100))) + "%"}});
  for (const auto& c : p.conferences) ev.push_back({{"month", c.start / kMonth}, {"kind", "conference"}, {"label", "conference"}});
  for (const auto& o : p.orders) {
    std::string label(model::name_of(o.kind));
    std::replace(label.begin(), label.end(), '_', ' ');
    if (o.kind == model::OrderKind::CutSupport)
      label = "support cut " + std::to_string(static_cast<int>(std::lround(o.fraction * 100))) + "%";
    else if (o.kind == model::OrderKind::Rule)
      label = "order: " + o.rule.name;
    ev.push_back({{"month", o.at / kMonth}, {"kind", "order"}, {"label", label}});
  }
  for (double y = 1; y * 12 <= p.horizon_days / kMonth + 1e-9; ++y)
    ev.push_back({{"month", y * 12}, {"kind", "review"}, {"label", "review"}});
  return ev;
}

// What every query names: a scenario among the offered files, the replications and the seed
// (unset: the scenario's). `refusal` is set when the query cannot be answered.
struct Query {
  std::map<std::string, std::string> q;
  std::string name, path;
  int reps = 0;
  std::optional<std::uint64_t> seed;
  std::optional<Answer> refusal;
  std::string get(const std::string& k, const std::string& def) const { return q.count(k) ? q.at(k) : def; }
};
Query read_query(const Options& o, const std::string& query) {
  Query r;
  r.q = parse_query(query);
  const auto files = scenario_files(o);
  r.name = r.get("scenario", files.empty() ? "" : files.front().first);
  const auto f = std::find_if(files.begin(), files.end(), [&](const auto& x) { return x.first == r.name; });
  if (f == files.end()) {
    std::vector<std::string> known;
    for (const auto& x : files) known.push_back(x.first);
    r.refusal = Answer{404, dump({{"error", unknown_name_message("scenario", r.name, known)}})};
    return r;
  }
  r.path = f->second;
  r.reps = o.replications;
  try {
    r.reps = std::stoi(r.get("replications", std::to_string(o.replications)));
  } catch (const std::exception&) {
    r.refusal = Answer{400, dump({{"error", "replications: expected a whole number"}})};
    return r;
  }
  if (r.q.count("seed")) {
    std::string err;
    r.seed = scenario::parse_seed(r.q.at("seed"), err);
    if (!r.seed) r.refusal = Answer{400, dump({{"error", "seed: " + err}})};
  }
  if (!r.refusal && (r.reps < 2 || r.reps > 1000)) r.refusal = Answer{400, dump({{"error", "replications: expected 2 to 1000"}})};
  return r;
}

Answer run_query(const Options& o, const std::string& query, PaneCache& cache, std::mutex* cache_mu) {
  auto locked = [&] { return cache_mu ? std::unique_lock<std::mutex>(*cache_mu) : std::unique_lock<std::mutex>(); };
  const auto t0 = std::chrono::steady_clock::now();
  const Query rq = read_query(o, query);
  if (rq.refusal) return *rq.refusal;
  auto get = [&](const std::string& k, const std::string& def) { return rq.get(k, def); };
  const std::string& name = rq.name;
  const int reps = rq.reps;
  const std::optional<std::uint64_t> seed = rq.seed;
  try {
    PaneResult panes[2];  // copies: putting pane B may evict pane A's entry
    const char* ids[2] = {"a", "b"};
    int fresh = 0;
    for (int p = 0; p < 2; ++p) {
      const std::string sets = get(ids[p], ""), variant = get(std::string(ids[p]) + "_variant", "base");
      // From a month on: the pane's levers apply from there (snapshot and fork), not from the start.
      double from_month = 0;
      try {
        from_month = std::stod(get(std::string(ids[p]) + "_from", "0"));
      } catch (const std::exception&) {
        return {400, dump({{"error", std::string(ids[p]) + "_from: expected a month, a number"}})};
      }
      if (!(from_month >= 0 && from_month <= 12 * 5000))
        return {400, dump({{"error", std::string(ids[p]) + "_from: expected a month from 0 on"}})};
      if (sets.empty()) from_month = 0;  // nothing to apply: the scenario as it is
      const std::string key = rq.path + "\x1f" + sets + "\x1f" + variant + "\x1f" + std::to_string(from_month) + "\x1f" +
                              std::to_string(reps) + "\x1f" +
                              (seed ? std::to_string(*seed) : std::string("file")) + "\x1f" + std::to_string(std::filesystem::last_write_time(rq.path).time_since_epoch().count());
      {
        const auto lock = locked();
        if (const PaneResult* hit = cache.find(key)) {
          panes[p] = *hit;
          continue;
        }
      }
      auto set_lines = lines_of(sets);
      set_lines.push_back("record_managers=true");  // the per-manager lines (no draw changes)
      const auto sc = scenario::load(rq.path, set_lines);
      const model::ModelParams* params = &sc.base;
      for (const auto& [vn, vp] : sc.variants)
        if (vn == variant) params = &vp;
      const double events = model::footprint(*params).events * reps;
      if (events > kMaxEventsPerQuery)
        return {413, dump({{"error", "this asks for about " + std::to_string(static_cast<long long>(events / 1e6)) +
                                         " million events; a workshop query may ask for at most " +
                                         std::to_string(static_cast<long long>(kMaxEventsPerQuery / 1e6)) +
                                         " million: fewer replications, accounts or years"}})};
      // Stopped at the deadline (between replications), so no query holds the pool for long.
      std::atomic<bool> stop{false};
      std::mutex mu;
      std::condition_variable cv;
      bool finished = false;
      std::thread watchdog([&] {
        std::unique_lock<std::mutex> lock(mu);
        if (!cv.wait_for(lock, kRunDeadline, [&] { return finished; })) stop = true;
      });
      scenario::RunOptions ro;
      ro.seed = seed;  // unset: the scenario's; the same for both panes, so they share random numbers
      ro.replications = reps;
      ro.variants = {variant};
      ro.stop = &stop;
      scenario::RunSet rs;
      try {
        if (from_month > 0) {
          // The scenario as it is up to the month (a snapshot, kept for the next lever move), then
          // every replication continued under the levers.
          if (from_month * kMonth >= params->horizon_days)
            throw Error(std::string(ids[p]) + "_from: month " + std::to_string(static_cast<int>(from_month)) +
                        " is at or after the horizon (" + std::to_string(static_cast<int>(params->horizon_days / kMonth)) + " months)");
          const std::string skey = rq.path + "\x1f" + variant + "\x1f" + std::to_string(from_month) + "\x1f" +
                                   std::to_string(reps) + "\x1f" + (seed ? std::to_string(*seed) : std::string("file")) + "\x1f" +
                                   std::to_string(std::filesystem::last_write_time(rq.path).time_since_epoch().count());
          std::shared_ptr<const scenario::Snapshot> snap;
          {
            const auto lock = locked();
            snap = cache.snapshot(skey);
          }
          if (!snap) {
            snap = std::make_shared<const scenario::Snapshot>(
                scenario::take_snapshot(scenario::load(rq.path, {"record_managers=true"}), variant, from_month * kMonth, ro));
            const auto lock = locked();
            cache.put_snapshot(skey, snap);
          }
          rs = scenario::fork(sc, *snap, ro);
        } else {
          rs = scenario::run(sc, ro);
        }
      } catch (...) {
        {
          std::lock_guard<std::mutex> lock(mu);
          finished = true;
        }
        cv.notify_all();
        watchdog.join();
        throw;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        finished = true;
      }
      cv.notify_all();
      watchdog.join();
      PaneResult r;
      r.json = pane_json(rs, *params);
      r.json["from_month"] = from_month;
      r.seed = rs.seed;
      for (const auto& m : output::metrics()) {
        std::vector<double> x;
        for (const auto& run : rs.results.front()) x.push_back(m.of(run));
        r.metrics.push_back(std::move(x));
      }
      {
        const auto lock = locked();
        panes[p] = cache.put(key, std::move(r));
      }
      ++fresh;
    }
    Json j{{"scenario", name}, {"replications", reps}, {"seed", panes[0].seed}, {"panes_run", fresh},
           {"a", panes[0].json}, {"b", panes[1].json}, {"diff", Json::object()}, {"labels", labels_json()}};
    for (std::size_t k = 0; k < output::metrics().size(); ++k) {
      std::vector<double> d;
      const auto& a = panes[0].metrics[k];
      const auto& b = panes[1].metrics[k];
      for (std::size_t r = 0; r < a.size() && r < b.size(); ++r) d.push_back(b[r] - a[r]);
      j["diff"][output::metrics()[k].name] = interval_json(output::mean_ci(d));
    }
    j["elapsed_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return {200, dump(j)};
  } catch (const scenario::Interrupted&) {
    return {503, dump({{"error", "the run took longer than " + std::to_string(kRunDeadline.count()) +
                                     " s and was stopped: ask for fewer replications"}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  }
}

// What caused a pane's losses (Shapley values over the factors the scenario can switch off,
// from counterfactual runs on the same random numbers) beside whom its blame rule blames, per
// run. Bounded like a run: 2^factors runs per replication.
Answer attribution_query(const Options& o, const std::string& query) {
  const Query rq = read_query(o, query);
  if (rq.refusal) return *rq.refusal;
  auto get = [&](const std::string& k, const std::string& def) { return rq.get(k, def); };
  const std::string& name = rq.name;
  const int reps = rq.reps;
  try {
    const auto sc = scenario::load(rq.path, lines_of(get("sets", "")));
    const std::string variant = get("variant", "base");
    const model::ModelParams* params = &sc.base;
    for (const auto& [vn, vp] : sc.variants)
      if (vn == variant) params = &vp;
    const auto factors = scenario::default_factors(*params);
    const double events = model::footprint(*params).events * reps * std::pow(2.0, static_cast<double>(factors.size()));
    if (events > kMaxEventsPerQuery)
      return {413, dump({{"error", "attribution asks for about " + std::to_string(static_cast<long long>(events / 1e6)) +
                                       " million events (2^" + std::to_string(factors.size()) +
                                       " counterfactual runs per replication); at most " +
                                       std::to_string(static_cast<long long>(kMaxEventsPerQuery / 1e6)) +
                                       " million: fewer replications"}})};
    scenario::RunOptions ro;
    ro.replications = reps;
    ro.variants = {variant};
    ro.seed = rq.seed;
    const auto rs = scenario::run(sc, ro);
    const auto at = scenario::attribute(sc, rs, factors, {});
    Json caused = Json::array(), blamed = Json::array();
    for (std::size_t k = 0; k < factors.size(); ++k) {
      double sum = 0;
      for (const auto& a : at.results.front()) sum += a.shapley[k];
      caused.push_back({{"factor", model::to_string(factors[k])}, {"lost_value", sum / reps}});
    }
    std::map<std::string, double> by_name;
    const auto& runs = rs.results.front();
    for (std::size_t r = 0; r < runs.size(); ++r)
      for (std::size_t i = 0; i < runs[r].managers.size(); ++i) by_name[runs[r].managers[i].name] += runs[r].managers[i].blamed_value;
    for (const auto& [n, x] : by_name) blamed.push_back({{"manager", n}, {"lost_value", x / reps}});
    double all_off = 0;
    for (const auto& a : at.results.front()) all_off += a.lost_all_off;
    return {200, dump({{"scenario", name}, {"variant", variant}, {"replications", reps}, {"caused", caused},
                       {"blamed", blamed}, {"lost_all_factors_off", all_off / reps},
                       {"blame_rule", params->organisation.blame.name}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  }
}

// The client a scenario's orders name (a recovery meeting, a no-contact order: caught_between's
// important client), replication by replication: its satisfaction at each event of its history
// and whether it left. Runs the pane with its accounts recorded.
Answer account_query(const Options& o, const std::string& query) {
  const Query rq = read_query(o, query);
  if (rq.refusal) return *rq.refusal;
  auto get = [&](const std::string& k, const std::string& def) { return rq.get(k, def); };
  const std::string& name = rq.name;
  const int reps = rq.reps;
  try {
    auto sets = lines_of(get("sets", ""));
    sets.push_back("record_accounts=true");
    const auto sc = scenario::load(rq.path, sets);
    const std::string variant = get("variant", "base");
    const model::ModelParams* params = &sc.base;
    for (const auto& [vn, vp] : sc.variants)
      if (vn == variant) params = &vp;
    const double events = model::footprint(*params).events * reps;
    if (events > kMaxEventsPerQuery)
      return {413, dump({{"error", "this asks for about " + std::to_string(static_cast<long long>(events / 1e6)) +
                                       " million events; at most " + std::to_string(static_cast<long long>(kMaxEventsPerQuery / 1e6)) +
                                       " million"}})};
    scenario::RunOptions ro;
    ro.replications = reps;
    ro.variants = {variant};
    ro.seed = rq.seed;
    const auto rs = scenario::run(sc, ro);
    Json runs = Json::array();
    for (const auto& r : rs.results.front()) {
      std::int64_t client = -1;
      for (const auto& e : r.account_events)
        if (e.what == "recovery meeting" || e.what == "no-contact order") {
          client = e.account;
          break;
        }
      if (client < 0) continue;
      Json history = Json::array();
      bool left = false;
      for (const auto& e : r.account_events)
        if (e.account == static_cast<std::uint32_t>(client)) {
          history.push_back({{"month", e.day / kMonth}, {"what", e.what}, {"satisfaction", e.satisfaction}});
          left |= e.what == "churned";
        }
      double value = 0;
      for (const auto& a : r.accounts)
        if (a.account == static_cast<std::uint32_t>(client)) value = a.value;
      runs.push_back({{"account", client}, {"value", value}, {"left", left}, {"history", history}});
    }
    return {200, dump({{"scenario", name}, {"variant", variant}, {"replications", reps}, {"runs", runs},
                       {"horizon_months", params->horizon_days / kMonth}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  }
}

Answer levers_query(const Options& o, const std::string& query) {
  const Query rq = read_query(o, query);
  if (rq.refusal && rq.path.empty()) return *rq.refusal;  // only the scenario matters here
  const std::string& name = rq.name;
  try {
    const auto sc = scenario::load(rq.path);
    const std::string variant = rq.get("variant", "base");
    const model::ModelParams* params = &sc.base;
    if (variant != "base") {
      params = nullptr;
      for (const auto& [vn, vp] : sc.variants)
        if (vn == variant) params = &vp;
      if (!params) {
        std::vector<std::string> names{"base"};
        for (const auto& v : sc.variants) names.push_back(v.first);
        return {404, dump({{"error", unknown_name_message("variant", variant, names)}})};
      }
    }
    return {200, dump({{"scenario", name}, {"variant", variant}, {"levers", levers_json(*params)}, {"events", events_json(*params)}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  }
}

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Limits that keep one client from holding up the others.
constexpr auto kReadDeadline = std::chrono::seconds(10);   // a request's head and body, and an idle keep-alive
constexpr auto kWriteDeadline = std::chrono::seconds(30);  // sending an answer
constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// The server's shared state: the options, the pane cache (behind a lock), the pool that runs
// simulations (off the I/O threads, so a heavy query never blocks a page load), and the Host
// and Origin values it answers to.
struct Server {
  Options o;
  PaneCache cache;
  std::mutex cache_mu;
  net::io_context ioc;
  net::thread_pool work{2};        // at most two simulations at once; each uses every core
  std::atomic<int> queued{0};      // queries waiting or running in `work`
  std::vector<std::string> hosts;  // "127.0.0.1:8600", "localhost:8600", ...
  explicit Server(Options opt) : o(std::move(opt)) {}

  bool any_address = false;        // listening on 0.0.0.0 or :: (--host 0.0.0.0: the room's network)
  std::string port;

  // The room (--room), its join address, and the browsers following it.
  std::unique_ptr<Room> room;
  std::string join_url;
  std::mutex streams_mu;
  std::vector<std::weak_ptr<class EventStream>> streams;
  std::atomic<bool> push_pending{false};
  std::mutex failures_mu;
  std::map<std::string, int> join_failures;  // wrong codes, by the client's address
  void push();                                // the room's state to every stream (coalesced)
  // The room's state encoded once per change (Room::version), as JSON and as an event.
  std::mutex state_mu;
  std::uint64_t state_version = 0;
  std::shared_ptr<const std::string> state_json, state_event;
  std::pair<std::shared_ptr<const std::string>, std::shared_ptr<const std::string>> room_state();
  void push_text(std::shared_ptr<const std::string> text);

  // The names this server answers to; when it listens on every address, also any address
  // literal with its port (a machine on the network types the address). A name it does not
  // know is refused: that is what a DNS-rebinding page sends.
  bool host_allowed(std::string_view h) const {
    if (std::find(hosts.begin(), hosts.end(), h) != hosts.end()) return true;
    if (!any_address) return false;
    const auto colon = h.rfind(':');
    if (colon == std::string_view::npos || h.substr(colon + 1) != port) return false;
    std::string address(h.substr(0, colon));
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
    beast::error_code ec;
    net::ip::make_address(address, ec);
    return !ec;
  }
  // A browser's request from a page: only from this server's own pages (same origin).
  bool origin_allowed(std::string_view origin, std::string_view host) const {
    if (origin.empty()) return true;  // not a browser's cross-site request
    const std::string prefix = "http://";
    if (origin.substr(0, prefix.size()) != prefix) return false;
    const std::string_view from = origin.substr(prefix.size());
    return from == host || std::find(hosts.begin(), hosts.end(), from) != hosts.end();
  }
};


constexpr std::size_t kMaxStreams = 300;   // browsers following the room at once
constexpr std::size_t kMaxQueued = 8;      // messages waiting for a slow browser; older states are dropped

// A browser following the room: server-sent events, one message queued after another. The
// state is whole in every message, so a browser that falls behind gets only the newest.
class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(beast::tcp_stream stream) : stream_(std::move(stream)) {}
  void start(std::shared_ptr<const std::string> first) {
    auto header = std::make_shared<const std::string>(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nServer: tenure workshop\r\nConnection: close\r\n\r\n"
        "retry: 1000\n\n");
    send(header);
    send(std::move(first));
    watch();
  }
  // From any thread.
  void send(std::shared_ptr<const std::string> text) {
    net::post(stream_.get_executor(), [self = shared_from_this(), text = std::move(text)] {
      if (self->closed_) return;
      if (self->queue_.size() >= kMaxQueued) self->queue_.erase(self->queue_.begin() + 1, self->queue_.end() - 1);
      self->queue_.push_back(text);
      if (!self->writing_) self->write();
    });
  }
  bool closed() const { return closed_; }

 private:
  void write() {
    writing_ = true;
    stream_.expires_after(std::chrono::seconds(30));  // a browser that stops reading is let go
    net::async_write(stream_, net::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->queue_.pop_front();
      if (ec) return self->close();
      if (self->queue_.empty()) {
        self->writing_ = false;
        self->stream_.expires_never();
      } else {
        self->write();
      }
    });
  }
  // The browser sends nothing more; a read that ends means it went away.
  void watch() {
    stream_.socket().async_read_some(net::buffer(sink_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->watch();
    });
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }
  beast::tcp_stream stream_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
  std::atomic<bool> closed_{false};
  char sink_[512];
};

std::pair<std::shared_ptr<const std::string>, std::shared_ptr<const std::string>> Server::room_state() {
  std::lock_guard<std::mutex> lock(state_mu);
  const std::uint64_t v = room->version();  // read first: a change while encoding is encoded next time
  if (!state_json || v != state_version) {
    state_json = std::make_shared<const std::string>(dump(room->state()));
    state_event = std::make_shared<const std::string>("event: state\ndata: " + *state_json + "\n\n");
    state_version = v;
  }
  return {state_json, state_event};
}

void Server::push_text(std::shared_ptr<const std::string> text) {
  std::lock_guard<std::mutex> lock(streams_mu);
  std::erase_if(streams, [](const std::weak_ptr<EventStream>& w) {
    const auto s = w.lock();
    return !s || s->closed();
  });
  for (const auto& w : streams)
    if (const auto s = w.lock()) s->send(text);
}

void Server::push() {
  if (!room || push_pending.exchange(true)) return;  // one is on its way: it will carry this change too
  net::post(ioc, [this] {
    push_pending = false;
    push_text(room_state().second);
  });
}

template <class Body>
http::response<http::string_body> answer(const http::request<Body>& req, http::status status, const std::string& type,
                                         std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "tenure workshop");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  const std::size_t size = body.size();
  if (req.method() != http::verb::head) res.body() = std::move(body);
  res.content_length(size);
  return res;
}

std::string error_json(const std::string& message) { return dump({{"error", message}}); }

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server) : stream_(std::move(socket)), server_(server) {}
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(kReadDeadline);  // a slow or idle client is cut off, and only it waits
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec) return close();
    handle(parser_->release());
  }

  void handle(http::request<http::string_body> req) {
    const auto reply = [this, &req](http::status st, const std::string& type, std::string body) {
      write(answer(req, st, type, std::move(body)));
    };
    const bool room_path = req.target().substr(0, 5) == "/room";
    if (req.method() != http::verb::get && req.method() != http::verb::head && !(room_path && req.method() == http::verb::post))
      return reply(http::status::method_not_allowed, "text/plain", "only GET and HEAD (and POST for the room's actions)\n");
    // A page on another site must not drive this server (DNS rebinding, cross-site requests).
    const std::string host(req[http::field::host]), origin(req[http::field::origin]);
    if (!server_.host_allowed(host))
      return reply(http::status::forbidden, "application/json", error_json("Host '" + excerpt(host) + "' is not this server"));
    if (!server_.origin_allowed(origin, host))
      return reply(http::status::forbidden, "application/json", error_json("Origin '" + excerpt(origin) + "' may not use this server"));
    const std::string target(req.target());
    const auto qm = target.find('?');
    const std::string path = target.substr(0, qm), query = qm == std::string::npos ? "" : target.substr(qm + 1);
    if (room_path && (path == "/room" || path.rfind("/room/", 0) == 0)) return room(std::move(req), path, query);
    if (path == "/" || path == "/index.html") return reply(http::status::ok, "text/html; charset=utf-8", kWorkshopPage);
    if (path == "/charts.js") return reply(http::status::ok, "text/javascript; charset=utf-8", kChartsJs);
    if (path == "/vendor/vega.min.js")
      return reply(http::status::ok, "text/javascript; charset=utf-8", std::string(kVendor_vega, kVendor_vega_size));
    if (path == "/vendor/vega-lite.min.js")
      return reply(http::status::ok, "text/javascript; charset=utf-8", std::string(kVendor_vega_lite, kVendor_vega_lite_size));
    if (path == "/api/scenarios") return reply(http::status::ok, "application/json", scenarios_json(server_.o));
    if (path == "/api/levers") {
      const Answer a = levers_query(server_.o, query);
      return reply(static_cast<http::status>(a.status), "application/json", a.body);
    }
    if (path == "/api/run" || path == "/api/attribution" || path == "/api/account") {
      if (req.method() == http::verb::head) return reply(http::status::ok, "application/json", "");
      if (server_.queued.load() >= 8)
        return reply(http::status::service_unavailable, "application/json",
                     error_json("the server is busy with 8 runs; try again in a moment"));
      // The simulation runs in the pool; this connection waits for it, no other does.
      ++server_.queued;
      auto self = shared_from_this();
      auto request = std::make_shared<http::request<http::string_body>>(std::move(req));
      net::post(server_.work, [self, request, query, path] {
        Answer a;
        try {
          a = path == "/api/attribution" ? attribution_query(self->server_.o, query)
              : path == "/api/account"   ? account_query(self->server_.o, query)
                                         : run_query(self->server_.o, query, self->server_.cache, &self->server_.cache_mu);
        } catch (const std::exception& e) {
          a = {500, error_json(e.what())};
        }
        --self->server_.queued;
        net::post(self->stream_.get_executor(), [self, request, a] {
          self->write(answer(*request, static_cast<http::status>(a.status), "application/json", a.body));
        });
      });
      return;
    }
    reply(http::status::not_found, "text/plain", "not found\n");
  }


  // The room: its page, its state (for a token or the trainer's key), its QR code and event
  // stream, and its actions (POST, a JSON body naming the token or the key).
  void room(http::request<http::string_body> req, const std::string& path, const std::string& query) {
    const auto reply = [this, &req](http::status st, const std::string& type, std::string body) {
      write(answer(req, st, type, std::move(body)));
    };
    const auto json_reply = [&](int status, const Json& body) {
      reply(static_cast<http::status>(status), "application/json", dump(body));
    };
    Room* room = server_.room.get();
    if (!room) return reply(http::status::not_found, "text/plain", "no room here: start the workshop with --room\n");
    const auto q = parse_query(query);
    const auto get = [&](const char* k) { return q.count(k) ? q.at(k) : std::string(); };
    const bool trainer = room->is_trainer(get("key"));
    if (req.method() != http::verb::post) {
      if (path == "/room" || path == "/room/") return reply(http::status::ok, "text/html; charset=utf-8", kRoomPage);
      if (!trainer && !room->is_trainee(get("token")))
        return json_reply(403, {{"error", "join the room first (this needs your token, or the trainer's key)"}});
      if (path == "/room/state") return reply(http::status::ok, "application/json", *server_.room_state().first);
      if (path == "/room/invite") {
        if (!trainer) return json_reply(403, {{"error", "the invitation is on the trainer's console"}});
        return json_reply(200, {{"code", room->code()}, {"url", server_.join_url}});
      }
      if (path == "/room/qr.svg") {
        if (!trainer) return json_reply(403, {{"error", "the QR code is on the trainer's console"}});
        return reply(http::status::ok, "image/svg+xml", qr_svg(server_.join_url));
      }
      if (path == "/room/events" && req.method() == http::verb::get) {
        std::lock_guard<std::mutex> lock(server_.streams_mu);
        std::erase_if(server_.streams, [](const std::weak_ptr<EventStream>& w) {
          const auto s = w.lock();
          return !s || s->closed();
        });
        if (server_.streams.size() >= kMaxStreams)
          return json_reply(503, {{"error", "the room has " + std::to_string(kMaxStreams) + " browsers following it already"}});
        auto events = std::make_shared<EventStream>(std::move(stream_));
        server_.streams.push_back(events);
        events->start(server_.room_state().second);
        return;  // this connection is the stream's now
      }
      return reply(http::status::not_found, "text/plain", "not found\n");
    }
    // Actions. A JSON body: a page on another site cannot send one without asking first (CORS),
    // and this server never says yes.
    if (req[http::field::content_type].substr(0, 16) != "application/json")
      return json_reply(415, {{"error", "expected a JSON body (Content-Type: application/json)"}});
    const nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) return json_reply(400, {{"error", "expected a JSON object"}});
    const auto text = [&](const char* k) {
      const auto it = body.find(k);
      return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto done = [&](const RoomAnswer& a) {
      if (a.status == 200) server_.push();
      json_reply(a.status, a.status == 200 ? Json(a.body) : Json{{"error", a.error}});
    };
    if (path == "/room/join") {
      beast::error_code ec;
      const std::string from = stream_.socket().remote_endpoint(ec).address().to_string();
      {
        std::lock_guard<std::mutex> lock(server_.failures_mu);
        if (server_.join_failures[from] >= 10)
          return json_reply(429, {{"error", "too many wrong codes from this address; ask the trainer"}});
      }
      const RoomAnswer a = room->join(text("code"), text("name"));
      if (a.status == 403) {
        std::lock_guard<std::mutex> lock(server_.failures_mu);
        ++server_.join_failures[from];
      }
      return done(a);
    }
    if (path == "/room/claim") return done(room->claim(text("token"), text("manager")));
    if (path == "/room/levers") {
      const auto it = body.find("levers");
      return done(room->levers(text("token"), it == body.end() ? nlohmann::json() : *it));
    }
    if (path != "/room/advance" && path != "/room/rewind" && path != "/room/debrief")
      return reply(http::status::not_found, "text/plain", "not found\n");
    if (!room->is_trainer(text("key"))) return json_reply(403, {{"error", "only the trainer's console may do this"}});
    if (path == "/room/rewind") {
      const auto it = body.find("quarter");
      if (it == body.end() || !it->is_number_integer()) return json_reply(400, {{"error", "quarter: expected a whole number"}});
      return done(room->rewind(it->get<int>()));
    }
    // A quarter or a debrief runs simulations: in the pool, this connection waiting for it.
    server_.push();  // every browser sees the room busy
    auto self = shared_from_this();
    auto request = std::make_shared<http::request<http::string_body>>(std::move(req));
    net::post(server_.work, [self, request, path, room] {
      RoomAnswer a;
      try {
        a = path == "/room/advance" ? room->advance() : room->debrief();
      } catch (const std::exception& e) {
        a = {500, e.what()};
      }
      if (a.status == 200) {
        self->server_.push_pending = false;  // this change goes out now, not behind a queued push
        self->server_.push_text(self->server_.room_state().second);
      } else {
        self->server_.push();
      }
      const Json reply_body = a.status == 200 ? Json(a.body) : Json{{"error", a.error}};
      net::post(self->stream_.get_executor(), [self, request, reply_body, status = a.status] {
        self->write(answer(*request, static_cast<http::status>(status), "application/json", dump(reply_body)));
      });
    });
  }

  void write(http::response<http::string_body> res) {
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    stream_.expires_after(kWriteDeadline);
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
      if (ec || !sp->keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Server& server_;
};

void accept(tcp::acceptor& acceptor, Server& server) {
  acceptor.async_accept(net::make_strand(server.ioc), [&acceptor, &server](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), server)->start();
    if (acceptor.is_open()) accept(acceptor, server);
  });
}

}  // namespace

// This machine's address on the local network: the interface a packet to the outside would
// leave by (nothing is sent). Loopback when there is no network.
std::string lan_address() {
  net::io_context ctx;
  net::ip::udp::socket socket(ctx);
  beast::error_code ec;
  socket.connect(net::ip::udp::endpoint(net::ip::make_address("192.0.2.1"), 9), ec);  // TEST-NET-1
  if (ec) return "127.0.0.1";
  const auto address = socket.local_endpoint(ec).address();
  return ec || address.is_unspecified() ? "127.0.0.1" : address.to_string();
}

int serve(const Options& o) {
  Server server(o);
  if (o.room) {
    RoomOptions ro;
    ro.file = o.file;
    ro.variant = o.room_variant;
    ro.sets = o.room_sets;
    ro.replications = o.replications;
    ro.seed = o.room_seed;
    ro.months_per_step = o.room_months;
    server.room = std::make_unique<Room>(ro);  // a bad scenario is reported before listening
  }
  tcp::resolver resolver(server.ioc);
  beast::error_code ec;
  const auto found = resolver.resolve(o.host, std::to_string(o.port), tcp::resolver::numeric_service, ec);
  if (ec || found.empty())
    throw Error("workshop: --host: cannot resolve '" + excerpt(o.host) + "' (" + ec.message() +
                "); expected an address such as 127.0.0.1 or a name such as localhost");
  const tcp::endpoint endpoint = found.begin()->endpoint();
  tcp::acceptor acceptor(server.ioc);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw Error("workshop: cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message() +
                " (try another --port, or --port 0 for any free one)");
  const auto port = acceptor.local_endpoint().port();
  const std::string p = std::to_string(port);
  const std::string address = acceptor.local_endpoint().address().to_string();
  const std::string shown = endpoint.address().is_v6() ? "[" + address + "]" : address;
  for (const std::string& h : {shown, std::string("localhost"), o.host, std::string("127.0.0.1"), std::string("[::1]")})
    server.hosts.push_back(h + ":" + p);
  server.port = p;
  server.any_address = acceptor.local_endpoint().address().is_unspecified();
  std::printf("tenure workshop: http://%s:%u/  (Ctrl-C to stop)\n", shown.c_str(), static_cast<unsigned>(port));
  if (server.room) {
    const std::string host = server.any_address ? lan_address() : shown;
    server.join_url = "http://" + host + ":" + p + "/room?code=" + server.room->code();
    std::printf("room: trainees join at %s  (code %s)\n", server.join_url.c_str(), server.room->code().c_str());
    std::printf("room: the trainer's console: http://%s:%s/room?key=%s\n",
                server.any_address ? "127.0.0.1" : shown.c_str(), p.c_str(), server.room->key().c_str());
    std::printf("%s", qr_text(server.join_url).c_str());
    if (!server.any_address && endpoint.address().is_loopback())
      std::printf("room: listening on this machine only (--host %s): other machines cannot join; --host 0.0.0.0 opens it to the local network\n",
                  o.host.c_str());
  }
  std::fflush(stdout);
  accept(acceptor, server);
  // A comment line every 15 s keeps each event stream open through idle proxies, and finds
  // the browsers that went away.
  net::steady_timer ping(server.ioc);
  std::function<void(beast::error_code)> tick = [&](beast::error_code failed) {
    if (failed) return;
    server.push_text(std::make_shared<const std::string>(": ping\n\n"));
    ping.expires_after(std::chrono::seconds(15));
    ping.async_wait(tick);
  };
  if (server.room) {
    ping.expires_after(std::chrono::seconds(15));
    ping.async_wait(tick);
  }
  net::signal_set signals(server.ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    ping.cancel();
    server.ioc.stop();
  });
  // I/O on a few threads: reading, writing and small answers never wait for a simulation.
  std::vector<std::thread> io;
  for (int i = 0; i < 3; ++i) io.emplace_back([&] { server.ioc.run(); });
  server.ioc.run();
  for (auto& t : io) t.join();
  server.work.stop();
  server.work.join();
  return 0;
}

}  // namespace tenure::workshop

namespace tenure::workshop {

const PaneResult* PaneCache::find(const std::string& key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

const PaneResult& PaneCache::put(std::string key, PaneResult r) {
  if (entries_.size() >= 16) entries_.erase(entries_.begin());
  entries_.emplace_back(std::move(key), std::move(r));
  return entries_.back().second;
}

std::shared_ptr<const scenario::Snapshot> PaneCache::snapshot(const std::string& key) const {
  for (const auto& [k, v] : snapshots_)
    if (k == key) return v;
  return nullptr;
}

void PaneCache::put_snapshot(std::string key, std::shared_ptr<const scenario::Snapshot> s) {
  if (snapshots_.size() >= 4) snapshots_.erase(snapshots_.begin());
  snapshots_.emplace_back(std::move(key), std::move(s));
}

}  // namespace tenure::workshop
