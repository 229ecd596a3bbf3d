#pragma once

namespace keneya::bench {
double StoreBench();
}  // namespace keneya::bench
