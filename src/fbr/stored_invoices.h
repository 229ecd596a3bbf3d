// Stored invoices read back: shown, explained (from their own snapshot, so the explanation stays
// true after the data change), exported; and a facility's value explained on the current data.
#ifndef KENEYA_FBR_STORED_INVOICES_H_
#define KENEYA_FBR_STORED_INVOICES_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/metadata.h"
#include "core/org_unit.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/text.h"
#include "rules/engine.h"
#include "store/store.h"

namespace keneya::fbr {

// A stored run with its program version, compiled.
struct StoredRun {
  store::InvoiceRunRecord run;
  store::ProgramRecord program;
  // Compiled once for a program version and shared by every run of it (and every thread).
  std::shared_ptr<const rules::CompiledProgram> compiled_program;
  int payment = 0;
  const rules::CompiledProgram& compiled() const { return *compiled_program; }
};

// A program version compiled, kept for the versions last used (a stored version never changes:
// its checksum says so). Internal when the stored version no longer compiles.
core::Result<std::shared_ptr<const rules::CompiledProgram>> CompiledVersion(
    const store::ProgramRecord& program);

// A stored run's record; NotFound for an unknown run.
core::Result<store::InvoiceRunRecord> FindRun(store::Store& store, int64_t run_id);
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

// What replaces a superseded invoice: the current run of its period (0 when every run of the
// period is superseded) and the facility's invoice there (empty when that run does not invoice
// the facility). Nothing for an invoice whose run is not superseded.
struct Successor {
  int64_t run = 0;
  std::string number;
};
core::Result<std::optional<Successor>> SuccessorOf(store::Store& store,
                                                   const store::InvoiceRecord& invoice);

// From the payment's total to what an invoice pays: its lines rounded to the franc, then the
// envelope's pro rata cut (the sum of its envelope lines, as stored).
struct InvoiceAmounts {
  int64_t rounded = 0;  // the lines rounded to the franc, before the cut: total - cut
  int64_t cut = 0;      // the envelope lines' sum: negative, 0 when the envelope cuts nothing
  int64_t total = 0;    // what the invoice pays
};

// `keneya explain NUMBER`: a stored invoice's value explained from its snapshot, with what
// replaces the invoice when its run is superseded (said first: it must not be paid).
struct InvoiceExplanation {
  rules::CompiledProgram::Explanation explanation;
  std::optional<Successor> successor;
  // When the request names no formula (the payment's total): how the invoice gets from it to
  // what it pays.
  std::optional<InvoiceAmounts> amounts;
};

// Reads the invoice and its run once for all of it. Errors: kNotFound for an unknown number
// (where: invoice), a run or program version that cannot be read, FindSlot's, and a kDataError
// for stored lines or snapshot that cannot be read back.
core::Result<InvoiceExplanation> ExplainStoredInvoice(store::Store& store, std::string_view number,
                                                      const ExplainRequest& request,
                                                      core::Language language);

// `keneya explain --program --period --facility`: a facility's value computed now on the current
// data, nothing stored. `program` names a stored program's code or files (ProgramToUse; files
// are not stored) and `version` the version to use (none: the one valid for the period);
// `facility` is a code or uid. Errors: ProgramToUse's and Compute's; kNotFound for a facility not
// under contract for the period (where: "--facility"); FindSlot's.
core::Result<rules::CompiledProgram::Explanation> ExplainFacility(
    store::Store& store, const core::MetadataBundle& metadata, std::string_view program,
    std::optional<int> version, const core::Period& period, std::string_view facility,
    const ExplainRequest& request, core::Language language);

// Which invoices of a run to list: all of them, or those of a region or district (a code or uid
// of an org unit at pyramid level 2 or 3) and/or of a facility type ("CSCOM").
struct InvoiceFilter {
  std::string zone;
  std::string facility_type;
};

struct InvoiceRow {
  std::string number;
  std::string facility_code;  // its code, or uid when without
  std::string facility_name;
  std::string district_name;
  core::OrgUnitType facility_type = core::OrgUnitType::kOther;
  int64_t total = 0;
};

// A run's invoices that pass the filter, by invoice number. NotFound for an unknown run or zone;
// InvalidArgument for a zone that is not a region or district, or an unknown facility type.
core::Result<std::vector<InvoiceRow>> RunInvoices(store::Store& store,
                                                  const core::MetadataBundle& metadata,
                                                  int64_t run_id, const InvoiceFilter& filter);

// `keneya check-db`: the store's integrity checks (the engine's own, references, every stored
// type, date and status readable), then every stored invoice's lines and snapshot read back.
// The checks made, or an error listing every problem found (each unreadable row by table, row
// and column).
core::Result<std::vector<core::Message>> RunDatabaseChecks(store::Store& store);

// The slot a request names in a run (shared by explanations of stored and fresh runs). Errors
// list what can be named; with facility_type, an activity the facility is not paid for is one.
core::Result<rules::SlotId> FindSlot(const rules::CompiledProgram& program, int payment,
                                     const core::Period& period, const ExplainRequest& request,
                                     int* activity, std::string_view facility_type = {});

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_STORED_INVOICES_H_
