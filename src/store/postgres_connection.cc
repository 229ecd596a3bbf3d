#include "store/postgres_connection.h"

#include <cstdlib>
#include <cstring>

namespace keneya::store {

using core::Error;
using core::Message;
using core::Result;
using core::Status;

namespace {

void IgnoreNotice(void*, const char*) {}

void TrimEnd(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
}

// The first characters of a statement, as errors quote it.
std::string Excerpt(std::string_view sql) { return std::string(sql.substr(0, 80)); }

}  // namespace

std::string PostgresConnection::NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return core::Unavailable(Message("store.postgres_out_of_memory"));
  std::string where = "postgresql://";
  if (PQstatus(conn) == CONNECTION_OK) {
    where += std::string(PQhost(conn)) + ":" + PQport(conn) + "/" + PQdb(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string detail = PQerrorMessage(conn);  // libpq's own words
    TrimEnd(detail);
    PQfinish(conn);
    return core::Unavailable(Message("store.postgres_connect_failed", {{"detail", detail}}),
                             Message("store.postgres_connect_hint"));
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<PostgresConnection> connection(new PostgresConnection(conn, where));
  KENEYA_RETURN_IF_ERROR(connection->ExecScript(
      "SET client_min_messages = warning; SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'"));
  return connection;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

Error PostgresConnection::ResultError(const PGresult* result, Message what) const {
  // PostgreSQL's own words: its message, and its detail in parentheses.
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string detail = primary ? primary : PQerrorMessage(conn_);
  TrimEnd(detail);
  if (const char* more = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : nullptr) {
    detail += std::string(" (") + more + ")";
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    return core::Unavailable(
        Message("store.connection_lost", {{"what", std::move(what)}, {"detail", detail}}), where_);
  }
  Message message("store.database_failed", {{"what", std::move(what)}, {"detail", detail}});
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  if (sqlstate.rfind("23", 0) == 0 || sqlstate == "40001" || sqlstate == "40P01") {
    return core::Conflict(message, where_);
  }
  if (sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57", 0) == 0 ||
      sqlstate.rfind("53", 0) == 0) {
    return core::Unavailable(message, where_);
  }
  return core::Internal(message, where_);
}

Status PostgresConnection::ExecScript(std::string_view sql) {
  PgResult result(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(result.get(), Message("store.sql_script_failed"));
  }
  return core::OkStatus();
}

Result<PgResult> PostgresConnection::Run(std::string_view sql, std::span<const SqlValue> params,
                                         ExecStatusType expected) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    const std::string name = "k" + std::to_string(prepared_.size() + 1);
    PgResult prepared(PQprepare(conn_, name.c_str(), NumberPlaceholders(sql).c_str(), 0, nullptr));
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return ResultError(prepared.get(), Message("store.cannot_prepare", {{"sql", Excerpt(sql)}}));
    }
    it = prepared_.emplace(std::string(sql), name).first;
  }
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].text() ? params[i].text()->c_str() : nullptr;
  }
  PgResult result(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0));
  if (!result || PQresultStatus(result.get()) != expected) {
    return ResultError(result.get(), Message("store.statement_failed", {{"sql", Excerpt(sql)}}));
  }
  return result;
}

Result<int64_t> PostgresConnection::Exec(std::string_view sql, std::span<const SqlValue> params) {
  auto result = Run(sql, params, PGRES_COMMAND_OK);
  if (!result.ok()) {
    return result.error();
  }
  const char* tuples = PQcmdTuples(result->get());
  return static_cast<int64_t>(tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0);
}

Result<std::vector<Row>> PostgresConnection::Query(std::string_view sql,
                                                   std::span<const SqlValue> params) {
  KENEYA_ASSIGN_OR_RETURN(PgResult result, Run(sql, params, PGRES_TUPLES_OK));
  const int rows = PQntuples(result.get());
  const int columns = PQnfields(result.get());
  std::vector<Row> out;
  out.reserve(rows);
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> values(columns);
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) continue;
      values[c] = std::string(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c));
    }
    out.emplace_back(std::move(values));
  }
  return out;
}

namespace {

class PgRowView final : public RowView {
 public:
  PgRowView(PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(size_t i) const override {
    return PQgetisnull(result_, row_, static_cast<int>(i)) != 0;
  }
  std::string_view Text(size_t i) const override {
    return {PQgetvalue(result_, row_, static_cast<int>(i)),
            static_cast<size_t>(PQgetlength(result_, row_, static_cast<int>(i)))};
  }
  void set_row(int row) { row_ = row; }

 private:
  PGresult* result_;
  int row_;
};

}  // namespace

Status PostgresConnection::QueryEach(std::string_view sql, std::span<const SqlValue> params,
                                     const std::function<Status(const RowView&)>& each) {
  KENEYA_ASSIGN_OR_RETURN(PgResult result, Run(sql, params, PGRES_TUPLES_OK));
  const int rows = PQntuples(result.get());
  PgRowView view(result.get(), 0);
  for (int r = 0; r < rows; ++r) {
    view.set_row(r);
    KENEYA_RETURN_IF_ERROR(each(view));
  }
  return core::OkStatus();
}

Status PostgresConnection::BeginWrite() { return ExecScript("BEGIN"); }

Status PostgresConnection::Commit() { return ExecScript("COMMIT"); }

void PostgresConnection::Rollback() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PgResult(PQexec(conn_, "ROLLBACK"));
}

}  // namespace keneya::store
