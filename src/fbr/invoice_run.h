// Invoice runs: a program's payment rule computed for a period over the facilities under
// contract, with the data of the store, then stored with the program version and each
// invoice's inputs.
//
//   KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program, ProgramFor(store, "FBR_MALI", q1));
//   KENEYA_ASSIGN_OR_RETURN(ComputedRun run, Compute(store, metadata, program, q1, {}));
//   KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved, SaveRun(store, run, actor));
#ifndef KENEYA_FBR_INVOICE_RUN_H_
#define KENEYA_FBR_INVOICE_RUN_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"
#include "rules/engine.h"
#include "rules/invoice.h"
#include "store/store.h"

namespace keneya::fbr {

// What-if changes for `keneya simulate` (nothing is stored).
struct Overrides {
  std::map<std::string, double> constants;  // [constants] by name
  // A table output for the rows naming a value: (output, value) -> new output;
  // "tariff[accouchement]", "equity_bonus[EQUITE_30]".
  std::map<std::pair<std::string, std::string>, double> activity_outputs;
  // Envelopes by zone code, for the run's period (replacing the program's for that zone).
  std::map<std::string, int64_t> envelopes;
  bool empty() const { return constants.empty() && activity_outputs.empty() && envelopes.empty(); }
};

// Adds a simulation setting written "name=value" (a constant) or "output[key]=value" (a table
// output for the rows naming key: "tariff[accouchement]=6000"). Refused: no '=', a value that
// is not a finite number, a name set twice (where: "--set TEXT").
core::Status ParseSetting(std::string_view text, Overrides& overrides);

// Adds a simulated envelope written "ZONE=amount" (whole francs, not negative). Refused: another
// form, a zone given twice (where: "--envelope").
core::Status ParseEnvelope(std::string_view text, Overrides& overrides);

// Applies overrides to a program; errors name an unknown constant, output or activity.
core::Status ApplyOverrides(const Overrides& overrides, const core::Period& period,
                            rules::Program& program);

struct ComputeOptions {
  std::string payment;  // empty: the program's first payment rule
  int threads = 0;
  Overrides overrides;
  store::ProgressFn progress;  // phases "read", "compute"
  // The facilities to compute, by org unit id, among those under contract (none: all of them).
  std::function<bool(int32_t org_unit)> include;
};

struct ComputedRun {
  store::ProgramRecord record;
  rules::CompiledProgram compiled;
  int payment = 0;
  std::shared_ptr<rules::RunInputs> inputs;  // the result refers to them
  rules::RunResult result;
  rules::InvoiceSet invoices;
  std::vector<int32_t> org_units;      // store id of each facility of the inputs
  std::vector<std::string> suspended;  // facilities whose contract is suspended for the period
  std::vector<int32_t> suspended_org_units;  // their org unit ids
  std::vector<std::string> warnings;         // values that are not numbers, skipped
  // The same warnings by id, in the same order, for the reader's language (`warnings` holds
  // them in English).
  std::vector<core::Message> warning_messages;
  int64_t values_read = 0;
  double read_seconds = 0;
  double compute_seconds = 0;

  const rules::Program& program() const { return compiled.program(); }
  const rules::PaymentRule& payment_rule() const {
    return compiled.program().payments[static_cast<size_t>(payment)];
  }
};

// Computes a run. Errors: the program's problems (kInvalidArgument, all listed), decision tables
// without a row for some facilities or formulas that cannot be computed for some
// (kFailedPrecondition, all listed), a period not of the payment's frequency.
core::Result<ComputedRun> Compute(store::Store& store, const core::MetadataBundle& metadata,
                                  const store::ProgramRecord& program, const core::Period& period,
                                  const ComputeOptions& options);

// Refuses an envelope override for a zone where no facility of the inputs is (a misspelt code, a
// zone of the wrong level): it would change nothing, silently.
core::Status CheckEnvelopeZones(const Overrides& overrides, const rules::Program& program,
                                const rules::RunInputs& inputs);

// A run ready to store: its record, its invoices numbered with their lines and inputs, and the
// facilities that reported nothing (SaveRun's first step, shared with catch-ups).
struct PreparedRun {
  store::InvoiceRunRecord record;
  std::vector<store::InvoiceRecord> invoices;
  std::vector<int32_t> missing;
};
// Stores the program version the run names (when given as files) and numbers its invoices.
// kFailedPrecondition for a run without a single invoice.
core::Result<PreparedRun> PrepareRun(store::Store& store, const ComputedRun& run,
                                     const store::Actor& actor,
                                     const store::ProgressFn& progress = nullptr);

// Stores a run: its invoices (numbered {PROGRAM}-{PERIOD}-{00001}, "-R2" for a second run of
// the same period...), their lines and inputs, and the facilities that reported nothing.
// Refused, nothing stored (kFailedPrecondition, a message that says so), for a run without a
// single invoice: a period whose data has not come in yet, or the wrong period; it would only
// supersede a good run. With `approval`, the run is one for approval, stored with its workflow
// in the same transaction (store::RunForApproval).
core::Result<store::InvoiceRunRecord> SaveRun(store::Store& store, const ComputedRun& run,
                                              const store::Actor& actor,
                                              const store::ProgressFn& progress = nullptr,
                                              const store::RunForApproval* approval = nullptr);

// A run's invoiced totals by region and by district (codes as the facilities' facts give them,
// in code order), and each district's region.
struct ZoneTotals {
  std::map<std::string, int64_t> region, district;
  std::map<std::string, std::string> region_of_district;
};
ZoneTotals TotalsByZone(const ComputedRun& run);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_INVOICE_RUN_H_
