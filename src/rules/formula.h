// The formula language of FBR programs, compatible with Hesabu (OpenRBF 2.0's), documented in
// docs/RULES.md.
//
//   Result<Formula> f = Formula::Parse("if(error_rate > 0.1, 0, verified * tariff)");
//   f->variables();   // {"error_rate", "verified", "tariff"}
//   std::vector<Value> inputs = {Value::Number(0.05), Value::Number(12), Value::Number(5000)};
//   Result<Value> v = f->Evaluate(inputs);   // 60000
//
// Numbers are doubles; comparisons give booleans; text appears only as literals ('aa') and as
// the names and meta-formula of EVAL_ARRAY. Function names are case-insensitive. A parse error
// says what is wrong and at which column (1-based); so does an evaluation error, at the column
// of the operator or function that failed. Parsing never crashes, whatever the input. Messages
// are by id (rules.formula.*, core/messages/rules.inc), their place "column N" too
// (ColumnPlace); some keep Hesabu's English words ("Unbalanced parenthesis"), which its users
// know.
#ifndef KENEYA_RULES_FORMULA_H_
#define KENEYA_RULES_FORMULA_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keneya::rules {

// A value of the language.
struct Value {
  enum class Kind : uint8_t { kNumber, kBoolean, kString, kArray };
  Kind kind = Kind::kNumber;
  double number = 0;          // kNumber
  bool boolean = false;       // kBoolean
  std::string text;           // kString
  std::vector<double> array;  // kArray (ARRAY(...), EVAL_ARRAY(...), a list in parentheses)

  static Value Number(double x) { return Value{Kind::kNumber, x, false, {}, {}}; }
  static Value Boolean(bool b) { return Value{Kind::kBoolean, 0, b, {}, {}}; }
  static Value String(std::string s) { return Value{Kind::kString, 0, false, std::move(s), {}}; }
  static Value Array(std::vector<double> a) {
    return Value{Kind::kArray, 0, false, {}, std::move(a)};
  }
  // "12.5", "true", "'text'", "(1, 2)": for messages.
  std::string ToString() const;
};

// A problem in a formula: what and where (1-based column; 0 when it concerns the whole formula).
struct FormulaProblem {
  std::string message;  // `text` in English
  int column = 0;
  // The message by id, for the reader's language (core::Render).
  core::Message text;
};

// The functions of the language.
enum class Function : uint8_t {
  kSum,
  kAvg,
  kMin,
  kMax,
  kAbs,
  kRound,
  kTrunc,
  kFloor,
  kCeiling,
  kSafeDiv,
  kScoreTable,
  kAccess,
  kArray,
  kEvalArray,
  kStdevp,
  kIf,
  kSqrt,
};

class Formula {
 public:
  // Parses `text`. Errors (kInvalidArgument): the message is a FormulaProblem's, the place
  // ColumnPlace(N) (`where` "column N"; ErrorColumn gives N).
  static core::Result<Formula> Parse(std::string_view text);

  Formula();
  ~Formula();
  Formula(Formula&&) noexcept;
  Formula& operator=(Formula&&) noexcept;
  Formula(const Formula&);
  Formula& operator=(const Formula&);

  const std::string& text() const;
  // The names the formula reads, each once, in order of first appearance.
  const std::vector<std::string>& variables() const;
  // The functions it calls (for docs and checks).
  const std::vector<Function>& functions() const;

  // Evaluates with `inputs[i]` the value of variables()[i]. Errors: kInvalidArgument with the
  // problem's message, place ColumnPlace(N). Division by zero gives infinity and 0/0 NaN, as
  // Hesabu's engine does; callers decide (Solve reports them).
  core::Result<Value> Evaluate(std::span<const Value> inputs) const;

  struct Node;  // the parsed tree (formula_tree.h)
  struct Impl;  // its storage (formula_tree.h)
  const Impl& tree() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Hesabu's message for a value that is not finite: "Divide by zero" for an infinity, "NaN".
// NonFiniteMessage in English (hesabucli's JSON keeps it), NonFiniteText by id.
std::string_view NonFiniteMessage(double value);
core::Message NonFiniteText(double value);

// Where in a formula: "column 9" ("colonne 9"); with the formula's name, "quantite.ecart,
// column 9". The errors of Parse, Evaluate and Kernel::Compile have the first as their place.
core::Message ColumnPlace(int column);
core::Message FormulaColumnPlace(std::string_view formula, int column);
// The column of such an error (from its place), 0 when it has none.
int ErrorColumn(const core::Error& error);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_FORMULA_H_
