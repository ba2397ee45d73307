// An allocator that asks the kernel for transparent huge pages on large arrays. The event
// queue touches its node pool at random; with 4 KiB pages most of those touches also miss
// the TLB. Small arrays and kernels without THP behave as with std::allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tenure::core {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  static constexpr std::size_t round_up(std::size_t bytes) { return (bytes + kHuge - 1) / kHuge * kHuge; }

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Straight from the kernel, aligned to a huge page by trimming an oversized mapping, and
    // given straight back on deallocation: a grown array's old copy leaves the resident set at
    // once, and malloc's heap (and its mmap threshold) never sees these blocks.
    const std::size_t rounded = round_up(bytes);
    void* raw = ::mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = round_up(base);
    if (aligned > base) ::munmap(raw, aligned - base);
    if (const std::size_t tail = base + rounded + kHuge - (aligned + rounded); tail > 0)
      ::munmap(reinterpret_cast<void*>(aligned + rounded), tail);
    ::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
    return reinterpret_cast<T*>(aligned);
#else
    void* p = std::aligned_alloc(kHuge, round_up(bytes));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
#endif
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      ::operator delete(p, std::align_val_t{alignof(T)});
    } else {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
      ::munmap(p, round_up(bytes));
#else
      std::free(p);
#endif
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace tenure::core
