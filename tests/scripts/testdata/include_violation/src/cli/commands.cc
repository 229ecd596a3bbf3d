#include "cli/commands.h"

namespace keneya::cli {
core::Value Command() { return {}; }
}  // namespace keneya::cli
