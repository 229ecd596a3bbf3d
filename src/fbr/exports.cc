#include "fbr/exports.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/csv.h"
#include "fbr/invoice_json.h"
#include "fbr/resolver.h"
#include "fbr/text.h"
#include "io/data_value_set_writer.h"
#include "io/equations_json.h"
#include "io/pdf_document.h"
#include "io/readable.h"
#include "io/xlsx_workbook.h"
#include "rules/invoice.h"

namespace keneya::fbr {

using core::Language;
using core::Result;

namespace {

std::string KindLabel(rules::InvoiceLine::Kind kind, Language l) {
  switch (kind) {
    case rules::InvoiceLine::Kind::kActivity:
      return core::Text(l, "fbr.export.kind_activity");
    case rules::InvoiceLine::Kind::kSubtotal:
      return core::Text(l, "fbr.export.kind_subtotal");
    case rules::InvoiceLine::Kind::kInfo:
      return core::Text(l, "fbr.export.kind_info");
    case rules::InvoiceLine::Kind::kPayment:
      return core::Text(l, "fbr.export.kind_payment");
    case rules::InvoiceLine::Kind::kEnvelope:
      return core::Text(l, "fbr.export.kind_envelope");
  }
  return "";
}

// The file cannot be written: a missing directory, a full disk.
core::Error CannotWrite(const std::string& path) {
  return core::Unavailable(core::Message("fbr.export.cannot_write_file"), path);
}

std::string Number(double x) { return io::GoNumber(x); }

struct Loaded {
  std::vector<store::InvoiceRecord> records;
  std::vector<InvoiceView> views;
  std::vector<std::string> missing;    // codes
  std::vector<std::string> suspended;  // codes: contract suspended for the period
  bool superseded = false;             // the run was computed again since
};

Result<Loaded> Load(store::Store& store, const Resolver& resolver, const StoredRun& run,
                    const ExportOptions& options) {
  Loaded out;
  out.superseded = run.run.status == "superseded";
  if (options.include) {
    // A part of the run: the list first (without lines), then the included invoices alone.
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> listed,
                            store.InvoiceList(run.run.id, 0));
    for (const store::InvoiceRecord& row : listed) {
      if (!options.include(row.org_unit)) continue;
      KENEYA_ASSIGN_OR_RETURN(std::optional<store::InvoiceRecord> invoice,
                              store.GetInvoice(row.number));
      if (invoice) out.records.push_back(*std::move(invoice));
    }
  } else {
    KENEYA_ASSIGN_OR_RETURN(out.records, store.Invoices(run.run.id));
  }
  int64_t done = 0;
  for (const store::InvoiceRecord& record : out.records) {
    KENEYA_ASSIGN_OR_RETURN(InvoiceView view, ViewOf(run, record, options.language));
    out.views.push_back(std::move(view));
    if (options.progress && ++done % 200 == 0) {
      options.progress({"read invoices", done, static_cast<int64_t>(out.records.size())});
    }
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> missing, store.MissingFacilities(run.run.id));
  KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> suspended, store.SuspendedFacilities(run.run.id));
  for (const auto& [ids, codes] :
       {std::pair{&missing, &out.missing}, std::pair{&suspended, &out.suspended}}) {
    for (int32_t id : *ids) {
      if (options.include && !options.include(id)) continue;
      const core::OrgUnit* unit = resolver.OrgUnitById(id);
      codes->push_back(unit ? (unit->code.empty() ? unit->uid : unit->code) : std::to_string(id));
    }
  }
  return out;
}

std::string Name(const Resolver& resolver, const std::string& code) {
  const core::OrgUnit* unit = resolver.OrgUnit(code);
  return unit ? unit->name : code;
}

// The packages' invoice columns (declared, verified, tariff, points...), each once, by title:
// a column each in the CSV and the workbook. A line fills those of its package.
std::vector<std::string> ColumnTitles(const Loaded& data) {
  std::vector<std::string> titles;
  if (data.views.empty()) return titles;
  for (const auto& [package, package_titles] : data.views.front().columns) {
    for (const std::string& title : package_titles) {
      if (std::find(titles.begin(), titles.end(), title) == titles.end()) titles.push_back(title);
    }
  }
  return titles;
}

// Where each of a line's columns goes among `titles` (SIZE_MAX: nowhere).
std::vector<size_t> ColumnPlaces(const InvoiceView& v, const rules::InvoiceLine& line,
                                 const std::vector<std::string>& titles) {
  std::vector<size_t> places(line.columns.size(), SIZE_MAX);
  const std::vector<std::string>* package_titles = v.ColumnTitles(line.package);
  for (size_t i = 0; package_titles && i < line.columns.size() && i < package_titles->size(); ++i) {
    places[i] = static_cast<size_t>(std::find(titles.begin(), titles.end(), (*package_titles)[i]) -
                                    titles.begin());
  }
  return places;
}

// ---- CSV ----

// Column titles, each in the reader's language.
std::vector<std::string> Texts(Language l, std::initializer_list<std::string_view> ids) {
  std::vector<std::string> out;
  for (std::string_view id : ids) out.push_back(core::Text(l, id));
  return out;
}

Result<ExportResult> WriteCsv(const Loaded& data, const ExportOptions& o) {
  const Language l = o.language;
  std::ofstream out(o.path, std::ios::binary);
  if (!out) return CannotWrite(o.path);
  const std::vector<std::string> titles = ColumnTitles(data);
  out << core::Text(l, "fbr.export.csv_header");
  for (const std::string& title : titles) out << "," << core::CsvField(title);
  out << "," << core::Text(l, "fbr.export.csv_header_end") << "\n";
  const std::string no_columns(titles.size(), ',');
  for (const InvoiceView& v : data.views) {
    const std::string head = core::CsvField(v.number) + "," + core::CsvField(v.facility_code) +
                             "," + core::CsvField(v.facility_name) + "," +
                             core::CsvField(v.district) + "," + core::CsvField(v.region) + "," +
                             v.period + ",";
    for (const rules::InvoiceLine& line : v.lines) {
      std::vector<std::string> cells(titles.size());
      const std::vector<size_t> places = ColumnPlaces(v, line, titles);
      for (size_t i = 0; i < places.size(); ++i) {
        if (places[i] < cells.size()) cells[places[i]] = Number(line.columns[i]);
      }
      out << head << KindLabel(line.kind, l) << "," << core::CsvField(line.package) << ","
          << line.period << "," << core::CsvField(line.code) << ","
          << core::CsvField(l == Language::kFrench ? line.label : line.label_en);
      for (const std::string& cell : cells) out << "," << cell;
      out << "," << (line.missing ? "1" : "0") << ","
          << (line.has_amount ? std::to_string(line.amount) : "") << ","
          << (line.kind == rules::InvoiceLine::Kind::kInfo ? Number(line.value) : "") << "\n";
    }
    out << head << core::Text(l, "fbr.export.kind_total") << ",,,,"
        << core::CsvField(core::Text(
               l, data.superseded ? "fbr.export.csv_total_superseded" : "fbr.export.csv_total"))
        << no_columns << ",0," << v.total << ",\n";
  }
  if (!out.flush()) return CannotWrite(o.path);
  return ExportResult{static_cast<int64_t>(data.views.size()), 0, o.path};
}

// ---- XLSX ----

Result<ExportResult> WriteXlsx(const Loaded& data, const Resolver& resolver, const StoredRun& run,
                               const ExportOptions& o) {
  const Language l = o.language;
  using Style = io::XlsxWorkbook::Style;
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::XlsxWorkbook> book, io::XlsxWorkbook::Create(o.path));

  // Invoices: one a row, a column per package subtotal and payment line, headed by its label
  // ("Quantité juillet 2024", "Bonus qualité").
  std::vector<std::string> subtotal_columns, payment_columns, subtotal_titles, payment_titles;
  for (const InvoiceView& v : data.views) {
    for (const rules::InvoiceLine& line : v.lines) {
      const bool subtotal = line.kind == rules::InvoiceLine::Kind::kSubtotal;
      const std::string key = subtotal ? line.package + " " + line.period
                              : line.kind == rules::InvoiceLine::Kind::kPayment ? line.code
                                                                                : "";
      auto& list = subtotal ? subtotal_columns : payment_columns;
      if (key.empty() || std::find(list.begin(), list.end(), key) != list.end()) continue;
      list.push_back(key);
      const std::string& label =
          l == Language::kEnglish && !line.label_en.empty() ? line.label_en : line.label;
      if (subtotal) {
        subtotal_titles.push_back(core::Text(l, "fbr.export.subtotal_title",
                                             {{"package", v.PackageName(line.package)},
                                              {"period", io::PeriodLabel(line.period, l)}}));
      } else {
        payment_titles.push_back(label.empty() ? line.code : label);
      }
    }
  }
  io::XlsxWorkbook::Sheet sheet = book->AddSheet(core::Text(l, "fbr.export.sheet_invoices"));
  std::vector<std::string> headers = Texts(
      l, {"fbr.export.column_invoice", "fbr.export.column_facility", "fbr.export.column_name",
          "fbr.export.column_district", "fbr.export.column_region", "fbr.export.column_equity"});
  for (const std::string& s : subtotal_titles) headers.push_back(s);
  for (const std::string& p : payment_titles) headers.push_back(p);
  headers.push_back(core::Text(l, "fbr.export.column_cut"));
  headers.push_back(core::Text(l, "fbr.export.column_total"));
  sheet.Headings(headers);
  int row = 1;
  for (const InvoiceView& v : data.views) {
    sheet.WriteText(row, 0, v.number);
    sheet.WriteText(row, 1, v.facility_code);
    sheet.WriteText(row, 2, v.facility_name);
    sheet.WriteText(row, 3, Name(resolver, v.district));
    sheet.WriteText(row, 4, Name(resolver, v.region));
    sheet.WriteText(row, 5, v.equity);
    int64_t cut = 0;
    for (const rules::InvoiceLine& line : v.lines) {
      if (line.kind == rules::InvoiceLine::Kind::kSubtotal) {
        const auto at = std::find(subtotal_columns.begin(), subtotal_columns.end(),
                                  line.package + " " + line.period);
        sheet.WriteNumber(row, static_cast<int>(6 + (at - subtotal_columns.begin())),
                          static_cast<double>(line.amount), Style::kMoney);
      } else if (line.kind == rules::InvoiceLine::Kind::kPayment) {
        const auto at = std::find(payment_columns.begin(), payment_columns.end(), line.code);
        sheet.WriteNumber(
            row, static_cast<int>(6 + subtotal_columns.size() + (at - payment_columns.begin())),
            static_cast<double>(line.amount), Style::kMoney);
      } else if (line.kind == rules::InvoiceLine::Kind::kEnvelope) {
        cut += line.amount;
      }
    }
    const int last = static_cast<int>(headers.size() - 1);
    sheet.WriteNumber(row, last - 1, static_cast<double>(cut), Style::kMoney);
    sheet.WriteNumber(row, last, static_cast<double>(v.total), Style::kMoneyBold);
    ++row;
  }
  sheet.Freeze(1, 2);
  sheet.Filter(row > 1 ? row - 1 : 1, static_cast<int>(headers.size() - 1));
  sheet.SetWidth(0, 0, 26);
  sheet.SetWidth(1, 1, 32);
  sheet.SetWidth(2, 2, 40);
  sheet.SetWidth(3, 5, 22);
  sheet.SetWidth(6, static_cast<int>(headers.size() - 1), 16);

  // Every line.
  io::XlsxWorkbook::Sheet lines = book->AddSheet(core::Text(l, "fbr.export.sheet_lines"));
  const std::vector<std::string> line_headers =
      Texts(l, {"fbr.export.column_invoice", "fbr.export.column_facility", "fbr.export.column_kind",
                "fbr.export.column_package", "fbr.export.column_period", "fbr.export.column_code",
                "fbr.export.column_label", "fbr.export.column_not_reported",
                "fbr.export.column_amount", "fbr.export.column_value"});
  lines.Headings(line_headers);
  const std::vector<std::string> titles = ColumnTitles(data);
  lines.Headings(titles, static_cast<int>(line_headers.size()));
  row = 1;
  for (const InvoiceView& v : data.views) {
    for (const rules::InvoiceLine& line : v.lines) {
      lines.WriteText(row, 0, v.number);
      lines.WriteText(row, 1, v.facility_code);
      lines.WriteText(row, 2, KindLabel(line.kind, l));
      lines.WriteText(row, 3, line.package);
      lines.WriteText(row, 4, line.period);
      lines.WriteText(row, 5, line.code);
      lines.WriteText(row, 6, (l == Language::kFrench ? line.label : line.label_en));
      if (line.missing) lines.WriteText(row, 7, "*");
      if (line.has_amount)
        lines.WriteNumber(row, 8, static_cast<double>(line.amount), Style::kMoney);
      if (line.kind == rules::InvoiceLine::Kind::kInfo)
        lines.WriteNumber(row, 9, line.value,
                          line.value == std::floor(line.value) ? Style::kMoney : Style::kDecimal);
      const std::vector<size_t> places = ColumnPlaces(v, line, titles);
      for (size_t k = 0; k < places.size(); ++k) {
        if (places[k] >= titles.size()) continue;
        const double x = line.columns[k];
        const rules::Display d = v.ColumnDisplay(line.package, k);
        // Whole numbers without a decimal point; a ratio shown as a percentage.
        const Style style = d == rules::Display::kPercent ? Style::kPercent
                            : x == std::floor(x)          ? Style::kMoney
                                                          : Style::kDecimal;
        lines.WriteNumber(row, static_cast<int>(line_headers.size() + places[k]), x, style);
      }
      ++row;
    }
  }
  lines.Freeze(1, 0);
  lines.SetWidth(0, 1, 26);
  lines.SetWidth(6, 6, 50);

  // Totals by region and district.
  io::XlsxWorkbook::Sheet zones = book->AddSheet(core::Text(l, "fbr.export.sheet_regions"));
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>>
      totals;  // region -> district -> (n, total)
  for (const InvoiceView& v : data.views) {
    auto& t = totals[v.region][v.district];
    ++t.first;
    t.second += v.total;
  }
  const std::vector<std::string> zone_headers =
      Texts(l, {"fbr.export.column_region", "fbr.export.column_district",
                "fbr.export.column_invoices", "fbr.export.column_total_fcfa"});
  zones.Headings(zone_headers);
  row = 1;
  int64_t grand = 0;
  for (const auto& [region, districts] : totals) {
    int64_t region_total = 0, region_count = 0;
    for (const auto& [district, t] : districts) {
      zones.WriteText(row, 0, Name(resolver, region));
      zones.WriteText(row, 1, Name(resolver, district));
      zones.WriteNumber(row, 2, static_cast<double>(t.first));
      zones.WriteNumber(row, 3, static_cast<double>(t.second), Style::kMoney);
      region_total += t.second;
      region_count += t.first;
      ++row;
    }
    zones.WriteText(row, 0,
                    core::Text(l, "fbr.export.region_total", {{"region", Name(resolver, region)}}),
                    Style::kBold);
    zones.WriteNumber(row, 2, static_cast<double>(region_count), Style::kBold);
    zones.WriteNumber(row, 3, static_cast<double>(region_total), Style::kMoneyBold);
    grand += region_total;
    ++row;
  }
  zones.WriteText(row, 0, core::Text(l, "fbr.export.grand_total"), Style::kBold);
  zones.WriteNumber(row, 3, static_cast<double>(grand), Style::kMoneyBold);
  zones.SetWidth(0, 1, 36);
  zones.SetWidth(2, 3, 18);

  // Contracts without an invoice, and why.
  io::XlsxWorkbook::Sheet missing = book->AddSheet(core::Text(l, "fbr.export.sheet_no_invoice"));
  const std::vector<std::string> missing_headers = Texts(
      l, {"fbr.export.column_facility", "fbr.export.column_name", "fbr.export.column_reason"});
  missing.Headings(missing_headers);
  row = 1;
  for (const auto& [codes, reason] :
       {std::pair{&data.missing, core::Text(l, "fbr.export.reason_no_report")},
        std::pair{&data.suspended, core::Text(l, "fbr.export.reason_suspended")}}) {
    for (const std::string& code : *codes) {
      missing.WriteText(row, 0, code);
      missing.WriteText(row, 1, Name(resolver, code));
      missing.WriteText(row, 2, reason);
      ++row;
    }
  }
  missing.SetWidth(0, 1, 40);
  missing.SetWidth(2, 2, 22);

  io::XlsxWorkbook::Sheet about = book->AddSheet(core::Text(l, "fbr.export.sheet_run"));
  // A part of the run (what a user may read of it) shows its own total, never the run's.
  const bool partial = static_cast<bool>(o.include);
  int64_t exported_total = 0;
  for (const store::InvoiceRecord& record : data.records) exported_total += record.total;
  if (!partial) exported_total = run.run.total;
  const std::string period = core::Period::FromCode(run.run.period)->ToString();
  const std::vector<std::pair<std::string, std::string>> facts = {
      {core::Text(l, "fbr.export.fact_program"),
       core::Text(l, "fbr.export.program_version",
                  {{"program", run.program.code}, {"version", run.program.version}})},
      {core::Text(l, "fbr.export.fact_payment"), run.run.payment_code},
      {core::Text(l, "fbr.export.fact_period"), period},
      {core::Text(l, "fbr.export.fact_status"),
       core::Text(l, data.superseded ? "fbr.export.status_superseded" : "fbr.export.status_draft")},
      // Who computed the run is the national unit's business, not a facility's.
      {core::Text(l, "fbr.export.fact_computed_by"),
       partial ? std::string("-") : run.run.created_by},
      {core::Text(l, "fbr.export.fact_computed_on"), core::FormatTimestamp(run.run.created)}};
  row = 0;
  for (const auto& [k, v] : facts) {
    about.WriteText(row, 0, k, Style::kBold);
    about.WriteText(row, 1, v);
    ++row;
  }
  const std::vector<std::pair<std::string, std::pair<double, Style>>> numbers = {
      {core::Text(l, "fbr.export.fact_run"), {static_cast<double>(run.run.id), Style::kPlain}},
      {core::Text(l, "fbr.export.fact_invoices"),
       {static_cast<double>(data.views.size()), Style::kMoney}},
      {core::Text(l, "fbr.export.fact_no_report"),
       {static_cast<double>(data.missing.size()), Style::kMoney}},
      {core::Text(l, "fbr.export.fact_suspended"),
       {static_cast<double>(data.suspended.size()), Style::kMoney}},
      {core::Text(l, "fbr.export.column_total_fcfa"),
       {static_cast<double>(exported_total), Style::kMoneyBold}}};
  for (const auto& [k, v] : numbers) {
    about.WriteText(row, 0, k, Style::kBold);
    about.WriteNumber(row, 1, v.first, v.second);
    ++row;
  }
  about.SetWidth(0, 1, 30);
  KENEYA_RETURN_IF_ERROR(book->Close());
  return ExportResult{static_cast<int64_t>(data.views.size()), 0, o.path};
}

// ---- PDF ----

class PdfWriter {
 public:
  PdfWriter(io::PdfDocument& pdf, Language l, bool superseded)
      : pdf_(pdf), l_(l), superseded_(superseded) {}

  void Invoice(const InvoiceView& v, const Resolver& resolver) {
    v_ = &v;
    resolver_ = &resolver;
    page_number_ = 0;
    NewPage();
    std::string package, period;
    for (const rules::InvoiceLine& line : v.lines) {
      const std::string label = l_ == Language::kFrench ? line.label : line.label_en;
      switch (line.kind) {
        case rules::InvoiceLine::Kind::kActivity: {
          if (line.package != package || line.period != period) {
            package = line.package;
            period = line.period;
            Need(40);
            y_ -= 8;
            Text(kLeft, y_, bold_, 10, PackageHeading(v, package, period, l_));
            y_ -= 14;
            ColumnTitles(package);
          }
          if (Need(12)) {  // a table cut by the page: its title and column titles again
            Text(kLeft, y_, bold_, 10,
                 core::Text(l_, "fbr.export.pdf_continued",
                            {{"heading", PackageHeading(v, package, period, l_)}}));
            y_ -= 14;
            ColumnTitles(package);
          }
          Text(kLeft, y_, font_, 8, Fit(label + (line.missing ? " *" : ""), 230, 8));
          for (size_t i = 0; i < line.columns.size(); ++i) {
            const rules::Display d = v.ColumnDisplay(package, i);
            const std::string text = i + 1 == line.columns.size() && line.has_amount
                                         ? FormatFrancs(line.amount, l_)
                                         : FormatValue(line.columns[i], d, l_);
            Right(ColumnRight(i, line.columns.size()), y_, font_, 8, text);
          }
          y_ -= 11;
          break;
        }
        case rules::InvoiceLine::Kind::kSubtotal:
          Need(14);
          Rule(y_ + 10);  // above the cap height of the 9-point DejaVu text
          Text(kLeft, y_, bold_, 9, Subtotal(label, line.period, l_));
          Right(kRight, y_, bold_, 9, FormatFrancs(line.amount, l_));
          y_ -= 14;
          break;
        case rules::InvoiceLine::Kind::kInfo:
          Need(12);
          Text(kLeft, y_, font_, 9, label);
          Right(kRight, y_, font_, 9, FormatValue(line.value, line.display, l_, 1));
          y_ -= 12;
          break;
        case rules::InvoiceLine::Kind::kPayment:
        case rules::InvoiceLine::Kind::kEnvelope:
          if (package != "-") {
            // The payment lines stay on the page of the total and the signatures.
            int rest = 0;
            for (const rules::InvoiceLine& other : v.lines) {
              rest += other.kind == rules::InvoiceLine::Kind::kPayment ||
                      other.kind == rules::InvoiceLine::Kind::kEnvelope;
            }
            Need(8 + 13.0f * static_cast<float>(rest) + kClosingHeight);
            y_ -= 8;
            package = "-";
          }
          Need(14);
          Text(kLeft, y_, font_, 9, Fit(label, 380, 9));
          Right(kRight, y_, font_, 9, FormatFrancs(line.amount, l_));
          y_ -= 13;
          break;
      }
    }
    Need(kClosingHeight);
    y_ -= 6;
    pdf_.SetLineWidth(1.2);
    Rule(y_ + 10);
    Text(kLeft, y_ - 4, bold_, 11, core::Text(l_, "fbr.export.pdf_total_to_pay"));
    Right(kRight, y_ - 4, bold_, 11,
          core::Text(l_, "fbr.export.pdf_fcfa", {{"amount", FormatFrancs(v.total, l_)}}));
    pdf_.SetLineWidth(0.5);
    y_ -= 22;
    for (const std::string& words : Wrap(
             core::Text(l_, "fbr.export.pdf_in_words", {{"words", io::AmountInWords(v.total, l_)}}),
             480, 9)) {
      Text(kLeft, y_, font_, 9, words);
      y_ -= 12;
    }
    bool any_missing = false;
    for (const rules::InvoiceLine& line : v.lines) any_missing = any_missing || line.missing;
    if (any_missing) {
      Text(kLeft, y_, font_, 7, core::Text(l_, "fbr.invoice.missing_note"));
      y_ -= 10;
    }
    // Signature blocks.
    y_ -= 16;
    const std::string blocks[] = {core::Text(l_, "fbr.export.pdf_sign_facility"),
                                  core::Text(l_, "fbr.export.pdf_sign_verifier"),
                                  core::Text(l_, "fbr.export.pdf_sign_coordinator")};
    for (int b = 0; b < 3; ++b) {
      const float x = kLeft + static_cast<float>(b) * 172;
      pdf_.Rectangle(x, y_ - 62, 160, 72);
      // The title on up to two lines (in bold), then where to sign.
      float line_y = y_;
      const std::vector<std::string> title = pdf_.Wrap(blocks[b], 150, bold_, 8);
      for (size_t k = 0; k < title.size() && k < 2; ++k) {
        Text(x + 5, line_y, bold_, 8, title[k]);
        line_y -= 10;
      }
      Text(x + 5, line_y - 4, font_, 7, core::Text(l_, "fbr.export.pdf_sign_here"));
    }
  }

 private:
  static constexpr float kLeft = 40, kRight = 555, kTop = 800, kBottom = 50;
  static constexpr float kColumnTitleWidth = 60;  // of a column 64 points wide
  // The total, the amount in words and the signature blocks.
  static constexpr float kClosingHeight = 150;

  void NewPage() {
    pdf_.NewPage();
    ++page_number_;
    y_ = kTop;
    const InvoiceView& v = *v_;
    Text(kLeft, y_, bold_, 14, core::Text(l_, "fbr.export.pdf_title", {{"number", v.number}}));
    Right(kRight, y_, font_, 8, core::Text(l_, "fbr.export.pdf_page", {{"page", page_number_}}));
    if (superseded_) {
      Right(kRight, y_ - 12, bold_, 10, core::Text(l_, "fbr.export.pdf_superseded"));
    }
    y_ -= 18;
    Text(kLeft, y_, font_, 9,
         core::Text(l_, "fbr.invoice.program_line",
                    {{"program", v.program_name},
                     {"code", v.program_code},
                     {"version", v.program_version},
                     {"payment", v.payment_name}}));
    y_ -= 13;
    Text(kLeft, y_, font_, 9,
         core::Text(l_, "fbr.invoice.period_line",
                    {{"label", io::PeriodLabel(v.period, l_)}, {"period", v.period}}));
    y_ -= 13;
    Text(kLeft, y_, bold_, 10, v.facility_name + " (" + v.facility_code + ")");
    y_ -= 13;
    Text(kLeft, y_, font_, 9,
         core::Text(l_, "fbr.export.pdf_zone_line",
                    {{"district", Name(*resolver_, v.district)},
                     {"region", Name(*resolver_, v.region)},
                     {"equity", v.equity}}));
    y_ -= 10;
    Rule(y_);
    y_ -= 14;
    if (page_number_ > 1) {
      Text(kLeft, y_, font_, 8, core::Text(l_, "fbr.export.pdf_continued_page"));
      y_ -= 12;
    }
  }

  // Starts a new page unless `height` fits on this one; says whether it did.
  bool Need(float height) {
    if (y_ - height >= kBottom) return false;
    NewPage();
    return true;
  }

  void ColumnTitles(const std::string& package) {
    const std::vector<std::string>* titles = v_->ColumnTitles(package);
    if (titles == nullptr) return;
    Text(kLeft, y_, bold_, 7, core::Text(l_, "fbr.invoice.column_activity"));
    for (size_t i = 0; i < titles->size(); ++i) {
      // DejaVu is wider than the base fonts: a title too long at 7 points is set at 6, then
      // cut, so that neighbouring titles never run together.
      const std::string& title = (*titles)[i];
      const float size = pdf_.Width(title, bold_, 7) <= kColumnTitleWidth ? 7 : 6;
      Right(ColumnRight(i, titles->size()), y_, bold_, size,
            pdf_.Fit(title, kColumnTitleWidth, bold_, size));
    }
    y_ -= 11;
  }

  static float ColumnRight(size_t i, size_t count) {
    const float width = 64;
    return kRight - width * static_cast<float>(count - 1 - i);
  }

  void Text(float x, float y, io::PdfFont font, float size, const std::string& text) {
    pdf_.Text(x, y, font, size, text);
  }

  void Right(float x, float y, io::PdfFont font, float size, const std::string& text) {
    pdf_.TextRight(x, y, font, size, text);
  }

  void Rule(float y) { pdf_.Line(kLeft, y, kRight, y); }

  std::string Fit(const std::string& text, float width, float size) {
    return pdf_.Fit(text, width, io::PdfFont::kRegular, size);
  }

  std::vector<std::string> Wrap(const std::string& text, float width, float size) {
    return pdf_.Wrap(text, width, io::PdfFont::kRegular, size);
  }

  static constexpr io::PdfFont font_ = io::PdfFont::kRegular;
  static constexpr io::PdfFont bold_ = io::PdfFont::kBold;

  io::PdfDocument& pdf_;
  Language l_;
  bool superseded_ = false;
  const InvoiceView* v_ = nullptr;
  const Resolver* resolver_ = nullptr;
  float y_ = kTop;
  int page_number_ = 0;
};

Result<ExportResult> WritePdf(const Loaded& data, const Resolver& resolver,
                              const ExportOptions& o) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::PdfDocument> pdf, io::PdfDocument::Create());
  PdfWriter writer(*pdf, o.language, data.superseded);
  int64_t done = 0;
  for (const InvoiceView& v : data.views) {
    writer.Invoice(v, resolver);
    if (o.progress && ++done % 100 == 0)
      o.progress({"export invoices", done, static_cast<int64_t>(data.views.size())});
  }
  KENEYA_RETURN_IF_ERROR(pdf->Save(o.path));
  return ExportResult{static_cast<int64_t>(data.views.size()), 0, o.path};
}

// ---- DHIS2 ----

}  // namespace

Result<int64_t> RunResultValues(store::Store& store, const Resolver& resolver, const StoredRun& run,
                                const store::ProgressFn& progress,
                                const std::function<void(const io::Dhis2DataValue&)>& each) {
  const rules::Program& program = run.compiled().program();
  const rules::PaymentRule& rule = program.payments[static_cast<size_t>(run.payment)];
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(run.run.period));
  // What is mapped: (package or -1, formula code, data element).
  struct Mapping {
    int package;
    std::string formula;
    const core::DataElement* element;
  };
  std::vector<Mapping> mappings;
  std::vector<std::string> unknown;
  auto element_of = [&](const std::string& name) {
    const core::DataElement* e = resolver.DataElement(name);
    if (e == nullptr) unknown.push_back(name);
    return e;
  };
  for (const std::string& code : rule.packages) {
    const int k = run.compiled().PackageIndex(code);
    for (const rules::FormulaSpec& f : program.packages[static_cast<size_t>(k)].formulas) {
      if (!f.dhis2_data_element.empty())
        mappings.push_back({k, f.code, element_of(f.dhis2_data_element)});
    }
  }
  for (const rules::FormulaSpec& f : rule.formulas) {
    if (!f.dhis2_data_element.empty())
      mappings.push_back({-1, f.code, element_of(f.dhis2_data_element)});
  }
  const core::DataElement* total_element =
      rule.dhis2_total.empty() ? nullptr : element_of(rule.dhis2_total);
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "" : ", ") + u;
    return core::NotFound(
        core::Message("fbr.export.unknown_data_elements", {{"data_elements", list}}), "dhis2");
  }
  if (mappings.empty() && total_element == nullptr) {
    return core::FailedPrecondition(core::Message("fbr.export.nothing_mapped"));
  }
  const core::CategoryOptionCombo* coc =
      resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid);
  const std::string default_coc =
      coc ? coc->uid : std::string(core::kDefaultCategoryOptionComboUid);
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> records, store.Invoices(run.run.id));
  int64_t values = 0, done = 0;
  for (const store::InvoiceRecord& record : records) {
    KENEYA_ASSIGN_OR_RETURN(Snapshot snapshot, SnapshotOf(record));
    KENEYA_ASSIGN_OR_RETURN(rules::RunInputs inputs,
                            InputsFromSnapshot(run.compiled(), run.payment, period, snapshot));
    rules::RunOptions options;
    options.threads = 1;
    options.zone_values = snapshot.zones;
    KENEYA_ASSIGN_OR_RETURN(rules::RunResult result,
                            run.compiled().Run(run.payment, inputs, options));
    auto write = [&](const core::DataElement* element, const std::string& pe,
                     const std::string& value) {
      io::Dhis2DataValue v;
      v.data_element = element->uid;
      v.period = pe;
      v.org_unit = snapshot.facility.uid;
      v.category_option_combo = default_coc;
      v.attribute_option_combo = default_coc;
      v.value = value;
      each(v);
      ++values;
    };
    for (const Mapping& m : mappings) {
      const rules::FormulaSpec* spec = nullptr;
      const auto& specs = m.package >= 0 ? program.packages[static_cast<size_t>(m.package)].formulas
                                         : rule.formulas;
      for (const rules::FormulaSpec& f : specs) {
        if (f.code == m.formula) spec = &f;
      }
      auto format = [&](double x) {
        return spec != nullptr && spec->display == rules::Display::kMoney
                   ? std::to_string(rules::RoundFrancs(x))
                   : io::GoNumber(x);
      };
      if (m.package < 0) {
        write(m.element, period.ToString(),
              format(result.Value(run.compiled().FindPaymentFormula(run.payment, m.formula), 0)));
        continue;
      }
      KENEYA_ASSIGN_OR_RETURN(std::vector<core::Period> periods,
                              run.compiled().InstancePeriods(run.payment, m.package, period));
      for (int k = 0; k < static_cast<int>(periods.size()); ++k) {
        const rules::SlotId slot =
            run.compiled().FindPackageValue(run.payment, m.package, k, m.formula);
        write(m.element, periods[static_cast<size_t>(k)].ToString(), format(result.Value(slot, 0)));
      }
    }
    if (total_element != nullptr)
      write(total_element, period.ToString(), std::to_string(record.total));
    if (progress && ++done % 200 == 0) {
      progress({"export invoices", done, static_cast<int64_t>(records.size())});
    }
  }
  return values;
}

namespace {

Result<ExportResult> WriteDhis2(store::Store& store, const Resolver& resolver, const StoredRun& run,
                                const ExportOptions& o) {
  std::ofstream file(o.path, std::ios::binary);
  if (!file) return CannotWrite(o.path);
  auto writer = io::DataValueSetWriter::Create(io::DataFormat::kJson, file);
  io::DataValueSetHeader header;
  writer->Begin(header);
  KENEYA_ASSIGN_OR_RETURN(
      int64_t values,
      RunResultValues(store, resolver, run, o.progress, [&](const io::Dhis2DataValue& v) {
        io::OutputDataValue out;
        out.data_element = v.data_element;
        out.period = v.period;
        out.org_unit = v.org_unit;
        out.category_option_combo = v.category_option_combo;
        out.attribute_option_combo = v.attribute_option_combo;
        out.value = v.value;
        writer->Write(out);
      }));
  writer->End();
  if (!file.flush()) return CannotWrite(o.path);
  return ExportResult{run.run.invoice_count, values, o.path};
}

}  // namespace

Result<ExportResult> ExportRun(store::Store& store, const core::MetadataBundle& metadata,
                               const StoredRun& run, const ExportOptions& options) {
  const Resolver resolver(metadata);
  if (run.run.invoice_count == 0) {
    return core::FailedPrecondition(core::Message("fbr.export.no_invoice", {{"run", run.run.id}}),
                                    "--run");
  }
  if (run.run.status == "superseded" && (!options.allow_superseded || options.format == "dhis2")) {
    return core::FailedPrecondition(
        core::Message(
            options.format == "dhis2" ? "fbr.export.superseded_to_dhis2" : "fbr.export.superseded",
            {{"run", run.run.id}}),
        "--run");
  }
  // A directory that is not there is said before the work, not after.
  const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::is_directory(parent, error)) {
    return core::NotFound(
        core::Message("fbr.export.no_directory", {{"directory", parent.string()}}), options.path);
  }
  if (options.format == "dhis2") return WriteDhis2(store, resolver, run, options);
  KENEYA_ASSIGN_OR_RETURN(Loaded data, Load(store, resolver, run, options));
  if (options.format == "csv") return WriteCsv(data, options);
  if (options.format == "xlsx") return WriteXlsx(data, resolver, run, options);
  if (options.format == "pdf") return WritePdf(data, resolver, options);
  return core::InvalidArgument(
      core::Message("fbr.export.unknown_format", {{"format", options.format}}), "--format");
}

}  // namespace keneya::fbr
