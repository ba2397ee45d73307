// The text of numbers in the csv files: the shortest round trip, whatever path writes it.
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "tenure/output/output.hpp"

namespace {
std::string shortest(double x) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}
}  // namespace

TEST_CASE("Output: a number's text is its shortest round trip, whole numbers included", "[output]") {
  // Every whole number the fast path takes, and past its bounds (where the exponent form can
  // be the shorter: 100000 is written 1e+05).
  for (int i = -120000; i <= 120000; ++i) REQUIRE(tenure::output::number(i) == shortest(i));
  for (const double x : {0.0, -0.0, 0.5, -0.5, 99999.5, -99999.5, 1e5, -1e5, 1e-300, 5e-324, 1e22, 2147483648.0,
                         -2147483649.0, 4294967296.5, 1e15 + 1, std::nextafter(1e5, 0.0), std::nextafter(-1e5, 0.0)})
    CHECK(tenure::output::number(x) == shortest(x));
  CHECK(tenure::output::number(-0.0) == "-0");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-2e5, 2e5);
  for (int k = 0; k < 100000; ++k) {
    const double x = u(rng);
    REQUIRE(tenure::output::number(x) == shortest(x));
    REQUIRE(tenure::output::number(std::round(x)) == shortest(std::round(x)));
  }
  // Not finite: an empty cell.
  CHECK(tenure::output::number(std::numeric_limits<double>::quiet_NaN()).empty());
  CHECK(tenure::output::number(-std::numeric_limits<double>::infinity()).empty());
  std::string s = "a,";
  tenure::output::append_number(s, 42.0);
  CHECK(s == "a,42");
}
