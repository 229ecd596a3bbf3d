#include "rules/engine.h"

#include "core/types.h"

namespace keneya::rules {
double Run() { return core::Value{}.amount; }
}  // namespace keneya::rules
