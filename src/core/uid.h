// DHIS2-style identifiers: 11 characters, a letter then 10 letters or digits.
//
// Keneya gives every org unit, data element, category object and data set such a uid, so that
// objects keep one identity between Keneya and DHIS2.
//
//   IsValidUid("ImspTQPwCqd");  // true
//   std::string uid = GenerateUid(rng);
#ifndef KENEYA_CORE_UID_H_
#define KENEYA_CORE_UID_H_

#include <string>
#include <string_view>

#include "core/random.h"

namespace keneya::core {

inline constexpr int kUidLength = 11;

// True when text matches ^[a-zA-Z][a-zA-Z0-9]{10}$.
bool IsValidUid(std::string_view text);

// A uid drawn from rng: deterministic for a seeded generator (demo data).
std::string GenerateUid(Random& rng);

// A uid drawn from a process-wide generator seeded from the operating system.
std::string GenerateUid();

}  // namespace keneya::core

#endif  // KENEYA_CORE_UID_H_
