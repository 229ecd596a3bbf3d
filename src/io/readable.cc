#include "io/readable.h"

#include <cstdio>
#include <string>

#include "core/message.h"
#include "core/period.h"

namespace keneya::io {

using core::Language;
using core::Text;

// "12.50" -> "12,5" in French; trailing zeros off.
std::string FormatDecimal(double x, int decimals, Language language) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
  std::string s = buffer;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  const size_t dot = s.find('.');
  std::string integer = s.substr(0, dot);
  const bool negative = !integer.empty() && integer[0] == '-';
  if (negative) integer.erase(0, 1);
  int64_t whole = 0;
  for (char c : integer) whole = whole * 10 + (c - '0');
  std::string out = (negative ? "-" : "") + core::FormatInteger(whole, language);
  if (dot != std::string::npos) {
    out += language == Language::kFrench ? "," : ".";
    out += s.substr(dot + 1);
  }
  return out;
}

namespace {

const char* const kFrenchUnits[] = {"zéro",   "un",    "deux",     "trois",    "quatre",
                                    "cinq",   "six",   "sept",     "huit",     "neuf",
                                    "dix",    "onze",  "douze",    "treize",   "quatorze",
                                    "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"};
const char* const kFrenchTens[] = {
    "",          "dix",      "vingt",    "trente",       "quarante",
    "cinquante", "soixante", "soixante", "quatre-vingt", "quatre-vingt"};

// 0 < n < 100. `last`: nothing follows (quatre-vingts takes its s).
std::string FrenchBelow100(int n, bool last) {
  if (n < 20) return kFrenchUnits[n];
  const int tens = n / 10, units = n % 10;
  if (tens == 7 || tens == 9) {
    // soixante-dix, soixante et onze, quatre-vingt-dix, quatre-vingt-onze...
    const int rest = 10 + units;
    if (tens == 7 && units == 1) return "soixante et onze";
    return std::string(kFrenchTens[tens]) + "-" + kFrenchUnits[rest];
  }
  if (units == 0) return std::string(kFrenchTens[tens]) + (tens == 8 && last ? "s" : "");
  if (units == 1 && tens != 8) return std::string(kFrenchTens[tens]) + " et un";
  return std::string(kFrenchTens[tens]) + "-" + kFrenchUnits[units];
}

// 0 < n < 1000.
std::string FrenchBelow1000(int n, bool last) {
  const int hundreds = n / 100, rest = n % 100;
  std::string out;
  if (hundreds > 0) {
    out = hundreds == 1 ? "cent" : std::string(kFrenchUnits[hundreds]) + " cent";
    if (hundreds > 1 && rest == 0 && last) out += "s";
  }
  if (rest > 0) out += (out.empty() ? "" : " ") + FrenchBelow100(rest, last);
  return out;
}

std::string French(int64_t n) {
  if (n == 0) return "zéro";
  std::string out;
  const struct {
    int64_t size;
    const char* one;
    const char* many;
  } scales[] = {{1'000'000'000'000, "billion", "billions"},
                {1'000'000'000, "milliard", "milliards"},
                {1'000'000, "million", "millions"}};
  for (const auto& scale : scales) {
    const int64_t count = n / scale.size;
    n %= scale.size;
    if (count == 0) continue;
    // Before a noun (millions), vingt and cent keep their s.
    out += (out.empty() ? "" : " ") + French(count) + " " + (count > 1 ? scale.many : scale.one);
  }
  const int thousands = static_cast<int>(n / 1000);
  const int rest = static_cast<int>(n % 1000);
  if (thousands > 0) {
    // mille is invariable, and "un mille" is said "mille"; before it vingt and cent lose the s.
    out += (out.empty() ? "" : " ") +
           (thousands == 1 ? std::string("mille") : FrenchBelow1000(thousands, false) + " mille");
  }
  if (rest > 0) out += (out.empty() ? "" : " ") + FrenchBelow1000(rest, true);
  return out;
}

const char* const kEnglishUnits[] = {"zero",    "one",     "two",       "three",    "four",
                                     "five",    "six",     "seven",     "eight",    "nine",
                                     "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                     "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
const char* const kEnglishTens[] = {"",      "ten",   "twenty",  "thirty", "forty",
                                    "fifty", "sixty", "seventy", "eighty", "ninety"};

std::string EnglishBelow1000(int n) {
  std::string out;
  if (n >= 100) out = std::string(kEnglishUnits[n / 100]) + " hundred";
  n %= 100;
  if (n == 0) return out;
  if (!out.empty()) out += " ";
  if (n < 20) return out + kEnglishUnits[n];
  out += kEnglishTens[n / 10];
  if (n % 10) out += std::string("-") + kEnglishUnits[n % 10];
  return out;
}

std::string English(int64_t n) {
  if (n == 0) return "zero";
  std::string out;
  const struct {
    int64_t size;
    const char* name;
  } scales[] = {{1'000'000'000'000, "trillion"},
                {1'000'000'000, "billion"},
                {1'000'000, "million"},
                {1000, "thousand"}};
  for (const auto& scale : scales) {
    const int64_t count = n / scale.size;
    n %= scale.size;
    if (count == 0) continue;
    out += (out.empty() ? "" : " ") + English(count) + " " + scale.name;
  }
  if (n > 0) out += (out.empty() ? "" : " ") + EnglishBelow1000(static_cast<int>(n));
  return out;
}

}  // namespace

std::string AmountInWords(int64_t amount, Language language) {
  const bool negative = amount < 0;
  const int64_t n = negative ? -amount : amount;
  std::string words = language == Language::kFrench ? French(n) : English(n);
  if (negative) words = Text(language, "io.readable.minus", {{"words", words}});
  // One franc: 0 and 1 in French ("zéro franc"), 1 alone in English ("zero francs").
  const bool one = language == Language::kFrench ? n <= 1 : n == 1;
  return Text(language, one ? "io.readable.one_franc" : "io.readable.francs", {{"words", words}});
}

std::string PeriodLabel(const std::string& text, Language language) {
  auto period = core::Period::Parse(text);
  if (!period.ok()) return text;
  static const char* const kMonths[] = {
      "io.readable.january", "io.readable.february", "io.readable.march",
      "io.readable.april",   "io.readable.may",      "io.readable.june",
      "io.readable.july",    "io.readable.august",   "io.readable.september",
      "io.readable.october", "io.readable.november", "io.readable.december"};
  static const char* const kQuarters[] = {"io.readable.quarter_1", "io.readable.quarter_2",
                                          "io.readable.quarter_3", "io.readable.quarter_4"};
  const int index = period->index();
  switch (period->type()) {
    case core::PeriodType::kMonthly:
      if (index < 1 || index > 12) return text;
      return Text(language, kMonths[index - 1], {{"year", period->year()}});
    case core::PeriodType::kQuarterly:
      if (index < 1 || index > 4) return text;
      return Text(language, kQuarters[index - 1], {{"year", period->year()}});
    default:
      return text;
  }
}

}  // namespace keneya::io
