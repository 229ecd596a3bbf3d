// `keneya bench http`: the server's latency as people feel it, measured with wrk (Debian's) on
// loopback against the national demo database: a facility's card with its last 12 months, a
// district's invoice list, one invoice, and one invoice's explanation, each at 100 keep-alive
// connections, beside the same run's /api/health (the transport's floor, the figure the others
// are held against); then the server's resident memory.
//
//   HttpBenchOptions options;  // the demo built in a temporary directory, 100 connections, 30 s
//   RunHttpBench(options, std::cout);
#ifndef KENEYA_BENCH_HTTP_BENCH_H_
#define KENEYA_BENCH_HTTP_BENCH_H_

#include <ostream>
#include <string>

#include "core/result.h"

namespace keneya::bench {

struct HttpBenchOptions {
  std::string database;           // a demo database (keneya demo); empty: built for the bench
  std::string period = "2024Q1";  // the run whose invoices are read (computed when missing)
  int connections = 100;
  int seconds = 30;  // per scenario
  int wrk_threads = 2;
  std::string wrk = "wrk";
};

// Runs every scenario and prints, for each: requests/s, p50, p99, errors, and p99 as a multiple
// of /api/health's p99; then the server's resident memory and its peak. Errors: a database that
// is not a demo (no CSCOM Koko II, no district of Kati), wrk missing or failing.
core::Status RunHttpBench(const HttpBenchOptions& options, std::ostream& out);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_HTTP_BENCH_H_
