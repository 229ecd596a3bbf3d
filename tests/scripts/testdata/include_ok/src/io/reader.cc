#include "io/reader.h"

#include "core/types.h"
#include "store/store.h"

namespace keneya::io {
core::Value Read() { return {store::Load()}; }
}  // namespace keneya::io
