// The PostgreSQL store, for server deployments and several Keneya instances.
#ifndef KENEYA_STORE_POSTGRES_STORE_H_
#define KENEYA_STORE_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "store/postgres_connection.h"
#include "store/sql_store.h"

namespace keneya::store {

class PostgresStore final : public SqlStore {
 public:
  // Connects with a libpq connection string or URI (not migrated: see Store::Migrate).
  static core::Result<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo);

  std::string_view engine() const override { return "postgresql"; }
  // COPY into a temporary table, then one statement applies the changes (audited) and one
  // inserts the new values. A bulk load locks the data value table against other writers (not
  // readers) for its duration, so that no concurrent write slips between those statements.
  core::Result<BulkLoadSummary> BulkLoad(const LoadValues& values, const ImportInfo& info,
                                         const ProgressFn& progress,
                                         const BulkLoadOptions& options) override;
  core::Result<std::vector<core::Message>> RunIntegrityChecks() override;

 private:
  explicit PostgresStore(std::unique_ptr<PostgresConnection> connection)
      : SqlStore(std::move(connection)) {}
  PostgresConnection& postgres() { return static_cast<PostgresConnection&>(connection()); }
  // Sends the values in `order` to the server with COPY into bulk_value (all marked deleted when
  // `all_deleted`).
  core::Status Copy(const LoadValues& values, const std::vector<uint32_t>& order, bool all_deleted,
                    const std::function<void(int64_t)>& sent);
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_POSTGRES_STORE_H_
