// Ordering named things (equations, a program's formulas) by their dependencies, finding every
// cycle. Internal to src/rules.
#ifndef KENEYA_RULES_DEPENDENCY_ORDER_H_
#define KENEYA_RULES_DEPENDENCY_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/large_array.h"

namespace keneya::rules {

// Who reads whom, compactly: node i reads targets[offsets[i]..offsets[i + 1]).
struct DependencyGraph {
  core::LargeVector<uint32_t> offsets{0};
  core::LargeVector<uint32_t> targets;

  size_t size() const { return offsets.size() - 1; }
  void Add(uint32_t target) { targets.push_back(target); }
  void EndNode() { offsets.push_back(static_cast<uint32_t>(targets.size())); }
};

// Returns the nodes 0..graph.size()-1 in an order where each comes after the nodes it reads.
// For every back edge found (a cycle), calls on_cycle with the nodes of the cycle in order, the
// first one read by the last. Nodes in a cycle still appear in the order. Iterative: no
// recursion, whatever the depth.
core::LargeVector<uint32_t> OrderByDependencies(
    const DependencyGraph& graph,
    const std::function<void(std::span<const uint32_t> cycle)>& on_cycle);

// The same order for a graph without cycles, found without walking it depth first: nodes that
// read nothing, then the nodes whose inputs are all placed, wave after wave (each node's readers
// found through the graph reversed). Its memory is visited in runs that can be asked for ahead,
// where a depth-first walk of a graph in no particular order waits on memory at every step.
// Returns false, with `order` incomplete, when there is a cycle (OrderByDependencies finds it).
bool OrderInWaves(const DependencyGraph& graph, core::LargeVector<uint32_t>& order);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_DEPENDENCY_ORDER_H_
