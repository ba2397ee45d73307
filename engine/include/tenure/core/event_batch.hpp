// Events known ahead in bulk, such as a model's exogenous arrivals for the coming period.
// A Simulation keeps them here instead of in its queue: sorted once, in one array, and run
// merged with the queue in the kernel's (time, priority, sequence) order, exactly as if each
// had been pushed on its own, in the order given. Cheaper than the queue when many events are
// known at once (no node per event, no rung to cross), and the array lets a handler look
// ahead at what the next events will touch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tenure/core/event_queue.hpp"

namespace tenure::core {

class EventBatch {
 public:
  struct Item {
    Time time;
    EventSpec spec;
  };

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
  // checked by the caller (finite, not before the clock).
  void add(const std::vector<Item>& items, std::uint64_t first_seq) {
    fresh_.resize(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Item& it = items[i];
      const auto prio = static_cast<std::uint64_t>(static_cast<std::int32_t>(it.spec.priority) + 32768);
      fresh_[i] = detail::Entry{std::bit_cast<std::uint64_t>(it.time + 0.0), (prio << 48) | (first_seq + i), 0,
                                it.spec.kind, it.spec.target, it.spec.aux};
    }
    sort(fresh_);
    if (empty()) {
      v_.swap(fresh_);
      pos_ = 0;
      return;
    }
    merged_.clear();
    merged_.reserve(size() + fresh_.size());
    std::merge(v_.begin() + static_cast<std::ptrdiff_t>(pos_), v_.end(), fresh_.begin(), fresh_.end(),
               std::back_inserter(merged_), detail::less);
    v_.swap(merged_);
    pos_ = 0;
  }

 private:
  // Sorts by the full key. Keys are a total order (sequence numbers are unique), so the result
  // never depends on the method. Large batches go through a distribution pass: bucket
  // floor((t - lo) / (hi - lo) * n) is monotone in t, so buckets come out in order, about one
  // event each when times are spread, and each is then sorted on its own. O(n) for the
  // arrivals models produce; a bucket that is crowded is sorted by comparisons.
  void sort(std::vector<detail::Entry>& e) {
    const std::size_t n = e.size();
    if (n < 64) {
      std::sort(e.begin(), e.end(), detail::less);
      return;
    }
    double lo = detail::time_of(e[0]), hi = lo;
    for (const auto& x : e) {
      const double t = detail::time_of(x);
      lo = t < lo ? t : lo;
      hi = t > hi ? t : hi;
    }
    if (!(hi > lo)) {
      std::sort(e.begin(), e.end(), detail::less);
      return;
    }
    const double scale = static_cast<double>(n) / (hi - lo);
    bucket_.resize(n);
    start_.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const auto b = static_cast<std::size_t>((detail::time_of(e[i]) - lo) * scale);
      bucket_[i] = static_cast<std::uint32_t>(b < n ? b : n - 1);
      ++start_[bucket_[i] + 1];
    }
    for (std::size_t b = 0; b < n; ++b) start_[b + 1] += start_[b];
    sorted_.resize(n);
    for (std::size_t i = 0; i < n; ++i) sorted_[start_[bucket_[i]]++] = e[i];
    // start_[b] is now the end of bucket b.
    std::size_t first = 0;
    for (std::size_t b = 0; b < n; ++b) {
      const std::size_t last = start_[b];
      if (last - first > 1) {
        if (last - first <= 16) {
          for (std::size_t i = first + 1; i < last; ++i) {
            const detail::Entry x = sorted_[i];
            std::size_t j = i;
            for (; j > first && detail::less(x, sorted_[j - 1]); --j) sorted_[j] = sorted_[j - 1];
            sorted_[j] = x;
          }
        } else {
          std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(first),
                    sorted_.begin() + static_cast<std::ptrdiff_t>(last), detail::less);
        }
      }
      first = last;
    }
    e.swap(sorted_);
  }

  std::vector<detail::Entry> v_, fresh_, merged_, sorted_;
  std::vector<std::uint32_t> bucket_, start_;
  std::size_t pos_ = 0;
};

}  // namespace tenure::core
