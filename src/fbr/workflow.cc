#include "fbr/workflow.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/roles.h"
#include "core/category.h"
#include "core/data_element.h"
#include "fbr/payments.h"
#include "fbr/run_approval.h"
#include "fbr/stored_invoices.h"

namespace keneya::fbr {

using core::Message;
using core::Result;
using core::Status;
using nlohmann::json;

Result<DataSetWorkflow> WorkflowFor(store::Store& store, const Directory& directory,
                                    const core::DataSet& data_set, const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  const core::Date start = period.start();
  for (const store::ProgramRecord& record : programs) {
    if (start < record.valid_from || (record.valid_to && *record.valid_to < start)) continue;
    KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const rules::CompiledProgram> compiled,
                            CompiledVersion(record));
    const rules::Program& program = compiled->program();
    for (const rules::Package& package : program.packages) {
      for (const rules::Activity& activity : package.activities) {
        const core::DataElement* element = directory.DataElement(activity.data_element);
        if (element == nullptr) continue;
        const auto& uids = data_set.data_element_uids;
        if (std::find(uids.begin(), uids.end(), element->uid) != uids.end()) {
          DataSetWorkflow out;
          out.rules = program.workflow;
          out.read = true;
          out.declared = std::any_of(
              package.inputs.begin(), package.inputs.end(),
              [](const rules::PackageInput& input) { return input.state == "declared"; });
          return out;
        }
      }
    }
  }
  return DataSetWorkflow{};
}

bool IsFacilityItself(const auth::Principal& user, const core::OrgUnit& unit) {
  return std::any_of(user.grants.begin(), user.grants.end(), [&](const auth::Grant& grant) {
    return grant.role == auth::Role::kFacilityHead && grant.scope.Contains(unit);
  });
}

namespace {

Result<rules::WorkflowRules> RulesFor(store::Store& store, const Directory& directory,
                                      const core::DataSet& data_set, const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(DataSetWorkflow workflow,
                          WorkflowFor(store, directory, data_set, period));
  return workflow.rules;
}

struct StatusName {
  PeriodStatus status;
  std::string_view code;
  const char* text;
};
constexpr StatusName kStatuses[] = {
    {PeriodStatus::kOpen, "open", "fbr.workflow.status.open"},
    {PeriodStatus::kDeclared, "declared", "fbr.workflow.status.declared"},
    {PeriodStatus::kVerified, "verified", "fbr.workflow.status.verified"},
    {PeriodStatus::kReported, "reported", "fbr.workflow.status.reported"},
    {PeriodStatus::kContested, "contested", "fbr.workflow.status.contested"},
    {PeriodStatus::kAnswered, "answered", "fbr.workflow.status.answered"},
    {PeriodStatus::kAccepted, "accepted", "fbr.workflow.status.accepted"},
    {PeriodStatus::kValidated, "validated", "fbr.workflow.status.validated"},
    {PeriodStatus::kInvoiced, "invoiced", "fbr.workflow.status.invoiced"},
    {PeriodStatus::kApproved, "approved", "fbr.workflow.status.approved"},
    {PeriodStatus::kPaid, "paid", "fbr.workflow.status.paid"},
};

struct ActionName {
  PeriodAction action;
  std::string_view code;
  auth::Action permission;
  const char* text;
};
constexpr ActionName kActions[] = {
    {PeriodAction::kDeclare, "declare", auth::Action::kDeclare, "fbr.workflow.action.declare"},
    {PeriodAction::kVerify, "verify", auth::Action::kVerify, "fbr.workflow.action.verify"},
    {PeriodAction::kIssueReport, "issue_report", auth::Action::kVerify,
     "fbr.workflow.action.issue_report"},
    {PeriodAction::kContest, "contest", auth::Action::kDeclare, "fbr.workflow.action.contest"},
    {PeriodAction::kAnswer, "answer", auth::Action::kVerify, "fbr.workflow.action.answer"},
    {PeriodAction::kValidate, "validate", auth::Action::kValidate, "fbr.workflow.action.validate"},
};

const ActionName& NameOf(PeriodAction action) {
  for (const ActionName& name : kActions) {
    if (name.action == action) return name;
  }
  return kActions[0];
}

// The facility-period, resolved and seen by the user.
struct Resolved {
  const core::DataSet* data_set = nullptr;
  const core::OrgUnit* org_unit = nullptr;
  core::Period period = core::Period::ForDate(core::PeriodType::kMonthly, core::Date());
  store::PeriodKey key;
};

Result<Resolved> Resolve(const Sight& sight, const PeriodRef& ref) {
  const Directory& directory = sight.directory();
  Resolved out;
  out.data_set = directory.DataSet(ref.data_set);
  if (out.data_set == nullptr) return UnknownOrUnseen(ref.data_set, "dataSet");
  out.org_unit = directory.OrgUnit(ref.org_unit);
  if (out.org_unit == nullptr || !sight.Allows(*out.org_unit, auth::Resource::kPeriod)) {
    return UnknownOrUnseen(ref.org_unit, "orgUnit");
  }
  auto period = core::Period::Parse(ref.period);
  if (!period.ok()) return core::InvalidArgument(period.error().text, "period");
  out.period = *period;
  KENEYA_RETURN_IF_ERROR(CheckCollects(*out.data_set, *out.org_unit, out.period, ref.period));
  out.key = {out.data_set->id, out.org_unit->id, out.period.Code()};
  return out;
}

// The report's lines: each cell of the data set with a declared or a verified number.
Result<std::vector<ReportLine>> CurrentLines(store::Store& store, const Directory& directory,
                                             const Resolved& at) {
  store::ValueQuery query;
  query.periods = {at.period.Code()};
  query.org_units = {at.org_unit->id};
  query.states = {core::kStateDeclared, core::kStateVerified};
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(query));
  const core::CategoryOptionCombo* attribute =
      directory.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid);
  auto find = [&](const core::DataValueKey& key) -> const core::DataValue* {
    auto it = std::lower_bound(
        values.begin(), values.end(), key,
        [](const core::DataValue& v, const core::DataValueKey& k) { return v.key < k; });
    return it != values.end() && it->key == key ? &*it : nullptr;
  };
  std::vector<ReportLine> lines;
  for (const std::string& uid : at.data_set->data_element_uids) {
    const core::DataElement* element = directory.DataElement(uid);
    if (element == nullptr || attribute == nullptr) continue;
    for (const core::CategoryOptionCombo* combo :
         directory.OptionCombos(element->category_combo_uid)) {
      core::DataValueKey key{at.period.Code(), at.org_unit->id, element->id,
                             combo->id,        attribute->id,   core::kStateDeclared};
      ReportLine line{element, combo, std::nullopt, std::nullopt};
      if (const core::DataValue* v = find(key)) line.declared = v->value;
      key.state = core::kStateVerified;
      if (const core::DataValue* v = find(key)) line.verified = v->value;
      if (line.declared || line.verified) lines.push_back(std::move(line));
    }
  }
  return lines;
}

json LinesJson(const std::vector<ReportLine>& lines) {
  json out = json::array();
  for (const ReportLine& line : lines) {
    out.push_back({{"dataElement", line.element->uid},
                   {"categoryOptionCombo", line.combo->uid},
                   {"declared", line.declared ? json(*line.declared) : json(nullptr)},
                   {"verified", line.verified ? json(*line.verified) : json(nullptr)}});
  }
  return out;
}

// A stored event's detail read back; a damaged one is a data error naming the event.
Result<json> DetailOf(const store::PeriodEvent& event) {
  if (event.detail.empty()) return json::object();
  json detail = json::parse(event.detail, nullptr, /*allow_exceptions=*/false);
  if (!detail.is_object()) {
    return core::StoredDataError(Message("fbr.workflow.damaged_event"), "period_event",
                                 std::to_string(event.id), "detail");
  }
  return detail;
}

Result<std::vector<ReportLine>> LinesOfDetail(const Directory& directory, const json& detail,
                                              const store::PeriodEvent& event) {
  std::vector<ReportLine> lines;
  const json& stored = detail.contains("lines") ? detail["lines"] : json::array();
  for (const json& item : stored) {
    if (!item.is_object() || !item.value("dataElement", json()).is_string() ||
        !item.value("categoryOptionCombo", json()).is_string()) {
      return core::StoredDataError(Message("fbr.workflow.damaged_event"), "period_event",
                                   std::to_string(event.id), "detail");
    }
    ReportLine line;
    line.element = directory.DataElement(item["dataElement"].get<std::string>());
    line.combo = directory.CategoryOptionCombo(item["categoryOptionCombo"].get<std::string>());
    if (line.element == nullptr || line.combo == nullptr) continue;  // since removed
    if (item["declared"].is_string()) line.declared = item["declared"].get<std::string>();
    if (item["verified"].is_string()) line.verified = item["verified"].get<std::string>();
    lines.push_back(std::move(line));
  }
  return lines;
}

// The statuses a step starts from (the reckoned status: accepted is a report past its window).
bool StartsFrom(PeriodAction action, PeriodStatus status) {
  switch (action) {
    case PeriodAction::kDeclare:
      return status == PeriodStatus::kOpen;
    case PeriodAction::kVerify:  // from open: a set with no declared numbers (quality scores)
      return status == PeriodStatus::kDeclared || status == PeriodStatus::kOpen;
    case PeriodAction::kIssueReport:
      return status == PeriodStatus::kVerified;
    case PeriodAction::kContest:
      return status == PeriodStatus::kReported;
    case PeriodAction::kAnswer:
      return status == PeriodStatus::kContested;
    case PeriodAction::kValidate:
      return status == PeriodStatus::kAccepted || status == PeriodStatus::kContested ||
             status == PeriodStatus::kAnswered;
  }
  return false;
}

PeriodStatus Target(PeriodAction action) {
  switch (action) {
    case PeriodAction::kDeclare:
      return PeriodStatus::kDeclared;
    case PeriodAction::kVerify:
      return PeriodStatus::kVerified;
    case PeriodAction::kIssueReport:
      return PeriodStatus::kReported;
    case PeriodAction::kContest:
      return PeriodStatus::kContested;
    case PeriodAction::kAnswer:
      return PeriodStatus::kAnswered;
    case PeriodAction::kValidate:
      return PeriodStatus::kValidated;
  }
  return PeriodStatus::kOpen;
}

Result<PeriodFile> FileOf(store::Store& store, const Sight& sight, const Resolved& at) {
  const Directory& directory = sight.directory();
  PeriodFile file;
  file.data_set = at.data_set;
  file.org_unit = at.org_unit;
  file.period = at.period;
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::PeriodStatusRecord> record,
                          store.GetPeriodStatus(at.key));
  if (record) {
    std::optional<PeriodStatus> status = ParsePeriodStatus(record->status);
    if (!status || *status == PeriodStatus::kAccepted) {
      return core::StoredDataError(
          Message("fbr.workflow.unknown_status", {{"status", record->status}}), "period_status",
          at.org_unit->uid + " " + at.period.ToString(), "status");
    }
    file.status = *status;
    file.version = record->version;
  }
  KENEYA_ASSIGN_OR_RETURN(file.rules, RulesFor(store, directory, *at.data_set, at.period));
  file.due = at.period.end().AddDays(file.rules.declaration_day);
  KENEYA_ASSIGN_OR_RETURN(file.history, store.PeriodEvents(at.key));
  const core::Date today = core::Today();
  if (file.status == PeriodStatus::kOpen) file.days_late = std::max(0, today.DaysSince(file.due));
  for (const store::PeriodEvent& event : file.history) {
    KENEYA_ASSIGN_OR_RETURN(json detail, DetailOf(event));
    if (event.action == "declare") {
      file.days_late = detail.value("daysLate", 0);
      file.declared_on_behalf = event.on_behalf;
    } else if (event.action == "issue_report") {
      VerificationReport report;
      KENEYA_ASSIGN_OR_RETURN(report.lines, LinesOfDetail(directory, detail, event));
      report.verifier = event.user;
      KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> account, store.FindUser(event.user));
      report.verifier_name =
          account && !account->full_name.empty() ? account->full_name : event.user;
      report.issued = event.at;
      auto until = core::Date::Parse(detail.value("contestUntil", ""));
      if (!until.ok()) {
        return core::StoredDataError(Message("fbr.workflow.damaged_event"), "period_event",
                                     std::to_string(event.id), "detail");
      }
      report.contest_until = *until;
      file.report = std::move(report);
    } else if (event.action == "contest" && file.report) {
      file.report->contested_by = event.user;
      file.report->contest_reason = event.reason;
    } else if (event.action == "answer" && file.report) {
      file.report->answered_by = event.user;
      file.report->answer_reason = event.reason;
      file.report->corrected = detail.value("corrected", false);
      if (file.report->corrected) {
        KENEYA_ASSIGN_OR_RETURN(file.report->lines, LinesOfDetail(directory, detail, event));
      }
    }
  }
  if (file.status == PeriodStatus::kReported && file.report && today > file.report->contest_until) {
    file.status = PeriodStatus::kAccepted;
  }
  if (file.status == PeriodStatus::kValidated) {
    // Past validation, the money: invoiced by a run, approved, paid.
    KENEYA_ASSIGN_OR_RETURN(std::optional<InvoicedPeriod> invoiced,
                            InvoicedPeriodOf(store, at.org_unit->id, at.period));
    if (invoiced) {
      file.invoice = invoiced->number;
      file.status = invoiced->paid()                     ? PeriodStatus::kPaid
                    : invoiced->run_status == "approved" ? PeriodStatus::kApproved
                                                         : PeriodStatus::kInvoiced;
    }
  }
  for (const ActionName& name : kActions) {
    if (StartsFrom(name.action, file.status) &&
        sight.Allows(*at.org_unit, auth::Resource::kPeriod, name.permission)) {
      file.allowed.push_back(name.action);
    }
  }
  return file;
}

}  // namespace

std::string_view PeriodStatusCode(PeriodStatus status) {
  for (const StatusName& name : kStatuses) {
    if (name.status == status) return name.code;
  }
  return "open";
}

std::optional<PeriodStatus> ParsePeriodStatus(std::string_view code) {
  for (const StatusName& name : kStatuses) {
    if (name.code == code) return name.status;
  }
  return std::nullopt;
}

Message PeriodStatusText(PeriodStatus status) {
  for (const StatusName& name : kStatuses) {
    if (name.status == status) return Message(name.text);
  }
  return Message("fbr.workflow.status.open");
}

std::string_view PeriodActionCode(PeriodAction action) { return NameOf(action).code; }

std::optional<PeriodAction> ParsePeriodAction(std::string_view code) {
  for (const ActionName& name : kActions) {
    if (name.code == code) return name.action;
  }
  return std::nullopt;
}

Result<PeriodFile> GetPeriodFile(store::Store& store, const Sight& sight, const PeriodRef& ref) {
  KENEYA_ASSIGN_OR_RETURN(Resolved at, Resolve(sight, ref));
  return FileOf(store, sight, at);
}

Result<PeriodFile> ChangePeriod(store::Store& store, const Sight& sight, const PeriodChange& change,
                                const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(Resolved at, Resolve(sight, change.period));
  const ActionName& name = NameOf(change.action);
  KENEYA_RETURN_IF_ERROR(auth::Authorize(sight.user(), auth::Resource::kPeriod, name.permission,
                                         at.org_unit, change.period.org_unit));
  KENEYA_ASSIGN_OR_RETURN(PeriodFile file, FileOf(store, sight, at));
  const Message status_text = PeriodStatusText(file.status);
  if (change.version != file.version) {
    return core::Conflict(Message("fbr.workflow.moved_since", {{"status", status_text}}), "status");
  }
  if (change.action == PeriodAction::kContest && file.status == PeriodStatus::kAccepted) {
    return core::FailedPrecondition(Message("fbr.workflow.contest_window_over",
                                            {{"date", file.report->contest_until.ToString()}}),
                                    "status");
  }
  if (change.action == PeriodAction::kValidate && file.status == PeriodStatus::kReported) {
    return core::FailedPrecondition(Message("fbr.workflow.may_still_contest",
                                            {{"date", file.report->contest_until.ToString()}}),
                                    "status");
  }
  if (!StartsFrom(change.action, file.status)) {
    return core::Conflict(Message("fbr.workflow.wrong_status",
                                  {{"action", Message(name.text)}, {"status", status_text}}),
                          "status");
  }
  const bool needs_reason =
      change.action == PeriodAction::kContest || change.action == PeriodAction::kAnswer;
  if (needs_reason && change.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return core::InvalidArgument(Message("fbr.workflow.reason_needed"), "reason");
  }

  store::PeriodEvent event;
  event.key = at.key;
  event.action = std::string(name.code);
  event.from = file.version == 0 ? "open" : std::string(PeriodStatusCode(file.status));
  if (file.status == PeriodStatus::kAccepted) event.from = "reported";  // as stored
  event.to = std::string(PeriodStatusCode(Target(change.action)));
  event.reason = change.reason;
  json detail = json::object();
  const Directory& directory = sight.directory();
  switch (change.action) {
    case PeriodAction::kDeclare: {
      KENEYA_ASSIGN_OR_RETURN(std::vector<ReportLine> lines, CurrentLines(store, directory, at));
      if (std::none_of(lines.begin(), lines.end(),
                       [](const ReportLine& line) { return line.declared.has_value(); })) {
        return core::FailedPrecondition(Message("fbr.workflow.nothing_declared"), "status");
      }
      const int late = std::max(0, core::Today().DaysSince(file.due));
      detail = {{"due", file.due.ToString()}, {"daysLate", late}};
      event.on_behalf = !IsFacilityItself(sight.user(), *at.org_unit);
      break;
    }
    case PeriodAction::kVerify: {
      KENEYA_ASSIGN_OR_RETURN(std::vector<ReportLine> lines, CurrentLines(store, directory, at));
      if (file.status == PeriodStatus::kOpen) {
        // Only a set whose numbers are verified alone (an evaluator's scores) skips declaring.
        const bool any_declared = std::any_of(
            lines.begin(), lines.end(), [](const ReportLine& l) { return l.declared.has_value(); });
        const bool any_verified = std::any_of(
            lines.begin(), lines.end(), [](const ReportLine& l) { return l.verified.has_value(); });
        if (any_declared || !any_verified) {
          return core::Conflict(Message("fbr.workflow.wrong_status",
                                        {{"action", Message(name.text)}, {"status", status_text}}),
                                "status");
        }
      }
      int unverified = 0;
      const ReportLine* first = nullptr;
      for (const ReportLine& line : lines) {
        if (line.declared && !line.verified) {
          ++unverified;
          if (first == nullptr) first = &line;
        }
      }
      if (first != nullptr) {
        return core::FailedPrecondition(
            Message("fbr.workflow.not_all_verified",
                    {{"count", unverified}, {"data_element", first->element->name}}),
            "status");
      }
      break;
    }
    case PeriodAction::kIssueReport: {
      KENEYA_ASSIGN_OR_RETURN(std::vector<ReportLine> lines, CurrentLines(store, directory, at));
      const core::Date until = core::Today().AddDays(file.rules.contest_days);
      detail = {{"contestUntil", until.ToString()}, {"lines", LinesJson(lines)}};
      break;
    }
    case PeriodAction::kAnswer: {
      KENEYA_ASSIGN_OR_RETURN(std::vector<ReportLine> lines, CurrentLines(store, directory, at));
      bool corrected = lines.size() != file.report->lines.size();
      for (size_t i = 0; !corrected && i < lines.size(); ++i) {
        corrected = lines[i].element != file.report->lines[i].element ||
                    lines[i].combo != file.report->lines[i].combo ||
                    lines[i].verified != file.report->lines[i].verified;
      }
      detail = {{"corrected", corrected}};
      if (corrected) detail["lines"] = LinesJson(lines);
      break;
    }
    case PeriodAction::kValidate:
      if (file.status == PeriodStatus::kContested) detail = {{"closedContest", true}};
      break;
    case PeriodAction::kContest:
      break;
  }
  if (!detail.empty()) event.detail = detail.dump();
  KENEYA_ASSIGN_OR_RETURN(store::PeriodStatusRecord changed,
                          store.ChangePeriodStatus(event, file.version, actor));
  (void)changed;  // read back whole below
  return FileOf(store, sight, at);
}

Status CheckWritable(PeriodStatus status, int32_t state, const core::DataSet& data_set) {
  bool writable = true;
  if (state == core::kStateDeclared) {
    writable = status == PeriodStatus::kOpen;
  } else if (state == core::kStateVerified) {
    writable = status == PeriodStatus::kOpen || status == PeriodStatus::kDeclared ||
               status == PeriodStatus::kVerified || status == PeriodStatus::kContested;
  }
  if (writable) return core::OkStatus();
  return core::Conflict(Message("fbr.workflow.value_locked", {{"status", PeriodStatusText(status)},
                                                              {"data_set", data_set.name}}),
                        "value");
}

Status WriteGuard::Check(const core::DataValueKey& key) {
  // An approved run read it: no state changes until the run is reopened.
  auto lock = locks_.find({key.org_unit, key.period});
  if (lock == locks_.end()) {
    Status locked = CheckNotLocked(store_, key.org_unit, key.period);
    if (!locked.ok() && locked.error().code != core::ErrorCode::kConflict) return locked;
    lock = locks_
               .emplace(std::make_pair(key.org_unit, key.period),
                        locked.ok() ? std::nullopt : std::optional<core::Error>(locked.error()))
               .first;
  }
  if (lock->second) return *lock->second;
  const core::DataElement* element = directory_.DataElementById(key.data_element);
  const core::OrgUnit* unit = directory_.OrgUnitById(key.org_unit);
  auto period = core::Period::FromCode(key.period);
  if (element == nullptr || unit == nullptr || !period.ok()) return core::OkStatus();
  for (const core::DataSet* set : DataSetsCollecting(directory_, *element, period->type(), *unit)) {
    const core::DataSet& data_set = *set;
    const store::PeriodKey period_key{data_set.id, key.org_unit, key.period};
    auto status = statuses_.find(period_key);
    if (status == statuses_.end()) {
      KENEYA_ASSIGN_OR_RETURN(std::optional<store::PeriodStatusRecord> record,
                              store_.GetPeriodStatus(period_key));
      std::optional<PeriodStatus> parsed;
      if (record) parsed = ParsePeriodStatus(record->status);
      status = statuses_.emplace(period_key, parsed).first;
    }
    if (!status->second) continue;
    KENEYA_RETURN_IF_ERROR(CheckWritable(*status->second, key.state, data_set));
  }
  return core::OkStatus();
}

Status CheckValueWritable(store::Store& store, const Directory& directory,
                          const core::DataValueKey& key) {
  return WriteGuard(store, directory).Check(key);
}

}  // namespace keneya::fbr
