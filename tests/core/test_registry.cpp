// The registry mechanism: typed parameters with defaults and bounds, factories, and errors
// that name what is known.
#include <catch2/catch.hpp>

#include "tenure/core/registry.hpp"

using namespace tenure;

namespace {
struct Widget {
  virtual ~Widget() = default;
  virtual double value() const = 0;
};
struct Scaled : Widget {
  double v;
  explicit Scaled(double x) : v(x) {}
  double value() const override { return v; }
};

Registry<Widget, double> make_registry() {
  Registry<Widget, double> r("widget");
  r.add({"scaled", "multiplies its input by a factor",
         {real_param("factor", 2.0, "", "the multiplier", 0.0, 10.0),
          choice_param("mode", "plain", {"plain", "squared"}, "how to combine"),
          duration_param("lag", 30.0, "a delay"), int_param("count", 3, "how many", 1, 5)},
         [](const ParamSet& p, double x) -> std::unique_ptr<Widget> {
           double f = p.real("factor");
           if (p.text("mode") == "squared") f *= f;
           return std::make_unique<Scaled>(f * x);
         }});
  r.add({"unit", "returns its input", {}, [](const ParamSet&, double x) -> std::unique_ptr<Widget> {
           return std::make_unique<Scaled>(x);
         }});
  return r;
}
}  // namespace

TEST_CASE("Registry: creates with defaults filled in", "[registry]") {
  auto r = make_registry();
  CHECK(r.create("scaled", {}, 3.0)->value() == Approx(6.0));
  CHECK(r.create("scaled", {{"factor", 3.0}, {"mode", std::string("squared")}}, 1.0)->value() ==
        Approx(9.0));
  CHECK(r.create("scaled", {{"factor", std::int64_t{4}}}, 1.0)->value() == Approx(4.0));
}

TEST_CASE("Registry: an unknown name lists the known ones and suggests the nearest", "[registry]") {
  auto r = make_registry();
  try {
    r.create("scaeld", {}, 1.0);
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("unknown widget 'scaeld'"));
    CHECK_THAT(msg, Catch::Contains("did you mean 'scaled'"));
    CHECK_THAT(msg, Catch::Contains("known: scaled, unit"));
  }
}

TEST_CASE("Registry: bad parameters are all reported at once", "[registry]") {
  auto r = make_registry();
  try {
    r.create("scaled",
             {{"factor", 11.0}, {"mode", std::string("cubed")}, {"colour", 1.0},
              {"count", 2.5}},
             1.0);
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("factor: value 11 is out of range: expected a number from 0 to 10"));
    CHECK_THAT(msg, Catch::Contains("unknown mode value 'cubed'"));
    CHECK_THAT(msg, Catch::Contains("unknown parameter 'colour'"));
    CHECK_THAT(msg, Catch::Contains("count: expected an integer"));
  }
}

TEST_CASE("Registry: wrong value types are refused", "[registry]") {
  auto r = make_registry();
  CHECK_THROWS_WITH(r.create("scaled", {{"factor", std::string("two")}}, 1.0),
                    Catch::Contains("factor: expected a number"));
  CHECK_THROWS_WITH(r.create("scaled", {{"lag", true}}, 1.0),
                    Catch::Contains("lag: expected a duration"));
}

TEST_CASE("Registry: names are unique and entries sorted", "[registry]") {
  auto r = make_registry();
  CHECK_THROWS_AS(r.add({"unit", "again", {}, nullptr}), Error);
  CHECK(r.names() == std::vector<std::string>{"scaled", "unit"});
  CHECK(r.entries().front()->params.size() == 4);
}

TEST_CASE("edit_distance and closest_match", "[registry]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(closest_match("huntr", {"hunter", "farmer"}) == "hunter");
  CHECK(closest_match("zzzzzz", {"hunter", "farmer"}).empty());
}
