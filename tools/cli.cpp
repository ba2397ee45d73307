// The `tenure` command line: run, snapshot, fork, report, workshop, explain, validate, list, schema. Bad input
// exits with status 2 and writes nothing; every error names the file, line and column.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <iostream>
#include <map>
#include <unordered_map>
#include <optional>

#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"
#include "tenure/model/components.hpp"
#include "tenure/output/checkpoint.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/output.hpp"
#include "tenure/output/provenance.hpp"
#include "tenure/report/report.hpp"
#include "tenure/scenario/experiment.hpp"
#include "cli.hpp"
#include "workshop.hpp"

using namespace tenure;

namespace {

template <class Reg>
void list_registry(const Reg& reg) {
  for (const auto* e : reg.entries()) {
    std::printf("  %-16s %s\n", e->name.c_str(), e->description.c_str());
    for (const auto& p : e->params)
      std::printf("      %-20s %s (default %s): %s\n", p.name.c_str(), p.expectation().c_str(),
                  format_value(p.default_value).c_str(), p.description.c_str());
  }
}

// The bundled scenarios: $TENURE_SCENARIO_DIR, else <prefix>/share/tenure/scenarios beside an
// installed binary, else the source tree this binary was built from.
std::filesystem::path scenario_dir() {
  if (const char* env = std::getenv("TENURE_SCENARIO_DIR"); env && *env) return env;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "tenure" / "scenarios";
    if (std::filesystem::is_directory(installed, ec)) return installed;
  }
  return TENURE_SCENARIO_DIR;
}

// Numbers for people, as in the report; an undefined interval (one replication) is "n/a".
std::string human(double x) { return output::human(x, "n/a"); }

void print_table(const scenario::RunSet& rs, double target) {
  const output::Table summary = output::summary_table(rs, target);
  const auto& mean = summary.column("mean");
  const auto& low = summary.column("ci_low");
  const auto& high = summary.column("ci_high");
  const auto& rel = summary.column("relative_half_width");
  const auto& needed = summary.column("replications_needed");
  const std::size_t n_metrics = output::metrics().size();
  std::printf("\n%-26s", "metric (mean [95% CI])");
  for (const auto& v : rs.variants) std::printf(" | %-28s", v.c_str());
  std::printf("\n");
  // summary rows are (variant, metric) in order.
  double widest = 0, most = 0;
  std::string widest_at;
  for (std::size_t k = 0; k < n_metrics; ++k) {
    std::printf("%-26s", output::metrics()[k].name.c_str());
    for (std::size_t v = 0; v < rs.variants.size(); ++v) {
      const std::size_t i = v * n_metrics + k;
      std::string cell = human(mean.reals[i]) + (std::isfinite(low.reals[i])
                                                    ? " [" + human(low.reals[i]) + ", " + human(high.reals[i]) + "]"
                                                    : std::string(" [n/a: 1 replication]"));
      std::printf(" | %-28s", cell.c_str());
      if (std::isfinite(rel.reals[i]) && rel.reals[i] > widest)
        widest = rel.reals[i], widest_at = std::string(output::metrics()[k].name) + " of " + rs.variants[v];
      if (std::isfinite(needed.reals[i])) most = std::max(most, needed.reals[i]);
    }
    std::printf("\n");
  }
  if (widest > 0)
    std::printf("precision: the widest 95%% interval is ±%.1f%% of its mean (%s); %.0f replications would bring every "
                "mean within ±%g%%\n",
                100 * widest, widest_at.c_str(), std::max(most, static_cast<double>(rs.results.front().size())), 100 * target);
  {
    // Warm-up of the main monthly series, for steady-state questions (the first variant run).
    const output::Table w = output::warm_up_table(rs, output::default_warm_up_columns());
    std::string line;
    for (std::size_t i = 0; i < w.rows(); ++i) {
      const auto& var = w.column("variant");
      if (var.levels[static_cast<std::size_t>(var.codes[i])] != rs.variants.front()) continue;
      const auto& col = w.column("column");
      line += (line.empty() ? "" : ", ") + col.levels[static_cast<std::size_t>(col.codes[i])] + " " +
              (w.column("settled").integers[i] ? std::to_string(w.column("truncate_months").integers[i]) + " months"
                                               : std::string("not settled"));
    }
    if (!line.empty())
      std::printf("warm-up (MSER-5, %s): %s\n", rs.variants.front().c_str(), line.c_str());
  }
  if (rs.variants.size() > 1 && rs.variants.front() == "base") {
    const output::Table t = output::paired_table(rs, "base");
    const bool several = rs.variants.size() > 2;
    std::printf("\npaired difference vs base (common random numbers; r: their correlation, x: the variance they saved)%s:\n",
                several ? ", with Holm's correction over the variants" : "");
    for (std::size_t v = 1; v < rs.variants.size(); ++v)
      if (const auto why = output::not_comparable_reason(rs, v, 0); !why.empty())
        std::printf("  %-22s %s\n", rs.variants[v].c_str(), why.c_str());
    const auto& var = t.column("variant");
    const auto& met = t.column("metric");
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const double m = t.column("mean").reals[i], lo = t.column("ci_low").reals[i], hi = t.column("ci_high").reals[i];
      const double hlo = t.column("holm_low").reals[i], hhi = t.column("holm_high").reals[i];
      const double r = t.column("crn_correlation").reals[i], x = t.column("variance_reduction").reals[i];
      const bool clear = several ? (hlo > 0 || hhi < 0) : (lo > 0 || hi < 0);
      std::string extra = several ? "  Holm [" + human(hlo) + ", " + human(hhi) + "]" : std::string();
      char crn[64];
      std::snprintf(crn, sizeof crn, "  r %.2f, x %s", r, std::isfinite(x) ? output::human(x).c_str() : "n/a");
      std::printf("  %-22s %-24s %s [%s, %s]%s%s%s\n", var.levels[static_cast<std::size_t>(var.codes[i])].c_str(),
                  met.levels[static_cast<std::size_t>(met.codes[i])].c_str(), human(m).c_str(), human(lo).c_str(),
                  human(hi).c_str(), extra.c_str(), std::isfinite(r) ? crn : "", clear ? "  *" : "");
    }
    std::printf(several ? "  (* Holm's interval excludes zero: the difference holds with the variants compared together)\n"
                        : "  (* the 95%% interval excludes zero)\n");
  }
}

// Per-manager view of the base variant: the "look at her numbers" table.
void print_managers(const scenario::RunSet& rs) {
  const auto& runs = rs.results.front();
  struct Acc { double nb = 0, ret = 0, retained = 0, promo = 0, exited = 0; int n = 0; };
  std::vector<std::pair<std::string, Acc>> rows;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& r : runs)
    for (const auto& m : r.managers) {
      if (m.name.rfind("hire", 0) == 0) continue;
      const auto [at, fresh] = index.emplace(m.name, rows.size());
      if (fresh) {
        if (rows.size() == 12) return;  // a table for a handful of managers only
        rows.push_back({m.name, {}});
      }
      auto it = rows.begin() + static_cast<std::ptrdiff_t>(at->second);
      it->second.nb += m.new_business, it->second.ret += m.retention_rate, it->second.retained += m.retained_value;
      it->second.promo += static_cast<double>(m.promotions), it->second.exited += m.exited, ++it->second.n;
    }
  std::printf("\nmanagers in %s (means over %zu replications):\n", rs.variants.front().c_str(), runs.size());
  std::printf("  %-14s %14s %10s %16s %11s %8s\n", "manager", "new business", "retention", "retained value",
              "promotions", "left");
  for (const auto& [name, a] : rows)
    std::printf("  %-14s %14s %9.0f%% %16s %11.2f %7.0f%%\n", name.c_str(), human(a.nb / a.n).c_str(),
                100 * a.ret / a.n, human(a.retained / a.n).c_str(), a.promo / a.n, 100 * a.exited / a.n);
}

void print_attribution(const scenario::RunSet& rs, const scenario::AttributionSet& at) {
  std::printf("\nwhat caused the lost value (Shapley values over counterfactual runs) vs whom the rule blames, %s:\n",
              rs.variants.front().c_str());
  for (std::size_t j = 0; j < at.factors.size(); ++j) {
    std::vector<double> x;
    for (const auto& a : at.results.front()) x.push_back(a.shapley[j]);
    const auto iv = output::mean_ci(x);
    std::printf("  %-18s %12s [%s, %s]\n", model::to_string(at.factors[j]), human(iv.mean).c_str(),
                human(iv.low).c_str(), human(iv.high).c_str());
  }
  std::vector<double> base;
  for (const auto& a : at.results.front()) base.push_back(a.lost_all_off);
  std::printf("  %-18s %12s (lost with every factor off)\n", "baseline", human(output::mean_ci(base).mean).c_str());
  std::map<std::string, double> blame;
  for (const auto& r : rs.results.front())
    for (const auto& m : r.managers) blame[m.name] += m.blamed_value / static_cast<double>(rs.results.front().size());
  std::vector<std::pair<double, std::string>> top;
  for (const auto& [n, b] : blame) top.emplace_back(-b, n);
  std::sort(top.begin(), top.end());
  std::printf("  blamed: ");
  for (std::size_t i = 0; i < top.size() && i < 4; ++i) std::printf("%s%s %s", i ? ", " : "", top[i].second.c_str(), human(-top[i].first).c_str());
  std::printf("\n");
}

// A progress bar on stderr when it is a terminal, shown once a second has passed.
std::function<void(std::size_t, std::size_t)> progress_bar() {
  if (!isatty(2)) return {};
  const auto t0 = std::chrono::steady_clock::now();
  return [t0](std::size_t done, std::size_t total) {
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (el < 1.0 && done < total) return;
    const double eta = done ? el / static_cast<double>(done) * static_cast<double>(total - done) : 0;
    const int width = 30, fill = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs, %.1fs elapsed, ETA %.1fs ", fill,
                 "##############################", width - fill, "", done, total, el, eta);
    if (done == total) std::fprintf(stderr, "\n");
  };
}

// A scenario given on the command line: a file, or the name of a bundled story
// ("ann_vs_darren", with or without .yaml), as in Python's tenure.load.
std::string scenario_file(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::exists(arg, ec)) return arg;
  std::vector<std::string> bundled;
  for (const auto& e : std::filesystem::directory_iterator(scenario_dir(), ec))
    if (e.path().extension() == ".yaml") bundled.push_back(e.path().stem().string());
  std::sort(bundled.begin(), bundled.end());
  std::string stem = arg;
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".yaml") == 0) stem.resize(stem.size() - 5);
  if (arg.find('/') == std::string::npos && std::find(bundled.begin(), bundled.end(), stem) != bundled.end())
    return (scenario_dir() / (stem + ".yaml")).string();
  throw Error(arg.find('/') == std::string::npos
                  ? unknown_name_message("scenario file or bundled scenario", arg, bundled)
                  : excerpt(arg, 200) + ": cannot open scenario file (no such file)");
}

// Loads a scenario named on the command line and prints what deserves a word about it.
scenario::Scenario load_scenario(const std::string& arg, const std::vector<std::string>& sets = {}) {
  scenario::Scenario sc = scenario::load(scenario_file(arg), sets);
  for (const auto& w : sc.warnings) std::fprintf(stderr, "%s\n", w.c_str());
  return sc;
}

std::optional<std::uint64_t> seed_option(const std::string& text, bool given) {
  if (!given) return std::nullopt;  // the file's seed
  std::string err;
  auto v = scenario::parse_seed(text, err);
  if (!v) throw Error("--seed: " + err);
  return v;
}

// Base and every variant, as --all-variants asks.
std::vector<std::string> all_variants(const scenario::Scenario& sc) {
  std::vector<std::string> v{"base"};
  for (const auto& x : sc.variants) v.push_back(x.first);
  return v;
}

// Finished replications are kept in OUT/.partial/ while a run goes on: the same command after a
// kill resumes, and ends with the files an uninterrupted run writes.
void keep_checkpoints(scenario::RunOptions& o, const output::Checkpoint& checkpoint) {
  o.restore = [&checkpoint](const std::string& v, std::size_t r, model::RunResult& res) { return checkpoint.load(v, r, res); };
  o.finished = [&checkpoint](const std::string& v, std::size_t r, const model::RunResult& res) { checkpoint.save(v, r, res); };
}

// Writes the results folder (and the report when asked), then drops the checkpoints. Returns
// the names of the files written.
std::vector<std::string> write_results(const std::string& out, const scenario::Scenario& sc, const scenario::RunSet& rs,
                                       const scenario::AttributionSet* at, const std::string& source, bool with_report,
                                       const output::Checkpoint& checkpoint, const output::Provenance& prov) {
  scenario::Scenario with = sc;
  if (with_report)  // the report reads these tables: they are written even when outputs leaves them out
    for (const char* need : {"timeseries", "managers", "runs"})
      if (std::find(with.experiment.outputs.begin(), with.experiment.outputs.end(), need) == with.experiment.outputs.end())
        with.experiment.outputs.push_back(need);
  auto written = output::write_run(out, with, rs, at, source, &prov);
  if (with_report) {
    output::write_atomically(out + "/report.html", report::html(out));
    written.push_back("report.html");
  } else if (std::error_code ec; std::filesystem::exists(out + "/report.html", ec)) {
    std::fprintf(stderr,
                 "warning: %s/report.html is from an earlier run and does not show these results; "
                 "refresh it with `tenure report %s` (or run with --report)\n",
                 out.c_str(), out.c_str());
  }
  checkpoint.clear();
  return written;
}

void print_written(const std::string& out, const std::vector<std::string>& written) {
  std::string files;
  for (const auto& f : written) files += (files.empty() ? "" : ",") + f;
  std::printf("\nwrote %s/{%s}\n", out.c_str(), files.c_str());
}

int cmd_snapshot(const std::string& file, const std::string& at, const std::string& variant, std::optional<std::uint64_t> seed,
                 std::int64_t reps, const std::string& out, unsigned threads, bool quiet,
                 const std::vector<std::string>& sets) {
  const scenario::Scenario sc = load_scenario(file, sets);
  const double day = scenario::parse_duration(at);
  scenario::RunOptions o;
  o.seed = seed;
  o.replications = reps;
  o.threads = threads;
  if (!quiet) o.progress = progress_bar();
  const auto snap = scenario::take_snapshot(sc, variant, day, o);
  const std::string target = out.empty() ? sc.name + ".snap" : out;
  output::write_atomically(target, scenario::encode(snap));
  if (!quiet)
    std::printf("wrote %s: %zu replications of %s/%s at day %s (seed %llu)\n", target.c_str(), snap.states.size(),
                sc.name.c_str(), variant.c_str(), output::number(day).c_str(), static_cast<unsigned long long>(snap.seed));
  return 0;
}

int cmd_fork(const std::string& snap_file, const std::string& scenario_file, std::vector<std::string> variants, bool all,
             std::string out, unsigned threads, bool quiet, const std::vector<std::string>& sets, bool with_report,
             const std::string& invocation) {
  const auto started = std::chrono::steady_clock::now();
  for (const auto& s : sets)
    if (s.rfind("experiment.", 0) == 0 && s.rfind("experiment.horizon", 0) != 0)
      throw Error("--set " + excerpt(s, 120) + ": a fork continues the snapshot's replications with its seed; "
                  "take a new snapshot to change experiment.seed or experiment.replications");
  const auto snap = scenario::decode(read_regular_file(snap_file, "snapshot file", std::size_t{1} << 36), snap_file);
  const scenario::Scenario sc = scenario_file.empty() ? scenario::scenario_of(snap, sets) : load_scenario(scenario_file, sets);
  if (all) variants = all_variants(sc);
  if (variants.empty()) variants = {snap.variant};
  if (out.empty()) out = "results/" + sc.name + "-fork";
  scenario::RunOptions o;
  o.variants = variants;
  o.threads = threads;
  if (!quiet) o.progress = progress_bar();
  std::string key_text = "fork\n" + scenario::content_hash(scenario::encode(snap)) + "\n" + scenario::effective_yaml(sc);
  for (const auto& v : variants) key_text += "\nvariant " + v;
  const output::Checkpoint checkpoint(out, scenario::content_hash(key_text));
  keep_checkpoints(o, checkpoint);
  const auto rs = scenario::fork(sc, snap, o);
  const std::string source = snap_file + " (forked at day " + output::number(snap.day) + " from " + snap.variant +
                             "; running this scenario from the start does not reproduce a fork: fork the snapshot again)";
  output::Provenance prov;
  prov.kind = "fork";
  prov.invocation = invocation;
  prov.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto written = write_results(out, sc, rs, nullptr, source, with_report, checkpoint, prov);
  if (!quiet) {
    std::printf("%s forked at day %s from %s, %zu replications\n", sc.name.c_str(), output::number(snap.day).c_str(),
                snap.variant.c_str(), snap.states.size());
    print_table(rs, sc.experiment.precision);
    print_managers(rs);
    print_written(out, written);
  }
  return 0;
}

// `tenure run --precision`: replications are added until every mean asked for is within the
// precision (its 95% half-width over its size), or the limit is reached.
struct Sequential {
  std::string precision;             // empty: run the replications asked for, once
  std::vector<std::string> metrics;  // empty: every metric whose advice is defined
  std::int64_t max_replications = 1000;
};

// The largest number of replications the chosen metrics need (0 when all are within the
// target), and the metric and variant that need it.
std::pair<double, std::string> most_needed(const scenario::RunSet& rs, const Sequential& seq, double target) {
  const output::Table t = output::summary_table(rs, target);
  const auto& var = t.column("variant");
  const auto& met = t.column("metric");
  const auto& needed = t.column("replications_needed");
  std::pair<double, std::string> most{0.0, ""};
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const std::string& m = met.levels[static_cast<std::size_t>(met.codes[i])];
    if (!seq.metrics.empty() && std::find(seq.metrics.begin(), seq.metrics.end(), m) == seq.metrics.end()) continue;
    if (std::isfinite(needed.reals[i]) && needed.reals[i] > most.first)
      most = {needed.reals[i], m + " of " + var.levels[static_cast<std::size_t>(var.codes[i])]};
  }
  return most;
}

// The interpreter: $TENURE_PYTHON, else the python3 beside this executable (pip installed both
// in the same environment's bin/), else python3 on the PATH.
std::string python_interpreter() {
  if (const char* env = std::getenv("TENURE_PYTHON"); env && *env) return env;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (const char* name : {"python3", "python"})
      if (const auto beside = exe.parent_path() / name; std::filesystem::exists(beside, ec)) return beside.string();
  return "python3";
}

// Replaces this process with `PYTHON -m MODULE ARGS...`; returns only if it cannot start, after
// saying why and what to install.
int exec_python(const char* module, const std::vector<std::string>& args, const char* why) {
  const std::string python = python_interpreter();
  std::vector<std::string> words{python, "-m", module};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  execvp(argv[0], argv.data());
  std::fprintf(stderr, "%s, and %s cannot be started (%s) (or set TENURE_PYTHON)\n", why, python.c_str(), std::strerror(errno));
  return 2;
}

// Calibration lives in the Python package (Optuna, pyabc): the command hands its arguments to
// `python3 -m tenure.calibrate_command`.
int cmd_calibrate(const std::vector<std::string>& args) {
  return exec_python("tenure.calibrate_command", args,
                     "tenure calibrate: calibration runs in the Python package (pip install 'tenure[calibrate]')");
}

int cmd_run(const std::string& file, std::optional<std::uint64_t> seed, std::int64_t reps, std::vector<std::string> variants,
            bool all, std::string out, unsigned threads, bool quiet, bool attribution,
            std::vector<std::string> sets, bool with_report, const Sequential& seq, const std::string& invocation) {
  const auto started = std::chrono::steady_clock::now();
  if (!seq.precision.empty()) sets.push_back("experiment.precision=" + seq.precision);
  for (const auto& m : seq.metrics) (void)output::metric(m);  // an unknown name is refused before anything runs
  scenario::Scenario sc = load_scenario(file, sets);
  if (all) variants = all_variants(sc);
  if (out.empty()) out = "results/" + sc.name;
  scenario::RunOptions o;
  o.seed = seed;
  o.replications = reps;
  o.variants = variants;
  o.threads = threads;
  if (!quiet) o.progress = progress_bar();
  std::string key_text = scenario::effective_yaml(sc) + "\nseed " + (seed ? std::to_string(*seed) : std::string("file")) +
                         "\nreplications " + std::to_string(reps) +
                         (seq.precision.empty() ? std::string() : "\nprecision up to " + std::to_string(seq.max_replications));
  for (const auto& v : variants) key_text += "\nvariant " + v;
  const output::Checkpoint checkpoint(out, scenario::content_hash(key_text));
  const std::size_t resumed = checkpoint.saved();
  keep_checkpoints(o, checkpoint);
  if (resumed > 0 && !quiet)
    std::fprintf(stderr, "resuming: %zu replications finished by an interrupted run are kept\n", resumed);
  auto rs = scenario::run(sc, o);
  if (!seq.precision.empty()) {
    // Each round runs as many more as the estimate asks (at most four times those run so
    // far, so that a noisy first estimate does not overshoot), keeping the replications'
    // numbers: the result is the same as one run of that many.
    const double target = sc.experiment.precision;
    for (;;) {
      const auto [needed, which] = most_needed(rs, seq, target);
      const auto have = static_cast<std::int64_t>(rs.results.front().size());
      if (needed <= static_cast<double>(have)) break;
      if (have >= seq.max_replications) {
        std::fprintf(stderr,
                     "warning: after %lld replications (--max-replications) %s still needs %.0f for a 95%% interval "
                     "within ±%g%% of its mean; the results are written as they are\n",
                     static_cast<long long>(have), which.c_str(), needed, 100 * target);
        break;
      }
      const auto next = std::min<std::int64_t>(
          seq.max_replications, std::max<std::int64_t>(have + 2, std::min<std::int64_t>(static_cast<std::int64_t>(needed), 4 * have)));
      if (!quiet)
        std::fprintf(stderr, "precision ±%g%%: %s needs about %.0f replications; running %lld more\n", 100 * target,
                     which.c_str(), needed, static_cast<long long>(next - have));
      scenario::RunOptions more = o;
      more.replications = next - have;
      more.first_replication = static_cast<std::uint64_t>(have);
      scenario::append(rs, scenario::run(sc, more));
    }
  }
  // Everything is computed before anything is written.
  scenario::AttributionSet at;
  if (attribution) {
    // 2^F counterfactual runs per replication: shown as they go, and kept like the runs, so a
    // killed run resumes here too.
    scenario::AttributionOptions ao;
    ao.threads = threads;
    if (!quiet) {
      std::fprintf(stderr, "attributing lost value: %zu counterfactual runs per replication\n",
                   std::size_t{1} << scenario::default_factors(sc.base).size());
      ao.progress = progress_bar();
    }
    ao.restore = [&checkpoint](const std::string& v, std::size_t r, model::Attribution& a) { return checkpoint.load(v, r, a); };
    ao.finished = [&checkpoint](const std::string& v, std::size_t r, const model::Attribution& a) { checkpoint.save(v, r, a); };
    at = scenario::attribute(sc, rs, scenario::default_factors(sc.base), ao);
  }
  output::Provenance prov;
  prov.invocation = invocation;
  prov.attribution = attribution;
  prov.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto written = write_results(out, sc, rs, attribution ? &at : nullptr, file, with_report, checkpoint, prov);
  if (!quiet) {
    std::printf("%s\n", sc.story.c_str());
    print_table(rs, sc.experiment.precision);
    print_managers(rs);
    if (attribution) print_attribution(rs, at);
    print_written(out, written);
  }
  return 0;
}

}  // namespace

// Whether a command needs Python: a `--plugin`, or a scenario file (or a results folder's
// effective scenario) among the arguments that has `plugins:`.
static bool needs_python(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plugin" || a.rfind("--plugin=", 0) == 0) return true;
    std::error_code ec;
    std::filesystem::path f(a);
    if (std::filesystem::is_directory(f, ec)) f /= "scenario.effective.yaml";
    const std::string ext = f.extension().string();
    if ((ext == ".yaml" || ext == ".yml") && std::filesystem::is_regular_file(f, ec) && !scenario::plugins_of(f.string()).empty())
      return true;
  }
  return false;
}

// Runs the same command in Python's `tenure.cli`.
static int exec_python_cli(int argc, char** argv) {
  return exec_python("tenure.cli", std::vector<std::string>(argv + 1, argv + argc),
                     "tenure: this command uses strategies written in Python (--plugin, or the scenario's plugins:), "
                     "which run in the Python package (pip install tenure)");
}

int tenure::cli::main(int argc, char** argv, bool parse_only, bool in_python) {
  if (!parse_only && !in_python && needs_python(argc, argv)) return exec_python_cli(argc, argv);
  // The command as typed, quoted for a POSIX shell: what manifest.json records.
  std::string invocation;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                         "_-./=:,%+@") == std::string::npos;
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    invocation += (i ? " " : "") + (plain ? a : q + "'");
  }
  CLI::App app{"tenure: discrete-event simulation of careers and client accounts"};
  app.require_subcommand(1);
  app.set_version_flag("--version", output::version());

  std::string file, out, seed_text;
  std::int64_t reps = 0;
  std::vector<std::string> variants;
  bool all = false, quiet = false, attribution = false;
  unsigned threads = 0;
  auto* run = app.add_subcommand("run", "run a scenario's replications and write results");
  run->add_option("file", file, "scenario file (YAML)")->required();
  run->add_option("--seed", seed_text, "master seed, 0 to 2^64-1 (default: the scenario's)");
  run->add_option("--replications,-r", reps, "replications (default: the scenario's)")->check(CLI::PositiveNumber);
  run->add_option("--variant", variants, "variant to run (repeatable; 'base' is the scenario itself)")->allow_extra_args(false);
  run->add_flag("--all-variants", all, "run the base and every variant");
  run->add_option("--out,-o", out, "output folder (default: results/<scenario name>)");
  run->add_option("--threads,-j", threads, "worker threads (default: all cores); results do not depend on it");
  run->add_flag("--quiet,-q", quiet, "print nothing but errors");
  run->add_flag("--attribution", attribution,
                "also attribute lost value to factors by Shapley values over counterfactual runs (2^F runs each)");

  // `--plugin FILE.py|module`: read by Python's tenure.cli, which imports it before this runs.
  std::vector<std::string> plugins;
  auto plugin_option = [&plugins](CLI::App* sub) {
    sub->add_option("--plugin", plugins,
                    "a Python file or module that registers strategies (repeatable; runs the command in the Python "
                    "package: docs/extending.md)")
        ->allow_extra_args(false);
  };
  plugin_option(run);
  bool with_report = false;
  run->add_flag("--report", with_report, "also write DIR/report.html (see `tenure report`)");
  Sequential seq;
  run->add_option("--precision", seq.precision,
                  "add replications until every mean's 95% interval is within this share of it, e.g. 5% or 0.05 "
                  "(sets experiment.precision)");
  run->add_option("--precision-metric", seq.metrics, "with --precision: only these metrics (repeatable; default: all)")
      ->allow_extra_args(false);
  run->add_option("--max-replications", seq.max_replications, "with --precision: stop adding at this many (default 1000)")
      ->check(CLI::Range(2, 1000000));
  std::vector<std::string> sets;
  run->add_option("--set", sets, "override a scalar parameter: key.path=value (repeatable), e.g. --set 'churn.base_rate=0.2 per year'")
      ->allow_extra_args(false);

  std::string snap_file, snap_at, snap_variant = "base", snap_out;
  std::vector<std::string> snap_sets;
  auto* snapc = app.add_subcommand("snapshot", "run a scenario up to a day and save every replication's whole state");
  snapc->add_option("file", snap_file, "scenario file (YAML)")->required();
  snapc->add_option("--at", snap_at, "when: a duration from the start, e.g. '24 months' (the state before that day's events)")->required();
  snapc->add_option("--variant", snap_variant, "the variant to run up to then (default: base)");
  snapc->add_option("--seed", seed_text, "master seed, 0 to 2^64-1 (default: the scenario's)");
  snapc->add_option("--replications,-r", reps, "replications (default: the scenario's)")->check(CLI::PositiveNumber);
  snapc->add_option("--out,-o", snap_out, "the snapshot file to write (default: <scenario name>.snap)");
  snapc->add_option("--threads,-j", threads, "worker threads (default: all cores); the snapshot does not depend on it");
  snapc->add_flag("--quiet,-q", quiet, "print nothing but errors");
  snapc->add_option("--set", snap_sets, "override a scalar parameter: key.path=value (repeatable)")->allow_extra_args(false);
  plugin_option(snapc);

  std::string fork_snap, fork_scenario, fork_out;
  std::vector<std::string> fork_variants, fork_sets;
  bool fork_all = false, fork_report = false;
  auto* forkc = app.add_subcommand("fork", "continue a snapshot under one or more variants and write results as `run` does");
  forkc->add_option("snapshot", fork_snap, "snapshot file written by `tenure snapshot`")->required();
  forkc->add_option("--scenario", fork_scenario, "take the variants from this scenario file (default: the one saved in the snapshot)");
  forkc->add_option("--variant", fork_variants, "variant to continue with (repeatable; default: the snapshot's own)")
      ->allow_extra_args(false);
  forkc->add_flag("--all-variants", fork_all, "continue with the base and every variant");
  forkc->add_option("--out,-o", fork_out, "output folder (default: results/<scenario name>-fork)");
  forkc->add_option("--threads,-j", threads, "worker threads (default: all cores); results do not depend on it");
  forkc->add_flag("--quiet,-q", quiet, "print nothing but errors");
  forkc->add_flag("--report", fork_report, "also write DIR/report.html");
  forkc->add_option("--set", fork_sets, "override a scalar parameter in every fork: key.path=value (repeatable)")
      ->allow_extra_args(false);
  plugin_option(forkc);

  std::string report_dir, report_out;
  auto* rep = app.add_subcommand("report", "write a self-contained HTML report of a results folder");
  rep->add_option("dir", report_dir, "results folder written by `tenure run`")->required();
  rep->add_option("-o,--out", report_out, "the HTML file to write (default: DIR/report.html)");

  workshop::Options ws;
  auto* wsc = app.add_subcommand("workshop", "serve the workshop page: two panes, sliders for the levers, live re-runs");
  wsc->add_option("file", ws.file, "a scenario to open first (the bundled stories are listed too)");
  wsc->add_option("--host", ws.host, "address to listen on (default 127.0.0.1: this machine only)");
  wsc->add_option("--port,-p", ws.port, "port (default 8600; 0: any free port)")->check(CLI::Range(0, 65535));
  wsc->add_option("--replications,-r", ws.replications, "replications per pane and re-run (default 30)")->check(CLI::Range(2, 1000));
  wsc->add_flag("--room", ws.room,
                "a room where each trainee steers a manager of FILE from their own browser (listens on the local network, 0.0.0.0, unless --host)");
  wsc->add_option("--variant", ws.room_variant, "with --room: the variant to play (default: base)");
  wsc->add_option("--set", ws.room_sets, "with --room: override a scalar parameter, key.path=value (repeatable)")->allow_extra_args(false);
  wsc->add_option("--months-per-step", ws.room_months, "with --room: months the trainer advances at a time (default 3, a quarter)")
      ->check(CLI::Range(1, 12));
  std::string room_seed_text;
  wsc->add_option("--seed", room_seed_text, "with --room: the seed (default: the scenario's)");

  std::string explain_file;
  std::vector<std::string> explain_sets;
  auto* explain = app.add_subcommand("explain", "print the effective scenario: every parameter, defaults filled in");
  explain->add_option("file", explain_file, "scenario file")->required();
  explain->add_option("--set", explain_sets, "override a scalar parameter: key.path=value (repeatable)")->allow_extra_args(false);
  plugin_option(explain);

  bool markdown = false, columns = false;
  auto* schema = app.add_subcommand("schema", "print the JSON Schema of scenario files (or, with --markdown, the key reference; with --columns, the output columns)");
  auto* md_flag = schema->add_flag("--markdown", markdown, "print the reference of keys and components as Markdown");
  auto* col_flag = schema->add_flag("--columns", columns, "print the reference of every output table's columns as Markdown")->excludes(md_flag);
  bool sources = false;
  schema->add_flag("--sources", sources, "print where each default comes from, as docs/model.md's table")
      ->excludes(md_flag)
      ->excludes(col_flag);

  std::string describe_file, describe_out;
  std::vector<std::string> describe_sets;
  bool odd = false;
  auto* describe = app.add_subcommand("describe", "describe the model as a scenario configures it (the ODD protocol)");
  describe->add_option("file", describe_file, "scenario file or bundled story")->required();
  describe->add_flag("--odd", odd, "in the ODD protocol (Grimm et al. 2020): the only form so far")->required();
  describe->add_option("-o,--out", describe_out, "write it to this file (default: print it)");
  describe->add_option("--set", describe_sets, "override a scalar parameter: key.path=value (repeatable)")->allow_extra_args(false);
  plugin_option(describe);

  std::vector<std::string> files;
  auto* validate = app.add_subcommand("validate", "check scenario files and report every problem");
  validate->add_option("files", files, "scenario files")->required();
  plugin_option(validate);

  std::string what;
  auto* calib = app.add_subcommand("calibrate",
                                   "fit parameters to target statistics: FILE --targets T.yaml [--method optuna|abc] "
                                   "(runs Python's tenure.calibrate; see docs/research.md)");
  calib->prefix_command();  // every argument goes to Python's `tenure calibrate`, --help included
  calib->set_help_flag();
  std::string verify_dir;
  auto* verifyc = app.add_subcommand("verify", "run a results folder again from its manifest and check the bytes");
  verifyc->add_option("dir", verify_dir, "results folder written by `tenure run`")->required();
  verifyc->add_option("--threads,-j", threads, "worker threads (default: all cores)");
  auto* list = app.add_subcommand("list", "list registered components or the bundled scenarios");
  list->add_option("what", what, "strategies | policies | blame-rules | order-rules | generators | markets | scenarios")
      ->required()
      ->check(CLI::IsMember({"strategies", "policies", "blame-rules", "order-rules", "generators", "markets", "scenarios"}));
  plugin_option(list);
  plugin_option(schema);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (parse_only) return 0;
  if (*calib) return cmd_calibrate(calib->remaining());
  if (*verifyc) {
    try {
      const auto v = output::verify(verify_dir, threads);
      for (const auto& line : v.lines) std::printf("%s\n", line.c_str());
      std::printf(v.same ? "verified: every file is the same\n" : "NOT verified: a file differs from what was recorded\n");
      return v.same ? 0 : 1;
    } catch (const Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }

  try {
    if (*run) return cmd_run(file, seed_option(seed_text, run->count("--seed") > 0), reps, variants, all, out, threads, quiet, attribution, sets, with_report, seq, invocation);
    if (*snapc)
      return cmd_snapshot(snap_file, snap_at, snap_variant, seed_option(seed_text, snapc->count("--seed") > 0), reps, snap_out, threads, quiet, snap_sets);
    if (*forkc)
      return cmd_fork(fork_snap, fork_scenario, fork_variants, fork_all, fork_out, threads, quiet, fork_sets, fork_report,
                      invocation);
    if (*wsc) {
      if (ws.room) {
        if (ws.file.empty()) throw Error("workshop --room: name the scenario to play, e.g. tenure workshop --room market_shock");
        if (!wsc->count("--host")) ws.host = "0.0.0.0";  // the room's network; asked for with --room, never by default
        if (wsc->count("--seed")) ws.room_seed = seed_option(room_seed_text, true);
      } else if (wsc->count("--variant") || wsc->count("--set") || wsc->count("--seed") || wsc->count("--months-per-step")) {
        throw Error("workshop: --variant, --set, --seed and --months-per-step are for --room");
      }
      if (!ws.file.empty()) ws.file = scenario_file(ws.file), load_scenario(ws.file, ws.room_sets);  // a bad file is reported first
      ws.scenario_dir = scenario_dir().string();
      return workshop::serve(ws);
    }
    if (*rep) {
      const std::string page = report::html(report_dir);
      const std::string target = report_out.empty() ? report_dir + "/report.html" : report_out;
      output::write_atomically(target, page);
      std::printf("wrote %s\n", target.c_str());
      return 0;
    }
    if (*schema) {
      std::fputs((columns   ? output::columns_markdown()
                  : sources ? scenario::sources_markdown()
                  : markdown ? scenario::reference_markdown()
                             : scenario::json_schema())
                     .c_str(),
                 stdout);
      return 0;
    }
    if (*describe) {
      const std::string text = scenario::odd_markdown(load_scenario(describe_file, describe_sets));
      if (describe_out.empty()) std::fputs(text.c_str(), stdout);
      else output::write_atomically(describe_out, text);
      return 0;
    }
    if (*explain) {
      const auto sc = load_scenario(explain_file, explain_sets);
      const std::string body = scenario::effective_yaml(sc);
      std::printf("# hash %s\n%s", scenario::content_hash(body).c_str(), body.c_str());
      return 0;
    }
    if (*validate) {
      int bad = 0;
      for (const auto& f : files) {
        try {
          const auto sc = load_scenario(f);
          std::printf("%s: ok (%zu variants)\n", f.c_str(), sc.variants.size());
        } catch (const Error& e) {
          std::fprintf(stderr, "%s\n", e.what());
          ++bad;
        }
      }
      return bad ? 2 : 0;
    }
    if (*list) {
      if (what == "strategies") {
        std::printf("time allocation:\n");
        list_registry(model::time_allocations());
        std::printf("service style:\n");
        list_registry(model::service_styles());
        std::printf("pressure behaviour:\n");
        list_registry(model::pressure_behaviours());
      } else if (what == "policies") {
        list_registry(model::promotion_policies());
      } else if (what == "blame-rules") {
        list_registry(model::blame_rules());
      } else if (what == "order-rules") {
        if (model::order_rules().entries().empty()) std::printf("(none built in: plugins register their own, docs/extending.md)\n");
        list_registry(model::order_rules());
      } else if (what == "generators") {
        list_registry(model::network_generators());
      } else if (what == "markets") {
        list_registry(model::market_models());
      } else {
        const std::filesystem::path dir = scenario_dir();
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(dir))
          if (e.path().extension() == ".yaml") names.push_back(e.path().string());
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
          const auto sc = scenario::load(n);
          const std::string first = sc.story.substr(0, sc.story.find('\n'));
          std::printf("  %-44s %s\n", n.c_str(), first.c_str());
        }
      }
      return 0;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tenure: %s\n", e.what());
    return 1;
  }
  return 0;
}
