// Solving a flat set of named equations, as Hesabu's solver (hesabucli) does: each equation is a
// formula over the others' names (or a constant); the set is ordered by its dependencies and
// evaluated once. `keneya solve` reads and writes the JSON shapes of hesabucli (io/).
//
//   std::vector<Equation> set = {{"a", "10"}, {"b", "a * 2"}};
//   SolveResult r = SolveEquations(set);   // r.values: a = 10, b = 20
//
// Every problem is reported, for every equation concerned, before any value is returned: parse
// errors (with the column), unknown names, cycles (each equation of a cycle, with the cycle), and
// evaluation errors (IF without a boolean, division by zero, NaN...). An equation that depends on
// a failed one is not evaluated and not reported again.
#ifndef KENEYA_RULES_EQUATION_SET_H_
#define KENEYA_RULES_EQUATION_SET_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/formula.h"

namespace keneya::rules {

struct Equation {
  std::string name;
  std::string expression;          // a formula; or empty when `constant` is set
  std::optional<double> constant;  // a number given as a number (hesabucli wants strings)
};

struct EquationError {
  std::string source;      // the equation's name ("general" for none)
  std::string expression;  // its text
  std::string message;
  int column = 0;  // 1-based, 0 when the problem is not at one place
};

struct SolveResult {
  std::vector<std::pair<std::string, Value>> values;  // by name, when there is no error
  std::vector<EquationError> errors;                  // by source name
  bool ok() const { return errors.empty(); }
};

SolveResult SolveEquations(const std::vector<Equation>& equations);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_EQUATION_SET_H_
