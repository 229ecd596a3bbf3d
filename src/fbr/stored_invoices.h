// Stored invoices read back: shown, explained (from their own snapshot, so the explanation stays
// true after the data change), exported.
#ifndef KENEYA_FBR_STORED_INVOICES_H_
#define KENEYA_FBR_STORED_INVOICES_H_

#include <optional>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/result.h"
#include "fbr/text.h"
#include "rules/engine.h"
#include "store/store.h"

namespace keneya::fbr {

// A stored run with its program version, compiled.
struct StoredRun {
  store::InvoiceRunRecord run;
  store::ProgramRecord program;
  rules::CompiledProgram compiled;
  int payment = 0;
};

core::Result<StoredRun> LoadRun(store::Store& store, int64_t run_id);
// The newest run of a program (any when empty) for a period; kNotFound when none.
core::Result<StoredRun> LatestRun(store::Store& store, std::string_view program_code,
                                  const core::Period& period);

// An invoice as shown: lines with labels from its program version, facility facts from its
// snapshot.
core::Result<InvoiceView> ViewOf(const StoredRun& run, const store::InvoiceRecord& invoice,
                                 core::Language language);

struct ExplainRequest {
  std::string formula;   // a payment formula, or "package.formula"; empty: the payment's last
  std::string activity;  // for an activity formula or input
  std::string period;    // the package's period (a month of a quarter); empty: the first
  int depth = 12;
};

// Explains a value of a stored invoice from its snapshot.
core::Result<rules::CompiledProgram::Explanation> ExplainInvoice(store::Store& store,
                                                                 std::string_view number,
                                                                 const ExplainRequest& request,
                                                                 core::Language language);
// The same, for an invoice and its run already loaded.
core::Result<rules::CompiledProgram::Explanation> ExplainInvoice(
    const StoredRun& run, const store::InvoiceRecord& invoice, const ExplainRequest& request,
    core::Language language);

// The slot a request names in a run (shared by explanations of stored and fresh runs). Errors
// list what can be named; with facility_type, an activity the facility is not paid for is one.
core::Result<rules::SlotId> FindSlot(const rules::CompiledProgram& program, int payment,
                                     const core::Period& period, const ExplainRequest& request,
                                     int* activity, std::string_view facility_type = {});

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_STORED_INVOICES_H_
