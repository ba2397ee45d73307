// Typed parameter records: name, type, unit, default, bounds, description, in one place.
// The same records drive validation, the JSON Schema, --help text and the generated docs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tenure {

enum class ParamType {
  Real,         // a plain number
  Integer,      // a whole number
  Boolean,      // true / false
  Text,         // free text
  Choice,       // one of `choices`
  Duration,     // a span of time, stored in days ("18 months" in scenario files)
  Rate,         // events per unit time, stored per day ("0.2 per year")
  Probability,  // a number in [0, 1]
};

const char* to_string(ParamType t);

using ParamValue = std::variant<double, std::int64_t, bool, std::string>;

std::string format_value(const ParamValue& v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Real;
  std::string unit;  // as shown to users; durations and rates are stored in days
  ParamValue default_value = 0.0;
  std::optional<double> min;
  std::optional<double> max;
  std::string description;
  std::vector<std::string> choices;  // for ParamType::Choice

  // Checks one value against the record; the message says what was expected.
  // Returns an empty string when the value is acceptable.
  std::string check(const ParamValue& v) const;
  // "a duration in days, 0 to 3650" - for error messages and docs.
  std::string expectation() const;
};

// Fluent builders keep the records readable where components declare them.
ParamSpec real_param(std::string name, double def, std::string unit, std::string description,
                     std::optional<double> min = std::nullopt,
                     std::optional<double> max = std::nullopt);
ParamSpec int_param(std::string name, std::int64_t def, std::string description,
                    std::optional<double> min = std::nullopt,
                    std::optional<double> max = std::nullopt);
ParamSpec bool_param(std::string name, bool def, std::string description);
ParamSpec choice_param(std::string name, std::string def, std::vector<std::string> choices,
                       std::string description);
ParamSpec duration_param(std::string name, double def_days, std::string description,
                         std::optional<double> min = 0.0, std::optional<double> max = std::nullopt);
ParamSpec rate_param(std::string name, double def_per_day, std::string description,
                     std::optional<double> min = 0.0, std::optional<double> max = std::nullopt);
ParamSpec probability_param(std::string name, double def, std::string description);
ParamSpec text_param(std::string name, std::string description);

// Values for one set of specs, defaults filled in. Construction validates everything and
// reports all problems at once.
class ParamSet {
 public:
  ParamSet() = default;
  ParamSet(const std::vector<ParamSpec>& specs, const std::map<std::string, ParamValue>& given,
           const std::string& context = "");

  double real(const std::string& name) const;  // Real, Duration, Rate, Probability, Integer
  std::int64_t integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  const std::string& text(const std::string& name) const;  // Text or Choice
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

}  // namespace tenure
