// SqlConnection over one libpq connection to PostgreSQL.
#ifndef KENEYA_STORE_POSTGRES_CONNECTION_H_
#define KENEYA_STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql.h"

namespace keneya::store {

// Owns a PGresult; clears it on destruction.
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PostgresConnection final : public SqlConnection {
 public:
  // Connects with a libpq connection string or URI. Client messages are silenced (notices of
  // "relation already exists, skipping" are not errors).
  static core::Result<std::unique_ptr<PostgresConnection>> Open(const std::string& conninfo);
  ~PostgresConnection() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
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

  // For the COPY path.
  PGconn* handle() const { return conn_; }
  // An Error from a failed result (SQLSTATE mapped to an error code), with `what` (what Keneya
  // was doing) as context before PostgreSQL's own words.
  core::Error ResultError(const PGresult* result, core::Message what) const;
  // The location shown in errors: host, port and database, never the password.
  const std::string& where() const { return where_; }

  // "SELECT ... ?, ?" -> "SELECT ... $1, $2".
  static std::string NumberPlaceholders(std::string_view sql);

 private:
  PostgresConnection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  core::Result<PgResult> Run(std::string_view sql, std::span<const SqlValue> params,
                             ExecStatusType expected);

  PGconn* conn_;
  std::string where_;
  // SQL text -> name of its server-side prepared statement.
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_POSTGRES_CONNECTION_H_
