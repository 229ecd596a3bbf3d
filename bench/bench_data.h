// The synthetic pyramid the benchmarks load values into: one country, region and district, then
// as many facilities as a number of values needs at kDataElements elements x kPeriods months.
#ifndef KENEYA_BENCH_BENCH_DATA_H_
#define KENEYA_BENCH_BENCH_DATA_H_

#include <cstdint>

#include "core/metadata.h"
#include "core/random.h"

namespace keneya::bench {

inline constexpr int kDataElements = 25;
inline constexpr int kPeriods = 20;

core::MetadataBundle BenchMetadata(int64_t values, core::Random& rng);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_BENCH_DATA_H_
