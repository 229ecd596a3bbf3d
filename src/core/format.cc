#include "core/format.h"

namespace keneya::core {

Language ParseLanguage(std::string_view text) {
  return text.substr(0, 2) == "en" ? Language::kEnglish : Language::kFrench;
}

std::string FormatInteger(int64_t n, Language language) {
  const char separator = language == Language::kEnglish ? ',' : ' ';
  // Work on the magnitude as unsigned so that INT64_MIN has one too.
  uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string digits = std::to_string(magnitude);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3 + 1);
  if (n < 0) out += '-';
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}

}  // namespace keneya::core
