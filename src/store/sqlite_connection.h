// SqlConnection over one SQLite database connection.
#ifndef KENEYA_STORE_SQLITE_CONNECTION_H_
#define KENEYA_STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql.h"

namespace keneya::store {

// Owns a prepared statement; finalizes it on destruction.
struct SqliteStatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteStatementDeleter>;

class SqliteConnection final : public SqlConnection {
 public:
  // Opens (creating if needed) the database file at `path` in WAL mode with foreign keys on and
  // a busy timeout, so that concurrent writers wait for each other.
  // `cache_kib`: the connection's page cache (PRAGMA cache_size), in KiB.
  static core::Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                              int cache_kib = 65536);
  ~SqliteConnection() override;

  Dialect dialect() const override { return Dialect::kSqlite; }
  core::Status ExecScript(std::string_view sql) override;
  core::Result<int64_t> Exec(std::string_view sql, std::span<const SqlValue> params) override;
  core::Result<std::vector<Row>> Query(std::string_view sql,
                                       std::span<const SqlValue> params) override;
  core::Status BeginWrite() override;
  core::Status Commit() override;
  void Rollback() override;
  using SqlConnection::Exec;
  core::Status QueryEach(std::string_view sql, std::span<const SqlValue> params,
                         const std::function<core::Status(const RowView&)>& each) override;
  using SqlConnection::Query;

  // For the bulk path: the raw handle and a fresh prepared statement.
  sqlite3* handle() const { return db_; }
  core::Result<SqliteStatement> Prepare(std::string_view sql);
  // An Error describing the connection's last failure, with `what` (what Keneya was doing) as
  // context before SQLite's own words.
  core::Error LastError(core::Message what) const;
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // A cached statement for `sql`, reset and with `params` bound.
  core::Result<sqlite3_stmt*> Bind(std::string_view sql, std::span<const SqlValue> params);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, SqliteStatement> cache_;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_SQLITE_CONNECTION_H_
