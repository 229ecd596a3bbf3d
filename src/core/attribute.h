// Metadata attributes, as DHIS2 has them: a named extra field that objects may carry
// ("Code SNIS" = "ML-KATI-0042"). DHIS2 lets files identify objects by such a value (id scheme
// ATTRIBUTE:<uid>).
#ifndef KENEYA_CORE_ATTRIBUTE_H_
#define KENEYA_CORE_ATTRIBUTE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace keneya::core {

struct Attribute {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// One attribute's value on an object.
struct AttributeValue {
  std::string attribute_uid;
  std::string value;
  friend bool operator==(const AttributeValue&, const AttributeValue&) = default;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_ATTRIBUTE_H_
