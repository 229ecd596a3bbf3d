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

bool OrderInWaves(const DependencyGraph& graph, core::LargeVector<uint32_t>& order) {
  const size_t n = graph.size();
  const size_t edges = graph.targets.size();
  // The graph reversed: readers[first[t]..first[t + 1]) read node t.
  core::LargeVector<uint32_t> first(n + 1, 0);
  for (size_t e = 0; e < edges; ++e) ++first[graph.targets[e] + 1];
  for (size_t t = 0; t < n; ++t) first[t + 1] += first[t];
  core::LargeVector<uint32_t> readers(edges);
  {
    core::LargeVector<uint32_t> next(first.begin(), first.end() - 1);
    for (uint32_t node = 0; node < n; ++node) {
      for (uint32_t e = graph.offsets[node]; e < graph.offsets[node + 1]; ++e) {
        readers[next[graph.targets[e]]++] = node;
      }
    }
  }
  // Inputs not placed yet, per node; the order is its own queue.
  core::LargeVector<uint32_t> waiting(n);
  order.clear();
  order.reserve(n);
  for (uint32_t node = 0; node < n; ++node) {
    waiting[node] = graph.offsets[node + 1] - graph.offsets[node];
    if (waiting[node] == 0) order.push_back(node);
  }
  for (size_t head = 0; head < order.size(); ++head) {
    if (head + 16 < order.size()) __builtin_prefetch(&first[order[head + 16]]);
    if (head + 8 < order.size()) {
      const uint32_t ahead = order[head + 8];
      for (uint32_t e = first[ahead]; e < first[ahead + 1]; ++e) {
        __builtin_prefetch(&waiting[readers[e]]);
      }
    }
    const uint32_t node = order[head];
    for (uint32_t e = first[node]; e < first[node + 1]; ++e) {
      const uint32_t reader = readers[e];
      if (--waiting[reader] == 0) order.push_back(reader);
    }
  }
  return order.size() == n;
}

}  // namespace keneya::rules
