// The versioned schema of each engine (docs/STORE.md describes the tables).
//
// A migration is applied once, in its own transaction, and recorded in schema_migration. Never
// edit a released migration: add a new one at the end of both lists, with the same version in
// each engine.
#ifndef KENEYA_STORE_MIGRATIONS_H_
#define KENEYA_STORE_MIGRATIONS_H_

#include <string_view>
#include <vector>

#include "store/sql.h"

namespace keneya::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // one or more statements
};

// The migrations of `dialect`, in version order (1, 2, ...).
const std::vector<Migration>& Migrations(Dialect dialect);

}  // namespace keneya::store

#endif  // KENEYA_STORE_MIGRATIONS_H_
