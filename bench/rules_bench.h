// `keneya bench rules`: the reference scenario (reference_scenario.h) compiled and evaluated by
// the rules engine for 2,000 facilities (month and quarter), 20,000 and 100,000: engine time
// (compile plus evaluate, inputs in memory), peak memory, and a checksum, the sum of the total
// payments. With --inputs, the inputs of a Hesabu equation set (batch_month_100.json: the
// checksum must then be the reference's, 499,839,482.8). With --write-equations, the run's flat
// equations for `keneya solve`, which is then timed as a process (--solve).
#ifndef KENEYA_BENCH_RULES_BENCH_H_
#define KENEYA_BENCH_RULES_BENCH_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "core/result.h"

namespace keneya::bench {

struct RulesBenchOptions {
  int facilities = 0;  // 0: the standard set (2,000 month and quarter, 20,000, 100,000)
  std::string period;  // "month" or "quarter" (with facilities); empty: month
  int repetitions = 5;
  int threads = 0;  // 0: every core
  uint64_t seed = 20240101;
  std::string inputs;           // a Hesabu equation set to take the inputs from
  std::string write_equations;  // write the run's equations there (hesabucli's JSON)
  std::string write_values;     // write the engine's values there, by equation name
  std::string solve_with;       // a `keneya` binary: time `keneya solve` on the equations
  // The reference solver (BLSQ's hesabucli: `hesabucli FILE`), timed on the same file beside
  // `keneya solve`, their ratio printed; for measuring only. Empty: no ratio.
  std::string reference;
  bool shuffle = false;  // the equations written in a random order (the seed's)
};

core::Status RunRulesBench(const RulesBenchOptions& options, std::ostream& out);

// `keneya bench invoices`: one quarter of the demo program end to end on the demo database
// (read the values, compute, store the invoices with their inputs), median of `runs`. With no
// database given, the demo database is built first in a temporary directory.
struct InvoicesBenchOptions {
  std::string database;  // a demo database (keneya demo); empty: built for the bench
  std::string period = "2024Q1";
  int repetitions = 5;
};
core::Status RunInvoicesBench(const InvoicesBenchOptions& options, std::ostream& out);

// `keneya bench simulate`: the program page's simulation on the national demo (2,000 facilities,
// a quarter). A tariff change to its updated totals (what the server does per request: the
// prepared base found fresh in memory, the change computed on it), beside the same simulation
// computed from the database as `keneya simulate` does, in the same run; their ratio. With no
// database given, the national demo's last year is built first in a temporary directory, with
// the quarter's run stored (the simulation's reference).
struct SimulationBenchOptions {
  std::string database;  // a demo database (keneya demo); empty: built for the bench
  std::string period = "2024Q4";
  int repetitions = 5;  // full recomputations
  int changes = 20;     // tariff changes
};
core::Status RunSimulationBench(const SimulationBenchOptions& options, std::ostream& out);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_RULES_BENCH_H_
