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
// A scheduled event marked on a chart over time: a dashed line at `x` with its label (a review:
// a dotted grey line, no label).
struct Marker {
  double x;
  std::string kind;  // shock, order, conference, review
  std::string label;
};
// An SVG line chart with shaded bands, labelled axes, event markers and a legend.
std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Band>& series, const std::vector<Marker>& markers = {});

// An SVG chart of stacked bars: one bar per group, one segment per part.
struct Stack {
  std::string label;
  std::vector<double> parts;
};
// `colors`: one per part (a part keeps its colour in every chart).
std::string stacked_bars(const std::string& title, const std::string& y_label, const std::vector<std::string>& part_names,
                         const std::vector<Stack>& stacks, const std::vector<std::string>& colors);

// Horizontal bars on a given scale (`top`: the value at the full width), so that two charts
// side by side compare by length.
std::string bars(const std::string& title, const std::string& x_label,
                 const std::vector<std::pair<std::string, double>>& items, double top, const std::string& color);

// Colour-blind-safe palettes, one meaning each across the report: Okabe and Ito (2008) for
// variants; Tol's "muted" (and greys) for causes of loss; Tol's "light" for sources of new
// business; event colours for events.
const std::vector<std::string>& line_colors();
const std::vector<std::string>& part_colors();
const std::vector<std::string>& source_colors();

// An identifier as words: "word_of_mouth" -> "word of mouth".
std::string words(const std::string& id);

// Reads `results_dir` (timeseries.csv, runs.csv, managers.csv, scenario.effective.yaml, and
// attribution.csv when present) and returns the report. Throws tenure::Error naming the file
// that is missing or malformed.
std::string html(const std::string& results_dir);

}  // namespace tenure::report
