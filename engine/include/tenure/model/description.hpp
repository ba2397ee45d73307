// The model's description as records, for the ODD protocol (`tenure describe FILE --odd`,
// docs/odd.md) and the defaults table of docs/model.md (`tenure schema --sources`): each
// mechanism in the order it acts, with its parameters, and where each default comes from.
#pragma once

#include <string>
#include <vector>

namespace tenure::model {

// Where a default comes from: "source" (a published figure), "fitted" (chosen to meet an anchor
// of docs/validation.md) or "stated" (a reason given, no source).
struct ParameterSource {
  std::vector<std::string> keys;  // dotted keys; "organisation.competence_*" matches by prefix
  std::string defaults;           // the defaults, as people write them
  std::string kind;
  std::string where;
};
const std::vector<ParameterSource>& parameter_sources();
// The record of a key (nullptr when none matches).
const ParameterSource* source_of(const std::string& key);

struct MechanismRecord {
  std::string name;
  std::string file;   // engine/src/model/mechanisms/...
  std::string when;   // its place in the schedule
  std::string what;   // what it does, in a sentence or two
  std::vector<std::string> keys;  // its scalar parameters (a key ending in '.' takes a whole section)
};
// In the order they act within a month (docs/model.md, docs/architecture.md).
const std::vector<MechanismRecord>& mechanisms();

}  // namespace tenure::model
