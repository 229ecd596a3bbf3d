#include "fbr/contracts.h"

#include <algorithm>

namespace keneya::fbr {

using core::Result;

Result<SignResult> SignContracts(store::Store& store, const core::MetadataBundle& metadata,
                                 const SignOptions& options, const store::Actor& actor) {
  const Resolver resolver(metadata);
  const core::OrgUnitGroupSet* equity_set =
      options.equity_group_set.empty() ? nullptr
                                       : resolver.OrgUnitGroupSet(options.equity_group_set);
  if (!options.equity && !options.equity_group_set.empty() && equity_set == nullptr) {
    return core::NotFound("no org unit group set '" + options.equity_group_set + "'",
                          "equity_group_set");
  }
  if (options.equity) {
    // A category the program's equity table does not know would fail every computation later.
    const core::OrgUnitGroup* group = resolver.OrgUnitGroup(*options.equity);
    if (group == nullptr || (equity_set != nullptr &&
                             std::find(equity_set->group_uids.begin(), equity_set->group_uids.end(),
                                       group->uid) == equity_set->group_uids.end())) {
      std::string known;
      if (equity_set != nullptr) {
        for (const std::string& uid : equity_set->group_uids) {
          const core::OrgUnitGroup* g = resolver.OrgUnitGroup(uid);
          if (g != nullptr)
            known += (known.empty() ? "" : ", ") + (g->code.empty() ? uid : g->code);
        }
      }
      return core::NotFound("no equity category '" + *options.equity + "'" +
                                (equity_set ? " in " + options.equity_group_set + " (" + known + ")"
                                            : std::string(" (no such org unit group)")),
                            "--equity");
    }
  }
  SignResult result;
  for (const std::string& name : options.facilities) {
    const core::OrgUnit* unit = resolver.OrgUnit(name);
    if (unit == nullptr) {
      result.refused.push_back(name + ": no such org unit");
      continue;
    }
    if (unit->type == core::OrgUnitType::kCountry || unit->type == core::OrgUnitType::kRegion ||
        unit->type == core::OrgUnitType::kDistrict || unit->level <= 3) {
      result.refused.push_back(name + ": not a health facility (" +
                               std::string(core::OrgUnitTypeCode(unit->type)) + ", level " +
                               std::to_string(unit->level) + ")");
      continue;
    }
    store::Contract contract;
    contract.org_unit = unit->id;
    contract.program_code = options.program_code;
    contract.start = options.start;
    contract.end = options.end;
    if (options.equity) {
      contract.equity_category = *options.equity;
      contract.equity_explicit = true;
    } else {
      const core::OrgUnitGroup* group =
          equity_set == nullptr ? nullptr : resolver.GroupIn(*unit, *equity_set);
      if (group == nullptr) {
        result.refused.push_back(name + ": in no group of " +
                                 (options.equity_group_set.empty() ? std::string("(no group set)")
                                                                   : options.equity_group_set) +
                                 ": give its equity category");
        continue;
      }
      contract.equity_category = group->code.empty() ? group->uid : group->code;
    }
    auto stored = store.PutContract(contract, actor);
    if (!stored.ok()) {
      result.refused.push_back(name + ": " + stored.error().message);
      continue;
    }
    ++result.signed_count;
  }
  return result;
}

Result<ContractsInForce> ContractsFor(store::Store& store, const Resolver& resolver,
                                      std::string_view program_code, const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> contracts, store.Contracts(program_code));
  ContractsInForce out;
  const core::Date day = period.start();
  for (const store::Contract& c : contracts) {
    if (day < c.start || (c.end && *c.end < day)) continue;
    const core::OrgUnit* unit = resolver.OrgUnitById(c.org_unit);
    if (unit == nullptr) continue;
    if (c.status == store::ContractStatus::kSuspended) {
      out.suspended.push_back(unit->code.empty() ? unit->uid : unit->code);
      out.suspended_org_units.push_back(unit->id);
      continue;
    }
    out.active.push_back({unit, c});
  }
  std::sort(out.active.begin(), out.active.end(), [](const auto& a, const auto& b) {
    return (a.org_unit->code.empty() ? a.org_unit->uid : a.org_unit->code) <
           (b.org_unit->code.empty() ? b.org_unit->uid : b.org_unit->code);
  });
  std::vector<size_t> order(out.suspended.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return out.suspended[a] < out.suspended[b]; });
  std::vector<std::string> codes;
  std::vector<int32_t> ids;
  for (size_t i : order) {
    codes.push_back(out.suspended[i]);
    ids.push_back(out.suspended_org_units[i]);
  }
  out.suspended = std::move(codes);
  out.suspended_org_units = std::move(ids);
  return out;
}

}  // namespace keneya::fbr
