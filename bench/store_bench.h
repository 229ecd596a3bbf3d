// `keneya bench store`: how fast the store takes a 1,000,000-value bulk load of new values
// (audited through their import record) and of updates of existing values (each audited).
//
//   StoreBenchOptions options;   // 1,000,000 values, SQLite in a temporary directory
//   options.postgres = "postgresql://keneya@127.0.0.1:54329/keneya";
//   RunStoreBench(options, std::cout);
#ifndef KENEYA_BENCH_STORE_BENCH_H_
#define KENEYA_BENCH_STORE_BENCH_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "core/result.h"

namespace keneya::bench {

struct StoreBenchOptions {
  int64_t values = 1'000'000;
  int repetitions = 3;  // runs per engine; the median is reported
  bool sqlite = true;
  std::string sqlite_directory;  // where the SQLite file goes; empty: the system temp directory
  std::string postgres;          // a PostgreSQL URL; empty: PostgreSQL is not measured
  uint64_t seed = 1;
};

// Runs the benchmark and prints, per engine and phase, values/s (median of the repetitions) and
// the process's peak resident memory during the phase.
core::Status RunStoreBench(const StoreBenchOptions& options, std::ostream& out);

// The peak resident set size of this process since the last reset, in bytes (VmHWM).
int64_t PeakRssBytes();
// Resets the peak to the current resident size (Linux /proc/self/clear_refs); false if not
// supported, in which case PeakRssBytes() is the peak since the process started.
bool ResetPeakRss();

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_STORE_BENCH_H_
