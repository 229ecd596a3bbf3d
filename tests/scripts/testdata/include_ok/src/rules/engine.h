#pragma once

#include "core/types.h"

namespace keneya::rules {
core::Value Run();
}  // namespace keneya::rules
