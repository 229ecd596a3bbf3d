#include "fbr/run_approval.h"

#include <algorithm>
#include <map>
#include <set>

#include "auth/roles.h"
#include "core/data_element.h"
#include "fbr/contracts.h"
#include "fbr/invoice_json.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/stored_invoices.h"
#include "fbr/workflow.h"

namespace keneya::fbr {

using core::Message;
using core::Result;
using core::Status;

namespace {

struct ReasonName {
  LeftOutReason reason;
  std::string_view code;
  const char* text;
};
constexpr ReasonName kReasons[] = {
    {LeftOutReason::kNotDeclared, "not_declared", "fbr.run.left_out.not_declared"},
    {LeftOutReason::kNotVerified, "not_verified", "fbr.run.left_out.not_verified"},
    {LeftOutReason::kReportNotIssued, "report_not_issued", "fbr.run.left_out.report_not_issued"},
    {LeftOutReason::kReportOpen, "report_open", "fbr.run.left_out.report_open"},
    {LeftOutReason::kContested, "contested", "fbr.run.left_out.contested"},
    {LeftOutReason::kNotValidated, "not_validated", "fbr.run.left_out.not_validated"},
};

Status RequireNational(const Sight& sight, auth::Action action) {
  if (sight.Everywhere(auth::Resource::kInvoiceRun, action)) return core::OkStatus();
  return auth::Authorize(auth::Principal{}, auth::Resource::kInvoiceRun, action, nullptr);
}

std::optional<LeftOutReason> ReasonOf(PeriodStatus status) {
  switch (status) {
    case PeriodStatus::kOpen:
      return LeftOutReason::kNotDeclared;
    case PeriodStatus::kDeclared:
      return LeftOutReason::kNotVerified;
    case PeriodStatus::kVerified:
      return LeftOutReason::kReportNotIssued;
    case PeriodStatus::kReported:
      return LeftOutReason::kReportOpen;
    case PeriodStatus::kContested:
    case PeriodStatus::kAnswered:
      return LeftOutReason::kContested;
    case PeriodStatus::kAccepted:
      return LeftOutReason::kNotValidated;
    case PeriodStatus::kValidated:
    case PeriodStatus::kInvoiced:
    case PeriodStatus::kApproved:
    case PeriodStatus::kPaid:
      return std::nullopt;
  }
  return LeftOutReason::kNotDeclared;
}

// The facility-periods a run's facility must have validated: each data set holding the
// activities of a package the payment reads, for each of the package's periods within the
// run's period (windows into the past are not held back: they were paid before).
struct Needed {
  const core::DataSet* data_set = nullptr;
  core::Period period;
};

Result<std::vector<Needed>> NeededPeriods(const Directory& directory,
                                          const rules::CompiledProgram& compiled, int payment,
                                          const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<rules::BlockRequest> blocks,
                          compiled.BlocksNeeded(payment, period));
  std::vector<Needed> out;
  std::set<std::pair<std::string, int32_t>> seen;
  for (const rules::BlockRequest& block : blocks) {
    if (block.period.start() < period.start() || block.period.end() > period.end()) continue;
    const rules::Package& package = compiled.program().packages[static_cast<size_t>(block.package)];
    for (const rules::Activity& activity : package.activities) {
      const core::DataElement* element = directory.DataElement(activity.data_element);
      if (element == nullptr) continue;
      for (const core::DataSet& set : directory.bundle().data_sets) {
        if (set.period_type != block.period.type()) continue;
        const auto& uids = set.data_element_uids;
        if (std::find(uids.begin(), uids.end(), element->uid) == uids.end()) continue;
        if (seen.insert({set.uid, block.period.Code()}).second) {
          out.push_back({&set, block.period});
        }
      }
    }
  }
  return out;
}

Result<std::vector<LeftOutFacility>> LeftOutOf(store::Store& store, const Directory& directory,
                                               int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::LeftOutRecord> records, store.LeftOut(run_id));
  std::vector<LeftOutFacility> out;
  for (const store::LeftOutRecord& record : records) {
    LeftOutFacility left;
    left.facility = directory.OrgUnitById(record.org_unit);
    // "reason data_set period", as StartRun stores it.
    const size_t first = record.reason.find(' ');
    const size_t second = record.reason.find(' ', first == std::string::npos ? first : first + 1);
    left.reason = record.reason.substr(0, first);
    if (first != std::string::npos && second != std::string::npos) {
      left.data_set = record.reason.substr(first + 1, second - first - 1);
      left.period = record.reason.substr(second + 1);
    }
    if (left.facility != nullptr) out.push_back(std::move(left));
  }
  return out;
}

Result<RunState> StateOf(store::Store& store, const Directory& directory,
                         const store::RunWorkflowRecord& state) {
  RunState out;
  out.state = state;
  KENEYA_ASSIGN_OR_RETURN(out.events, store.RunEvents(state.run_id));
  KENEYA_ASSIGN_OR_RETURN(out.left_out, LeftOutOf(store, directory, state.run_id));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> all, store.RunWorkflows());
  for (const store::RunWorkflowRecord& w : all) {
    if (w.catch_up_for != state.run_id) continue;
    KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, FindRun(store, w.run_id));
    out.catch_ups.push_back(std::move(run));
  }
  return out;
}

// A catch-up run takes no step of its own: it follows the run it came with.
Status NotACatchUp(const store::RunWorkflowRecord& state) {
  if (state.catch_up_for == 0) return core::OkStatus();
  return core::FailedPrecondition(
      Message("fbr.run.catch_up_follows", {{"run", state.run_id}, {"main", state.catch_up_for}}),
      Message("fbr.place.run"));
}

Result<store::RunWorkflowRecord> WorkflowOf(store::Store& store, int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, FindRun(store, run_id));
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::RunWorkflowRecord> state,
                          store.GetRunWorkflow(run_id));
  if (!state) {
    return core::FailedPrecondition(Message("store.run_not_in_workflow", {{"run", run_id}}),
                                    Message("fbr.place.run"));
  }
  return *state;
}

// Who a run of `period` invoices: the facilities under contract whose every needed
// facility-period is validated (eligible), and the others with why.
struct Eligibility {
  std::set<int32_t> eligible;
  std::vector<LeftOutFacility> left_out;
  std::vector<store::LeftOutRecord> left_records;
};

Result<Eligibility> Sort(store::Store& store, const Directory& directory,
                         const std::string& program_code, const rules::CompiledProgram& compiled,
                         int payment, const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Needed> needed,
                          NeededPeriods(directory, compiled, payment, period));
  KENEYA_ASSIGN_OR_RETURN(ContractsInForce contracts,
                          ContractsFor(store, directory.resolver(), program_code, period));
  store::PeriodStatusQuery query;
  for (const Needed& n : needed) {
    query.data_sets.push_back(n.data_set->id);
    query.periods.push_back(n.period.Code());
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PeriodStatusRecord> statuses,
                          store.PeriodStatuses(query));
  std::map<store::PeriodKey, PeriodStatus> status_of;
  for (const store::PeriodStatusRecord& record : statuses) {
    status_of[record.key] = ParsePeriodStatus(record.status).value_or(PeriodStatus::kOpen);
  }
  Eligibility out;
  for (const FacilityContract& fc : contracts.active) {
    std::optional<LeftOutFacility> held;
    for (const Needed& n : needed) {
      if (!IsAssigned(*n.data_set, *fc.org_unit)) continue;
      auto it = status_of.find({n.data_set->id, fc.org_unit->id, n.period.Code()});
      PeriodStatus status = it == status_of.end() ? PeriodStatus::kOpen : it->second;
      if (std::optional<LeftOutReason> reason = ReasonOf(status)) {
        held = LeftOutFacility{fc.org_unit, std::string(LeftOutReasonCode(*reason)),
                               n.data_set->code.empty() ? n.data_set->uid : n.data_set->code,
                               n.period.ToString()};
        break;
      }
    }
    if (held) {
      out.left_records.push_back(
          {fc.org_unit->id, held->reason + " " + held->data_set + " " + held->period});
      out.left_out.push_back(std::move(*held));
    } else {
      out.eligible.insert(fc.org_unit->id);
    }
  }
  return out;
}

// What an approved run's envelope cut kept of what its invoices asked, zone by zone: the sum
// of their totals over the sum of their totals before the cut (for the zones it cut).
struct ZoneRate {
  const core::OrgUnit* zone = nullptr;
  int64_t paid = 0, asked = 0;
};

Result<std::vector<ZoneRate>> CutRates(store::Store& store, const Directory& directory,
                                       const rules::CompiledProgram& compiled, int payment,
                                       int64_t run_id, int32_t period) {
  std::vector<ZoneRate> out;
  const rules::PaymentRule& rule = compiled.program().payments[static_cast<size_t>(payment)];
  for (const rules::Envelope& envelope : rule.envelopes) {
    if (envelope.period != period) continue;
    const core::OrgUnit* zone = directory.OrgUnit(envelope.zone);
    if (zone != nullptr) out.push_back({zone, 0, 0});
  }
  if (out.empty()) return out;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.Invoices(run_id));
  for (const store::InvoiceRecord& invoice : invoices) {
    const core::OrgUnit* facility = directory.OrgUnitById(invoice.org_unit);
    if (facility == nullptr) continue;
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::InvoiceLine> lines,
                            LinesOf(invoice, compiled.program()));
    int64_t cut = 0;
    for (const rules::InvoiceLine& line : lines) {
      if (line.kind == rules::InvoiceLine::Kind::kEnvelope) cut += line.amount;
    }
    for (ZoneRate& rate : out) {
      if (facility->path.find("/" + rate.zone->uid) == std::string::npos) continue;
      rate.paid += invoice.total;
      rate.asked += invoice.total - cut;
    }
  }
  return out;
}

// The catch-ups a run of `period` brings: for each approved run of an earlier period of the
// same program and payment rule, the facilities it left out whose periods are all validated now
// and that no run (waiting or approved) has invoiced since, computed with that run's program
// version and cut at its envelope's rate.
Result<std::vector<store::RunForApproval::CatchUp>> CatchUps(
    store::Store& store, const Directory& directory, const std::string& program_code,
    const std::string& payment_code, const core::Period& period, const store::Actor& actor) {
  std::vector<store::RunForApproval::CatchUp> out;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> workflows, store.RunWorkflows());
  std::map<int64_t, store::RunWorkflowRecord> workflow_of;
  for (store::RunWorkflowRecord& w : workflows) workflow_of.emplace(w.run_id, std::move(w));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  std::map<int64_t, const store::InvoiceRunRecord*> run_of;
  for (const store::InvoiceRunRecord& r : runs) run_of[r.id] = &r;
  // Whether a run waiting or approved invoices `org_unit` for `period_code`.
  auto invoiced = [&](int32_t org_unit, int32_t period_code) -> Result<bool> {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                            store.InvoiceList(0, org_unit));
    for (const store::InvoiceRecord& invoice : invoices) {
      const store::InvoiceRunRecord* r = run_of[invoice.run_id];
      auto w = workflow_of.find(invoice.run_id);
      if (r != nullptr && w != workflow_of.end() && w->second.status != "reopened" &&
          r->program_code == program_code && r->payment_code == payment_code &&
          r->period == period_code) {
        return true;
      }
    }
    return false;
  };
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
    const store::InvoiceRunRecord& earlier = *it;
    auto w = workflow_of.find(earlier.id);
    if (w == workflow_of.end() || w->second.status != "approved" || w->second.catch_up_for != 0 ||
        earlier.program_code != program_code || earlier.payment_code != payment_code) {
      continue;
    }
    KENEYA_ASSIGN_OR_RETURN(core::Period earlier_period, core::Period::FromCode(earlier.period));
    if (!(earlier_period.end() < period.start())) continue;
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::LeftOutRecord> left, store.LeftOut(earlier.id));
    if (left.empty()) continue;
    const store::ProgramRecord* version = nullptr;
    for (const store::ProgramRecord& p : programs) {
      if (p.code == earlier.program_code && p.version == earlier.program_version) version = &p;
    }
    if (version == nullptr) continue;
    KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const rules::CompiledProgram> compiled,
                            CompiledVersion(*version));
    const int payment = compiled->PaymentIndex(earlier.payment_code);
    if (payment < 0) continue;
    KENEYA_ASSIGN_OR_RETURN(Eligibility now, Sort(store, directory, earlier.program_code, *compiled,
                                                  payment, earlier_period));
    std::set<int32_t> due;
    for (const store::LeftOutRecord& l : left) {
      if (now.eligible.count(l.org_unit) == 0) continue;
      KENEYA_ASSIGN_OR_RETURN(bool already, invoiced(l.org_unit, earlier.period));
      if (!already) due.insert(l.org_unit);
    }
    if (due.empty()) continue;
    ComputeOptions options;
    options.payment = earlier.payment_code;
    options.include = [&due](int32_t org_unit) { return due.count(org_unit) > 0; };
    KENEYA_ASSIGN_OR_RETURN(ComputedRun computed,
                            Compute(store, directory.bundle(), *version, earlier_period, options));
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<ZoneRate> rates,
        CutRates(store, directory, *compiled, payment, earlier.id, earlier.period));
    int64_t total = 0;
    for (rules::Invoice& invoice : computed.invoices.invoices) {
      // Computed alone, a catch-up is not cut by its envelope: it is cut at the rate the
      // approved run's facilities were.
      std::erase_if(invoice.lines, [](const rules::InvoiceLine& line) {
        return line.kind == rules::InvoiceLine::Kind::kEnvelope;
      });
      const int64_t asked = invoice.total_before_envelope;
      invoice.total = asked;
      const core::OrgUnit* facility =
          directory.OrgUnitById(computed.org_units[static_cast<size_t>(invoice.facility)]);
      for (const ZoneRate& rate : rates) {
        if (facility == nullptr || rate.asked <= rate.paid || rate.asked == 0 ||
            facility->path.find("/" + rate.zone->uid) == std::string::npos) {
          continue;
        }
        const int64_t kept =
            static_cast<int64_t>(static_cast<__int128>(asked) * rate.paid / rate.asked);
        rules::InvoiceLine line;
        line.kind = rules::InvoiceLine::Kind::kEnvelope;
        line.code = "envelope";
        const Message label("fbr.run.catch_up_cut",
                            {{"zone", rate.zone->code.empty() ? rate.zone->uid : rate.zone->code},
                             {"run", earlier.id}});
        line.label_text = label;
        line.label = core::Render(label, core::Language::kFrench);
        line.label_en = core::Render(label, core::Language::kEnglish);
        line.has_amount = true;
        line.amount = kept - asked;
        invoice.lines.push_back(std::move(line));
        invoice.total = kept;
        break;
      }
      total += invoice.total;
    }
    computed.invoices.total = total;
    KENEYA_ASSIGN_OR_RETURN(PreparedRun prepared, PrepareRun(store, computed, actor));
    out.push_back({std::move(prepared.record), std::move(prepared.invoices)});
  }
  return out;
}

}  // namespace

core::Message RunStatusText(std::string_view status) {
  if (status == "computed") return core::Message("fbr.run.status.computed");
  if (status == "approved") return core::Message("fbr.run.status.approved");
  if (status == "reopened") return core::Message("fbr.run.status.reopened");
  if (status == "draft") return core::Message("fbr.run.status.draft");
  if (status == "superseded") return core::Message("fbr.run.status.superseded");
  return core::Message(std::string(status));
}

std::string_view LeftOutReasonCode(LeftOutReason reason) {
  for (const ReasonName& name : kReasons) {
    if (name.reason == reason) return name.code;
  }
  return "not_declared";
}

std::optional<LeftOutReason> ParseLeftOutReason(std::string_view code) {
  for (const ReasonName& name : kReasons) {
    if (name.code == code) return name.reason;
  }
  return std::nullopt;
}

Message LeftOutReasonText(LeftOutReason reason) {
  for (const ReasonName& name : kReasons) {
    if (name.reason == reason) return Message(name.text);
  }
  return Message("fbr.run.left_out.not_declared");
}

namespace {

// The program version of a request, once its runs allow one more (RunRequest, StartRun).
Result<store::ProgramRecord> RequestedProgram(store::Store& store, const Sight& sight,
                                              const RunRequest& request) {
  KENEYA_RETURN_IF_ERROR(RequireNational(sight, auth::Action::kWrite));
  auto period = core::Period::Parse(request.period);
  if (!period.ok()) return core::InvalidArgument(period.error().text, "period");
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program,
                          ProgramFor(store, request.program, *period));
  // One approved run per program and period, a new one only after a reopening; one run waiting
  // for approval, replaced only when named.
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> states, store.RunWorkflows());
  bool replaced = request.replaces == 0;
  for (const store::InvoiceRunRecord& run : runs) {
    if (run.program_code != program.code || run.period != period->Code()) continue;
    for (const store::RunWorkflowRecord& state : states) {
      if (state.run_id != run.id) continue;
      if (state.status == "approved") {
        return core::FailedPrecondition(
            Message("fbr.run.already_approved", {{"run", run.id}, {"period", request.period}}),
            "period");
      }
      if (state.status != "computed") continue;
      if (run.id == request.replaces) {
        replaced = true;
      } else {
        return core::Conflict(
            Message("fbr.run.waiting", {{"run", run.id}, {"period", request.period}}), "replaces");
      }
    }
  }
  if (!replaced) {
    return core::InvalidArgument(
        Message("fbr.run.not_waiting", {{"run", request.replaces}, {"period", request.period}}),
        "replaces");
  }
  return program;
}

}  // namespace

Status CheckRunRequest(store::Store& store, const Sight& sight, const RunRequest& request) {
  KENEYA_RETURN_IF_ERROR(RequestedProgram(store, sight, request));
  return core::OkStatus();
}

Result<StartedRun> StartRun(store::Store& store, const Sight& sight, const RunRequest& request,
                            const store::Actor& actor, const RunJob* job) {
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program, RequestedProgram(store, sight, request));
  const core::Period period = *core::Period::Parse(request.period);
  // Who is eligible: every needed facility-period validated.
  const Directory& directory = sight.directory();
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const rules::CompiledProgram> compiled,
                          CompiledVersion(program));
  const int payment = request.payment.empty() ? 0 : compiled->PaymentIndex(request.payment);
  if (payment < 0) {
    return core::NotFound(Message("fbr.run.no_such_payment_rule",
                                  {{"program", program.code}, {"payment", request.payment}}),
                          "payment");
  }
  KENEYA_ASSIGN_OR_RETURN(Eligibility sorted,
                          Sort(store, directory, program.code, *compiled, payment, period));
  std::set<int32_t>& eligible = sorted.eligible;
  std::vector<LeftOutFacility>& left_out = sorted.left_out;
  std::vector<store::LeftOutRecord>& left_records = sorted.left_records;
  if (eligible.empty()) {
    return core::FailedPrecondition(
        Message("fbr.run.nobody_validated",
                {{"period", request.period}, {"left_out", static_cast<int64_t>(left_out.size())}}),
        "period");
  }
  ComputeOptions options;
  options.payment = request.payment;
  options.include = [&eligible](int32_t org_unit) { return eligible.count(org_unit) > 0; };
  if (job != nullptr) options.progress = job->progress;
  KENEYA_ASSIGN_OR_RETURN(ComputedRun computed,
                          Compute(store, directory.bundle(), program, period, options));
  store::RunForApproval approval;
  approval.left_out = std::move(left_records);
  approval.replaces = request.replaces;
  KENEYA_ASSIGN_OR_RETURN(
      approval.catch_ups,
      CatchUps(store, directory, program.code, computed.payment_rule().code, period, actor));
  if (job != nullptr) {
    approval.job_id = job->job_id;
    approval.job_owner = job->owner;
  }
  StartedRun out;
  KENEYA_ASSIGN_OR_RETURN(out.run, SaveRun(store, computed, actor,
                                           job != nullptr ? job->progress : nullptr, &approval));
  KENEYA_ASSIGN_OR_RETURN(out.state, WorkflowOf(store, out.run.id));
  out.left_out = std::move(left_out);
  return out;
}

Result<RunState> GetRunState(store::Store& store, const Sight& sight, int64_t run_id) {
  KENEYA_RETURN_IF_ERROR(RequireNational(sight, auth::Action::kRead));
  KENEYA_ASSIGN_OR_RETURN(store::RunWorkflowRecord state, WorkflowOf(store, run_id));
  return StateOf(store, sight.directory(), state);
}

Result<RunState> ApproveRun(store::Store& store, const Sight& sight, int64_t run_id,
                            core::TimestampMs version, const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireNational(sight, auth::Action::kWrite));
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord record, FindRun(store, run_id));
  KENEYA_ASSIGN_OR_RETURN(store::RunWorkflowRecord state, WorkflowOf(store, run_id));
  KENEYA_RETURN_IF_ERROR(NotACatchUp(state));
  if (record.created_by == actor.user) {
    return core::PermissionDenied(Message("fbr.run.approve_own", {{"run", run_id}}), "run");
  }
  // The values the run read: each invoiced facility's periods, windows included.
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, run_id));
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(record.period));
  KENEYA_ASSIGN_OR_RETURN(std::vector<rules::BlockRequest> blocks,
                          run.compiled().BlocksNeeded(run.payment, period));
  std::set<int32_t> periods;
  for (const rules::BlockRequest& block : blocks) periods.insert(block.period.Code());
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.InvoiceList(run_id, 0));
  store::RunChange change;
  change.run_id = run_id;
  change.action = "approve";
  change.from = "computed";
  change.to = "approved";
  change.seen = version;
  for (const store::InvoiceRecord& invoice : invoices) {
    for (int32_t p : periods) change.add_locks.push_back({invoice.org_unit, p, run_id});
  }
  // The catch-ups' values are locked with the run's, each lock naming its catch-up run.
  KENEYA_ASSIGN_OR_RETURN(RunState current, StateOf(store, sight.directory(), state));
  for (const store::InvoiceRunRecord& catch_up : current.catch_ups) {
    KENEYA_ASSIGN_OR_RETURN(StoredRun stored, LoadRun(store, catch_up.id));
    KENEYA_ASSIGN_OR_RETURN(core::Period of, core::Period::FromCode(catch_up.period));
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::BlockRequest> needed,
                            stored.compiled().BlocksNeeded(stored.payment, of));
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> caught,
                            store.InvoiceList(catch_up.id, 0));
    for (const store::InvoiceRecord& invoice : caught) {
      for (const rules::BlockRequest& block : needed) {
        change.add_locks.push_back({invoice.org_unit, block.period.Code(), catch_up.id});
      }
    }
  }
  if (state.status != "computed") {
    return core::Conflict(
        Message("fbr.run.not_computed", {{"run", run_id}, {"status", state.status}}), "status");
  }
  KENEYA_ASSIGN_OR_RETURN(store::RunWorkflowRecord changed, store.ChangeRun(change, actor));
  return StateOf(store, sight.directory(), changed);
}

namespace {

// A step from the approved status (reopen, publish), by the national unit.
Result<RunState> StepFromApproved(store::Store& store, const Sight& sight, store::RunChange change,
                                  const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireNational(sight, auth::Action::kWrite));
  KENEYA_ASSIGN_OR_RETURN(store::RunWorkflowRecord state, WorkflowOf(store, change.run_id));
  KENEYA_RETURN_IF_ERROR(NotACatchUp(state));
  if (state.status != "approved") {
    return core::Conflict(
        Message("fbr.run.not_approved", {{"run", change.run_id}, {"status", state.status}}),
        "status");
  }
  change.from = "approved";
  KENEYA_ASSIGN_OR_RETURN(store::RunWorkflowRecord changed, store.ChangeRun(change, actor));
  return StateOf(store, sight.directory(), changed);
}

}  // namespace

Result<RunState> ReopenRun(store::Store& store, const Sight& sight, int64_t run_id,
                           core::TimestampMs version, const std::string& reason,
                           const store::Actor& actor) {
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    KENEYA_RETURN_IF_ERROR(RequireNational(sight, auth::Action::kWrite));
    return core::InvalidArgument(Message("fbr.workflow.reason_needed"), "reason");
  }
  store::RunChange change;
  change.run_id = run_id;
  change.action = "reopen";
  change.to = "reopened";
  change.seen = version;
  change.reason = reason;
  change.remove_locks = true;
  return StepFromApproved(store, sight, change, actor);
}

Result<RunState> PublishRun(store::Store& store, const Sight& sight, int64_t run_id,
                            core::TimestampMs version, const store::Actor& actor) {
  store::RunChange change;
  change.run_id = run_id;
  change.action = "publish";
  change.to = "approved";
  change.seen = version;
  change.publish = true;
  return StepFromApproved(store, sight, change, actor);
}

Status CheckNotLocked(store::Store& store, int32_t org_unit, int32_t period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ValueLock> locks, store.LocksOn(org_unit, period));
  if (locks.empty()) return core::OkStatus();
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, FindRun(store, locks.front().run_id));
  auto run_period = core::Period::FromCode(run.period);
  return core::Conflict(
      Message("fbr.run.value_locked",
              {{"run", run.id},
               {"program", run.program_code},
               {"period", run_period.ok() ? run_period->ToString() : std::string()}}),
      "value");
}

}  // namespace keneya::fbr
