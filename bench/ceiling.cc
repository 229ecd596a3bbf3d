#include "bench/ceiling.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "bench/bench_data.h"
#include "bench/store_bench.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace keneya::bench {
namespace {

using core::DataValue;
using core::Status;

double SystemSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
}

void BindKey(sqlite3_stmt* stmt, const core::DataValueKey& key) {
  sqlite3_bind_int(stmt, 1, key.period);
  sqlite3_bind_int(stmt, 2, key.org_unit);
  sqlite3_bind_int(stmt, 3, key.data_element);
  sqlite3_bind_int(stmt, 4, key.category_option_combo);
  sqlite3_bind_int(stmt, 5, key.attribute_option_combo);
  sqlite3_bind_int(stmt, 6, key.state);
}

void BindText(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

constexpr char kKeyWhere[] =
    " WHERE period_id = ?1 AND org_unit_id = ?2 AND data_element_id = ?3 AND "
    "category_option_combo_id = ?4 AND attribute_option_combo_id = ?5 AND state_id = ?6";

// The store's own connection (its pragmas), foreign keys off as during the store's bulk load.
core::Result<std::unique_ptr<store::SqliteConnection>> OpenRaw(const std::string& path) {
  KENEYA_ASSIGN_OR_RETURN(
      std::unique_ptr<store::SqliteConnection> db,
      store::SqliteConnection::Open(path, store::OpenOptions{}.sqlite_cache_kib));
  KENEYA_RETURN_IF_ERROR(db->ExecScript("PRAGMA foreign_keys=OFF"));
  return db;
}

Status Step(store::SqliteConnection& db, sqlite3_stmt* stmt) {
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return core::OkStatus();
  return db.LastError(core::Message("store.cannot_write_value", {{"position", 0}}));
}

// libpq: one statement, its result checked.
Status PgExec(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  std::string message = PQerrorMessage(conn);
  PQclear(r);
  if (ok) return core::OkStatus();
  return core::Unavailable(core::Message("bench.cannot_connect", {{"detail", message}}), sql);
}

// COPY of `values` (key, value, comment, stored_by, followup, deleted, times, import) into
// `table`, in chunks of about a megabyte.
Status PgCopy(PGconn* conn, const std::string& table, std::span<const DataValue> values,
              core::TimestampMs now) {
  PGresult* r = PQexec(conn, ("COPY " + table +
                              " (period_id, org_unit_id, data_element_id, "
                              "category_option_combo_id, attribute_option_combo_id, state_id, "
                              "value, comment, stored_by, followup, deleted, created, "
                              "last_updated, import_id) FROM STDIN")
                                 .c_str());
  const bool started = PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  if (!started) {
    return core::Unavailable(
        core::Message("bench.cannot_connect", {{"detail", PQerrorMessage(conn)}}), table);
  }
  std::string chunk;
  chunk.reserve(1 << 21);
  const std::string tail = "\t\\N\n";
  for (const DataValue& v : values) {
    char line[160];
    const int n = std::snprintf(line, sizeof line, "%d\t%d\t%d\t%d\t%d\t%d\t", v.key.period,
                                v.key.org_unit, v.key.data_element, v.key.category_option_combo,
                                v.key.attribute_option_combo, v.key.state);
    chunk.append(line, static_cast<size_t>(n));
    chunk += v.value;  // digits only: nothing to escape
    chunk += "\t\t";
    chunk += v.stored_by;
    const int m = std::snprintf(line, sizeof line, "\tf\tf\t%lld\t%lld",
                                static_cast<long long>(now), static_cast<long long>(now));
    chunk.append(line, static_cast<size_t>(m));
    chunk += tail;
    if (chunk.size() > (1 << 20)) {
      if (PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size())) != 1) break;
      chunk.clear();
    }
  }
  if (!chunk.empty()) PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size()));
  PQputCopyEnd(conn, nullptr);
  r = PQgetResult(conn);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string message = PQerrorMessage(conn);
  PQclear(r);
  while ((r = PQgetResult(conn)) != nullptr) PQclear(r);
  if (!ok)
    return core::Unavailable(core::Message("bench.cannot_connect", {{"detail", message}}), table);
  return core::OkStatus();
}

}  // namespace

core::Result<Cost> Measure(const std::function<Status()>& step) {
  ResetPeakRss();
  const double system_before = SystemSeconds();
  const auto start = std::chrono::steady_clock::now();
  KENEYA_RETURN_IF_ERROR(step());
  Cost cost;
  cost.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  cost.system_seconds = SystemSeconds() - system_before;
  cost.peak_bytes = PeakRssBytes();
  return cost;
}

std::vector<DataValue> ValuesInKeyOrder(const core::MetadataBundle& stored, int64_t count,
                                        int version, core::Random& rng) {
  std::vector<int32_t> facilities, elements;
  for (const core::OrgUnit& ou : stored.org_units) {
    if (ou.type == core::OrgUnitType::kCscom) facilities.push_back(ou.id);
  }
  for (const core::DataElement& de : stored.data_elements) elements.push_back(de.id);
  const int32_t default_coc = stored.categories.option_combos.at(0).id;
  const core::Period first = *core::Period::Parse("202301");
  std::vector<DataValue> values;
  values.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    DataValue v;
    const int64_t facility = i / (kDataElements * kPeriods);
    const int64_t rest = i % (kDataElements * kPeriods);
    v.key.org_unit = facilities.at(static_cast<size_t>(facility));
    v.key.period = first.Plus(static_cast<int>(rest / kDataElements)).Code();
    v.key.data_element = elements.at(static_cast<size_t>(rest % kDataElements));
    v.key.category_option_combo = default_coc;
    v.key.attribute_option_combo = default_coc;
    v.key.state = core::kStateDeclared;
    v.value = std::to_string(rng.UniformInt(0, 2000) + version);
    v.stored_by = "bench";
    values.push_back(std::move(v));
  }
  std::sort(values.begin(), values.end(),
            [](const DataValue& a, const DataValue& b) { return a.key < b.key; });
  return values;
}

core::Result<Cost> RawSqliteInserts(const std::string& path, std::span<const DataValue> values) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteConnection> db, OpenRaw(path));
  return Measure([&]() -> Status {
    KENEYA_RETURN_IF_ERROR(db->BeginWrite());
    KENEYA_ASSIGN_OR_RETURN(
        store::SqliteStatement insert,
        db->Prepare("INSERT INTO data_value (period_id, org_unit_id, data_element_id, "
                    "category_option_combo_id, attribute_option_combo_id, state_id, value, "
                    "comment, stored_by, followup, deleted, created, last_updated, import_id) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, ?10, ?10, NULL)"));
    sqlite3_bind_int64(insert.get(), 10, core::NowMs());
    for (const DataValue& v : values) {
      BindKey(insert.get(), v.key);
      BindText(insert.get(), 7, v.value);
      BindText(insert.get(), 8, v.comment);
      BindText(insert.get(), 9, v.stored_by);
      KENEYA_RETURN_IF_ERROR(Step(*db, insert.get()));
    }
    return db->Commit();
  });
}

core::Result<Cost> RawSqliteAuditedUpdates(const std::string& path,
                                           std::span<const DataValue> values) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteConnection> db, OpenRaw(path));
  return Measure([&]() -> Status {
    KENEYA_RETURN_IF_ERROR(db->BeginWrite());
    KENEYA_ASSIGN_OR_RETURN(
        store::SqliteStatement select,
        db->Prepare(std::string("SELECT value, comment, followup FROM data_value") + kKeyWhere));
    KENEYA_ASSIGN_OR_RETURN(
        store::SqliteStatement update,
        db->Prepare(std::string("UPDATE data_value SET value = ?7, stored_by = ?8, "
                                "last_updated = ?9") +
                    kKeyWhere));
    KENEYA_ASSIGN_OR_RETURN(
        store::SqliteStatement audit,
        db->Prepare("INSERT INTO data_value_audit (period_id, org_unit_id, data_element_id, "
                    "category_option_combo_id, attribute_option_combo_id, state_id, action, at, "
                    "user_name, source, reason, import_id, old_value, new_value, old_comment, "
                    "new_comment, old_followup, new_followup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                    "'update', ?7, 'bench', 'bench', '', NULL, ?8, ?9, ?10, ?10, ?11, ?11)"));
    const core::TimestampMs now = core::NowMs();
    sqlite3_bind_int64(update.get(), 9, now);
    sqlite3_bind_int64(audit.get(), 7, now);
    for (const DataValue& v : values) {
      BindKey(select.get(), v.key);
      if (sqlite3_step(select.get()) != SQLITE_ROW) {
        sqlite3_reset(select.get());
        return db->LastError(core::Message("store.cannot_read_value", {{"position", 0}}));
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0));
      const std::string old_value(text, static_cast<size_t>(sqlite3_column_bytes(select.get(), 0)));
      const auto* comment = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 1));
      const std::string old_comment(comment,
                                    static_cast<size_t>(sqlite3_column_bytes(select.get(), 1)));
      const int followup = sqlite3_column_int(select.get(), 2);
      sqlite3_reset(select.get());
      if (old_value == v.value) continue;
      BindKey(update.get(), v.key);
      BindText(update.get(), 7, v.value);
      BindText(update.get(), 8, v.stored_by);
      KENEYA_RETURN_IF_ERROR(Step(*db, update.get()));
      BindKey(audit.get(), v.key);
      BindText(audit.get(), 8, old_value);
      BindText(audit.get(), 9, v.value);
      BindText(audit.get(), 10, old_comment);
      sqlite3_bind_int(audit.get(), 11, followup);
      KENEYA_RETURN_IF_ERROR(Step(*db, audit.get()));
    }
    return db->Commit();
  });
}

core::Result<Cost> RawPostgresCopy(const std::string& url, std::span<const DataValue> values) {
  KENEYA_ASSIGN_OR_RETURN(PGconn * conn, ConnectPostgres(url));
  core::Result<Cost> cost = Measure([&]() -> Status {
    KENEYA_RETURN_IF_ERROR(PgExec(conn, "BEGIN"));
    KENEYA_RETURN_IF_ERROR(PgCopy(conn, "data_value", values, core::NowMs()));
    return PgExec(conn, "COMMIT");
  });
  PQfinish(conn);
  return cost;
}

core::Result<Cost> RawPostgresAuditedUpdates(const std::string& url,
                                             std::span<const DataValue> values) {
  KENEYA_ASSIGN_OR_RETURN(PGconn * conn, ConnectPostgres(url));
  constexpr char kJoin[] =
      "d.period_id = b.period_id AND d.org_unit_id = b.org_unit_id AND "
      "d.data_element_id = b.data_element_id AND d.category_option_combo_id = "
      "b.category_option_combo_id AND d.attribute_option_combo_id = b.attribute_option_combo_id "
      "AND d.state_id = b.state_id";
  core::Result<Cost> cost = Measure([&]() -> Status {
    const core::TimestampMs now = core::NowMs();
    KENEYA_RETURN_IF_ERROR(PgExec(conn, "BEGIN"));
    KENEYA_RETURN_IF_ERROR(PgExec(conn,
                                  "CREATE TEMP TABLE raw_value (LIKE data_value INCLUDING "
                                  "DEFAULTS) ON COMMIT DROP"));
    KENEYA_RETURN_IF_ERROR(PgCopy(conn, "raw_value", values, now));
    const std::string at = std::to_string(now);
    KENEYA_RETURN_IF_ERROR(PgExec(
        conn, std::string("INSERT INTO data_value_audit (period_id, org_unit_id, "
                          "data_element_id, category_option_combo_id, attribute_option_combo_id, "
                          "state_id, action, at, user_name, source, old_value, new_value, "
                          "old_comment, new_comment, old_followup, new_followup) SELECT "
                          "d.period_id, d.org_unit_id, d.data_element_id, "
                          "d.category_option_combo_id, d.attribute_option_combo_id, d.state_id, "
                          "'update', ") +
                  at +
                  ", 'bench', 'bench', d.value, b.value, d.comment, d.comment, d.followup, "
                  "d.followup FROM raw_value b JOIN data_value d ON " +
                  kJoin + " WHERE d.value <> b.value"));
    KENEYA_RETURN_IF_ERROR(PgExec(conn, std::string("UPDATE data_value d SET value = b.value, "
                                                    "stored_by = b.stored_by, last_updated = ") +
                                            at + " FROM raw_value b WHERE " + kJoin +
                                            " AND d.value <> b.value"));
    return PgExec(conn, "COMMIT");
  });
  PQfinish(conn);
  return cost;
}

double Rate(int64_t rows, const Cost& cost) { return static_cast<double>(rows) / cost.seconds; }

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs.empty() ? 0 : xs[xs.size() / 2];
}

std::string Describe(const Cost& cost) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << cost.seconds << " s (system " << cost.system_seconds
    << " s), peak " << cost.peak_bytes / (1024 * 1024) << " MB";
  return s.str();
}

}  // namespace keneya::bench
