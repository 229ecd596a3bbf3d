#include "store/store_pool.h"

namespace keneya::store {

core::Result<std::unique_ptr<StorePool>> StorePool::Open(const std::string& location, int size,
                                                         const OpenOptions& options) {
  if (size < 1) size = 1;
  std::unique_ptr<StorePool> pool(new StorePool(location, size));
  for (int i = 0; i < size; ++i) {
    OpenOptions each = options;
    each.migrate = options.migrate && i == 0;  // once is enough
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(location, each));
    if (i > 0) store->ShareInstanceWith(*pool->free_.front());  // one database, one cache
    pool->free_.push_back(std::move(store));
  }
  return pool;
}

StorePool::Lease::~Lease() {
  if (pool_ != nullptr && store_ != nullptr) pool_->GiveBack(std::move(store_));
}

core::Result<StorePool::Lease> StorePool::Acquire(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!returned_.wait_for(lock, wait, [this] { return !free_.empty(); })) {
    return core::Unavailable(core::Message("store.pool_busy", {{"size", size_}}), location_);
  }
  std::unique_ptr<Store> store = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(store));
}

int StorePool::in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_ - static_cast<int>(free_.size());
}

void StorePool::GiveBack(std::unique_ptr<Store> store) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(store));
  }
  returned_.notify_one();
}

}  // namespace keneya::store
