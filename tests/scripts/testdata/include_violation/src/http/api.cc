#include "core/types.h"
#include "rules/engine.h"

namespace keneya::http {
double Api() { return rules::Run() + core::Value{}.amount; }
}  // namespace keneya::http
