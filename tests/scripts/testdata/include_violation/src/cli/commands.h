#pragma once

#include "core/types.h"

namespace keneya::cli {
core::Value Command();
}  // namespace keneya::cli
