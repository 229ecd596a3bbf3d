#include "fbr/tasks.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <tuple>

#include "auth/roles.h"

namespace keneya::fbr {

using core::Result;

namespace {

// The order groups are shown in: the facility's steps, then the verifier's, then the district's.
constexpr PeriodAction kOrder[] = {PeriodAction::kDeclare, PeriodAction::kContest,
                                   PeriodAction::kVerify,  PeriodAction::kIssueReport,
                                   PeriodAction::kAnswer,  PeriodAction::kValidate};

auth::Action PermissionOf(PeriodAction action) {
  switch (action) {
    case PeriodAction::kDeclare:
    case PeriodAction::kContest:
      return auth::Action::kDeclare;
    case PeriodAction::kVerify:
    case PeriodAction::kIssueReport:
    case PeriodAction::kAnswer:
      return auth::Action::kVerify;
    case PeriodAction::kValidate:
      return auth::Action::kValidate;
  }
  return auth::Action::kRead;
}

// The step a facility-period at `status` waits for, if any.
std::optional<PeriodAction> Waiting(PeriodStatus status, bool declared) {
  switch (status) {
    case PeriodStatus::kOpen:
      return declared ? PeriodAction::kDeclare : PeriodAction::kVerify;
    case PeriodStatus::kDeclared:
      return PeriodAction::kVerify;
    case PeriodStatus::kVerified:
      return PeriodAction::kIssueReport;
    case PeriodStatus::kReported:
      return PeriodAction::kContest;
    case PeriodStatus::kContested:
      return PeriodAction::kAnswer;
    case PeriodStatus::kAnswered:
    case PeriodStatus::kAccepted:
      return PeriodAction::kValidate;
    default:
      return std::nullopt;
  }
}

// The last `count` periods of `type` ended before `today`, newest first.
std::vector<core::Period> Ended(core::PeriodType type, int count, core::Date today) {
  std::vector<core::Period> out;
  core::Period p = core::Period::ForDate(type, today).Previous();
  for (int i = 0; i < count; ++i, p = p.Previous()) out.push_back(p);
  return out;
}

}  // namespace

Result<Tasks> TasksOf(store::Store& store, const Sight& sight, const TaskOptions& options) {
  Tasks tasks;
  tasks.today = core::Today();
  const Directory& directory = sight.directory();
  std::map<PeriodAction, TaskGroup> groups;
  for (const core::DataSet& data_set : directory.bundle().data_sets) {
    std::vector<core::Period> periods;
    if (data_set.period_type == core::PeriodType::kMonthly) {
      periods = Ended(core::PeriodType::kMonthly, options.months, tasks.today);
    } else if (data_set.period_type == core::PeriodType::kQuarterly) {
      periods = Ended(core::PeriodType::kQuarterly, options.quarters, tasks.today);
    }
    if (periods.empty()) continue;
    KENEYA_ASSIGN_OR_RETURN(DataSetWorkflow workflow,
                            WorkflowFor(store, directory, data_set, periods.front()));
    if (!workflow.read) continue;
    // The facilities of the set where the user may take some step.
    std::vector<const core::OrgUnit*> facilities;
    for (const std::string& uid : data_set.org_unit_uids) {
      const core::OrgUnit* unit = directory.OrgUnit(uid);
      if (unit == nullptr) continue;
      const bool any = sight.Allows(*unit, auth::Resource::kPeriod, auth::Action::kDeclare) ||
                       sight.Allows(*unit, auth::Resource::kPeriod, auth::Action::kVerify) ||
                       sight.Allows(*unit, auth::Resource::kPeriod, auth::Action::kValidate);
      if (any) facilities.push_back(unit);
    }
    if (facilities.empty()) continue;
    store::PeriodStatusQuery query;
    query.data_sets = {data_set.id};
    for (const core::Period& p : periods) query.periods.push_back(p.Code());
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::PeriodStatusRecord> rows,
                            store.PeriodStatuses(query));
    std::map<std::pair<int32_t, int32_t>, const store::PeriodStatusRecord*> row_of;
    for (const store::PeriodStatusRecord& row : rows) {
      row_of[{row.key.org_unit, row.key.period}] = &row;
    }
    for (const core::Period& period : periods) {
      const core::Date due = period.end().AddDays(workflow.rules.declaration_day);
      for (const core::OrgUnit* unit : facilities) {
        PeriodTask task;
        task.data_set = &data_set;
        task.facility = unit;
        task.period = period;
        task.due = due;
        auto row = row_of.find({unit->id, period.Code()});
        if (row != row_of.end()) {
          std::optional<PeriodStatus> status = ParsePeriodStatus(row->second->status);
          if (!status) continue;  // a damaged row: its own file says so
          task.status = *status;
        }
        if (task.status == PeriodStatus::kReported) {
          // Issued when the status last moved; contestable for the program's days.
          const core::Date issued =
              core::Date::FromDays(static_cast<int32_t>(row->second->version / 86'400'000));
          task.contest_until = issued.AddDays(workflow.rules.contest_days);
          if (tasks.today > task.contest_until) task.status = PeriodStatus::kAccepted;
        }
        if (task.status == PeriodStatus::kOpen) {
          task.days_late = std::max(0, tasks.today.DaysSince(due));
        }
        const std::optional<PeriodAction> action = Waiting(task.status, workflow.declared);
        if (!action || !sight.Allows(*unit, auth::Resource::kPeriod, PermissionOf(*action))) {
          continue;
        }
        // Contesting is the facility's own act: the district sees the report's window elsewhere.
        if (*action == PeriodAction::kContest && !IsFacilityItself(sight.user(), *unit)) continue;
        TaskGroup& group = groups[*action];
        group.action = *action;
        ++group.count;
        group.items.push_back(task);
      }
    }
  }
  // Names in the order a reader looks them up: letters' case aside ("Centre" beside "CSCOM").
  auto folded = [](const std::string& name) {
    std::string out = name;
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (PeriodAction action : kOrder) {
    auto it = groups.find(action);
    if (it == groups.end()) continue;
    TaskGroup& group = it->second;
    std::sort(
        group.items.begin(), group.items.end(), [&](const PeriodTask& a, const PeriodTask& b) {
          return std::make_tuple(-a.days_late, a.period.start(), folded(a.facility->name),
                                 a.data_set->name) < std::make_tuple(-b.days_late, b.period.start(),
                                                                     folded(b.facility->name),
                                                                     b.data_set->name);
        });
    if (group.items.size() > static_cast<size_t>(options.limit)) {
      group.items.resize(static_cast<size_t>(options.limit));
    }
    tasks.groups.push_back(std::move(group));
  }

  // The national unit: runs waiting for approval by someone who did not start them.
  if (sight.Everywhere(auth::Resource::kInvoiceRun, auth::Action::kWrite)) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> workflows, store.RunWorkflows());
    std::map<int64_t, const store::RunWorkflowRecord*> workflow_of;
    for (const store::RunWorkflowRecord& w : workflows) workflow_of[w.run_id] = &w;
    for (store::InvoiceRunRecord& run : runs) {
      auto w = workflow_of.find(run.id);
      if (w == workflow_of.end() || w->second->status != "computed" ||
          w->second->catch_up_for != 0 || run.created_by == sight.user().name) {
        continue;
      }
      run.status = w->second->status;  // as lists give it
      tasks.runs_to_approve.push_back(std::move(run));
    }
    std::sort(tasks.runs_to_approve.begin(), tasks.runs_to_approve.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
  }
  // Payment officers: accounts proposed by someone else, in their scope.
  const auto& grants = sight.user().grants;
  if (std::none_of(grants.begin(), grants.end(), [](const auth::Grant& grant) {
        return auth::RoleAllows(grant.role, auth::Resource::kPayment, auth::Action::kWrite);
      })) {
    return tasks;
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PaymentAccountRecord> accounts,
                          store.PaymentAccounts(0, /*confirmed_only=*/false));
  for (store::PaymentAccountRecord& account : accounts) {
    if (account.state != "proposed" || account.proposed_by == sight.user().name) continue;
    const core::OrgUnit* unit = directory.OrgUnitById(account.org_unit);
    if (unit == nullptr || !sight.Allows(*unit, auth::Resource::kPayment, auth::Action::kWrite)) {
      continue;
    }
    tasks.accounts_to_confirm.push_back(std::move(account));
  }
  return tasks;
}

Result<LargestGaps> LargestGapsOf(store::Store& store, const Sight& sight,
                                  const GapOptions& options) {
  LargestGaps out;
  const Directory& directory = sight.directory();
  store::ValueQuery query;
  for (const core::Period& p : Ended(core::PeriodType::kMonthly, options.months, core::Today())) {
    query.periods.push_back(p.Code());
  }
  // One subtree: the store reads that subtree only.
  const auto& grants = sight.user().grants;
  if (grants.size() == 1 && grants[0].scope.kind == auth::ScopeKind::kSubtree) {
    if (const core::OrgUnit* root = directory.OrgUnit(grants[0].scope.uid)) {
      query.org_unit_subtree = root->id;
    }
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ValueGap> cells,
                          store.Gaps(query, core::kStateDeclared, core::kStateVerified));
  // The monthly set holding each element, for the period's page.
  std::map<std::string_view, const core::DataSet*> set_of;
  for (const core::DataSet& set : directory.bundle().data_sets) {
    if (set.period_type != core::PeriodType::kMonthly) continue;
    for (const std::string& uid : set.data_element_uids) set_of.emplace(uid, &set);
  }
  for (const store::ValueGap& cell : cells) {
    const core::OrgUnit* facility = directory.OrgUnitById(cell.key.org_unit);
    const core::DataElement* element = directory.DataElementById(cell.key.data_element);
    if (facility == nullptr || element == nullptr ||
        !sight.Allows(*facility, auth::Resource::kDataValue)) {
      continue;
    }
    char* end = nullptr;
    const double declared = std::strtod(cell.first.c_str(), &end);
    if (end == cell.first.c_str()) continue;
    const double verified = std::strtod(cell.second.c_str(), &end);
    if (end == cell.second.c_str()) continue;
    ++out.cells;
    if (declared < options.minimum) continue;
    auto period = core::Period::FromCode(cell.key.period);
    auto set = set_of.find(element->uid);
    if (!period.ok() || set == set_of.end()) continue;
    out.gaps.push_back({set->second, facility, element, *period, declared, verified,
                        (verified - declared) / declared});
  }
  std::sort(out.gaps.begin(), out.gaps.end(), [](const DeclaredGap& a, const DeclaredGap& b) {
    return std::make_tuple(-std::abs(a.relative), -std::abs(a.verified - a.declared),
                           a.facility->name) < std::make_tuple(-std::abs(b.relative),
                                                               -std::abs(b.verified - b.declared),
                                                               b.facility->name);
  });
  if (out.gaps.size() > static_cast<size_t>(options.limit)) {
    out.gaps.resize(static_cast<size_t>(options.limit));
  }
  return out;
}

}  // namespace keneya::fbr
