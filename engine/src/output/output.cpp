// CSV and JSON writers. Numbers are printed shortest-round-trip so that equal runs give
// byte-identical files.
#include "tenure/output/output.hpp"

#include <algorithm>
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tenure/core/error.hpp"

namespace tenure::output {

std::string number(double x) {
  if (!std::isfinite(x)) return "";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write");
    out << text;
    out.flush();
    if (!out) throw Error(path + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(path + ": cannot move into place: " + ec.message());
}

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> m{
      {"lost_value", [](const model::RunResult& r) { return r.lost_value; }},
      {"final_value", [](const model::RunResult& r) { return r.months.empty() ? 0.0 : r.months.back().value; }},
      {"final_clients", [](const model::RunResult& r) {
         return r.months.empty() ? 0.0 : static_cast<double>(r.months.back().active_accounts);
       }},
      {"new_business", [](const model::RunResult& r) {
         double s = 0;
         for (const auto& row : r.months) s += row.new_business;
         return s;
       }},
      {"revenue", [](const model::RunResult& r) {
         double s = 0;
         for (const auto& row : r.months) s += row.revenue;
         return s;
       }},
      {"final_mean_satisfaction", [](const model::RunResult& r) {
         return r.months.empty() ? 0.0 : r.months.back().mean_satisfaction;
       }},
  };
  return m;
}

Interval mean_ci(const std::vector<double>& x) {
  Interval iv;
  iv.n = x.size();
  if (x.empty()) return iv;
  double s = 0;
  for (double v : x) s += v;
  iv.mean = s / static_cast<double>(x.size());
  iv.low = iv.high = iv.mean;
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
std::string causes_text(std::uint32_t mask) {
  std::string s;
  for (int c = 0; c < model::kCauseCount; ++c) {
    if (!(mask & (1u << c))) continue;
    if (!s.empty()) s.push_back(';');
    s.append(model::to_string(static_cast<model::Cause>(c)));
  }
  return s;
}
}  // namespace

void write_timeseries(const std::string& path, const scenario::RunSet& rs) {
  std::ostringstream o;
  o << "variant,replication,month,active_accounts,prospects,value,revenue,new_business,new_clients";
  for (int s = 0; s < model::kSourceCount; ++s) o << ",new_" << model::to_string(static_cast<model::Source>(s));
  for (int s = 0; s < model::kSourceCount; ++s) o << ",reported_" << model::to_string(static_cast<model::Source>(s));
  o << ",churned_value,churned";
  for (int c = 0; c < model::kCauseCount; ++c) o << ",churned_" << model::to_string(static_cast<model::Cause>(c));
  o << ",churned_no_cause,mean_satisfaction,open_requests,requests,ignored_requests,mean_response_days,"
       "support_capacity,regime,stress,effectiveness,managers\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r)
      for (const auto& m : rs.results[v][r].months) {
        o << rs.variants[v] << ',' << r << ',' << m.month << ',' << m.active_accounts << ',' << m.prospects << ','
          << number(m.value) << ',' << number(m.revenue) << ',' << number(m.new_business) << ',' << m.new_clients;
        for (double x : m.new_by_source) o << ',' << number(x);
        for (double x : m.new_by_reported_source) o << ',' << number(x);
        o << ',' << number(m.churned_value) << ',' << m.churned;
        for (double x : m.churned_by_cause) o << ',' << number(x);
        o << ',' << number(m.mean_satisfaction) << ',' << m.open_requests << ',' << m.requests << ','
          << m.ignored_requests << ',' << number(m.mean_response_days) << ',' << number(m.support_capacity) << ','
          << m.regime << ',' << number(m.stress) << ',' << number(m.effectiveness) << ',' << m.managers << '\n';
      }
  write_atomically(path, o.str());
}

void write_managers(const std::string& path, const scenario::RunSet& rs) {
  std::ostringstream o;
  o << "variant,replication,manager,strategy,level,new_business,new_clients,retained_value,opening_value,"
       "opening_clients,retained_clients,retention_rate,referrals,requests_answered,requests_ignored,requests_late,reviews,promotions,exited,"
       "exit_reason,exit_day,book_size,book_value,book_clv,reputation,blamed_value,competence\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r)
      for (const auto& m : rs.results[v][r].managers)
        o << rs.variants[v] << ',' << r << ',' << csv_text(m.name) << ',' << m.strategy << ',' << m.level << ','
          << number(m.new_business) << ',' << m.new_clients << ',' << number(m.retained_value) << ','
          << number(m.opening_value) << ',' << m.opening_clients << ',' << m.retained_clients << ','
          << number(m.retention_rate) << ',' << m.referrals << ','
          << m.requests_answered << ',' << m.requests_ignored << ',' << m.requests_late << ',' << m.reviews << ','
          << m.promotions << ',' << (m.exited ? "true" : "false") << ',' << m.exit_reason << ','
          << (m.exited ? number(m.exit_day) : "") << ',' << m.book_size << ',' << number(m.book_value) << ','
          << number(m.book_clv) << ',' << number(m.reputation) << ',' << number(m.blamed_value) << ','
          << number(m.competence) << '\n';
  write_atomically(path, o.str());
}

void write_lost(const std::string& path, const scenario::RunSet& rs) {
  std::ostringstream o;
  o << "variant,replication,account,day,value,owner,blamed,causes\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r)
      for (const auto& l : rs.results[v][r].lost)
        o << rs.variants[v] << ',' << r << ',' << l.account << ',' << number(l.day) << ',' << number(l.value) << ','
          << l.owner << ',' << l.blamed << ',' << causes_text(l.causes) << '\n';
  write_atomically(path, o.str());
}

void write_accounts(const std::string& path, const scenario::RunSet& rs) {
  std::ostringstream o;
  o << "variant,replication,account,state,source,reported_source,owner,value,satisfaction,expectation,scars,"
       "acquired_day,churned_day,causes\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r)
      for (const auto& a : rs.results[v][r].accounts)
        o << rs.variants[v] << ',' << r << ',' << a.account << ',' << a.state << ',' << model::to_string(a.source)
          << ',' << model::to_string(a.reported_source) << ',' << a.owner << ',' << number(a.value) << ','
          << number(a.satisfaction) << ',' << number(a.expectation) << ',' << a.scars << ','
          << number(a.acquired_day) << ',' << (a.churned_day >= 0 ? number(a.churned_day) : "") << ','
          << causes_text(a.causes) << '\n';
  write_atomically(path, o.str());
}

void write_attribution(const std::string& path, const scenario::RunSet& rs, const scenario::AttributionSet& at) {
  std::ostringstream o;
  o << "variant,replication,kind,name,lost_value\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r) {
      if (v < at.results.size() && r < at.results[v].size()) {
        const auto& a = at.results[v][r];
        for (std::size_t j = 0; j < a.factors.size(); ++j)
          o << rs.variants[v] << ',' << r << ",shapley," << model::to_string(a.factors[j]) << ',' << number(a.shapley[j]) << '\n';
        o << rs.variants[v] << ',' << r << ",baseline,all_factors_off," << number(a.lost_all_off) << '\n';
      }
      // Causes recorded on each lost account's path, its value split equally over them.
      std::array<double, model::kCauseCount + 1> by_cause{};
      for (const auto& m : rs.results[v][r].months)
        for (std::size_t c = 0; c < by_cause.size(); ++c) by_cause[c] += m.churned_by_cause[c];
      for (std::size_t c = 0; c < by_cause.size(); ++c)
        o << rs.variants[v] << ',' << r << ",recorded_cause,"
          << (c < model::kCauseCount ? model::to_string(static_cast<model::Cause>(c)) : "none") << ','
          << number(by_cause[c]) << '\n';
      const auto& managers = rs.results[v][r].managers;
      for (std::size_t m = 0; m < managers.size(); ++m)
        if (managers[m].blamed_value > 0)
          o << rs.variants[v] << ',' << r << ",blame," << csv_text(managers[m].name) << ','
            << number(managers[m].blamed_value) << '\n';
    }
  write_atomically(path, o.str());
}

void write_account_events(const std::string& path, const scenario::RunSet& rs) {
  std::ostringstream o;
  o << "variant,replication,day,account,event,satisfaction\n";
  for (std::size_t v = 0; v < rs.variants.size(); ++v)
    for (std::size_t r = 0; r < rs.results[v].size(); ++r)
      for (const auto& e : rs.results[v][r].account_events)
        o << rs.variants[v] << ',' << r << ',' << number(e.day) << ',' << e.account << ',' << e.what << ','
          << number(e.satisfaction) << '\n';
  write_atomically(path, o.str());
}

void write_summary(const std::string& path, const scenario::RunSet& rs, const std::string& version) {
  auto iv_json = [](const Interval& iv) {
    return "{\"mean\": " + number(iv.mean) + ", \"ci95\": [" + number(iv.low) + ", " + number(iv.high) +
           "], \"n\": " + std::to_string(iv.n) + "}";
  };
  std::ostringstream o;
  o << "{\n  \"scenario\": \"" << rs.scenario << "\",\n  \"tenure_version\": \"" << version << "\",\n  \"seed\": "
    << rs.seed << ",\n  \"variants\": {";
  for (std::size_t v = 0; v < rs.variants.size(); ++v) {
    o << (v ? "," : "") << "\n    \"" << rs.variants[v] << "\": {";
    bool first = true;
    for (const auto& m : metrics()) {
      std::vector<double> x;
      for (const auto& r : rs.results[v]) x.push_back(m.of(r));
      o << (first ? "" : ",") << "\n      \"" << m.name << "\": " << iv_json(mean_ci(x));
      first = false;
    }
    o << "\n    }";
  }
  o << "\n  },\n  \"paired_differences_vs_base\": {";
  const auto base = std::find(rs.variants.begin(), rs.variants.end(), "base");
  bool firstv = true;
  if (base != rs.variants.end()) {
    const auto b = static_cast<std::size_t>(base - rs.variants.begin());
    for (std::size_t v = 0; v < rs.variants.size(); ++v) {
      if (v == b) continue;
      o << (firstv ? "" : ",") << "\n    \"" << rs.variants[v] << "\": {";
      firstv = false;
      bool first = true;
      for (const auto& m : metrics()) {
        std::vector<double> d;
        for (std::size_t r = 0; r < rs.results[v].size() && r < rs.results[b].size(); ++r)
          d.push_back(m.of(rs.results[v][r]) - m.of(rs.results[b][r]));
        o << (first ? "" : ",") << "\n      \"" << m.name << "\": " << iv_json(mean_ci(d));
        first = false;
      }
      o << "\n    }";
    }
  }
  o << "\n  }\n}\n";
  write_atomically(path, o.str());
}

}  // namespace tenure::output
