#include "store/store.h"

#include "core/types.h"

namespace keneya::store {
double Load() { return core::Value{}.amount; }
}  // namespace keneya::store
