// What the engine's three parts share (engine_compile.cc, engine_run.cc, engine_explain.cc):
// the compiled form of a program (families of slots, bindings, nodes, payments) and the
// substitutions of Hesabu's %{x_values} lists. Internal to rules: no other module includes it.
#ifndef KENEYA_RULES_ENGINE_INTERNAL_H_
#define KENEYA_RULES_ENGINE_INTERNAL_H_

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include "rules/dependency_order.h"
#include "rules/engine.h"
#include "rules/formula_tree.h"
#include "rules/kernel.h"
#include "rules/numeric.h"

namespace keneya::rules {

using core::Message;
using core::Period;
using core::Result;

// A window into the past on a package input.
struct Window {
  enum class Kind : uint8_t { kNone, kPrevious, kLastMonths, kSamePeriodLastYear };
  Kind kind = Kind::kNone;
  int months = 0;  // kLastMonths
  bool operator==(const Window&) const = default;
};

// Hesabu's lists: %{amount_values} is every activity's amount (in a package formula) or every
// facility's value (in a zone formula, as the argument of SUM, AVG, MIN, MAX or STDEVP). The
// formula language has no such syntax, so each is replaced, before parsing, by an identifier
// of the same length (columns in messages stay right), remembered here.
struct Substitution {
  std::string identifier;
  std::string name;                   // the x of %{x_values}
  std::optional<Function> reduction;  // zone formulas: SUM(...) around it
  size_t begin = 0, end = 0;          // the replaced text in the expression
};

struct Preprocessed {
  std::string text;
  std::vector<Substitution> substitutions;
  Message problem;  // a malformed %{...}
  int problem_column = 0;
};

// The substitution that put `identifier` in a preprocessed expression, or nullptr.
const Substitution* FindSubstitution(const Preprocessed& p, std::string_view identifier);

// The row of a decision table that gives a facility's (and activity's) value on `day`; -1 when
// none does.
int MatchTableRow(const DecisionTable& table, const std::vector<std::string_view>& facts,
                  core::Date day);

// The periods a window looks at from `period` (the previous one, the last months...).
std::vector<Period> WindowPeriods(const Period& period, const Window& w);

// ---- Compiled form ----

// A value with one slot per instance: a package input, a window on it, a table output, a
// formula's results.
struct Family {
  enum class Kind : uint8_t { kInput, kIsNull, kWindow, kTable, kFormula };
  Kind kind = Kind::kFormula;
  Level level = Level::kFacility;
  int package = -1;  // -1: the payment
  std::string name;
  int input = -1;               // kInput, kIsNull, kWindow
  Window window;                // kWindow
  int table = -1, output = -1;  // kTable
  int node = -1;                // kFormula: index in nodes
  std::vector<SlotId> slots;    // per instance
};

// How a formula's variable reads its values.
struct Binding {
  enum class Kind : uint8_t {
    kConstant,
    kFamily,         // same instance; broadcast down levels as needed
    kActivityList,   // %{x_values} in a package formula: every activity's x
    kActivitySlice,  // <activity>_<x> in a package formula
    kInstanceSum,    // a package value in a payment formula: summed over the package's instances
    kZoneReduce,     // FN(%{x_values}) in a zone formula
  };
  Kind kind = Kind::kConstant;
  double constant = 0;
  int family = -1;
  int activity = -1;
  Function reduction = Function::kSum;
  VariableType type;
  Message description;  // for explanations: where a constant comes from
};

// A formula of the program, compiled for one payment rule.
struct Node {
  const FormulaSpec* spec = nullptr;
  Level level = Level::kFacility;
  int package = -1;       // -1: payment formula
  std::string qualified;  // "quantite.montant"
  Preprocessed text;
  Formula formula;
  std::vector<Binding> bindings;  // per formula variable
  Kernel kernel;
  bool ok = false;
  int family = -1;
};

struct CompiledPayment {
  int payment = -1;  // index in program.payments; -1 for a package checked alone
  std::vector<int> packages;
  std::vector<int> instances;  // per program package: instances in this payment (0: not in it)
  std::vector<Family> families;
  std::vector<CompiledProgram::SlotInfo> slots;
  std::vector<Node> nodes;
  std::vector<size_t> order;  // nodes in evaluation order
  // Lookup: (package, name) -> family.
  std::map<std::pair<int, std::string>, int> family_by_name;
  std::vector<std::pair<int, Window>> windows;  // (package, window) needed
};

struct CompiledProgram::Impl {
  Program program;
  std::vector<CompiledPayment> payments;                      // one per program payment rule
  std::map<std::pair<int, std::string>, int> activity_index;  // (package, code) -> index
};

struct RunResult::Impl {
  std::optional<Period> period;
  const RunInputs* inputs = nullptr;
  const CompiledPayment* payment = nullptr;
  const Program* program = nullptr;
  std::vector<std::string> zones;
  std::vector<int> zone_of;
  std::vector<uint8_t> missing;
  std::vector<std::vector<uint8_t>> selected;         // per program package
  std::vector<std::vector<uint8_t>> applies;          // per program package: [activity * F + f]
  std::vector<std::vector<Period>> instance_periods;  // per program package
  // Slot storage: owned columns, or pointers into the inputs' blocks.
  std::vector<std::vector<double>> owned;
  std::vector<const double*> columns;
  std::vector<size_t> rows;
  std::vector<const InputBlock*> blocks;  // per (package, instance): package * 8 + instance
  // Per slot: a zone value given by RunOptions::zone_values (an invoice's snapshot), not
  // computed from this run's facilities.
  std::vector<uint8_t> zone_given;
  size_t facility_count = 0;
};

}  // namespace keneya::rules

#endif  // KENEYA_RULES_ENGINE_INTERNAL_H_
