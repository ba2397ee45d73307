// Scenario files: YAML in, typed model parameters out. The only layer that knows YAML.
// Every scalar key is a typed record (fields()), so validation, schema and docs agree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tenure/core/params.hpp"
#include "tenure/model/params.hpp"

namespace tenure::scenario {

struct Experiment {
  std::int64_t replications = 10;
  std::uint64_t seed = 1;
  // The relative precision the replication advice aims at: a mean's 95% half-width over its
  // size (summary.json's replications_needed; `tenure run --precision` runs until it holds).
  // 5% by default: a common reporting precision (stated).
  double precision = 0.05;
  // Tables to write: timeseries, managers, lost, attribution, runs, summary, accounts (the
  // effective scenario is always written). Accounts also need record_accounts: true.
  std::vector<std::string> outputs{"timeseries", "managers", "lost", "attribution", "runs", "summary"};
};

inline const std::vector<std::string>& output_names() {
  static const std::vector<std::string> n{"timeseries", "managers", "lost", "attribution", "runs", "summary", "accounts"};
  return n;
}

struct Scenario {
  std::string path;
  std::string name;
  std::string story;  // the header comment: what it shows and which variants to compare
  Experiment experiment;
  model::ModelParams base;
  std::vector<std::pair<std::string, model::ModelParams>> variants;  // in file order
  // `plugins:`: Python files (made absolute, from the scenario file's folder) or module names
  // that register the strategies and rules the scenario names. The engine only carries them:
  // the Python package imports them before loading (docs/extending.md).
  std::vector<std::string> plugins;
  // What loads but deserves a word: events scheduled at or after the horizon (they never
  // happen), each as "file:line:column: warning: ...". Front ends print them.
  std::vector<std::string> warnings;
};

// A scalar key of the scenario format: "service.problem_rate" and its record.
struct Field {
  std::string path;
  ParamSpec spec;
  std::function<void(model::ModelParams&, const ParamValue&)> set;
  std::function<ParamValue(const model::ModelParams&)> get;
};
const std::vector<Field>& fields();

// The `plugins:` of a scenario file, as load() resolves them, read without loading the rest
// (whose strategy names the plugins may register). Empty when the file has none or does not
// parse: load() then reports what is wrong.
std::vector<std::string> plugins_of(const std::string& path);

// Loads a file (following `extends:`). Throws tenure::Error with every problem found, each
// as "file:line:column: message".
// `sets` are "key.path=value" overrides, applied to the base and to every variant (a --set
// wins over a variant's own value). A path names a scalar record ("churn.base_rate") or
// reaches into the file: list items by index or name ("managers.Darren.time.hunt_share").
Scenario load(const std::string& path, const std::vector<std::string>& sets = {});
// `name` stands for the file in messages; `extends:` is resolved from the working folder.
Scenario load_string(const std::string& yaml, const std::string& name = "<string>",
                     const std::vector<std::string>& sets = {});

// The effective scenario: every parameter of the base and of each variant, defaults filled
// in, as a scenario file that loads back to the same parameters (durations in days, rates
// per day, numbers printed to round-trip exactly).
std::string effective_yaml(const Scenario& sc);
// JSON Schema (draft 07) of scenario files, for editors with a YAML language server.
std::string json_schema();
// The reference of every key and registered component, as Markdown (docs/scenarios.md).
std::string reference_markdown();
// The model as this scenario configures it, in the ODD protocol (Grimm et al. 2020), from the
// records: `tenure describe FILE --odd` (docs/odd.md is the baseline's).
std::string odd_markdown(const Scenario& sc);
// Where each default comes from, as the Markdown table of docs/model.md (`tenure schema --sources`).
std::string sources_markdown();

// A 64-bit FNV-1a hash of a text, as 16 hex digits.
std::string content_hash(const std::string& text);

// "18 months" -> days; "0.2 per year" -> per day. Throws tenure::Error on bad text.
double parse_duration(const std::string& text);
double parse_rate(const std::string& text);
// A seed as written: every whole number from 0 to 2^64 - 1, exactly. Anything else (a sign, a
// fraction, an exponent, a number too large) leaves `err` saying what was expected.
std::optional<std::uint64_t> parse_seed(const std::string& text, std::string& err);

}  // namespace tenure::scenario
