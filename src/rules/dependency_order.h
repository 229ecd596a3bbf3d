// Ordering named things (equations, a program's formulas) by their dependencies, finding every
// cycle. Internal to src/rules.
#ifndef KENEYA_RULES_DEPENDENCY_ORDER_H_
#define KENEYA_RULES_DEPENDENCY_ORDER_H_

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace keneya::rules {

// Returns the nodes 0..inputs.size()-1 in an order where each comes after the nodes it reads
// (inputs[i]). For every back edge found (a cycle), calls on_cycle with the nodes of the cycle
// in order, the first one read by the last. Nodes in a cycle still appear in the order.
// Iterative: no recursion, whatever the depth.
std::vector<size_t> OrderByDependencies(
    const std::vector<std::vector<size_t>>& inputs,
    const std::function<void(std::span<const size_t> cycle)>& on_cycle);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_DEPENDENCY_ORDER_H_
