// FBR contracts: who is under contract with a program, from when to when, in which equity
// category. A contract takes its equity category from the facility's group in the program's
// equity group set (its remoteness) unless one is given; contracts of one facility and program
// never overlap (the store refuses), so a past period is computed with the terms true then.
#ifndef KENEYA_FBR_CONTRACTS_H_
#define KENEYA_FBR_CONTRACTS_H_

#include <optional>
#include <string>
#include <vector>

#include "core/period.h"
#include "core/result.h"
#include "fbr/resolver.h"
#include "store/store.h"

namespace keneya::fbr {

struct SignOptions {
  std::string program_code;
  std::string equity_group_set;  // where the equity category comes from when not given
  core::Date start;
  std::optional<core::Date> end;
  std::optional<std::string> equity;    // given: set explicitly
  std::vector<std::string> facilities;  // codes or uids
};

struct SignResult {
  int signed_count = 0;
  // One line per facility that could not be signed (and why); nothing is signed for them.
  std::vector<std::string> refused;
};

// Signs one contract per facility. Each is refused alone (an unknown facility, an overlap, no
// equity category); the others are signed.
core::Result<SignResult> SignContracts(store::Store& store, const core::MetadataBundle& metadata,
                                       const SignOptions& options, const store::Actor& actor);

struct FacilityContract {
  const core::OrgUnit* org_unit = nullptr;
  store::Contract contract;
};

struct ContractsInForce {
  std::vector<FacilityContract> active;      // by org unit code
  std::vector<std::string> suspended;        // codes of facilities whose contract is suspended then
  std::vector<int32_t> suspended_org_units;  // their org unit ids, in the same order
};

// The contracts of `program_code` in force on the period's first day.
core::Result<ContractsInForce> ContractsFor(store::Store& store, const Resolver& resolver,
                                            std::string_view program_code,
                                            const core::Period& period);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_CONTRACTS_H_
