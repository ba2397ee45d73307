// Random streams for common random numbers: every draw comes from a stream keyed by
// (master seed, replication, entity, purpose), so variants agree wherever their paths agree.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace tenure::core {

// SplitMix64's output function: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A purpose names what a stream is for ("requests", "churn"...). It is a hash of the name,
// so adding a purpose never renumbers the others.
struct Purpose {
  std::uint64_t id;
  constexpr explicit Purpose(std::string_view name) : id(fnv1a(name)) {}
  constexpr explicit Purpose(std::uint64_t raw, int) : id(raw) {}

 private:
  static constexpr std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    return h;
  }
};

struct StreamKey {
  std::uint64_t seed = 0;
  std::uint64_t replication = 0;
  std::uint64_t entity = 0;
  std::uint64_t purpose = 0;

  // Each field passes through the mixer before the next is folded in, so keys that differ
  // in any one field give unrelated states.
  constexpr std::uint64_t hash() const {
    std::uint64_t h = mix64(seed ^ 0x7465'6e75'7265'0001ULL);
    h = mix64(h ^ mix64(replication + 0x9e3779b97f4a7c15ULL));
    h = mix64(h ^ mix64(entity + 0x3c6ef372fe94f82aULL));
    h = mix64(h ^ mix64(purpose + 0xdaa66d2c7ddf743fULL));
    return h;
  }
};

// xoshiro256++ (Blackman and Vigna 2019): 256-bit state, period 2^256 - 1, fast and passes
// BigCrush. Seeded from the key's hash through SplitMix64, as its authors recommend.
// Satisfies UniformRandomBitGenerator, so Boost.Random distributions draw from it.
class Stream {
 public:
  using result_type = std::uint64_t;
  using State = std::array<std::uint64_t, 4>;

  Stream() : Stream(StreamKey{}) {}
  explicit Stream(const StreamKey& key) { seed_from(key.hash()); }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform on [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Uniform on (0, 1]: safe under log().
  double uniform_open0() { return (static_cast<double>((*this)() >> 11) + 1.0) * 0x1.0p-53; }

  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }
  friend bool operator==(const Stream&, const Stream&) = default;

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  void seed_from(std::uint64_t h) {
    for (auto& w : s_) {
      h += 0x9e3779b97f4a7c15ULL;
      w = mix64(h);
    }
  }
  State s_{};
};

// Hands out the streams of one replication. Cheap to copy; holds no streams itself.
class StreamFactory {
 public:
  StreamFactory() = default;
  StreamFactory(std::uint64_t seed, std::uint64_t replication) : seed_(seed), rep_(replication) {}

  Stream stream(std::uint64_t entity, Purpose purpose) const {
    return Stream(StreamKey{seed_, rep_, entity, purpose.id});
  }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t replication() const { return rep_; }

 private:
  std::uint64_t seed_ = 0;
  std::uint64_t rep_ = 0;
};

// A light counter-based generator for the few draws one entity needs at one moment (an
// account's churn draw in month m): SplitMix64 over the key's hash. Keyed by what the draw
// is for, not by how many draws came before, so variants agree wherever their paths agree.
class KeyedDraws {
 public:
  explicit KeyedDraws(const StreamKey& key) : state_(key.hash()) {}
  // From an already well-mixed 64-bit state (a caller that derives keys its own way).
  static KeyedDraws from_state(std::uint64_t state) {
    KeyedDraws d(StreamKey{});
    d.state_ = state;
    return d;
  }
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // The state itself, before any draw: a mixer output when the state came from one, so a
  // caller may use it as one more draw (position 0) without another mixer round.
  std::uint64_t state() const { return state_; }
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform_open0() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }
  // Counter-based: draw k never depends on the draws before it, so a caller may skip draws it
  // does not need and still get the same later ones.
  void skip(std::uint64_t n) { state_ += n * 0x9e3779b97f4a7c15ULL; }
  double normal() {  // Box-Muller, two uniforms
    const double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    return r * std::cos(6.283185307179586 * uniform01());
  }

 private:
  std::uint64_t state_;
};

// Exponential variate by inversion: one uniform per draw, so the number of draws a path
// consumes never depends on the value drawn (a property common random numbers rely on).
inline double exponential(Stream& s, double rate) { return -std::log(s.uniform_open0()) / rate; }

// Poisson variate by inversion, in chunks of mean at most 64 (a Poisson of mean m is the sum of
// Poissons of the chunks' means): one uniform per chunk, and the same numbers for the same
// stream whatever the library version (Boost's poisson_distribution may change its algorithm).
inline std::int64_t poisson(Stream& s, double mean) {
  std::int64_t total = 0;
  while (mean > 0) {
    const double m = mean > 64.0 ? 64.0 : mean;
    mean -= m;
    const double u = s.uniform01();
    double p = std::exp(-m), cdf = p;
    std::int64_t k = 0;
    while (u > cdf && k < 10000) {  // k beyond 10,000 at mean 64 has probability far below 2^-53
      ++k;
      p *= m / static_cast<double>(k);
      cdf += p;
      if (p == 0) break;  // the tail left is below double precision
    }
    total += k;
  }
  return total;
}

// Exponential variates from one stream, drawn a block at a time: the same numbers, in the same
// order, as exponential(stream, rate) called one at a time, but the logarithms of a block do
// not wait for each other (a simulation's next event often waits on its last variate).
// For a stream that nothing else draws from while the buffer holds it.
class ExponentialBlock {
 public:
  static constexpr std::size_t kBlock = 32;
  ExponentialBlock(Stream& s, double rate) : s_(&s), rate_(rate) {}
  double next() {
    if (i_ == kBlock) refill();
    return v_[i_++];
  }

 private:
  void refill() {
    for (auto& x : v_) x = exponential(*s_, rate_);
    i_ = 0;
  }
  Stream* s_;
  double rate_;
  std::array<double, kBlock> v_{};
  std::size_t i_ = kBlock;
};

}  // namespace tenure::core
