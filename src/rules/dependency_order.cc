#include "rules/dependency_order.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace keneya::rules {

std::vector<size_t> OrderByDependencies(
    const std::vector<std::vector<size_t>>& inputs,
    const std::function<void(std::span<const size_t> cycle)>& on_cycle) {
  const size_t n = inputs.size();
  enum Mark : uint8_t { kNew, kActive, kDone };
  std::vector<Mark> mark(n, kNew);
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<std::pair<size_t, size_t>> stack;  // (node, next input to visit)
  std::vector<size_t> cycle;
  for (size_t root = 0; root < n; ++root) {
    if (mark[root] != kNew) continue;
    stack.push_back({root, 0});
    mark[root] = kActive;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < inputs[node].size()) {
        const size_t dep = inputs[node][next++];
        if (mark[dep] == kNew) {
          mark[dep] = kActive;
          stack.push_back({dep, 0});
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
