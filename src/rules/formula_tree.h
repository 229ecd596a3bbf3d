// The parsed form of a formula, shared by the scalar evaluator (formula.cc) and the column
// compiler (kernel.cc). Internal to src/rules.
#ifndef KENEYA_RULES_FORMULA_TREE_H_
#define KENEYA_RULES_FORMULA_TREE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/message.h"
#include "core/result.h"
#include "rules/formula.h"

namespace keneya::rules {

enum class Op : uint8_t {
  kNumber,
  kString,
  kBoolean,
  kVariable,
  kNegate,
  kNot,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kPower,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
  kTernary,
  kCall,
  kList,
};

struct Formula::Node {
  Op op = Op::kNumber;
  Function function = Function::kSum;
  int32_t column = 0;
  double number = 0;
  int32_t index = 0;  // variable index, string index, or sub-formula index (EVAL_ARRAY)
  int32_t a = -1, b = -1, c = -1;        // children (unary, binary, ternary)
  int32_t first_arg = 0, arg_count = 0;  // kCall and kList: into args
};

// A number as messages show it ("12.5", "1e+400").
inline std::string FormatNumber(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", x);
  return buffer;
}

// A value's kind in messages: "a number", "a boolean", "a text", "a list".
inline core::Message KindName(Value::Kind kind) {
  if (kind == Value::Kind::kNumber) return core::Message("rules.formula.kind_number");
  if (kind == Value::Kind::kBoolean) return core::Message("rules.formula.kind_boolean");
  if (kind == Value::Kind::kString) return core::Message("rules.formula.kind_text");
  return core::Message("rules.formula.kind_list");
}

// What an operand is read for, the {operation} of messages: an operator or a function as the
// language writes it ("-", "NOT", "SUM"), or words ("arithmetic", "a list").
inline core::MessageArg Operation(std::string_view symbol) { return {"operation", symbol}; }
inline core::MessageArg Operation(core::Message words) { return {"operation", std::move(words)}; }
inline core::MessageArg InArithmetic() {
  return Operation(core::Message("rules.formula.operation_arithmetic"));
}
inline core::MessageArg InComparison() {
  return Operation(core::Message("rules.formula.operation_comparison"));
}
inline core::MessageArg InList() {
  return Operation(core::Message("rules.formula.operation_list"));
}

// The problem of a formula at `column` (1-based): kInvalidArgument, place "column N".
inline core::Error FormulaError(core::Message message, int column) {
  return core::InvalidArgument(std::move(message), ColumnPlace(column));
}

// "SUM needs at least 1 value, got 0".
inline core::Message NeedsAtLeast(std::string_view function, size_t count, size_t got) {
  if (count == 1) {
    return core::Message("rules.formula.needs_one_value",
                         {{"function", function}, {"count", count}, {"got", got}});
  }
  return core::Message("rules.formula.needs_values",
                       {{"function", function}, {"count", count}, {"got", got}});
}

// EVAL_ARRAY's problems, the same for the evaluator and the kernel (formula.cc).
core::Message EvalArraySizes(std::string_view first, std::string_view second, size_t first_count,
                             size_t second_count);
core::Message EvalArrayUnknownName(std::string_view name, std::string_view first,
                                   std::string_view second);
// "in EVAL_ARRAY's formula: <error's message>".
core::Message EvalArrayFailed(const core::Error& error);

struct Formula::Impl {
  std::string text;
  std::vector<Node> nodes;
  std::vector<int32_t> args;
  std::vector<std::string> variables;
  std::vector<std::string> strings;
  std::vector<Function> functions;
  std::vector<Formula> sub_formulas;  // EVAL_ARRAY's meta-formulas
  int32_t root = -1;
};

// The name of a function as the language writes it ("SAFE_DIV").
std::string_view FunctionName(Function f);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_FORMULA_TREE_H_
