// The verification report ("procès-verbal de vérification") of a facility-period as a PDF: the
// facility, the data set and period, the verifier and the date, each number declared beside the
// verified one with the gap, then the contest and its answer when there were any. Rendered on
// demand from the report's stored lines (never from today's values), in French or English.
//
//   KENEYA_ASSIGN_OR_RETURN(PeriodFile file, GetPeriodFile(store, sight, ref));
//   KENEYA_RETURN_IF_ERROR(WriteReportPdf(file, core::Language::kFrench, "pv.pdf"));
#ifndef KENEYA_FBR_REPORT_PDF_H_
#define KENEYA_FBR_REPORT_PDF_H_

#include <string>

#include "core/message.h"
#include "core/result.h"
#include "fbr/workflow.h"

namespace keneya::fbr {

// Writes `file`'s report to `path`. NotFound when no report was issued yet; Unavailable when the
// fonts are missing or the file cannot be written.
core::Status WriteReportPdf(const PeriodFile& file, const Directory& directory,
                            core::Language language, const std::string& path);

// The same for a facility-period the user may read (GetPeriodFile's errors).
core::Status ExportReportPdf(store::Store& store, const Sight& sight, const PeriodRef& ref,
                             core::Language language, const std::string& path);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_REPORT_PDF_H_
