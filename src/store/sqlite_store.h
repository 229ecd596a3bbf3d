// The SQLite store: one database file in WAL mode, the embedded default.
#ifndef KENEYA_STORE_SQLITE_STORE_H_
#define KENEYA_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "store/sql_store.h"
#include "store/sqlite_connection.h"

namespace keneya::store {

class SqliteStore final : public SqlStore {
 public:
  // Opens or creates the database file at `path` (not migrated: see Store::Migrate).
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                         int cache_kib = 65536);

  std::string_view engine() const override { return "sqlite"; }
  core::Result<BulkLoadSummary> BulkLoad(const LoadValues& values, const ImportInfo& info,
                                         const ProgressFn& progress,
                                         const BulkLoadOptions& options) override;
  core::Result<std::vector<core::Message>> RunIntegrityChecks() override;

 private:
  explicit SqliteStore(std::unique_ptr<SqliteConnection> connection)
      : SqlStore(std::move(connection)) {}
  SqliteConnection& sqlite() { return static_cast<SqliteConnection&>(connection()); }
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_SQLITE_STORE_H_
