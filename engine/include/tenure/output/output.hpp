// Writes what runs recorded: CSV tables and a summary with confidence intervals and paired
// differences. Every file is written to a temporary name and renamed into place.
#pragma once

#include <string>
#include <vector>

#include "tenure/scenario/experiment.hpp"

namespace tenure::output {

// Scalar outcomes of one run, the rows of the summary.
struct Metric {
  const char* name;
  double (*of)(const model::RunResult&);
};
const std::vector<Metric>& metrics();

struct Interval {
  double mean = 0, low = 0, high = 0;
  std::size_t n = 0;
};
// Mean with a 95% Student-t interval; low = high = mean when n < 2.
Interval mean_ci(const std::vector<double>& x);

void write_timeseries(const std::string& path, const scenario::RunSet& rs);
void write_managers(const std::string& path, const scenario::RunSet& rs);
void write_lost(const std::string& path, const scenario::RunSet& rs);
void write_accounts(const std::string& path, const scenario::RunSet& rs);
// Each account's history: what happened to it, when, and its satisfaction just after.
void write_account_events(const std::string& path, const scenario::RunSet& rs);
// One row per (variant, replication, factor) with its Shapley value of lost value, and one per
// (variant, replication, manager) with the lost value the organisation's rule blames on them.
void write_attribution(const std::string& path, const scenario::RunSet& rs, const scenario::AttributionSet& at);
void write_summary(const std::string& path, const scenario::RunSet& rs, const std::string& version);

// Text of a number that reads back to the same double (shortest round trip).
std::string number(double x);

// Writes `text` to `path` atomically: a temporary file in the same folder, then rename.
void write_atomically(const std::string& path, const std::string& text);

}  // namespace tenure::output
