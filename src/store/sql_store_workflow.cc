// The workflow's tables (migration 7): each facility-period's status and its events.
#include <algorithm>

#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;
using core::Status;

namespace {

constexpr std::string_view kStatusColumns =
    "data_set_id, org_unit_id, period_id, status, version, changed_by";
constexpr std::string_view kEventColumns =
    "id, data_set_id, org_unit_id, period_id, at, user_name, source, address, action, "
    "status_from, status_to, on_behalf, reason, detail";
constexpr std::string_view kKey = "data_set_id = ? AND org_unit_id = ? AND period_id = ?";

std::vector<SqlValue> KeyParams(const PeriodKey& key) {
  return {key.data_set, key.org_unit, key.period};
}

template <typename R>
PeriodStatusRecord StatusFromRow(const R& row) {
  PeriodStatusRecord r;
  r.key = {static_cast<int32_t>(row.Int(0)), static_cast<int32_t>(row.Int(1)),
           static_cast<int32_t>(row.Int(2))};
  r.status = std::string(row.Text(3));
  r.version = row.Int(4);
  r.changed_by = std::string(row.Text(5));
  return r;
}

PeriodEvent EventFromRow(const Row& row) {
  PeriodEvent e;
  e.id = row.Int(0);
  e.key = {static_cast<int32_t>(row.Int(1)), static_cast<int32_t>(row.Int(2)),
           static_cast<int32_t>(row.Int(3))};
  e.at = row.Int(4);
  e.user = row.Text(5);
  e.source = row.Text(6);
  e.address = row.Text(7);
  e.action = row.Text(8);
  e.from = row.Text(9);
  e.to = row.Text(10);
  e.on_behalf = row.Bool(11);
  e.reason = row.Text(12);
  e.detail = row.Text(13);
  return e;
}

}  // namespace

Result<std::optional<PeriodStatusRecord>> SqlStore::GetPeriodStatus(const PeriodKey& key) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kStatusColumns) +
                                                 " FROM period_status WHERE " + std::string(kKey),
                                             KeyParams(key)));
  if (rows.empty()) return std::optional<PeriodStatusRecord>();
  return std::optional<PeriodStatusRecord>(StatusFromRow(rows[0]));
}

Result<std::vector<PeriodStatusRecord>> SqlStore::PeriodStatuses(const PeriodStatusQuery& query) {
  std::string where = " WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto add = [&](std::string_view column, const auto& values) {
    if (values.empty()) return;
    where += " AND " + std::string(column) + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
      params.emplace_back(values[i]);
    }
    where += ")";
  };
  add("data_set_id", query.data_sets);
  add("org_unit_id", query.org_units);
  add("period_id", query.periods);
  add("status", query.statuses);
  std::vector<PeriodStatusRecord> out;
  KENEYA_RETURN_IF_ERROR(connection().QueryEach("SELECT " + std::string(kStatusColumns) +
                                                    " FROM period_status" + where +
                                                    " ORDER BY data_set_id, org_unit_id, period_id",
                                                params, [&out](const RowView& row) {
                                                  out.push_back(StatusFromRow(row));
                                                  return core::OkStatus();
                                                }));
  return out;
}

Result<PeriodStatusRecord> SqlStore::ChangePeriodStatus(const PeriodEvent& event,
                                                        core::TimestampMs seen,
                                                        const Actor& actor) {
  const bool postgres = connection().dialect() == Dialect::kPostgres;
  if (Status s = EnsurePeriods({event.key.period}); !s.ok()) {
    return s.error().In(Message("core.period.word"));
  }
  KENEYA_RETURN_IF_ERROR(connection().BeginWrite());
  TransactionGuard transaction(connection());
  const std::vector<SqlValue> key = KeyParams(event.key);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kStatusColumns) + " FROM period_status WHERE " +
                             std::string(kKey) + (postgres ? " FOR UPDATE" : ""),
                         key));
  const std::string current = rows.empty() ? "open" : rows[0].Text(3);
  const core::TimestampMs version = rows.empty() ? 0 : rows[0].Int(4);
  if (current != event.from || version != seen) {
    return core::Conflict(
        Message("store.period_status_changed", {{"status", current}, {"expected", event.from}}),
        Message("store.period_status_place"));
  }
  PeriodStatusRecord out;
  out.key = event.key;
  out.status = event.to;
  out.version = std::max(core::NowMs(), version + 1);
  out.changed_by = actor.user;
  if (rows.empty()) {
    std::vector<SqlValue> insert = key;
    insert.insert(insert.end(), {out.status, out.version, out.changed_by});
    KENEYA_ASSIGN_OR_RETURN(
        int64_t inserted,
        connection().Exec("INSERT INTO period_status (" + std::string(kStatusColumns) +
                              ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          insert));
    if (inserted != 1) {  // another writer moved it meanwhile
      return core::Conflict(
          Message("store.period_status_changed", {{"status", "?"}, {"expected", event.from}}),
          Message("store.period_status_place"));
    }
  } else {
    std::vector<SqlValue> update = {out.status, out.version, out.changed_by};
    update.insert(update.end(), key.begin(), key.end());
    KENEYA_RETURN_IF_ERROR(connection().Exec(
        "UPDATE period_status SET status = ?, version = ?, changed_by = ? WHERE " +
            std::string(kKey),
        update));
  }
  std::vector<SqlValue> insert = key;
  insert.insert(insert.end(), {out.version, actor.user, actor.source, actor.address, event.action,
                               event.from, event.to, event.on_behalf,
                               event.reason.empty() ? actor.reason : event.reason, event.detail});
  KENEYA_RETURN_IF_ERROR(connection().Exec(
      "INSERT INTO period_event (data_set_id, org_unit_id, period_id, at, user_name, source, "
      "address, action, status_from, status_to, on_behalf, reason, detail) VALUES (?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?, ?)",
      insert));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<std::vector<PeriodEvent>> SqlStore::PeriodEvents(const PeriodKey& key) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kEventColumns) + " FROM period_event WHERE " +
                             std::string(kKey) + " ORDER BY id",
                         KeyParams(key)));
  std::vector<PeriodEvent> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(EventFromRow(row));
  return out;
}

Status SqlStore::WritePeriodHistory(std::span<const PeriodStatusRecord> statuses,
                                    std::span<const PeriodEvent> events) {
  std::vector<int32_t> periods;
  for (const PeriodStatusRecord& status : statuses) periods.push_back(status.key.period);
  for (const PeriodEvent& event : events) periods.push_back(event.key.period);
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  if (Status s = EnsurePeriods(periods); !s.ok()) return s.error().In(Message("core.period.word"));
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  for (const PeriodStatusRecord& status : statuses) {
    std::vector<SqlValue> insert = KeyParams(status.key);
    insert.insert(insert.end(), {status.status, status.version, status.changed_by});
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO period_status (" + std::string(kStatusColumns) +
            ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (data_set_id, org_unit_id, period_id) DO "
            "UPDATE SET status = excluded.status, version = excluded.version, changed_by = "
            "excluded.changed_by",
        insert));
  }
  for (const PeriodEvent& event : events) {
    std::vector<SqlValue> insert = KeyParams(event.key);
    insert.insert(insert.end(),
                  {event.at, event.user, event.source, event.address, event.action, event.from,
                   event.to, event.on_behalf, event.reason, event.detail});
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO period_event (data_set_id, org_unit_id, period_id, at, user_name, source, "
        "address, action, status_from, status_to, on_behalf, reason, detail) VALUES (?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)",
        insert));
  }
  return transaction.Commit();
}

// ---- Runs in the workflow ----

namespace {

constexpr std::string_view kRunColumns =
    "run_id, status, version, approved_by, approved_at, published_by, published_at, job_id, "
    "catch_up_for";

RunWorkflowRecord RunFromRow(const Row& row) {
  RunWorkflowRecord r;
  r.run_id = row.Int(0);
  r.status = row.Text(1);
  r.version = row.Int(2);
  r.approved_by = row.Text(3);
  r.approved_at = row.Int(4);
  r.published_by = row.Text(5);
  r.published_at = row.Int(6);
  r.job_id = row.Int(7);
  r.catch_up_for = row.Int(8);
  return r;
}

Status InsertRunEvent(SqlConnection& db, int64_t run_id, core::TimestampMs at,
                      std::string_view action, std::string_view from, std::string_view to,
                      std::string_view reason, const Actor& actor) {
  KENEYA_RETURN_IF_ERROR(
      db.Exec("INSERT INTO run_event (run_id, at, user_name, source, address, action, "
              "status_from, status_to, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {run_id, at, actor.user, actor.source, actor.address, std::string(action),
               std::string(from), std::string(to), std::string(reason)}));
  return core::OkStatus();
}

}  // namespace

Status SqlStore::WriteRunForApproval(int64_t run_id, const InvoiceRunRecord& run,
                                     const RunForApproval& approval, core::TimestampMs now,
                                     const Actor& actor) {
  SqlConnection& db = connection();
  // One run waiting or approved per program, payment and period: another computed run is
  // replaced only when named, an approved one only after its reopening.
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> others,
      db.Query("SELECT w.run_id, w.status FROM run_workflow w JOIN invoice_run r ON r.id = "
               "w.run_id WHERE r.program_code = ? AND r.payment_code = ? AND r.period_id = ? AND "
               "w.status IN ('computed', 'approved') AND w.run_id <> ? AND w.catch_up_for = 0 "
               "ORDER BY w.run_id",
               {run.program_code, run.payment_code, run.period, run_id}));
  for (const Row& other : others) {
    if (other.Text(1) == "computed" && other.Int(0) == approval.replaces) continue;
    return core::Conflict(
        Message(other.Text(1) == "approved" ? "store.run_already_approved" : "store.run_waiting",
                {{"run", other.Int(0)}}),
        Message("store.run_place", {{"run", other.Int(0)}}));
  }
  if (approval.replaces != 0) {
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "UPDATE run_workflow SET status = 'reopened', version = ? WHERE run_id = ? AND status = "
        "'computed'",
        {now, approval.replaces}));
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "UPDATE run_workflow SET status = 'reopened', version = ? WHERE catch_up_for = ? AND "
        "status = 'computed'",
        {now, approval.replaces}));
    KENEYA_RETURN_IF_ERROR(
        db.Exec("UPDATE invoice_run SET status = 'superseded' WHERE id = ?", {approval.replaces}));
    KENEYA_RETURN_IF_ERROR(InsertRunEvent(db, approval.replaces, now, "replace", "computed",
                                          "reopened", "run " + std::to_string(run_id), actor));
  }
  KENEYA_RETURN_IF_ERROR(
      db.Exec("INSERT INTO run_workflow (run_id, status, version, job_id) VALUES (?, ?, ?, ?)",
              {run_id, "computed", now, approval.job_id}));
  for (const LeftOutRecord& left : approval.left_out) {
    KENEYA_RETURN_IF_ERROR(
        db.Exec("INSERT INTO invoice_left_out (run_id, org_unit_id, reason) VALUES (?, ?, ?)",
                {run_id, left.org_unit, left.reason}));
  }
  KENEYA_RETURN_IF_ERROR(
      InsertRunEvent(db, run_id, now, "start", "", "computed", actor.reason, actor));
  for (const RunForApproval::CatchUp& catch_up : approval.catch_ups) {
    KENEYA_ASSIGN_OR_RETURN(InvoiceRunRecord stored,
                            InsertRun(catch_up.run, catch_up.invoices, {}, {}, now, actor));
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO run_workflow (run_id, status, version, job_id, catch_up_for) VALUES (?, ?, "
        "?, ?, ?)",
        {stored.id, "computed", now, approval.job_id, run_id}));
    KENEYA_RETURN_IF_ERROR(InsertRunEvent(db, stored.id, now, "start", "", "computed",
                                          "catch-up with run " + std::to_string(run_id), actor));
  }
  if (approval.job_id != 0) {
    // The job ends with its run, and only while this server still holds it: a server that lost
    // its lease writes nothing.
    KENEYA_ASSIGN_OR_RETURN(
        int64_t finished,
        db.Exec("UPDATE job SET state = 'succeeded', result_id = ?, finished_at = ?, done = "
                "total WHERE id = ? AND owner = ? AND state = 'running'",
                {run_id, now, approval.job_id, approval.job_owner}));
    if (finished != 1) {
      return core::Conflict(Message("store.job_lost", {{"job", approval.job_id}}),
                            Message("store.job_place", {{"job", approval.job_id}}));
    }
  }
  return core::OkStatus();
}

Result<std::optional<RunWorkflowRecord>> SqlStore::GetRunWorkflow(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT " + std::string(kRunColumns) + " FROM run_workflow WHERE run_id = ?", {run_id}));
  if (rows.empty()) return std::optional<RunWorkflowRecord>();
  return std::optional<RunWorkflowRecord>(RunFromRow(rows[0]));
}

Result<std::vector<RunWorkflowRecord>> SqlStore::RunWorkflows() {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT " + std::string(kRunColumns) + " FROM run_workflow ORDER BY run_id", {}));
  std::vector<RunWorkflowRecord> out;
  for (const Row& row : rows) out.push_back(RunFromRow(row));
  return out;
}

Result<RunWorkflowRecord> SqlStore::ChangeRun(const RunChange& change, const Actor& actor) {
  const bool postgres = connection().dialect() == Dialect::kPostgres;
  std::vector<int32_t> periods;
  for (const ValueLock& lock : change.add_locks) periods.push_back(lock.period);
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  if (!periods.empty()) KENEYA_RETURN_IF_ERROR(EnsurePeriods(periods));
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db.Query("SELECT " + std::string(kRunColumns) + " FROM run_workflow WHERE run_id = ?" +
                   (postgres ? " FOR UPDATE" : ""),
               {change.run_id}));
  if (rows.empty()) {
    return core::FailedPrecondition(Message("store.run_not_in_workflow", {{"run", change.run_id}}),
                                    Message("store.run_place", {{"run", change.run_id}}));
  }
  RunWorkflowRecord out = RunFromRow(rows[0]);
  if (out.status != change.from || out.version != change.seen) {
    return core::Conflict(
        Message("store.run_changed", {{"status", out.status}, {"expected", change.from}}),
        Message("store.run_place", {{"run", change.run_id}}));
  }
  const core::TimestampMs now = std::max(core::NowMs(), out.version + 1);
  out.status = change.to;
  out.version = now;
  if (change.to == "approved" && change.from != "approved") {
    out.approved_by = actor.user;
    out.approved_at = now;
  }
  if (change.publish) {
    out.published_by = actor.user;
    out.published_at = now;
  }
  KENEYA_RETURN_IF_ERROR(
      db.Exec("UPDATE run_workflow SET status = ?, version = ?, approved_by = ?, approved_at = ?, "
              "published_by = ?, published_at = ? WHERE run_id = ?",
              {out.status, out.version, out.approved_by, out.approved_at, out.published_by,
               out.published_at, change.run_id}));
  // The run's catch-ups follow it, step for step.
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> catch_ups,
      db.Query("SELECT run_id FROM run_workflow WHERE catch_up_for = ? AND status = ?",
               {change.run_id, change.from}));
  for (const Row& catch_up : catch_ups) {
    KENEYA_RETURN_IF_ERROR(
        db.Exec("UPDATE run_workflow SET status = ?, version = ?, approved_by = ?, approved_at = "
                "?, published_by = ?, published_at = ? WHERE run_id = ?",
                {out.status, out.version, out.approved_by, out.approved_at, out.published_by,
                 out.published_at, catch_up.Int(0)}));
    KENEYA_RETURN_IF_ERROR(InsertRunEvent(db, catch_up.Int(0), now, change.action, change.from,
                                          change.to, change.reason, actor));
  }
  if (change.remove_locks) {
    KENEYA_RETURN_IF_ERROR(db.Exec(
        "DELETE FROM value_lock WHERE run_id = ? OR run_id IN (SELECT run_id FROM run_workflow "
        "WHERE catch_up_for = ?)",
        {change.run_id, change.run_id}));
  }
  for (const ValueLock& lock : change.add_locks) {
    KENEYA_RETURN_IF_ERROR(
        db.Exec("INSERT INTO value_lock (org_unit_id, period_id, run_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                {lock.org_unit, lock.period, lock.run_id != 0 ? lock.run_id : change.run_id}));
  }
  KENEYA_RETURN_IF_ERROR(InsertRunEvent(db, change.run_id, now, change.action, change.from,
                                        change.to, change.reason, actor));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<std::vector<RunEvent>> SqlStore::RunEvents(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT id, run_id, at, user_name, source, address, action, status_from, "
                         "status_to, reason FROM run_event WHERE run_id = ? ORDER BY id",
                         {run_id}));
  std::vector<RunEvent> out;
  for (const Row& row : rows) {
    RunEvent e;
    e.id = row.Int(0);
    e.run_id = row.Int(1);
    e.at = row.Int(2);
    e.user = row.Text(3);
    e.source = row.Text(4);
    e.address = row.Text(5);
    e.action = row.Text(6);
    e.from = row.Text(7);
    e.to = row.Text(8);
    e.reason = row.Text(9);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<LeftOutRecord>> SqlStore::LeftOut(int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT org_unit_id, reason FROM invoice_left_out "
                                             "WHERE run_id = ? ORDER BY org_unit_id",
                                             {run_id}));
  std::vector<LeftOutRecord> out;
  for (const Row& row : rows) out.push_back({static_cast<int32_t>(row.Int(0)), row.Text(1)});
  return out;
}

Result<std::vector<ValueLock>> SqlStore::LocksOn(int32_t org_unit, int32_t period) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT org_unit_id, period_id, run_id FROM value_lock "
                         "WHERE org_unit_id = ? AND period_id = ? ORDER BY run_id",
                         {org_unit, period}));
  std::vector<ValueLock> out;
  for (const Row& row : rows) {
    out.push_back({static_cast<int32_t>(row.Int(0)), static_cast<int32_t>(row.Int(1)), row.Int(2)});
  }
  return out;
}

}  // namespace keneya::store
