#include "bench/store_bench.h"

#include "store/store.h"

namespace keneya::bench {
double StoreBench() { return store::Load(); }
}  // namespace keneya::bench
