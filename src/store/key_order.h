// Values' keys in key order, each beside its position among the values: sorted in one compact
// array, since sorting positions by keys read through them misses the cache at nearly every
// comparison (a value is 150 bytes). Among equal keys the first given comes first. The store's
// bulk load and the DHIS2 import (repeated keys) both order values this way.
//
//   for (const store::KeyAt& k : store::SortKeys(values)) Write(values[k.position]);
#ifndef KENEYA_STORE_KEY_ORDER_H_
#define KENEYA_STORE_KEY_ORDER_H_

#include <cstdint>

#include "core/data_value.h"
#include "core/large_array.h"
#include "store/load_values.h"

namespace keneya::store {

struct KeyAt {
  core::DataValueKey key;
  uint32_t position = 0;
};

core::LargeVector<KeyAt> SortKeys(const LoadValues& values);

}  // namespace keneya::store

#endif  // KENEYA_STORE_KEY_ORDER_H_
