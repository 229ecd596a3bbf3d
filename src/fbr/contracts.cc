#include "fbr/contracts.h"

#include <algorithm>
#include <map>

#include "core/period.h"
#include "fbr/programs.h"

namespace keneya::fbr {

using core::Result;

Result<std::string> EquityGroupSet(store::Store& store, std::string_view program_code) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  const store::ProgramRecord* newest = nullptr;
  for (const store::ProgramRecord& p : programs) {
    if (p.code == program_code && (newest == nullptr || p.version > newest->version)) newest = &p;
  }
  if (newest == nullptr) {
    return core::NotFound(core::Message("fbr.contract.no_program", {{"program", program_code}}),
                          "--program");
  }
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, FromRecord(*newest));
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  if (!parsed.problems.empty()) {
    return core::InvalidArgument(core::Message("fbr.contract.program_unreadable",
                                               {{"version", newest->version},
                                                {"program", newest->code},
                                                {"problems", ProblemsMessage(parsed.problems)}}),
                                 core::Message("fbr.place.program"));
  }
  return parsed.program.equity_group_set;
}

Result<SignResult> SignContracts(store::Store& store, const core::MetadataBundle& metadata,
                                 const SignOptions& given, const store::Actor& actor) {
  SignOptions options = given;
  const Resolver resolver(metadata);
  {
    // The program must be stored, and gives the equity group set unless one is named.
    KENEYA_ASSIGN_OR_RETURN(std::string group_set, EquityGroupSet(store, options.program_code));
    if (options.equity_group_set.empty()) options.equity_group_set = group_set;
  }
  if (options.equity_group_set.empty() && !options.equity) {
    return core::InvalidArgument(core::Message("fbr.contract.no_equity_group_set"), "--equity");
  }
  if (!options.group.empty()) {
    const core::OrgUnitGroup* group = resolver.OrgUnitGroup(options.group);
    if (group == nullptr) {
      return core::NotFound(core::Message("fbr.contract.no_group", {{"group", options.group}}),
                            "--group");
    }
    for (const core::OrgUnit& unit : metadata.org_units) {
      if (std::binary_search(unit.group_uids.begin(), unit.group_uids.end(), group->uid)) {
        options.facilities.push_back(unit.code.empty() ? unit.uid : unit.code);
      }
    }
  }
  if (options.facilities.empty()) {
    return core::InvalidArgument(core::Message("fbr.contract.no_facility_named"));
  }
  const core::OrgUnitGroupSet* equity_set =
      options.equity_group_set.empty() ? nullptr
                                       : resolver.OrgUnitGroupSet(options.equity_group_set);
  if (!options.equity && !options.equity_group_set.empty() && equity_set == nullptr) {
    return core::NotFound(
        core::Message("fbr.contract.no_group_set", {{"group_set", options.equity_group_set}}),
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
      return core::NotFound(
          equity_set != nullptr
              ? core::Message("fbr.contract.no_equity_category_in",
                              {{"equity", *options.equity},
                               {"group_set", options.equity_group_set},
                               {"known", known}})
              : core::Message("fbr.contract.no_equity_category", {{"equity", *options.equity}}),
          "--equity");
    }
  }
  SignResult result;
  // A facility refused, and why: in English and by id.
  auto refuse = [&result](const std::string& facility, core::Message reason) {
    core::Message line("fbr.contract.refused", {{"facility", facility}, {"reason", reason}});
    result.refused.push_back(core::Render(line, core::Language::kEnglish));
    result.refused_messages.push_back(std::move(line));
  };
  for (const std::string& name : options.facilities) {
    const core::OrgUnit* unit = resolver.OrgUnit(name);
    if (unit == nullptr) {
      refuse(name, core::Message("fbr.contract.no_such_org_unit"));
      continue;
    }
    if (unit->type == core::OrgUnitType::kCountry || unit->type == core::OrgUnitType::kRegion ||
        unit->type == core::OrgUnitType::kDistrict || unit->level <= 3) {
      refuse(name,
             core::Message("fbr.contract.not_a_facility",
                           {{"type", core::OrgUnitTypeCode(unit->type)}, {"level", unit->level}}));
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
        refuse(name, options.equity_group_set.empty()
                         ? core::Message("fbr.contract.in_no_group_no_set")
                         : core::Message("fbr.contract.in_no_group",
                                         {{"group_set", options.equity_group_set}}));
        continue;
      }
      contract.equity_category = group->code.empty() ? group->uid : group->code;
    }
    auto stored = store.PutContract(contract, actor);
    if (!stored.ok()) {
      refuse(name, stored.error().text);
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

Result<ContractChangeResult> ChangeContract(store::Store& store, int64_t contract_id,
                                            ContractAction action, const core::Date& date,
                                            const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> contracts, store.Contracts(""));
  auto it = std::find_if(contracts.begin(), contracts.end(),
                         [&](const store::Contract& k) { return k.id == contract_id; });
  if (it == contracts.end()) {
    return core::NotFound(core::Message("fbr.contract.no_contract", {{"id", contract_id}}), "ID");
  }
  const bool ending = action == ContractAction::kEnd;
  const store::ContractStatus needed = action == ContractAction::kResume
                                           ? store::ContractStatus::kSuspended
                                           : store::ContractStatus::kActive;
  if (it->status == store::ContractStatus::kEnded || (!ending && it->status != needed)) {
    const std::string_view id = action == ContractAction::kResume ? "fbr.contract.cannot_resume"
                                : action == ContractAction::kSuspend
                                    ? "fbr.contract.cannot_suspend"
                                    : "fbr.contract.nothing_to_end";
    return core::FailedPrecondition(
        core::Message(id, {{"id", contract_id}, {"status", store::ContractStatusText(it->status)}}),
        "ID");
  }
  if (ending ? date < it->start : date <= it->start) {
    return core::InvalidArgument(core::Message(ending ? "fbr.contract.date_before_start"
                                                      : "fbr.contract.date_not_after_start",
                                               {{"start", it->start.ToString()}}),
                                 "--date");
  }
  if (it->end && date > *it->end) {
    return core::InvalidArgument(
        core::Message("fbr.contract.date_after_end", {{"end", it->end->ToString()}}), "--date");
  }
  ContractChangeResult out;
  // A period is computed with the contract in force on its first day: runs of periods starting
  // on a changed day keep the old terms.
  const core::Date first_changed = ending ? date.AddDays(1) : date;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  std::map<core::Date, std::string> stale;  // by first day
  for (const store::InvoiceRunRecord& r : runs) {
    if (r.program_code != it->program_code || r.status == "superseded") continue;
    const auto period = core::Period::FromCode(r.period);
    if (period.ok() && period->start() >= first_changed) {
      stale.emplace(period->start(), period->ToString());
    }
  }
  for (auto& [day, name] : stale) out.stale_periods.push_back(std::move(name));

  store::Contract closed = *it;
  const std::optional<core::Date> old_end = closed.end;
  closed.end = ending ? date : date.AddDays(-1);
  if (ending && it->status == store::ContractStatus::kActive) {
    closed.status = store::ContractStatus::kEnded;
  }
  std::vector<store::Contract> writes = {closed};
  if (!ending) {
    store::Contract next = *it;
    next.id = 0;
    next.start = date;
    next.end = old_end;
    next.status = action == ContractAction::kSuspend ? store::ContractStatus::kSuspended
                                                     : store::ContractStatus::kActive;
    writes.push_back(next);
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> saved, store.PutContracts(writes, actor));
  out.closed = saved.front();
  if (!ending) out.started = saved.back();
  return out;
}

}  // namespace keneya::fbr
