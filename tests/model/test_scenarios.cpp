// The scenario loader: every file in scenarios/ loads; units convert once; bad input is
// reported with file:line:column, what was expected, and a suggestion.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <set>

#include "helpers.hpp"
#include "tenure/core/time.hpp"
#include "tenure/core/files.hpp"
#include "tenure/output/checkpoint.hpp"
#include "tenure/scenario/experiment.hpp"

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

TEST_CASE("Scenarios: a variant's component map replaces the base's (regression)", "[scenario]") {
  // A variant giving a component as a map over a base that also gives it as a map was lost:
  // the merged tree held both keys and the base's won.
  const auto sc = scenario::load_string(
      "managers: [{name: a, time: {name: hunter, hunt_share: 0.9}}]\n"
      "organisation: {positions: [1], promotion: {name: new_business}}\n"
      "variants:\n"
      "  as_map: {organisation: {promotion: {name: total_value}}}\n"
      "  as_name: {organisation: {promotion: total_value}}\n"
      "  share: {managers: [{name: a, time: {name: hunter, hunt_share: 0.5}}]}\n"
      "  switch: {managers: [{name: a, time: {name: hunter, hunt_share: 0.5}}], organisation: {promotion: {name: total_value}}}\n",
      "m.yaml");
  REQUIRE(sc.variants.size() == 4);
  CHECK(sc.base.organisation.promotion.name == "new_business");
  CHECK(sc.variants[0].second.organisation.promotion.name == "total_value");
  CHECK(sc.variants[1].second.organisation.promotion.name == "total_value");
  CHECK(std::get<double>(sc.variants[2].second.managers[0].time.params.at("hunt_share")) == 0.5);
  // switching a component drops the old one's parameters (calm has none of urgent's)
  const auto sw = scenario::load_string(
      "managers: [{name: a, pressure: {name: urgent, rush_discount: 0.1}}]\n"
      "organisation: {positions: [1]}\n"
      "variants:\n  calm: {managers: [{name: a, pressure: {name: calm}}]}\n",
      "p.yaml");
  CHECK(sw.variants[0].second.managers[0].pressure.name == "calm");
  const auto back = scenario::load_string(scenario::effective_yaml(sw), "p2.yaml");
  CHECK(back.variants[0].second.managers[0].pressure.name == "calm");
}

TEST_CASE("Scenarios: the effective scenario loads back to the same parameters, variants included", "[scenario]") {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TENURE_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    const auto sc = scenario::load(entry.path().string());
    const std::string text = scenario::effective_yaml(sc);
    const auto again = scenario::load_string(text, "effective.yaml");
    CHECK(scenario::effective_yaml(again) == text);
    REQUIRE(again.variants.size() == sc.variants.size());
    for (std::size_t v = 0; v < sc.variants.size(); ++v) {
      // each variant is written as what it changes, and reads back to the same run
      const auto a = model::simulate(sc.variants[v].second, 3, 0);
      const auto b = model::simulate(again.variants[v].second, 3, 0);
      CHECK(a.events == b.events);
      CHECK(a.lost_value == b.lost_value);
    }
  }
}

TEST_CASE("Scenarios: --set reaches list items by name or index, and names what it cannot find", "[scenario]") {
  const std::string yaml =
      "managers: [{name: ann, time: farmer}, {name: dan, time: {name: hunter, hunt_share: 0.9}}]\n"
      "organisation: {positions: [2]}\n";
  const auto sc = scenario::load_string(yaml, "s.yaml", {"managers.dan.time.hunt_share=0.6", "managers.0.time.hunt_share=0.3"});
  CHECK(std::get<double>(sc.base.managers[1].time.params.at("hunt_share")) == 0.6);
  CHECK(sc.base.managers[0].time.name == "farmer");  // a name alone became {name: farmer, ...}
  CHECK(std::get<double>(sc.base.managers[0].time.params.at("hunt_share")) == 0.3);
  try {
    scenario::load_string(yaml, "s.yaml", {"managers.don.time.hunt_share=0.6"});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("unknown item of managers 'don'; did you mean 'dan'?"));
  }
  try {  // a path the base has but a variant does not: the message names the variant
    scenario::load_string(yaml + "variants:\n  alone:\n    managers: [{name: ann, time: farmer}]\n", "s.yaml",
                          {"managers.dan.time.hunt_share=0.6"});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("in variant 'alone': --set managers.dan.time.hunt_share=0.6: "
                                                      "unknown item of managers 'dan'"));
  }
  try {
    scenario::load_string(yaml, "s.yaml", {"managers.dan.time.hunt_share=2"});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("--set managers.dan.time.hunt_share=2: hunt_share: value 2 is out of range"));
  }
}

TEST_CASE("Checkpoints: a replication's results survive encoding, and damage is detected", "[scenario][reliability]") {
  const auto sc = scenario::load(std::string(TENURE_SOURCE_DIR) + "/scenarios/caught_between.yaml");
  const auto r = model::simulate(sc.base, 7, 0);
  REQUIRE_FALSE(r.accounts.empty());  // caught_between records accounts and their events
  const output::CheckpointIdentity id{"0123456789abcdef", "base", 3};
  const std::string bytes = output::encode(r, id);
  const auto back = output::decode(bytes, id);
  CHECK(output::encode(back, id) == bytes);
  CHECK(back.events == r.events);
  CHECK(back.managers.size() == r.managers.size());
  CHECK(back.account_events.size() == r.account_events.size());
  CHECK_THROWS_AS(output::decode(bytes.substr(0, bytes.size() / 2), id), Error);
  CHECK_THROWS_AS(output::decode("not a checkpoint", id), Error);
  // Every single flipped bit is caught by the checksum (issue 15.5), in the header and in
  // the body, sampled along the file.
  for (std::size_t i = 0; i < bytes.size(); i += std::max<std::size_t>(1, bytes.size() / 997)) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    CHECK_THROWS_AS(output::decode(bad, id), Error);
  }
  // A checkpoint renamed to another replication, variant or run is not taken for it.
  CHECK_THROWS_WITH(output::decode(bytes, {id.key, "base", 4}), Catch::Contains("another run, variant or replication"));
  CHECK_THROWS_AS(output::decode(bytes, {id.key, "other", 3}), Error);
  CHECK_THROWS_AS(output::decode(bytes, {"fedcba9876543210", "base", 3}), Error);

  // Attributions are kept the same way (tenure run --attribution resumes after a kill).
  const auto at = model::attribute(sc.base, scenario::default_factors(sc.base), 7, 0);
  const std::string ab = output::encode(at, id);
  const auto at_back = output::decode_attribution(ab, id);
  CHECK(at_back.factors == at.factors);
  CHECK(at_back.shapley == at.shapley);
  CHECK(at_back.blame == at.blame);
  CHECK(at_back.lost_all_off == at.lost_all_off);
  CHECK_THROWS_AS(output::decode_attribution(ab, {id.key, "base", 2}), Error);
  std::string bad = ab;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
  CHECK_THROWS_AS(output::decode_attribution(bad, id), Error);
}

TEST_CASE("Temporary file names are unique per call and process", "[output][reliability]") {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) names.insert(unique_temporary_name("out/summary.json"));
  CHECK(names.size() == 1000);
  CHECK(names.begin()->rfind("out/summary.json.tmp-", 0) == 0);
}

TEST_CASE("Scenarios: plugins are files relative to the scenario or module names, carried to the effective scenario",
          "[scenario]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tenure_plugins_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  const fs::path file = dir / "sub" / "s.yaml";
  std::ofstream(file) << "name: s\nplugins: [mine.py, ../theirs.py, some.module]\n"
                         "managers:\n  - {name: m, count: 1, strategy: hunter/attentive/calm}\n";
  const auto expected = std::vector<std::string>{(dir / "sub" / "mine.py").string(), (dir / "theirs.py").string(), "some.module"};
  CHECK(scenario::plugins_of(file.string()) == expected);
  const auto sc = scenario::load(file.string());
  CHECK(sc.plugins == expected);
  const auto again = scenario::load_string(scenario::effective_yaml(sc), "again");
  CHECK(again.plugins == expected);
  fs::remove_all(dir);

  CHECK_THROWS_WITH(scenario::load_string("name: s\nplugins: mine.py\n", "p.yaml"),
                    Catch::Contains("p.yaml:2:10: plugins: expected a list of Python files"));
  CHECK_THROWS_WITH(scenario::load_string("name: s\nvariants:\n  v: {plugins: [a.py]}\n", "p.yaml"),
                    Catch::Contains("'plugins' belongs to the file, not to a variant"));
  CHECK(scenario::plugins_of("/no/such/file.yaml").empty());
}
