// A small binary encoding for saved state (checkpoints, snapshots): numbers copied as they
// are in memory, strings and vectors prefixed by their length. Reading checks every length
// against what is left, so a damaged or truncated file is an error, never a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tenure/core/error.hpp"

namespace tenure::core {

// CRC-32 (the zlib polynomial) of some bytes: what checkpoints and snapshots append to detect damage.
std::uint32_t crc32(std::string_view bytes);

// `bytes` with its CRC-32 appended; whether bytes so made still carry the right one.
std::string with_crc32(std::string bytes);
bool crc32_matches(std::string_view bytes);

class ByteWriter {
 public:
  static constexpr bool saving = true;
  template <class T>
  void pod(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&x), sizeof x);
  }
  void str(std::string_view s) {
    pod<std::uint64_t>(s.size());
    out_.append(s);
  }
  template <class T, class A>
  void pods(const std::vector<T, A>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    pod<std::uint64_t>(v.size());
    if (!v.empty()) out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void raw(std::string_view s) { out_.append(s); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  static constexpr bool saving = false;
  // `what` names the data in messages ("snapshot shock.snap").
  ByteReader(std::string_view in, std::string what) : in_(in), what_(std::move(what)) {}

  template <class T>
  T pod() {
    static_assert(std::is_trivially_copyable_v<T>);
    if constexpr (std::is_same_v<T, bool>) {
      // A byte other than 0 or 1 is not a bool: copying it into one would be undefined.
      const auto b = pod<std::uint8_t>();
      if (b > 1) fail("a flag byte is " + std::to_string(b) + ", not 0 or 1");
      return b == 1;
    }
    need(sizeof(T));
    T x;
    std::memcpy(&x, in_.data() + at_, sizeof x);
    at_ += sizeof x;
    return x;
  }
  template <class T>
  void pod(T& x) { x = pod<T>(); }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  void str(std::string& s) { s = str(); }
  template <class T, class A = std::allocator<T>>
  std::vector<T, A> pods() {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto n = pod<std::uint64_t>();
    if (n > (in_.size() - at_) / sizeof(T)) fail("truncated");
    std::vector<T, A> v(n);
    if (n) std::memcpy(v.data(), in_.data() + at_, n * sizeof(T));
    at_ += n * sizeof(T);
    return v;
  }
  template <class T, class A>
  void pods(std::vector<T, A>& v) { v = pods<T, A>(); }
  // Checks a fixed marker (a magic word, a section tag) and says what was expected.
  void expect(std::string_view marker) {
    if (in_.size() - at_ < marker.size() || in_.substr(at_, marker.size()) != marker)
      fail("expected '" + std::string(marker) + "' at byte " + std::to_string(at_));
    at_ += marker.size();
  }
  std::size_t count(std::size_t max_reasonable) {
    const auto n = pod<std::uint64_t>();
    if (n > max_reasonable) fail("a count of " + std::to_string(n) + " is out of range");
    return static_cast<std::size_t>(n);
  }
  bool done() const { return at_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - at_; }
  std::size_t position() const { return at_; }
  void finish() const {
    if (!done()) fail("trailing bytes after byte " + std::to_string(at_));
  }
  [[noreturn]] void fail(const std::string& why) const { throw Error(what_ + ": damaged file (" + why + ")"); }

 private:
  void need(std::size_t n) const {
    if (in_.size() - at_ < n) fail("truncated");
  }
  std::string_view in_;
  std::size_t at_ = 0;
  std::string what_;
};

// For io functions that serve both directions (a record's `io(ar, x)`: ar a ByteWriter when
// saving, a ByteReader when loading): a size kept as 64 bits whatever the platform.
inline void io_size(ByteWriter& w, std::size_t n) { w.pod<std::uint64_t>(n); }
inline void io_size(ByteReader& r, std::size_t& n) { n = static_cast<std::size_t>(r.pod<std::uint64_t>()); }
// What is left to read (a bound for counts); a writer has no bound.
inline std::size_t io_left(const ByteWriter&) { return SIZE_MAX; }
inline std::size_t io_left(const ByteReader& r) { return r.remaining(); }
// A section's tag: written, or checked.
inline void io_tag(ByteWriter& w, std::string_view tag) { w.raw(tag); }
inline void io_tag(ByteReader& r, std::string_view tag) { r.expect(tag); }
// A length: written, or read and refused above `max_reasonable` (what the bytes left could hold).
inline void io_count(ByteWriter& w, std::size_t n, std::size_t) { w.pod<std::uint64_t>(n); }
inline void io_count(ByteReader& r, std::size_t& n, std::size_t max_reasonable) { n = r.count(max_reasonable); }

}  // namespace tenure::core
