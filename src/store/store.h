// The store: where Keneya keeps metadata, data values and their audit trail.
//
// One interface, two engines: SQLite (embedded, one file in WAL mode: the default) and
// PostgreSQL (server deployments). Both pass the same contract test suite
// (tests/store/store_contract_test.cc). The schema is created and upgraded by versioned
// migrations (docs/STORE.md).
//
//   KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore("keneya.db"));
//   KENEYA_RETURN_IF_ERROR(store->SaveMetadata(bundle, actor));
//   KENEYA_ASSIGN_OR_RETURN(BulkLoadSummary summary, store->BulkLoad(values, info, progress));
//
// Auditing (DESIGN.md): every change to a data value is recorded with who, when, the old and the
// new value, the source and an optional reason. A bulk load records one import (who, when,
// source); the values it creates point to it (DataValue::import_id), and each value it changes
// or deletes gets its own audit entry. Values are never physically deleted: a delete marks them
// deleted, as DHIS2 does, and is audited.
//
// Threads: a Store is one database connection and must be used by one thread at a time. Several
// Stores (in one process or many) may write to the same database at once; writes are
// serialised by the database (SQLite's write lock, PostgreSQL's row and table locks).
#ifndef KENEYA_STORE_STORE_H_
#define KENEYA_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/data_value.h"
#include "core/metadata.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "store/auth_records.h"
#include "store/fbr_records.h"
#include "store/load_values.h"

namespace keneya::store {

// Who makes a change, through what, and why.
struct Actor {
  std::string user;     // a user name; on the command line --user or the OS user
  std::string source;   // "cli", "api", "screen", "file:declarations.json"...
  std::string reason;   // optional free text
  std::string address;  // where from: the client's address for the API, "" on the command line
};

// What a bulk load is: recorded once as the import its new values point to.
struct ImportInfo {
  std::string user;
  std::string source;  // the file name or URL the values came from
  std::string kind;    // "demo", "dhis2-json", "bench"...
  std::string reason;
};

// The stored record of one bulk load.
struct ImportRecord {
  int64_t id = 0;
  std::string user;
  std::string source;
  std::string kind;
  std::string reason;
  core::TimestampMs started = 0;
  core::TimestampMs finished = 0;
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t deleted = 0;
  int64_t repeated = 0;
  int64_t skipped = 0;
};

// How a bulk load treats stored values (DHIS2's importStrategy).
enum class LoadStrategy {
  kCreateAndUpdate,  // write every value: create new keys, update stored ones
  kCreate,           // only create: a key with a live stored value is skipped
  kUpdate,           // only update: a key without a live stored value is skipped
  kDelete,           // every value is a delete, whatever its deleted flag
};

struct BulkLoadOptions {
  LoadStrategy strategy = LoadStrategy::kCreateAndUpdate;
  // Do everything, report what would happen, then roll back: nothing is written, not even the
  // import record (the summary's import_id is 0).
  bool dry_run = false;
};

// What a bulk load did. created + updated + unchanged + deleted + skipped + repeated = the
// number of input values.
struct BulkLoadSummary {
  int64_t import_id = 0;
  int64_t created = 0;    // new keys (a value marked deleted is stored as a deleted row, as
                          // DHIS2 does), and deleted values written again
  int64_t updated = 0;    // live values whose content changed (each audited)
  int64_t unchanged = 0;  // same content as stored, or a delete of a deleted or missing value
  int64_t deleted = 0;    // live values marked deleted (each audited)
  // Input positions (0-based, ascending) of values the strategy skipped.
  std::vector<size_t> skipped;
  // Input positions (0-based, ascending) of values whose key was already given earlier in the
  // same load; the first one given is applied, these are not.
  std::vector<size_t> repeated;
};

// Reports the progress of long work: `done` of `total` items in `phase` ("sort", "write",
// "commit"). Called from the working thread, at least every few thousand items.
struct Progress {
  std::string_view phase;
  int64_t done = 0;
  int64_t total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

// The outcome of writing one value.
enum class WriteOutcome { kCreated, kUpdated, kUnchanged };

enum class AuditAction { kCreate, kUpdate, kDelete };
std::string_view AuditActionName(AuditAction action);  // "create", "update", "delete"

// One audited change of one data value.
struct AuditEntry {
  int64_t id = 0;
  core::DataValueKey key;
  AuditAction action = AuditAction::kUpdate;
  core::TimestampMs at = 0;
  std::string user;
  std::string source;
  std::string reason;
  int64_t import_id = 0;                 // the bulk load that made the change; 0 for a single write
  std::optional<std::string> old_value;  // absent for the creation of a new key
  std::optional<std::string> new_value;
  std::string old_comment;
  std::string new_comment;
  bool old_followup = false;
  bool new_followup = false;
};

// Which values to read. Empty lists mean "any".
struct ValueQuery {
  std::vector<int32_t> periods;  // Period::Code()s
  std::vector<int32_t> org_units;
  std::optional<int32_t> org_unit_subtree;  // this org unit and all below it
  std::vector<int32_t> data_elements;
  std::vector<int32_t> states;
  bool include_deleted = false;
};

struct ValueCount {
  int32_t period = 0;  // Period::Code()
  int32_t state = 0;
  int64_t count = 0;
};

struct ValueGap {
  core::DataValueKey key;  // with the state `first`
  std::string first, second;
};

// A data set reported complete (DHIS2's completeDataSetRegistration).
struct CompletionKey {
  int32_t data_set = 0;
  int32_t period = 0;  // Period::Code()
  int32_t org_unit = 0;
  int32_t attribute_option_combo = 0;
  friend auto operator<=>(const CompletionKey&, const CompletionKey&) = default;
};

struct Completion {
  CompletionKey key;
  bool completed = true;
  std::string complete_date;  // yyyy-MM-dd
  std::string stored_by;
  core::TimestampMs last_updated = 0;  // set by the store
};

// A stored change to metadata (org units, data elements...): who, when, what.
struct MetadataChange {
  int64_t id = 0;
  core::TimestampMs at = 0;
  std::string user;
  std::string source;
  std::string object_type;  // "org_unit", "data_element"...
  std::string object_uid;
  std::string action;  // "create", "update"
};

class Store {
 public:
  Store();
  virtual ~Store() = default;

  // A number no other database opened by this process had or will have (the connections of a
  // pool share theirs): what a cache of records that never change (an invoice's lines) keys them
  // by, beside their id.
  uint64_t instance() const { return instance_; }
  // Takes `other`'s instance: for the connections of one pool, which reach the same database.
  void ShareInstanceWith(const Store& other) { instance_ = other.instance_; }

  // "sqlite" or "postgresql".
  virtual std::string_view engine() const = 0;

  // ---- Schema ----
  // The schema version of the database: 0 for an empty database.
  virtual core::Result<int> SchemaVersion() = 0;
  // The newest version this program knows.
  virtual int LatestSchemaVersion() const = 0;
  // Applies the migrations the database lacks, each in its own transaction, and returns the new
  // version. Safe to run from several processes at once. Refuses a database whose version is
  // newer than this program's (an older Keneya must not write to a newer schema).
  virtual core::Result<int> Migrate() = 0;

  // ---- Metadata ----
  // Creates or updates, by uid, every object of the bundle, in one transaction. The bundle is
  // validated together with what is already stored (references may point to stored objects);
  // any problem rejects the whole bundle and writes nothing. Each created or changed object is
  // recorded in the metadata audit.
  virtual core::Status SaveMetadata(const core::MetadataBundle& bundle, const Actor& actor) = 0;
  // All stored metadata, with store ids filled in. Org units come parents first.
  virtual core::Result<core::MetadataBundle> LoadMetadata() = 0;
  virtual core::Result<std::vector<MetadataChange>> MetadataAudit(std::string_view object_uid) = 0;
  // A number that grows with every metadata change (the newest metadata audit entry): a cache of
  // the metadata is fresh while it stays the same.
  virtual core::Result<int64_t> MetadataRevision() = 0;
  // Numbers that grow with every change a computation reads: data values (their audit), imports,
  // contracts, metadata, states and invoice runs. What was computed from the store is fresh while
  // they stay the same (a simulation's inputs kept in memory).
  virtual core::Result<std::vector<int64_t>> DataRevision() = 0;

  // The FBR states: declared, verified, validated, and those programs added.
  virtual core::Result<std::vector<core::State>> States() = 0;
  // Adds a state (code unique, lower case letters, digits and '_'); returns it with its id.
  virtual core::Result<core::State> AddState(const core::State& state, const Actor& actor) = 0;

  // ---- Data values ----
  // The value with this key, deleted or not; nullopt when the key was never written.
  virtual core::Result<std::optional<core::DataValue>> GetValue(const core::DataValueKey& key) = 0;
  // Creates or updates one value and audits it. Writing over a deleted value recreates it
  // (outcome kCreated). The key's objects must exist (kNotFound otherwise); the value must not be
  // marked deleted (use DeleteValue).
  virtual core::Result<WriteOutcome> PutValue(const core::DataValue& value, const Actor& actor) = 0;
  // Marks the value deleted and audits it; false when there was no live value to delete.
  virtual core::Result<bool> DeleteValue(const core::DataValueKey& key, const Actor& actor) = 0;
  // A write made against the version the writer saw (a data entry cell): PutValue, or DeleteValue
  // when `value.deleted`, only while the stored row's last_updated is still `expected` (0: the
  // key was never written). Otherwise nothing is written and the answer is kConflict: someone
  // else saved first. A change always moves last_updated forward, so that no two versions of a
  // row share it.
  virtual core::Result<WriteOutcome> WriteValueIf(const core::DataValue& value,
                                                  core::TimestampMs expected,
                                                  const Actor& actor) = 0;
  // Writes many values in one transaction (all or nothing, even if the process is killed), fast:
  // SQLite through one prepared statement, PostgreSQL through COPY. Values marked deleted delete
  // a live stored value, and are stored as deleted rows where there is none (DHIS2's soft
  // delete). Records one import. Reports progress through `progress` (may be empty).
  virtual core::Result<BulkLoadSummary> BulkLoad(const LoadValues& values, const ImportInfo& info,
                                                 const ProgressFn& progress,
                                                 const BulkLoadOptions& options) = 0;
  core::Result<BulkLoadSummary> BulkLoad(std::span<const core::DataValue> values,
                                         const ImportInfo& info, const ProgressFn& progress,
                                         const BulkLoadOptions& options = {}) {
    return BulkLoad(SpanValues(values), info, progress, options);
  }
  // Values matching the query, in key order.
  virtual core::Result<std::vector<core::DataValue>> Query(const ValueQuery& query) = 0;
  virtual core::Result<int64_t> Count(const ValueQuery& query) = 0;
  // The latest of the query's periods that holds a value within the query (by Period::Code()),
  // nullopt when none does.
  virtual core::Result<std::optional<int32_t>> LatestPeriod(const ValueQuery& query) = 0;
  // How many values each period and state holds within the query, by period then state (a
  // facility's months at a glance, without reading the values).
  virtual core::Result<std::vector<ValueCount>> CountByPeriodAndState(const ValueQuery& query) = 0;
  // The cells where a value of state `first` and one of state `second` both exist and differ as
  // text (declared beside verified), within the query (its states are ignored), in key order.
  virtual core::Result<std::vector<ValueGap>> Gaps(const ValueQuery& query, int32_t first,
                                                   int32_t second) = 0;

  // ---- Completeness ----
  // Records (or updates) a completion registration, audited. Unchanged registrations write
  // nothing.
  virtual core::Result<WriteOutcome> PutCompletion(const Completion& completion,
                                                   const Actor& actor) = 0;
  virtual core::Result<std::optional<Completion>> GetCompletion(const CompletionKey& key) = 0;
  // The registrations of a data set (0: all), in key order.
  virtual core::Result<std::vector<Completion>> Completions(int32_t data_set) = 0;

  // ---- Audit ----
  // The changes of one value, oldest first. A value created by a bulk load has no create entry:
  // its import_id names the import that created it.
  virtual core::Result<std::vector<AuditEntry>> AuditTrail(const core::DataValueKey& key) = 0;
  // The changes of the kinds asked, newest first within each kind (at most `limit` of each),
  // filtered by who, when and where: the audit trail's page merges them. Unchecked: the caller
  // decides who may read which kind.
  virtual core::Result<std::vector<AuditEvent>> AuditEvents(const AuditQuery& query) = 0;
  virtual core::Result<ImportRecord> GetImport(int64_t id) = 0;
  // All imports, newest first.
  virtual core::Result<std::vector<ImportRecord>> Imports() = 0;

  // Streams the live (not deleted) values a query selects, in no particular order, without
  // building DataValue objects: the fast read of invoice runs.
  virtual core::Status ScanValues(
      const ValueQuery& query,
      const std::function<void(const core::DataValueKey& key, std::string_view value)>& each) = 0;

  // ---- FBR programs, contracts, invoices ----
  // Stores a program version. The same code, version and content again is not an error (the
  // stored record comes back); other content under a stored code and version is refused
  // (kAlreadyExists: raise the version). Audited as metadata ("program").
  virtual core::Result<ProgramRecord> SaveProgram(const ProgramRecord& program,
                                                  const Actor& actor) = 0;
  // Program versions, by code then version (files included).
  virtual core::Result<std::vector<ProgramRecord>> Programs() = 0;
  // Creates (id 0) or updates a contract, audited. Refused: an unknown org unit, an end before
  // the start, and a contract of the same facility and program whose dates overlap.
  virtual core::Result<Contract> PutContract(const Contract& contract, const Actor& actor) = 0;
  // Several contract writes in one transaction, in order (each sees the ones before): ending one
  // contract and starting the next is both or neither.
  virtual core::Result<std::vector<Contract>> PutContracts(std::span<const Contract> contracts,
                                                           const Actor& actor) = 0;
  // Every contract of a program (all of them when empty), by org unit then start.
  virtual core::Result<std::vector<Contract>> Contracts(std::string_view program_code) = 0;
  // A facility's contracts with every program, by program then start.
  virtual core::Result<std::vector<Contract>> ContractsOf(int32_t org_unit) = 0;
  virtual core::Result<std::vector<ContractChange>> ContractHistory(int64_t contract_id) = 0;
  // Stores a run, its invoices and the facilities that reported nothing, in one transaction;
  // previous draft runs (those outside the workflow) of the same program, payment and period
  // become superseded. With `approval` (not null), the run is one for approval (RunForApproval),
  // in the same transaction. Returns the run with its id.
  virtual core::Result<InvoiceRunRecord> SaveInvoiceRun(const InvoiceRunRecord& run,
                                                        std::span<const InvoiceRecord> invoices,
                                                        std::span<const int32_t> missing,
                                                        std::span<const int32_t> suspended,
                                                        const RunForApproval* approval,
                                                        const Actor& actor) = 0;
  // Runs, newest first.
  virtual core::Result<std::vector<InvoiceRunRecord>> InvoiceRuns() = 0;
  virtual core::Result<std::vector<InvoiceRecord>> Invoices(int64_t run_id) = 0;
  virtual core::Result<std::vector<int32_t>> MissingFacilities(int64_t run_id) = 0;
  virtual core::Result<std::vector<int32_t>> SuspendedFacilities(int64_t run_id) = 0;
  // The numbers of every invoice of every run of a program's payment for a period, by org
  // unit, oldest run first: what keeps a facility's invoice number across recomputations.
  virtual core::Result<std::vector<std::pair<int32_t, std::string>>> InvoiceNumbers(
      std::string_view program_code, std::string_view payment_code, int32_t period) = 0;
  virtual core::Result<std::optional<InvoiceRecord>> GetInvoice(std::string_view number) = 0;
  // Invoices as lists show them, without their lines and snapshot (left empty): those of a run
  // (run_id; 0: any) and of facilities (org_units; empty: any). By number.
  virtual core::Result<std::vector<InvoiceRecord>> InvoiceList(
      int64_t run_id, std::span<const int32_t> org_units) = 0;
  // The same for one facility (org_unit; 0: any).
  core::Result<std::vector<InvoiceRecord>> InvoiceList(int64_t run_id, int32_t org_unit) {
    return org_unit == 0 ? InvoiceList(run_id, std::span<const int32_t>())
                         : InvoiceList(run_id, std::span<const int32_t>(&org_unit, 1));
  }
  // Invoices by id with their lines (the snapshot left empty), by id; unknown ids are left out.
  virtual core::Result<std::vector<InvoiceRecord>> InvoiceLines(
      std::span<const int64_t> invoice_ids) = 0;

  // ---- The workflow (fbr_records.h) ----
  // A facility-period's status; nullopt when it never moved (open).
  virtual core::Result<std::optional<PeriodStatusRecord>> GetPeriodStatus(const PeriodKey& key) = 0;
  // The statuses the query selects (rows only: open keys are absent), by key.
  virtual core::Result<std::vector<PeriodStatusRecord>> PeriodStatuses(
      const PeriodStatusQuery& query) = 0;
  // Moves a facility-period from `event.from` to `event.to` and records the event, in one
  // transaction, when the period is still at `event.from` and at the version `seen` (0 for an
  // open key); otherwise kConflict and nothing written (someone moved it first). The event's
  // time, user and source come from the store and `actor`. Returns the new status.
  virtual core::Result<PeriodStatusRecord> ChangePeriodStatus(const PeriodEvent& event,
                                                              core::TimestampMs seen,
                                                              const Actor& actor) = 0;
  // A facility-period's events, oldest first.
  virtual core::Result<std::vector<PeriodEvent>> PeriodEvents(const PeriodKey& key) = 0;
  // Writes facility-periods' statuses and events as they were recorded elsewhere or earlier (the
  // demo's history, a migration from another system), in one transaction: each status row
  // inserted or replaced, each event with its own time, user, source and address. Nothing is
  // checked against the workflow's steps: the caller brings a history that holds.
  virtual core::Status WritePeriodHistory(std::span<const PeriodStatusRecord> statuses,
                                          std::span<const PeriodEvent> events) = 0;

  // ---- Runs in the workflow (fbr_records.h) ----
  // nullopt for a draft run.
  virtual core::Result<std::optional<RunWorkflowRecord>> GetRunWorkflow(int64_t run_id) = 0;
  // Every run's workflow row, by run id.
  virtual core::Result<std::vector<RunWorkflowRecord>> RunWorkflows() = 0;
  // Takes a run's step (RunChange) in one transaction when the run is still at `from` and `seen`;
  // otherwise kConflict and nothing written.
  virtual core::Result<RunWorkflowRecord> ChangeRun(const RunChange& change,
                                                    const Actor& actor) = 0;
  virtual core::Result<std::vector<RunEvent>> RunEvents(int64_t run_id) = 0;
  virtual core::Result<std::vector<LeftOutRecord>> LeftOut(int64_t run_id) = 0;
  // The approved runs' locks on a facility's period (none: its values may change).
  virtual core::Result<std::vector<ValueLock>> LocksOn(int32_t org_unit, int32_t period) = 0;

  // ---- Background jobs (fbr_records.h) ----
  // Queues a job (state "queued"), unless a job of the same key is queued or running: then that
  // job comes back instead, with `created` false. Two servers asking at once get one job.
  struct CreatedJob {
    JobRecord job;
    bool created = false;
  };
  virtual core::Result<CreatedJob> CreateJob(const JobRecord& job, const Actor& actor) = 0;
  virtual core::Result<std::optional<JobRecord>> GetJob(int64_t id) = 0;
  // Jobs of a kind (every kind when empty), newest first, at most `limit`.
  virtual core::Result<std::vector<JobRecord>> Jobs(std::string_view kind, int limit) = 0;
  // Takes the oldest job that is queued, running under a lease that ran out before `now`, or
  // running under `owner` itself (a server restarted under the same name): it becomes running
  // under `owner` until `lease_until`, its attempts counted. nullopt when none waits.
  virtual core::Result<std::optional<JobRecord>> ClaimJob(std::string_view owner,
                                                          core::TimestampMs now,
                                                          core::TimestampMs lease_until) = 0;
  // Records a running job's progress and renews its lease; false when `owner` no longer holds
  // it (taken over, or finished).
  virtual core::Result<bool> RenewJob(int64_t id, std::string_view owner,
                                      core::TimestampMs lease_until,
                                      const JobProgress& progress) = 0;
  // Ends a running job held by `owner`: "succeeded" with `result_id`, or "failed" with `error`.
  // false when `owner` no longer holds it.
  virtual core::Result<bool> FinishJob(int64_t id, std::string_view owner, std::string_view state,
                                       int64_t result_id, std::string_view error) = 0;
  // Ends a job still queued as "failed" with `error` (its request was refused once it was made);
  // false when a server took it already (it then fails as it starts, for the same reason).
  virtual core::Result<bool> CancelJob(int64_t id, std::string_view error) = 0;

  // ---- Payments (fbr_records.h) ----
  // A facility's accounts, newest first (org_unit 0: every facility's); only the confirmed ones
  // when `confirmed_only`.
  virtual core::Result<std::vector<PaymentAccountRecord>> PaymentAccounts(int32_t org_unit,
                                                                          bool confirmed_only) = 0;
  virtual core::Result<std::optional<PaymentAccountRecord>> GetPaymentAccount(int64_t id) = 0;
  // Records a proposed account (state "proposed"); kConflict when the facility already has one
  // waiting for its decision.
  virtual core::Result<PaymentAccountRecord> ProposeAccount(const PaymentAccountRecord& account,
                                                            const Actor& actor) = 0;
  // Confirms (the facility's confirmed account, if any, becomes "replaced") or rejects a
  // proposed account, with the decider and `reason`, in one transaction; kConflict when it is no
  // longer proposed.
  virtual core::Result<PaymentAccountRecord> DecideAccount(int64_t id, bool confirm,
                                                           std::string_view reason,
                                                           const Actor& actor) = 0;
  // The payments of a facility's invoices (org_unit 0: every facility's), by id.
  virtual core::Result<std::vector<PaymentRecord>> Payments(int32_t org_unit) = 0;
  // The recovery decisions on a facility's invoices (org_unit 0: every facility's), by id.
  virtual core::Result<std::vector<RecoveryDecisionRecord>> RecoveryDecisions(int32_t org_unit) = 0;
  // Records payments of one facility's invoices in one transaction, when its newest payment and
  // decision are still those `seen` (a second writer is serialised on the facility's invoices);
  // otherwise kConflict and nothing written. Returns them with their ids.
  virtual core::Result<std::vector<PaymentRecord>> RecordPayments(
      int32_t org_unit, std::span<const PaymentRecord> payments, const PaymentsSeen& seen,
      const Actor& actor) = 0;
  // Records the payments of several facilities in one transaction (a bank statement), each
  // facility under RecordPayments' condition: one facility's kConflict writes nothing at all.
  // Returns them with their ids, in the batch's order.
  virtual core::Result<std::vector<PaymentRecord>> RecordPaymentBatch(
      std::span<const FacilityPayments> batch, const Actor& actor) = 0;
  // Appends a recovery decision about one of the facility's invoices, under the same condition.
  virtual core::Result<RecoveryDecisionRecord> DecideRecovery(
      int32_t org_unit, const RecoveryDecisionRecord& decision, const PaymentsSeen& seen,
      const Actor& actor) = 0;

  // ---- Accounts (auth_records.h) ----
  // Each change is recorded in the account audit, in the same transaction, with the actor's name,
  // source and address.
  // Creates a user (name unique: kAlreadyExists otherwise); audited as "user_create".
  virtual core::Result<UserRecord> CreateUser(const UserRecord& user, const Actor& actor) = 0;
  // Writes a user's full name, e-mail, language, password hash, disabled flag and password date;
  // audited as `action` ("user_update", "password_change", "user_disable"...) with `detail`.
  virtual core::Result<UserRecord> UpdateUser(const UserRecord& user, std::string_view action,
                                              std::string_view detail, const Actor& actor) = 0;
  virtual core::Result<std::optional<UserRecord>> FindUser(std::string_view name) = 0;
  virtual core::Result<std::optional<UserRecord>> FindUserById(int64_t id) = 0;
  // Every user, by name.
  virtual core::Result<std::vector<UserRecord>> Users() = 0;
  // Grants a role over a scope (the same grant again: kAlreadyExists); audited as "role_grant".
  virtual core::Result<RoleGrantRecord> GrantRole(const RoleGrantRecord& grant,
                                                  const Actor& actor) = 0;
  // Revokes a grant; audited as "role_revoke". kNotFound when there is no such grant.
  virtual core::Status RevokeRole(int64_t grant_id, const Actor& actor) = 0;
  // The grants of a user (0: of every user), by user then id.
  virtual core::Result<std::vector<RoleGrantRecord>> RoleGrants(int64_t user_id) = 0;
  // Stores a new session; audited as "login".
  virtual core::Status CreateSession(const SessionRecord& session, const Actor& actor) = 0;
  virtual core::Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) = 0;
  // Records that a session was used (not audited).
  virtual core::Status TouchSession(std::string_view token_hash, core::TimestampMs last_seen) = 0;
  // Ends one session (audited as "logout" when `actor` is given a name) or every session of a
  // user (token_hash empty: a password change, a disabled account).
  virtual core::Status DeleteSessions(int64_t user_id, std::string_view token_hash,
                                      const Actor& actor) = 0;
  // Stores a new API token; audited as "token_create".
  virtual core::Result<ApiTokenRecord> CreateToken(const ApiTokenRecord& token,
                                                   const Actor& actor) = 0;
  virtual core::Result<std::optional<ApiTokenRecord>> FindToken(std::string_view token_hash) = 0;
  // The tokens of a user (0: of every user), newest first.
  virtual core::Result<std::vector<ApiTokenRecord>> Tokens(int64_t user_id) = 0;
  // Revokes a token; audited as "token_revoke". kNotFound when there is no such token.
  virtual core::Status RevokeToken(int64_t token_id, const Actor& actor) = 0;
  // Records a token's use at `at`; audited as "token_use".
  virtual core::Status TokenUsed(int64_t token_id, core::TimestampMs at, const Actor& actor) = 0;
  // Records an event that changes nothing else (a failed sign-in).
  virtual core::Status RecordAuthEvent(const AuthEvent& event) = 0;
  virtual core::Result<std::vector<AuthEvent>> AuthEvents(const AuthEventQuery& query) = 0;

  // ---- Operations ----
  // Checks that the database answers (a trivial query).
  virtual core::Status Ping() = 0;
  // Runs the engine's own consistency checks (SQLite: PRAGMA integrity_check and
  // foreign_key_check; PostgreSQL: amcheck's bt_index_check with heapallindexed on the data value,
  // audit and import indexes, where the amcheck extension can be created) and the store's own
  // (every value's import exists). Returns the checks that ran, in words; an error lists what is
  // wrong, one problem a line.
  virtual core::Result<std::vector<core::Message>> RunIntegrityChecks() = 0;

 private:
  uint64_t instance_;
};

struct OpenOptions {
  // Apply pending migrations on open (the default for the embedded database).
  bool migrate = true;
  // SQLite: the connection's own page cache, in KiB (the file is in the system's cache too). A
  // pool of many connections (the server) takes less each.
  int sqlite_cache_kib = 65536;
};

// Opens a store from a location:
//   "keneya.db", "sqlite:keneya.db", "sqlite:/var/lib/keneya/keneya.db"  -> SQLite
//   "postgresql://user@host:5432/db", "postgres://...", "host=... dbname=..." -> PostgreSQL
// An SQLite file is created when missing. Errors say which location could not be opened and why.
core::Result<std::unique_ptr<Store>> OpenStore(std::string_view location,
                                               const OpenOptions& options = {});

}  // namespace keneya::store

#endif  // KENEYA_STORE_STORE_H_
