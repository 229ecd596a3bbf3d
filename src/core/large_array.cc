#include "core/large_array.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace keneya::core {
namespace {

constexpr size_t kHugePage = size_t{1} << 21;

size_t Rounded(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

class Mappings {
 public:
  void* Take(size_t size) {
    {
      std::lock_guard lock(mutex_);
      // The smallest kept mapping that is large enough; the rest of it, if any, kept.
      auto best = kept_.end();
      for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        if (it->size >= size && (best == kept_.end() || it->size < best->size)) best = it;
      }
      if (best != kept_.end()) {
        void* const memory = best->memory;
        if (best->size > size) {
          best->memory = static_cast<char*>(memory) + size;
          best->size -= size;
        } else {
          kept_.erase(best);
        }
        kept_bytes_ -= size;
        sizes_[memory] = size;
        return memory;
      }
      // None is large enough: those of half its size or less are given back first, so that a
      // growing array's earlier copies (each half the next) are not held beside it.
      std::erase_if(kept_, [&](const Mapping& m) {
        if (m.size > size / 2) return false;
        munmap(m.memory, m.size);
        kept_bytes_ -= m.size;
        return true;
      });
    }
    void* memory = Map(size);
    std::lock_guard lock(mutex_);
    sizes_[memory] = size;
    return memory;
  }

  void Keep(size_t bytes) {
    std::lock_guard lock(mutex_);
    keep_ = bytes;
    while (kept_bytes_ > keep_) {
      munmap(kept_.back().memory, kept_.back().size);
      kept_bytes_ -= kept_.back().size;
      kept_.pop_back();
    }
  }

  void Give(void* memory) {
    std::unique_lock lock(mutex_);
    const auto it = sizes_.find(memory);
    const size_t size = it->second;
    sizes_.erase(it);
    if (kept_bytes_ + size <= keep_) {
      try {
        kept_.push_back({memory, size});
        kept_bytes_ += size;
        return;
      } catch (const std::bad_alloc&) {
        // Not kept: unmapped below.
      }
    }
    lock.unlock();
    munmap(memory, size);
  }

 private:
  struct Mapping {
    void* memory;
    size_t size;
  };

  static void* Map(size_t size) {
    // Mapped one huge page more than needed, then cut to a huge page boundary: a huge page can
    // only back an aligned range.
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

  std::mutex mutex_;
  size_t keep_ = 0;  // bytes of freed mappings that may be kept
  std::vector<Mapping> kept_;
  size_t kept_bytes_ = 0;
  std::unordered_map<void*, size_t> sizes_;  // of the mappings in use
};

Mappings& TheMappings() {
  static Mappings* mappings = new Mappings();  // never destroyed: arrays may outlive main
  return *mappings;
}

}  // namespace

void KeepFreedLargeArrays(size_t bytes) { TheMappings().Keep(bytes); }

void* AllocateLargeArray(size_t bytes) {
  if (bytes < kLargeArrayBytes) return ::operator new(bytes);
  return TheMappings().Take(Rounded(bytes));
}

void FreeLargeArray(void* memory, size_t bytes) noexcept {
  if (memory == nullptr) return;
  if (bytes < kLargeArrayBytes) {
    ::operator delete(memory);
    return;
  }
  TheMappings().Give(memory);
}

}  // namespace keneya::core
