// The parts of the store that are the same SQL on both engines: schema migration, metadata,
// single-value writes, queries and the audit trail. SqliteStore and PostgresStore add their
// engine's bulk load and integrity checks.
#ifndef KENEYA_STORE_SQL_STORE_H_
#define KENEYA_STORE_SQL_STORE_H_

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/sql.h"
#include "store/store.h"

namespace keneya::store {

class SqlStore : public Store {
 public:
  using Store::BulkLoad;
  core::Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  core::Result<int> Migrate() override;

  core::Status SaveMetadata(const core::MetadataBundle& bundle, const Actor& actor) override;
  core::Result<core::MetadataBundle> LoadMetadata() override;
  core::Result<std::vector<MetadataChange>> MetadataAudit(std::string_view object_uid) override;
  core::Result<int64_t> MetadataRevision() override;
  core::Result<std::vector<int64_t>> DataRevision() override;
  core::Result<std::vector<core::State>> States() override;
  core::Result<core::State> AddState(const core::State& state, const Actor& actor) override;

  core::Result<std::optional<core::DataValue>> GetValue(const core::DataValueKey& key) override;
  core::Result<WriteOutcome> PutValue(const core::DataValue& value, const Actor& actor) override;
  core::Result<bool> DeleteValue(const core::DataValueKey& key, const Actor& actor) override;
  core::Result<WriteOutcome> WriteValueIf(const core::DataValue& value, core::TimestampMs expected,
                                          const Actor& actor) override;
  core::Result<std::vector<core::DataValue>> Query(const ValueQuery& query) override;
  core::Result<int64_t> Count(const ValueQuery& query) override;
  core::Result<std::optional<int32_t>> LatestPeriod(const ValueQuery& query) override;
  core::Result<std::vector<ValueCount>> CountByPeriodAndState(const ValueQuery& query) override;
  core::Result<std::vector<ValueGap>> Gaps(const ValueQuery& query, int32_t first,
                                           int32_t second) override;

  core::Result<WriteOutcome> PutCompletion(const Completion& completion,
                                           const Actor& actor) override;
  core::Result<std::optional<Completion>> GetCompletion(const CompletionKey& key) override;
  core::Result<std::vector<Completion>> Completions(int32_t data_set) override;

  core::Result<std::vector<AuditEntry>> AuditTrail(const core::DataValueKey& key) override;
  core::Result<ImportRecord> GetImport(int64_t id) override;
  core::Result<std::vector<ImportRecord>> Imports() override;

  core::Status ScanValues(const ValueQuery& query,
                          const std::function<void(const core::DataValueKey& key,
                                                   std::string_view value)>& each) override;

  core::Result<ProgramRecord> SaveProgram(const ProgramRecord& program,
                                          const Actor& actor) override;
  core::Result<std::vector<ProgramRecord>> Programs() override;
  core::Result<Contract> PutContract(const Contract& contract, const Actor& actor) override;
  core::Result<std::vector<Contract>> PutContracts(std::span<const Contract> contracts,
                                                   const Actor& actor) override;
  core::Result<std::vector<Contract>> Contracts(std::string_view program_code) override;
  core::Result<std::vector<Contract>> ContractsOf(int32_t org_unit) override;
  core::Result<std::vector<ContractChange>> ContractHistory(int64_t contract_id) override;
  core::Result<InvoiceRunRecord> SaveInvoiceRun(const InvoiceRunRecord& run,
                                                std::span<const InvoiceRecord> invoices,
                                                std::span<const int32_t> missing,
                                                std::span<const int32_t> suspended,
                                                const RunForApproval* approval,
                                                const Actor& actor) override;
  core::Result<std::vector<InvoiceRunRecord>> InvoiceRuns() override;
  core::Result<std::vector<InvoiceRecord>> Invoices(int64_t run_id) override;
  core::Result<std::vector<int32_t>> MissingFacilities(int64_t run_id) override;
  core::Result<std::vector<int32_t>> SuspendedFacilities(int64_t run_id) override;
  core::Result<std::vector<std::pair<int32_t, std::string>>> InvoiceNumbers(
      std::string_view program_code, std::string_view payment_code, int32_t period) override;
  core::Result<std::optional<InvoiceRecord>> GetInvoice(std::string_view number) override;
  using Store::InvoiceList;
  core::Result<std::vector<InvoiceRecord>> InvoiceList(int64_t run_id,
                                                       std::span<const int32_t> org_units) override;
  core::Result<std::vector<InvoiceRecord>> InvoiceLines(
      std::span<const int64_t> invoice_ids) override;

  core::Result<std::optional<PeriodStatusRecord>> GetPeriodStatus(const PeriodKey& key) override;
  core::Result<std::vector<PeriodStatusRecord>> PeriodStatuses(
      const PeriodStatusQuery& query) override;
  core::Result<PeriodStatusRecord> ChangePeriodStatus(const PeriodEvent& event,
                                                      core::TimestampMs seen,
                                                      const Actor& actor) override;
  core::Result<std::vector<PeriodEvent>> PeriodEvents(const PeriodKey& key) override;
  core::Status WritePeriodHistory(std::span<const PeriodStatusRecord> statuses,
                                  std::span<const PeriodEvent> events) override;

  core::Result<std::optional<RunWorkflowRecord>> GetRunWorkflow(int64_t run_id) override;
  core::Result<std::vector<RunWorkflowRecord>> RunWorkflows() override;
  core::Result<RunWorkflowRecord> ChangeRun(const RunChange& change, const Actor& actor) override;
  core::Result<std::vector<RunEvent>> RunEvents(int64_t run_id) override;
  core::Result<std::vector<LeftOutRecord>> LeftOut(int64_t run_id) override;
  core::Result<std::vector<ValueLock>> LocksOn(int32_t org_unit, int32_t period) override;
  core::Result<CreatedJob> CreateJob(const JobRecord& job, const Actor& actor) override;
  core::Result<std::optional<JobRecord>> GetJob(int64_t id) override;
  core::Result<std::vector<JobRecord>> Jobs(std::string_view kind, int limit) override;
  core::Result<std::optional<JobRecord>> ClaimJob(std::string_view owner, core::TimestampMs now,
                                                  core::TimestampMs lease_until) override;
  core::Result<bool> RenewJob(int64_t id, std::string_view owner, core::TimestampMs lease_until,
                              const JobProgress& progress) override;
  core::Result<bool> CancelJob(int64_t id, std::string_view error) override;
  core::Result<bool> FinishJob(int64_t id, std::string_view owner, std::string_view state,
                               int64_t result_id, std::string_view error) override;
  core::Result<std::vector<PaymentAccountRecord>> PaymentAccounts(int32_t org_unit,
                                                                  bool confirmed_only) override;
  core::Result<std::optional<PaymentAccountRecord>> GetPaymentAccount(int64_t id) override;
  core::Result<PaymentAccountRecord> ProposeAccount(const PaymentAccountRecord& account,
                                                    const Actor& actor) override;
  core::Result<PaymentAccountRecord> DecideAccount(int64_t id, bool confirm,
                                                   std::string_view reason,
                                                   const Actor& actor) override;
  core::Result<std::vector<PaymentRecord>> Payments(int32_t org_unit) override;
  core::Result<std::vector<RecoveryDecisionRecord>> RecoveryDecisions(int32_t org_unit) override;
  core::Result<std::vector<AuditEvent>> AuditEvents(const AuditQuery& query) override;
  core::Result<std::vector<PaymentRecord>> RecordPaymentBatch(
      std::span<const FacilityPayments> batch, const Actor& actor) override;
  core::Result<std::vector<PaymentRecord>> RecordPayments(int32_t org_unit,
                                                          std::span<const PaymentRecord> payments,
                                                          const PaymentsSeen& seen,
                                                          const Actor& actor) override;
  core::Result<RecoveryDecisionRecord> DecideRecovery(int32_t org_unit,
                                                      const RecoveryDecisionRecord& decision,
                                                      const PaymentsSeen& seen,
                                                      const Actor& actor) override;

  core::Result<UserRecord> CreateUser(const UserRecord& user, const Actor& actor) override;
  core::Result<UserRecord> UpdateUser(const UserRecord& user, std::string_view action,
                                      std::string_view detail, const Actor& actor) override;
  core::Result<std::optional<UserRecord>> FindUser(std::string_view name) override;
  core::Result<std::optional<UserRecord>> FindUserById(int64_t id) override;
  core::Result<std::vector<UserRecord>> Users() override;
  core::Result<RoleGrantRecord> GrantRole(const RoleGrantRecord& grant,
                                          const Actor& actor) override;
  core::Status RevokeRole(int64_t grant_id, const Actor& actor) override;
  core::Result<std::vector<RoleGrantRecord>> RoleGrants(int64_t user_id) override;
  core::Status CreateSession(const SessionRecord& session, const Actor& actor) override;
  core::Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override;
  core::Status TouchSession(std::string_view token_hash, core::TimestampMs last_seen) override;
  core::Status DeleteSessions(int64_t user_id, std::string_view token_hash,
                              const Actor& actor) override;
  core::Result<ApiTokenRecord> CreateToken(const ApiTokenRecord& token,
                                           const Actor& actor) override;
  core::Result<std::optional<ApiTokenRecord>> FindToken(std::string_view token_hash) override;
  core::Result<std::vector<ApiTokenRecord>> Tokens(int64_t user_id) override;
  core::Status RevokeToken(int64_t token_id, const Actor& actor) override;
  core::Status TokenUsed(int64_t token_id, core::TimestampMs at, const Actor& actor) override;
  core::Status RecordAuthEvent(const AuthEvent& event) override;
  core::Result<std::vector<AuthEvent>> AuthEvents(const AuthEventQuery& query) override;

  core::Status Ping() override;

 protected:
  explicit SqlStore(std::unique_ptr<SqlConnection> connection)
      : connection_(std::move(connection)) {}

  SqlConnection& connection() { return *connection_; }

  // Inserts the period rows that `codes` need. Must be called outside a transaction.
  core::Status EnsurePeriods(const std::vector<int32_t>& codes);
  // The period rows a dry run needs, inside its transaction and forgotten with its rollback: a
  // dry run writes nothing at all, not even reference rows.
  core::Status AddPeriodsForDryRun(const std::vector<int32_t>& codes);
  // Records the start of a bulk load and returns its id (inside the caller's transaction). A dry
  // run's record takes the next id itself, leaving PostgreSQL's sequence untouched.
  core::Result<int64_t> InsertImport(const ImportInfo& info, core::TimestampMs started,
                                     bool dry_run);
  // Records the counts and end of a bulk load.
  core::Status FinishImport(int64_t id, const BulkLoadSummary& summary, core::TimestampMs finished);
  // Inserts a run's row, its invoices and the facilities it found missing or suspended (inside
  // the caller's transaction); the run with its id.
  core::Result<InvoiceRunRecord> InsertRun(const InvoiceRunRecord& run,
                                           std::span<const InvoiceRecord> invoices,
                                           std::span<const int32_t> missing,
                                           std::span<const int32_t> suspended,
                                           core::TimestampMs now, const Actor& actor);
  // The part of SaveInvoiceRun that makes run `run_id` one for approval (RunForApproval): inside
  // the caller's transaction.
  core::Status WriteRunForApproval(int64_t run_id, const InvoiceRunRecord& run,
                                   const RunForApproval& approval, core::TimestampMs now,
                                   const Actor& actor);
  // Inside a write transaction: kConflict unless the facility's newest payment and recovery
  // decision are those `seen` (on PostgreSQL, after locking the facility's invoices).
  core::Status CheckPaymentsSeen(int32_t org_unit, const PaymentsSeen& seen);
  // Checks that every value of `values` refers to an existing org unit, data element, category
  // option combo and state; the error names the first value (by input position) that does not.
  // Call it inside the write transaction, so that nothing can change the references between the
  // check and the writes.
  core::Status CheckReferences(const LoadValues& values);
  // Checks that the objects and the period `key` names exist; NotFound names the first missing.
  core::Status CheckKeyReferences(const core::DataValueKey& key);

  // Input positions of `values` in key order without repeats, and the repeats (positions of
  // keys given a second time, in input order).
  struct LoadOrder {
    std::vector<uint32_t> order;
    std::vector<size_t> repeated;
    std::vector<int32_t> periods;  // the values' periods, sorted, once each
  };
  static LoadOrder OrderForLoad(const LoadValues& values);
  // The first steps of every bulk load, before its transaction: OrderForLoad, then the period
  // rows the values need (EnsurePeriods; a dry run adds them in its transaction instead).
  core::Result<LoadOrder> PrepareLoad(const LoadValues& values, bool dry_run);

  // Stored values the store could not read back (an unknown value, period or org unit type, a
  // date that is no date, an unknown contract status), each a data error naming the table, the
  // row and the column. For RunIntegrityChecks, which lists them all rather than stopping at one.
  core::Result<std::vector<core::Error>> UnreadableRows();
  // An error of UnreadableRows as one problem of a list: "table t, row 3, column c: ...".
  static core::Message ProblemOf(const core::Error& error);
  // The error of a failed integrity check: "the database is not consistent:" and the problems,
  // one a line, at `where` (the database).
  static core::Error Inconsistent(const std::vector<core::Message>& problems,
                                  const std::string& where);

 private:
  std::unique_ptr<SqlConnection> connection_;
  std::unordered_set<int32_t> known_periods_;  // periods known to have their row
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_SQL_STORE_H_
