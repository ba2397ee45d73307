// What runs recorded, as columnar tables: the CSV files, summary.json, the terminal tables
// and the Python DataFrames are all built from the same Table builders, so they agree.
// Every file is written to a temporary name and renamed into place.
#pragma once

#include <functional>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tenure/scenario/experiment.hpp"

namespace tenure::output {

// Scalar outcomes of one run, the rows of the summary (and the columns of runs.csv), declared
// once with their unit, label and meaning.
struct Metric {
  std::string name;
  std::function<double(const model::RunResult&)> of;
  std::string unit;
  std::string label;
  std::string description;
};
// The built-in metrics, then those registered (in their order).
const std::vector<Metric>& metrics();
// A metric of one's own (a measure written in Python: docs/extending.md), at start-up, before
// runs; every table, summary and comparison that lists metrics takes it. `replace`: replace a
// registered one of that name (never a built-in).
void register_metric(Metric m, bool replace = false);
// Removes a registered metric (never a built-in); false if there is none of that name.
bool unregister_metric(const std::string& name);
// The metric of that name; throws tenure::Error listing the known ones.
const Metric& metric(const std::string& name);

struct Interval {
  double mean = 0, low = 0, high = 0;
  std::size_t n = 0;
};
// Mean with a 95% Student-t interval; with fewer than 2 values the interval is undefined
// (low and high are NaN: written as empty cells, null in JSON, "n/a" on the terminal).
Interval mean_ci(const std::vector<double>& x);

// One column of a table. Text columns are dictionary-encoded (codes into `levels`), so
// a table of a million rows holds a handful of strings; missing reals are NaN.
struct Column {
  enum class Kind { Integer, Real, Boolean, Text };
  std::string name;
  Kind kind = Kind::Real;
  std::vector<std::int64_t> integers;  // Integer and Boolean (0/1)
  std::vector<double> reals;           // Real
  std::vector<std::int32_t> codes;     // Text
  std::vector<std::string> levels;     // Text
  std::unordered_map<std::string, std::int32_t> level_index;  // Text: level -> code

  std::size_t size() const;
  // Appends a text value, adding it to `levels` on first sight.
  void push_text(const std::string& s);
};

struct Table {
  std::vector<Column> columns;
  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  Column& add(std::string name, Column::Kind kind);
  // The column of that name; throws tenure::Error when there is none.
  const Column& column(const std::string& name) const;
};

// CSV text: a header, then one line per row; reals shortest-round-trip, NaN empty,
// booleans true/false, text quoted only when it must be.
std::string csv(const Table& t);

// The tables of a run set. `replication` columns count from rs.first_replication.
Table timeseries_table(const scenario::RunSet& rs);
Table managers_table(const scenario::RunSet& rs);
Table lost_table(const scenario::RunSet& rs);
Table accounts_table(const scenario::RunSet& rs);
Table account_events_table(const scenario::RunSet& rs);
Table manager_months_table(const scenario::RunSet& rs);  // with record_managers
// One row per run: variant, replication, and every metric.
Table runs_table(const scenario::RunSet& rs);
// One row per (variant, metric): mean, 95% interval, n, the interval's half-width over |mean|
// and the replications that would bring it to `target` (output/analysis.hpp).
Table summary_table(const scenario::RunSet& rs, double target = 0.05);
// One row per (variant, monthly column): MSER-5's warm-up on the replications' mean series
// (`truncate_months`, `settled`), and the mean after it with its 95% interval over replications.
Table warm_up_table(const scenario::RunSet& rs, const std::vector<std::string>& columns);
// The monthly columns summary.json reports a warm-up for.
std::vector<std::string> default_warm_up_columns();
// One row per (variant other than `reference`, metric): the paired difference
// variant - reference over common replications, with its 95% interval, its p-value, Holm's
// correction over the variants compared on that metric (p and interval), the correlation common
// random numbers achieved and the variance reduction it bought. Throws when `reference` was not run.
// Paired differences against `reference`; variants whose horizon differs from it are left out
// (their totals cover other spans), see not_comparable_reason.
Table paired_table(const scenario::RunSet& rs, const std::string& reference = "base");
// Whether variants v and w of `rs` may be compared, and if not, why (empty when they may).
bool comparable(const scenario::RunSet& rs, std::size_t v, std::size_t w);
std::string not_comparable_reason(const scenario::RunSet& rs, std::size_t v, std::size_t w);
// Shapley values per (variant, replication, factor), the all-off baseline, the recorded
// causes (each lost account's value split over its causes) and the rule's blame by manager.
Table attribution_table(const scenario::RunSet& rs, const scenario::AttributionSet& at);

void write_timeseries(const std::string& path, const scenario::RunSet& rs);
void write_managers(const std::string& path, const scenario::RunSet& rs);
void write_lost(const std::string& path, const scenario::RunSet& rs);
void write_accounts(const std::string& path, const scenario::RunSet& rs);
// Each account's history: what happened to it, when, and its satisfaction just after.
void write_account_events(const std::string& path, const scenario::RunSet& rs);
void write_attribution(const std::string& path, const scenario::RunSet& rs, const scenario::AttributionSet& at);
// `target`: the relative precision the replication advice aims at (experiment.precision).
void write_summary(const std::string& path, const scenario::RunSet& rs, const std::string& version, double target = 0.05);
std::string summary_json(const scenario::RunSet& rs, const std::string& version, double target = 0.05);

// Everything a run writes to its folder: the tables the scenario's experiment asks for,
// summary.json, scenario.effective.yaml (with its hash, the tenure version and the seed
// and replications used, so that running it again reproduces the results) and manifest.json. The CLI and
// Python both write through this, so their files are byte-identical. `attribution` may be
// null. Returns the names of the files written, in order.
// `provenance` (how it was made: the command or call, Python's packages, wall time) goes into
// manifest.json with the build, the scenario's hash and every file's hash; null records what
// write_run knows.
struct Provenance;
std::vector<std::string> write_run(const std::string& dir, const scenario::Scenario& sc, const scenario::RunSet& rs,
                                   const scenario::AttributionSet* attribution, const std::string& source,
                                   const Provenance* provenance = nullptr);

// Text of a number that reads back to the same double (shortest round trip); empty when it is
// not finite. append_number writes the same text at the end of `out`.
std::string number(double x);
void append_number(std::string& out, double x);
// A number for people, in the terminal and the report: 1.23B, 4.56M, 78.9k (from 10,000), whole
// from 100, three significant digits below; `missing` for NaN or an infinity.
std::string human(double x, const char* missing = "");

// Writes `text` to `path` atomically: a temporary file in the same folder, then rename.
void write_atomically(const std::string& path, const std::string& text);

// The version of this build of tenure.
const char* version();

}  // namespace tenure::output
