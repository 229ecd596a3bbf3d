// What the store's and the import's figures are held against, measured in the same run on the
// same machine: the same rows written by plain SQL with nothing of Keneya's in between. A loader
// cannot beat these; its figure is given as a fraction of them.
//
//   KENEYA_ASSIGN_OR_RETURN(Cost raw, RawSqliteInserts(path, values));   // values in key order
//   out << Rate(values.size(), raw) << " rows/s";
#ifndef KENEYA_BENCH_CEILING_H_
#define KENEYA_BENCH_CEILING_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/data_value.h"
#include "core/metadata.h"
#include "core/random.h"
#include "core/result.h"

namespace keneya::bench {

// What one step cost: wall time, the process's system time, its resident peak (VmHWM, reset
// before the step).
struct Cost {
  double seconds = 0;
  double system_seconds = 0;
  int64_t peak_bytes = 0;
};

// Runs `step` and measures it.
core::Result<Cost> Measure(const std::function<core::Status()>& step);

// `count` values over the facilities and elements of `stored` (ids as stored), in the store's
// key order (period, org unit, element), numbers drawn from `rng` and shifted by `version`.
std::vector<core::DataValue> ValuesInKeyOrder(const core::MetadataBundle& stored, int64_t count,
                                              int version, core::Random& rng);

// SQLite, on a database the store created (its schema, its connection's pragmas; foreign keys
// off, as the store's bulk load runs): every row inserted by one prepared statement in one
// transaction.
core::Result<Cost> RawSqliteInserts(const std::string& path,
                                    std::span<const core::DataValue> values);
// Each value's stored row read, updated, and one audit row inserted (unchanged values skipped),
// three prepared statements, one transaction.
core::Result<Cost> RawSqliteAuditedUpdates(const std::string& path,
                                           std::span<const core::DataValue> values);

// PostgreSQL, on a schema the store created: COPY of every row in one transaction; and the
// audited updates as one COPY into a temporary table, one INSERT of the audit rows and one
// UPDATE joined on the key. Times are the client's; the server's work is in the wall time.
core::Result<Cost> RawPostgresCopy(const std::string& url, std::span<const core::DataValue> values);
core::Result<Cost> RawPostgresAuditedUpdates(const std::string& url,
                                             std::span<const core::DataValue> values);

// Rows a second; a share of a ceiling ("0.62"); megabytes.
double Rate(int64_t rows, const Cost& cost);
double Median(std::vector<double> xs);
std::string Describe(const Cost& cost);  // "2.20 s (system 0.31 s), peak 213 MB"

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_CEILING_H_
