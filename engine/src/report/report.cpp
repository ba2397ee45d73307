// The HTML report: charts are drawn here as SVG, so the page needs no script and no network.
#include "tenure/report/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"
#include "tenure/core/time.hpp"
#include "tenure/output/analysis.hpp"
#include "tenure/output/columns.hpp"
#include "tenure/output/output.hpp"
#include "tenure/scenario/scenario.hpp"

namespace tenure::report {

const std::vector<std::string>& line_colors() {
  static const std::vector<std::string> c{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"};
  return c;
}
const std::vector<std::string>& part_colors() {
  static const std::vector<std::string> c{"#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                                          "#CC6677", "#882255", "#AA4499", "#BBBBBB", "#555555"};
  return c;
}
const std::vector<std::string>& source_colors() {
  static const std::vector<std::string> c{"#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33"};
  return c;
}

std::string words(const std::string& id) {
  std::string s = id;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

using output::human;

namespace {

// Event colours (not used for anything else): shock red, order black, conference brown;
// reviews light grey.
std::string marker_color(const std::string& kind) {
  if (kind == "shock") return "#B2182B";
  if (kind == "order") return "#000000";
  if (kind == "conference") return "#8C510A";
  return "#AAAAAA";
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string fmt(double x, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// Tick positions at 1, 2 or 5 times a power of ten, about `n` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int n) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / n, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return t;
}

constexpr double W = 720, H = 340, L = 92, R = 20, T = 40, B = 56;

// Axis numbers: three significant digits at most, trailing zeros dropped ("1.5B", "500M").
std::string tick_text(double v) {
  const double a = std::fabs(v);
  const char* suffix = "";
  double x = v;
  if (a >= 1e9) x = v / 1e9, suffix = "B";
  else if (a >= 1e6) x = v / 1e6, suffix = "M";
  else if (a >= 1e4) x = v / 1e3, suffix = "k";
  char buf[64];
  std::snprintf(buf, sizeof buf, *suffix ? "%.3g%s" : "%.4g%s", x, suffix);  // 1000, not 1e+03
  return buf;
}

struct Frame {
  double x0, x1, y0, y1;
  double X(double x) const { return L + (x - x0) / (x1 - x0) * (W - L - R); }
  double Y(double y) const { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
};

std::string axes(const Frame& f, const std::string& title, const std::string& x_label, const std::string& y_label,
                 bool x_ticks) {
  std::ostringstream o;
  o << "<text class='title' x='" << L << "' y='24'>" << esc(title) << "</text>";
  for (double v : ticks(f.y0, f.y1, 5)) {
    if (v < f.y0 || v > f.y1) continue;
    o << "<line class='grid' x1='" << L << "' x2='" << W - R << "' y1='" << f.Y(v) << "' y2='" << f.Y(v) << "'/>";
    o << "<text class='tick' text-anchor='end' x='" << L - 6 << "' y='" << f.Y(v) + 5 << "'>" << tick_text(v) << "</text>";
  }
  if (x_ticks)
    for (double v : ticks(f.x0, f.x1, 8)) {
      if (v < f.x0 || v > f.x1) continue;
      o << "<text class='tick' text-anchor='middle' x='" << f.X(v) << "' y='" << H - B + 20 << "'>" << tick_text(v) << "</text>";
    }
  o << "<line class='axis' x1='" << L << "' x2='" << W - R << "' y1='" << H - B << "' y2='" << H - B << "'/>";
  o << "<line class='axis' x1='" << L << "' x2='" << L << "' y1='" << T << "' y2='" << H - B << "'/>";
  o << "<text class='label' text-anchor='middle' x='" << (L + W - R) / 2 << "' y='" << H - 10 << "'>" << esc(x_label)
    << "</text>";
  o << "<text class='label' text-anchor='middle' transform='translate(16," << (T + H - B) / 2 << ") rotate(-90)'>"
    << esc(y_label) << "</text>";
  return o.str();
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::ostringstream o;
  o << "<div class='legend'>";
  for (const auto& [name, color] : items)
    o << "<span><i style='background:" << color << "'></i>" << esc(name) << "</span>";
  o << "</div>";
  return o.str();
}

}  // namespace

std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Band>& series, const std::vector<Marker>& markers) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min({y0, s.low[i], s.mean[i]}), y1 = std::max({y1, s.high[i], s.mean[i]});
    }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (y0 > 0 && y0 < 0.5 * y1) y0 = 0;  // start at zero unless that squashes the lines
  const double pad = (y1 - y0) * 0.05 + 1e-12;
  Frame f{x0, x1 > x0 ? x1 : x0 + 1, y0 == 0 ? 0 : y0 - pad, y1 + pad};
  std::ostringstream o;
  o << "<figure><svg viewBox='0 0 " << W << ' ' << H << "' role='img' aria-label='" << esc(title) << "'>";
  o << axes(f, title, x_label, y_label, true);
  int row = 0;
  for (const auto& m : markers) {
    if (m.x < f.x0 || m.x > f.x1) continue;
    const bool review = m.kind == "review";
    o << "<line class='event event-" << esc(m.kind) << "' x1='" << fmt(f.X(m.x)) << "' x2='" << fmt(f.X(m.x)) << "' y1='" << T
      << "' y2='" << H - B << "' stroke='" << marker_color(m.kind) << "' stroke-width='" << (review ? 1 : 2)
      << "' stroke-dasharray='" << (review ? "2,5" : "7,4") << "'/>";
    if (!review)
      o << "<text class='event-label' x='" << fmt(f.X(m.x) + 5) << "' y='" << T + 20 + 22 * (row++ % 3) << "' fill='"
        << marker_color(m.kind) << "'>" << esc(m.label) << "</text>";
  }
  for (const auto& s : series) {
    if (s.x.empty()) continue;
    o << "<path class='band' fill='" << s.color << "' d='M";
    for (std::size_t i = 0; i < s.x.size(); ++i) o << (i ? " L" : "") << fmt(f.X(s.x[i])) << ',' << fmt(f.Y(s.high[i]));
    for (std::size_t i = s.x.size(); i-- > 0;) o << " L" << fmt(f.X(s.x[i])) << ',' << fmt(f.Y(s.low[i]));
    o << " Z'/>";
    o << "<path class='line' stroke='" << s.color << "' d='M";
    for (std::size_t i = 0; i < s.x.size(); ++i) o << (i ? " L" : "") << fmt(f.X(s.x[i])) << ',' << fmt(f.Y(s.mean[i]));
    o << "'/>";
  }
  o << "</svg>";
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& s : series) items.emplace_back(s.name + " (mean, 95% band)", s.color);
  bool reviews = false;
  for (const auto& m : markers) reviews |= m.kind == "review";
  o << legend(items);
  if (!markers.empty())
    o << "<p class='note'>Dashed lines: the scenario's events" << (reviews ? "; dotted grey: annual reviews" : "") << ".</p>";
  o << "</figure>";
  return o.str();
}

std::string stacked_bars(const std::string& title, const std::string& y_label, const std::vector<std::string>& part_names,
                         const std::vector<Stack>& stacks, const std::vector<std::string>& colors) {
  auto color = [&](std::size_t p) { return colors[p % colors.size()]; };
  double top = 0;
  for (const auto& s : stacks) {
    double sum = 0;
    for (double v : s.parts) sum += std::max(0.0, v);
    top = std::max(top, sum);
  }
  Frame f{0, 1, 0, top > 0 ? top * 1.05 : 1};
  std::ostringstream o;
  o << "<figure><svg viewBox='0 0 " << W << ' ' << H << "' role='img' aria-label='" << esc(title) << "'>";
  o << axes(f, title, "", y_label, false);
  const double slot = (W - L - R) / static_cast<double>(std::max<std::size_t>(1, stacks.size())), bar = std::min(90.0, slot * 0.6);
  for (std::size_t g = 0; g < stacks.size(); ++g) {
    const double cx = L + slot * (static_cast<double>(g) + 0.5);
    double base = 0;
    for (std::size_t p = 0; p < stacks[g].parts.size(); ++p) {
      const double v = std::max(0.0, stacks[g].parts[p]);
      if (v <= 0) continue;
      o << "<rect fill='" << color(p) << "' x='" << fmt(cx - bar / 2) << "' y='"
        << fmt(f.Y(base + v)) << "' width='" << fmt(bar) << "' height='" << fmt(f.Y(base) - f.Y(base + v))
        << "'><title>" << esc(stacks[g].label + ": " + part_names[p] + " " + human(v)) << "</title></rect>";
      base += v;
    }
    o << "<text class='tick' text-anchor='middle' x='" << fmt(cx) << "' y='" << H - B + 20 << "'>"
      << esc(stacks[g].label) << "</text>";
  }
  o << "</svg>";
  std::vector<std::pair<std::string, std::string>> items;
  for (std::size_t p = 0; p < part_names.size(); ++p) {
    bool used = false;
    for (const auto& s : stacks) used |= p < s.parts.size() && s.parts[p] > 0;
    if (used) items.emplace_back(part_names[p], color(p));
  }
  o << legend(items) << "</figure>";
  return o.str();
}

std::string bars(const std::string& title, const std::string& x_label,
                 const std::vector<std::pair<std::string, double>>& items, double top, const std::string& color) {
  const double label_w = 230, row_h = 34, top_pad = 44, bottom_pad = 48;
  const double h = top_pad + bottom_pad + row_h * static_cast<double>(std::max<std::size_t>(1, items.size()));
  const double x0 = label_w, x1 = W - R - 70;
  const double scale = top > 0 ? (x1 - x0) / top : 0;
  std::ostringstream o;
  o << "<figure><svg viewBox='0 0 " << W << ' ' << h << "' role='img' aria-label='" << esc(title) << "'>";
  o << "<text class='title' x='8' y='26'>" << esc(title) << "</text>";
  for (double v : ticks(0, top > 0 ? top : 1, 4)) {
    if (v > top) continue;
    o << "<line class='grid' x1='" << fmt(x0 + v * scale) << "' x2='" << fmt(x0 + v * scale) << "' y1='" << top_pad
      << "' y2='" << h - bottom_pad << "'/><text class='tick' text-anchor='middle' x='" << fmt(x0 + v * scale) << "' y='"
      << h - bottom_pad + 22 << "'>" << tick_text(v) << "</text>";
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double y = top_pad + row_h * static_cast<double>(i);
    const double w = std::max(0.0, items[i].second) * scale;
    o << "<text class='tick' text-anchor='end' x='" << x0 - 8 << "' y='" << fmt(y + row_h * 0.65) << "'>" << esc(items[i].first)
      << "</text><rect class='bar' fill='" << color << "' x='" << x0 << "' y='" << fmt(y + 5) << "' width='" << fmt(w)
      << "' height='" << fmt(row_h - 10) << "'><title>" << esc(items[i].first + ": " + human(items[i].second))
      << "</title></rect><text class='tick' x='" << fmt(x0 + w + 6) << "' y='" << fmt(y + row_h * 0.65) << "'>"
      << human(items[i].second) << "</text>";
  }
  o << "<line class='axis' x1='" << x0 << "' x2='" << x0 << "' y1='" << top_pad << "' y2='" << h - bottom_pad << "'/>";
  o << "<text class='label' text-anchor='middle' x='" << (x0 + x1) / 2 << "' y='" << h - 8 << "'>" << esc(x_label) << "</text>";
  o << "</svg></figure>";
  return o.str();
}

// --- reading a results folder ------------------------------------------------------------

namespace {

struct Csv {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int col(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  }
  int need(const std::string& name) const {
    const int c = col(name);
    if (c < 0) throw Error(path + ": no column '" + name + "' (was it written by this version of tenure?)");
    return c;
  }
  double num(std::size_t row, int c) const {
    const std::string& s = rows[row][static_cast<std::size_t>(c)];
    if (s.empty()) return std::nan("");
    try {
      return std::stod(s);
    } catch (...) {
      throw Error(path + ":" + std::to_string(row + 2) + ": column '" + header[static_cast<std::size_t>(c)] +
                  "': expected a number, got '" + s + "'");
    }
  }
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

Csv read_csv(const std::string& path, bool required = true) {
  Csv t;
  t.path = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (required) throw Error(path + ": cannot read (the report needs the files `tenure run` writes)");
    return t;
  }
  // Only a regular file, and a bounded one: a FIFO or a device here must not block the report.
  std::istringstream in(read_regular_file(path, "results table", std::size_t{4} << 30));
  std::string line;
  if (!std::getline(in, line)) throw Error(path + ": empty file");
  t.header = split_csv_line(line);
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto r = split_csv_line(line);
    if (r.size() != t.header.size())
      throw Error(path + ":" + std::to_string(n) + ": " + std::to_string(r.size()) + " fields, the header has " +
                  std::to_string(t.header.size()));
    t.rows.push_back(std::move(r));
  }
  return t;
}

// Variants in the order the run wrote them.
std::vector<std::string> variants_of(const Csv& t) {
  std::vector<std::string> v;
  const int c = t.need("variant");
  for (const auto& r : t.rows)
    if (std::find(v.begin(), v.end(), r[static_cast<std::size_t>(c)]) == v.end()) v.push_back(r[static_cast<std::size_t>(c)]);
  return v;
}

// Per variant, a column's mean and band over replications, month by month.
std::vector<Band> monthly(const Csv& ts, const std::vector<std::string>& variants, const std::string& column,
                          double scale = 1.0) {
  const int cv = ts.need("variant"), cm = ts.need("month"), cc = ts.need(column);
  std::vector<Band> out;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    std::map<double, std::vector<double>> by_month;
    for (std::size_t i = 0; i < ts.rows.size(); ++i)
      if (ts.rows[i][static_cast<std::size_t>(cv)] == variants[v]) by_month[ts.num(i, cm)].push_back(ts.num(i, cc) * scale);
    Band b;
    b.name = variants[v];
    b.color = line_colors()[v % line_colors().size()];
    for (const auto& [m, xs] : by_month) {
      const auto iv = output::mean_ci(xs);
      b.x.push_back(m), b.mean.push_back(iv.mean), b.low.push_back(iv.low), b.high.push_back(iv.high);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// A monthly column's chart, titled and labelled from its declaration (output/columns.hpp).
std::string series_chart(const Csv& ts, const std::vector<std::string>& variants, const std::string& column,
                         const std::vector<Marker>& markers) {
  const auto& c = output::month_column(column);
  return line_chart(c.label, "month", c.unit == "currency" ? "currency units" : c.unit, monthly(ts, variants, column), markers);
}

// Per variant, the mean over replications of a column summed over months.
double total_mean(const Csv& ts, const std::string& variant, const std::string& column) {
  const int cv = ts.need("variant"), cr = ts.need("replication"), cc = ts.need(column);
  std::map<std::string, double> by_rep;
  for (std::size_t i = 0; i < ts.rows.size(); ++i)
    if (ts.rows[i][static_cast<std::size_t>(cv)] == variant) by_rep[ts.rows[i][static_cast<std::size_t>(cr)]] += ts.num(i, cc);
  double s = 0;
  for (const auto& [r, x] : by_rep) s += x;
  return by_rep.empty() ? 0 : s / static_cast<double>(by_rep.size());
}

// A per-run metric as a reader names it: its declared label and unit.
std::string metric_label(const std::string& name) {
  for (const auto& m : output::metrics())
    if (m.name == name) return m.unit.empty() ? m.label : m.label + " (" + (m.unit == "currency" ? "currency units" : m.unit) + ")";
  return words(name);
}

// The scenario's events, to mark on charts over time (months): the base's, and a variant's that
// the base does not have, with the variant's name. Empty when the effective scenario cannot be
// loaded here (a plugin's rule it names is not registered), with the reason in `why`.
std::vector<Marker> markers_of(const std::string& dir, std::string& why) {
  std::vector<Marker> out;
  try {
    const auto sc = scenario::load(dir + "/scenario.effective.yaml");
    const double month = calendar::kDaysPerMonth;
    auto add = [&](const model::ModelParams& p, const std::string& variant) {
      std::vector<Marker> ms;
      for (const auto& x : p.market.shocks)
        ms.push_back({x.start / month, "shock", "market shock " + fmt(100 * x.severity, 0) + "%"});
      for (const auto& c : p.conferences) ms.push_back({c.start / month, "conference", "conference"});
      for (const auto& o : p.orders)
        ms.push_back({o.at / month, "order",
                      o.kind == model::OrderKind::CutSupport ? "support cut " + fmt(100 * o.fraction, 0) + "%"
                      : o.kind == model::OrderKind::Rule     ? "order: " + o.rule.name
                                                             : words(std::string(model::name_of(o.kind)))});
      for (double y = 12; y <= p.horizon_days / month + 1e-9; y += 12) ms.push_back({y, "review", "review"});
      for (auto& m : ms) {
        const bool known = std::any_of(out.begin(), out.end(), [&](const Marker& x) {
          return x.kind == m.kind && std::fabs(x.x - m.x) < 1e-9 && x.label.rfind(m.label, 0) == 0;
        });
        if (known) continue;
        if (!variant.empty() && m.kind != "review") m.label += " (" + variant + ")";
        out.push_back(m);
      }
    };
    add(sc.base, "");
    for (const auto& [n, p] : sc.variants) add(p, n);
  } catch (const Error& e) {
    why = e.what();
    out.clear();
  }
  return out;
}

std::string cell(const output::Interval& iv, bool percent = false) {
  auto h = [&](double x) { return percent ? fmt(100 * x, 1) + "%" : human(x); };
  if (iv.n < 2) return h(iv.mean);
  return h(iv.mean) + " <small>[" + h(iv.low) + ", " + h(iv.high) + "]</small>";
}

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:18px;line-height:1.45;color:#111;
  max-width:1180px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:32px;margin:0 0 4px} h2{font-size:24px;margin:36px 0 8px;border-bottom:2px solid #ddd}
.meta{color:#444;font-size:16px} .story{white-space:pre-wrap;background:#f6f6f2;padding:14px 18px;border-left:6px solid #777}
table{border-collapse:collapse;margin:10px 0;font-size:17px} th,td{padding:5px 12px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#f0f0f0} small{color:#555;font-size:15px}
.clear{font-weight:700} .grid2{display:grid;grid-template-columns:1fr;gap:18px}
figure{margin:8px 0} svg{width:100%;height:auto;font-family:inherit}
svg .title{font-size:23px;font-weight:700} svg .tick{font-size:19px;fill:#333} svg .label{font-size:19px;fill:#111}
svg .event-label{font-size:19px;font-weight:600}
svg .grid{stroke:#e4e4e4} svg .axis{stroke:#333} svg .line{fill:none;stroke-width:3} svg .band{opacity:.18;stroke:none}
.legend span{margin-right:18px;font-size:16px;white-space:nowrap} .legend i{display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:-1px}
.note{color:#444;font-size:16px}
@media (min-width:1100px){.grid2{grid-template-columns:1fr 1fr}}
@media print{body{max-width:none;padding:0} .grid2{grid-template-columns:1fr} details{display:block} h2{break-after:avoid}
  figure{break-inside:avoid}}
)";

}  // namespace

std::string html(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a results folder");
  const Csv ts = read_csv(dir + "/timeseries.csv");
  const Csv runs = read_csv(dir + "/runs.csv");
  const Csv mgr = read_csv(dir + "/managers.csv");
  const Csv att = read_csv(dir + "/attribution.csv", false);

  // The story and name from the effective scenario's header.
  std::string name = fs::path(dir).filename().string(), story, hash, version;
  {
    std::istringstream in(read_regular_file(dir + "/scenario.effective.yaml", "effective scenario", std::size_t{64} << 20));
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (line.rfind("# effective scenario written by tenure ", 0) == 0) {
        version = line.substr(39, line.find(' ', 39) - 39);
        continue;
      }
      if (line.rfind("# hash ", 0) == 0) {
        hash = line.substr(7);
        continue;
      }
      if (header && line.rfind("#", 0) == 0) {
        story += (line.size() > 2 ? line.substr(2) : std::string()) + "\n";
        continue;
      }
      header = false;
      if (line.rfind("name: ", 0) == 0) name = line.substr(6);
    }
  }
  const auto variants = variants_of(runs);
  if (variants.empty()) throw Error(dir + "/runs.csv: no runs");
  const std::size_t base = static_cast<std::size_t>(
      std::find(variants.begin(), variants.end(), "base") != variants.end()
          ? std::find(variants.begin(), variants.end(), "base") - variants.begin()
          : 0);

  // Per-run metrics, by variant, in replication order.
  const int rv = runs.need("variant");
  std::vector<std::string> metrics;
  for (const auto& h : runs.header)
    if (h != "variant" && h != "replication" && h != "events") metrics.push_back(h);
  auto values = [&](const std::string& v, const std::string& m) {
    std::vector<double> x;
    const int c = runs.need(m);
    for (std::size_t i = 0; i < runs.rows.size(); ++i)
      if (runs.rows[i][static_cast<std::size_t>(rv)] == v) x.push_back(runs.num(i, c));
    return x;
  };
  std::size_t reps = values(variants.front(), metrics.front()).size();

  std::ostringstream o;
  o << "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
    << "<title>" << esc(name) << " - tenure report</title><style>" << kStyle << "</style></head><body>";
  o << "<h1>" << esc(name) << "</h1><p class='meta'>tenure " << esc(version) << " report of <code>" << esc(dir)
    << "</code>: " << variants.size() << " variant" << (variants.size() > 1 ? "s" : "") << ", " << reps
    << " replications each" << (hash.empty() ? "" : ", scenario hash <code>" + esc(hash) + "</code>") << "</p>";
  if (!story.empty()) o << "<h2>The story</h2><div class='story'>" << esc(story) << "</div>";

  // Variants side by side, then paired differences.
  o << "<h2>Variants side by side</h2><table><tr><th>metric (mean [95% CI])</th>";
  for (const auto& v : variants) o << "<th>" << esc(v) << "</th>";
  o << "</tr>";
  for (const auto& m : metrics) {
    o << "<tr><td title='" << esc(m) << "'>" << esc(metric_label(m)) << "</td>";
    for (const auto& v : variants) o << "<td>" << cell(output::mean_ci(values(v, m))) << "</td>";
    o << "</tr>";
  }
  o << "</table>";
  // summary.json: the precision target, the warm-up, and the variants whose horizon differs
  // from the base's (their totals cover other spans: not compared).
  nlohmann::json summary_json;
  if (fs::exists(dir + "/summary.json")) {
    summary_json = nlohmann::json::parse(read_regular_file(dir + "/summary.json", "summary", std::size_t{64} << 20), nullptr, false);
    if (summary_json.is_discarded() || !summary_json.is_object()) summary_json = nlohmann::json::object();
  }
  std::vector<std::size_t> compared;  // variants compared with the base
  std::string not_compared;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    if (v == base) continue;
    if (summary_json.contains("not_comparable_with_base") && summary_json["not_comparable_with_base"].is_object() &&
        summary_json["not_comparable_with_base"].contains(variants[v])) {
      const auto& why = summary_json["not_comparable_with_base"][variants[v]];
      not_compared += "<li><b>" + esc(variants[v]) + "</b>: " + esc(why.is_string() ? why.get<std::string>() : "") + "</li>";
      continue;
    }
    compared.push_back(v);
  }
  if (!not_compared.empty())
    o << "<p class='note'>Not compared with " << esc(variants[base]) << ":</p><ul class='note'>" << not_compared << "</ul>";
  if (!compared.empty()) {
    // Paired differences (output/analysis.hpp); with several variants, Holm's correction over
    // them, metric by metric.
    const bool several = compared.size() > 1;
    std::map<std::string, std::vector<output::Paired>> by_metric;  // [metric][variant], base left default
    for (const auto& m : metrics) {
      auto& row = by_metric[m];
      row.resize(variants.size());
      const auto b = values(variants[base], m);
      std::vector<output::Paired*> family;
      for (const std::size_t v : compared) row[v] = output::paired(values(variants[v], m), b), family.push_back(&row[v]);
      output::holm(family);
    }
    o << "<p class='note'>Differences against <b>" << esc(variants[base])
      << "</b>, paired by replication: variants share random numbers, so the interval is about the strategy, not "
         "the noise. Under each: <i>r</i>, the correlation the shared random numbers achieved, and &times;, the variance "
         "they saved against independent streams. <b>Bold</b>: "
      << (several ? "the interval excludes zero after Holm's correction for comparing several variants (the interval "
                    "shown is Holm's)."
                  : "the interval excludes zero.")
      << "</p><table><tr><th>metric</th>";
    for (const std::size_t v : compared) o << "<th>" << esc(variants[v]) << " &minus; " << esc(variants[base]) << "</th>";
    o << "</tr>";
    for (const auto& m : metrics) {
      o << "<tr><td title='" << esc(m) << "'>" << esc(metric_label(m)) << "</td>";
      for (const std::size_t v : compared) {
        const auto& c = by_metric[m][v];
        const auto& iv = several ? c.holm : c.difference;
        const bool clear = iv.n > 1 && (iv.low > 0 || iv.high < 0);
        o << "<td" << (clear ? " class='clear'" : "") << ">" << cell(iv);
        if (std::isfinite(c.correlation))
          o << "<br><small><i>r</i> " << fmt(c.correlation, 2) << " &middot; &times;"
            << (std::isfinite(c.variance_reduction) ? human(c.variance_reduction) : std::string("&infin;")) << "</small>";
        o << "</td>";
      }
      o << "</tr>";
    }
    o << "</table>";
  }

  // Precision, and the replications a target precision needs.
  {
    double target = 0.05;
    std::string warm_json;
    {
      const auto& j = summary_json;
      if (j.contains("precision_target") && j["precision_target"].is_number()) target = j["precision_target"].get<double>();
      if (j.contains("warm_up") && j["warm_up"].is_object()) {
        std::ostringstream w;
        for (const auto& v : variants) {
          if (!j["warm_up"].contains(v)) continue;
          for (const auto& [col, x] : j["warm_up"][v].items()) {
            if (!x.is_object() || !x.contains("truncate_months")) continue;
            const bool settled = x.value("settled", false);
            w << "<tr><td>" << esc(v) << "</td><td>" << esc(output::month_column(col).label) << "</td><td>"
              << (settled ? std::to_string(x["truncate_months"].get<long long>()) : std::string("not settled")) << "</td><td>";
            if (settled && x["mean_after"].is_number() && x["ci95"].is_array() && x["ci95"][0].is_number())
              w << human(x["mean_after"].get<double>()) << " <small>[" << human(x["ci95"][0].get<double>()) << ", "
                << human(x["ci95"][1].get<double>()) << "]</small>";
            w << "</td></tr>";
          }
        }
        warm_json = w.str();
      }
    }
    o << "<h2>Precision</h2><p class='note'>Each mean's 95% half-width as a share of it, and the replications that "
         "would bring it within &plusmn;"
      << fmt(100 * target, 1) << "% (<code>tenure run --precision</code> adds them).</p><table><tr><th>metric</th>";
    for (const auto& v : variants) o << "<th>" << esc(v) << "</th>";
    o << "</tr>";
    for (const auto& m : metrics) {
      o << "<tr><td title='" << esc(m) << "'>" << esc(metric_label(m)) << "</td>";
      for (const auto& v : variants) {
        const auto pr = output::precision(values(v, m), target);
        o << "<td>" << (std::isfinite(pr.relative_half_width) ? "&plusmn;" + fmt(100 * pr.relative_half_width, 1) + "%" : "n/a")
          << (pr.needed > 0 ? " <small>(" + std::to_string(pr.needed) + " needed)</small>" : std::string()) << "</td>";
      }
      o << "</tr>";
    }
    o << "</table>";
    if (!warm_json.empty())
      o << "<p class='note'>Warm-up (MSER-5 on the mean over replications): the months to leave out before a "
           "steady-state mean, and that mean. Not settled: the series still moves at the run's half-way point, so "
           "it has no steady state within the run.</p><table><tr><th>variant</th><th>series</th><th>warm-up "
           "(months)</th><th>steady-state mean [95% CI]</th></tr>"
        << warm_json << "</table>";
  }

  // Charts over time, with the scenario's events marked.
  std::string no_markers;
  const std::vector<Marker> markers = markers_of(dir, no_markers);
  o << "<h2>Over time</h2>";
  if (!no_markers.empty()) o << "<p class='note'>Events are not marked: " << esc(no_markers) << "</p>";
  o << "<div class='grid2'>";
  for (const char* column : {"active_accounts", "value", "mean_satisfaction", "new_business"})
    o << series_chart(ts, variants, column, markers);
  o << "</div>";

  // New business by source, churn by cause.
  // Sources and causes in the model's order, as the monthly columns name them.
  std::vector<std::string> source_names, causes;
  for (int k = 0; k < model::kSourceCount; ++k)
    if (static_cast<model::Source>(k) != model::Source::Initial) source_names.push_back(model::to_string(static_cast<model::Source>(k)));
  for (int k = 0; k < model::kCauseCount; ++k) causes.push_back(model::to_string(static_cast<model::Cause>(k)));
  causes.push_back("no_cause");
  std::vector<Stack> by_source, by_reported, by_cause;
  for (const auto& v : variants) {
    Stack a{v, {}}, b{v, {}}, c{v, {}};
    for (const auto& s : source_names) {
      a.parts.push_back(ts.col("new_" + s) >= 0 ? total_mean(ts, v, "new_" + s) : 0);
      b.parts.push_back(ts.col("reported_" + s) >= 0 ? total_mean(ts, v, "reported_" + s) : 0);
    }
    for (const auto& k : causes) c.parts.push_back(ts.col("churned_" + k) >= 0 ? total_mean(ts, v, "churned_" + k) : 0);
    by_source.push_back(a), by_reported.push_back(b), by_cause.push_back(c);
  }
  o << "<h2>New business by source</h2><p class='note'>Where the value won over the run came from, as it truly "
       "happened and as the organisation reports it (a deal a former client's contact brought is often booked as "
       "outreach). Means over replications.</p><div class='grid2'>";
  std::vector<std::string> source_words, cause_words;
  for (const auto& n : source_names) source_words.push_back(words(n));
  for (const auto& n : causes) cause_words.push_back(n == "no_cause" ? "no recorded cause" : words(n));
  o << stacked_bars("True source", "value won (currency units)", source_words, by_source, source_colors());
  o << stacked_bars("Reported source", "value won (currency units)", source_words, by_reported, source_colors());
  o << "</div><h2>Churn by cause</h2><p class='note'>Lost value split over the causes recorded on each lost "
       "account's path. Means over replications.</p>";
  o << "<div class='grid2'>";
  o << stacked_bars("Lost value by recorded cause", "lost value (currency units)", cause_words, by_cause, part_colors());
  o << series_chart(ts, variants, "churned_value", markers);
  o << "</div>";

  // Per-manager scorecards.
  o << "<h2>Managers: look at their numbers</h2><p class='note'>Means over replications. Retention: clients kept of "
       "each year's opening book. Lifetime margin: what the book earns over the client lifetimes its "
       "retention implies. Hires are left out.</p>";
  const int mv = mgr.need("variant"), mn = mgr.need("manager"), ms = mgr.need("strategy");
  for (std::size_t v = 0; v < variants.size(); ++v) {
    struct Acc {
      std::string strategy;
      std::vector<double> nb, ret, rate, clv, promo, left;
    };
    std::vector<std::pair<std::string, Acc>> rows;
    for (std::size_t i = 0; i < mgr.rows.size(); ++i) {
      if (mgr.rows[i][static_cast<std::size_t>(mv)] != variants[v]) continue;
      const std::string& n = mgr.rows[i][static_cast<std::size_t>(mn)];
      if (n.rfind("hire-", 0) == 0) continue;
      auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& x) { return x.first == n; });
      if (it == rows.end()) rows.push_back({n, {}}), it = rows.end() - 1;
      Acc& a = it->second;
      a.strategy = mgr.rows[i][static_cast<std::size_t>(ms)];
      a.nb.push_back(mgr.num(i, mgr.need("new_business")));
      a.ret.push_back(mgr.num(i, mgr.need("retained_value")));
      a.rate.push_back(mgr.num(i, mgr.need("retention_rate")));
      a.clv.push_back(mgr.num(i, mgr.need("book_clv")));
      a.promo.push_back(mgr.num(i, mgr.need("promotions")));
      a.left.push_back(mgr.rows[i][static_cast<std::size_t>(mgr.need("exited"))] == "true" ? 1.0 : 0.0);
    }
    o << (v == base ? "<details open>" : "<details>") << "<summary><b>" << esc(variants[v]) << "</b></summary>";
    o << "<table><tr><th>manager</th><th>strategy</th><th>new business</th><th>retained value</th><th>retention</th>"
         "<th>lifetime margin of book</th><th>promotions</th><th>left</th></tr>";
    for (const auto& [n, a] : rows) {
      o << "<tr><td>" << esc(n) << "</td><td>" << esc(a.strategy) << "</td><td>" << cell(output::mean_ci(a.nb))
        << "</td><td>" << cell(output::mean_ci(a.ret)) << "</td><td>" << cell(output::mean_ci(a.rate), true)
        << "</td><td>" << cell(output::mean_ci(a.clv)) << "</td><td>" << fmt(output::mean_ci(a.promo).mean, 2)
        << "</td><td>" << fmt(100 * output::mean_ci(a.left).mean, 0) << "%</td></tr>";
    }
    o << "</table></details>";
  }

  // Attribution beside blame.
  o << "<h2>What caused the losses, and whom the rule blames</h2>";
  if (att.header.empty()) {
    o << "<p class='note'>No attribution.csv in this folder.</p>";
  } else {
    const int av = att.need("variant"), ak = att.need("kind"), an = att.need("name"), al = att.need("lost_value"),
              ar = att.need("replication");
    for (std::size_t v = 0; v < variants.size(); ++v) {
      std::map<std::string, std::map<std::string, double>> by_kind_name;  // kind -> name -> sum over reps
      std::set<std::string> reps_seen;
      std::vector<std::string> order_shapley, order_blame;
      for (std::size_t i = 0; i < att.rows.size(); ++i) {
        const auto& r = att.rows[i];
        if (r[static_cast<std::size_t>(av)] != variants[v]) continue;
        reps_seen.insert(r[static_cast<std::size_t>(ar)]);
        const std::string& k = r[static_cast<std::size_t>(ak)];
        const std::string& n = r[static_cast<std::size_t>(an)];
        auto& slot = by_kind_name[k];
        if (!slot.count(n)) (k == "shapley" ? order_shapley : order_blame).push_back(n);
        slot[n] += att.num(i, al);
      }
      const double nrep = std::max<double>(1, static_cast<double>(reps_seen.size()));
      // What caused the losses (Shapley values of the factors, or the recorded causes) beside
      // whom the organisation's rule blames, on one scale: the two answers side by side.
      const bool shapley = by_kind_name.count("shapley") > 0;
      std::vector<std::pair<std::string, double>> caused, blamed;
      if (shapley) {
        for (const auto& n : order_shapley) caused.emplace_back(words(n), by_kind_name["shapley"][n] / nrep);
      } else {
        for (const auto& [n, x] : by_kind_name["recorded_cause"])
          if (x > 0) caused.emplace_back(n == "no_cause" ? "no recorded cause" : words(n), x / nrep);
      }
      for (const auto& [n, x] : by_kind_name["blame"]) blamed.emplace_back(n, x / nrep);
      std::sort(caused.begin(), caused.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      std::sort(blamed.begin(), blamed.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      if (blamed.size() > 10) blamed.resize(10);
      double top = 0;
      for (const auto& x : caused) top = std::max(top, x.second);
      for (const auto& x : blamed) top = std::max(top, x.second);
      o << (v == base ? "<details open>" : "<details>") << "<summary><b>" << esc(variants[v])
        << "</b></summary><div class='grid2 attribution-vs-blame'>";
      o << bars(shapley ? "What caused the losses (Shapley values)" : "Recorded causes of the losses",
                "lost value per run (currency units)", caused, top, "#7A7A7A");
      o << bars("Whom the rule blames", "lost value per run (currency units)", blamed, top, "#1A1A1A");
      o << "</div>";
      if (shapley && by_kind_name.count("baseline"))
        o << "<p class='note'>Lost with every factor off: " << human(by_kind_name["baseline"]["all_factors_off"] / nrep)
          << " per run. The factors' values add up to the rest (Shapley's efficiency).</p>";
      if (!shapley)
        o << "<p class='note'>Run with <code>--attribution</code> for Shapley values from counterfactual runs.</p>";
      o << "</details>";
    }
  }
  o << "<p class='meta'>Made by <code>tenure report</code>. Colours, one meaning each: variants Okabe and Ito; causes "
       "of loss Tol (muted); sources of new business Tol (light); events dashed. Bands and brackets are 95% Student-t "
       "intervals over replications.</p></body></html>\n";
  return o.str();
}

}  // namespace tenure::report
