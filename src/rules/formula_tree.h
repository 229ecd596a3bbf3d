// The parsed form of a formula, shared by the scalar evaluator (formula.cc) and the column
// compiler (compiled_formula.cc). Internal to src/rules.
#ifndef KENEYA_RULES_FORMULA_TREE_H_
#define KENEYA_RULES_FORMULA_TREE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

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
inline const char* KindName(Value::Kind kind) {
  if (kind == Value::Kind::kNumber) return "a number";
  if (kind == Value::Kind::kBoolean) return "a boolean";
  if (kind == Value::Kind::kString) return "a text";
  return "a list";
}

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
