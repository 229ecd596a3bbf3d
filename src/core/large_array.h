// Arrays of a megabyte or more (a national month's half a million equations, their index, their
// values) kept in memory of their own, in huge pages where the system gives them: filling such
// an array then faults 2 MB at a time instead of 4 KB (on a virtual machine each fault is
// costly), and reading it misses the TLB less. A freed array's memory is kept (up to 256 MB)
// for the next ones: memory a process touches for the first time is what costs (about 1 ms per
// MB on the reference machine, docs/BENCHMARKS.md), memory it touches again is not. Small
// arrays come from the usual heap.
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
