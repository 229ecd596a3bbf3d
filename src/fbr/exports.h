// Exports of a stored invoice run:
//   csv    every line of every invoice, one a row (RFC 4180, UTF-8)
//   xlsx   a workbook: one row per invoice (package totals, bonuses, cut, total), every line,
//          totals by region and district, and the facilities without a report
//   pdf    one invoice per page (more when long), in French or English: invoice number, lines,
//          total in figures and in words, signature blocks
//   dhis2  a DHIS2 data value set (JSON) of the results the program maps to data elements
//          (`dhis2 = "..."` on package and payment formulas, `dhis2_total` on a payment rule)
#ifndef KENEYA_FBR_EXPORTS_H_
#define KENEYA_FBR_EXPORTS_H_

#include <functional>
#include <string>

#include "core/format.h"
#include "core/metadata.h"
#include "core/result.h"
#include "fbr/resolver.h"
#include "fbr/stored_invoices.h"
#include "io/dhis2_client.h"
#include "store/store.h"

namespace keneya::fbr {

struct ExportOptions {
  std::string format;  // "csv", "xlsx", "pdf", "dhis2"
  std::string path;
  core::Language language = core::Language::kFrench;
  store::ProgressFn progress;  // phase "export", invoices done
  // A superseded run is refused unless this is set (to archive it): its PDF pages then say
  // "REMPLACÉE — NE PAS PAYER", its workbook says so; it is never exported to DHIS2.
  bool allow_superseded = false;
  // When set, only the invoices (and facilities without a report) of the org units it accepts:
  // what a user may read of the run. Not for "dhis2".
  std::function<bool(int32_t org_unit)> include;
};

struct ExportResult {
  int64_t invoices = 0;
  int64_t values = 0;  // dhis2: data values written
  std::string path;
};

// The results a run sends to DHIS2 (what `dhis2` maps on package and payment formulas, and
// `dhis2_total`), one data value at a time; how many. Errors: data elements the program names
// that the metadata lacks (NotFound), a program that maps nothing (FailedPrecondition).
core::Result<int64_t> RunResultValues(store::Store& store, const Resolver& resolver,
                                      const StoredRun& run, const store::ProgressFn& progress,
                                      const std::function<void(const io::Dhis2DataValue&)>& each);

core::Result<ExportResult> ExportRun(store::Store& store, const core::MetadataBundle& metadata,
                                     const StoredRun& run, const ExportOptions& options);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_EXPORTS_H_
