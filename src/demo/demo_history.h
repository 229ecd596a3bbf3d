// The demo's history: what the FBR workflow recorded up to the demo's date, early February of the
// year after its last year (7 February 2025 by default), so that every screen opens on a
// programme in the middle of its life (docs/DEMO.md, "The history").
//
// Every facility-period to December is validated (before the last year, as taken over from the
// previous system; in the last year, declared, verified, reported, sometimes contested and
// answered, validated, each step by its person and day), but a few Decembers: not declared,
// declared late, a report whose window is still open, one report contested. Every quarter to the
// last year's third is computed, approved by the other member of the national unit, published
// and paid (a few in two transfers, those of the third quarter still partly paid); one quarter
// was reopened after a counter-verification, corrected, approved again, its complements paid and
// its over-payments deducted from the next payments. The last quarter is computed and waits for
// approval, its left-out facilities to be paid as catch-up. January is declared by part of the
// facilities, on time or late; the others are still open.
//
// Runs, approvals and payments go through the fbr service as the demo's accounts, the clock set
// to the day each happened (core::SetHistoryClock); facility-periods' statuses and events are
// written as recorded (Store::WritePeriodHistory).
//
//   KENEYA_ASSIGN_OR_RETURN(DemoHistorySummary history,
//                           WriteDemoHistory(store, dataset, {seed, 2021, 2024}, progress));
#ifndef KENEYA_DEMO_DEMO_HISTORY_H_
#define KENEYA_DEMO_DEMO_HISTORY_H_

#include <cstdint>

#include "core/date.h"
#include "core/result.h"
#include "demo/demo.h"
#include "store/store.h"

namespace keneya::demo {

struct DemoHistoryOptions {
  uint64_t seed = 20240101;
  int first_year = 2021;
  int last_year = 2024;
};

// The day the history stands at: 7 February of the year after `last_year`. The server of the
// demo runs on it (KENEYA_TODAY), so that January's deadline and the reports' windows read right.
core::Date DemoDate(int last_year);

struct DemoHistorySummary {
  core::Date as_of;
  int approved_runs = 0;      // approved and not reopened
  int reopened_runs = 0;      // reopened and computed again
  int64_t payments = 0;       // transfers recorded
  int64_t paid = 0;           // francs transferred
  int partly_paid = 0;        // invoices partly paid at the demo's date
  int64_t waiting_run = 0;    // the last quarter's run, waiting for approval
  int64_t waiting_total = 0;  // its invoices' total, francs
  int left_out = 0;           // facilities it left out
  int january_on_time = 0;    // January declared by the deadline
  int january_late = 0;       // declared after it
  int january_open = 0;       // not declared yet
};

// Writes the history into a store holding `demo` (LoadDemo), the demo program and its contracts
// (SetUpDemoFbr, without runs) and the demo's accounts (SetUpDemoAccounts). Progress phases:
// "history" (periods written), "accounts" (facilities' bank accounts), "runs" (quarters done).
// The history clock is given back when it returns.
core::Result<DemoHistorySummary> WriteDemoHistory(store::Store& store, const DemoDataset& demo,
                                                  const DemoHistoryOptions& options,
                                                  const store::ProgressFn& progress);

}  // namespace keneya::demo

#endif  // KENEYA_DEMO_DEMO_HISTORY_H_
