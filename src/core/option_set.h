// Option sets: the closed list of values a data element accepts (DHIS2's optionSet).
#ifndef KENEYA_CORE_OPTION_SET_H_
#define KENEYA_CORE_OPTION_SET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/data_element.h"

namespace keneya::core {

struct Option {
  std::string uid;
  std::string code;  // the value stored in data values
  std::string name;
  friend bool operator==(const Option&, const Option&) = default;
};

struct OptionSet {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  ValueType value_type = ValueType::kText;
  std::vector<Option> options;  // ordered
  friend bool operator==(const OptionSet&, const OptionSet&) = default;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_OPTION_SET_H_
