// Invoices and explanations as people read them, in French or English: amounts in francs CFA
// ("2 799 815"), values as the program displays them ("12,5 %"), a text invoice, an
// explanation tree. Numbers and periods in words are io's (io/readable.h), shared by every
// document.
#ifndef KENEYA_FBR_TEXT_H_
#define KENEYA_FBR_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/format.h"
#include "rules/engine.h"
#include "rules/invoice.h"

namespace keneya::fbr {

// Whole francs, grouped: "2 799 815" / "2,799,815".
std::string FormatFrancs(int64_t amount, core::Language language);
// A value as its display says: money (whole francs when whole, else two decimals), a percent
// of a ratio (0.125 -> "12,5 %"), or a number (up to 4 decimals, no trailing zeros).
std::string FormatValue(double value, rules::Display display, core::Language language,
                        int decimals = 4);
std::string FormatValue(const rules::Value& value, rules::Display display, core::Language language);

// What an invoice shows, facility and period aside.
struct InvoiceView {
  std::string number;
  std::string program_code;
  int program_version = 0;
  std::string program_name;
  std::string payment_name;
  std::string period;  // "2024Q1"
  std::string facility_code;
  std::string facility_name;
  std::string district;
  std::string region;
  std::string equity;
  std::vector<rules::InvoiceLine> lines;
  int64_t total = 0;
  // Column titles of each package's activity lines.
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;  // package -> titles
  std::vector<std::pair<std::string, std::vector<rules::Display>>> displays;
  std::vector<std::pair<std::string, std::string>> package_names;  // code -> name
  std::string PackageName(const std::string& code) const {
    for (const auto& [c, name] : package_names) {
      if (c == code) return name;
    }
    return code;
  }
  // A package's column titles (nullptr: a package without invoice columns).
  const std::vector<std::string>* ColumnTitles(const std::string& package) const {
    for (const auto& [code, titles] : columns) {
      if (code == package) return &titles;
    }
    return nullptr;
  }
  // How a package's column i is shown (a number when the program does not say).
  rules::Display ColumnDisplay(const std::string& package, size_t i) const {
    for (const auto& [code, d] : displays) {
      if (code == package && i < d.size()) return d[i];
    }
    return rules::Display::kNumber;
  }
  // What the columns are: for each package, each column's input or activity formula name, the
  // activity formulas among them (those an explanation can open), and the amount column's name.
  struct PackageColumns {
    std::string package;
    std::vector<std::string> names;
    std::vector<bool> formulas;
    std::string amount;
  };
  std::vector<PackageColumns> column_names;
  const PackageColumns* ColumnNames(const std::string& package) const {
    for (const PackageColumns& c : column_names) {
      if (c.package == package) return &c;
    }
    return nullptr;
  }
};

// The column titles and displays of packages' invoices, from the program.
void FillColumns(const rules::Program& program, core::Language language, InvoiceView& view);

std::string InvoiceText(const InvoiceView& invoice, core::Language language);

// Parts of an invoice shared by the text and the PDF: a package's heading ("Quantité — janvier
// 2024"), a subtotal's title ("Sous-total Quantité janvier 2024").
std::string PackageHeading(const InvoiceView& invoice, const std::string& package,
                           const std::string& period, core::Language language);
std::string Subtotal(const std::string& label, const std::string& period, core::Language language);

// The explanation as an indented tree, one value a line:
//   montant = paye * tariff = 185 000
//   ├─ paye = if(ecart > tolerance, 0, verified) = 37
std::string ExplanationText(const rules::CompiledProgram::Explanation& explanation,
                            core::Language language);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_TEXT_H_
