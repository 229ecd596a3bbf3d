// The demo FBR program (programs/fbr-mali/, compiled into the binary) set up on the demo
// database: the program stored, every facility of the contract group under contract from
// 2021-01-01 (equity from its remoteness group), and the invoices of the quarters asked for.
#ifndef KENEYA_DEMO_DEMO_PROGRAM_H_
#define KENEYA_DEMO_DEMO_PROGRAM_H_

#include <string_view>
#include <utility>
#include <vector>

#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"
#include "rules/program_file.h"
#include "store/store.h"

namespace keneya::demo {

// programs/fbr-mali/: programme.toml and its CSV files.
std::vector<std::pair<std::string_view, std::string_view>> EmbeddedDemoProgram();
core::Result<rules::ProgramSource> DemoProgramSource();

// The data elements the demo program's results go to in DHIS2 (FBR_MONTANT_QUANTITE,
// FBR_SCORE_QUALITE, FBR_MONTANT_TOTAL), with fixed uids.
core::MetadataBundle DemoResultElements();

struct DemoFbrSummary {
  int contracts = 0;
  int runs = 0;
  int64_t invoices = 0;
  int64_t missing = 0;
  int64_t total = 0;  // francs, all runs
};

// Stores the demo program, signs the contracts and computes and stores the invoices of
// `quarters`. Progress phases: "contracts", then "invoices" (quarters done).
core::Result<DemoFbrSummary> SetUpDemoFbr(store::Store& store,
                                          const std::vector<core::Period>& quarters,
                                          const store::Actor& actor,
                                          const store::ProgressFn& progress);

}  // namespace keneya::demo

#endif  // KENEYA_DEMO_DEMO_PROGRAM_H_
