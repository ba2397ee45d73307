// A small binary format: a magic word, then every field in a fixed order; strings are
// length-prefixed; rows that are plain numbers are copied whole.
#include "tenure/output/checkpoint.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "tenure/core/error.hpp"
#include "tenure/output/output.hpp"

namespace tenure::output {

namespace {
constexpr char kMagic[8] = {'T', 'N', 'R', 'C', 'K', 'P', 'T', '1'};
static_assert(std::is_trivially_copyable_v<model::MonthRow>);
static_assert(std::is_trivially_copyable_v<model::LostAccount>);

struct Writer {
  std::string out;
  template <class T>
  void pod(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    out.append(reinterpret_cast<const char*>(&x), sizeof x);
  }
  void str(const std::string& s) {
    pod<std::uint64_t>(s.size());
    out.append(s);
  }
  template <class T>
  void pods(const std::vector<T>& v) {
    pod<std::uint64_t>(v.size());
    if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
};

struct Reader {
  const std::string& in;
  std::size_t at = 0;
  void need(std::size_t n) const {
    if (in.size() - at < n) throw Error("checkpoint: damaged (truncated) file");
  }
  template <class T>
  T pod() {
    need(sizeof(T));
    T x;
    std::memcpy(&x, in.data() + at, sizeof x);
    at += sizeof x;
    return x;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s = in.substr(at, n);
    at += n;
    return s;
  }
  template <class T>
  std::vector<T> pods() {
    const auto n = pod<std::uint64_t>();
    if (n > (in.size() - at) / sizeof(T)) throw Error("checkpoint: damaged (truncated) file");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), in.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return v;
  }
};
}  // namespace

std::string encode(const model::RunResult& r) {
  Writer w;
  w.out.append(kMagic, sizeof kMagic);
  w.pods(r.months);
  w.pod<std::uint64_t>(r.managers.size());
  for (const auto& m : r.managers) {
    w.str(m.name), w.str(m.strategy), w.pod(m.level), w.pod(m.new_business), w.pod(m.new_clients);
    w.pod(m.retained_value), w.pod(m.opening_value), w.pod(m.opening_clients), w.pod(m.retained_clients);
    w.pod(m.retention_rate), w.pod(m.referrals), w.pod(m.requests_answered), w.pod(m.requests_ignored);
    w.pod(m.requests_late), w.pod(m.reviews), w.pod(m.promotions), w.pod(m.exited), w.str(m.exit_reason);
    w.pod(m.exit_day), w.pod(m.book_value), w.pod(m.book_size), w.pod(m.book_clv), w.pod(m.reputation);
    w.pod(m.blamed_value), w.pod(m.competence);
  }
  w.pods(r.lost);
  w.pod<std::uint64_t>(r.accounts.size());
  for (const auto& a : r.accounts) {
    w.pod(a.account), w.str(a.state), w.pod(a.source), w.pod(a.reported_source), w.pod(a.owner), w.pod(a.value);
    w.pod(a.satisfaction), w.pod(a.expectation), w.pod(a.scars), w.pod(a.acquired_day), w.pod(a.churned_day);
    w.pod(a.causes);
  }
  w.pod<std::uint64_t>(r.account_events.size());
  for (const auto& e : r.account_events) w.pod(e.day), w.pod(e.account), w.str(e.what), w.pod(e.satisfaction);
  w.pod(r.events), w.pod(r.accounts_created), w.pod(r.lost_value);
  return std::move(w.out);
}

model::RunResult decode(const std::string& bytes) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error("checkpoint: not a checkpoint of this version of tenure");
  Reader rd{bytes, sizeof kMagic};
  model::RunResult r;
  r.months = rd.pods<model::MonthRow>();
  const auto nm = rd.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < nm; ++i) {
    model::ManagerRow m;
    m.name = rd.str(), m.strategy = rd.str(), m.level = rd.pod<std::int64_t>(), m.new_business = rd.pod<double>();
    m.new_clients = rd.pod<std::int64_t>(), m.retained_value = rd.pod<double>(), m.opening_value = rd.pod<double>();
    m.opening_clients = rd.pod<std::int64_t>(), m.retained_clients = rd.pod<std::int64_t>();
    m.retention_rate = rd.pod<double>(), m.referrals = rd.pod<std::int64_t>(), m.requests_answered = rd.pod<std::int64_t>();
    m.requests_ignored = rd.pod<std::int64_t>(), m.requests_late = rd.pod<std::int64_t>(), m.reviews = rd.pod<std::int64_t>();
    m.promotions = rd.pod<std::int64_t>(), m.exited = rd.pod<bool>(), m.exit_reason = rd.str(), m.exit_day = rd.pod<double>();
    m.book_value = rd.pod<double>(), m.book_size = rd.pod<std::int64_t>(), m.book_clv = rd.pod<double>();
    m.reputation = rd.pod<double>(), m.blamed_value = rd.pod<double>(), m.competence = rd.pod<double>();
    r.managers.push_back(std::move(m));
  }
  r.lost = rd.pods<model::LostAccount>();
  const auto na = rd.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < na; ++i) {
    model::AccountRow a;
    a.account = rd.pod<std::uint32_t>(), a.state = rd.str(), a.source = rd.pod<model::Source>();
    a.reported_source = rd.pod<model::Source>(), a.owner = rd.pod<std::int64_t>(), a.value = rd.pod<double>();
    a.satisfaction = rd.pod<double>(), a.expectation = rd.pod<double>(), a.scars = rd.pod<std::int64_t>();
    a.acquired_day = rd.pod<double>(), a.churned_day = rd.pod<double>(), a.causes = rd.pod<std::uint32_t>();
    r.accounts.push_back(std::move(a));
  }
  const auto ne = rd.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < ne; ++i) {
    model::AccountEvent e{};
    e.day = rd.pod<double>(), e.account = rd.pod<std::uint32_t>(), e.what = rd.str(), e.satisfaction = rd.pod<double>();
    r.account_events.push_back(std::move(e));
  }
  r.events = rd.pod<std::uint64_t>(), r.accounts_created = rd.pod<std::int64_t>(), r.lost_value = rd.pod<double>();
  if (rd.at != bytes.size()) throw Error("checkpoint: damaged file (trailing bytes)");
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
