// The workshop report: one self-contained HTML page (inline SVG charts and CSS, no script,
// no network) built from a results folder that `tenure run` wrote. It reads only the files,
// so a report can be made long after the run, on another machine.
#pragma once

#include <string>
#include <vector>

namespace tenure::report {

// A line of a chart: a mean over replications with its 95% band.
struct Band {
  std::string name;
  std::string color;
  std::vector<double> x, mean, low, high;
};
// An SVG line chart with shaded bands, labelled axes and a legend.
std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Band>& series);

// An SVG chart of stacked bars: one bar per group, one segment per part.
struct Stack {
  std::string label;
  std::vector<double> parts;
};
std::string stacked_bars(const std::string& title, const std::string& y_label, const std::vector<std::string>& part_names,
                         const std::vector<Stack>& stacks);

// Colour-blind-safe palettes: Okabe and Ito (2008) for lines, Tol's "muted" for many parts.
const std::vector<std::string>& line_colors();
const std::vector<std::string>& part_colors();

// Reads `results_dir` (timeseries.csv, runs.csv, managers.csv, scenario.effective.yaml, and
// attribution.csv when present) and returns the report. Throws tenure::Error naming the file
// that is missing or malformed.
std::string html(const std::string& results_dir);

}  // namespace tenure::report
