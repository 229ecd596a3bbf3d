// `keneya bench import`: a 1,000,000-value DHIS2 JSON file imported end to end (read, resolve,
// check, store, audit) into an empty database, then a file of 1,000,000 changes of those values,
// on SQLite and PostgreSQL; values/s and peak memory.
#ifndef KENEYA_BENCH_IMPORT_BENCH_H_
#define KENEYA_BENCH_IMPORT_BENCH_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "core/result.h"

namespace keneya::bench {

struct ImportBenchOptions {
  int64_t values = 1'000'000;
  int repetitions = 3;
  bool sqlite = true;
  std::string directory;  // for the files and the SQLite database; empty: the temp directory
  std::string postgres;   // a PostgreSQL URL; empty: not measured
  uint64_t seed = 7;
};

core::Status RunImportBench(const ImportBenchOptions& options, std::ostream& out);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_IMPORT_BENCH_H_
