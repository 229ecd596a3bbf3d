#include "store/sqlite_store.h"

#include <algorithm>

namespace keneya::store {

using core::DataValue;
using core::Result;

namespace {

constexpr int64_t kProgressEvery = 10'000;

// The six key columns bound at positions first..first+5.
void BindKey(sqlite3_stmt* stmt, int first, const core::DataValueKey& key) {
  sqlite3_bind_int(stmt, first, key.period);
  sqlite3_bind_int(stmt, first + 1, key.org_unit);
  sqlite3_bind_int(stmt, first + 2, key.data_element);
  sqlite3_bind_int(stmt, first + 3, key.category_option_combo);
  sqlite3_bind_int(stmt, first + 4, key.attribute_option_combo);
  sqlite3_bind_int(stmt, first + 5, key.state);
}

void BindText(sqlite3_stmt* stmt, int index, const std::string& text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string ColumnText(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return text ? std::string(text, sqlite3_column_bytes(stmt, column)) : std::string();
}

constexpr char kKeyWhere[] =
    " WHERE period_id = ?1 AND org_unit_id = ?2 AND data_element_id = ?3 AND "
    "category_option_combo_id = ?4 AND attribute_option_combo_id = ?5 AND state_id = ?6";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, int cache_kib) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection,
                          SqliteConnection::Open(path, cache_kib));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(connection)));
}

Result<BulkLoadSummary> SqliteStore::BulkLoad(const LoadValues& values, const ImportInfo& info,
                                              const ProgressFn& progress,
                                              const BulkLoadOptions& options) {
  const int64_t total = static_cast<int64_t>(values.size());
  auto report = [&](std::string_view phase, int64_t done) {
    if (progress) progress(Progress{phase, done, total});
  };
  report("sort", 0);
  KENEYA_ASSIGN_OR_RETURN(LoadOrder load, PrepareLoad(values, options.dry_run));
  BulkLoadSummary summary;
  summary.repeated = std::move(load.repeated);
  const core::TimestampMs now = core::NowMs();
  SqliteConnection& db = sqlite();
  // SQLite checks foreign keys row by row, a third of the load's time. The load checks its
  // references itself instead, inside its transaction (no other writer can remove a referenced
  // row meanwhile; Keneya never deletes metadata rows anyway), with foreign keys off for the
  // connection until the load ends. The pragma only takes effect outside a transaction.
  KENEYA_RETURN_IF_ERROR(db.ExecScript("PRAGMA foreign_keys=OFF"));
  struct ForeignKeysBackOn {
    SqliteConnection& db;
    ~ForeignKeysBackOn() {
      db.Rollback();
      (void)db.ExecScript("PRAGMA foreign_keys=ON");
    }
  } foreign_keys_back_on{db};
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  if (options.dry_run) KENEYA_RETURN_IF_ERROR(AddPeriodsForDryRun(load.periods));
  KENEYA_RETURN_IF_ERROR(CheckReferences(values));
  KENEYA_ASSIGN_OR_RETURN(summary.import_id, InsertImport(info, now, options.dry_run));

  KENEYA_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db.Prepare("INSERT INTO data_value (period_id, org_unit_id, data_element_id, "
                 "category_option_combo_id, attribute_option_combo_id, state_id, value, "
                 "comment, stored_by, followup, deleted, created, last_updated, import_id) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?13, ?11, ?11, ?12) "
                 "ON CONFLICT DO NOTHING"));
  // A load into periods that hold no value yet (a month's first import, the usual case) creates
  // every value: a plain INSERT, without looking for a conflict first (one b-tree search per row
  // instead of two). Nothing else writes meanwhile: the transaction holds the write lock.
  bool periods_empty =
      options.strategy != LoadStrategy::kUpdate && options.strategy != LoadStrategy::kDelete;
  if (periods_empty) {
    KENEYA_ASSIGN_OR_RETURN(SqliteStatement any,
                            db.Prepare("SELECT 1 FROM data_value WHERE period_id = ?1 LIMIT 1"));
    for (int32_t period : load.periods) {
      sqlite3_bind_int(any.get(), 1, period);
      const int rc = sqlite3_step(any.get());
      sqlite3_reset(any.get());
      if (rc == SQLITE_ROW) periods_empty = false;
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return db.LastError(core::Message("store.cannot_read_value", {{"position", 0}}));
      }
      if (!periods_empty) break;
    }
  }
  KENEYA_ASSIGN_OR_RETURN(
      SqliteStatement plain_insert,
      db.Prepare("INSERT INTO data_value (period_id, org_unit_id, data_element_id, "
                 "category_option_combo_id, attribute_option_combo_id, state_id, value, "
                 "comment, stored_by, followup, deleted, created, last_updated, import_id) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?13, ?11, ?11, ?12)"));
  KENEYA_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db.Prepare(std::string("SELECT value, comment, followup, deleted FROM data_value") +
                 kKeyWhere));
  KENEYA_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db.Prepare(std::string("UPDATE data_value SET value = ?7, comment = ?8, stored_by = ?9, "
                             "followup = ?10, deleted = ?11, last_updated = ?12") +
                 kKeyWhere));
  KENEYA_ASSIGN_OR_RETURN(
      SqliteStatement audit,
      db.Prepare("INSERT INTO data_value_audit (period_id, org_unit_id, data_element_id, "
                 "category_option_combo_id, attribute_option_combo_id, state_id, action, at, "
                 "user_name, source, reason, import_id, old_value, new_value, old_comment, "
                 "new_comment, old_followup, new_followup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                 "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
  // Constant parameters stay bound across resets.
  sqlite3_bind_int64(insert.get(), 11, now);
  sqlite3_bind_int64(insert.get(), 12, summary.import_id);
  sqlite3_bind_int64(plain_insert.get(), 11, now);
  sqlite3_bind_int64(plain_insert.get(), 12, summary.import_id);
  sqlite3_bind_int64(update.get(), 12, now);
  sqlite3_bind_int64(audit.get(), 8, now);
  BindText(audit.get(), 9, info.user);
  BindText(audit.get(), 10, info.source);
  BindText(audit.get(), 11, info.reason);
  sqlite3_bind_int64(audit.get(), 12, summary.import_id);

  auto step = [&](sqlite3_stmt* stmt, size_t position) -> core::Status {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return core::OkStatus();
    return db.LastError(core::Message("store.cannot_write_value", {{"position", position}}));
  };
  // Through `stmt`: the plain INSERT or the one that does nothing on a conflict (same parameters).
  auto insert_value = [&](sqlite3_stmt* stmt, const DataValue& v, bool deleted, size_t position) {
    BindKey(stmt, 1, v.key);
    BindText(stmt, 7, v.value);
    BindText(stmt, 8, v.comment);
    BindText(stmt, 9, v.stored_by);
    sqlite3_bind_int(stmt, 10, v.followup ? 1 : 0);
    sqlite3_bind_int(stmt, 13, deleted ? 1 : 0);
    return step(stmt, position);
  };

  const LoadStrategy strategy = options.strategy;
  // Reading the stored value first is cheaper than a failed insert when the load is mostly
  // updates; the loop switches strategy according to what the previous value found.
  bool expect_existing = false;
  int64_t done = 0;
  DataValue scratch;
  const size_t count = load.order.size();
  for (size_t k = 0; k < count; ++k) {
    // Values given in another order than the keys' are visited at random: the next ones are
    // asked for ahead.
    if (k + 8 < count) values.Prefetch(load.order[k + 8]);
    const uint32_t position = load.order[k];
    const DataValue& v = values.Get(position, scratch);
    const bool deleting = v.deleted || strategy == LoadStrategy::kDelete;
    if (++done % kProgressEvery == 0) report("write", done);
    if (periods_empty && !deleting) {
      KENEYA_RETURN_IF_ERROR(insert_value(plain_insert.get(), v, false, position));
      ++summary.created;
      continue;
    }
    if (!deleting && !expect_existing && strategy != LoadStrategy::kUpdate) {
      KENEYA_RETURN_IF_ERROR(insert_value(insert.get(), v, false, position));
      if (sqlite3_changes(db.handle()) == 1) {
        ++summary.created;
        continue;
      }
    }
    BindKey(select.get(), 1, v.key);
    const int rc = sqlite3_step(select.get());
    if (rc != SQLITE_ROW) {
      sqlite3_reset(select.get());
      if (rc != SQLITE_DONE) {
        return db.LastError(core::Message("store.cannot_read_value", {{"position", position}}));
      }
      expect_existing = false;
      if (strategy == LoadStrategy::kUpdate) {
        summary.skipped.push_back(position);
      } else if (strategy == LoadStrategy::kDelete) {
        ++summary.unchanged;  // deleting what was never there
      } else {
        KENEYA_RETURN_IF_ERROR(insert_value(insert.get(), v, deleting, position));
        ++summary.created;
      }
      continue;
    }
    expect_existing = true;
    const std::string old_value = ColumnText(select.get(), 0);
    const std::string old_comment = ColumnText(select.get(), 1);
    const bool old_followup = sqlite3_column_int(select.get(), 2) != 0;
    const bool old_deleted = sqlite3_column_int(select.get(), 3) != 0;
    sqlite3_reset(select.get());

    AuditAction action;
    if (deleting) {
      if (old_deleted) {
        ++summary.unchanged;
        continue;
      }
      action = AuditAction::kDelete;
      ++summary.deleted;
    } else if (old_deleted) {
      if (strategy == LoadStrategy::kUpdate) {
        summary.skipped.push_back(position);
        continue;
      }
      action = AuditAction::kCreate;  // a deleted value written again
      ++summary.created;
    } else if (strategy == LoadStrategy::kCreate) {
      summary.skipped.push_back(position);
      continue;
    } else if (old_value == v.value && old_comment == v.comment && old_followup == v.followup) {
      ++summary.unchanged;
      continue;
    } else {
      action = AuditAction::kUpdate;
      ++summary.updated;
    }
    // A delete keeps the stored content and only marks it; other writes replace it.
    const bool is_delete = action == AuditAction::kDelete;
    BindKey(update.get(), 1, v.key);
    BindText(update.get(), 7, is_delete ? old_value : v.value);
    BindText(update.get(), 8, is_delete ? old_comment : v.comment);
    BindText(update.get(), 9, v.stored_by);
    sqlite3_bind_int(update.get(), 10, (is_delete ? old_followup : v.followup) ? 1 : 0);
    sqlite3_bind_int(update.get(), 11, is_delete ? 1 : 0);
    KENEYA_RETURN_IF_ERROR(step(update.get(), position));

    BindKey(audit.get(), 1, v.key);
    const std::string_view action_name = AuditActionName(action);
    sqlite3_bind_text(audit.get(), 7, action_name.data(), static_cast<int>(action_name.size()),
                      SQLITE_STATIC);
    BindText(audit.get(), 13, old_value);
    if (is_delete) {
      sqlite3_bind_null(audit.get(), 14);
    } else {
      BindText(audit.get(), 14, v.value);
    }
    BindText(audit.get(), 15, old_comment);
    BindText(audit.get(), 16, is_delete ? old_comment : v.comment);
    sqlite3_bind_int(audit.get(), 17, old_followup ? 1 : 0);
    sqlite3_bind_int(audit.get(), 18, (is_delete ? old_followup : v.followup) ? 1 : 0);
    KENEYA_RETURN_IF_ERROR(step(audit.get(), position));
  }
  std::sort(summary.skipped.begin(), summary.skipped.end());
  report("write", total);
  KENEYA_RETURN_IF_ERROR(FinishImport(summary.import_id, summary, core::NowMs()));
  if (options.dry_run) {
    summary.import_id = 0;
    return summary;  // the guard rolls back
  }
  report("commit", total);
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return summary;
}

Result<std::vector<core::Message>> SqliteStore::RunIntegrityChecks() {
  std::vector<core::Message> problems;
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> integrity, connection().Query("PRAGMA integrity_check"));
  for (const Row& row : integrity) {
    if (row.Text(0) != "ok") {
      problems.push_back(core::Message("store.integrity_problem", {{"detail", row.Text(0)}}));
    }
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> foreign_keys,
                          connection().Query("PRAGMA foreign_key_check"));
  for (const Row& row : foreign_keys) {
    problems.push_back(core::Message("store.foreign_key_problem",
                                     {{"table", row.Text(0)}, {"parent", row.Text(2)}}));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> imports,
      connection().Query("SELECT count(*) FROM data_value v WHERE v.import_id IS NOT NULL AND "
                         "NOT EXISTS (SELECT 1 FROM data_import i WHERE i.id = v.import_id)"));
  if (imports.at(0).Int(0) != 0) {
    problems.push_back(
        core::Message("store.values_without_import", {{"count", imports[0].Int(0)}}));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> unfinished,
      connection().Query("SELECT count(*) FROM data_import WHERE finished IS NULL"));
  if (unfinished.at(0).Int(0) != 0) {
    problems.push_back(
        core::Message("store.imports_unfinished", {{"count", unfinished[0].Int(0)}}));
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::Error> unreadable, UnreadableRows());
  for (const core::Error& e : unreadable) problems.push_back(ProblemOf(e));
  if (!problems.empty()) return Inconsistent(problems, sqlite().path());
  return std::vector<core::Message>{
      core::Message("store.check.sqlite_integrity"),
      core::Message("store.check.sqlite_foreign_keys"), core::Message("store.check.imports_exist"),
      core::Message("store.check.imports_finished"), core::Message("store.check.rows_read_back")};
}

}  // namespace keneya::store
