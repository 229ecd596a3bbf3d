#include "store/key_order.h"

#include <algorithm>

namespace keneya::store {

core::LargeVector<KeyAt> SortKeys(const LoadValues& values) {
  core::LargeVector<KeyAt> keys(values.size());
  for (size_t i = 0; i < values.size(); ++i) keys[i] = {values.key(i), static_cast<uint32_t>(i)};
  std::sort(keys.begin(), keys.end(), [](const KeyAt& a, const KeyAt& b) {
    const auto order = a.key <=> b.key;
    return order != 0 ? order < 0 : a.position < b.position;
  });
  return keys;
}

}  // namespace keneya::store
