// Throwaway databases for the store tests: a fresh SQLite file, or a fresh schema in the
// PostgreSQL server named by KENEYA_TEST_POSTGRES (scripts/test starts one on loopback).
//
// Without KENEYA_TEST_POSTGRES the PostgreSQL cases are skipped, unless KENEYA_REQUIRE_POSTGRES=1
// (the test command sets it), in which case they fail: CI must never pass by skipping.
#ifndef KENEYA_TESTS_STORE_TEST_DATABASE_H_
#define KENEYA_TESTS_STORE_TEST_DATABASE_H_

#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"

namespace keneya::store::testing {

enum class Engine { kSqlite, kPostgres };
std::string EngineName(Engine engine);
// For GoogleTest's messages.
inline void PrintTo(Engine engine, std::ostream* out) { *out << EngineName(engine); }

// Why the engine cannot be tested here, or "" when it can.
std::string Unavailable(Engine engine);

// A new empty database that is removed on destruction.
class TestDatabase {
 public:
  explicit TestDatabase(Engine engine);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What OpenStore takes to reach this database.
  const std::string& location() const { return location_; }
  // Opens one more connection (migrated unless told otherwise); fails the test on error.
  std::unique_ptr<Store> Open(bool migrate = true) const;
  // Runs SQL directly with the engine's own client library, behind the store's back (to fake a
  // newer schema, or corrupt something on purpose). Returns the error text, or "" on success.
  std::string Exec(const std::string& sql) const;
  // Every table of the database and every row of each, as text ("table: row" lines, tables by
  // name, rows sorted), read with the engine's own client library: two dumps are equal when
  // nothing was written in between.
  std::string Dump() const;

 private:
  Engine engine_;
  std::string location_;
  std::string directory_;  // SQLite
  std::string schema_;     // PostgreSQL
};

}  // namespace keneya::store::testing

#endif  // KENEYA_TESTS_STORE_TEST_DATABASE_H_
