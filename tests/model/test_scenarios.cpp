// The scenario loader: every file in scenarios/ loads; units convert once; bad input is
// reported with file:line:column, what was expected, and a suggestion.
#include <catch2/catch.hpp>

#include <filesystem>

#include "helpers.hpp"
#include "tenure/core/time.hpp"

using namespace tenure;

TEST_CASE("Scenarios: every file in scenarios/ loads and validates", "[scenario]") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(TENURE_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path());
    const auto sc = scenario::load(e.path().string());
    CHECK_FALSE(sc.story.empty());  // each opens with what it shows
    CHECK(sc.experiment.replications >= 1);
    ++n;
  }
  CHECK(n >= 6);
}

TEST_CASE("Scenarios: durations and rates carry units", "[scenario]") {
  CHECK(scenario::parse_duration("18 months") == Approx(18 * calendar::kDaysPerMonth));
  CHECK(scenario::parse_duration("3 days") == Approx(3));
  CHECK(scenario::parse_duration("2 years") == Approx(730.5));
  CHECK(scenario::parse_rate("0.2 per year") == Approx(0.2 / 365.25));
  CHECK(scenario::parse_rate("1 per month") == Approx(1 / calendar::kDaysPerMonth));
  CHECK_THROWS_WITH(scenario::parse_duration("18"), Catch::Contains("expected a duration with a unit"));
  CHECK_THROWS_WITH(scenario::parse_duration("3 fortnights"), Catch::Contains("unknown time unit 'fortnights'"));
  CHECK_THROWS_WITH(scenario::parse_rate("0.2 a year"), Catch::Contains("expected a rate like"));
}

TEST_CASE("Scenarios: all errors of a file come at once with line and column", "[scenario]") {
  const std::string yaml =
      "managers:\n"
      "  - name: a\n"
      "    strategy: huntr/attentive/calm\n"
      "organisation:\n"
      "  positions: [1]\n"
      "  promotoin: new_business\n"
      "churn:\n"
      "  notice_min: 6\n"
      "service:\n"
      "  voice_probability: 1.5\n";
  try {
    scenario::load_string(yaml, "bad.yaml");
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("bad.yaml:3:15: unknown time allocation 'huntr'; did you mean 'hunter'?"));
    CHECK_THAT(msg, Catch::Contains("bad.yaml:6:3: unknown key 'organisation.promotoin'; did you mean 'organisation.promotion'?"));
    CHECK_THAT(msg, Catch::Contains("bad.yaml:8:15: churn.notice_min: expected a duration with a unit"));
    CHECK_THAT(msg, Catch::Contains("bad.yaml:10:22: service.voice_probability: value 1.5 is out of range"));
  }
}

TEST_CASE("Scenarios: variants override the base and are validated too", "[scenario]") {
  const std::string yaml =
      "managers: [{name: a, strategy: hunter/attentive/calm}]\n"
      "organisation: {positions: [1]}\n"
      "horizon: 1 year\n"
      "variants:\n"
      "  longer: {horizon: 2 years}\n"
      "  broken: {organisation: {promotion: best_guess}}\n";
  try {
    scenario::load_string(yaml, "v.yaml");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("v.yaml:6:38: unknown promotion policy 'best_guess'"));
  }
  const auto sc = scenario::load_string(
      "managers: [{name: a, strategy: hunter/attentive/calm}]\norganisation: {positions: [1]}\n"
      "horizon: 1 year\nvariants:\n  longer: {horizon: 2 years}\n",
      "ok.yaml");
  REQUIRE(sc.variants.size() == 1);
  CHECK(sc.base.horizon_days == Approx(365.25));
  CHECK(sc.variants[0].second.horizon_days == Approx(730.5));
}
