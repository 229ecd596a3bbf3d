// What waits for a user: the home page's list. Each facility-period in the user's scope, of the
// data sets a program reads, among the last periods ended (three months, two quarters), at a
// status from which the user may take a step: declarations to make (late ones first), numbers to
// verify, reports to issue, contests to answer, periods to validate, and for a facility head the
// reports it may still contest. For the national unit, the runs waiting for its approval that it
// did not start; for payment officers, the accounts waiting for a second person.
//
//   KENEYA_ASSIGN_OR_RETURN(Tasks tasks, TasksOf(store, sight, {}));
//   for (const TaskGroup& group : tasks.groups) ... group.action, group.count, group.items
#ifndef KENEYA_FBR_TASKS_H_
#define KENEYA_FBR_TASKS_H_

#include <cstdint>
#include <vector>

#include "core/date.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/workflow.h"
#include "store/store.h"

namespace keneya::fbr {

struct PeriodTask {
  const core::DataSet* data_set = nullptr;
  const core::OrgUnit* facility = nullptr;
  core::Period period = core::Period::ForDate(core::PeriodType::kMonthly, core::Date());
  PeriodStatus status = PeriodStatus::kOpen;
  core::Date due;            // the declaration's deadline
  int days_late = 0;         // an open period past its deadline
  core::Date contest_until;  // a report: the last day it may be contested
};

struct TaskGroup {
  PeriodAction action = PeriodAction::kDeclare;
  int64_t count = 0;
  // The first TaskOptions::limit, most urgent first: the most days late, then the oldest
  // period, then by facility name.
  std::vector<PeriodTask> items;
};

struct Tasks {
  core::Date today;
  std::vector<TaskGroup> groups;                         // in the workflow's order, none empty
  std::vector<store::InvoiceRunRecord> runs_to_approve;  // oldest first
  std::vector<store::PaymentAccountRecord> accounts_to_confirm;
};

struct TaskOptions {
  int months = 3;    // the last months ended
  int quarters = 2;  // the last quarters ended
  int limit = 50;    // items kept per group
};

// Errors: the store's; a program that no longer compiles (as for a period's file).
core::Result<Tasks> TasksOf(store::Store& store, const Sight& sight, const TaskOptions& options);

// The largest gaps between declared and verified numbers in the user's scope over the last
// months ended: where a district looks first. Each is one cell (a facility's month and
// indicator) whose declared number is at least `minimum`, ranked by the gap relative to the
// declared number, then by its size.
struct DeclaredGap {
  const core::DataSet* data_set = nullptr;  // the monthly set holding the cell
  const core::OrgUnit* facility = nullptr;
  const core::DataElement* element = nullptr;
  core::Period period = core::Period::ForDate(core::PeriodType::kMonthly, core::Date());
  double declared = 0, verified = 0;
  double relative = 0;  // (verified - declared) / declared
};
struct GapOptions {
  int months = 3;
  int limit = 15;
  double minimum = 5;
};
struct LargestGaps {
  int64_t cells = 0;  // every cell in scope where the two differ
  std::vector<DeclaredGap> gaps;
};
core::Result<LargestGaps> LargestGapsOf(store::Store& store, const Sight& sight,
                                        const GapOptions& options);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_TASKS_H_
