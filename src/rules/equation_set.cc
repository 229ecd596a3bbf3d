#include "rules/equation_set.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "rules/dependency_order.h"

namespace keneya::rules {

namespace {

// Formula errors say where as "column N".
int ColumnOf(const core::Error& error) {
  constexpr std::string_view kPrefix = "column ";
  return std::atoi(error.where.c_str() + std::min(error.where.size(), kPrefix.size()));
}

}  // namespace

SolveResult SolveEquations(const std::vector<Equation>& equations) {
  SolveResult result;
  const size_t n = equations.size();
  std::vector<Formula> formulas(n);
  std::vector<bool> failed(n, false);
  auto fail = [&](size_t i, std::string message, int column) {
    failed[i] = true;
    result.errors.push_back({equations[i].name,
                             equations[i].constant
                                 ? Value::Number(*equations[i].constant).ToString()
                                 : equations[i].expression,
                             std::move(message), column});
  };

  std::unordered_map<std::string_view, size_t> index;
  index.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!index.emplace(equations[i].name, i).second) {
      fail(i, "the name is given twice", 0);
    }
  }
  // Parse, and resolve each formula's names to equations.
  std::vector<std::vector<size_t>> inputs(n);
  for (size_t i = 0; i < n; ++i) {
    if (equations[i].constant || failed[i]) continue;
    auto parsed = Formula::Parse(equations[i].expression);
    if (!parsed.ok()) {
      fail(i, parsed.error().message, ColumnOf(parsed.error()));
      continue;
    }
    formulas[i] = std::move(parsed).value();
    std::vector<std::string> missing;
    for (const std::string& name : formulas[i].variables()) {
      auto it = index.find(name);
      if (it == index.end()) {
        missing.push_back(name);
      } else {
        inputs[i].push_back(it->second);
      }
    }
    if (missing.size() == 1) {
      fail(i, "No parameter '" + missing[0] + "' found.", 0);
    } else if (!missing.empty()) {
      std::string names;
      for (const std::string& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
      fail(i, "No parameters " + names + " found.", 0);
    }
  }

  // Order by dependencies; report each cycle on each of its equations.
  const std::vector<size_t> order = OrderByDependencies(inputs, [&](std::span<const size_t> cycle) {
    std::string path;
    for (size_t i : cycle) path += equations[i].name + " -> ";
    path += equations[cycle.front()].name;
    for (size_t i : cycle) {
      if (!failed[i]) fail(i, "cycle between equations: " + path, 0);
    }
  });

  // Evaluate in order; an equation whose input failed is skipped.
  std::vector<Value> values(n);
  std::vector<bool> blocked(n, false);
  std::vector<Value> arguments;
  for (size_t i : order) {
    if (failed[i]) {
      blocked[i] = true;
      continue;
    }
    if (equations[i].constant) {
      values[i] = Value::Number(*equations[i].constant);
      continue;
    }
    arguments.clear();
    bool skip = false;
    for (size_t dep : inputs[i]) {
      if (blocked[dep]) skip = true;
      arguments.push_back(values[dep]);
    }
    if (skip) {
      blocked[i] = true;
      continue;
    }
    auto value = formulas[i].Evaluate(arguments);
    if (!value.ok()) {
      fail(i, value.error().message, ColumnOf(value.error()));
      blocked[i] = true;
      continue;
    }
    if (value->kind == Value::Kind::kNumber && !std::isfinite(value->number)) {
      fail(i, std::string(NonFiniteMessage(value->number)), 0);
      blocked[i] = true;
      continue;
    }
    values[i] = std::move(value).value();
  }

  if (!result.errors.empty()) {
    std::sort(result.errors.begin(), result.errors.end(),
              [](const EquationError& a, const EquationError& b) { return a.source < b.source; });
    return result;
  }
  result.values.reserve(n);
  for (size_t i = 0; i < n; ++i)
    result.values.emplace_back(equations[i].name, std::move(values[i]));
  std::sort(result.values.begin(), result.values.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return result;
}

}  // namespace keneya::rules
