#include "store/sqlite_connection.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

namespace keneya::store {

using core::Error;
using core::Message;
using core::Result;
using core::Status;

namespace {

// The first characters of a statement, as errors quote it.
std::string Excerpt(std::string_view sql) { return std::string(sql.substr(0, 80)); }

// SQLite counts the memory it holds under one process-wide mutex at every allocation, which the
// server's connections then wait on in turn; nothing reads those counts. Set before SQLite
// initialises (its first connection), once.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

core::Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                       int cache_kib) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    // SQLite's own words; without a handle, its words for a failed allocation.
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(SQLITE_NOMEM);
    sqlite3_close(db);
    return core::Unavailable(Message("store.sqlite_open_failed", {{"detail", detail}}), path);
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, path));
  sqlite3_extended_result_codes(db, 1);
  // Wait up to 30 s for another writer instead of failing with SQLITE_BUSY.
  sqlite3_busy_timeout(db, 30'000);
  // WAL: readers do not block the writer and a killed writer leaves the file consistent.
  // Switching a new file to WAL takes an exclusive lock without calling the busy handler, so a
  // connection opened at the same moment as another one retries for a while.
  for (int attempt = 0;; ++attempt) {
    Status wal = connection->ExecScript("PRAGMA journal_mode=WAL");
    if (wal.ok()) break;
    if (wal.error().code != core::ErrorCode::kUnavailable || attempt == 3000) return wal.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // synchronous=NORMAL is durable across process crashes in WAL mode (a power cut may lose the
  // last transactions, never corrupt the file). Foreign keys are off by default in SQLite.
  KENEYA_RETURN_IF_ERROR(
      connection->ExecScript("PRAGMA synchronous=NORMAL;"
                             "PRAGMA foreign_keys=ON;"
                             "PRAGMA temp_store=MEMORY;"
                             "PRAGMA cache_size=-" +
                             std::to_string(std::max(cache_kib, 256)) + ";"));
  return connection;
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();
  sqlite3_close(db_);
}

Error SqliteConnection::LastError(Message what) const {
  const int code = sqlite3_extended_errcode(db_) & 0xff;
  const std::string detail = sqlite3_errmsg(db_);  // SQLite's own words
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return core::Unavailable(
        Message("store.database_locked", {{"what", std::move(what)}, {"detail", detail}}), path_);
  }
  Message message("store.database_failed", {{"what", std::move(what)}, {"detail", detail}});
  switch (code) {
    case SQLITE_CONSTRAINT:
      return core::Conflict(message, path_);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return core::Unavailable(message, path_);
    default:
      return core::Internal(message, path_);
  }
}

Status SqliteConnection::ExecScript(std::string_view sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    Error e = LastError(Message("store.sql_script_failed"));
    sqlite3_free(error);
    return e;
  }
  return core::OkStatus();
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return LastError(Message("store.cannot_prepare", {{"sql", Excerpt(sql)}}));
  }
  return SqliteStatement(stmt);
}

Result<sqlite3_stmt*> SqliteConnection::Bind(std::string_view sql,
                                             std::span<const SqlValue> params) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    KENEYA_ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
    it = cache_.emplace(std::string(sql), std::move(stmt)).first;
  }
  sqlite3_stmt* stmt = it->second.get();
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return core::Internal(
        Message("store.parameter_count",
                {{"expected", sqlite3_bind_parameter_count(stmt)}, {"given", params.size()}}));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const auto& text = params[i].text();
    const int rc = text ? sqlite3_bind_text(stmt, index, text->data(),
                                            static_cast<int>(text->size()), SQLITE_STATIC)
                        : sqlite3_bind_null(stmt, index);
    if (rc != SQLITE_OK) return LastError(Message("store.cannot_bind", {{"index", index}}));
  }
  return stmt;
}

Result<int64_t> SqliteConnection::Exec(std::string_view sql, std::span<const SqlValue> params) {
  KENEYA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Bind(sql, params));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    Error e = LastError(Message("store.statement_failed", {{"sql", Excerpt(sql)}}));
    sqlite3_reset(stmt);
    return e;
  }
  sqlite3_reset(stmt);
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Result<std::vector<Row>> SqliteConnection::Query(std::string_view sql,
                                                 std::span<const SqlValue> params) {
  KENEYA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Bind(sql, params));
  std::vector<Row> rows;
  const int columns = sqlite3_column_count(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::optional<std::string>> values(columns);
    for (int c = 0; c < columns; ++c) {
      if (sqlite3_column_type(stmt, c) == SQLITE_NULL) continue;
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      values[c] = std::string(text, sqlite3_column_bytes(stmt, c));
    }
    rows.emplace_back(std::move(values));
  }
  if (rc != SQLITE_DONE) {
    Error e = LastError(Message("store.query_failed", {{"sql", Excerpt(sql)}}));
    sqlite3_reset(stmt);
    return e;
  }
  sqlite3_reset(stmt);
  return rows;
}

namespace {

class SqliteRowView final : public RowView {
 public:
  explicit SqliteRowView(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(size_t i) const override {
    return sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_NULL;
  }
  std::string_view Text(size_t i) const override {
    const auto* text =
        reinterpret_cast<const char*>(sqlite3_column_text(stmt_, static_cast<int>(i)));
    if (text == nullptr) return {};
    return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, static_cast<int>(i)))};
  }
  int64_t Int(size_t i) const override {
    if (sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_INTEGER) {
      return sqlite3_column_int64(stmt_, static_cast<int>(i));
    }
    return RowView::Int(i);
  }
  bool Bool(size_t i) const override {
    if (sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_INTEGER) {
      return sqlite3_column_int64(stmt_, static_cast<int>(i)) == 1;
    }
    return RowView::Bool(i);
  }
  double Double(size_t i) const override {
    const int type = sqlite3_column_type(stmt_, static_cast<int>(i));
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
      return sqlite3_column_double(stmt_, static_cast<int>(i));
    }
    return RowView::Double(i);
  }

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace

Status SqliteConnection::QueryEach(std::string_view sql, std::span<const SqlValue> params,
                                   const std::function<Status(const RowView&)>& each) {
  KENEYA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Bind(sql, params));
  const SqliteRowView row(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Status status = each(row);
    if (!status.ok()) {
      sqlite3_reset(stmt);
      return status;
    }
  }
  if (rc != SQLITE_DONE) {
    Error e = LastError(Message("store.query_failed", {{"sql", Excerpt(sql)}}));
    sqlite3_reset(stmt);
    return e;
  }
  sqlite3_reset(stmt);
  return core::OkStatus();
}

Status SqliteConnection::BeginWrite() { return ExecScript("BEGIN IMMEDIATE"); }

Status SqliteConnection::Commit() { return ExecScript("COMMIT"); }

void SqliteConnection::Rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace keneya::store
