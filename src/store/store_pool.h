// A fixed set of open stores (database connections) that threads borrow, so that the server's
// requests reach the database side by side rather than one at a time through one connection:
// SQLite in WAL mode lets many readers work while one writer writes (writers queue on SQLite's
// lock); PostgreSQL serves each connection on its own.
//
//   KENEYA_ASSIGN_OR_RETURN(auto pool, StorePool::Open("var/keneya.db", 8));
//   KENEYA_ASSIGN_OR_RETURN(StorePool::Lease store, pool->Acquire(std::chrono::seconds(10)));
//   store->Ping();   // the store goes back to the pool when `store` goes out of scope
#ifndef KENEYA_STORE_STORE_POOL_H_
#define KENEYA_STORE_STORE_POOL_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace keneya::store {

class StorePool {
 public:
  // Opens `size` connections to `location`, migrating the schema once first (OpenStore's rules).
  static core::Result<std::unique_ptr<StorePool>> Open(const std::string& location, int size,
                                                       const OpenOptions& options = {});

  // A borrowed store, given back on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), store_(std::move(other.store_)) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Store& operator*() const { return *store_; }
    Store* operator->() const { return store_.get(); }

   private:
    friend class StorePool;
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  // Borrows a store, waiting up to `wait` for one to come back; Unavailable after that (the
  // server answers 503 rather than queueing without end).
  core::Result<Lease> Acquire(std::chrono::milliseconds wait);

  int size() const { return size_; }
  int in_use() const;
  const std::string& location() const { return location_; }

 private:
  StorePool(std::string location, int size) : location_(std::move(location)), size_(size) {}
  void GiveBack(std::unique_ptr<Store> store);

  std::string location_;
  int size_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Store>> free_;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_STORE_POOL_H_
