// A small binary format: a magic word, then every field in a fixed order; strings are
// length-prefixed; rows that are plain numbers are copied whole.
#include "tenure/output/checkpoint.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/core/files.hpp"
#include "tenure/output/output.hpp"

namespace tenure::output {

namespace {
// The format's version (8: with managers' monthly books). A checkpoint of another version is not
// read (it is run again).
constexpr char kMagic[8] = {'T', 'N', 'R', 'C', 'K', 'P', 'T', '8'};  // 8: managers' months
}  // namespace

namespace {
// magic, identity (run key, variant, replication), the payload, then a CRC-32 of all before it.
template <class Save>
std::string framed(const CheckpointIdentity& id, Save save) {
  core::ByteWriter w;
  w.raw(std::string_view(kMagic, sizeof kMagic));
  w.str(id.key), w.str(id.variant), w.pod<std::uint64_t>(id.replication);
  save(w);
  return core::with_crc32(w.take());
}

template <class Load>
auto unframed(const std::string& bytes, const CheckpointIdentity& id, Load load) {
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error("checkpoint: not a checkpoint of this version of tenure");
  const std::string_view body(bytes.data(), bytes.size() - 4);
  if (!core::crc32_matches(bytes)) throw Error("checkpoint: damaged (its checksum does not match)");
  core::ByteReader rd(body.substr(sizeof kMagic), "checkpoint");
  CheckpointIdentity saved;
  saved.key = rd.str(), saved.variant = rd.str();
  std::uint64_t rep = 0;
  rd.pod(rep);
  saved.replication = rep;
  if (saved.key != id.key || saved.variant != id.variant || saved.replication != id.replication)
    throw Error("checkpoint: it belongs to another run, variant or replication");
  auto r = load(rd);
  rd.finish();
  return r;
}
}  // namespace

std::string encode(const model::RunResult& r, const CheckpointIdentity& id) {
  return framed(id, [&](core::ByteWriter& w) { model::save(w, r); });
}

model::RunResult decode(const std::string& bytes, const CheckpointIdentity& id) {
  return unframed(bytes, id, [](core::ByteReader& rd) { return model::load_result(rd); });
}

std::string encode(const model::Attribution& a, const CheckpointIdentity& id) {
  return framed(id, [&](core::ByteWriter& w) {
    std::vector<std::uint8_t> factors;
    for (auto f : a.factors) factors.push_back(static_cast<std::uint8_t>(f));
    w.pods(factors), w.pods(a.shapley), w.pod(a.lost_all_on), w.pod(a.lost_all_off), w.pods(a.blame);
  });
}

model::Attribution decode_attribution(const std::string& bytes, const CheckpointIdentity& id) {
  return unframed(bytes, id, [](core::ByteReader& rd) {
    model::Attribution a;
    for (auto f : rd.pods<std::uint8_t>()) {
      if (f >= model::kFactorCount) throw Error("checkpoint: damaged (unknown factor)");
      a.factors.push_back(static_cast<model::Factor>(f));
    }
    a.shapley = rd.pods<double>();
    rd.pod(a.lost_all_on), rd.pod(a.lost_all_off);
    a.blame = rd.pods<double>();
    if (a.shapley.size() != a.factors.size()) throw Error("checkpoint: damaged (factors and values differ in number)");
    return a;
  });
}

Checkpoint::Checkpoint(const std::string& dir, const std::string& key)
    : root_(dir + "/.partial"), dir_(root_ + "/" + key), key_(key) {
  namespace fs = std::filesystem;
  std::error_code ec;
  created_out_ = !fs::exists(dir, ec);
  fs::create_directories(root_, ec);
  if (ec) throw Error(dir + ": cannot create the output folder: " + ec.message());
  // One live run per folder: a second one is refused, instead of removing the first one's
  // checkpoints or interleaving its files. The lock goes with the process, even on kill -9.
  const std::string lock = root_ + "/.lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw Error(lock + ": cannot open the folder's lock: " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw Error(dir + ": another tenure run is writing to this folder; wait for it to end or choose another --out");
  }
  for (const auto& e : fs::directory_iterator(root_, ec))
    if (e.path().filename() != key && e.path().filename() != ".lock")
      fs::remove_all(e.path(), ec);  // a dead run's leftovers (its lock is free, so it has ended)
}

Checkpoint::~Checkpoint() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (lock_fd_ >= 0) {
    // Nothing kept: leave no trace (a refused or failed run writes nothing).
    if (!fs::exists(dir_, ec)) {
      fs::remove(root_ + "/.lock", ec);
      fs::remove(root_, ec);
      if (created_out_) fs::remove(fs::path(root_).parent_path(), ec);  // only if empty
    }
    ::close(lock_fd_);
  }
}

std::string Checkpoint::path(const std::string& variant, std::size_t replication) const {
  return dir_ + "/" + variant + "." + std::to_string(replication) + ".bin";
}

bool Checkpoint::load(const std::string& variant, std::size_t replication, model::RunResult& out) const {
  std::string bytes;
  try {
    bytes = read_regular_file(path(variant, replication), "checkpoint", std::size_t{1} << 34);
  } catch (const Error&) {
    return false;
  }
  try {
    out = decode(bytes, {key_, variant, replication});
    return true;
  } catch (const Error&) {
    return false;  // a damaged or foreign file is run again
  }
}

void Checkpoint::make_folder() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (made_) return;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw Error(dir_ + ": cannot create the checkpoint folder: " + ec.message());
  made_ = true;
}

void Checkpoint::save(const std::string& variant, std::size_t replication, const model::RunResult& r) const {
  make_folder();
  write_atomically(path(variant, replication), encode(r, {key_, variant, replication}));
}

std::string Checkpoint::attribution_path(const std::string& variant, std::size_t replication) const {
  return dir_ + "/" + variant + "." + std::to_string(replication) + ".att";
}

bool Checkpoint::load(const std::string& variant, std::size_t replication, model::Attribution& out) const {
  try {
    out = decode_attribution(read_regular_file(attribution_path(variant, replication), "checkpoint", std::size_t{1} << 30),
                             {key_, variant, replication});
    return true;
  } catch (const Error&) {
    return false;  // missing, damaged or foreign: attributed again
  }
}

void Checkpoint::save(const std::string& variant, std::size_t replication, const model::Attribution& a) const {
  make_folder();
  write_atomically(attribution_path(variant, replication), encode(a, {key_, variant, replication}));
}

std::size_t Checkpoint::saved() const {
  std::size_t n = 0;
  std::error_code ec;
  if (std::filesystem::is_directory(dir_, ec))
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) n += e.path().extension() == ".bin";
  return n;
}

void Checkpoint::clear() const {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // the lock stays held until this object goes
}

}  // namespace tenure::output
