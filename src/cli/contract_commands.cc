// keneya contract sign, list, end, suspend, resume and history: who is paid under which terms,
// from when to when.
#include "cli/cli_util.h"
#include "cli/fbr_commands_internal.h"
#include "core/format.h"
#include "core/message.h"
#include "fbr/contracts.h"
#include "fbr/resolver.h"
#include "store/fbr_records.h"

namespace keneya::cli {

using core::Grouped;
using core::Language;
using core::Message;
using core::Text;

namespace {

// The audit's action of a contract change.
Message ActionName(const std::string& action) {
  if (action == "create") return Message("cli.contract.action_create");
  if (action == "update") return Message("cli.contract.action_update");
  if (action == "delete") return Message("cli.contract.action_delete");
  return AsStored(action);
}

}  // namespace

int RunContractSign(const Context& c, const ContractOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto start = core::Date::Parse(o.start);
  if (!start.ok()) return Fail(c, start.error().In("--start"));
  fbr::SignOptions sign;
  sign.program_code = o.program;
  sign.start = *start;
  if (!o.end.empty()) {
    auto end = core::Date::Parse(o.end);
    if (!end.ok()) return Fail(c, end.error().In("--end"));
    sign.end = *end;
  }
  if (!o.equity.empty()) sign.equity = o.equity;
  sign.facilities = o.facilities;
  sign.group = o.group;
  auto result = fbr::SignContracts(store, *metadata, sign, CliActor(c, o.reason));
  if (!result.ok()) return Fail(c, result.error());
  *c.out << Text(l, "cli.contract.signed",
                 {Grouped("count", result->signed_count), {"program", o.program}})
         << "\n";
  for (const Message& refused : result->refused_messages) {
    *c.err << Text(l, "cli.contract.refused", {{"reason", refused}}) << "\n";
  }
  return result->refused_messages.empty() ? 0 : 1;
}

int RunContractList(const Context& c, const ContractOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  const fbr::Resolver resolver(*metadata);
  auto contracts = store.Contracts(o.program);
  if (!contracts.ok()) return Fail(c, contracts.error());
  const core::OrgUnit* only = nullptr;
  if (!o.facilities.empty()) {
    only = resolver.OrgUnit(o.facilities.front());
    if (only == nullptr) {
      return Fail(
          c, core::NotFound(Message("cli.contract.no_org_unit", {{"code", o.facilities.front()}}),
                            "--facility"));
    }
  }
  int64_t shown = 0;
  for (const store::Contract& k : *contracts) {
    if (only != nullptr && k.org_unit != only->id) continue;
    const core::OrgUnit* unit = resolver.OrgUnitById(k.org_unit);
    *c.out << k.id << "  " << (unit ? (unit->code.empty() ? unit->uid : unit->code) : "?") << "  "
           << k.program_code << "  " << k.start.ToString() << ".."
           << (k.end ? k.end->ToString() : "") << "  " << k.equity_category
           << (k.equity_explicit ? "*" : "") << "  "
           << core::Render(store::ContractStatusText(k.status), c.language) << "\n";
    ++shown;
  }
  *c.err << Text(c.language, "cli.contract.count", {Grouped("count", shown)}) << "\n";
  return 0;
}

int RunContractChange(const Context& c, const ContractOptions& o, fbr::ContractAction action) {
  const Language l = c.language;
  auto date = core::Date::Parse(o.date);
  if (!date.ok()) return Fail(c, date.error().In("--date"));
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto changed = fbr::ChangeContract(**opened, o.id, action, *date, CliActor(c, o.reason));
  if (!changed.ok()) return Fail(c, changed.error());
  if (changed->started) {
    *c.out << Text(l, "cli.contract.closed_and_started",
                   {{"id", o.id},
                    {"end", changed->closed.end->ToString()},
                    {"next", changed->started->id},
                    {"status", store::ContractStatusText(changed->started->status)},
                    {"date", date->ToString()}})
           << "\n";
  } else {
    *c.out << Text(l, "cli.contract.ended",
                   {{"id", o.id}, {"end", changed->closed.end->ToString()}})
           << "\n";
  }
  if (!changed->stale_periods.empty()) {
    std::string stale;
    for (const std::string& p : changed->stale_periods) stale += (stale.empty() ? "" : ", ") + p;
    *c.out << Text(l, "cli.contract.stale_runs", {{"periods", stale}}) << "\n";
  }
  return 0;
}

int RunContractHistory(const Context& c, const ContractOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto history = (*opened)->ContractHistory(o.id);
  if (!history.ok()) return Fail(c, history.error());
  const Language l = c.language;
  for (const store::ContractChange& h : *history) {
    *c.out << core::FormatTimestamp(h.at) << "  " << core::Render(ActionName(h.action), l) << "  "
           << h.user << "  "
           << (h.old_terms.empty()
                   ? ""
                   : core::Render(store::ContractTermsText(h.old_terms), l) + " -> ")
           << core::Render(store::ContractTermsText(h.new_terms), l)
           << (h.reason.empty() ? "" : "  (" + h.reason + ")") << "\n";
  }
  return 0;
}

}  // namespace keneya::cli
