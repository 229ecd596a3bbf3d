#include "demo/demo_program.h"

#include <algorithm>
#include <set>
#include <string>

#include "demo/demo.h"
#include "fbr/contracts.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"

namespace keneya::demo {

using core::Result;

Result<rules::ProgramSource> DemoProgramSource() {
  return rules::ProgramSourceFromFiles(EmbeddedDemoProgram());
}

core::MetadataBundle DemoResultElements() {
  core::MetadataBundle results;
  auto result_element = [&](const char* uid, const char* code, const char* name,
                            const char* short_name, core::ValueType type) {
    core::DataElement e;
    e.uid = uid;
    e.code = code;
    e.name = name;
    e.short_name = short_name;
    e.description = "Résultat du programme FBR calculé par Keneya";
    e.value_type = type;
    results.data_elements.push_back(std::move(e));
  };
  result_element("FbrResQty01", "FBR_MONTANT_QUANTITE", "FBR : montant de la quantité (mois)",
                 "FBR montant quantité", core::ValueType::kInteger);
  result_element("FbrResQlt01", "FBR_SCORE_QUALITE", "FBR : score qualité (%)", "FBR score qualité",
                 core::ValueType::kNumber);
  result_element("FbrResTot01", "FBR_MONTANT_TOTAL", "FBR : montant total facturé",
                 "FBR montant total", core::ValueType::kInteger);
  return results;
}

Result<DemoFbrSummary> SetUpDemoFbr(store::Store& store, const std::vector<core::Period>& quarters,
                                    const store::Actor& actor, const store::ProgressFn& progress) {
  DemoFbrSummary summary;
  KENEYA_RETURN_IF_ERROR(store.SaveMetadata(DemoResultElements(), actor));
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, DemoProgramSource());
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store.LoadMetadata());
  // A demo of a few regions keeps the envelopes of its own districts only.
  if (auto envelopes = source.files.find("enveloppes.csv"); envelopes != source.files.end()) {
    std::set<std::string_view> codes;
    for (const core::OrgUnit& unit : metadata.org_units) codes.insert(unit.code);
    std::string kept;
    std::string_view rest = envelopes->second;
    for (bool header = true; !rest.empty(); header = false) {
      const size_t end = rest.find('\n');
      const std::string_view line =
          rest.substr(0, end == std::string_view::npos ? rest.size() : end + 1);
      rest.remove_prefix(line.size());
      if (header || codes.count(line.substr(0, line.find(','))) != 0) kept += line;
    }
    envelopes->second = std::move(kept);
  }
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program, fbr::LoadProgram(store, source, actor));
  KENEYA_ASSIGN_OR_RETURN(metadata, store.LoadMetadata());
  const fbr::Resolver resolver(metadata);
  const core::OrgUnitGroup* contracted = resolver.OrgUnitGroup(kContractGroupCode);
  if (contracted == nullptr) {
    return core::FailedPrecondition(
        core::Message("demo.no_contract_group", {{"group", kContractGroupCode}}));
  }
  fbr::SignOptions sign;
  sign.program_code = program.code;
  sign.equity_group_set = kRemotenessGroupSetCode;
  sign.start = core::Date::FromYmd(2021, 1, 1);
  for (const core::OrgUnit& unit : metadata.org_units) {
    if (std::binary_search(unit.group_uids.begin(), unit.group_uids.end(), contracted->uid)) {
      sign.facilities.push_back(unit.code.empty() ? unit.uid : unit.code);
    }
  }
  if (progress) progress({"contracts", 0, static_cast<int64_t>(sign.facilities.size())});
  KENEYA_ASSIGN_OR_RETURN(fbr::SignResult signed_contracts,
                          fbr::SignContracts(store, metadata, sign, actor));
  if (!signed_contracts.refused.empty()) {
    return core::Internal(core::Message("demo.contracts_refused",
                                        {{"reason", signed_contracts.refused_messages.front()}}));
  }
  summary.contracts = signed_contracts.signed_count;
  if (progress) {
    progress({"contracts", summary.contracts, static_cast<int64_t>(sign.facilities.size())});
  }
  int done = 0;
  if (quarters.empty()) return summary;
  for (const core::Period& quarter : quarters) {
    if (progress) progress({"invoices", done, static_cast<int64_t>(quarters.size())});
    KENEYA_ASSIGN_OR_RETURN(fbr::ComputedRun run,
                            fbr::Compute(store, metadata, program, quarter, {}));
    KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved, fbr::SaveRun(store, run, actor));
    ++summary.runs;
    summary.invoices += saved.invoice_count;
    summary.missing += saved.missing_count;
    summary.total += saved.total;
    ++done;
  }
  if (progress) progress({"invoices", done, static_cast<int64_t>(quarters.size())});
  return summary;
}

}  // namespace keneya::demo
