#include "tests/store/test_database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <vector>

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

namespace {

// The rows of one query's answer, each as its cells joined by " | ", sorted.
std::vector<std::string> SortedRows(std::vector<std::string> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<std::string> SqliteRows(sqlite3* db, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    return rows;
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
      row += (i == 0 ? "" : " | ") + std::string(text ? text : "NULL");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  return SortedRows(std::move(rows));
}

std::vector<std::string> PostgresRows(PGconn* conn, const std::string& sql) {
  std::vector<std::string> rows;
  PGresult* result = PQexec(conn, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  } else {
    for (int r = 0; r < PQntuples(result); ++r) {
      std::string row;
      for (int c = 0; c < PQnfields(result); ++c) {
        row += (c == 0 ? "" : " | ") +
               std::string(PQgetisnull(result, r, c) ? "NULL" : PQgetvalue(result, r, c));
      }
      rows.push_back(std::move(row));
    }
  }
  PQclear(result);
  return SortedRows(std::move(rows));
}

}  // namespace

std::string TestDatabase::Dump() const {
  std::string out;
  if (engine_ == Engine::kSqlite) {
    sqlite3* db = nullptr;
    if (sqlite3_open(location_.c_str(), &db) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << location_;
    } else {
      for (const std::string& table :
           SqliteRows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")) {
        for (const std::string& row : SqliteRows(db, "SELECT * FROM \"" + table + "\"")) {
          out += table + ": " + row + "\n";
        }
      }
    }
    sqlite3_close(db);
    return out;
  }
  PGconn* conn = PQconnectdb(location_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect: " << PQerrorMessage(conn);
  } else {
    for (const std::string& table : PostgresRows(
             conn, "SELECT tablename FROM pg_tables WHERE schemaname = '" + schema_ + "'")) {
      for (const std::string& row :
           PostgresRows(conn, "SELECT * FROM " + schema_ + ".\"" + table + "\"")) {
        out += table + ": " + row + "\n";
      }
    }
  }
  PQfinish(conn);
  return out;
}

}  // namespace keneya::store::testing
