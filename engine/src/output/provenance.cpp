#include "tenure/output/provenance.hpp"

#include <sys/utsname.h>

#include <boost/version.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"
#include "tenure/output/output.hpp"
#include "tenure_git_info.hpp"

#ifndef TENURE_COMPILER
#define TENURE_COMPILER "unknown"
#endif
#ifndef TENURE_CXX_FLAGS
#define TENURE_CXX_FLAGS ""
#endif
#ifndef TENURE_BUILD_TYPE
#define TENURE_BUILD_TYPE ""
#endif
#ifndef TENURE_YAML_CPP_VERSION
#define TENURE_YAML_CPP_VERSION "unknown"
#endif

namespace tenure::output {
namespace {
using Json = nlohmann::ordered_json;

Json build_info() {
  Json j;
  j["tenure"] = {{"version", version()}, {"commit", TENURE_GIT_COMMIT}};
  std::string flags = TENURE_CXX_FLAGS;
  while (!flags.empty() && flags.front() == ' ') flags.erase(flags.begin());
  j["build"] = {{"compiler", TENURE_COMPILER}, {"flags", flags}, {"build_type", TENURE_BUILD_TYPE}};
  j["libraries"] = {
      {"boost", std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                    std::to_string(BOOST_VERSION % 100)},
      {"eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                    std::to_string(EIGEN_MINOR_VERSION)},
      {"yaml-cpp", TENURE_YAML_CPP_VERSION},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
                            "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH)}};
  utsname u{};
  if (uname(&u) == 0) j["platform"] = {{"system", u.sysname}, {"release", u.release}, {"machine", u.machine}};
  return j;
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

std::string build_info_json() { return build_info().dump(2) + "\n"; }

std::string manifest_json(const scenario::Scenario& sc, const scenario::RunSet& rs, const Provenance& prov,
                          const std::string& source, const std::string& effective_hash,
                          const std::vector<std::pair<std::string, std::string>>& files) {
  Json j = build_info();
  j["kind"] = prov.kind;
  j["invocation"] = prov.invocation;
  if (!prov.environment.empty()) {
    Json env = Json::object();
    for (const auto& [k, v] : prov.environment) env[k] = v;
    j["environment"] = env;
  }
  const std::size_t reps = rs.results.empty() ? 0 : rs.results.front().size();
  j["scenario"] = {{"name", sc.name},
                   {"source", source},
                   {"effective_hash", effective_hash},
                   {"seed", rs.seed},
                   {"replications", reps},
                   {"variants", rs.variants},
                   {"attribution", prov.attribution}};
  j["wall_seconds"] = prov.wall_seconds;
  j["finished"] = utc_now();
  Json f = Json::object();
  for (const auto& [name, hash] : files) f[name] = hash;
  j["files"] = f;
  j["hash"] = "FNV-1a 64 of each file's bytes (detects a changed result, not tampering)";
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Verification verify(const std::string& dir, unsigned threads) {
  namespace fs = std::filesystem;
  const std::string path = dir + "/manifest.json";
  if (!fs::exists(path)) throw Error(path + ": no manifest: this folder was not written by a tenure that records one");
  const auto j = Json::parse(read_regular_file(path, "manifest", std::size_t{16} << 20), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("scenario") || !j.contains("files"))
    throw Error(path + ": damaged manifest (not the JSON tenure writes)");
  if (j.value("kind", std::string("run")) == "fork")
    throw Error(path + ": these results are a fork of a snapshot; running the scenario from the start does not "
                       "reproduce them: fork the snapshot again and compare");
  Verification v;
  const auto& s = j["scenario"];
  const std::string was = j["tenure"].value("version", std::string("?")) + " (" + j["tenure"].value("commit", std::string("?")) + ")";
  const std::string now = std::string(version()) + " (" + TENURE_GIT_COMMIT + ")";
  v.lines.push_back("recorded by tenure " + was + "; verifying with " + now);
  const scenario::Scenario sc = scenario::load(dir + "/scenario.effective.yaml");
  scenario::RunOptions o;
  o.threads = threads;
  for (const auto& x : s["variants"]) o.variants.push_back(x.template get<std::string>());
  const auto rs = scenario::run(sc, o);
  scenario::AttributionSet at;
  const bool attribution = s.value("attribution", false);
  if (attribution) {
    scenario::AttributionOptions ao;
    ao.threads = threads;
    at = scenario::attribute(sc, rs, scenario::default_factors(sc.base), ao);
  }
  // A scratch folder of our own, removed afterwards; the user's folder is only read.
  std::string scratch = (fs::temp_directory_path() / "tenure-verify-XXXXXX").string();
  if (!mkdtemp(scratch.data())) throw Error("cannot create a scratch folder in " + fs::temp_directory_path().string());
  struct Remove {
    std::string p;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } remove{scratch};
  write_run(scratch, sc, rs, attribution ? &at : nullptr, s.value("source", std::string()));
  for (const auto& [name, hash] : j["files"].items()) {
    const std::string again = fs::exists(scratch + "/" + name)
                                  ? scenario::content_hash(read_regular_file(scratch + "/" + name, name, std::size_t{1} << 40))
                                  : std::string("(not written)");
    const bool same = again == hash.template get<std::string>();
    // The folder's own copy, against what was written then.
    const std::string kept = fs::exists(dir + "/" + name)
                                 ? scenario::content_hash(read_regular_file(dir + "/" + name, name, std::size_t{1} << 40))
                                 : std::string("(missing)");
    const bool intact = kept == hash.template get<std::string>();
    v.same = v.same && same && intact;
    v.lines.push_back(std::string(same ? "  same       " : "  DIFFERENT  ") + name +
                      (intact ? "" : "  (the folder's copy changed since it was written)"));
  }
  return v;
}

}  // namespace tenure::output
