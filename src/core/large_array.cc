#include "core/large_array.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace keneya::core {
namespace {

constexpr size_t kHugePage = size_t{1} << 21;

size_t Rounded(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* AllocateLargeArray(size_t bytes) {
  if (bytes < kLargeArrayBytes) return ::operator new(bytes);
  // Mapped one huge page more than needed, then cut to a huge page boundary: a huge page can
  // only back an aligned range.
  const size_t size = Rounded(bytes);
  void* mapped = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(mapped, aligned - start);
  const uintptr_t end = aligned + size;
  if (start + size + kHugePage > end)
    munmap(reinterpret_cast<void*>(end), start + size + kHugePage - end);
  void* memory = reinterpret_cast<void*>(aligned);
  // Advice only: without transparent huge pages the memory is the same, in small pages.
  madvise(memory, size, MADV_HUGEPAGE);
  return memory;
}

void FreeLargeArray(void* memory, size_t bytes) noexcept {
  if (memory == nullptr) return;
  if (bytes < kLargeArrayBytes) {
    ::operator delete(memory);
    return;
  }
  munmap(memory, Rounded(bytes));
}

}  // namespace keneya::core
