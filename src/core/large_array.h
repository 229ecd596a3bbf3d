// Arrays of a megabyte or more (a national month's half a million equations, their index, their
// values) kept in memory of their own, in huge pages where the system gives them: filling such
// an array then faults 2 MB at a time instead of 4 KB (on a virtual machine each fault is
// costly), and reading it misses the TLB less. Small arrays come from the usual heap.
//
// A short process that frees large arrays before allocating others (`keneya solve`) may keep
// the freed memory for them (KeepFreedLargeArrays): memory a process touches for the first time
// is what costs (about 1 ms per MB on the reference machine, docs/BENCHMARKS.md), memory it
// touches again is not. Kept memory stays in the process's resident memory: a long process,
// or one held to a peak (an import), does not keep any (the default).
//
//   core::LargeVector<double> numbers(n, 0.0);
#ifndef KENEYA_CORE_LARGE_ARRAY_H_
#define KENEYA_CORE_LARGE_ARRAY_H_

#include <cstddef>
#include <vector>

namespace keneya::core {

// `bytes` of memory aligned for any type: from the heap under kLargeArrayBytes, else mapped on
// their own and advised for huge pages, or a mapping freed before and kept for that (its pages
// already touched, not zeroed again). Throws std::bad_alloc when there is no memory.
inline constexpr size_t kLargeArrayBytes = size_t{1} << 20;

// From now on, keeps up to `bytes` of the large arrays freed (0, the default: none) for the
// next ones, whole or in part; an array that none of them can hold gives back those of half its
// size or less first, so that a growing array's earlier copies are not held beside it.
void KeepFreedLargeArrays(size_t bytes);
void* AllocateLargeArray(size_t bytes);
void FreeLargeArray(void* memory, size_t bytes) noexcept;

template <typename T>
class LargeArrayAllocator {
 public:
  using value_type = T;
  LargeArrayAllocator() = default;
  template <typename U>
  LargeArrayAllocator(const LargeArrayAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) { return static_cast<T*>(AllocateLargeArray(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FreeLargeArray(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const LargeArrayAllocator<U>&) const noexcept {
    return true;
  }
};

template <typename T>
using LargeVector = std::vector<T, LargeArrayAllocator<T>>;

}  // namespace keneya::core

#endif  // KENEYA_CORE_LARGE_ARRAY_H_
