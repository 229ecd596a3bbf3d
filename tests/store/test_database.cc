#include "tests/store/test_database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace keneya::store::testing {
namespace {

std::string PostgresBase() {
  const char* url = std::getenv("KENEYA_TEST_POSTGRES");
  return url ? url : "";
}

// Runs statements on the server; returns the error text or "".
std::string RunOnServer(const std::string& sql, const std::string& conninfo = PostgresBase()) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQerrorMessage(conn);
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

}  // namespace

std::string EngineName(Engine engine) {
  return engine == Engine::kSqlite ? "SQLite" : "PostgreSQL";
}

std::string Unavailable(Engine engine) {
  if (engine == Engine::kSqlite || !PostgresBase().empty()) return "";
  return "KENEYA_TEST_POSTGRES is not set (scripts/test starts a server and sets it)";
}

TestDatabase::TestDatabase(Engine engine) : engine_(engine) {
  if (engine == Engine::kSqlite) {
    directory_ = (std::filesystem::temp_directory_path() / UniqueName("keneya_test_")).string();
    std::filesystem::create_directories(directory_);
    location_ = directory_ + "/test.db";
    return;
  }
  schema_ = UniqueName("t_");
  const std::string error = RunOnServer("CREATE SCHEMA " + schema_);
  if (!error.empty()) ADD_FAILURE() << "cannot create schema " << schema_ << ": " << error;
  const std::string base = PostgresBase();
  location_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
              "options=-csearch_path%3D" + schema_;
}

TestDatabase::~TestDatabase() {
  if (engine_ == Engine::kSqlite) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  } else {
    RunOnServer("DROP SCHEMA " + schema_ + " CASCADE");
  }
}

std::unique_ptr<Store> TestDatabase::Open(bool migrate) const {
  auto store = OpenStore(location_, OpenOptions{.migrate = migrate});
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open " << location_ << ": " << store.error().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

std::string TestDatabase::Exec(const std::string& sql) const {
  if (engine_ == Engine::kPostgres) return RunOnServer(sql, location_);
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(location_.c_str(), &db) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message ? message : "failed";
      sqlite3_free(message);
    }
  }
  sqlite3_close(db);
  return error;
}

}  // namespace keneya::store::testing
