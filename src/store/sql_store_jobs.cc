// Background jobs (migration 9): one active job per key, taken by one server at a time under a
// lease. Each step is a conditional UPDATE, atomic on both engines: two servers claiming the same
// job, or a server renewing a lease another has just taken, cannot both succeed.
#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;

namespace {

constexpr std::string_view kJobColumns =
    "id, kind, job_key, params, state, created_at, created_by, source, address, owner, "
    "lease_until, attempts, phase, done, total, started_at, finished_at, result_id, error";

template <typename R>
JobRecord JobFromRow(const R& row) {
  JobRecord j;
  j.id = row.Int(0);
  j.kind = std::string(row.Text(1));
  j.key = std::string(row.Text(2));
  j.params = std::string(row.Text(3));
  j.state = std::string(row.Text(4));
  j.created_at = row.Int(5);
  j.created_by = std::string(row.Text(6));
  j.source = std::string(row.Text(7));
  j.address = std::string(row.Text(8));
  j.owner = std::string(row.Text(9));
  j.lease_until = row.Int(10);
  j.attempts = static_cast<int>(row.Int(11));
  j.phase = std::string(row.Text(12));
  j.done = row.Int(13);
  j.total = row.Int(14);
  j.started_at = row.Int(15);
  j.finished_at = row.Int(16);
  j.result_id = row.Int(17);
  j.error = std::string(row.Text(18));
  return j;
}

}  // namespace

Result<Store::CreatedJob> SqlStore::CreateJob(const JobRecord& job, const Actor& actor) {
  SqlConnection& db = connection();
  const core::TimestampMs now = core::NowMs();
  // The partial unique index on active keys decides between two servers asking at once; the
  // loser reads the winner's job. When that job ended between the two statements, the key is
  // free again: the insertion is tried again (a few times: each round, a job ended or began).
  for (int round = 0; round < 3; ++round) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> inserted,
        db.Query("INSERT INTO job (kind, job_key, params, state, created_at, created_by, source, "
                 "address) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                 "RETURNING " +
                     std::string(kJobColumns),
                 {job.kind, job.key, job.params, now, actor.user, actor.source, actor.address}));
    if (!inserted.empty()) return CreatedJob{JobFromRow(inserted[0]), true};
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> active,
        db.Query("SELECT " + std::string(kJobColumns) +
                     " FROM job WHERE job_key = ? AND state IN ('queued', 'running')",
                 {job.key}));
    if (!active.empty()) return CreatedJob{JobFromRow(active[0]), false};
  }
  return core::Unavailable(Message("store.job_busy", {{"key", job.key}}));
}

Result<std::optional<JobRecord>> SqlStore::GetJob(int64_t id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kJobColumns) + " FROM job WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(JobFromRow(rows[0]));
}

Result<std::vector<JobRecord>> SqlStore::Jobs(std::string_view kind, int limit) {
  std::string sql = "SELECT " + std::string(kJobColumns) + " FROM job";
  std::vector<SqlValue> params;
  if (!kind.empty()) {
    sql += " WHERE kind = ?";
    params.emplace_back(std::string(kind));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit));
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, connection().Query(sql, params));
  std::vector<JobRecord> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(JobFromRow(row));
  return out;
}

Result<std::optional<JobRecord>> SqlStore::ClaimJob(std::string_view owner, core::TimestampMs now,
                                                    core::TimestampMs lease_until) {
  SqlConnection& db = connection();
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> candidates,
      db.Query("SELECT id FROM job WHERE state = 'queued' OR (state = 'running' AND "
               "(lease_until < ? OR owner = ?)) ORDER BY id LIMIT 8",
               {now, std::string(owner)}));
  for (const Row& candidate : candidates) {
    // Taken only if still free when the row is written: another server may have been first.
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> claimed,
        db.Query(
            "UPDATE job SET state = 'running', owner = ?, lease_until = ?, attempts = "
            "attempts + 1, started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END "
            "WHERE id = ? AND (state = 'queued' OR (state = 'running' AND (lease_until < ? "
            "OR owner = ?))) RETURNING " +
                std::string(kJobColumns),
            {std::string(owner), lease_until, now, candidate.Int(0), now, std::string(owner)}));
    if (!claimed.empty()) return std::optional<JobRecord>(JobFromRow(claimed[0]));
  }
  return std::optional<JobRecord>();
}

Result<bool> SqlStore::RenewJob(int64_t id, std::string_view owner, core::TimestampMs lease_until,
                                const JobProgress& progress) {
  KENEYA_ASSIGN_OR_RETURN(
      int64_t changed,
      connection().Exec(
          "UPDATE job SET lease_until = ?, phase = ?, done = ?, total = ? WHERE id "
          "= ? AND owner = ? AND state = 'running'",
          {lease_until, progress.phase, progress.done, progress.total, id, std::string(owner)}));
  return changed == 1;
}

Result<bool> SqlStore::FinishJob(int64_t id, std::string_view owner, std::string_view state,
                                 int64_t result_id, std::string_view error) {
  KENEYA_ASSIGN_OR_RETURN(
      int64_t changed,
      connection().Exec("UPDATE job SET state = ?, result_id = ?, error = ?, finished_at = ? "
                        "WHERE id = ? AND owner = ? AND state = 'running'",
                        {std::string(state), result_id, std::string(error), core::NowMs(), id,
                         std::string(owner)}));
  return changed == 1;
}

Result<bool> SqlStore::CancelJob(int64_t id, std::string_view error) {
  KENEYA_ASSIGN_OR_RETURN(
      int64_t changed,
      connection().Exec("UPDATE job SET state = 'failed', error = ?, finished_at = ? "
                        "WHERE id = ? AND state = 'queued'",
                        {std::string(error), core::NowMs(), id}));
  return changed == 1;
}

}  // namespace keneya::store
