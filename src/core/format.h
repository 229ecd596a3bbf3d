// Numbers as people read them: French first ("1 140 657 000"), English second ("1,140,657,000").
#ifndef KENEYA_CORE_FORMAT_H_
#define KENEYA_CORE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace keneya::core {

// kPseudo is for tests: every catalogue text wrapped in ⟦ ⟧ (core/message.h).
enum class Language { kFrench, kEnglish, kPseudo };

// "fr" (or anything not English) -> kFrench; "en", "en_US.UTF-8"... -> kEnglish; "qps" -> kPseudo.
Language ParseLanguage(std::string_view text);

// Groups of three digits, separated by a space in French and a comma in English.
std::string FormatInteger(int64_t n, Language language);

// Text in fixed-width columns (console tables), UTF-8 aware: widths count code points.
size_t TextWidth(std::string_view text);
// `text` filled with spaces to `width`, on the right (or on the left: right-aligned).
std::string PadText(std::string_view text, size_t width, bool right_aligned = false);
// At most `width` code points: a longer text is cut and ends with "…".
std::string Shorten(std::string_view text, size_t width);

}  // namespace keneya::core

#endif  // KENEYA_CORE_FORMAT_H_
