// Validation and formatting of typed parameter records.
#include "tenure/core/params.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "tenure/core/error.hpp"

namespace tenure {

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Real: return "number";
    case ParamType::Integer: return "integer";
    case ParamType::Boolean: return "boolean";
    case ParamType::Text: return "text";
    case ParamType::Choice: return "choice";
    case ParamType::Duration: return "duration";
    case ParamType::Rate: return "rate";
    case ParamType::Probability: return "probability";
  }
  return "?";
}

std::string format_value(const ParamValue& v) {
  std::ostringstream os;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) os << (x ? "true" : "false");
        else if constexpr (std::is_same_v<T, std::string>) os << x;
        else os << x;
      },
      v);
  return os.str();
}

namespace {
std::string bound_text(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}
}  // namespace

std::string ParamSpec::expectation() const {
  std::string s;
  switch (type) {
    case ParamType::Real: s = "a number"; break;
    case ParamType::Integer: s = "an integer"; break;
    case ParamType::Boolean: return "true or false";
    case ParamType::Text: return "text";
    case ParamType::Choice: {
      s = "one of ";
      for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
      return s;
    }
    case ParamType::Duration: s = "a duration (e.g. '18 months', '3 days')"; break;
    case ParamType::Rate: s = "a rate (e.g. '0.2 per year')"; break;
    case ParamType::Probability: s = "a probability"; break;
  }
  if (min && max) s += " from " + bound_text(*min) + " to " + bound_text(*max);
  else if (min) s += " >= " + bound_text(*min);
  else if (max) s += " <= " + bound_text(*max);
  if ((type == ParamType::Duration || type == ParamType::Rate) && (min || max))
    s += type == ParamType::Duration ? " days" : " per day";
  return s;
}

std::string ParamSpec::check(const ParamValue& v) const {
  const bool numeric_type = type == ParamType::Real || type == ParamType::Duration ||
                            type == ParamType::Rate || type == ParamType::Probability ||
                            type == ParamType::Integer;
  if (numeric_type) {
    double x;
    if (const double* d = std::get_if<double>(&v)) {
      if (type == ParamType::Integer && std::floor(*d) != *d) return "expected " + expectation();
      x = *d;
    } else if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) {
      x = static_cast<double>(*i);
    } else {
      return "expected " + expectation();
    }
    if (!std::isfinite(x)) return "expected a finite value";
    if ((min && x < *min) || (max && x > *max))
      return "value " + bound_text(x) + " is out of range: expected " + expectation();
    return {};
  }
  if (type == ParamType::Boolean)
    return std::holds_alternative<bool>(v) ? std::string{} : "expected " + expectation();
  const std::string* s = std::get_if<std::string>(&v);
  if (!s) return "expected " + expectation();
  if (type == ParamType::Choice && std::find(choices.begin(), choices.end(), *s) == choices.end())
    return unknown_name_message(name + " value", *s, choices);
  return {};
}

ParamSpec real_param(std::string name, double def, std::string unit, std::string description,
                     std::optional<double> min, std::optional<double> max) {
  return ParamSpec{std::move(name), ParamType::Real, std::move(unit), def, min, max,
                   std::move(description), {}};
}
ParamSpec int_param(std::string name, std::int64_t def, std::string description,
                    std::optional<double> min, std::optional<double> max) {
  return ParamSpec{std::move(name), ParamType::Integer, "", def, min, max, std::move(description),
                   {}};
}
ParamSpec bool_param(std::string name, bool def, std::string description) {
  return ParamSpec{std::move(name), ParamType::Boolean, "", def, {}, {}, std::move(description), {}};
}
ParamSpec choice_param(std::string name, std::string def, std::vector<std::string> choices,
                       std::string description) {
  return ParamSpec{std::move(name), ParamType::Choice, "", std::move(def), {}, {},
                   std::move(description), std::move(choices)};
}
ParamSpec duration_param(std::string name, double def_days, std::string description,
                         std::optional<double> min, std::optional<double> max) {
  return ParamSpec{std::move(name), ParamType::Duration, "days", def_days, min, max,
                   std::move(description), {}};
}
ParamSpec rate_param(std::string name, double def_per_day, std::string description,
                     std::optional<double> min, std::optional<double> max) {
  return ParamSpec{std::move(name), ParamType::Rate, "per day", def_per_day, min, max,
                   std::move(description), {}};
}
ParamSpec probability_param(std::string name, double def, std::string description) {
  return ParamSpec{std::move(name), ParamType::Probability, "", def, 0.0, 1.0,
                   std::move(description), {}};
}

ParamSpec text_param(std::string name, std::string description) {
  return ParamSpec{std::move(name), ParamType::Text, "", std::string(), {}, {}, std::move(description), {}};
}

ParamSet::ParamSet(const std::vector<ParamSpec>& specs,
                   const std::map<std::string, ParamValue>& given, const std::string& context) {
  std::vector<std::string> problems;
  std::vector<std::string> known;
  for (const auto& s : specs) known.push_back(s.name);
  for (const auto& entry : given) {
    const std::string& name = entry.first;  // a plain reference: lambdas may not capture bindings before C++20 in clang 14
    const ParamValue& value = entry.second;
    auto it = std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.name == name; });
    if (it == specs.end()) {
      problems.push_back(unknown_name_message("parameter", name, known));
      continue;
    }
    if (auto msg = it->check(value); !msg.empty()) problems.push_back(name + ": " + msg);
  }
  if (!problems.empty()) {
    std::string msg = context.empty() ? std::string("invalid parameters") : context;
    for (const auto& p : problems) msg += "\n  " + p;
    throw Error(msg);
  }
  for (const auto& s : specs) {
    auto it = given.find(s.name);
    ParamValue v = it != given.end() ? it->second : s.default_value;
    // Numbers are stored as the record's type, so readers never see an int where they expect
    // a double.
    if (s.type != ParamType::Integer && std::holds_alternative<std::int64_t>(v))
      v = static_cast<double>(std::get<std::int64_t>(v));
    if (s.type == ParamType::Integer && std::holds_alternative<double>(v))
      v = static_cast<std::int64_t>(std::get<double>(v));
    values_[s.name] = std::move(v);
  }
}

const ParamValue& ParamSet::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error("no parameter '" + name + "'");
  return it->second;
}

double ParamSet::real(const std::string& name) const {
  const auto& v = at(name);
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw Error("parameter '" + name + "' is not a number");
}
std::int64_t ParamSet::integer(const std::string& name) const {
  const auto& v = at(name);
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return *i;
  throw Error("parameter '" + name + "' is not an integer");
}
bool ParamSet::boolean(const std::string& name) const {
  const auto& v = at(name);
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  throw Error("parameter '" + name + "' is not a boolean");
}
const std::string& ParamSet::text(const std::string& name) const {
  const auto& v = at(name);
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  throw Error("parameter '" + name + "' is not text");
}

}  // namespace tenure
