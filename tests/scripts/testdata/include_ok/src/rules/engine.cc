#include "rules/engine.h"

namespace keneya::rules {
core::Value Run() { return {}; }
}  // namespace keneya::rules
