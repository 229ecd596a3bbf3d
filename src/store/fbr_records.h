// What the store keeps for FBR programs: program versions (their files), contracts and their
// history, and invoice runs with their invoices. The rules engine's types stay in src/rules;
// these are their stored form (the fbr module converts).
#ifndef KENEYA_STORE_FBR_RECORDS_H_
#define KENEYA_STORE_FBR_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/message.h"
#include "core/result.h"
#include "core/timestamp.h"

namespace keneya::store {

// One version of a program, as its files were loaded. Versions are immutable: storing the same
// code and version with other content is refused.
struct ProgramRecord {
  int64_t id = 0;
  std::string code;
  int version = 0;
  std::string name;
  core::Date valid_from;
  std::optional<core::Date> valid_to;
  std::string toml_name;
  std::string toml;
  std::string files_json;           // {"tarifs.csv": "...", ...}
  std::string checksum;             // of the files, to tell a repeat from a change
  core::TimestampMs loaded_at = 0;  // set by the store
  std::string loaded_by;            // set by the store
};

// The error for files that changed under a stored version number: "version 3 of program
// FBR_MALI is already stored with other content: give the changed program a new version".
core::Error VersionStoredWithOtherContent(std::string_view code, int version);

enum class ContractStatus { kActive, kSuspended, kEnded };
std::string_view ContractStatusCode(ContractStatus status);  // "active", "suspended", "ended"
std::optional<ContractStatus> ParseContractStatus(std::string_view code);
// The status in words ("actif" in French).
core::Message ContractStatusText(ContractStatus status);

// A facility's contract with a program, over dates. Contracts of one facility and one program
// never overlap: a change of terms (equity category, status) ends one and starts the next, so
// that a past period is computed with the facts true then.
struct Contract {
  int64_t id = 0;  // 0: a new contract
  int32_t org_unit = 0;
  std::string program_code;
  core::Date start;
  std::optional<core::Date> end;  // inclusive; none: open-ended
  std::string equity_category;    // an org unit group code (EQUITE_10)
  bool equity_explicit = false;   // false: taken from the remoteness group when signed
  ContractStatus status = ContractStatus::kActive;
  core::TimestampMs created = 0;       // set by the store
  core::TimestampMs last_updated = 0;  // set by the store
};

struct ContractChange {
  int64_t contract_id = 0;
  std::string action;  // "create", "update"
  core::TimestampMs at = 0;
  std::string user;
  std::string source;
  std::string reason;
  std::string old_terms;  // "2021-01-01..2023-12-31 EQUITE_10 active"; empty on create
  std::string new_terms;
};

// Terms as a ContractChange stores them ("2021-01-01.. EQUITE_10 (set) active") in words: the
// status and "(set)" in the reader's language. Terms that do not read so are shown as stored.
core::Message ContractTermsText(std::string_view stored_terms);

// An invoice run: one payment rule of one program version for one period. A new run of the same
// program, payment and period supersedes the previous draft.
struct InvoiceRunRecord {
  int64_t id = 0;
  std::string program_code;
  int program_version = 0;
  std::string payment_code;
  int32_t period = 0;             // core::Period::Code()
  std::string status;             // "draft", "superseded"
  core::TimestampMs created = 0;  // set by the store
  std::string created_by;         // set by the store
  int64_t invoice_count = 0;
  int64_t missing_count = 0;
  int64_t suspended_count = 0;  // contracts suspended then: no invoice
  int64_t total = 0;            // francs CFA
};

struct InvoiceRecord {
  int64_t id = 0;
  int64_t run_id = 0;
  int32_t org_unit = 0;
  std::string number;
  int64_t total = 0;
  std::string lines_json;     // the invoice's lines
  std::string snapshot_json;  // the inputs it was computed from
};

// ---- The workflow ----

// A facility's period of one data set: the unit the workflow moves (January's quantities of
// CSCOM Koko II, its 2024Q1 quality).
struct PeriodKey {
  int32_t data_set = 0;
  int32_t org_unit = 0;
  int32_t period = 0;  // core::Period::Code()
  friend auto operator<=>(const PeriodKey&, const PeriodKey&) = default;
};

// Where a facility-period stands. A key without a row is "open".
struct PeriodStatusRecord {
  PeriodKey key;
  std::string status;             // fbr's status code ("declared", "verified"...)
  core::TimestampMs version = 0;  // when it last changed: a change names the version it saw
  std::string changed_by;
};

// One change of a facility-period's status, with what it carried.
struct PeriodEvent {
  int64_t id = 0;  // set by the store
  PeriodKey key;
  core::TimestampMs at = 0;  // set by the store
  std::string user;          // the actor's name (set by the store)
  std::string source;        // "api", "cli"... (set by the store)
  std::string address;       // the client's address over the API (set by the store)
  std::string action;        // "declare", "issue_report", "contest"...
  std::string from, to;      // the status before ("open" for a key without a row) and after
  bool on_behalf = false;    // done by the district for the facility (a paper report typed)
  std::string reason;
  std::string detail;  // JSON: a verification report's data, the days late...
};

struct PeriodStatusQuery {
  std::vector<int32_t> data_sets;  // each list: empty means any
  std::vector<int32_t> org_units;
  std::vector<int32_t> periods;
  std::vector<std::string> statuses;
};

// ---- Runs in the workflow ----

// A run computed for approval (a draft run has none).
struct RunWorkflowRecord {
  int64_t run_id = 0;
  std::string status;             // "computed", "approved", "reopened"
  core::TimestampMs version = 0;  // when it last changed
  std::string approved_by;
  core::TimestampMs approved_at = 0;
  std::string published_by;
  core::TimestampMs published_at = 0;  // 0: not published
  int64_t job_id = 0;                  // the job that computed it (0: none)
  int64_t catch_up_for = 0;  // a catch-up run: the run it came with, whose steps it follows
};

struct RunEvent {
  int64_t id = 0;
  int64_t run_id = 0;
  core::TimestampMs at = 0;           // set by the store
  std::string user, source, address;  // set by the store from the actor
  std::string action;                 // "start", "approve", "reopen", "publish"
  std::string from, to;
  std::string reason;
};

// A facility a run did not invoice, and why ("not_declared", "contested"...: fbr's codes).
struct LeftOutRecord {
  int32_t org_unit = 0;
  std::string reason;
};

// A facility's period whose values an approved run read: they do not change until it reopens.
struct ValueLock {
  int32_t org_unit = 0;
  int32_t period = 0;  // core::Period::Code()
  int64_t run_id = 0;
};

// A run's step: from `from` (the status seen, at `seen`) to `to`, with its event; locks added,
// or the run's locks removed.
struct RunChange {
  int64_t run_id = 0;
  std::string action;
  std::string from, to;
  core::TimestampMs seen = 0;
  std::string reason;
  std::vector<ValueLock> add_locks;
  bool remove_locks = false;
  bool publish = false;  // sets published_by and published_at
};

// What makes a stored run one for approval, written in the run's own transaction: the facilities
// it left out, the computed run it replaces, and the job that computed it. The run is refused
// (kConflict) when another run of the program, payment and period is computed or approved, or
// when `job_owner` no longer holds the job (another server took it over); the job is marked
// succeeded with the run in the same transaction.
struct RunForApproval {
  std::vector<LeftOutRecord> left_out;
  int64_t replaces = 0;  // the computed run it replaces (0: none may be waiting)
  int64_t job_id = 0;    // 0: computed outside a job
  std::string job_owner;
  // Catch-ups of earlier periods, each a run of its own stored in the same transaction, waiting
  // for approval with this run (RunWorkflowRecord::catch_up_for), its steps following this run's.
  struct CatchUp {
    InvoiceRunRecord run;
    std::vector<InvoiceRecord> invoices;
  };
  std::vector<CatchUp> catch_ups;
};

// ---- Background jobs ----

// A long piece of work (an invoice run, a push to DHIS2) stored with its progress, taken by one
// server at a time under a lease that the server renews; another server takes over a job whose
// lease ran out.
struct JobRecord {
  int64_t id = 0;
  std::string kind;                  // "invoice_run", "dhis2_push"
  std::string key;                   // one active job per key ("invoice_run FBR_MALI 2024Q4")
  std::string params;                // JSON, read by the job's kind
  std::string state;                 // "queued", "running", "succeeded", "failed"
  core::TimestampMs created_at = 0;  // set by the store
  std::string created_by, source, address;  // set by the store from the actor
  std::string owner;                        // the server running it ("" while queued)
  core::TimestampMs lease_until = 0;
  int attempts = 0;  // how many times a server took it
  std::string phase;
  int64_t done = 0, total = 0;
  core::TimestampMs started_at = 0, finished_at = 0;
  int64_t result_id = 0;  // the run it made
  std::string error;      // JSON: a message id and its arguments, when failed
};

// A job's progress as its server reports it, with the lease renewed to `lease_until`.
struct JobProgress {
  std::string phase;
  int64_t done = 0, total = 0;
};

// ---- Payments ----

// A facility's account, as proposed by one person and confirmed or rejected by another. A
// confirmed account is replaced when another is confirmed; rows change only by that decision.
struct PaymentAccountRecord {
  int64_t id = 0;
  int32_t org_unit = 0;
  std::string kind;         // "bank" or "mobile"
  std::string institution;  // the bank ("BDM-SA") or the mobile-money operator ("Orange Money")
  std::string number;       // the RIB (24 characters) or the wallet's phone number (+223...)
  std::string holder;       // whose account ("ASACO de Koko II")
  std::string state;        // "proposed", "confirmed", "rejected", "replaced"
  std::string reason;       // why it was proposed
  std::string proposed_by;  // set by the store from the actor, with the time, source, address
  core::TimestampMs proposed_at = 0;
  std::string source, address;
  std::string decided_by;  // who confirmed or rejected it, when, why
  core::TimestampMs decided_at = 0;
  std::string decided_reason;
};

// A payment of an invoice: money sent to the facility's account ("transfer"), or an amount the
// facility owes on another of its invoices set against this one ("offset").
struct PaymentRecord {
  int64_t id = 0;
  int64_t invoice_id = 0;
  std::string kind;          // "transfer" or "offset"
  int64_t amount = 0;        // francs CFA, above 0
  std::string paid_on;       // "2025-02-14"
  std::string reference;     // the bank's or operator's reference; for an offset, what it recovers
  int64_t account_id = 0;    // a transfer: the account paid into
  int64_t from_invoice = 0;  // an offset: the invoice whose over-payment it recovers
  std::string recorded_by;   // set by the store from the actor, with the time, source, address
  core::TimestampMs recorded_at = 0;
  std::string source, address;
};

// What the national unit decided about an invoice paid beyond its amount: deduct the excess
// from the facility's next payments (the rule), or waive it. The last decision stands.
struct RecoveryDecisionRecord {
  int64_t id = 0;
  int64_t invoice_id = 0;
  std::string decision;  // "deduct" or "waive"
  std::string reason;
  std::string decided_by;  // set by the store from the actor, with the time, source, address
  core::TimestampMs decided_at = 0;
  std::string source, address;
};

// What a writer of payments saw of a facility's payments and decisions: the newest ids.
struct PaymentsSeen {
  int64_t payment = 0;
  int64_t decision = 0;
};

// ---- The audit trail, every kind of change on one page ----

// What AuditEvents reads: the kinds wanted, each kind's newest first.
enum class AuditKind : uint8_t {
  kValue,     // a data value changed (data_value_audit)
  kPeriod,    // a facility-period's workflow step (period_event)
  kRun,       // an invoice run's step (run_event)
  kPayment,   // a payment recorded (transfer or offset)
  kRecovery,  // a decision about an amount to recover
  kAccount,   // a facility's payment account proposed or decided
  kContract,  // a contract created or changed
  kUser,      // a user account's change (auth_audit)
};
struct AuditQuery {
  std::vector<AuditKind> kinds;
  std::string user;                    // who made the change, exactly; empty: anyone
  core::TimestampMs from = 0, to = 0;  // at in [from, to); 0: open
  std::string path;    // an org unit's path: the changes of places under it (not runs, users)
  int64_t limit = 50;  // of each kind
};
// One change, as the trail shows it. `org_unit` is the place it concerns (0: none: a run, a user
// account); the fields after `reason` hold what the kind has.
struct AuditEvent {
  AuditKind kind = AuditKind::kValue;
  int64_t id = 0;  // in its own table
  core::TimestampMs at = 0;
  std::string user, source, address;
  std::string action;         // "update", "approve", "transfer", "confirm"...
  std::string before, after;  // old and new value, status, terms, amount
  std::string reason;         // the reason given, a reference, a detail
  int32_t org_unit = 0;
  int32_t period = 0;        // values and periods: core::Period::Code()
  int32_t data_element = 0;  // values
  int32_t data_set = 0;      // periods
  int32_t state = 0;         // values
  int64_t run = 0;           // runs
  std::string subject;       // an invoice number, a contract's program, a user's name
};

// One facility's payments in a batch recorded at once (a bank statement).
struct FacilityPayments {
  int32_t org_unit = 0;
  std::vector<PaymentRecord> payments;
  PaymentsSeen seen;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_FBR_RECORDS_H_
