// The values of a bulk load, read by position: a span of values (SpanValues), or a list of its
// own. The DHIS2 import stages a million values compactly (a key and its texts in one buffer,
// about 50 bytes a value) rather than as 150-byte core::DataValues, and the store reads them
// through this without a second copy of them all.
//
//   core::DataValue scratch;
//   for (size_t i = 0; i < values.size(); ++i) Write(values.Get(i, scratch));
#ifndef KENEYA_STORE_LOAD_VALUES_H_
#define KENEYA_STORE_LOAD_VALUES_H_

#include <cstddef>
#include <span>

#include "core/data_value.h"

namespace keneya::store {

class LoadValues {
 public:
  virtual ~LoadValues() = default;
  virtual size_t size() const = 0;
  virtual const core::DataValueKey& key(size_t i) const = 0;
  // The value at `i`: one the list holds, or `scratch` filled with it (then valid until the
  // next call with the same scratch).
  virtual const core::DataValue& Get(size_t i, core::DataValue& scratch) const = 0;
  // Asks for the memory of the value at `i` ahead of its Get (values visited out of order).
  virtual void Prefetch(size_t i) const = 0;
};

class SpanValues final : public LoadValues {
 public:
  explicit SpanValues(std::span<const core::DataValue> values) : values_(values) {}
  size_t size() const override { return values_.size(); }
  const core::DataValueKey& key(size_t i) const override { return values_[i].key; }
  const core::DataValue& Get(size_t i, core::DataValue&) const override { return values_[i]; }
  void Prefetch(size_t i) const override {
    const char* at = reinterpret_cast<const char*>(&values_[i]);
    __builtin_prefetch(at);  // a value spans three cache lines
    __builtin_prefetch(at + 64);
    __builtin_prefetch(at + 128);
  }

 private:
  std::span<const core::DataValue> values_;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_LOAD_VALUES_H_
