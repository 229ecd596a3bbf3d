#include "io/xlsx_workbook.h"

#include <xlsxwriter.h>

#include <array>

#include "core/message.h"

namespace keneya::io {

struct XlsxWorkbook::Impl {
  std::string path;
  lxw_workbook* book = nullptr;
  std::array<lxw_format*, 6> formats{};  // by Style

  lxw_format* Format(Style style) const { return formats[static_cast<size_t>(style)]; }
};

namespace {

lxw_worksheet* AsSheet(void* sheet) { return static_cast<lxw_worksheet*>(sheet); }
lxw_row_t Row(int row) { return static_cast<lxw_row_t>(row); }
lxw_col_t Column(int column) { return static_cast<lxw_col_t>(column); }

}  // namespace

XlsxWorkbook::XlsxWorkbook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

XlsxWorkbook::~XlsxWorkbook() {
  // A workbook not closed (an error on the way) is still written and freed: libxlsxwriter has
  // no other way to free it.
  if (impl_ && impl_->book != nullptr) workbook_close(impl_->book);
}

core::Result<std::unique_ptr<XlsxWorkbook>> XlsxWorkbook::Create(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->book = workbook_new(path.c_str());
  if (impl->book == nullptr) {
    return core::Unavailable(core::Message("io.xlsx.cannot_create"), path);
  }
  lxw_workbook* book = impl->book;
  auto add = [&](Style style) {
    lxw_format* format = workbook_add_format(book);
    impl->formats[static_cast<size_t>(style)] = format;
    return format;
  };
  impl->formats[static_cast<size_t>(Style::kPlain)] = nullptr;
  format_set_bold(add(Style::kBold));
  format_set_num_format(add(Style::kMoney), "#,##0");
  lxw_format* money_bold = add(Style::kMoneyBold);
  format_set_num_format(money_bold, "#,##0");
  format_set_bold(money_bold);
  format_set_num_format(add(Style::kDecimal), "#,##0.####");
  format_set_num_format(add(Style::kPercent), "0.0%");
  return std::unique_ptr<XlsxWorkbook>(new XlsxWorkbook(std::move(impl)));
}

XlsxWorkbook::Sheet XlsxWorkbook::AddSheet(std::string_view name) {
  return Sheet(this, workbook_add_worksheet(impl_->book, std::string(name).c_str()));
}

core::Status XlsxWorkbook::Close() {
  const lxw_error error = workbook_close(impl_->book);
  impl_->book = nullptr;
  if (error != LXW_NO_ERROR) {
    return core::Unavailable(
        core::Message("io.xlsx.cannot_write", {{"detail", lxw_strerror(error)}}), impl_->path);
  }
  return core::OkStatus();
}

void XlsxWorkbook::Sheet::WriteText(int row, int column, std::string_view text, Style style) {
  worksheet_write_string(AsSheet(sheet_), Row(row), Column(column), std::string(text).c_str(),
                         book_->impl_->Format(style));
}

void XlsxWorkbook::Sheet::WriteNumber(int row, int column, double value, Style style) {
  worksheet_write_number(AsSheet(sheet_), Row(row), Column(column), value,
                         book_->impl_->Format(style));
}

void XlsxWorkbook::Sheet::Headings(const std::vector<std::string>& titles, int first_column) {
  for (size_t c = 0; c < titles.size(); ++c) {
    WriteText(0, first_column + static_cast<int>(c), titles[c], Style::kBold);
  }
}

void XlsxWorkbook::Sheet::SetWidth(int first, int last, double width) {
  worksheet_set_column(AsSheet(sheet_), Column(first), Column(last), width, nullptr);
}

void XlsxWorkbook::Sheet::Freeze(int rows, int columns) {
  worksheet_freeze_panes(AsSheet(sheet_), Row(rows), Column(columns));
}

void XlsxWorkbook::Sheet::Filter(int last_row, int last_column) {
  worksheet_autofilter(AsSheet(sheet_), 0, 0, Row(last_row), Column(last_column));
}

}  // namespace keneya::io
