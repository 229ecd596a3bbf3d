#include <atomic>
#include <string>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace keneya::store {

namespace {
std::atomic<uint64_t> next_instance{1};
}  // namespace

Store::Store() : instance_(next_instance.fetch_add(1, std::memory_order_relaxed)) {}

core::Result<std::unique_ptr<Store>> OpenStore(std::string_view location,
                                               const OpenOptions& options) {
  if (location.empty()) {
    return core::InvalidArgument(core::Message("store.no_database"), "--db");
  }
  std::unique_ptr<Store> store;
  const bool postgres = location.starts_with("postgresql://") ||
                        location.starts_with("postgres://") ||
                        location.find("dbname=") != std::string_view::npos ||
                        location.find("host=") != std::string_view::npos;
  if (postgres) {
    KENEYA_ASSIGN_OR_RETURN(store, PostgresStore::Open(std::string(location)));
  } else {
    std::string_view path = location;
    if (path.starts_with("sqlite:")) path.remove_prefix(7);
    if (path.starts_with("//")) path.remove_prefix(2);
    KENEYA_ASSIGN_OR_RETURN(store, SqliteStore::Open(std::string(path), options.sqlite_cache_kib));
  }
  if (options.migrate) KENEYA_RETURN_IF_ERROR(store->Migrate());
  return store;
}

}  // namespace keneya::store
