// Data elements (what is counted: "Accouchements assistés") and data sets (which elements an
// org unit reports, how often).
#ifndef KENEYA_CORE_DATA_ELEMENT_H_
#define KENEYA_CORE_DATA_ELEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/attribute.h"
#include "core/period.h"
#include "core/result.h"

namespace keneya::core {

// DHIS2 value types. Values are stable (the store writes their names).
enum class ValueType {
  kText,
  kLongText,
  kMultiText,
  kLetter,
  kPhoneNumber,
  kEmail,
  kBoolean,
  kTrueOnly,
  kDate,
  kDateTime,
  kTime,
  kNumber,
  kUnitInterval,
  kPercentage,
  kInteger,
  kIntegerPositive,
  kIntegerNegative,
  kIntegerZeroOrPositive,
  kTrackerAssociate,
  kUsername,
  kCoordinate,
  kOrganisationUnit,
  kReference,
  kAge,
  kUrl,
  kFileResource,
  kImage,
  kGeoJson,
};

// DHIS2's name: "INTEGER_ZERO_OR_POSITIVE", "TEXT"...
std::string_view ValueTypeName(ValueType type);
// Parses a DHIS2 value type name (exact, upper case, as DHIS2 writes it).
Result<ValueType> ParseValueType(std::string_view name);
// True for the numeric types (NUMBER, the INTEGER family, PERCENTAGE, UNIT_INTERVAL).
bool IsNumeric(ValueType type);

// Checks that `value` is a valid value of `type`, as DHIS2 checks data values: numbers in plain
// decimal notation, integers without a sign for the positive types, "true"/"false" for
// BOOLEAN, "true" for TRUE_ONLY, yyyy-MM-dd for DATE, a percentage 0..100, a unit interval
// 0..1, at most 50,000 characters of text. The error message says what was expected.
Status ValidateValue(ValueType type, std::string_view value);

struct DataElement {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  std::string short_name;
  std::string description;
  ValueType value_type = ValueType::kIntegerZeroOrPositive;
  std::string category_combo_uid;  // the disaggregation combo; the default combo when empty
  // When false, zeros are not worth storing (DHIS2 then drops them on import). FBR sets true on
  // every indicator: a reported zero is not a missing report.
  bool zero_is_significant = true;
  std::string option_set_uid;  // values must be one of its option codes; empty: no option set
  std::vector<AttributeValue> attribute_values;
  friend bool operator==(const DataElement&, const DataElement&) = default;
};

struct DataSet {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  PeriodType period_type = PeriodType::kMonthly;
  std::string category_combo_uid;  // the attribute combo; the default combo when empty
  std::vector<std::string> data_element_uids;
  std::vector<std::string> org_unit_uids;  // org units assigned to report this set
  int expiry_days = 0;  // days after a period's end during which it may be entered; 0: no limit
  int open_future_periods = 0;  // how many future periods are open for entry
  std::vector<AttributeValue> attribute_values;
  friend bool operator==(const DataSet&, const DataSet&) = default;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_DATA_ELEMENT_H_
