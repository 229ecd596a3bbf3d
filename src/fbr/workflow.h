// The FBR workflow of a facility's period of one data set (January's quantities of CSCOM Koko
// II, its 2024Q1 quality): declared by the facility (or by the district typing a paper report on
// its behalf), verified, its verification report ("procès-verbal de vérification") issued, then
// accepted when the contest window runs out, or contested by the facility and answered by the
// verifier; validated by the district. Each step is a status with its history (who, when, from
// where, why), moved only from the status and version its writer saw. Runs, approval and
// payments move the validated periods further (invoiced, approved, paid).
//
// The program whose activities the data set holds sets the calendar ([workflow] in its TOML):
// a period is due on `declaration_day` of the month after it, and a report may be contested for
// `contest_days` days. Dates are reckoned from core::Today() (KENEYA_TODAY in the demo and tests).
//
//   KENEYA_ASSIGN_OR_RETURN(PeriodFile file, GetPeriodFile(store, sight, {"FBR_QUANTITE",
//                                                                          "CSCOM_KOKO",
//                                                                          "202501"}));
//   KENEYA_ASSIGN_OR_RETURN(file, ChangePeriod(store, sight, {ref, PeriodAction::kDeclare, "",
//                                                             file.version}, actor));
#ifndef KENEYA_FBR_WORKFLOW_H_
#define KENEYA_FBR_WORKFLOW_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/message.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "rules/program.h"
#include "store/store.h"

namespace keneya::fbr {

enum class PeriodStatus : uint8_t {
  kOpen,       // nothing declared yet
  kDeclared,   // the facility's numbers are in
  kVerified,   // the verifier's numbers are in
  kReported,   // the verification report is issued; the facility may contest it
  kContested,  // the facility contests the report, with a reason
  kAnswered,   // the verifier answered the contest (numbers kept or corrected)
  kAccepted,   // a report whose contest window ran out uncontested (reckoned, never stored)
  kValidated,  // the district validated the verified numbers
  kInvoiced,   // an invoice run read them
  kApproved,   // that run is approved: the period's values are locked
  kPaid,       // its invoice is paid
};
std::string_view PeriodStatusCode(PeriodStatus status);  // "open", "declared"...
std::optional<PeriodStatus> ParsePeriodStatus(std::string_view code);
core::Message PeriodStatusText(PeriodStatus status);  // "déclarée" / "declared"

enum class PeriodAction : uint8_t {
  kDeclare,      // open -> declared (auth: period D)
  kVerify,       // declared -> verified, once every declared number has a verified one (V)
  kIssueReport,  // verified -> reported: the report's lines stored as they are (V)
  kContest,      // reported -> contested, within the window, with a reason (D)
  kAnswer,       // contested -> answered, with a reason (V); corrections are saved before
  kValidate,     // accepted, contested (closing the contest) or answered -> validated (X)
};
std::string_view PeriodActionCode(PeriodAction action);  // "declare", "issue_report"...
std::optional<PeriodAction> ParsePeriodAction(std::string_view code);

// A facility-period, by uids or codes and a DHIS2 period of the data set's type.
struct PeriodRef {
  std::string data_set;
  std::string org_unit;
  std::string period;
};

// One cell of a verification report: the declared and verified numbers side by side.
struct ReportLine {
  const core::DataElement* element = nullptr;
  const core::CategoryOptionCombo* combo = nullptr;
  std::optional<std::string> declared, verified;
  // Both numbers present and different.
  bool gap() const { return declared && verified && *declared != *verified; }
};

// The procès-verbal de vérification as issued (and, after an answer, as answered).
struct VerificationReport {
  std::vector<ReportLine> lines;  // the data set's cells that hold a number
  std::string verifier;           // the user who issued it
  std::string verifier_name;      // their full name (the user name when they have no account)
  core::TimestampMs issued = 0;
  core::Date contest_until;  // the last day the facility may contest it
  std::string contested_by, contest_reason;
  std::string answered_by, answer_reason;
  bool corrected = false;  // the answer changed verified numbers
};

struct PeriodFile {
  const core::DataSet* data_set = nullptr;
  const core::OrgUnit* org_unit = nullptr;
  core::Period period = core::Period::ForDate(core::PeriodType::kMonthly, core::Date());
  PeriodStatus status = PeriodStatus::kOpen;
  core::TimestampMs version = 0;  // what a change must name (0: never moved)
  rules::WorkflowRules rules;     // the calendar of the program that reads the data set
  core::Date due;                 // the declaration's deadline
  // Days past the deadline: of the declaration when declared late, of today while still open.
  int days_late = 0;
  bool declared_on_behalf = false;  // declared by the district for the facility
  std::optional<VerificationReport> report;
  std::string invoice;  // invoiced, approved, paid: the invoice that pays the period
  std::vector<store::PeriodEvent> history;  // oldest first
  std::vector<PeriodAction> allowed;        // what the user may do now
};

// A facility-period's file. Errors: NotFound for an unknown data set, and for an org unit
// unknown or outside the user's scope (where: orgUnit); InvalidArgument for a malformed period
// or one of another type than the data set's (where: period); FailedPrecondition for an org
// unit the data set is not assigned to.
core::Result<PeriodFile> GetPeriodFile(store::Store& store, const Sight& sight,
                                       const PeriodRef& ref);

struct PeriodChange {
  PeriodRef period;
  PeriodAction action = PeriodAction::kDeclare;
  std::string reason;             // required to contest and to answer
  core::TimestampMs version = 0;  // the version the user saw (PeriodFile::version)
};

// Takes one step, audited under `actor`, and returns the file after it. Errors: those of
// GetPeriodFile; PermissionDenied where the user sees the period but may not take this step;
// Conflict when the period is not at a status the step starts from, or moved since `version`
// (where: status), with the status it is at; FailedPrecondition for a step whose conditions do
// not hold (nothing declared, declared numbers not verified, a contest after its window, a
// validation while the facility may still contest); InvalidArgument for a missing reason.
core::Result<PeriodFile> ChangePeriod(store::Store& store, const Sight& sight,
                                      const PeriodChange& change, const store::Actor& actor);

// How the workflow runs for a data set's periods: the calendar of the program whose activities
// it holds (among the versions valid when the period starts; the defaults when no program reads
// it), and whether the facility declares its numbers (a package of it reads declared values) or
// the verifier enters them alone (quality scores).
struct DataSetWorkflow {
  rules::WorkflowRules rules;
  bool declared = true;
  bool read = false;  // a program reads the data set
};
core::Result<DataSetWorkflow> WorkflowFor(store::Store& store, const Directory& directory,
                                          const core::DataSet& data_set,
                                          const core::Period& period);

// Whether the user holds the facility's own role there (the facility head): a declaration by
// anyone else is made on its behalf, and contesting its report is the facility's own act.
bool IsFacilityItself(const auth::Principal& user, const core::OrgUnit& unit);

// Whether a value of `state` may be written now in a facility-period at `status`: declared
// numbers while the period is open; verified numbers until the report is issued, and while it
// is contested (the verifier's corrections); other states (numbers imported validated) always.
// A refusal is a Conflict naming the status (where: value).
core::Status CheckWritable(PeriodStatus status, int32_t state, const core::DataSet& data_set);

// CheckValueWritable for many values (an import, a form): each facility-period's locks and
// statuses are read once.
class WriteGuard {
 public:
  WriteGuard(store::Store& store, const Directory& directory)
      : store_(store), directory_(directory) {}
  // OK, or the Conflict CheckValueWritable gives (another error: the store failed).
  core::Status Check(const core::DataValueKey& key);

 private:
  store::Store& store_;
  const Directory& directory_;
  std::map<std::pair<int32_t, int32_t>, std::optional<core::Error>> locks_;  // (org unit, period)
  std::map<store::PeriodKey, std::optional<PeriodStatus>> statuses_;
};

// Whether the value at `key` may change now: not while an approved run has locked its
// facility's period (CheckNotLocked), and as CheckWritable says for every facility-period that
// holds the element (each data set of the element's period type that the facility reports).
core::Status CheckValueWritable(store::Store& store, const Directory& directory,
                                const core::DataValueKey& key);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_WORKFLOW_H_
