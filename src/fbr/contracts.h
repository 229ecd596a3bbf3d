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
  // Where the equity category comes from when not given; empty: the equity_group_set of the
  // program's newest stored version (EquityGroupSet).
  std::string equity_group_set;
  core::Date start;
  std::optional<core::Date> end;
  std::optional<std::string> equity;    // given: set explicitly
  std::vector<std::string> facilities;  // codes or uids
  std::string group;                    // and/or every member of this org unit group
};

struct SignResult {
  int signed_count = 0;
  // One line per facility that could not be signed (and why); nothing is signed for them.
  std::vector<std::string> refused;
  // The same lines by id, in the same order ("fbr.contract.refused": facility and reason), for
  // the reader's language; `refused` holds them in English.
  std::vector<core::Message> refused_messages;
};

// The org unit group set a program's contracts take their equity category from: the
// equity_group_set of its newest stored version (empty when the program names none). NotFound
// when no version of the program is stored; the version's file error when it cannot be read.
core::Result<std::string> EquityGroupSet(store::Store& store, std::string_view program_code);

// Signs one contract per facility (those named and the members of `group`). Refused as a whole
// when the program is not stored, when neither an equity category nor a group set to take it
// from is known, when the group does not exist or when no facility is named. Then each facility
// is refused alone (an unknown facility, an overlap, no equity category); the others are signed.
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

enum class ContractAction { kSuspend, kResume, kEnd };

struct ContractChangeResult {
  store::Contract closed;                  // the contract changed, as stored: its new end
  std::optional<store::Contract> started;  // suspend, resume: the contract that follows
  // Runs already computed (not superseded) over the days that change: they keep the old terms
  // until computed again. DHIS2 period ids, in date order.
  std::vector<std::string> stale_periods;
};

// Suspends, resumes or ends contract `contract_id` on `date`. Suspend and resume: `date` is the
// first day of the new status; the contract is closed the day before and the next one starts
// on `date`, both written in one transaction. End: `date` is the contract's last day; an active
// contract becomes ended, a suspended one stays suspended (its remaining days are never paid).
// Only an active contract can be suspended, only a suspended one resumed, an ended one changes
// no more; the date must fall inside the contract. Nothing is written when refused.
core::Result<ContractChangeResult> ChangeContract(store::Store& store, int64_t contract_id,
                                                  ContractAction action, const core::Date& date,
                                                  const store::Actor& actor);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_CONTRACTS_H_
