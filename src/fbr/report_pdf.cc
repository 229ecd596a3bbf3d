#include "fbr/report_pdf.h"

#include <charconv>
#include <cmath>

#include "core/category.h"
#include "core/data_element.h"
#include "io/pdf_document.h"
#include "io/readable.h"

namespace keneya::fbr {

using core::Language;
using core::Message;
using core::Status;

namespace {

constexpr float kLeft = 40, kRight = 555, kTop = 800, kBottom = 60;
// The table's columns: the indicator, then the numbers ending at these x.
constexpr float kDeclaredRight = 370, kVerifiedRight = 440, kGapRight = 500, kShareRight = kRight;

constexpr const char* kMonths[] = {
    "core.month.january",   "core.month.february", "core.month.march",    "core.month.april",
    "core.month.may",       "core.month.june",     "core.month.july",     "core.month.august",
    "core.month.september", "core.month.october",  "core.month.november", "core.month.december"};

// "10 février 2025" / "10 February 2025".
std::string Day(core::Date date, Language l) {
  return std::to_string(date.day()) + " " + core::Text(l, kMonths[date.month() - 1]) + " " +
         std::to_string(date.year());
}

std::optional<double> Number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

class ReportWriter {
 public:
  ReportWriter(io::PdfDocument& pdf, const PeriodFile& file, const Directory& directory, Language l)
      : pdf_(pdf), file_(file), directory_(directory), l_(l) {}

  void Write() {
    const VerificationReport& report = *file_.report;
    NewPage();
    Field("fbr.report.pdf.facility", file_.org_unit->name + " (" + file_.org_unit->code + ")");
    std::string places;
    for (const core::OrgUnit* unit : directory_.Ancestors(*file_.org_unit)) {
      if (unit->level < 2) continue;
      places += (places.empty() ? "" : " / ") + unit->name;
    }
    if (!places.empty()) Field("fbr.report.pdf.place", places);
    Field("fbr.report.pdf.data_set", file_.data_set->name);
    Field("fbr.report.pdf.period", io::PeriodLabel(file_.period.ToString(), l_));
    Field("fbr.report.pdf.verifier", report.verifier_name == report.verifier
                                         ? report.verifier
                                         : report.verifier_name + " (" + report.verifier + ")");
    Field("fbr.report.pdf.issued",
          Day(core::Date::FromDays(static_cast<int32_t>(report.issued / 86'400'000)), l_));
    Field("fbr.report.pdf.contest_until", Day(report.contest_until, l_));
    y_ -= 10;

    int gaps = 0;
    for (const ReportLine& line : report.lines) gaps += line.gap() ? 1 : 0;
    pdf_.Text(kLeft, y_, io::PdfFont::kBold, 11,
              core::Text(l_, "fbr.report.pdf.lines",
                         {{"count", static_cast<int64_t>(report.lines.size())}, {"gaps", gaps}}));
    y_ -= 18;
    Titles();
    for (const ReportLine& line : report.lines) {
      if (y_ < kBottom + 20) {
        NewPage();
        Titles();
      }
      const io::PdfFont font = line.gap() ? io::PdfFont::kBold : io::PdfFont::kRegular;
      std::string name = line.element->name;
      if (line.combo != nullptr && line.combo->name != "default") name += " — " + line.combo->name;
      pdf_.Text(kLeft, y_, font, 8, pdf_.Fit(name, kDeclaredRight - kLeft - 60, font, 8));
      pdf_.TextRight(kDeclaredRight, y_, font, 8, line.declared.value_or("—"));
      pdf_.TextRight(kVerifiedRight, y_, font, 8, line.verified.value_or("—"));
      const std::optional<double> declared = Number(line.declared);
      const std::optional<double> verified = Number(line.verified);
      if (line.gap() && declared && verified) {
        const double gap = *verified - *declared;
        pdf_.TextRight(
            kGapRight, y_, font, 8,
            (gap > 0 ? "+" : "") + io::FormatDecimal(gap, gap == std::floor(gap) ? 0 : 2, l_));
        if (*declared != 0) {
          pdf_.TextRight(kShareRight, y_, font, 8,
                         io::FormatDecimal(100.0 * gap / *declared, 1, l_) + " %");
        }
      } else if (line.gap()) {
        pdf_.TextRight(kGapRight, y_, font, 8, core::Text(l_, "fbr.report.pdf.differs"));
      }
      y_ -= 12;
    }
    pdf_.SetLineWidth(0.5);
    pdf_.Line(kLeft, y_ + 8, kRight, y_ + 8);
    y_ -= 10;

    if (!report.contested_by.empty()) {
      Paragraph(core::Text(l_, "fbr.report.pdf.contest", {{"user", report.contested_by}}),
                report.contest_reason);
    }
    if (!report.answered_by.empty()) {
      Paragraph(core::Text(l_,
                           report.corrected ? "fbr.report.pdf.answer_corrected"
                                            : "fbr.report.pdf.answer_kept",
                           {{"user", report.answered_by}}),
                report.answer_reason);
    }
  }

 private:
  void NewPage() {
    pdf_.NewPage();
    ++page_;
    y_ = kTop;
    pdf_.Text(kLeft, y_, io::PdfFont::kBold, 15, core::Text(l_, "fbr.report.pdf.title"));
    pdf_.TextRight(kRight, y_, io::PdfFont::kRegular, 8,
                   core::Text(l_, "fbr.report.pdf.page", {{"page", page_}}));
    y_ -= 26;
  }

  void Field(const char* label, const std::string& value) {
    pdf_.Text(kLeft, y_, io::PdfFont::kBold, 9, core::Text(l_, label));
    pdf_.Text(kLeft + 130, y_, io::PdfFont::kRegular, 9,
              pdf_.Fit(value, kRight - kLeft - 130, io::PdfFont::kRegular, 9));
    y_ -= 14;
  }

  void Titles() {
    const io::PdfFont bold = io::PdfFont::kBold;
    pdf_.Text(kLeft, y_, bold, 8, core::Text(l_, "fbr.report.pdf.indicator"));
    pdf_.TextRight(kDeclaredRight, y_, bold, 8, core::Text(l_, "fbr.report.pdf.declared"));
    pdf_.TextRight(kVerifiedRight, y_, bold, 8, core::Text(l_, "fbr.report.pdf.verified"));
    pdf_.TextRight(kGapRight, y_, bold, 8, core::Text(l_, "fbr.report.pdf.gap"));
    pdf_.TextRight(kShareRight, y_, bold, 8, core::Text(l_, "fbr.report.pdf.gap_share"));
    pdf_.SetLineWidth(0.5);
    pdf_.Line(kLeft, y_ - 4, kRight, y_ - 4);
    y_ -= 16;
  }

  void Paragraph(const std::string& heading, const std::string& text) {
    if (y_ < kBottom + 40) NewPage();
    pdf_.Text(kLeft, y_, io::PdfFont::kBold, 9, heading);
    y_ -= 13;
    for (const std::string& line : pdf_.Wrap(text, kRight - kLeft, io::PdfFont::kRegular, 9)) {
      if (y_ < kBottom) NewPage();
      pdf_.Text(kLeft, y_, io::PdfFont::kRegular, 9, line);
      y_ -= 12;
    }
    y_ -= 6;
  }

  io::PdfDocument& pdf_;
  const PeriodFile& file_;
  const Directory& directory_;
  Language l_;
  float y_ = kTop;
  int page_ = 0;
};

}  // namespace

Status WriteReportPdf(const PeriodFile& file, const Directory& directory, Language language,
                      const std::string& path) {
  if (!file.report) {
    return core::NotFound(Message("fbr.report.none", {{"period", file.period.ToString()}}),
                          "report");
  }
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::PdfDocument> pdf, io::PdfDocument::Create());
  ReportWriter(*pdf, file, directory, language).Write();
  return pdf->Save(path);
}

Status ExportReportPdf(store::Store& store, const Sight& sight, const PeriodRef& ref,
                       Language language, const std::string& path) {
  KENEYA_ASSIGN_OR_RETURN(PeriodFile file, GetPeriodFile(store, sight, ref));
  return WriteReportPdf(file, sight.directory(), language, path);
}

}  // namespace keneya::fbr
