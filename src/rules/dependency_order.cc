#include "rules/dependency_order.h"

#include <algorithm>
#include <utility>

namespace keneya::rules {

core::LargeVector<uint32_t> OrderByDependencies(
    const DependencyGraph& graph,
    const std::function<void(std::span<const uint32_t> cycle)>& on_cycle) {
  const size_t n = graph.size();
  enum Mark : uint8_t { kNew, kActive, kDone };
  core::LargeVector<Mark> mark(n, kNew);
  core::LargeVector<uint32_t> order;
  order.reserve(n);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // (node, next edge to visit)
  std::vector<uint32_t> cycle;
  // A node entered: what its edges lead to is asked for at once, before they are visited one by
  // one (a graph in no particular order is visited at random in memory).
  auto enter = [&](uint32_t node) {
    mark[node] = kActive;
    const uint32_t first = graph.offsets[node], end = graph.offsets[node + 1];
    for (uint32_t e = first; e < end; ++e) {
      __builtin_prefetch(&mark[graph.targets[e]]);
      __builtin_prefetch(&graph.offsets[graph.targets[e]]);
    }
    stack.push_back({node, first});
  };
  for (uint32_t root = 0; root < n; ++root) {
    if (mark[root] != kNew) continue;
    enter(root);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < graph.offsets[node + 1]) {
        const uint32_t dep = graph.targets[next++];
        if (mark[dep] == kNew) {
          enter(dep);
        } else if (mark[dep] == kActive) {
          // The cycle is the stack from dep to node.
          auto start = std::find_if(stack.begin(), stack.end(),
                                    [&](const auto& frame) { return frame.first == dep; });
          cycle.clear();
          for (auto it = start; it != stack.end(); ++it) cycle.push_back(it->first);
          on_cycle(cycle);
        }
      } else {
        mark[node] = kDone;
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return order;
}

}  // namespace keneya::rules
