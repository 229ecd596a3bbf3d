// Solving a flat set of named equations, as Hesabu's solver (hesabucli) does: each equation is a
// formula over the others' names (or a constant); the set is ordered by its dependencies and
// evaluated once. `keneya solve` reads and writes the JSON shapes of hesabucli (io/).
//
//   std::vector<Equation> set = {{"a", "10"}, {"b", "a * 2"}};
//   SolveResult r = SolveEquations(set);   // r.name(0) "a", r.value(0) 10; "b", 20
//
// Every problem is reported, for every equation concerned, before any value is returned: parse
// errors (with the column), unknown names, cycles (each equation of a cycle, with the cycle), and
// evaluation errors (IF without a boolean, division by zero, NaN...). An equation that depends on
// a failed one is not evaluated and not reported again.
#ifndef KENEYA_RULES_EQUATION_SET_H_
#define KENEYA_RULES_EQUATION_SET_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/large_array.h"
#include "rules/formula.h"

namespace keneya::rules {

struct Equation {
  std::string name;
  std::string expression;          // a formula; or empty when `constant` is set
  std::optional<double> constant;  // a number given as a number (hesabucli wants strings)
};

// The same, its texts held elsewhere (a file read in place: `keneya solve` reads hundreds of
// thousands of equations without copying their names).
struct EquationView {
  std::string_view name;
  std::string_view expression;
  std::optional<double> constant;
};

struct EquationError {
  std::string source;      // the equation's name ("general" for none)
  std::string expression;  // its text
  std::string message;     // `text` in English (hesabucli's JSON writes it)
  int column = 0;          // 1-based, 0 when the problem is not at one place
  // The message by id, for the reader's language (core::Render).
  core::Message text;
};

class SolveResult {
 public:
  std::vector<EquationError> errors;  // by source name
  bool ok() const { return errors.empty(); }

  // The values, by name, when there is no error. Names are views into the equations solved:
  // keep those alive as long as the result.
  size_t size() const { return names_.size(); }
  std::string_view name(size_t i) const { return names_[i]; }
  Value value(size_t i) const;
  // Without building a Value: its kind, and its number (a boolean's 0 or 1).
  Value::Kind kind(size_t i) const { return kinds_[i]; }
  double number(size_t i) const { return numbers_[i]; }
  void Add(std::string_view name, Value value);
  void Reserve(size_t n);

 private:
  // Numbers and booleans (as 0 or 1) in place; texts and lists, rare, aside.
  core::LargeVector<std::string_view> names_;
  core::LargeVector<double> numbers_;
  core::LargeVector<Value::Kind> kinds_;
  std::vector<std::pair<size_t, Value>> others_;  // by index
};

SolveResult SolveEquations(std::span<const EquationView> equations);
SolveResult SolveEquations(const std::vector<Equation>& equations);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_EQUATION_SET_H_
