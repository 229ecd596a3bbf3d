#pragma once

#include "rules/engine.h"

namespace keneya::io {
core::Value Read();
}  // namespace keneya::io
