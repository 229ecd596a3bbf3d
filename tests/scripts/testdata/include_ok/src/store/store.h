#pragma once

namespace keneya::store {
double Load();
}  // namespace keneya::store
