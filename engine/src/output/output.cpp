// CSV and JSON writers. Numbers are printed shortest-round-trip so that equal runs give
// byte-identical files.
#include "tenure/output/output.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/analysis.hpp"
#include "tenure/output/provenance.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"

namespace tenure::output {

void append_number(std::string& out, double x) {
  if (!std::isfinite(x)) return;
  char buf[64];
  // A whole number under 100,000 in magnitude (the counts and zeros in real columns): its
  // shortest round trip is its digits (the exponent form is never shorter, and ties go to the
  // digits), so the integer conversion writes the same text in fewer instructions (0.2% of the
  // slice's command-line run). -0 is not taken: it is written "-0".
  if (std::fabs(x) < 1e5 && (x != 0 || !std::signbit(x))) {
    if (const auto i = static_cast<std::int32_t>(x); static_cast<double>(i) == x) {
      out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
      return;
    }
  }
  out.append(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}
std::string number(double x) {
  std::string s;
  append_number(s, x);
  return s;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = unique_temporary_name(path);  // two writers never share a temporary file
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write");
    out << text;
    out.flush();
    if (!out) throw Error(path + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(path + ": cannot move into place: " + ec.message());
  }
}

const char* version() { return TENURE_VERSION; }

std::string human(double x, const char* missing) {
  if (!std::isfinite(x)) return missing;
  char buf[64];
  const double a = std::fabs(x);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.2fB", x / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", x / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", x / 1e3);
  else if (a >= 100 || a == 0) std::snprintf(buf, sizeof buf, "%.0f", x);
  else std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

static std::vector<Metric>& metric_list() {
  static std::vector<Metric> m{
      {"lost_value", [](const model::RunResult& r) { return r.lost_value; }, "currency", "Value lost",
       "value of the clients lost over the run (at the value each had when it left)"},
      {"final_value", [](const model::RunResult& r) { return r.months.empty() ? 0.0 : r.months.back().value; },
       "currency", "Value of the book at the end", "value of the clients held at the last month's end"},
      {"final_clients", [](const model::RunResult& r) {
         return r.months.empty() ? 0.0 : static_cast<double>(r.months.back().active_accounts);
       }, "clients", "Clients at the end", "clients (active or under notice) at the last month's end"},
      {"new_business", [](const model::RunResult& r) {
         double s = 0;
         for (const auto& row : r.months) s += row.new_business;
         return s;
       }, "currency", "New business", "value of the clients won over the run"},
      {"revenue", [](const model::RunResult& r) {
         double s = 0;
         for (const auto& row : r.months) s += row.revenue;
         return s;
       }, "currency", "Revenue", "margin earned on the book's value over the run (the monthly revenue summed)"},
      {"final_mean_satisfaction", [](const model::RunResult& r) {
         return r.months.empty() ? 0.0 : r.months.back().mean_satisfaction;
       }, "points (0-10)", "Satisfaction at the end", "mean satisfaction of the clients at the last month's end"},
  };
  return m;
}
const std::vector<Metric>& metrics() { return metric_list(); }
void register_metric(Metric m, bool replace) {
  auto& list = metric_list();
  constexpr std::size_t kBuiltIn = 6;
  if (m.name.empty()) throw Error("a metric registered with an empty name");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].name != m.name) continue;
    if (i < kBuiltIn) throw Error("metric '" + m.name + "' is built in: choose another name");
    if (!replace) throw Error("metric '" + m.name + "' registered twice");
    list[i] = std::move(m);
    return;
  }
  list.push_back(std::move(m));
}
bool unregister_metric(const std::string& name) {
  auto& list = metric_list();
  constexpr std::size_t kBuiltIn = 6;
  for (std::size_t i = kBuiltIn; i < list.size(); ++i)
    if (list[i].name == name) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  return false;
}

const Metric& metric(const std::string& name) {
  std::vector<std::string> known;
  for (const auto& m : metrics()) {
    if (name == m.name) return m;
    known.emplace_back(m.name);
  }
  throw Error(unknown_name_message("metric", name, known));
}

Interval mean_ci(const std::vector<double>& x) {
  Interval iv;
  iv.n = x.size();
  if (x.empty()) return iv;
  double s = 0;
  for (double v : x) s += v;
  iv.mean = s / static_cast<double>(x.size());
  iv.low = iv.high = std::numeric_limits<double>::quiet_NaN();
  if (x.size() < 2) return iv;
  double ss = 0;
  for (double v : x) ss += (v - iv.mean) * (v - iv.mean);
  const double se = std::sqrt(ss / static_cast<double>(x.size() - 1) / static_cast<double>(x.size()));
  const double t = boost::math::quantile(boost::math::students_t(static_cast<double>(x.size() - 1)), 0.975);
  iv.low = iv.mean - t * se;
  iv.high = iv.mean + t * se;
  return iv;
}

namespace {
std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
using K = Column::Kind;

// Builds a table row by row: add columns once, then push values in column order.
class Rows {
 public:
  explicit Rows(Table& t) : t_(t) {}
  Rows& i(std::int64_t x) { col().integers.push_back(x); return *this; }
  Rows& r(double x) { col().reals.push_back(x); return *this; }
  Rows& b(bool x) { col().integers.push_back(x ? 1 : 0); return *this; }
  Rows& s(const std::string& x) { col().push_text(x); return *this; }
  void end() { next_ = 0; }

 private:
  Column& col() { return t_.columns[next_++]; }
  Table& t_;
  std::size_t next_ = 0;
};

// Calls f(variant index, replication index) for every run, in output order.
template <class F>
void each_run(const scenario::RunSet& rs, F f) {
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r) f(v, r);
}
// A table that starts with the run's key: variant, replication.
Table keyed_table() {
  Table t;
  t.add("variant", Column::Kind::Text);
  t.add("replication", Column::Kind::Integer);
  return t;
}
std::int64_t rep(const scenario::RunSet& rs, std::size_t r) {
  return static_cast<std::int64_t>(rs.first_replication + r);
}
}  // namespace

std::size_t Column::size() const {
  switch (kind) {
    case Kind::Real: return reals.size();
    case Kind::Text: return codes.size();
    default: return integers.size();
  }
}

void Column::push_text(const std::string& s) {
  // Hashed: cause sets and manager names can run to hundreds of distinct values.
  const auto [it, fresh] = level_index.try_emplace(s, static_cast<std::int32_t>(levels.size()));
  if (fresh) levels.push_back(s);
  codes.push_back(it->second);
}

const Column& Table::column(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return c;
  throw Error("table has no column '" + name + "'");
}

Column& Table::add(std::string name, Column::Kind kind) {
  columns.push_back(Column{});
  columns.back().name = std::move(name);
  columns.back().kind = kind;
  return columns.back();
}

std::string csv(const Table& t) {
  std::string o;
  for (std::size_t c = 0; c < t.columns.size(); ++c) (o += c ? "," : "") += t.columns[c].name;
  o += '\n';
  // Each text level quoted once; numbers written in place (no string per cell).
  std::vector<std::vector<std::string>> levels(t.columns.size());
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    for (const auto& l : t.columns[c].levels) levels[c].push_back(csv_text(l));
  char buf[24];
  const std::size_t n = t.rows();
  for (std::size_t row = 0; row < n; ++row) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (c) o += ',';
      const Column& col = t.columns[c];
      switch (col.kind) {
        case K::Integer: o.append(buf, std::to_chars(buf, buf + sizeof buf, col.integers[row]).ptr); break;
        case K::Real: append_number(o, col.reals[row]); break;
        case K::Boolean: o += col.integers[row] ? "true" : "false"; break;
        case K::Text: o += levels[c][static_cast<std::size_t>(col.codes[row])]; break;
      }
    }
    o += '\n';
  }
  return o;
}

namespace {
void push(Column& c, const Cell& x) {
  switch (c.kind) {
    case K::Real: c.reals.push_back(std::get<double>(x)); break;
    case K::Text: c.push_text(std::get<std::string>(x)); break;
    default: c.integers.push_back(std::get<std::int64_t>(x)); break;
  }
}
// A table of declared columns (columns.hpp): the run's key, then one column per declaration,
// a row per record that `records(run)` lists.
template <class Row, class Records>
Table declared_table(const scenario::RunSet& rs, const std::vector<ColumnSpec<Row>>& cols, Records records) {
  Table t = keyed_table();
  for (const auto& c : cols) t.add(c.name, c.kind);
  each_run(rs, [&](std::size_t v, std::size_t r) {
    const model::RunResult& run = rs.results[v][r];
    for (const Row& row : records(run)) {
      t.columns[0].push_text(rs.variants[v]);
      t.columns[1].integers.push_back(rep(rs, r));
      for (std::size_t k = 0; k < cols.size(); ++k) push(t.columns[k + 2], cols[k].get(row, run));
    }
  });
  return t;
}
}  // namespace

Table timeseries_table(const scenario::RunSet& rs) {
  return declared_table(rs, month_columns(), [](const model::RunResult& run) -> const auto& { return run.months; });
}
Table managers_table(const scenario::RunSet& rs) {
  return declared_table(rs, manager_columns(), [](const model::RunResult& run) -> const auto& { return run.managers; });
}
Table lost_table(const scenario::RunSet& rs) {
  return declared_table(rs, lost_columns(), [](const model::RunResult& run) -> const auto& { return run.lost; });
}
Table accounts_table(const scenario::RunSet& rs) {
  return declared_table(rs, account_columns(), [](const model::RunResult& run) -> const auto& { return run.accounts; });
}
Table manager_months_table(const scenario::RunSet& rs) {
  return declared_table(rs, manager_month_columns(),
                        [](const model::RunResult& run) -> const auto& { return run.manager_months; });
}
Table account_events_table(const scenario::RunSet& rs) {
  return declared_table(rs, account_event_columns(),
                        [](const model::RunResult& run) -> const auto& { return run.account_events; });
}

Table runs_table(const scenario::RunSet& rs) {
  Table t = keyed_table();
  for (const auto& m : metrics()) t.add(m.name, K::Real);
  t.add("events", K::Integer);
  Rows row(t);
  each_run(rs, [&](std::size_t v, std::size_t r) {
    const auto& run = rs.results[v][r];
    row.s(rs.variants[v]).i(rep(rs, r));
    for (const auto& m : metrics()) row.r(m.of(run));
    row.i(static_cast<std::int64_t>(run.events));
    row.end();
  });
  return t;
}

namespace {
Table interval_table(const char* variant_column) {
  Table t;
  t.add(variant_column, K::Text);
  t.add("metric", K::Text);
  for (const char* c : {"mean", "ci_low", "ci_high"}) t.add(c, K::Real);
  t.add("n", K::Integer);
  return t;
}
}  // namespace

Table summary_table(const scenario::RunSet& rs, double target) {
  Table t = interval_table("variant");
  t.add("relative_half_width", K::Real);
  t.add("replications_needed", K::Real);
  Rows row(t);
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (const auto& m : metrics()) {
      std::vector<double> x;
      for (const auto& r : rs.results[v]) x.push_back(m.of(r));
      const auto iv = mean_ci(x);
      const auto pr = precision(x, target);
      row.s(rs.variants[v]).s(m.name).r(iv.mean).r(iv.low).r(iv.high).i(static_cast<std::int64_t>(iv.n));
      row.r(pr.relative_half_width).r(pr.needed < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(pr.needed));
      row.end();
    }
  return t;
}

std::vector<std::string> default_warm_up_columns() {
  return {"active_accounts", "value", "revenue", "mean_satisfaction", "mean_response_days"};
}

Table warm_up_table(const scenario::RunSet& rs, const std::vector<std::string>& columns) {
  Table t;
  t.add("variant", K::Text);
  t.add("column", K::Text);
  t.add("truncate_months", K::Integer);
  t.add("settled", K::Boolean);
  for (const char* c : {"mean_after", "ci_low", "ci_high"}) t.add(c, K::Real);
  t.add("n", K::Integer);
  Rows row(t);
  for (const auto& name : columns) {
    const auto& col = month_column(name);
    for (std::size_t v = 0; v < rs.variants.size(); ++v) {
      const auto& runs = rs.results[v];
      if (runs.empty()) continue;
      // MSER-5 on the mean over replications, month by month (over the months every run has).
      std::size_t months = runs.front().months.size();
      for (const auto& r : runs) months = std::min(months, r.months.size());
      std::vector<double> avg(months, 0.0);
      for (const auto& r : runs)
        for (std::size_t m = 0; m < months; ++m) avg[m] += col.number(r.months[m], r) / static_cast<double>(runs.size());
      const WarmUp w = mser5(avg);
      // Each run's mean after the warm-up, and their interval.
      std::vector<double> after;
      if (w.truncate < months)
        for (const auto& r : runs) {
          double sum = 0;
          for (std::size_t m = w.truncate; m < months; ++m) sum += col.number(r.months[m], r);
          after.push_back(sum / static_cast<double>(months - w.truncate));
        }
      const auto iv = mean_ci(after);
      row.s(rs.variants[v]).s(name).i(static_cast<std::int64_t>(w.truncate)).b(w.settled && w.batches >= 2);
      row.r(iv.mean).r(iv.low).r(iv.high).i(static_cast<std::int64_t>(iv.n));
      row.end();
    }
  }
  return t;
}

bool comparable(const scenario::RunSet& rs, std::size_t v, std::size_t w) {
  return rs.horizons.size() != rs.variants.size() || rs.horizons[v] == rs.horizons[w];
}

std::string not_comparable_reason(const scenario::RunSet& rs, std::size_t v, std::size_t w) {
  if (comparable(rs, v, w)) return {};
  return "not comparable: horizon " + number(rs.horizons[v]) + " days against " + number(rs.horizons[w]) +
         " days (totals over different spans)";
}

Table paired_table(const scenario::RunSet& rs, const std::string& reference) {
  const auto ref = std::find(rs.variants.begin(), rs.variants.end(), reference);
  if (ref == rs.variants.end()) throw Error(unknown_name_message("variant in these results", reference, rs.variants));
  const auto b = static_cast<std::size_t>(ref - rs.variants.begin());
  Table t = interval_table("variant");
  t.columns.insert(t.columns.begin() + 1, Column{});
  t.columns[1].name = "reference";
  t.columns[1].kind = K::Text;
  for (const char* c : {"p", "holm_p", "holm_low", "holm_high", "crn_correlation", "variance_reduction"}) t.add(c, K::Real);
  // Every comparison first, then Holm's correction within each metric's family.
  struct Row {
    std::size_t v;
    const Metric* m;
    Paired c;
  };
  std::vector<Row> all;
  for (std::size_t v = 0; v < rs.variants.size(); ++v) {
    if (v == b || !comparable(rs, v, b)) continue;
    for (const auto& m : metrics()) {
      std::vector<double> x, y;
      for (const auto& r : rs.results[v]) x.push_back(m.of(r));
      for (const auto& r : rs.results[b]) y.push_back(m.of(r));
      all.push_back({v, &m, paired(x, y)});
    }
  }
  for (const auto& m : metrics()) {
    std::vector<Paired*> family;
    for (auto& r : all)
      if (r.m == &m) family.push_back(&r.c);
    holm(family);
  }
  Rows row(t);
  for (const auto& r : all) {
    const auto& iv = r.c.difference;
    row.s(rs.variants[r.v]).s(reference).s(r.m->name).r(iv.mean).r(iv.low).r(iv.high).i(static_cast<std::int64_t>(iv.n));
    row.r(r.c.p).r(r.c.holm_p).r(r.c.holm.low).r(r.c.holm.high).r(r.c.correlation).r(r.c.variance_reduction);
    row.end();
  }
  return t;
}

Table attribution_table(const scenario::RunSet& rs, const scenario::AttributionSet& at) {
  Table t = keyed_table();
  t.add("kind", K::Text);
  t.add("name", K::Text);
  t.add("lost_value", K::Real);
  Rows row(t);
  each_run(rs, [&](std::size_t v, std::size_t r) {
    const std::string& var = rs.variants[v];
    if (v < at.results.size() && r < at.results[v].size()) {
      const auto& a = at.results[v][r];
      for (std::size_t j = 0; j < a.factors.size(); ++j)
        row.s(var).i(rep(rs, r)).s("shapley").s(model::to_string(a.factors[j])).r(a.shapley[j]), row.end();
      row.s(var).i(rep(rs, r)).s("baseline").s("all_factors_off").r(a.lost_all_off), row.end();
    }
    // Causes recorded on each lost account's path, its value split equally over them.
    std::array<double, model::kCauseCount + 1> by_cause{};
    for (const auto& m : rs.results[v][r].months)
      for (std::size_t c = 0; c < by_cause.size(); ++c) by_cause[c] += m.churned_by_cause[c];
    for (std::size_t c = 0; c < by_cause.size(); ++c)
      row.s(var).i(rep(rs, r)).s("recorded_cause")
          .s(c < model::kCauseCount ? model::to_string(static_cast<model::Cause>(c)) : "none")
          .r(by_cause[c]), row.end();
    for (const auto& m : rs.results[v][r].managers)
      if (m.blamed_value > 0) row.s(var).i(rep(rs, r)).s("blame").s(m.name).r(m.blamed_value), row.end();
  });
  return t;
}

void write_timeseries(const std::string& path, const scenario::RunSet& rs) {
  write_atomically(path, csv(timeseries_table(rs)));
}
void write_managers(const std::string& path, const scenario::RunSet& rs) {
  write_atomically(path, csv(managers_table(rs)));
}
void write_lost(const std::string& path, const scenario::RunSet& rs) { write_atomically(path, csv(lost_table(rs))); }
void write_accounts(const std::string& path, const scenario::RunSet& rs) {
  write_atomically(path, csv(accounts_table(rs)));
}
void write_account_events(const std::string& path, const scenario::RunSet& rs) {
  write_atomically(path, csv(account_events_table(rs)));
}
void write_attribution(const std::string& path, const scenario::RunSet& rs, const scenario::AttributionSet& at) {
  write_atomically(path, csv(attribution_table(rs, at)));
}

namespace {
// A number for JSON: null when it is not finite (an undefined interval, say).
nlohmann::ordered_json json_number(double x) { return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(); }

// The rows of an interval table as JSON objects keyed by variant, then metric.
nlohmann::ordered_json intervals_json(const Table& t) {
  const Column& var = t.column("variant");
  const Column& metric = t.column("metric");
  const Column& mean = t.column("mean");
  const Column& low = t.column("ci_low");
  const Column& high = t.column("ci_high");
  const Column& n = t.column("n");
  auto has = [&](const char* name) {
    return std::any_of(t.columns.begin(), t.columns.end(), [&](const Column& c) { return c.name == name; });
  };
  const bool precise = has("relative_half_width"), tested = has("holm_p");
  auto out = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const std::string& v = var.levels[static_cast<std::size_t>(var.codes[i])];
    auto& cell = out[v][metric.levels[static_cast<std::size_t>(metric.codes[i])]];
    cell = {{"mean", json_number(mean.reals[i])},
            {"ci95", {json_number(low.reals[i]), json_number(high.reals[i])}},
            {"n", n.integers[i]}};
    if (precise) {
      cell["relative_half_width"] = json_number(t.column("relative_half_width").reals[i]);
      cell["replications_needed"] = json_number(t.column("replications_needed").reals[i]);
    }
    if (tested) {
      cell["p"] = json_number(t.column("p").reals[i]);
      cell["holm"] = {{"p", json_number(t.column("holm_p").reals[i])},
                      {"ci95", {json_number(t.column("holm_low").reals[i]), json_number(t.column("holm_high").reals[i])}}};
      cell["crn_correlation"] = json_number(t.column("crn_correlation").reals[i]);
      cell["variance_reduction"] = json_number(t.column("variance_reduction").reals[i]);
    }
  }
  return out;
}
std::string json_text(const nlohmann::ordered_json& j) {
  // Invalid UTF-8 in a name or a message is replaced, never written as invalid JSON.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}
}  // namespace

void write_summary(const std::string& path, const scenario::RunSet& rs, const std::string& version_text, double target) {
  write_atomically(path, summary_json(rs, version_text, target));
}

std::string summary_json(const scenario::RunSet& rs, const std::string& version_text, double target) {
  nlohmann::ordered_json o;
  o["scenario"] = rs.scenario;
  o["tenure_version"] = version_text;
  o["seed"] = rs.seed;
  o["precision_target"] = target;
  o["variants"] = intervals_json(summary_table(rs, target));
  const auto base = std::find(rs.variants.begin(), rs.variants.end(), "base");
  o["paired_differences_vs_base"] = base != rs.variants.end() ? intervals_json(paired_table(rs, "base"))
                                                              : nlohmann::ordered_json::object();
  auto not_comparable = nlohmann::ordered_json::object();
  if (base != rs.variants.end())
    for (std::size_t v = 0; v < rs.variants.size(); ++v)
      if (const auto why = not_comparable_reason(rs, v, static_cast<std::size_t>(base - rs.variants.begin())); !why.empty())
        not_comparable[rs.variants[v]] = why;
  if (!not_comparable.empty()) o["not_comparable_with_base"] = not_comparable;
  // Warm-up (MSER-5) of the main monthly series, for questions about the steady state.
  const Table w = warm_up_table(rs, default_warm_up_columns());
  auto warm = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < w.rows(); ++i) {
    const auto& var = w.column("variant");
    const auto& col = w.column("column");
    warm[var.levels[static_cast<std::size_t>(var.codes[i])]][col.levels[static_cast<std::size_t>(col.codes[i])]] = {
        {"truncate_months", w.column("truncate_months").integers[i]},
        {"settled", w.column("settled").integers[i] != 0},
        {"mean_after", json_number(w.column("mean_after").reals[i])},
        {"ci95", {json_number(w.column("ci_low").reals[i]), json_number(w.column("ci_high").reals[i])}},
        {"n", w.column("n").integers[i]}};
  }
  o["warm_up"] = warm;
  return json_text(o);
}

std::vector<std::string> write_run(const std::string& dir, const scenario::Scenario& sc, const scenario::RunSet& rs,
                                   const scenario::AttributionSet* attribution, const std::string& source,
                                   const Provenance* provenance) {
  if (rs.first_replication != 0)
    throw Error("these results start at replication " + std::to_string(rs.first_replication) +
                "; append them to the earlier replications before writing, so that the effective scenario "
                "reproduces them");
  const auto& want = sc.experiment.outputs;
  auto wanted = [&](const char* name) { return std::find(want.begin(), want.end(), name) != want.end(); };
  // Every file's text first (a measure of one's own may fail while a table is made), then the
  // files: a failure writes nothing.
  std::vector<std::pair<std::string, std::string>> files;
  if (wanted("timeseries")) files.emplace_back("timeseries.csv", csv(timeseries_table(rs)));
  if (wanted("managers")) files.emplace_back("managers.csv", csv(managers_table(rs)));
  if (wanted("lost")) files.emplace_back("lost.csv", csv(lost_table(rs)));
  bool any_accounts = false;
  for (const auto& v : rs.results)
    for (const auto& r : v) any_accounts |= !r.accounts.empty();
  if (any_accounts && wanted("accounts")) {
    files.emplace_back("accounts.csv", csv(accounts_table(rs)));
    files.emplace_back("account_events.csv", csv(account_events_table(rs)));
  }
  bool any_manager_months = false;
  for (const auto& v : rs.results)
    for (const auto& r : v) any_manager_months |= !r.manager_months.empty();
  if (any_manager_months && wanted("managers")) files.emplace_back("manager_months.csv", csv(manager_months_table(rs)));
  if (wanted("attribution") || attribution) {
    const scenario::AttributionSet none;
    files.emplace_back("attribution.csv", csv(attribution_table(rs, attribution ? *attribution : none)));
  }
  if (wanted("runs")) files.emplace_back("runs.csv", csv(runs_table(rs)));
  if (wanted("summary")) files.emplace_back("summary.json", summary_json(rs, version(), sc.experiment.precision));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the output folder: " + ec.message());
  std::vector<std::string> written;
  std::vector<std::pair<std::string, std::string>> hashes;
  auto put = [&](const std::string& name, const std::string& text) {
    write_atomically(dir + "/" + name, text);
    written.push_back(name);
    hashes.emplace_back(name, scenario::content_hash(text));
  };
  for (const auto& [name, text] : files) put(name, text);
  files.clear();
  // The effective scenario, with the seed and replications this run used, so that running
  // it again reproduces these results exactly.
  scenario::Scenario eff = sc;
  eff.experiment.seed = rs.seed;
  eff.experiment.replications = rs.results.empty() ? 0 : static_cast<std::int64_t>(rs.results.front().size());
  const std::string body = scenario::effective_yaml(eff);
  put("scenario.effective.yaml", std::string("# effective scenario written by tenure ") + version() + " from " + source +
                                     "\n# hash " + scenario::content_hash(body) + "\n" + body);
  // How it was made, last: with every file's hash (`tenure verify DIR`).
  Provenance none;
  none.attribution = attribution != nullptr;
  write_atomically(dir + "/manifest.json", manifest_json(sc, rs, provenance ? *provenance : none, source, scenario::content_hash(body), hashes));
  written.push_back("manifest.json");
  return written;
}

}  // namespace tenure::output
