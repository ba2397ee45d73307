// Finished replications kept on disk while a run goes on, so that a run killed part-way
// (even by SIGKILL) resumes where it stopped and ends with the files an uninterrupted run
// would have written. Each replication is one file, written to a temporary name and renamed.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "tenure/model/results.hpp"
#include "tenure/model/world.hpp"

namespace tenure::output {

// Whose results a checkpoint holds: the run's key (a hash of everything that determines the
// results), the variant and the replication. A file renamed to another replication, or left
// by another run, does not match and is run again.
struct CheckpointIdentity {
  std::string key, variant;
  std::size_t replication = 0;
};

// One replication's results as bytes (with their identity and a CRC-32), and back. decode
// throws tenure::Error on a damaged file, a foreign one, or one of another identity.
std::string encode(const model::RunResult& r, const CheckpointIdentity& id);
model::RunResult decode(const std::string& bytes, const CheckpointIdentity& id);
// The same for one replication's attribution (Shapley values, blame).
std::string encode(const model::Attribution& a, const CheckpointIdentity& id);
model::Attribution decode_attribution(const std::string& bytes, const CheckpointIdentity& id);

class Checkpoint {
 public:
  // Keeps replications under `dir`/.partial/`key`/; `key` must change whenever anything that
  // determines the results does (scenario, seed, variants). Holds `dir`/.partial/.lock while it
  // lives: a second live run into the same folder is refused (tenure::Error). Leftovers of
  // other keys (dead runs) are removed.
  Checkpoint(const std::string& dir, const std::string& key);
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;
  // The replication if it was finished by an earlier, interrupted run.
  bool load(const std::string& variant, std::size_t replication, model::RunResult& out) const;
  void save(const std::string& variant, std::size_t replication, const model::RunResult& r) const;
  // Attributions (tenure run --attribution) are kept the same way.
  bool load(const std::string& variant, std::size_t replication, model::Attribution& out) const;
  void save(const std::string& variant, std::size_t replication, const model::Attribution& a) const;
  std::size_t saved() const;  // replications on disk
  // Once the run's own files are written: the checkpoints go (the lock when this object does).
  void clear() const;

 private:
  std::string path(const std::string& variant, std::size_t replication) const;
  std::string attribution_path(const std::string& variant, std::size_t replication) const;
  void make_folder() const;  // once, from whichever worker thread saves first
  std::string root_, dir_, key_;
  int lock_fd_ = -1;
  bool created_out_ = false;
  mutable std::mutex mu_;  // save() runs on the worker threads; the folder is made once
  mutable bool made_ = false;
};

}  // namespace tenure::output
