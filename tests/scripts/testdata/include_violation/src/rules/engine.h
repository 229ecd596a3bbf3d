#pragma once

namespace keneya::rules {
double Run();
}  // namespace keneya::rules
