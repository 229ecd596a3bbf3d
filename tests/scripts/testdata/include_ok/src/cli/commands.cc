#include "cli/commands.h"

#include "bench/store_bench.h"
#include "core/types.h"
#include "io/reader.h"
#include "rules/engine.h"

namespace keneya::cli {
int Command() {
  core::Value value = io::Read();
  return static_cast<int>(value.amount + rules::Run().amount + bench::StoreBench());
}
}  // namespace keneya::cli
