#include "fbr/text.h"

#include <cmath>
#include <cstdio>

#include "core/message.h"
#include "core/period.h"

namespace keneya::fbr {

using core::Language;
using core::Text;

std::string FormatFrancs(int64_t amount, Language language) {
  return core::FormatInteger(amount, language);
}

namespace {

// "12.50" -> "12,5" in French; trailing zeros off.
std::string Decimal(double x, int decimals, Language language) {
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

}  // namespace

std::string FormatValue(double value, rules::Display display, Language language, int decimals) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "∞" : "-∞");
  switch (display) {
    case rules::Display::kMoney:
      if (value == std::trunc(value) && std::fabs(value) < 9e15) {
        return core::FormatInteger(static_cast<int64_t>(value), language);
      }
      return Decimal(value, 2, language);
    case rules::Display::kPercent:
      return Text(language, "fbr.text.percent", {{"value", Decimal(value * 100, 1, language)}});
    default:
      return Decimal(value, decimals, language);
  }
}

std::string FormatValue(const rules::Value& value, rules::Display display, Language language) {
  switch (value.kind) {
    case rules::Value::Kind::kBoolean:
      return Text(language, value.boolean ? "fbr.text.true" : "fbr.text.false");
    case rules::Value::Kind::kArray: {
      // (1 ; 2 ; 3) in French, (1, 2, 3) in English.
      std::string list;
      for (size_t i = 0; i < value.array.size(); ++i) {
        const std::string item = FormatValue(value.array[i], display, language);
        list =
            i == 0 ? item : Text(language, "fbr.text.list_item", {{"list", list}, {"item", item}});
      }
      return "(" + list + ")";
    }
    case rules::Value::Kind::kString:
      return "'" + value.text + "'";
    default:
      return FormatValue(value.number, display, language);
  }
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
  if (negative) words = Text(language, "fbr.text.minus", {{"words", words}});
  // One franc: 0 and 1 in French ("zéro franc"), 1 alone in English ("zero francs").
  const bool one = language == Language::kFrench ? n <= 1 : n == 1;
  return Text(language, one ? "fbr.text.one_franc" : "fbr.text.francs", {{"words", words}});
}

std::string PeriodLabel(const std::string& text, Language language) {
  auto period = core::Period::Parse(text);
  if (!period.ok()) return text;
  static const char* const kMonths[] = {
      "fbr.text.january",   "fbr.text.february", "fbr.text.march",    "fbr.text.april",
      "fbr.text.may",       "fbr.text.june",     "fbr.text.july",     "fbr.text.august",
      "fbr.text.september", "fbr.text.october",  "fbr.text.november", "fbr.text.december"};
  static const char* const kQuarters[] = {"fbr.text.quarter_1", "fbr.text.quarter_2",
                                          "fbr.text.quarter_3", "fbr.text.quarter_4"};
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

void FillColumns(const rules::Program& program, Language language, InvoiceView& view) {
  for (const rules::Package& package : program.packages) {
    std::vector<std::string> titles;
    std::vector<rules::Display> displays;
    const std::vector<std::string>& given =
        language == Language::kEnglish && !package.invoice.titles_en.empty()
            ? package.invoice.titles_en
            : package.invoice.titles;
    for (const std::string& column : package.invoice.columns) {
      std::string title = column;
      rules::Display display = rules::Display::kNumber;
      for (const rules::FormulaSpec& f : package.activity_formulas) {
        if (f.code != column) continue;
        const std::string& label =
            language == Language::kEnglish && !f.label_en.empty() ? f.label_en : f.label;
        if (!label.empty()) title = label;
        display = f.display;
      }
      if (column == "declared") title = Text(language, "fbr.text.column_declared");
      if (column == "verified") title = Text(language, "fbr.text.column_verified");
      if (column == "tariff") {
        title = Text(language, "fbr.text.column_tariff");
        display = rules::Display::kMoney;
      }
      if (titles.size() < given.size()) title = given[titles.size()];
      titles.push_back(title);
      displays.push_back(display);
    }
    view.package_names.push_back(
        {package.code, language == Language::kEnglish && !package.name_en.empty() ? package.name_en
                                                                                  : package.name});
    view.columns.push_back({package.code, titles});
    view.displays.push_back({package.code, displays});
  }
}

namespace {

std::string Pad(const std::string& text, size_t width, bool right = false) {
  return core::PadText(text, width, right);
}

}  // namespace

std::string PackageHeading(const InvoiceView& invoice, const std::string& package,
                           const std::string& period, Language language) {
  return Text(
      language, "fbr.invoice.package_heading",
      {{"package", invoice.PackageName(package)}, {"period", PeriodLabel(period, language)}});
}

std::string Subtotal(const std::string& label, const std::string& period, Language language) {
  return Text(language, "fbr.invoice.subtotal",
              {{"label", label}, {"period", PeriodLabel(period, language)}});
}

std::string InvoiceText(const InvoiceView& v, Language l) {
  const bool fr = l == Language::kFrench;
  std::string out;
  out += Text(l, "fbr.text.invoice_title", {{"number", v.number}}) + "\n";
  out += Text(l, "fbr.invoice.program_line",
              {{"program", v.program_name},
               {"code", v.program_code},
               {"version", v.program_version},
               {"payment", v.payment_name}}) +
         "\n";
  out += Text(l, "fbr.invoice.period_line",
              {{"label", PeriodLabel(v.period, l)}, {"period", v.period}}) +
         "\n";
  out += Text(l, "fbr.text.facility_line", {{"name", v.facility_name}, {"code", v.facility_code}}) +
         "\n";
  out += Text(l, "fbr.text.zone_line",
              {{"district", v.district}, {"region", v.region}, {"equity", v.equity}}) +
         "\n";
  std::string package, period;
  size_t width = 14;  // of the current package's columns
  for (const rules::InvoiceLine& line : v.lines) {
    const std::string& label = fr ? line.label : line.label_en;
    switch (line.kind) {
      case rules::InvoiceLine::Kind::kActivity: {
        if (line.package != package || line.period != period) {
          package = line.package;
          period = line.period;
          out += "\n" + PackageHeading(v, package, period, l) + "\n";
          width = 14;  // wider for long titles ("Points possibles"), up to 20
          if (const std::vector<std::string>* titles = v.ColumnTitles(package)) {
            for (const std::string& t : *titles)
              width = std::max(width, std::min<size_t>(core::TextWidth(t), 20));
            out += Pad(Text(l, "fbr.invoice.column_activity"), 44);
            for (const std::string& t : *titles)
              out += " " + Pad(core::Shorten(t, width), width, true);
            out += "\n";
          }
        }
        out += Pad(core::Shorten(label, 43) + (line.missing ? "*" : ""), 44);
        for (size_t i = 0; i < line.columns.size(); ++i) {
          const rules::Display d = v.ColumnDisplay(package, i);
          out += " " + Pad(i + 1 == line.columns.size() && line.has_amount
                               ? FormatFrancs(line.amount, l)
                               : FormatValue(line.columns[i], d, l),
                           width, true);
        }
        out += "\n";
        break;
      }
      case rules::InvoiceLine::Kind::kSubtotal:
        out += Pad(Subtotal(label, line.period, l), 104) +
               Pad(FormatFrancs(line.amount, l), 15, true) + "\n";
        break;
      case rules::InvoiceLine::Kind::kInfo:
        out += Pad(label, 104) + Pad(FormatValue(line.value, line.display, l, 1), 15, true) + "\n";
        break;
      case rules::InvoiceLine::Kind::kPayment:
      case rules::InvoiceLine::Kind::kEnvelope:
        if (package != "-") {
          out += "\n";
          package = "-";
        }
        out += Pad(core::Shorten(label, 103), 104) + Pad(FormatFrancs(line.amount, l), 15, true) +
               "\n";
        break;
    }
  }
  out += std::string(119, '=') + "\n";
  out +=
      Pad(Text(l, "fbr.text.total_to_pay"), 104) + Pad(FormatFrancs(v.total, l), 15, true) + "\n";
  out += Text(l, "fbr.text.in_words", {{"words", AmountInWords(v.total, l)}}) + "\n";
  bool any_missing = false;
  for (const rules::InvoiceLine& line : v.lines) any_missing = any_missing || line.missing;
  if (any_missing) out += Text(l, "fbr.invoice.missing_note") + "\n";
  return out;
}

namespace {

void Explain(const rules::CompiledProgram::Explanation& e, Language l, const std::string& prefix,
             bool last, bool root, std::string& out) {
  std::string line = root ? "" : prefix + (last ? "└─ " : "├─ ");
  line += e.name;
  if (!e.period.empty()) line += " [" + e.period + "]";
  if (!e.expression.empty()) line += " = " + e.expression;
  line += " = " + FormatValue(e.value, e.display, l);
  // The origin and the label in the reader's language when Keneya writes them.
  const std::string origin = e.origin_text.empty() ? e.origin : core::Render(e.origin_text, l);
  if (!origin.empty()) line += "   (" + origin + ")";
  if (!e.label.empty() && e.label != e.name && e.label.find('.') == std::string::npos &&
      e.label != e.name.substr(e.name.rfind('.') + 1)) {
    line += "   « " + (e.label_text.empty() ? e.label : core::Render(e.label_text, l)) + " »";
  }
  out += line + "\n";
  const std::string child_prefix = root ? "" : prefix + (last ? "   " : "│  ");
  for (size_t i = 0; i < e.inputs.size(); ++i) {
    Explain(e.inputs[i], l, child_prefix, i + 1 == e.inputs.size(), false, out);
  }
}

}  // namespace

std::string ExplanationText(const rules::CompiledProgram::Explanation& e, Language l) {
  std::string out;
  Explain(e, l, "", true, true, out);
  return out;
}

}  // namespace keneya::fbr
