// The FBR rules engine: a program compiled once, then evaluated for a payment rule and a period
// over every facility at once, formula by formula, on columns of values (not as millions of
// little equations). docs/RULES.md explains the levels, names and evaluation order.
//
//   std::vector<ProgramProblem> problems;
//   CompiledProgram compiled = CompiledProgram::Compile(program, problems);   // all problems
//   int payment = compiled.PaymentIndex("paiement");
//   RunInputs inputs(Period::Parse("2024Q1").value());
//   inputs.facilities = ...;                               // who is under contract, and facts
//   for (BlockRequest b : compiled.BlocksNeeded(payment, inputs.period).value()) {
//     inputs.blocks[{b.package, b.period.Code()}] = ...;   // values read from the store
//   }
//   Result<RunResult> run = compiled.Run(payment, inputs, {});
//   run->Value(compiled.FindPaymentFormula(payment, "total"), facility);
//
// Results do not depend on the number of threads: each row is computed alone, and reductions
// over a zone's facilities go in facility order.
#ifndef KENEYA_RULES_ENGINE_H_
#define KENEYA_RULES_ENGINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/period.h"
#include "core/result.h"
#include "rules/equation_set.h"
#include "rules/formula.h"
#include "rules/program.h"
#include "rules/program_file.h"

namespace keneya::rules {

// What the engine knows of a facility under contract, for one run.
struct FacilityFacts {
  std::string code;  // its code (or uid when it has none): names it in results and errors
  std::string uid;   // DHIS2 uid
  std::string name;
  std::string type;                 // core::OrgUnitTypeCode: "CSCOM", "CSREF"...
  std::string region;               // code of its health region
  std::string district;             // code of its health district
  std::vector<std::string> groups;  // codes (and uids) of its org unit groups
  std::string equity;               // its contract's equity category (a group code)
};

// A package's inputs for one period, for every input, activity and facility:
// index (input * activities + activity) * facilities + facility. A missing value is 0 with
// present = 0.
struct InputBlock {
  std::vector<double> values;
  std::vector<uint8_t> present;
};

// A block the engine needs: package `package`'s inputs for `period`.
struct BlockRequest {
  int package = 0;
  core::Period period;
};

struct RunInputs {
  explicit RunInputs(core::Period p) : period(p) {}
  core::Period period;  // the payment period (a month or a quarter)
  std::vector<FacilityFacts> facilities;
  // By (package index, Period::Code()). A block not given counts as nothing reported (for
  // windows into the past, before the data starts).
  std::map<std::pair<int, int32_t>, InputBlock> blocks;
};

struct RunOptions {
  int threads = 0;  // 0: the machine's cores
  // Stop collecting error messages after this many (the count goes on).
  size_t max_errors = 200;
  // Zone formulas' values given instead of computed, by "package.formula@period" (a stored
  // invoice's snapshot, explained without the other facilities of its zone).
  std::map<std::string, double> zone_values;
};

// A formula that could not be computed for a facility (or zone).
struct RunError {
  std::string formula;  // "quantite.montant", "paiement.total"
  std::string period;   // the period of the value: "202401"
  // The message and the row by id, for the reader's language: Formula::Evaluate's message (or
  // NonFiniteText: "Divide by zero", "NaN"), and the row: a facility code and activity
  // ("CSCOM_A / cpn"), a facility's or a zone's code.
  core::Message text;
  core::Message place_text;
  // "quantite.montant (202401, CSCOM_A / cpn): Divide by zero", by id.
  core::Message ToMessage() const;
};

// Levels of values.
enum class Level : uint8_t { kActivity, kFacility, kZone };

// A column of values of one run: an input, a table output, a formula's results...
using SlotId = int;
constexpr SlotId kNoSlot = -1;

class RunResult;

class CompiledProgram {
 public:
  // Compiles `program`, appending every problem found to `problems`: formulas that do not
  // parse, unknown names, wrong argument counts, type errors, cycles (each formula of a cycle),
  // payment rules that name unknown packages or formulas... Usable only when none was found.
  static CompiledProgram Compile(const Program& program, std::vector<ProgramProblem>& problems);

  CompiledProgram();
  ~CompiledProgram();
  CompiledProgram(CompiledProgram&&) noexcept;
  CompiledProgram& operator=(CompiledProgram&&) noexcept;

  const Program& program() const;
  // -1 when there is no such payment rule or package.
  int PaymentIndex(std::string_view code) const;
  int PackageIndex(std::string_view code) const;

  // The periods of each package a payment for `period` evaluates: the months of a quarter for
  // a monthly package in a quarterly payment. Error when `period` is not of the payment's
  // frequency.
  core::Result<std::vector<core::Period>> InstancePeriods(int payment, int package,
                                                          const core::Period& period) const;
  // The input blocks a run needs, windows into the past included.
  core::Result<std::vector<BlockRequest>> BlocksNeeded(int payment,
                                                       const core::Period& period) const;

  // Evaluates payment rule `payment` for inputs.period. Errors: kInvalidArgument for inputs of
  // the wrong shape; kFailedPrecondition when decision tables have no row for some facilities,
  // or formulas cannot be computed for some (every problem listed in the message).
  // The result refers to `inputs`: keep them alive as long as it.
  core::Result<RunResult> Run(int payment, const RunInputs& inputs,
                              const RunOptions& options) const;

  // Slots of a payment run, by name. kNoSlot when there is none.
  SlotId FindPaymentFormula(int payment, std::string_view name) const;
  // A package value (input, activity formula, package or zone formula, table output) of the
  // package's `instance` (index into InstancePeriods) in payment `payment`.
  SlotId FindPackageValue(int payment, int package, int instance, std::string_view name) const;

  struct SlotInfo {
    Level level = Level::kFacility;
    int package = -1;  // -1: payment level
    int instance = 0;
    std::string name;
    const FormulaSpec* formula = nullptr;  // when it is a formula's results
  };
  const SlotInfo& slot(int payment, SlotId id) const;
  size_t slot_count(int payment) const;

  // The run as Hesabu equations (one per value, named
  // {package}_{activity}_{name}_for_{facility}_and_{period}, {package}_{name}_for_...,
  // {payment}_{name}_for_...): what `keneya solve` must solve to the same values.
  core::Result<std::vector<Equation>> Equations(int payment, const RunInputs& inputs) const;

  // Every value of a run by its name in Equations().
  std::vector<std::pair<std::string, Value>> NamedValues(int payment,
                                                         const RunResult& result) const;

  // How a value was computed, for `keneya explain`: the formula, its inputs and their values,
  // down to the data. `row` is the facility (or zone) index; for activity-level slots also
  // give the activity index.
  struct Explanation {
    std::string name;        // "quantite.montant"
    std::string label;       // the formula's label in the language asked
    std::string period;      // "202401"
    std::string expression;  // empty for data
    std::string origin;      // for data: "declared (FBR_CPN1_T1, declared)", "tarifs.csv:12"...
    // `origin` by id (empty when there is none), and `label` by id when Keneya writes it
    // ("x (sum of the periods)"; empty when the label is a name or the program's).
    core::Message origin_text;
    core::Message label_text;
    Value value;
    Display display = Display::kNumber;
    std::vector<Explanation> inputs;
  };
  // Labels and origins in `language`, and by id (origin_text, label_text).
  Explanation Explain(int payment, const RunResult& result, SlotId slot, int facility, int activity,
                      core::Language language, int depth_limit = 12) const;
  // The same, the language by name ("en", "fr"; core::ParseLanguage).
  Explanation Explain(int payment, const RunResult& result, SlotId slot, int facility, int activity,
                      std::string_view language, int depth_limit = 12) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class RunResult {
 public:
  RunResult();
  ~RunResult();
  RunResult(RunResult&&) noexcept;
  RunResult& operator=(RunResult&&) noexcept;

  const core::Period& period() const;
  size_t facility_count() const;
  const std::vector<std::string>& zones() const;  // zone codes
  int zone_of(int facility) const;
  // Facilities that reported nothing for the payment's packages in the period: no invoice.
  bool missing(int facility) const;
  // Whether package `package` concerns the facility (its org unit selection).
  bool selected(int package, int facility) const;
  // Whether activity `activity` of `package` applies to the facility's type.
  bool applies(int package, int activity, int facility) const;
  // Whether the input `input` of `activity` was reported in the instance's period.
  bool present(int package, int instance, int input, int activity, int facility) const;

  // The value of a slot: row = facility (or zone) index; activity-level slots: the activity's
  // index in its package.
  double Value(SlotId slot, int row, int activity = 0) const;
  // How many values the run holds (inputs, table outputs, formulas' results).
  size_t value_count() const;
  // The period of a package instance, or of the payment (package = -1).
  const core::Period& InstancePeriod(int package, int instance) const;

  struct Impl;

 private:
  friend class CompiledProgram;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keneya::rules

#endif  // KENEYA_RULES_ENGINE_H_
