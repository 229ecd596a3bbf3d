// What the API lists and shows of programs, contracts, invoice runs and invoices, for the acting
// user: each function asks auth whether the user may, and leaves out what lies outside their
// scope (a facility's contract or invoice outside it answers NotFound, as one that does not
// exist). The command line reaches the same data through the functions these wrap, as the
// database's operator.
#ifndef KENEYA_FBR_BROWSE_H_
#define KENEYA_FBR_BROWSE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/exports.h"
#include "fbr/places.h"
#include "fbr/simulation.h"
#include "fbr/stored_invoices.h"
#include "rules/program_file.h"
#include "store/store.h"

namespace keneya::fbr {

// ---- Programs ----

// Program versions, by code then version, without their files. PermissionDenied without
// program R.
core::Result<std::vector<store::ProgramRecord>> ListPrograms(store::Store& store,
                                                             const Sight& sight);
// One version with its files, and its rules as read from them (the packages, their activities
// and formulas with the TOML line of each, for the program page's editor). NotFound for an
// unknown code or version.
struct ProgramVersion {
  store::ProgramRecord record;
  rules::Program rules;  // empty when the stored files no longer read (problems below)
  std::vector<rules::ProgramProblem> problems;
};
core::Result<ProgramVersion> GetProgramVersion(store::Store& store, const Sight& sight,
                                               std::string_view code, int version);

// A program's files as a user sends them (name -> text: one .toml and its .csv tables), checked
// as `keneya program load` checks them, against the database's metadata and states: every
// problem with its place, none when `record` (what would be stored) is set. program W everywhere
// (PermissionDenied otherwise); files that are not one .toml and its tables: InvalidArgument.
struct ProgramFilesCheck {
  std::vector<rules::ProgramProblem> problems;
  std::optional<store::ProgramRecord> record;
};
core::Result<ProgramFilesCheck> CheckProgramFiles(
    store::Store& store, const Sight& sight,
    const std::vector<std::pair<std::string, std::string>>& files);
// The same files stored as a new version: refused with every problem (InvalidArgument, nothing
// stored); a code and version already stored with other files: the store's refusal.
core::Result<store::ProgramRecord> SaveProgramFiles(
    store::Store& store, const Sight& sight,
    const std::vector<std::pair<std::string, std::string>>& files, const store::Actor& actor);

// ---- Contracts ----

struct ContractQuery {
  std::string program;  // a program code; empty: every program
  std::string within;   // an org unit (uid or code): the facilities below it
  std::string status;   // "active", "suspended", "ended"; empty: any
  int64_t page = 1;
  int64_t page_size = 50;
};

struct ContractRow {
  store::Contract contract;
  const core::OrgUnit* facility = nullptr;
};

// The contracts of facilities where the user may read contracts, by facility name then
// program and start. Errors: an unknown or unseen `within` (NotFound), an unknown status.
core::Result<Page<ContractRow>> FindContracts(store::Store& store, const Sight& sight,
                                              const ContractQuery& query);

struct ContractDetail {
  ContractRow row;
  std::vector<store::ContractChange> history;  // oldest first
};
// A contract with its history. NotFound for an unknown id or a facility outside the scope.
core::Result<ContractDetail> GetContract(store::Store& store, const Sight& sight, int64_t id);

// ---- Runs ----

// Invoice runs, newest first: for roles whose scope is the whole country (docs/ACCESS.md);
// PermissionDenied otherwise. A run in the workflow has its workflow's status ("computed",
// "approved", "reopened"); the others their stored one ("draft", "superseded").
core::Result<std::vector<store::InvoiceRunRecord>> ListRuns(store::Store& store,
                                                            const Sight& sight);
// The same for the database's operator (the command line), unchecked.
core::Result<std::vector<store::InvoiceRunRecord>> AllRuns(store::Store& store);

struct RunDetail {
  store::InvoiceRunRecord run;
  std::string program_name;
  // Invoiced totals by region, each with its districts (by name).
  struct Zone {
    const core::OrgUnit* unit = nullptr;
    int64_t invoices = 0;
    int64_t total = 0;
    std::vector<Zone> districts;
  };
  std::vector<Zone> regions;
  std::vector<const core::OrgUnit*> missing;    // facilities without a report
  std::vector<const core::OrgUnit*> suspended;  // contracts suspended for the period
};
core::Result<RunDetail> GetRun(store::Store& store, const Sight& sight, int64_t id);

// The results the national unit published: runs approved and published, not reopened since, with
// their totals by region and district (no facility lists), newest period first; of a program
// and a period when given (InvalidArgument for a malformed period). For anyone: the public page.
struct PublishedRun {
  RunDetail detail;
  core::TimestampMs published_at = 0;
  int64_t catch_up_for = 0;  // a catch-up published with run N
};
core::Result<std::vector<PublishedRun>> PublishedResults(store::Store& store,
                                                         const Directory& directory,
                                                         std::string_view program,
                                                         std::string_view period);

// One published run's results facility by facility, for anyone (the public page): each
// facility's invoice total and the values its invoice shows (the program's info lines: a
// quality score, for instance), ordered by region, district and facility name. NotFound for a
// run that is not published, or was reopened since, as for a run that does not exist.
struct PublishedFacility {
  const core::OrgUnit* facility = nullptr;
  const core::OrgUnit* district = nullptr;
  const core::OrgUnit* region = nullptr;
  int64_t total = 0;
  std::vector<std::string> shown;  // by PublishedRunResults::shown_labels; "" where absent
};
struct PublishedRunResults {
  PublishedRun run;
  std::vector<std::string> shown_labels;  // the info lines' labels, in the program's order
  std::vector<PublishedFacility> facilities;
};
core::Result<PublishedRunResults> PublishedRunResultsOf(store::Store& store,
                                                        const Directory& directory, int64_t run_id,
                                                        core::Language language);

// ---- Invoices ----

struct InvoiceQuery {
  int64_t run = 0;            // a run; 0: see program and period
  std::string program;        // with period: the newest run of the program for the period
  std::string period;         // "2024Q1"
  std::string within;         // an org unit (uid or code): its facilities
  std::string facility_type;  // "CSCOM"
  std::string text;           // in the facility's name or code, or the invoice number
  int64_t page = 1;
  int64_t page_size = 50;
};

struct InvoiceListRow {
  store::InvoiceRecord invoice;  // without lines and snapshot
  store::InvoiceRunRecord run;
  const core::OrgUnit* facility = nullptr;
  const core::OrgUnit* district = nullptr;
};

// Invoices of facilities where the user may read invoices, by number. Without run, program and
// period: the invoices of every run that is not superseded. Errors: an unknown run or program
// period (NotFound), a malformed period, an unknown facility type, an unseen `within`.
core::Result<Page<InvoiceListRow>> FindInvoices(store::Store& store, const Sight& sight,
                                                const InvoiceQuery& query);

struct InvoiceDetail {
  InvoiceListRow row;
  // The invoice's lines as printed: computed once from its stored lines and snapshot, which never
  // change, and shared by the requests that read the same invoice in the same language.
  std::shared_ptr<const InvoiceView> view;
  InvoiceAmounts amounts;
  std::optional<Successor> successor;  // set when the run was computed again since
};
// One invoice. NotFound for an unknown number and for a facility outside the user's scope.
core::Result<InvoiceDetail> GetInvoice(store::Store& store, const Sight& sight,
                                       std::string_view number, core::Language language);

// An amount of an invoice explained (ExplainStoredInvoice), for a user who may read it.
// The explanation of a stored invoice never changes (its snapshot and its program version do
// not): it is computed once and shared; what replaces the invoice is read at each call.
struct SharedExplanation {
  std::shared_ptr<const InvoiceExplanation> explained;  // the tree and amounts (no successor)
  std::optional<Successor> successor;
};
core::Result<SharedExplanation> ExplainInvoiceFor(store::Store& store, const Sight& sight,
                                                  std::string_view number,
                                                  const ExplainRequest& request,
                                                  core::Language language);

// Exports of invoices as ExportRun writes them ("pdf", "xlsx", "csv"): one invoice (`number`),
// or a run's invoices the user may read (within `within`, when given).
struct InvoiceExport {
  std::string number;  // one invoice; else the run below
  int64_t run = 0;
  std::string within;
  std::string format;
  core::Language language = core::Language::kFrench;
};
// Writes the export to `path`. Errors: those of GetInvoice and FindInvoices, an unknown format,
// a run of which the user may read no invoice (NotFound), ExportRun's.
core::Result<ExportResult> ExportInvoices(store::Store& store, const Sight& sight,
                                          const InvoiceExport& request, const std::string& path);

// ---- Simulation ----

// A simulation for a user whose role allows simulations over the whole country, on the base the
// process keeps in memory (ProcessSimulationCache): a change is recomputed, not read again.
core::Result<Simulation> SimulateFor(store::Store& store, const Sight& sight,
                                     const core::Period& period, const SimulationRequest& request);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_BROWSE_H_
