#include "tests/http/kati_dataset.h"

#include <gtest/gtest.h>

#include <set>

#include "auth/accounts.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/contracts.h"
#include "fbr/directory.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/workflow.h"
#include "tests/demo/demo_subset.h"

namespace keneya::http::testing {

namespace {

const store::Actor kTester{"tester", "test", "", ""};

void Build(store::testing::Engine engine, Dataset& out) {
  out.db = std::make_unique<store::testing::TestDatabase>(engine);
  auto store = out.db->Open();
  demo::DemoOptions options;
  options.first_year = options.last_year = 2024;
  options.open_january = false;  // 2024 alone: January 2025 is left to the tests
  auto demo = demo::GenerateDemo(options, nullptr);
  ASSERT_TRUE(demo.ok());
  for (const core::OrgUnit& unit : demo->metadata.org_units) {
    if (unit.code == "DS_KATI") out.kati = unit.uid;
    if (unit.code == "DS_KALABAN_CORO") out.kalaban = unit.uid;
  }
  ASSERT_FALSE(out.kati.empty());
  ASSERT_FALSE(out.kalaban.empty());
  const demo::DemoDataset small = demo::testing::DemoSubset(*demo, [&](const core::OrgUnit& unit) {
    const bool in_kati = unit.path.find(out.kati) != std::string::npos;
    if (unit.level <= 3 || (in_kati && unit.type != core::OrgUnitType::kAscSite)) return true;
    // One CSCOM of another district: a facility outside a district team's scope.
    if (out.kalaban_cscom.empty() && unit.type == core::OrgUnitType::kCscom &&
        unit.path.find(out.kalaban) != std::string::npos) {
      out.kalaban_cscom = unit.code;
      return true;
    }
    return false;
  });
  for (const core::OrgUnit& unit : small.metadata.org_units) {
    const bool in_kati = unit.path.find(out.kati) != std::string::npos;
    if (in_kati && unit.level == 4 && unit.type == core::OrgUnitType::kCsref) {
      out.csref_kati = unit.code;
    }
    if (in_kati && unit.type == core::OrgUnitType::kCscom && unit.code != kKokoCode &&
        out.other_kati.empty()) {
      out.other_kati = unit.code;
    }
  }
  ASSERT_TRUE(demo::LoadDemo(*store, small, kTester, nullptr).ok());
  auto source = demo::DemoProgramSource();
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(fbr::LoadProgram(*store, *source, kTester).ok());
  auto metadata = store->LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  out.metadata = *metadata;
  out.mali = out.metadata.org_units.front().uid;
  fbr::SignOptions sign;
  sign.program_code = "FBR_MALI";
  sign.start = *core::Date::Parse("2024-01-01");
  sign.group = demo::kContractGroupCode;
  ASSERT_TRUE(fbr::SignContracts(*store, out.metadata, sign, kTester).ok());
  const core::Period q1 = *core::Period::Parse("2024Q1");
  auto record = fbr::ProgramToUse(*store, out.metadata, "FBR_MALI", q1, std::nullopt, true);
  ASSERT_TRUE(record.ok());
  auto run = fbr::Compute(*store, out.metadata, *record, q1, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  auto saved = fbr::SaveRun(*store, *run, kTester);
  ASSERT_TRUE(saved.ok());
  out.run = saved->id;

  // The facilities the tests name, with their invoice and contract.
  auto invoices = store->InvoiceList(out.run, 0);
  ASSERT_TRUE(invoices.ok());
  auto contracts = store->Contracts("FBR_MALI");
  ASSERT_TRUE(contracts.ok());
  for (const std::string& code :
       {std::string(kKokoCode), out.other_kati, out.csref_kati, out.kalaban_cscom}) {
    ASSERT_FALSE(code.empty());
    const core::OrgUnit* unit = out.OrgUnit(code);
    ASSERT_NE(unit, nullptr) << code;
    Facility facility{unit->uid, code, "", 0};
    for (const store::InvoiceRecord& invoice : *invoices) {
      if (invoice.org_unit == unit->id) facility.invoice = invoice.number;
    }
    for (const store::Contract& contract : *contracts) {
      if (contract.org_unit == unit->id) facility.contract = contract.id;
    }
    ASSERT_FALSE(facility.invoice.empty()) << code << " has no invoice";
    ASSERT_NE(facility.contract, 0) << code << " has no contract";
    out.facilities.emplace(code, facility);
  }
  const std::string koko = out.facility(kKokoCode).uid;
  for (const core::DataSet& set : out.metadata.data_sets) {
    if (set.period_type != core::PeriodType::kMonthly || !out.data_set.empty()) continue;
    bool everyone = true;
    for (const auto& [code, facility] : out.facilities) {
      everyone = everyone && std::find(set.org_unit_uids.begin(), set.org_unit_uids.end(),
                                       facility.uid) != set.org_unit_uids.end();
    }
    if (!everyone) continue;
    out.data_set = set.uid;
    for (const std::string& uid : set.data_element_uids) {
      for (const core::DataElement& e : out.metadata.data_elements) {
        if (e.uid == uid && out.element.empty() && core::IsNumeric(e.value_type) &&
            (e.category_combo_uid.empty() ||
             e.category_combo_uid == core::kDefaultCategoryComboUid)) {
          out.element = uid;
        }
      }
    }
  }
  ASSERT_FALSE(out.data_set.empty());
  ASSERT_FALSE(out.element.empty());

  // One user per role, on the places such users hold.
  std::string csref_group;
  for (const core::OrgUnitGroup& group : out.metadata.org_unit_groups) {
    if (group.code == "TYPE_CSREF") csref_group = group.uid;
  }
  ASSERT_FALSE(csref_group.empty());
  using auth::Role;
  using auth::ScopeKind;
  const std::string koko_code = kKokoCode;
  out.users = {
      {"admin", Role::kAdministrator, {ScopeKind::kSubtree, out.mali}, true, koko_code, ""},
      {"cellule", Role::kNationalUnit, {ScopeKind::kSubtree, out.mali}, true, koko_code, ""},
      {"paiement", Role::kPaymentOfficer, {ScopeKind::kSubtree, out.mali}, true, koko_code, ""},
      {"district",
       Role::kDistrictTeam,
       {ScopeKind::kSubtree, out.kati},
       false,
       koko_code,
       out.kalaban_cscom},
      {"verif",
       Role::kVerifier,
       {ScopeKind::kSubtree, out.kati},
       false,
       koko_code,
       out.kalaban_cscom},
      {"qualite",
       Role::kQualityEvaluator,
       {ScopeKind::kGroup, csref_group},
       false,
       out.csref_kati,
       koko_code},
      {"chef", Role::kFacilityHead, {ScopeKind::kSubtree, koko}, false, koko_code, out.other_kati},
      {"tresorier",
       Role::kAsacoTreasurer,
       {ScopeKind::kSubtree, koko},
       false,
       koko_code,
       out.other_kati},
      {"partenaire", Role::kViewer, {ScopeKind::kSubtree, out.mali}, true, koko_code, ""},
  };
  auth::Principal op;
  op.name = "operator";
  op.operator_of_database = true;
  const store::Actor cli{"operator", "cli", "", ""};
  for (const User& u : out.users) {
    auth::NewUser user{u.name, "Nom " + u.name, "", "fr", kPassword, {{u.role, u.scope}}};
    auto added = auth::AddUser(*store, out.metadata, op, user, cli);
    ASSERT_TRUE(added.ok()) << added.error().ToString();
  }
}

}  // namespace

const core::OrgUnit* Dataset::OrgUnit(const std::string& key) const {
  for (const core::OrgUnit& unit : metadata.org_units) {
    if (unit.uid == key || (!unit.code.empty() && unit.code == key)) return &unit;
  }
  return nullptr;
}

std::unique_ptr<Dataset> NewDataset(store::testing::Engine engine) {
  auto dataset = std::make_unique<Dataset>();
  Build(engine, *dataset);
  if (::testing::Test::HasFatalFailure()) return nullptr;
  return dataset;
}

auth::Principal InMemory(const char* name, auth::Role role, const std::string& scope_uid) {
  auth::Principal user;
  user.name = name;
  user.grants = {{role, {auth::ScopeKind::kSubtree, scope_uid}}};
  return user;
}

void ValidateQuarter(const Dataset& data, store::Store& store, const std::string& facility_code,
                     const std::string& quarter, const std::set<std::string>& skip) {
  const core::Period period = *core::Period::Parse(quarter);
  const fbr::Directory directory(data.metadata);
  const std::string kati = data.kati;
  const auth::Principal head =
      InMemory("awa.head", auth::Role::kFacilityHead, data.facility(facility_code).uid);
  const auth::Principal verifier = InMemory("ousmane.verif", auth::Role::kVerifier, kati);
  const auth::Principal evaluator = InMemory("kadia.qualite", auth::Role::kQualityEvaluator, kati);
  const auth::Principal district = InMemory("fanta.district", auth::Role::kDistrictTeam, kati);
  std::vector<std::pair<std::string, std::string>> periods;
  for (const core::Period& month : period.Months()) {
    if (skip.count(month.ToString()) == 0) periods.emplace_back("FBR_QUANTITE", month.ToString());
  }
  if (skip.count(quarter) == 0) periods.emplace_back("FBR_QUALITE", quarter);
  const char* before = std::getenv("KENEYA_TODAY");
  const std::string saved = before != nullptr ? before : "";
  const core::Date after = period.end().AddDays(1);  // the first day after the quarter
  const std::string month_after = after.ToString().substr(0, 8);
  setenv("KENEYA_TODAY", (month_after + "06").c_str(), 1);
  for (const auto& [set, code] : periods) {
    const bool declared = set == "FBR_QUANTITE";
    const fbr::PeriodRef ref{set, facility_code, code};
    core::TimestampMs version = 0;
    if (declared) {
      const fbr::Sight sight(directory, head);
      auto done =
          fbr::ChangePeriod(store, sight, {ref, fbr::PeriodAction::kDeclare, "", 0}, {head.name});
      ASSERT_TRUE(done.ok()) << code << ": " << done.error().ToString();
      version = done->version;
    }
    const auth::Principal& checker = declared ? verifier : evaluator;
    const fbr::Sight sight(directory, checker);
    auto verified = fbr::ChangePeriod(store, sight, {ref, fbr::PeriodAction::kVerify, "", version},
                                      {checker.name});
    ASSERT_TRUE(verified.ok()) << code << ": " << verified.error().ToString();
    auto reported = fbr::ChangePeriod(store, sight,
                                      {ref, fbr::PeriodAction::kIssueReport, "", verified->version},
                                      {checker.name});
    ASSERT_TRUE(reported.ok()) << code << ": " << reported.error().ToString();
  }
  setenv("KENEYA_TODAY", (month_after + "28").c_str(), 1);
  const fbr::Sight sight(directory, district);
  for (const auto& [set, code] : periods) {
    const fbr::PeriodRef ref{set, facility_code, code};
    auto file = fbr::GetPeriodFile(store, sight, ref);
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    auto validated = fbr::ChangePeriod(
        store, sight, {ref, fbr::PeriodAction::kValidate, "", file->version}, {district.name});
    ASSERT_TRUE(validated.ok()) << code << ": " << validated.error().ToString();
  }
  if (saved.empty()) {
    unsetenv("KENEYA_TODAY");
  } else {
    setenv("KENEYA_TODAY", saved.c_str(), 1);
  }
}

Dataset& SharedDataset(store::testing::Engine engine) {
  static std::map<store::testing::Engine, Dataset> built;
  Dataset& dataset = built[engine];
  if (dataset.db == nullptr) {
    Build(engine, dataset);
    if (::testing::Test::HasFatalFailure()) dataset.db.reset();
  }
  return dataset;
}

std::string BasicAuthorization(const std::string& name, const std::string& password) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string plain = name + ":" + password;
  std::string encoded;
  int bits = 0;
  uint32_t buffer = 0;
  for (unsigned char c : plain) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      encoded.push_back(kAlphabet[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) encoded.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  while (encoded.size() % 4 != 0) encoded.push_back('=');
  return "Basic " + encoded;
}

Request ScriptRequest(const std::string& user, std::string method, std::string path,
                      std::vector<std::pair<std::string, std::string>> query, std::string body,
                      std::string address) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  r.remote_address = std::move(address);
  if (!r.body.empty()) r.headers["content-type"] = "application/json";
  if (!user.empty()) r.headers["authorization"] = BasicAuthorization(user);
  return r;
}

std::string WholeBody(const Response& response) {
  if (!response.pull) return response.body;
  std::string body;
  while (auto piece = response.pull()) body += *piece;
  return body;
}

}  // namespace keneya::http::testing
