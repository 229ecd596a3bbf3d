#pragma once

namespace keneya::cli {
int Command();
}  // namespace keneya::cli
