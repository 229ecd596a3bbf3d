#include "core/format.h"

namespace keneya::core {

Language ParseLanguage(std::string_view text) {
  if (text == "qps") return Language::kPseudo;
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

size_t TextWidth(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string PadText(std::string_view text, size_t width, bool right_aligned) {
  const size_t length = TextWidth(text);
  if (length >= width) return std::string(text);
  const std::string fill(width - length, ' ');
  return right_aligned ? fill + std::string(text) : std::string(text) + fill;
}

std::string Shorten(std::string_view text, size_t width) {
  if (TextWidth(text) <= width) return std::string(text);
  size_t length = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (length + 1 == width) return std::string(text.substr(0, i)) + "…";
    ++length;
  }
  return std::string(text);
}

}  // namespace keneya::core
