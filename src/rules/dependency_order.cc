#include "rules/dependency_order.h"

#include <algorithm>
#include <utility>

namespace keneya::rules {

std::vector<uint32_t> OrderByDependencies(
    const DependencyGraph& graph,
    const std::function<void(std::span<const uint32_t> cycle)>& on_cycle) {
  const size_t n = graph.size();
  enum Mark : uint8_t { kNew, kActive, kDone };
  std::vector<Mark> mark(n, kNew);
  std::vector<uint32_t> order;
  order.reserve(n);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // (node, next edge to visit)
  std::vector<uint32_t> cycle;
  for (uint32_t root = 0; root < n; ++root) {
    if (mark[root] != kNew) continue;
    stack.push_back({root, graph.offsets[root]});
    mark[root] = kActive;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < graph.offsets[node + 1]) {
        const uint32_t dep = graph.targets[next++];
        if (mark[dep] == kNew) {
          mark[dep] = kActive;
          stack.push_back({dep, graph.offsets[dep]});
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
