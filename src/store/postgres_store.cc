#include "store/postgres_store.h"

#include <algorithm>
#include <charconv>

namespace keneya::store {

using core::DataValue;
using core::Result;
using core::Status;

namespace {

constexpr int64_t kProgressEvery = 10'000;
constexpr size_t kCopyChunk = 1 << 20;

void AppendInt(std::string& out, int64_t n) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, end);
}

// COPY text format: backslash, tab, newline and carriage return are escaped.
void AppendCopyText(std::string& out, const std::string& text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

constexpr std::string_view kJoinKey =
    "d.period_id = b.period_id AND d.org_unit_id = b.org_unit_id AND "
    "d.data_element_id = b.data_element_id AND "
    "d.category_option_combo_id = b.category_option_combo_id AND "
    "d.attribute_option_combo_id = b.attribute_option_combo_id AND d.state_id = b.state_id";

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> connection,
                          PostgresConnection::Open(conninfo));
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(connection)));
}

Status PostgresStore::Copy(const LoadValues& values, const std::vector<uint32_t>& order,
                           bool all_deleted, const std::function<void(int64_t)>& sent) {
  PostgresConnection& pg = postgres();
  PGconn* conn = pg.handle();
  {
    PgResult start(PQexec(conn,
                          "COPY bulk_value (position, period_id, org_unit_id, data_element_id, "
                          "category_option_combo_id, attribute_option_combo_id, state_id, value, "
                          "comment, stored_by, followup, deleted) FROM STDIN"));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) {
      return pg.ResultError(start.get(), core::Message("store.copy_start_failed"));
    }
  }
  std::string buffer;
  buffer.reserve(kCopyChunk + 4096);
  auto flush = [&]() -> Status {
    if (!buffer.empty() &&
        PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      return pg.ResultError(nullptr, core::Message("store.copy_failed"));
    }
    buffer.clear();
    return core::OkStatus();
  };
  int64_t count = 0;
  DataValue scratch;
  for (uint32_t position : order) {
    const DataValue& v = values.Get(position, scratch);
    AppendInt(buffer, position);
    for (int32_t id : {v.key.period, v.key.org_unit, v.key.data_element,
                       v.key.category_option_combo, v.key.attribute_option_combo, v.key.state}) {
      buffer += '\t';
      AppendInt(buffer, id);
    }
    buffer += '\t';
    AppendCopyText(buffer, v.value);
    buffer += '\t';
    AppendCopyText(buffer, v.comment);
    buffer += '\t';
    AppendCopyText(buffer, v.stored_by);
    buffer += v.followup ? "\tt" : "\tf";
    buffer += v.deleted || all_deleted ? "\tt\n" : "\tf\n";
    if (buffer.size() >= kCopyChunk) KENEYA_RETURN_IF_ERROR(flush());
    if (++count % kProgressEvery == 0) sent(count);
  }
  KENEYA_RETURN_IF_ERROR(flush());
  if (PQputCopyEnd(conn, nullptr) != 1) {
    return pg.ResultError(nullptr, core::Message("store.copy_failed"));
  }
  Status status = core::OkStatus();
  while (PGresult* raw = PQgetResult(conn)) {
    PgResult result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) {
      status = pg.ResultError(raw, core::Message("store.copy_values_failed"));
    }
  }
  sent(count);
  return status;
}

Result<BulkLoadSummary> PostgresStore::BulkLoad(const LoadValues& values, const ImportInfo& info,
                                                const ProgressFn& progress,
                                                const BulkLoadOptions& options) {
  const LoadStrategy strategy = options.strategy;
  const int64_t total = static_cast<int64_t>(values.size());
  auto report = [&](std::string_view phase, int64_t done) {
    if (progress) progress(Progress{phase, done, total});
  };
  report("sort", 0);
  KENEYA_ASSIGN_OR_RETURN(LoadOrder load, PrepareLoad(values, options.dry_run));
  BulkLoadSummary summary;
  summary.repeated = std::move(load.repeated);
  const core::TimestampMs now = core::NowMs();
  SqlConnection& sql = connection();
  KENEYA_RETURN_IF_ERROR(sql.BeginWrite());
  TransactionGuard transaction(sql);
  // SHARE ROW EXCLUSIVE conflicts with every other writer of data_value (and itself), not with
  // readers.
  KENEYA_RETURN_IF_ERROR(sql.ExecScript(
      "LOCK TABLE data_value IN SHARE ROW EXCLUSIVE MODE; SET LOCAL work_mem = '256MB'"));
  if (options.dry_run) KENEYA_RETURN_IF_ERROR(AddPeriodsForDryRun(load.periods));
  KENEYA_RETURN_IF_ERROR(CheckReferences(values));
  KENEYA_ASSIGN_OR_RETURN(summary.import_id, InsertImport(info, now, options.dry_run));
  KENEYA_RETURN_IF_ERROR(sql.ExecScript(
      "CREATE TEMP TABLE bulk_value (position integer NOT NULL, period_id integer NOT NULL, "
      "org_unit_id integer NOT NULL, data_element_id integer NOT NULL, "
      "category_option_combo_id integer NOT NULL, attribute_option_combo_id integer NOT NULL, "
      "state_id integer NOT NULL, value text NOT NULL, comment text NOT NULL, "
      "stored_by text NOT NULL, followup boolean NOT NULL, deleted boolean NOT NULL) "
      "ON COMMIT DROP"));
  KENEYA_RETURN_IF_ERROR(Copy(values, load.order, strategy == LoadStrategy::kDelete,
                              [&](int64_t n) { report("write", n); }));
  KENEYA_RETURN_IF_ERROR(sql.ExecScript("ANALYZE bulk_value"));

  // Values the strategy skips leave the staging table first, so that the statements below treat
  // the rest alike. CREATE skips keys with a live stored value; UPDATE skips keys without a stored
  // value, and deleted stored values written again.
  std::string skip;
  if (strategy == LoadStrategy::kCreate) {
    skip = "DELETE FROM bulk_value b USING data_value d WHERE " + std::string(kJoinKey) +
           " AND NOT b.deleted AND NOT d.deleted RETURNING b.position";
  } else if (strategy == LoadStrategy::kUpdate) {
    skip = "DELETE FROM bulk_value b WHERE NOT EXISTS (SELECT 1 FROM data_value d WHERE " +
           std::string(kJoinKey) + " AND (NOT d.deleted OR b.deleted)) RETURNING b.position";
  }
  if (!skip.empty()) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<Row> skipped, sql.Query(skip));
    for (const Row& row : skipped) summary.skipped.push_back(static_cast<size_t>(row.Int(0)));
    std::sort(summary.skipped.begin(), summary.skipped.end());
  }
  const int64_t remaining =
      static_cast<int64_t>(load.order.size()) - static_cast<int64_t>(summary.skipped.size());

  // Changes to stored values, each audited: an update, a delete (the content is kept and marked
  // deleted), or a deleted value written again (audited as a creation).
  const std::string now_text = std::to_string(now);
  const std::string import_text = std::to_string(summary.import_id);
  int64_t matched = 0;
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> changes,
      sql.Query(
          "WITH matched AS ("
          "  SELECT b.*, d.value AS old_value, d.comment AS old_comment, "
          "    d.followup AS old_followup, "
          "    CASE WHEN b.deleted THEN 'delete' WHEN d.deleted THEN 'create' ELSE 'update' END "
          "      AS action, "
          "    CASE WHEN b.deleted THEN NOT d.deleted ELSE d.deleted OR d.value <> b.value OR "
          "      d.comment <> b.comment OR d.followup <> b.followup END AS is_change "
          "  FROM bulk_value b JOIN data_value d ON " +
              std::string(kJoinKey) +
              "), changed AS (SELECT * FROM matched WHERE is_change"
              "), updated AS ("
              "  UPDATE data_value d SET "
              "    value = CASE WHEN b.deleted THEN d.value ELSE b.value END, "
              "    comment = CASE WHEN b.deleted THEN d.comment ELSE b.comment END, "
              "    followup = CASE WHEN b.deleted THEN d.followup ELSE b.followup END, "
              "    deleted = b.deleted, stored_by = b.stored_by, last_updated = " +
              now_text + "  FROM changed b WHERE " + std::string(kJoinKey) +
              "), audited AS ("
              "  INSERT INTO data_value_audit (period_id, org_unit_id, data_element_id, "
              "    category_option_combo_id, attribute_option_combo_id, state_id, action, at, "
              "    user_name, source, reason, import_id, old_value, new_value, old_comment, "
              "    new_comment, old_followup, new_followup) "
              "  SELECT period_id, org_unit_id, data_element_id, category_option_combo_id, "
              "    attribute_option_combo_id, state_id, action, " +
              now_text + ", ?, ?, ?, " + import_text +
              ", old_value, "
              "    CASE WHEN deleted THEN NULL ELSE value END, old_comment, "
              "    CASE WHEN deleted THEN old_comment ELSE comment END, old_followup, "
              "    CASE WHEN deleted THEN old_followup ELSE followup END FROM changed"
              ") SELECT action, count(*) FROM changed GROUP BY action "
              "UNION ALL SELECT 'matched', count(*) FROM matched",
          {info.user, info.source, info.reason}));
  for (const Row& row : changes) {
    if (row.Text(0) == "update") summary.updated = row.Int(1);
    if (row.Text(0) == "delete") summary.deleted = row.Int(1);
    if (row.Text(0) == "create") summary.created = row.Int(1);
    if (row.Text(0) == "matched") matched = row.Int(1);
  }
  report("write", total);

  // What is left are new keys (stored even when marked deleted, as DHIS2 does) and unchanged
  // values; the table lock keeps other writers out, so ON CONFLICT only skips the unchanged ones
  // (cheaper than an anti-join on a large table). When every value matched a stored one,
  // nothing is new and the statement is skipped. UPDATE and DELETE create nothing.
  int64_t inserted = 0;
  const bool creates =
      strategy == LoadStrategy::kCreateAndUpdate || strategy == LoadStrategy::kCreate;
  if (creates && remaining > matched) {
    KENEYA_ASSIGN_OR_RETURN(
        inserted,
        sql.Exec("INSERT INTO data_value (period_id, org_unit_id, data_element_id, "
                 "category_option_combo_id, attribute_option_combo_id, state_id, value, comment, "
                 "stored_by, followup, deleted, created, last_updated, import_id) "
                 "SELECT period_id, org_unit_id, data_element_id, category_option_combo_id, "
                 "attribute_option_combo_id, state_id, value, comment, stored_by, followup, "
                 "deleted, " +
                 now_text + ", " + now_text + ", " + import_text +
                 " FROM bulk_value ON CONFLICT DO NOTHING"));
  }
  summary.created += inserted;
  summary.unchanged = remaining - summary.created - summary.updated - summary.deleted;
  KENEYA_RETURN_IF_ERROR(FinishImport(summary.import_id, summary, core::NowMs()));
  if (options.dry_run) {
    summary.import_id = 0;
    return summary;  // the guard rolls back
  }
  report("commit", total);
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return summary;
}

Result<std::vector<core::Message>> PostgresStore::RunIntegrityChecks() {
  std::vector<core::Message> checks;
  std::vector<core::Message> problems;
  // amcheck ships with PostgreSQL (postgresql-contrib); creating it needs enough privileges. It
  // lives in whichever schema first created it, so its functions are called qualified.
  if (connection().ExecScript("CREATE EXTENSION IF NOT EXISTS amcheck").ok()) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> schema,
        connection().Query("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                           "ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'"));
    if (!schema.empty()) {
      auto indexes = connection().Query(
          "SELECT c.relname, \"" + schema[0].Text(0) +
          "\".bt_index_check(c.oid, true) IS NULL FROM pg_index i "
          "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
          "WHERE a.amname = 'btree' AND i.indrelid IN ('data_value'::regclass, "
          "'data_value_audit'::regclass, 'data_import'::regclass, 'period'::regclass)");
      if (indexes.ok()) {
        for (const Row& row : *indexes) {
          checks.push_back(core::Message("store.check.amcheck", {{"index", row.Text(0)}}));
        }
      } else {
        problems.push_back(indexes.error().text);
      }
    }
  }
  // The references the schema does not declare (see migrations.cc).
  const std::pair<const char*, const char*> references[] = {
      {"period_id", "period"},
      {"org_unit_id", "org_unit"},
      {"data_element_id", "data_element"},
      {"category_option_combo_id", "category_option_combo"},
      {"attribute_option_combo_id", "category_option_combo"},
      {"state_id", "state"}};
  for (const auto& [column, table] : references) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> missing,
        connection().Query(std::string("SELECT count(*) FROM data_value v WHERE NOT EXISTS ") +
                           "(SELECT 1 FROM " + table + " t WHERE t.id = v." + column + ")"));
    if (missing.at(0).Int(0) != 0) {
      problems.push_back(
          core::Message("store.values_without_reference",
                        {{"count", missing[0].Int(0)}, {"column", column}, {"table", table}}));
    }
    checks.push_back(
        core::Message("store.check.reference", {{"column", column}, {"table", table}}));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> imports,
      connection().Query("SELECT count(*) FROM data_value v WHERE v.import_id IS NOT NULL AND "
                         "NOT EXISTS (SELECT 1 FROM data_import i WHERE i.id = v.import_id)"));
  if (imports.at(0).Int(0) != 0) {
    problems.push_back(
        core::Message("store.values_without_import", {{"count", imports[0].Int(0)}}));
  }
  checks.push_back(core::Message("store.check.imports_exist"));
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> unfinished,
      connection().Query("SELECT count(*) FROM data_import WHERE finished IS NULL"));
  if (unfinished.at(0).Int(0) != 0) {
    problems.push_back(
        core::Message("store.imports_unfinished", {{"count", unfinished[0].Int(0)}}));
  }
  checks.push_back(core::Message("store.check.imports_finished"));
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::Error> unreadable, UnreadableRows());
  for (const core::Error& e : unreadable) problems.push_back(ProblemOf(e));
  checks.push_back(core::Message("store.check.rows_read_back"));
  if (!problems.empty()) return Inconsistent(problems, postgres().where());
  return checks;
}

}  // namespace keneya::store
