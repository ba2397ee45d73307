// Simulation time: a double in days, and the calendar helpers the model and scenarios use.
// Durations and rates are converted to days once, at load; the engine never sees units.
#pragma once

#include <cmath>
#include <cstdint>

namespace tenure {

using Time = double;  // days since the start of the run

namespace calendar {
inline constexpr double kDaysPerYear = 365.25;
inline constexpr double kDaysPerMonth = kDaysPerYear / 12.0;
inline constexpr double kDaysPerWeek = 7.0;

constexpr Time months(double m) { return m * kDaysPerMonth; }
constexpr Time years(double y) { return y * kDaysPerYear; }
// A rate given per year, as a rate per day.
constexpr double per_year(double r) { return r / kDaysPerYear; }

// Zero-based month index containing time t (month 0 is [0, 30.44) days).
inline std::int64_t month_index(Time t) {
  return static_cast<std::int64_t>(std::floor(t / kDaysPerMonth));
}
// Quarters end at months 3, 6, 9 and 12 of every year: the first quarter end after t.
inline Time next_quarter_end(Time t) {
  const double q = std::floor(t / (3 * kDaysPerMonth)) + 1.0;
  return q * 3 * kDaysPerMonth;
}
}  // namespace calendar

}  // namespace tenure
