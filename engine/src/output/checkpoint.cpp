// A small binary format: a magic word, then every field in a fixed order; strings are
// length-prefixed; rows that are plain numbers are copied whole.
#include "tenure/output/checkpoint.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tenure/core/bytes.hpp"
#include "tenure/core/error.hpp"
#include "tenure/output/output.hpp"

namespace tenure::output {

namespace {
constexpr char kMagic[8] = {'T', 'N', 'R', 'C', 'K', 'P', 'T', '1'};
}  // namespace

std::string encode(const model::RunResult& r) {
  core::ByteWriter w;
  w.raw(std::string_view(kMagic, sizeof kMagic));
  model::save(w, r);
  return w.take();
}

model::RunResult decode(const std::string& bytes) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error("checkpoint: not a checkpoint of this version of tenure");
  core::ByteReader rd(std::string_view(bytes).substr(sizeof kMagic), "checkpoint");
  model::RunResult r = model::load_result(rd);
  rd.finish();
  return r;
}

Checkpoint::Checkpoint(const std::string& dir, const std::string& key) : root_(dir + "/.partial"), dir_(root_ + "/" + key) {
  std::error_code ec;
  if (std::filesystem::is_directory(root_, ec))
    for (const auto& e : std::filesystem::directory_iterator(root_, ec))
      if (e.path().filename() != key) std::filesystem::remove_all(e.path(), ec);  // another run's leftovers
}

std::string Checkpoint::path(const std::string& variant, std::size_t replication) const {
  return dir_ + "/" + variant + "." + std::to_string(replication) + ".bin";
}

bool Checkpoint::load(const std::string& variant, std::size_t replication, model::RunResult& out) const {
  std::ifstream in(path(variant, replication), std::ios::binary);
  if (!in) return false;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    out = decode(bytes);
    return true;
  } catch (const Error&) {
    return false;  // a damaged file is run again
  }
}

void Checkpoint::save(const std::string& variant, std::size_t replication, const model::RunResult& r) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!made_) {
      std::error_code ec;
      std::filesystem::create_directories(dir_, ec);
      if (ec) throw Error(dir_ + ": cannot create the checkpoint folder: " + ec.message());
      made_ = true;
    }
  }
  write_atomically(path(variant, replication), encode(r));
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
  std::filesystem::remove_all(root_, ec);
}

}  // namespace tenure::output
