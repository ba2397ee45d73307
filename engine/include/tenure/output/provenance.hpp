// Provenance: every results folder records how it was made (manifest.json) — the build (tenure's
// version and git commit, compiler and flags, library versions), the platform, the exact command
// or Python call with the Python packages' versions, the effective scenario's hash, seed,
// replications and variants, the wall time, and a hash of every file written — and
// `tenure verify DIR` runs it again from that record and checks the bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tenure/scenario/experiment.hpp"

namespace tenure::output {

struct Provenance {
  std::string kind = "run";   // run, or fork (a fork is verified by forking its snapshot again)
  std::string invocation;     // the exact command line, or the Python call
  std::vector<std::pair<std::string, std::string>> environment;  // Python's and its packages' versions
  double wall_seconds = 0;
  bool attribution = false;
};

// The build and platform, as a JSON object's text.
std::string build_info_json();

// manifest.json's text for a folder written by write_run: `effective_hash` is the hash of the
// effective scenario write_run wrote, `files` are (name, content hash).
std::string manifest_json(const scenario::Scenario& sc, const scenario::RunSet& rs, const Provenance& prov,
                          const std::string& source, const std::string& effective_hash,
                          const std::vector<std::pair<std::string, std::string>>& files);

// Runs the folder's scenario again as its manifest records it, in a scratch folder (removed
// afterwards), and compares every recorded file's hash, and the folder's own copies with it. `lines` says what was compared and
// what differed; throws tenure::Error when the folder cannot be verified (no manifest, a fork,
// damaged files).
struct Verification {
  bool same = true;
  std::vector<std::string> lines;
};
Verification verify(const std::string& dir, unsigned threads);

}  // namespace tenure::output
