// SqlStore: FBR program versions, contracts and invoice runs (fbr_records.h), the same SQL on
// both engines.
#include <algorithm>

#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;
using core::Status;

core::Error VersionStoredWithOtherContent(std::string_view code, int version) {
  return core::Conflict(
      Message("store.version_other_content", {{"version", version}, {"code", code}}), "version");
}

std::string_view ContractStatusCode(ContractStatus status) {
  switch (status) {
    case ContractStatus::kActive:
      return "active";
    case ContractStatus::kSuspended:
      return "suspended";
    case ContractStatus::kEnded:
      return "ended";
  }
  return "active";
}

std::optional<ContractStatus> ParseContractStatus(std::string_view code) {
  for (ContractStatus s :
       {ContractStatus::kActive, ContractStatus::kSuspended, ContractStatus::kEnded}) {
    if (ContractStatusCode(s) == code) return s;
  }
  return std::nullopt;
}

Message ContractStatusText(ContractStatus status) {
  switch (status) {
    case ContractStatus::kActive:
      return Message("store.contract_status.active");
    case ContractStatus::kSuspended:
      return Message("store.contract_status.suspended");
    case ContractStatus::kEnded:
      return Message("store.contract_status.ended");
  }
  return Message("store.contract_status.active");
}

namespace {

// "2021-01-01..2023-12-31 EQUITE_10 (set) active" in words.
Message TermsText(std::string_view start, std::string_view end, std::string_view equity, bool set,
                  ContractStatus status) {
  return Message(
      set ? "store.contract_terms_set" : "store.contract_terms",
      {{"start", start}, {"end", end}, {"equity", equity}, {"status", ContractStatusText(status)}});
}

}  // namespace

Message ContractTermsText(std::string_view stored_terms) {
  // "<start>..<end> <equity>[ (set)] <status>", as Terms() below writes them.
  constexpr std::string_view kSet = " (set)";
  const size_t range_end = stored_terms.find(' ');
  const size_t status_start = stored_terms.rfind(' ');
  const size_t dots = stored_terms.find("..");
  if (range_end == std::string_view::npos || status_start == range_end || dots > range_end) {
    return Message("store.stored_terms", {{"terms", stored_terms}});
  }
  const std::optional<ContractStatus> status =
      ParseContractStatus(stored_terms.substr(status_start + 1));
  if (!status) return Message("store.stored_terms", {{"terms", stored_terms}});
  std::string_view equity = stored_terms.substr(range_end + 1, status_start - range_end - 1);
  const bool set = equity.ends_with(kSet);
  if (set) equity.remove_suffix(kSet.size());
  return TermsText(stored_terms.substr(0, dots),
                   stored_terms.substr(dots + 2, range_end - dots - 2), equity, set, *status);
}

namespace {

std::string Marks(size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += i == 0 ? "?" : ", ?";
  return s + ")";
}

// A nullable date column; a text that is no date is a data error naming its place (the row by
// its id, column 0 of every query here).
Result<std::optional<core::Date>> OptionalDate(const Row& row, size_t i, std::string_view table,
                                               std::string_view column) {
  if (row.IsNull(i)) return std::optional<core::Date>();
  auto date = core::Date::Parse(row.Text(i));
  if (!date.ok()) {
    return core::StoredDataError(Message("store.not_a_date", {{"text", row.Text(i)}}), table,
                                 std::to_string(row.Int(0)), column);
  }
  return std::optional<core::Date>(*date);
}

Result<core::Date> RequiredDate(const Row& row, size_t i, std::string_view table,
                                std::string_view column) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<core::Date> date, OptionalDate(row, i, table, column));
  if (!date) {
    return core::StoredDataError(Message("store.no_date"), table, std::to_string(row.Int(0)),
                                 column);
  }
  return *date;
}

SqlValue DateValue(const std::optional<core::Date>& date) {
  if (!date) return SqlValue();
  return SqlValue(date->ToString());
}

constexpr std::string_view kProgramColumns =
    "id, code, version, name, valid_from, valid_to, toml_name, toml, files, checksum, loaded_at, "
    "loaded_by";

Result<ProgramRecord> ProgramFromRow(const Row& r) {
  ProgramRecord p;
  p.id = r.Int(0);
  p.code = r.Text(1);
  p.version = static_cast<int>(r.Int(2));
  p.name = r.Text(3);
  KENEYA_ASSIGN_OR_RETURN(p.valid_from, RequiredDate(r, 4, "program_version", "valid_from"));
  KENEYA_ASSIGN_OR_RETURN(p.valid_to, OptionalDate(r, 5, "program_version", "valid_to"));
  p.toml_name = r.Text(6);
  p.toml = r.Text(7);
  p.files_json = r.Text(8);
  p.checksum = r.Text(9);
  p.loaded_at = r.Int(10);
  p.loaded_by = r.Text(11);
  return p;
}

constexpr std::string_view kContractColumns =
    "id, org_unit_id, program_code, start_date, end_date, equity_category, equity_explicit, "
    "status, created, last_updated";

Result<Contract> ContractFromRow(const Row& r) {
  Contract c;
  c.id = r.Int(0);
  c.org_unit = static_cast<int32_t>(r.Int(1));
  c.program_code = r.Text(2);
  KENEYA_ASSIGN_OR_RETURN(c.start, RequiredDate(r, 3, "contract", "start_date"));
  KENEYA_ASSIGN_OR_RETURN(c.end, OptionalDate(r, 4, "contract", "end_date"));
  c.equity_category = r.Text(5);
  c.equity_explicit = r.Bool(6);
  const std::optional<ContractStatus> status = ParseContractStatus(r.Text(7));
  if (!status) {
    return core::StoredDataError(Message("store.unknown_contract_status", {{"status", r.Text(7)}}),
                                 "contract", std::to_string(c.id), "status");
  }
  c.status = *status;
  c.created = r.Int(8);
  c.last_updated = r.Int(9);
  return c;
}

// "2021-01-01..2023-12-31 EQUITE_10 active" (".." alone: open-ended), as the contract's history
// stores them: in English, read back by ContractTermsText.
std::string Terms(const Contract& c) {
  return c.start.ToString() + ".." + (c.end ? c.end->ToString() : "") + " " + c.equity_category +
         (c.equity_explicit ? " (set)" : "") + " " + std::string(ContractStatusCode(c.status));
}

// The same terms in words, for messages.
Message TermsText(const Contract& c) {
  return TermsText(c.start.ToString(), c.end ? c.end->ToString() : std::string(), c.equity_category,
                   c.equity_explicit, c.status);
}

constexpr std::string_view kRunColumns =
    "id, program_code, program_version, payment_code, period_id, status, created, created_by, "
    "invoice_count, missing_count, total, (SELECT COUNT(*) FROM invoice_suspended s WHERE "
    "s.run_id = invoice_run.id)";

InvoiceRunRecord RunFromRow(const Row& r) {
  InvoiceRunRecord run;
  run.id = r.Int(0);
  run.program_code = r.Text(1);
  run.program_version = static_cast<int>(r.Int(2));
  run.payment_code = r.Text(3);
  run.period = static_cast<int32_t>(r.Int(4));
  run.status = r.Text(5);
  run.created = r.Int(6);
  run.created_by = r.Text(7);
  run.invoice_count = r.Int(8);
  run.missing_count = r.Int(9);
  run.total = r.Int(10);
  run.suspended_count = r.Int(11);
  return run;
}

constexpr std::string_view kInvoiceColumns =
    "id, run_id, org_unit_id, number, total, lines, snapshot";

// An invoice as lists show it: the first five of kInvoiceColumns (a Row or a RowView).
template <typename Columns>
InvoiceRecord BriefInvoice(const Columns& r) {
  InvoiceRecord i;
  i.id = r.Int(0);
  i.run_id = r.Int(1);
  i.org_unit = static_cast<int32_t>(r.Int(2));
  i.number = r.Text(3);
  i.total = r.Int(4);
  return i;
}

InvoiceRecord InvoiceFromRow(const Row& r) {
  InvoiceRecord i = BriefInvoice(r);
  i.lines_json = r.Text(5);
  i.snapshot_json = r.Text(6);
  return i;
}

// Writes one contract inside the caller's write transaction (the contract table locked on
// PostgreSQL): checks, overlap, insert or update, audit.
Result<Contract> WriteContract(SqlConnection& db, const Contract& contract, const Actor& actor) {
  if (contract.program_code.empty()) {
    return core::InvalidArgument(Message("store.contract_no_program"),
                                 Message("store.program_place"));
  }
  if (contract.end && *contract.end < contract.start) {
    return core::InvalidArgument(
        Message("store.contract_ends_before_start",
                {{"end", contract.end->ToString()}, {"start", contract.start.ToString()}}),
        Message("store.end_place"));
  }
  if (contract.equity_category.empty()) {
    return core::InvalidArgument(Message("store.contract_no_equity"),
                                 Message("store.equity_place"));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> exists,
      db.Query("SELECT code, uid FROM org_unit WHERE id = ?", {contract.org_unit}));
  if (exists.empty()) {
    return core::NotFound(Message("store.no_org_unit_with_id", {{"id", contract.org_unit}}),
                          Message("core.metadata.kind.org_unit"));
  }
  const std::string facility = exists[0].Text(0).empty() ? exists[0].Text(1) : exists[0].Text(0);
  std::optional<Contract> old;
  if (contract.id != 0) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        db.Query("SELECT " + std::string(kContractColumns) + " FROM contract WHERE id = ?",
                 {contract.id}));
    if (rows.empty()) {
      return core::NotFound(Message("store.no_contract", {{"id", contract.id}}),
                            Message("store.contract_place"));
    }
    KENEYA_ASSIGN_OR_RETURN(old, ContractFromRow(rows[0]));
    if (old->org_unit != contract.org_unit || old->program_code != contract.program_code) {
      return core::InvalidArgument(Message("store.contract_parties_fixed"),
                                   Message("store.contract_place"));
    }
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> others,
      db.Query("SELECT " + std::string(kContractColumns) +
                   " FROM contract WHERE org_unit_id = ? AND program_code = ? AND id <> ?",
               {contract.org_unit, contract.program_code, contract.id}));
  for (const Row& row : others) {
    KENEYA_ASSIGN_OR_RETURN(const Contract other, ContractFromRow(row));
    if (core::RangesOverlap(contract.start, contract.end, other.start, other.end)) {
      return core::Conflict(Message("store.contract_overlap", {{"facility", facility},
                                                               {"program", contract.program_code},
                                                               {"start", contract.start.ToString()},
                                                               {"other", other.id},
                                                               {"terms", TermsText(other)}}),
                            Message("store.contract_place"));
    }
  }
  const core::TimestampMs now = core::NowMs();
  Contract stored = contract;
  stored.last_updated = now;
  if (old) {
    stored.created = old->created;
    KENEYA_RETURN_IF_ERROR(
        db.Exec("UPDATE contract SET start_date = ?, end_date = ?, equity_category = ?, "
                "equity_explicit = ?, status = ?, last_updated = ? WHERE id = ?",
                {contract.start.ToString(), DateValue(contract.end), contract.equity_category,
                 contract.equity_explicit, std::string(ContractStatusCode(contract.status)), now,
                 contract.id}));
  } else {
    stored.created = now;
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> inserted,
        db.Query("INSERT INTO contract (org_unit_id, program_code, start_date, end_date, "
                 "equity_category, equity_explicit, status, created, last_updated) VALUES " +
                     Marks(9) + " RETURNING id",
                 {contract.org_unit, contract.program_code, contract.start.ToString(),
                  DateValue(contract.end), contract.equity_category, contract.equity_explicit,
                  std::string(ContractStatusCode(contract.status)), now, now}));
    stored.id = inserted.at(0).Int(0);
  }
  if (old && Terms(*old) == Terms(stored)) return stored;  // nothing changed: nothing audited
  KENEYA_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO contract_audit (contract_id, action, at, user_name, source, reason, old_terms, "
      "new_terms) VALUES " +
          Marks(8),
      {stored.id, old ? "update" : "create", now, actor.user, actor.source, actor.reason,
       old ? Terms(*old) : std::string(), Terms(stored)}));
  return stored;
}

}  // namespace

Result<ProgramRecord> SqlStore::SaveProgram(const ProgramRecord& program, const Actor& actor) {
  if (program.code.empty()) return core::InvalidArgument(Message("store.program_no_code"), "code");
  if (program.version < 1) {
    return core::InvalidArgument(Message("store.versions_start_at_one"), "version");
  }
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          db.Query("SELECT " + std::string(kProgramColumns) +
                                       " FROM program_version WHERE code = ? AND version = ?",
                                   {program.code, program.version}));
  if (!rows.empty()) {
    KENEYA_ASSIGN_OR_RETURN(ProgramRecord stored, ProgramFromRow(rows[0]));
    if (stored.checksum == program.checksum) return stored;
    return VersionStoredWithOtherContent(program.code, program.version);
  }
  const core::TimestampMs now = core::NowMs();
  KENEYA_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO program_version (code, version, name, valid_from, valid_to, toml_name, toml, "
      "files, checksum, loaded_at, loaded_by, source) VALUES " +
          Marks(12),
      {program.code, program.version, program.name, program.valid_from.ToString(),
       DateValue(program.valid_to), program.toml_name, program.toml, program.files_json,
       program.checksum, now, actor.user, actor.source}));
  KENEYA_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO metadata_audit (at, user_name, source, object_type, object_uid, action) "
      "VALUES (?, ?, ?, 'program', ?, 'create')",
      {now, actor.user, actor.source, program.code + ":" + std::to_string(program.version)}));
  KENEYA_ASSIGN_OR_RETURN(rows, db.Query("SELECT " + std::string(kProgramColumns) +
                                             " FROM program_version WHERE code = ? AND version = ?",
                                         {program.code, program.version}));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return ProgramFromRow(rows.at(0));
}

Result<std::vector<ProgramRecord>> SqlStore::Programs() {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kProgramColumns) +
                                             " FROM program_version ORDER BY code, version"));
  std::vector<ProgramRecord> out;
  for (const Row& r : rows) {
    KENEYA_ASSIGN_OR_RETURN(ProgramRecord p, ProgramFromRow(r));
    out.push_back(std::move(p));
  }
  return out;
}

Result<Contract> SqlStore::PutContract(const Contract& contract, const Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Contract> stored, PutContracts({&contract, 1}, actor));
  return stored.front();
}

Result<std::vector<Contract>> SqlStore::PutContracts(std::span<const Contract> contracts,
                                                     const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  if (db.dialect() == Dialect::kPostgres) {
    // Two writers checking overlaps at once must not both insert.
    KENEYA_RETURN_IF_ERROR(db.Exec("LOCK TABLE contract IN SHARE ROW EXCLUSIVE MODE"));
  }
  std::vector<Contract> out;
  for (const Contract& contract : contracts) {
    KENEYA_ASSIGN_OR_RETURN(Contract stored, WriteContract(db, contract, actor));
    out.push_back(std::move(stored));
  }
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<std::vector<Contract>> SqlStore::Contracts(std::string_view program_code) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kContractColumns) +
                                                 " FROM contract WHERE ? = '' OR program_code = ? "
                                                 "ORDER BY org_unit_id, start_date",
                                             {program_code, program_code}));
  std::vector<Contract> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    KENEYA_ASSIGN_OR_RETURN(Contract c, ContractFromRow(r));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Contract>> SqlStore::ContractsOf(int32_t org_unit) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kContractColumns) +
                                                 " FROM contract WHERE org_unit_id = ? "
                                                 "ORDER BY program_code, start_date",
                                             {org_unit}));
  std::vector<Contract> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    KENEYA_ASSIGN_OR_RETURN(Contract c, ContractFromRow(r));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<ContractChange>> SqlStore::ContractHistory(int64_t contract_id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT contract_id, action, at, user_name, source, reason, old_terms, "
                         "new_terms FROM contract_audit WHERE contract_id = ? ORDER BY id",
                         {contract_id}));
  std::vector<ContractChange> out;
  for (const Row& r : rows) {
    out.push_back(
        {r.Int(0), r.Text(1), r.Int(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6), r.Text(7)});
  }
  return out;
}

Result<InvoiceRunRecord> SqlStore::InsertRun(const InvoiceRunRecord& run,
                                             std::span<const InvoiceRecord> invoices,
                                             std::span<const int32_t> missing,
                                             std::span<const int32_t> suspended,
                                             core::TimestampMs now, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> inserted,
      db.Query("INSERT INTO invoice_run (program_code, program_version, payment_code, period_id, "
               "status, created, created_by, source, invoice_count, missing_count, total) "
               "VALUES " +
                   Marks(11) + " RETURNING id",
               {run.program_code, run.program_version, run.payment_code, run.period, "draft", now,
                actor.user, actor.source, static_cast<int64_t>(invoices.size()),
                static_cast<int64_t>(missing.size()), run.total}));
  InvoiceRunRecord stored = run;
  stored.id = inserted.at(0).Int(0);
  stored.status = "draft";
  stored.created = now;
  stored.created_by = actor.user;
  stored.invoice_count = static_cast<int64_t>(invoices.size());
  stored.missing_count = static_cast<int64_t>(missing.size());
  const std::string insert_invoice =
      "INSERT INTO invoice (run_id, org_unit_id, number, total, lines, snapshot) VALUES " +
      Marks(6);
  for (const InvoiceRecord& invoice : invoices) {
    auto done = db.Exec(insert_invoice, {stored.id, invoice.org_unit, invoice.number, invoice.total,
                                         invoice.lines_json, invoice.snapshot_json});
    if (!done.ok()) {
      return done.error().In(Message("store.invoice_place", {{"number", invoice.number}}));
    }
  }
  for (int32_t org_unit : missing) {
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO invoice_missing (run_id, org_unit_id) VALUES (?, ?)", {stored.id, org_unit}));
  }
  for (int32_t org_unit : suspended) {
    KENEYA_RETURN_IF_ERROR(
        db.Exec("INSERT INTO invoice_suspended (run_id, org_unit_id) VALUES (?, ?)",
                {stored.id, org_unit}));
  }
  stored.suspended_count = static_cast<int64_t>(suspended.size());
  return stored;
}

Result<InvoiceRunRecord> SqlStore::SaveInvoiceRun(const InvoiceRunRecord& run,
                                                  std::span<const InvoiceRecord> invoices,
                                                  std::span<const int32_t> missing,
                                                  std::span<const int32_t> suspended,
                                                  const RunForApproval* approval,
                                                  const Actor& actor) {
  std::vector<int32_t> periods = {run.period};
  if (approval != nullptr) {
    for (const RunForApproval::CatchUp& c : approval->catch_ups) periods.push_back(c.run.period);
  }
  KENEYA_RETURN_IF_ERROR(EnsurePeriods(periods));
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> program,
      db.Query("SELECT count(*) FROM program_version WHERE code = ? AND version = ?",
               {run.program_code, run.program_version}));
  if (program.at(0).Int(0) == 0) {
    return core::NotFound(Message("store.version_not_stored",
                                  {{"version", run.program_version}, {"code", run.program_code}}),
                          Message("store.program_place"));
  }
  KENEYA_RETURN_IF_ERROR(db.Exec(
      "UPDATE invoice_run SET status = 'superseded' WHERE program_code = ? AND payment_code = ? "
      "AND period_id = ? AND status = 'draft' AND id NOT IN (SELECT run_id FROM run_workflow "
      "WHERE status IN ('computed', 'approved'))",
      {run.program_code, run.payment_code, run.period}));
  const core::TimestampMs now = core::NowMs();
  KENEYA_ASSIGN_OR_RETURN(InvoiceRunRecord stored,
                          InsertRun(run, invoices, missing, suspended, now, actor));
  if (approval != nullptr) {
    KENEYA_RETURN_IF_ERROR(WriteRunForApproval(stored.id, stored, *approval, now, actor));
  }
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return stored;
}

Result<std::vector<InvoiceRunRecord>> SqlStore::InvoiceRuns() {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kRunColumns) +
                                             " FROM invoice_run ORDER BY id DESC"));
  std::vector<InvoiceRunRecord> out;
  for (const Row& r : rows) out.push_back(RunFromRow(r));
  return out;
}

Result<std::vector<InvoiceRecord>> SqlStore::Invoices(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kInvoiceColumns) +
                                                 " FROM invoice WHERE run_id = ? ORDER BY number",
                                             {run_id}));
  std::vector<InvoiceRecord> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(InvoiceFromRow(r));
  return out;
}

Result<std::vector<InvoiceRecord>> SqlStore::InvoiceList(int64_t run_id,
                                                         std::span<const int32_t> org_units) {
  // Conditions written only when given, so that the run's and the facility's indexes serve.
  std::string where = " WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (run_id != 0) {
    where += " AND run_id = ?";
    params.emplace_back(run_id);
  }
  if (!org_units.empty()) {
    where += " AND org_unit_id IN (";
    for (size_t i = 0; i < org_units.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
      params.emplace_back(org_units[i]);
    }
    where += ")";
  }
  std::vector<InvoiceRecord> out;
  KENEYA_RETURN_IF_ERROR(connection().QueryEach(
      "SELECT id, run_id, org_unit_id, number, total FROM invoice" + where + " ORDER BY number",
      params, [&out](const RowView& r) {
        out.push_back(BriefInvoice(r));
        return core::OkStatus();
      }));
  return out;
}

Result<std::vector<InvoiceRecord>> SqlStore::InvoiceLines(std::span<const int64_t> invoice_ids) {
  std::vector<InvoiceRecord> out;
  out.reserve(invoice_ids.size());
  // In slices, well below either engine's limit on a statement's parameters.
  constexpr size_t kSlice = 500;
  for (size_t first = 0; first < invoice_ids.size(); first += kSlice) {
    const size_t count = std::min(kSlice, invoice_ids.size() - first);
    std::string sql =
        "SELECT id, run_id, org_unit_id, number, total, lines FROM invoice WHERE id IN (";
    std::vector<SqlValue> params;
    params.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back(invoice_ids[first + i]);
    }
    sql += ")";
    KENEYA_RETURN_IF_ERROR(connection().QueryEach(sql, params, [&out](const RowView& r) {
      InvoiceRecord i = BriefInvoice(r);
      i.lines_json = r.Text(5);
      out.push_back(std::move(i));
      return core::OkStatus();
    }));
  }
  std::sort(out.begin(), out.end(),
            [](const InvoiceRecord& a, const InvoiceRecord& b) { return a.id < b.id; });
  return out;
}

Result<std::vector<int32_t>> SqlStore::SuspendedFacilities(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT org_unit_id FROM invoice_suspended WHERE run_id = ? ORDER BY org_unit_id",
          {run_id}));
  std::vector<int32_t> out;
  for (const Row& r : rows) out.push_back(static_cast<int32_t>(r.Int(0)));
  return out;
}

Result<std::vector<int32_t>> SqlStore::MissingFacilities(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT org_unit_id FROM invoice_missing WHERE run_id = ? ORDER BY org_unit_id",
          {run_id}));
  std::vector<int32_t> out;
  for (const Row& r : rows) out.push_back(static_cast<int32_t>(r.Int(0)));
  return out;
}

Result<std::vector<std::pair<int32_t, std::string>>> SqlStore::InvoiceNumbers(
    std::string_view program_code, std::string_view payment_code, int32_t period) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT i.org_unit_id, i.number FROM invoice i JOIN invoice_run r ON "
                         "r.id = i.run_id WHERE r.program_code = ? AND r.payment_code = ? AND "
                         "r.period_id = ? ORDER BY r.id, i.number",
                         {program_code, payment_code, period}));
  std::vector<std::pair<int32_t, std::string>> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.emplace_back(static_cast<int32_t>(r.Int(0)), r.Text(1));
  return out;
}

Result<std::optional<InvoiceRecord>> SqlStore::GetInvoice(std::string_view number) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT " + std::string(kInvoiceColumns) + " FROM invoice WHERE number = ?", {number}));
  if (rows.empty()) return std::optional<InvoiceRecord>();
  return std::optional<InvoiceRecord>(InvoiceFromRow(rows[0]));
}

}  // namespace keneya::store
