// Events known ahead in bulk, such as a model's exogenous arrivals for the coming period.
// A Simulation keeps them here instead of in its queue: sorted once, in one array, and run
// merged with the queue in the kernel's (time, priority, sequence) order, exactly as if each
// had been pushed on its own, in the order given. Cheaper than the queue when many events are
// known at once (no node per event, no rung to cross), and the array lets a handler look
// ahead at what the next events will touch.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "tenure/core/event_queue.hpp"

namespace tenure::core {

class EventBatch {
 public:
  // Batches of more entries than this (32 bytes each: 8 MiB, beyond the L2 cache and much of
  // the L3) are sorted in at most 2^kBlockBits blocks (sorted(), below). Below it, the blocks'
  // extra pass costs more than the misses it saves (bench_batch: the two ways cross between
  // 150,000 and 225,000 entries).
  static constexpr std::size_t kBlockedAbove = std::size_t{1} << 18;
  static constexpr int kBlockBits = 8;

  struct Item {
    Time time;
    EventSpec spec;
  };

  EventBatch() = default;
  // With batches above `blocked_above` entries sorted in blocks (bench_batch times both ways).
  explicit EventBatch(std::size_t blocked_above) : blocked_above_(blocked_above) {}

  bool empty() const { return pos_ == v_.size(); }
  std::size_t size() const { return v_.size() - pos_; }
  // The next event's key and spec. Precondition: !empty().
  const detail::Entry& top() const { return v_[pos_]; }
  void pop() {
    if (++pos_ == v_.size()) clear();
  }
  // The event k places after the next one in this batch, or nullptr.
  const detail::Entry* ahead(std::size_t k) const { return pos_ + k < v_.size() ? &v_[pos_ + k] : nullptr; }
  // The pending events, in order.
  const detail::Entry* begin() const { return v_.data() + pos_; }
  const detail::Entry* end() const { return v_.data() + v_.size(); }
  void clear() {
    v_.clear();
    pos_ = 0;
  }

  // Adds `items`, numbered first_seq, first_seq + 1, ... in the order given. Times must be
  // checked by the caller (finite, not before the clock), who passes their least and greatest.
  void add(const std::vector<Item>& items, std::uint64_t first_seq, double lo, double hi) {
    if (empty()) {
      sorted(items, first_seq, v_, lo, hi);
      pos_ = 0;
      return;
    }
    // Events still pending (rare: batches usually follow each other): merge.
    std::vector<detail::Entry> fresh, merged;
    sorted(items, first_seq, fresh, lo, hi);
    merged.reserve(size() + fresh.size());
    std::merge(v_.begin() + static_cast<std::ptrdiff_t>(pos_), v_.end(), fresh.begin(), fresh.end(),
               std::back_inserter(merged), detail::less);
    v_.swap(merged);
    pos_ = 0;
  }

 private:
  static detail::Entry entry(const Item& it, std::uint64_t seq) {
    const auto prio = static_cast<std::uint64_t>(static_cast<std::int32_t>(it.spec.priority) + 32768);
    return detail::Entry{std::bit_cast<std::uint64_t>(it.time + 0.0), (prio << 48) | seq, 0, it.spec.kind,
                         it.spec.target, it.spec.aux};
  }
  // Writes the items' entries into `out`, sorted by the full key. Keys are a total order
  // (sequence numbers are unique), so the result never depends on the method. Large batches go
  // through a distribution pass: bucket floor((t - lo) / (hi - lo) * n) is monotone in t, so
  // buckets come out in order, about one event each when times are spread, so one insertion
  // pass then orders them. O(n) for the arrivals models produce; when a bucket is crowded,
  // each bucket is sorted by comparisons instead.
  //
  // A batch larger than the cache would be distributed by writes all over `out`, a miss
  // each. So it is first split in place into at most 2^kBlockBits blocks of consecutive
  // buckets (American flag sort: one write head per block, which the cache holds), and each
  // block is then distributed on its own, within the cache.
  void sorted(const std::vector<Item>& items, std::uint64_t first_seq, std::vector<detail::Entry>& out, double lo,
              double hi) {
    const std::size_t n = items.size();
    out.resize(n);
    if (n < 64 || !(hi > lo)) {
      for (std::size_t i = 0; i < n; ++i) out[i] = entry(items[i], first_seq + i);
      std::sort(out.begin(), out.end(), detail::less);
      return;
    }
    const double scale = static_cast<double>(n) / (hi - lo);
    const auto bucket = [=](double t) {
      const auto b = static_cast<std::size_t>((t - lo) * scale);
      return b < n ? b : n - 1;
    };
    if (n <= blocked_above_) {
      distribute(out.data(), n, n, [&](std::size_t i) { return bucket(items[i].time); },
                 [&](std::size_t i) { return entry(items[i], first_seq + i); });
      return;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = entry(items[i], first_seq + i);
    const int shift = std::max(0, static_cast<int>(std::bit_width(n - 1)) - kBlockBits);
    const auto block = [&](const detail::Entry& e) { return bucket(detail::time_of(e)) >> shift; };
    const std::size_t blocks = ((n - 1) >> shift) + 1;
    next_.assign(blocks + 1, 0);
    for (const auto& e : out) ++next_[block(e) + 1];
    for (std::size_t c = 0; c < blocks; ++c) next_[c + 1] += next_[c];
    end_.assign(next_.begin() + 1, next_.end());
    for (std::size_t c = 0; c < blocks; ++c) {
      while (next_[c] < end_[c]) {
        detail::Entry x = out[next_[c]];
        for (std::size_t d = block(x); d != c; d = block(x)) std::swap(x, out[next_[d]++]);
        out[next_[c]++] = x;
      }
    }
    std::size_t first = 0;
    for (std::size_t c = 0; c < blocks; ++c) {
      const std::size_t b0 = c << shift, m = end_[c] - first;
      scratch_.assign(out.begin() + static_cast<std::ptrdiff_t>(first), out.begin() + static_cast<std::ptrdiff_t>(end_[c]));
      distribute(out.data() + first, m, std::min(n, b0 + (std::size_t{1} << shift)) - b0,
                 [&](std::size_t i) { return bucket(detail::time_of(scratch_[i])) - b0; },
                 [&](std::size_t i) { return scratch_[i]; });
      first = end_[c];
    }
  }
  // Writes m entries (entry_at(i)) to `out` in order, given their buckets (bucket_at(i), below
  // nb, monotone in the key): distributed by bucket, then ordered within buckets.
  template <class BucketAt, class EntryAt>
  void distribute(detail::Entry* out, std::size_t m, std::size_t nb, const BucketAt& bucket_at,
                  const EntryAt& entry_at) {
    bucket_.resize(m);
    start_.assign(nb + 1, 0);
    std::uint32_t crowded = 0;  // the largest bucket's size
    for (std::size_t i = 0; i < m; ++i) {
      bucket_[i] = static_cast<std::uint32_t>(bucket_at(i));
      crowded = std::max(crowded, ++start_[bucket_[i] + 1]);
    }
    for (std::size_t b = 0; b < nb; ++b) start_[b + 1] += start_[b];
    for (std::size_t i = 0; i < m; ++i) out[start_[bucket_[i]]++] = entry_at(i);
    if (crowded <= 16) {
      // Out of order only within buckets of a few: one insertion pass over the whole range,
      // with no bookkeeping per bucket.
      for (std::size_t i = 1; i < m; ++i) {
        if (!detail::less(out[i], out[i - 1])) continue;
        const detail::Entry x = out[i];
        std::size_t j = i;
        for (; j > 0 && detail::less(x, out[j - 1]); --j) out[j] = out[j - 1];
        out[j] = x;
      }
      return;
    }
    // start_[b] is now the end of bucket b: a crowded bucket is sorted by comparisons.
    std::size_t first = 0;
    for (std::size_t b = 0; b < nb; ++b) {
      const std::size_t last = start_[b];
      if (last - first > 1) std::sort(out + first, out + last, detail::less);
      first = last;
    }
  }

  std::vector<detail::Entry> v_;
  std::vector<detail::Entry> scratch_;  // a block's entries, while they are distributed
  std::vector<std::uint32_t> bucket_, start_;
  std::vector<std::size_t> next_, end_;  // the blocks' write heads and ends
  std::size_t pos_ = 0;
  std::size_t blocked_above_ = kBlockedAbove;
};

}  // namespace tenure::core
