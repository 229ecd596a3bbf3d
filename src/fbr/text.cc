#include "fbr/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/message.h"
#include "core/period.h"
#include "io/readable.h"

namespace keneya::fbr {

using core::Language;
using core::Text;

std::string FormatFrancs(int64_t amount, Language language) {
  return core::FormatInteger(amount, language);
}

std::string FormatValue(double value, rules::Display display, Language language, int decimals) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "∞" : "-∞");
  switch (display) {
    case rules::Display::kMoney:
      if (value == std::trunc(value) && std::fabs(value) < 9e15) {
        return core::FormatInteger(static_cast<int64_t>(value), language);
      }
      return io::FormatDecimal(value, 2, language);
    case rules::Display::kPercent:
      return Text(language, "fbr.text.percent",
                  {{"value", io::FormatDecimal(value * 100, 1, language)}});
    default:
      return io::FormatDecimal(value, decimals, language);
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

void FillColumns(const rules::Program& program, Language language, InvoiceView& view) {
  for (const rules::Package& package : program.packages) {
    std::vector<std::string> titles;
    std::vector<rules::Display> displays;
    const std::vector<std::string>& given =
        language == Language::kEnglish && !package.invoice.titles_en.empty()
            ? package.invoice.titles_en
            : package.invoice.titles;
    InvoiceView::PackageColumns names{
        package.code, package.invoice.columns, {}, package.invoice.amount};
    for (const std::string& column : package.invoice.columns) {
      std::string title = column;
      rules::Display display = rules::Display::kNumber;
      names.formulas.push_back(
          std::any_of(package.activity_formulas.begin(), package.activity_formulas.end(),
                      [&](const rules::FormulaSpec& f) { return f.code == column; }));
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
    view.column_names.push_back(std::move(names));
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
      {{"package", invoice.PackageName(package)}, {"period", io::PeriodLabel(period, language)}});
}

std::string Subtotal(const std::string& label, const std::string& period, Language language) {
  return Text(language, "fbr.invoice.subtotal",
              {{"label", label}, {"period", io::PeriodLabel(period, language)}});
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
              {{"label", io::PeriodLabel(v.period, l)}, {"period", v.period}}) +
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
  out += Text(l, "fbr.text.in_words", {{"words", io::AmountInWords(v.total, l)}}) + "\n";
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
