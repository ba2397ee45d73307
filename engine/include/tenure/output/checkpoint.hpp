// Finished replications kept on disk while a run goes on, so that a run killed part-way
// (even by SIGKILL) resumes where it stopped and ends with the files an uninterrupted run
// would have written. Each replication is one file, written to a temporary name and renamed.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "tenure/model/results.hpp"

namespace tenure::output {

// One replication's results as bytes, and back. decode throws tenure::Error on a damaged or
// foreign file.
std::string encode(const model::RunResult& r);
model::RunResult decode(const std::string& bytes);

class Checkpoint {
 public:
  // Keeps replications under `dir`/.partial/`key`/; `key` must change whenever anything that
  // determines the results does (scenario, seed, variants). Other keys' leftovers are removed.
  Checkpoint(const std::string& dir, const std::string& key);
  // The replication if it was finished by an earlier, interrupted run.
  bool load(const std::string& variant, std::size_t replication, model::RunResult& out) const;
  void save(const std::string& variant, std::size_t replication, const model::RunResult& r) const;
  std::size_t saved() const;  // replications on disk
  // Once the run's own files are written: the checkpoints go.
  void clear() const;

 private:
  std::string path(const std::string& variant, std::size_t replication) const;
  std::string root_, dir_;
  mutable std::mutex mu_;  // save() runs on the worker threads; the folder is made once
  mutable bool made_ = false;
};

}  // namespace tenure::output
