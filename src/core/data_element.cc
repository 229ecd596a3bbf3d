#include "core/data_element.h"

#include <array>
#include <cstdlib>
#include <string>

#include "core/date.h"
#include "core/timestamp.h"

namespace keneya::core {
namespace {

constexpr std::array<std::pair<ValueType, std::string_view>, 28> kValueTypeNames = {{
    {ValueType::kText, "TEXT"},
    {ValueType::kLongText, "LONG_TEXT"},
    {ValueType::kMultiText, "MULTI_TEXT"},
    {ValueType::kLetter, "LETTER"},
    {ValueType::kPhoneNumber, "PHONE_NUMBER"},
    {ValueType::kEmail, "EMAIL"},
    {ValueType::kBoolean, "BOOLEAN"},
    {ValueType::kTrueOnly, "TRUE_ONLY"},
    {ValueType::kDate, "DATE"},
    {ValueType::kDateTime, "DATETIME"},
    {ValueType::kTime, "TIME"},
    {ValueType::kNumber, "NUMBER"},
    {ValueType::kUnitInterval, "UNIT_INTERVAL"},
    {ValueType::kPercentage, "PERCENTAGE"},
    {ValueType::kInteger, "INTEGER"},
    {ValueType::kIntegerPositive, "INTEGER_POSITIVE"},
    {ValueType::kIntegerNegative, "INTEGER_NEGATIVE"},
    {ValueType::kIntegerZeroOrPositive, "INTEGER_ZERO_OR_POSITIVE"},
    {ValueType::kTrackerAssociate, "TRACKER_ASSOCIATE"},
    {ValueType::kUsername, "USERNAME"},
    {ValueType::kCoordinate, "COORDINATE"},
    {ValueType::kOrganisationUnit, "ORGANISATION_UNIT"},
    {ValueType::kReference, "REFERENCE"},
    {ValueType::kAge, "AGE"},
    {ValueType::kUrl, "URL"},
    {ValueType::kFileResource, "FILE_RESOURCE"},
    {ValueType::kImage, "IMAGE"},
    {ValueType::kGeoJson, "GEOJSON"},
}};

constexpr size_t kMaxValueLength = 50'000;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// An integer without leading zeros: "0", "12", "-7" (not "007", "+3", "-0").
bool IsPlainInteger(std::string_view s) {
  const bool negative = !s.empty() && s[0] == '-';
  std::string_view digits = negative ? s.substr(1) : s;
  if (!AllDigits(digits)) return false;
  if (digits.size() > 1 && digits[0] == '0') return false;
  if (negative && digits == "0") return false;
  return digits.size() <= 18;
}

// A decimal number: an optional '-', an integer part without leading zeros, an optional
// fraction, an optional exponent ("12", "-0.5", "3.2E4").
bool IsPlainNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  const size_t int_len = i - int_start;
  if (int_len == 0 || (int_len > 1 && s[int_start] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac_start) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == exp_start) return false;
  }
  return i == s.size();
}

// `expected` is the id of what the value should be ("core.value.a_number").
Status Invalid(std::string_view value, ValueType type, const char* expected) {
  return InvalidArgument(Message("core.value.not_of_type", {{"value", value.substr(0, 60)},
                                                            {"expected", Message(expected)},
                                                            {"type", ValueTypeName(type)}}),
                         "value");
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  for (const auto& [t, name] : kValueTypeNames) {
    if (t == type) return name;
  }
  return "TEXT";
}

Result<ValueType> ParseValueType(std::string_view name) {
  for (const auto& [t, n] : kValueTypeNames) {
    if (n == name) return t;
  }
  return InvalidArgument(Message("core.value.unknown_type", {{"name", name}}), "valueType");
}

bool IsNumeric(ValueType type) {
  switch (type) {
    case ValueType::kNumber:
    case ValueType::kUnitInterval:
    case ValueType::kPercentage:
    case ValueType::kInteger:
    case ValueType::kIntegerPositive:
    case ValueType::kIntegerNegative:
    case ValueType::kIntegerZeroOrPositive:
      return true;
    default:
      return false;
  }
}

Status ValidateValue(ValueType type, std::string_view value) {
  if (value.size() > kMaxValueLength) {
    return InvalidArgument(Message("core.value.too_long"), "value");
  }
  switch (type) {
    case ValueType::kNumber:
      if (!IsPlainNumber(value)) return Invalid(value, type, "core.value.a_number");
      return OkStatus();
    case ValueType::kUnitInterval: {
      if (!IsPlainNumber(value)) return Invalid(value, type, "core.value.a_number");
      const double x = std::strtod(std::string(value).c_str(), nullptr);
      if (x < 0 || x > 1) return Invalid(value, type, "core.value.unit_interval");
      return OkStatus();
    }
    case ValueType::kPercentage: {
      if (!IsPlainNumber(value)) return Invalid(value, type, "core.value.a_number");
      const double x = std::strtod(std::string(value).c_str(), nullptr);
      if (x < 0 || x > 100) return Invalid(value, type, "core.value.percentage");
      return OkStatus();
    }
    case ValueType::kInteger:
      if (!IsPlainInteger(value)) return Invalid(value, type, "core.value.an_integer");
      return OkStatus();
    case ValueType::kIntegerPositive:
      if (!IsPlainInteger(value) || value[0] == '-' || value == "0") {
        return Invalid(value, type, "core.value.a_positive_integer");
      }
      return OkStatus();
    case ValueType::kIntegerNegative:
      if (!IsPlainInteger(value) || value[0] != '-') {
        return Invalid(value, type, "core.value.a_negative_integer");
      }
      return OkStatus();
    case ValueType::kIntegerZeroOrPositive:
      if (!IsPlainInteger(value) || value[0] == '-') {
        return Invalid(value, type, "core.value.zero_or_positive");
      }
      return OkStatus();
    case ValueType::kBoolean:
      if (value != "true" && value != "false")
        return Invalid(value, type, "core.value.true_or_false");
      return OkStatus();
    case ValueType::kTrueOnly:
      if (value != "true") return Invalid(value, type, "core.value.true");
      return OkStatus();
    case ValueType::kDate:
      if (value.size() != 10 || !Date::Parse(value).ok()) {
        return Invalid(value, type, "core.value.a_date");
      }
      return OkStatus();
    case ValueType::kDateTime:
      if (!ParseTimestamp(value).ok()) return Invalid(value, type, "core.value.a_date_and_time");
      return OkStatus();
    case ValueType::kLetter:
      if (value.size() != 1) return Invalid(value, type, "core.value.a_letter");
      return OkStatus();
    default:
      return OkStatus();
  }
}

}  // namespace keneya::core
