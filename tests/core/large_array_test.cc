// core::LargeVector: arrays of many megabytes in memory of their own, small ones from the heap.
#include "core/large_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace keneya::core {
namespace {

TEST(LargeArrayTest, AHugeArrayIsAlignedZeroedWritableAndFreed) {
  const size_t n = (kLargeArrayBytes / sizeof(uint64_t)) * 3 + 5;  // three huge pages and more
  LargeVector<uint64_t> values(n, 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(values.data()) % kLargeArrayBytes, 0u);
  std::iota(values.begin(), values.end(), uint64_t{7});
  EXPECT_EQ(values.front(), 7u);
  EXPECT_EQ(values.back(), n + 6);
  // Grown past its capacity: moved into a new mapping, the contents kept.
  values.resize(n * 2, 1);
  EXPECT_EQ(values[n - 1], n + 6);
  EXPECT_EQ(values[n], 1u);
  LargeVector<uint64_t> copy = values;
  EXPECT_EQ(copy, values);
  values = {};
  EXPECT_EQ(copy[n - 1], n + 6);
}

TEST(LargeArrayTest, ASmallArrayComesFromTheHeap) {
  LargeVector<int> small{1, 2, 3};
  small.push_back(4);
  EXPECT_EQ(small.size(), 4u);
  EXPECT_EQ(small[3], 4);
  void* memory = AllocateLargeArray(100);
  ASSERT_NE(memory, nullptr);
  FreeLargeArray(memory, 100);
  FreeLargeArray(nullptr, kLargeArrayBytes);  // nothing to free
}

TEST(LargeArrayTest, AFreedMappingIsUsedAgainWholeOrInPart) {
  KeepFreedLargeArrays(size_t{128} << 20);
  // An unusual size, so that no other kept mapping fits it better.
  const size_t bytes = 37 * kLargeArrayBytes + 12345;
  auto* first = static_cast<unsigned char*>(AllocateLargeArray(bytes));
  first[0] = 1;
  first[bytes - 1] = 2;
  FreeLargeArray(first, bytes);
  auto* again = static_cast<unsigned char*>(AllocateLargeArray(bytes));
  EXPECT_EQ(again, first);  // kept, its pages already touched
  again[bytes - 1] = 3;
  FreeLargeArray(again, bytes);
  // A smaller array takes the front of it; the rest is kept for the next.
  const size_t part = 16 * kLargeArrayBytes;
  void* front = AllocateLargeArray(part);
  EXPECT_EQ(front, first);
  void* rest = AllocateLargeArray(part);
  EXPECT_EQ(rest, static_cast<void*>(first + part));
  FreeLargeArray(front, part);
  FreeLargeArray(rest, part);
  KeepFreedLargeArrays(0);  // the default again: nothing kept
}

}  // namespace
}  // namespace keneya::core
