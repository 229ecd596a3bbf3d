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

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
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
// thousands of equations without copying their names), in 32 bytes (a national month holds half
// a million of them, and memory touched first is costly). Texts are shorter than 4 GB (simdjson
// reads no larger document).
class EquationView {
 public:
  EquationView() = default;
  EquationView(std::string_view name, std::string_view expression,
               std::optional<double> constant = std::nullopt)
      : name_(name.data()),
        expression_(expression.data()),
        name_size_(static_cast<uint32_t>(name.size())),
        expression_size_(constant ? kConstant : static_cast<uint32_t>(expression.size())),
        constant_(constant.value_or(0)) {}

  std::string_view name() const { return {name_, name_size_}; }
  // Empty for a constant.
  std::string_view expression() const {
    return expression_size_ == kConstant ? std::string_view()
                                         : std::string_view(expression_, expression_size_);
  }
  std::optional<double> constant() const {
    return expression_size_ == kConstant ? std::optional<double>(constant_) : std::nullopt;
  }

 private:
  static constexpr uint32_t kConstant = UINT32_MAX;
  const char* name_ = nullptr;
  const char* expression_ = nullptr;
  uint32_t name_size_ = 0;
  uint32_t expression_size_ = 0;  // kConstant: the equation is `constant_`
  double constant_ = 0;
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
  SolveResult() = default;
  SolveResult(SolveResult&&) = default;
  SolveResult& operator=(SolveResult&&) = default;
  // Its names are views into the equations it holds: a copy would point into the original's.
  SolveResult(const SolveResult&) = delete;
  SolveResult& operator=(const SolveResult&) = delete;

  std::vector<EquationError> errors;  // by source name
  bool ok() const { return errors.empty(); }

  // The values, by name, when there is no error. Names are views into the equations solved:
  // the result holds those given as a vector; those given as views must outlive it.
  size_t size() const { return order_.size(); }
  std::string_view name(size_t i) const { return equations_[order_[i]].name(); }
  Value value(size_t i) const;
  // Without building a Value: its kind, and its number (a boolean's 0 or 1).
  Value::Kind kind(size_t i) const { return kinds_[order_[i]]; }
  double number(size_t i) const { return numbers_[order_[i]]; }
  // Asks for value i's name and number ahead of reading them: they lie in the equations' order,
  // and are read in the names'.
  void Prefetch(size_t i) const {
    __builtin_prefetch(&equations_[order_[i]]);
    __builtin_prefetch(&numbers_[order_[i]]);
    __builtin_prefetch(&kinds_[order_[i]]);
  }

  void Add(std::string_view name, Value value);

 private:
  friend SolveResult SolveEquations(std::span<const EquationView> equations);
  friend SolveResult SolveEquations(std::vector<Equation> equations);

  // The values stay where the solver computed them, in the equations' order; `order_` lists
  // them by name. Numbers and booleans (as 0 or 1) in place; texts and lists, rare, aside.
  std::span<const EquationView> equations_;
  // The equations when the result holds them (moved, a vector's elements keep their place).
  std::vector<Equation> held_;
  core::LargeVector<EquationView> owned_;
  core::LargeVector<uint32_t> order_;
  core::LargeVector<double> numbers_;
  core::LargeVector<Value::Kind> kinds_;
  std::unordered_map<uint32_t, Value> others_;  // by equation
};

SolveResult SolveEquations(std::span<const EquationView> equations);
SolveResult SolveEquations(std::vector<Equation> equations);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_EQUATION_SET_H_
