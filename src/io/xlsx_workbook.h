// Spreadsheets for people: an XLSX workbook of sheets with bold headings, amounts in whole
// francs grouped by thousands, decimals and percentages, frozen headings and filters, written
// by libxlsxwriter. Each domain lays out its own sheets (fbr its invoice runs); this is what
// they share.
//
//   KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::XlsxWorkbook> book,
//                           io::XlsxWorkbook::Create("run-12.xlsx"));
//   io::XlsxWorkbook::Sheet sheet = book->AddSheet("Factures");
//   sheet.Headings({"Facture", "Total"});
//   sheet.WriteText(1, 0, "FBR-2024Q1-0001");
//   sheet.WriteNumber(1, 1, 2799815, io::XlsxWorkbook::Style::kMoney);
//   KENEYA_RETURN_IF_ERROR(book->Close());
#ifndef KENEYA_IO_XLSX_WORKBOOK_H_
#define KENEYA_IO_XLSX_WORKBOOK_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keneya::io {

class XlsxWorkbook {
 public:
  enum class Style {
    kPlain,
    kBold,
    kMoney,      // whole number grouped: 2,799,815 (the reader's spreadsheet shows its own)
    kMoneyBold,  // a total
    kDecimal,    // up to 4 decimals
    kPercent,    // a ratio shown as 12.5%
  };

  // One sheet of the workbook; rows and columns count from 0. Valid while the workbook is.
  class Sheet {
   public:
    void WriteText(int row, int column, std::string_view text, Style style = Style::kPlain);
    void WriteNumber(int row, int column, double value, Style style = Style::kPlain);
    // Row 0 in bold, from `first_column` on.
    void Headings(const std::vector<std::string>& titles, int first_column = 0);
    // Widths of columns first..last, in characters.
    void SetWidth(int first, int last, double width);
    // The first `rows` rows and `columns` columns stay in view when scrolling.
    void Freeze(int rows, int columns);
    // Filters on the headings of columns 0..last_column over rows 0..last_row.
    void Filter(int last_row, int last_column);

   private:
    friend class XlsxWorkbook;
    Sheet(XlsxWorkbook* book, void* sheet) : book_(book), sheet_(sheet) {}
    XlsxWorkbook* book_;
    void* sheet_;
  };

  // A workbook to be written at `path` by Close().
  static core::Result<std::unique_ptr<XlsxWorkbook>> Create(const std::string& path);
  ~XlsxWorkbook();
  XlsxWorkbook(const XlsxWorkbook&) = delete;
  XlsxWorkbook& operator=(const XlsxWorkbook&) = delete;

  // A new sheet named `name` (at most 31 characters, as spreadsheets allow).
  Sheet AddSheet(std::string_view name);

  // Writes the file; an error says why (a full disk, a directory that does not exist).
  core::Status Close();

 private:
  struct Impl;
  explicit XlsxWorkbook(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keneya::io

#endif  // KENEYA_IO_XLSX_WORKBOOK_H_
