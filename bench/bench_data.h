// The synthetic pyramid the benchmarks load values into: one country, region and district, then
// as many facilities as a number of values needs at kDataElements elements x kPeriods months.
#ifndef KENEYA_BENCH_BENCH_DATA_H_
#define KENEYA_BENCH_BENCH_DATA_H_

#include <libpq-fe.h>

#include <cstdint>
#include <string>

#include "core/metadata.h"
#include "core/random.h"
#include "core/result.h"

namespace keneya::bench {

inline constexpr int kDataElements = 25;
inline constexpr int kPeriods = 20;

core::MetadataBundle BenchMetadata(int64_t values, core::Random& rng);

// A connection to PostgreSQL, its notices silenced; PQfinish it.
core::Result<PGconn*> ConnectPostgres(const std::string& url);

// Drops and creates `schema` in the PostgreSQL database at `url`; returns a URL whose connections
// use it.
core::Result<std::string> FreshPostgresSchema(const std::string& url, const std::string& schema);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_BENCH_DATA_H_
