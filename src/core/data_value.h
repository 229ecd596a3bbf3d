// Data values: one number (or text) for one data element, disaggregation, attribute, org unit,
// period and FBR state.
//
// The state is the FBR stage of the number: what the facility declared, what the verification
// agency verified, what the district validated. DHIS2 has no such column; Keneya keys by it so
// that the three numbers of one indicator live side by side (see docs/GLOSSARY.md).
#ifndef KENEYA_CORE_DATA_VALUE_H_
#define KENEYA_CORE_DATA_VALUE_H_

#include <compare>
#include <cstdint>
#include <string>

#include "core/timestamp.h"

namespace keneya::core {

// The built-in states, created by the first migration with these ids. A program may add more.
inline constexpr int32_t kStateDeclared = 1;
inline constexpr int32_t kStateVerified = 2;
inline constexpr int32_t kStateValidated = 3;

struct State {
  int32_t id = 0;
  std::string code;     // "declared", "verified", "validated"
  std::string name_fr;  // "Déclaré"
  std::string name_en;  // "Declared"
  friend bool operator==(const State&, const State&) = default;
};

// The identity of a data value. Fields are store ids (see the metadata types), except period,
// which is Period::Code(). Ordered field by field, in the order of the store's primary key.
struct DataValueKey {
  int32_t period = 0;
  int32_t org_unit = 0;
  int32_t data_element = 0;
  int32_t category_option_combo = 0;
  int32_t attribute_option_combo = 0;
  int32_t state = kStateDeclared;
  friend auto operator<=>(const DataValueKey&, const DataValueKey&) = default;
};

struct DataValue {
  DataValueKey key;
  std::string value;
  std::string comment;
  std::string stored_by;  // who entered it at the source (DHIS2's storedBy); may be empty
  bool followup = false;
  bool deleted = false;  // soft-deleted, as DHIS2 keeps deleted values

  // Set by the store when reading; ignored when writing.
  TimestampMs created = 0;
  TimestampMs last_updated = 0;
  int64_t import_id = 0;  // the bulk load that created the value; 0 when entered one by one

  // True when value, comment, followup and deleted are the same: writing `other` over this value
  // changes nothing (DHIS2 counts such a value as "ignored").
  bool SameContent(const DataValue& other) const {
    return value == other.value && comment == other.comment && followup == other.followup &&
           deleted == other.deleted;
  }
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_DATA_VALUE_H_
