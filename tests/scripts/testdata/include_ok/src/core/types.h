#pragma once

namespace keneya::core {
struct Value {
  double amount = 0;
};
}  // namespace keneya::core
