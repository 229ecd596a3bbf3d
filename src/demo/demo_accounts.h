// The demo's accounts: one user per role on a realistic place, so that every screen can be tried
// as the person who uses it (docs/DEMO.md lists them).
#ifndef KENEYA_DEMO_DEMO_ACCOUNTS_H_
#define KENEYA_DEMO_DEMO_ACCOUNTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "auth/roles.h"
#include "core/result.h"
#include "store/store.h"

namespace keneya::demo {

// The verification zone of the demo: the facilities of the three districts of the Kati cercle
// (Kati, Kalaban Coro, Ouéléssébougou), which one verification agency covers.
inline constexpr char kVerificationZoneCode[] = "ZONE_VERIFICATION_CERCLE_KATI";

struct DemoAccount {
  std::string name;       // "district.segou"
  std::string full_name;  // "Fatoumata Coulibaly"
  auth::Role role;
  std::string place;  // the scope's name: "District sanitaire de Ségou"
};

// Adds the verification zone group and the demo's users (the administrator `admin`, two users of
// the national unit, and one user for each other role), all with `password`. The demo metadata
// must be stored; an account whose place it does not hold (a demo of a few regions) is not made.
// Returns the accounts in the order made.
core::Result<std::vector<DemoAccount>> SetUpDemoAccounts(store::Store& store,
                                                         std::string_view password,
                                                         const store::Actor& actor);

}  // namespace keneya::demo

#endif  // KENEYA_DEMO_DEMO_ACCOUNTS_H_
