// Runs in the workflow (docs/WORKFLOW.md): the national unit starts a run for a program and
// period; it invoices the facilities under contract whose every facility-period of the run's
// period is validated, and lists the others with why. Another member of the national unit
// approves it (the one who started it may not), which locks every value the run read (its months,
// its quarter, the windows its formulas looked back on) until an explicit reopening, with a
// reason; an approved run can be published for the public results page. A draft run (`keneya
// compute --draft`) computes every facility regardless of the workflow and can never be
// approved.
//
//   KENEYA_ASSIGN_OR_RETURN(StartedRun started, StartRun(store, sight, {"FBR_MALI", "2024Q4"},
//                                                        actor));
//   KENEYA_ASSIGN_OR_RETURN(RunState state, ApproveRun(store, other_sight, started.run.id,
//                                                      started.state.version, other_actor));
#ifndef KENEYA_FBR_RUN_APPROVAL_H_
#define KENEYA_FBR_RUN_APPROVAL_H_

#include <string>
#include <vector>

#include "core/result.h"
#include "fbr/directory.h"
#include "store/store.h"

namespace keneya::fbr {

// Why a facility is left out of a run: the first facility-period of the run's period that is not
// validated, by its status.
enum class LeftOutReason : uint8_t {
  kNotDeclared,      // open
  kNotVerified,      // declared
  kReportNotIssued,  // verified
  kReportOpen,       // the report may still be contested
  kContested,        // contested or answered, not validated yet
  kNotValidated,     // accepted, not validated yet
};
std::string_view LeftOutReasonCode(LeftOutReason reason);  // "not_declared"...
core::Message LeftOutReasonText(LeftOutReason reason);
std::optional<LeftOutReason> ParseLeftOutReason(std::string_view code);

// A run's status in words: "computed" (waiting for approval), "approved", "reopened" for a run in
// the workflow; "draft", "superseded" for the others (as stored, for another code).
core::Message RunStatusText(std::string_view status);

struct LeftOutFacility {
  const core::OrgUnit* facility = nullptr;
  std::string reason;    // LeftOutReasonCode
  std::string data_set;  // the data set and period that holds it back
  std::string period;
};

struct RunRequest {
  std::string program;
  std::string period;    // the payment's period ("2024Q4")
  std::string payment;   // empty: the program's first payment rule
  int64_t replaces = 0;  // the computed run it replaces; 0: none may be waiting
};

// The background job a run is computed in (fbr/jobs.h): the run is stored only while `owner`
// holds the job, which ends with it in the same transaction.
struct RunJob {
  int64_t job_id = 0;
  std::string owner;
  store::ProgressFn progress;
};

struct StartedRun {
  store::InvoiceRunRecord run;
  store::RunWorkflowRecord state;
  std::vector<LeftOutFacility> left_out;
};

// Computes and stores a run for approval, as `actor` (national unit: invoice_run W everywhere).
// Errors: PermissionDenied; NotFound for an unknown program; FailedPrecondition when an approved
// run of the program and period exists (reopen it first) or when no facility is validated yet;
// Conflict when a computed run waits for approval and `request.replaces` does not name it;
// Compute's and SaveRun's errors.
core::Result<StartedRun> StartRun(store::Store& store, const Sight& sight,
                                  const RunRequest& request, const store::Actor& actor,
                                  const RunJob* job = nullptr);

// StartRun's checks that need no computing (who asks, the program, the period, the runs of the
// period), for a request answered before its job runs.
core::Status CheckRunRequest(store::Store& store, const Sight& sight, const RunRequest& request);

struct RunState {
  store::RunWorkflowRecord state;
  std::vector<store::RunEvent> events;
  std::vector<LeftOutFacility> left_out;
  // The catch-ups it brings: runs of earlier periods invoicing facilities left out then, whose
  // steps follow this run's.
  std::vector<store::InvoiceRunRecord> catch_ups;
};

// A run's workflow state (national unit: invoice_run R). NotFound for an unknown run;
// FailedPrecondition for a draft run.
core::Result<RunState> GetRunState(store::Store& store, const Sight& sight, int64_t run_id);

// Approves a computed run seen at `version`, and locks the values it read. PermissionDenied for
// the user who started it (separation of duties) and without invoice_run W; Conflict when the
// run moved since or is not computed.
core::Result<RunState> ApproveRun(store::Store& store, const Sight& sight, int64_t run_id,
                                  core::TimestampMs version, const store::Actor& actor);

// Reopens an approved run, with a reason (InvalidArgument without one): its locks are lifted, its
// invoices stay (with their payments), and a new run of the period may be started.
core::Result<RunState> ReopenRun(store::Store& store, const Sight& sight, int64_t run_id,
                                 core::TimestampMs version, const std::string& reason,
                                 const store::Actor& actor);

// Publishes an approved run's results on the public page.
core::Result<RunState> PublishRun(store::Store& store, const Sight& sight, int64_t run_id,
                                  core::TimestampMs version, const store::Actor& actor);

// Conflict naming the approved run when a facility's period is locked (CheckValueWritable's
// second half: values of any state).
core::Status CheckNotLocked(store::Store& store, int32_t org_unit, int32_t period);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_RUN_APPROVAL_H_
