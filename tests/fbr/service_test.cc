// The fbr service layer as the command line and the server call it: contracts signed, suspended,
// resumed and ended; the program version a computation uses; simulation settings and
// simulations compared zone by zone; a run without an invoice refused; what replaces a
// superseded invoice; stored invoices and facilities computed now explained; a run's invoices
// listed and filtered; an invoice printed as a PDF with a name in Bambara letters, read back
// with pdftotext.
//
// The data: the demo pyramid with the facilities of the district of Kati and their demo values
// for 2024 (a few tens of facilities: quick to compute).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/contracts.h"
#include "fbr/exports.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"
#include "fbr/simulation.h"
#include "fbr/stored_invoices.h"
#include "rules/invoice.h"
#include "store/store.h"
#include "tests/demo/demo_subset.h"

namespace keneya::fbr {
namespace {

const store::Actor kTester{"tester", "test", ""};
constexpr char kFacility[] = "CSCOM_KATI_KOKO_II";
// A name as DHIS2 may hold it, with Bambara letters (open e and o, eng, palatal n).
constexpr char kBambaraName[] = "CSCOM de Ɲɛgɛla Ŋɔ";

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = std::filesystem::temp_directory_path() /
                 ("keneya-fbr-service-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    auto opened = store::OpenStore((directory_ / "service.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = opened->release();
    Build();
  }
  static void TearDownTestSuite() {
    delete store_;
    delete metadata_;
    std::filesystem::remove_all(directory_);
  }

  // The demo's regions and districts, the facilities of the district of Kati (one renamed with
  // Bambara letters), their 2024 values, the demo program, and contracts for every facility.
  static void Build() {
    demo::DemoOptions options;
    options.first_year = options.last_year = 2024;
    options.open_january = false;  // 2024 alone: January 2025 is left to the tests
    auto demo = demo::GenerateDemo(options, nullptr);
    ASSERT_TRUE(demo.ok());
    std::string kati_uid;
    for (const core::OrgUnit& unit : demo->metadata.org_units) {
      if (unit.code == "DS_KATI") kati_uid = unit.uid;
    }
    ASSERT_FALSE(kati_uid.empty());
    demo::DemoDataset small = demo::testing::DemoSubset(*demo, [&](const core::OrgUnit& unit) {
      const bool in_kati = unit.path.find(kati_uid) != std::string::npos;
      return unit.level <= 3 || (in_kati && unit.type != core::OrgUnitType::kAscSite);
    });
    for (core::OrgUnit& unit : small.metadata.org_units) {
      if (unit.code == kFacility) unit.name = kBambaraName;
    }
    ASSERT_TRUE(demo::LoadDemo(*store_, small, kTester, nullptr).ok());
    auto source = demo::DemoProgramSource();
    ASSERT_TRUE(source.ok());
    auto program = LoadProgram(*store_, *source, kTester);
    ASSERT_TRUE(program.ok()) << program.error().ToString();
    auto metadata = store_->LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    metadata_ = new core::MetadataBundle(*metadata);

    SignOptions sign;
    sign.program_code = "FBR_MALI";
    sign.start = *core::Date::Parse("2024-01-01");
    sign.group = demo::kContractGroupCode;
    auto signed_contracts = SignContracts(*store_, *metadata_, sign, kTester);
    ASSERT_TRUE(signed_contracts.ok()) << signed_contracts.error().ToString();
    ASSERT_GT(signed_contracts->signed_count, 5);
    EXPECT_TRUE(signed_contracts->refused.empty());
  }

  static std::vector<store::Contract> ContractsOf(const std::string& code) {
    const Resolver resolver(*metadata_);
    const core::OrgUnit* unit = resolver.OrgUnit(code);
    EXPECT_NE(unit, nullptr) << code;
    auto all = store_->Contracts("FBR_MALI");
    EXPECT_TRUE(all.ok());
    std::vector<store::Contract> out;
    for (const store::Contract& c : *all) {
      if (unit != nullptr && c.org_unit == unit->id) out.push_back(c);
    }
    return out;
  }

  static core::Date D(const char* text) { return *core::Date::Parse(text); }
  static core::Period P(const char* text) { return *core::Period::Parse(text); }

  // The facility's invoice in a stored run.
  static InvoiceRow InvoiceOf(const store::InvoiceRunRecord& run, const std::string& facility) {
    auto rows = RunInvoices(*store_, *metadata_, run.id, {});
    EXPECT_TRUE(rows.ok()) << rows.error().ToString();
    for (const InvoiceRow& row : *rows) {
      if (row.facility_code == facility) return row;
    }
    ADD_FAILURE() << "no invoice of " << facility << " in run " << run.id;
    return {};
  }

  static store::InvoiceRunRecord ComputeAndSave(const std::string& period) {
    const core::Period p = *core::Period::Parse(period);
    auto record = ProgramToUse(*store_, *metadata_, "FBR_MALI", p, std::nullopt, true);
    EXPECT_TRUE(record.ok()) << record.error().ToString();
    auto run = Compute(*store_, *metadata_, *record, p, {});
    EXPECT_TRUE(run.ok()) << run.error().ToString();
    auto saved = SaveRun(*store_, *run, kTester);
    EXPECT_TRUE(saved.ok()) << saved.error().ToString();
    return *saved;
  }

  static inline std::filesystem::path directory_;
  static inline store::Store* store_ = nullptr;
  static inline core::MetadataBundle* metadata_ = nullptr;
};

// ---- Simulation settings ----

TEST(SimulationSettingTest, ReadsConstantsAndTableOutputs) {
  Overrides o;
  ASSERT_TRUE(ParseSetting("seuil_qualite=0.6", o).ok());
  ASSERT_TRUE(ParseSetting("tariff[accouchement]=6000", o).ok());
  ASSERT_TRUE(ParseSetting("equity_bonus[EQUITE_30]=0.4", o).ok());
  EXPECT_EQ(o.constants.at("seuil_qualite"), 0.6);
  EXPECT_EQ(o.activity_outputs.at({"tariff", "accouchement"}), 6000);
  EXPECT_EQ(o.activity_outputs.at({"equity_bonus", "EQUITE_30"}), 0.4);
}

TEST(SimulationSettingTest, RefusesMalformedSettingsNamingThem) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c :
       {Case{"tariff", "write name=value or output[key]=value, not \"tariff\""},
        Case{"=5", "write name=value or output[key]=value, not \"=5\""},
        Case{"x=abc", "\"abc\" is not a number"}, Case{"x=", "\"\" is not a number"},
        Case{"x=inf", "inf is not a finite number"}, Case{"x=nan", "nan is not a finite number"}}) {
    Overrides o;
    core::Status status = ParseSetting(c.text, o);
    ASSERT_FALSE(status.ok()) << c.text;
    EXPECT_EQ(status.error().message, c.message) << c.text;
    EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_TRUE(o.empty());
  }
  Overrides o;
  ASSERT_TRUE(ParseSetting("tariff[cpn1]=1", o).ok());
  core::Status twice = ParseSetting("tariff[cpn1]=2", o);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "tariff[cpn1] is set twice");
  EXPECT_EQ(twice.error().where, "--set tariff[cpn1]=2");
  EXPECT_EQ(o.activity_outputs.at({"tariff", "cpn1"}), 1);
}

TEST(SimulationSettingTest, ReadsEnvelopesInWholeFrancs) {
  Overrides o;
  ASSERT_TRUE(ParseEnvelope("REGION_KAYES=100000000", o).ok());
  EXPECT_EQ(o.envelopes.at("REGION_KAYES"), 100000000);
  for (const char* bad : {"REGION_KAYES", "REGION_SEGOU=", "REGION_SEGOU=-1", "=5",
                          "REGION_SEGOU=12.5", "REGION_SEGOU=99999999999999999999999"}) {
    core::Status status = ParseEnvelope(bad, o);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().message, "write ZONE=amount, not \"" + std::string(bad) + "\"");
    EXPECT_EQ(status.error().where, "--envelope");
  }
  core::Status twice = ParseEnvelope("REGION_KAYES=5", o);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "REGION_KAYES is given twice");
  EXPECT_EQ(o.envelopes.size(), 1u);
}

// ---- Programs ----

store::ProgramRecord Version(const std::string& code, int version, const char* from,
                             const char* to = nullptr) {
  store::ProgramRecord p;
  p.code = code;
  p.version = version;
  p.valid_from = *core::Date::Parse(from);
  if (to != nullptr) p.valid_to = *core::Date::Parse(to);
  return p;
}

TEST(ProgramReplacementTest, TheFirstNewerVersionOnItsDaysTakesOver) {
  const std::vector<store::ProgramRecord> all = {
      Version("FBR", 1, "2022-01-01"), Version("FBR", 2, "2024-04-01"),
      Version("FBR", 3, "2024-01-01", "2024-02-29"), Version("OTHER", 9, "2020-01-01")};
  // Version 3 takes version 1's days first (January), for its two months.
  const std::optional<fbr::Replaced> of_1 = fbr::Replacement(all, all[0]);
  ASSERT_TRUE(of_1.has_value());
  EXPECT_EQ(of_1->version, 3);
  EXPECT_EQ(of_1->from.ToString(), "2024-01-01");
  EXPECT_EQ(of_1->to->ToString(), "2024-02-29");
  // Version 2 (from April, open) overlaps no day of version 3: nothing replaces 3.
  EXPECT_FALSE(fbr::Replacement(all, all[2]).has_value());
  // The newest version, and another program's, are replaced by nothing.
  EXPECT_FALSE(fbr::Replacement(all, all[1]).has_value());
  EXPECT_FALSE(fbr::Replacement(all, all[3]).has_value());
  // A version that ends bounds the days its replacement takes.
  const std::vector<store::ProgramRecord> bounded = {Version("FBR", 1, "2022-01-01", "2024-06-30"),
                                                     Version("FBR", 2, "2024-04-01")};
  const std::optional<fbr::Replaced> of_bounded = fbr::Replacement(bounded, bounded[0]);
  ASSERT_TRUE(of_bounded.has_value());
  EXPECT_EQ(of_bounded->from.ToString(), "2024-04-01");
  EXPECT_EQ(of_bounded->to->ToString(), "2024-06-30");
}

TEST(ProgramPathTest, TellsFilesFromCodes) {
  EXPECT_TRUE(IsProgramPath("programs/fbr-mali"));
  EXPECT_TRUE(IsProgramPath("programme.toml"));
  EXPECT_TRUE(IsProgramPath("."));
  EXPECT_FALSE(IsProgramPath("FBR_MALI"));
}

TEST_F(ServiceTest, EquityGroupSetComesFromTheNewestStoredVersion) {
  auto set = EquityGroupSet(*store_, "FBR_MALI");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(*set, demo::kRemotenessGroupSetCode);
  auto unknown = EquityGroupSet(*store_, "NOPE");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message, "no program 'NOPE' stored (see keneya program list)");
}

TEST_F(ServiceTest, RefusesFilesChangedUnderAStoredVersion) {
  auto programs = store_->Programs();
  ASSERT_TRUE(programs.ok());
  ASSERT_FALSE(programs->empty());
  store::ProgramRecord changed = programs->front();
  EXPECT_TRUE(RefuseChangedVersion(*store_, changed).ok());
  changed.checksum = "another";
  core::Status refused = RefuseChangedVersion(*store_, changed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(refused.error().message,
            "version " + std::to_string(changed.version) +
                " of program FBR_MALI is already "
                "stored with other content: give the changed program a new version");
  // The store's own refusal says the same.
  auto saved = store_->SaveProgram(changed, kTester);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().message, refused.error().message);
}

TEST_F(ServiceTest, ProgramToUseTakesTheVersionValidForThePeriod) {
  auto record = ProgramToUse(*store_, *metadata_, "FBR_MALI", *core::Period::Parse("2024Q1"),
                             std::nullopt, false);
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->code, "FBR_MALI");
  auto missing =
      ProgramToUse(*store_, *metadata_, "FBR_MALI", *core::Period::Parse("2024Q1"), 99, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

// ---- Contracts ----

TEST_F(ServiceTest, SigningRefusesWhatWouldPayWrongAndWritesNothing) {
  const auto before = store_->Contracts("");
  ASSERT_TRUE(before.ok());
  SignOptions sign;
  sign.start = D("2030-01-01");
  sign.facilities = {kFacility};

  sign.program_code = "NOPE";
  auto unknown = SignContracts(*store_, *metadata_, sign, kTester);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);

  sign.program_code = "FBR_MALI";
  sign.facilities.clear();
  auto nobody = SignContracts(*store_, *metadata_, sign, kTester);
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().message, "give --facility or --group");

  sign.group = "NO_SUCH_GROUP";
  auto no_group = SignContracts(*store_, *metadata_, sign, kTester);
  ASSERT_FALSE(no_group.ok());
  EXPECT_EQ(no_group.error().message, "no org unit group 'NO_SUCH_GROUP'");

  // Each facility alone: a district is no facility; an overlapping contract is refused.
  sign.group.clear();
  sign.facilities = {"DS_KATI", kFacility};
  sign.start = D("2024-06-01");
  auto refused = SignContracts(*store_, *metadata_, sign, kTester);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->signed_count, 0);
  ASSERT_EQ(refused->refused.size(), 2u);
  EXPECT_EQ(refused->refused[0].rfind("DS_KATI: not a health facility", 0), 0u);
  EXPECT_NE(refused->refused[1].find("overlaps"), std::string::npos) << refused->refused[1];

  const auto after = store_->Contracts("");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
}

TEST_F(ServiceTest, SuspendsResumesAndEndsAContract) {
  const std::string facility = "CSCOM_KATI_BANABA";
  std::vector<store::Contract> contracts = ContractsOf(facility);
  ASSERT_EQ(contracts.size(), 1u);
  const int64_t id = contracts[0].id;

  // Only a suspended contract resumes; nothing is written when refused.
  auto resume = ChangeContract(*store_, id, ContractAction::kResume, D("2024-05-01"), kTester);
  ASSERT_FALSE(resume.ok());
  EXPECT_EQ(resume.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(resume.error().message, "contract " + std::to_string(id) +
                                        " is active: only a suspended contract can be resumed");
  EXPECT_EQ(ContractsOf(facility).size(), 1u);

  // The date must fall inside the contract.
  auto early = ChangeContract(*store_, id, ContractAction::kSuspend, D("2024-01-01"), kTester);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().message, "the date must come after the contract's start (2024-01-01)");
  EXPECT_EQ(early.error().where, "--date");

  auto missing = ChangeContract(*store_, 999999, ContractAction::kEnd, D("2024-05-01"), kTester);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);

  // Suspended from 1 April: closed on 31 March, the next contract suspended from 1 April.
  auto suspended = ChangeContract(*store_, id, ContractAction::kSuspend, D("2024-04-01"), kTester);
  ASSERT_TRUE(suspended.ok()) << suspended.error().ToString();
  EXPECT_EQ(suspended->closed.id, id);
  EXPECT_EQ(*suspended->closed.end, D("2024-03-31"));
  ASSERT_TRUE(suspended->started);
  EXPECT_EQ(suspended->started->start, D("2024-04-01"));
  EXPECT_EQ(suspended->started->status, store::ContractStatus::kSuspended);
  EXPECT_FALSE(suspended->started->end);

  // Suspending again is refused: it is the new contract that is suspended.
  auto again = ChangeContract(*store_, suspended->started->id, ContractAction::kSuspend,
                              D("2024-06-01"), kTester);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "contract " + std::to_string(suspended->started->id) +
                                       " is suspended: only an active contract can be suspended");

  auto resumed = ChangeContract(*store_, suspended->started->id, ContractAction::kResume,
                                D("2024-07-01"), kTester);
  ASSERT_TRUE(resumed.ok()) << resumed.error().ToString();
  EXPECT_EQ(resumed->started->status, store::ContractStatus::kActive);

  // Ending: the date is the last day; an active contract becomes ended, and ends no more.
  auto ended =
      ChangeContract(*store_, resumed->started->id, ContractAction::kEnd, D("2024-12-31"), kTester);
  ASSERT_TRUE(ended.ok()) << ended.error().ToString();
  EXPECT_FALSE(ended->started);
  EXPECT_EQ(*ended->closed.end, D("2024-12-31"));
  EXPECT_EQ(ended->closed.status, store::ContractStatus::kEnded);
  auto twice =
      ChangeContract(*store_, resumed->started->id, ContractAction::kEnd, D("2024-12-30"), kTester);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "contract " + std::to_string(resumed->started->id) +
                                       " is ended: there is nothing to end");
  EXPECT_EQ(ContractsOf(facility).size(), 3u);

  // The history has every change, by whom.
  auto history = store_->ContractHistory(id);
  ASSERT_TRUE(history.ok());
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->back().user, "tester");
}

TEST_F(ServiceTest, AnEndedSuspendedContractStaysUnpaid) {
  const std::string facility = "CSCOM_KATI_BANCOUMANA";
  std::vector<store::Contract> contracts = ContractsOf(facility);
  ASSERT_EQ(contracts.size(), 1u);
  auto suspended =
      ChangeContract(*store_, contracts[0].id, ContractAction::kSuspend, D("2024-03-01"), kTester);
  ASSERT_TRUE(suspended.ok());
  auto ended = ChangeContract(*store_, suspended->started->id, ContractAction::kEnd,
                              D("2024-12-31"), kTester);
  ASSERT_TRUE(ended.ok()) << ended.error().ToString();
  EXPECT_EQ(ended->closed.status, store::ContractStatus::kSuspended);
}

TEST_F(ServiceTest, AContractChangeNamesTheRunsThatKeepTheOldTerms) {
  ComputeAndSave("2024Q3");
  ComputeAndSave("2024Q2");
  // A CSCOM of Kati that the other tests leave alone.
  std::string facility;
  for (const core::OrgUnit& unit : metadata_->org_units) {
    if (facility.empty() && unit.type == core::OrgUnitType::kCscom && unit.code != kFacility &&
        unit.code != "CSCOM_KATI_BANABA" && unit.code != "CSCOM_KATI_BANCOUMANA") {
      facility = unit.code;
    }
  }
  std::vector<store::Contract> contracts = ContractsOf(facility);
  ASSERT_FALSE(contracts.empty()) << facility;
  auto suspended = ChangeContract(*store_, contracts.back().id, ContractAction::kSuspend,
                                  D("2024-04-01"), kTester);
  ASSERT_TRUE(suspended.ok()) << suspended.error().ToString();
  EXPECT_EQ(suspended->stale_periods, (std::vector<std::string>{"2024Q2", "2024Q3"}));
}

// ---- Stored invoices ----

TEST_F(ServiceTest, ASupersededInvoiceNamesItsReplacement) {
  const store::InvoiceRunRecord first = ComputeAndSave("2024Q1");
  auto first_invoices = store_->Invoices(first.id);
  ASSERT_TRUE(first_invoices.ok());
  ASSERT_FALSE(first_invoices->empty());
  const store::InvoiceRecord invoice = first_invoices->front();
  auto current = SuccessorOf(*store_, invoice);
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(*current) << "an invoice of the current run has no successor";

  const store::InvoiceRunRecord second = ComputeAndSave("2024Q1");
  auto successor = SuccessorOf(*store_, invoice);
  ASSERT_TRUE(successor.ok()) << successor.error().ToString();
  ASSERT_TRUE(*successor);
  EXPECT_EQ((*successor)->run, second.id);
  auto replacement = store_->GetInvoice((*successor)->number);
  ASSERT_TRUE(replacement.ok());
  ASSERT_TRUE(*replacement);
  EXPECT_EQ((*replacement)->run_id, second.id);
  EXPECT_EQ((*replacement)->org_unit, invoice.org_unit);
}

TEST_F(ServiceTest, ListsARunsInvoicesByZoneAndType) {
  const store::InvoiceRunRecord run = ComputeAndSave("2024Q4");
  auto all = RunInvoices(*store_, *metadata_, run.id, {});
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(static_cast<int64_t>(all->size()), run.invoice_count);
  int64_t total = 0;
  for (const InvoiceRow& row : *all) total += row.total;
  EXPECT_EQ(total, run.total);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](const auto& a, const auto& b) { return a.number < b.number; }));

  auto cscoms = RunInvoices(*store_, *metadata_, run.id, {"DS_KATI", "cscom"});
  ASSERT_TRUE(cscoms.ok());
  ASSERT_FALSE(cscoms->empty());
  EXPECT_LT(cscoms->size(), all->size());  // the CSRéf of Kati is not a CSCOM
  for (const InvoiceRow& row : *cscoms) {
    EXPECT_EQ(row.facility_type, core::OrgUnitType::kCscom);
    EXPECT_EQ(row.district_name, "District sanitaire de Kati");
  }
  auto elsewhere = RunInvoices(*store_, *metadata_, run.id, {"REGION_KAYES", ""});
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_TRUE(elsewhere->empty());

  auto facility_zone = RunInvoices(*store_, *metadata_, run.id, {kFacility, ""});
  ASSERT_FALSE(facility_zone.ok());
  EXPECT_EQ(facility_zone.error().code, core::ErrorCode::kInvalidArgument);
  auto unknown_zone = RunInvoices(*store_, *metadata_, run.id, {"DS_NOPE", ""});
  ASSERT_FALSE(unknown_zone.ok());
  EXPECT_EQ(unknown_zone.error().code, core::ErrorCode::kNotFound);
  auto unknown_type = RunInvoices(*store_, *metadata_, run.id, {"", "HOPITAL"});
  ASSERT_FALSE(unknown_type.ok());
  auto unknown_run = RunInvoices(*store_, *metadata_, 999999, {});
  ASSERT_FALSE(unknown_run.ok());
  EXPECT_EQ(unknown_run.error().code, core::ErrorCode::kNotFound);
}

TEST_F(ServiceTest, ExplainsAStoredInvoiceWithItsAmountsAndItsReplacement) {
  const store::InvoiceRunRecord first = ComputeAndSave("2024Q1");
  const InvoiceRow invoice = InvoiceOf(first, kFacility);
  auto explained = ExplainStoredInvoice(*store_, invoice.number, {}, core::Language::kEnglish);
  ASSERT_TRUE(explained.ok()) << explained.error().ToString();
  EXPECT_EQ(explained->explanation.name, "paiement.total");
  EXPECT_EQ(explained->explanation.label, "Total to pay (before rounding)");
  EXPECT_FALSE(explained->successor) << "the invoice of the current run";
  // The payment's total: the invoice's lines rounded to the franc; no envelope in the first
  // quarter, so nothing cut.
  ASSERT_TRUE(explained->amounts);
  EXPECT_EQ(explained->amounts->total, invoice.total);
  EXPECT_EQ(explained->amounts->cut, 0);
  EXPECT_EQ(explained->amounts->rounded, invoice.total);

  // A value of a package: no amounts.
  ExplainRequest request;
  request.formula = "quantite.montant";
  request.activity = "accouchement";
  request.period = "202402";
  auto line = ExplainStoredInvoice(*store_, invoice.number, request, core::Language::kFrench);
  ASSERT_TRUE(line.ok()) << line.error().ToString();
  EXPECT_EQ(line->explanation.name, "quantite.accouchement.montant");
  EXPECT_FALSE(line->amounts);

  // Computed again, the period's first invoice names its replacement.
  const store::InvoiceRunRecord second = ComputeAndSave("2024Q1");
  auto superseded = ExplainStoredInvoice(*store_, invoice.number, {}, core::Language::kFrench);
  ASSERT_TRUE(superseded.ok()) << superseded.error().ToString();
  ASSERT_TRUE(superseded->successor);
  EXPECT_EQ(superseded->successor->run, second.id);
  EXPECT_EQ(superseded->successor->number, InvoiceOf(second, kFacility).number);

  auto unknown = ExplainStoredInvoice(*store_, "NOPE", {}, core::Language::kFrench);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message, "no invoice NOPE");
  EXPECT_EQ(unknown.error().where, "invoice");
}

TEST_F(ServiceTest, AStoredInvoiceSaysWhatTheEnvelopeCut) {
  // The demo program's envelope of Kati for 2024Q3 (130 000 000 francs) is below what its
  // facilities ask: every invoice of the district is cut pro rata.
  const store::InvoiceRunRecord run = ComputeAndSave("2024Q3");
  const InvoiceRow invoice = InvoiceOf(run, kFacility);
  auto explained = ExplainStoredInvoice(*store_, invoice.number, {}, core::Language::kFrench);
  ASSERT_TRUE(explained.ok()) << explained.error().ToString();
  ASSERT_TRUE(explained->amounts);
  EXPECT_LT(explained->amounts->cut, 0);
  EXPECT_EQ(explained->amounts->total, invoice.total);
  EXPECT_EQ(explained->amounts->rounded + explained->amounts->cut, invoice.total);
  EXPECT_GT(explained->amounts->rounded, invoice.total);
}

TEST_F(ServiceTest, ExplainsAFacilityComputedNowAsItsInvoiceWouldSay) {
  const store::InvoiceRunRecord run = ComputeAndSave("2024Q2");
  auto stored =
      ExplainStoredInvoice(*store_, InvoiceOf(run, kFacility).number, {}, core::Language::kFrench);
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  const auto runs_before = store_->InvoiceRuns()->size();

  // By code or by uid, nothing stored.
  const Resolver resolver(*metadata_);
  for (const std::string& facility : {std::string(kFacility), resolver.OrgUnit(kFacility)->uid}) {
    auto now = ExplainFacility(*store_, *metadata_, "FBR_MALI", std::nullopt, P("2024Q2"), facility,
                               {}, core::Language::kFrench);
    ASSERT_TRUE(now.ok()) << now.error().ToString();
    EXPECT_EQ(now->name, "paiement.total");
    EXPECT_EQ(now->value.number, stored->explanation.value.number) << facility;
  }
  EXPECT_EQ(store_->InvoiceRuns()->size(), runs_before);

  // A district is under no contract; neither is an unknown code.
  for (const char* facility : {"DS_KATI", "NOPE"}) {
    auto refused = ExplainFacility(*store_, *metadata_, "FBR_MALI", std::nullopt, P("2024Q2"),
                                   facility, {}, core::Language::kFrench);
    ASSERT_FALSE(refused.ok()) << facility;
    EXPECT_EQ(refused.error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(refused.error().message,
              std::string(facility) + " is not under contract for this period");
    EXPECT_EQ(refused.error().where, "--facility");
  }
  // The request's errors are FindSlot's; the program's, ProgramToUse's.
  ExplainRequest request;
  request.formula = "nothing";
  auto no_formula = ExplainFacility(*store_, *metadata_, "FBR_MALI", std::nullopt, P("2024Q2"),
                                    kFacility, request, core::Language::kEnglish);
  ASSERT_FALSE(no_formula.ok());
  EXPECT_EQ(no_formula.error().where, "--formula");
  auto no_version = ExplainFacility(*store_, *metadata_, "FBR_MALI", 99, P("2024Q2"), kFacility, {},
                                    core::Language::kEnglish);
  ASSERT_FALSE(no_version.ok());
  EXPECT_EQ(no_version.error().code, core::ErrorCode::kNotFound);
}

// ---- Runs ----

TEST_F(ServiceTest, ARunWithoutASingleInvoiceIsNotStored) {
  // Contracts run on, but the data of 2025 has not come in.
  const core::Period period = P("2025Q1");
  auto record = ProgramToUse(*store_, *metadata_, "FBR_MALI", period, std::nullopt, true);
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  auto run = Compute(*store_, *metadata_, *record, period, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  ASSERT_TRUE(run->invoices.invoices.empty());
  EXPECT_FALSE(run->invoices.missing.empty());
  const auto runs_before = store_->InvoiceRuns();
  ASSERT_TRUE(runs_before.ok());
  auto saved = SaveRun(*store_, *run, kTester);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(saved.error().message,
            "No facility under contract has a report for 2025Q1: nothing was stored.");
  EXPECT_EQ(core::Describe(saved.error(), core::Language::kFrench),
            "Aucune formation sous contrat n'a de déclaration pour 2025Q1 : rien n'a été "
            "enregistré.");
  const auto runs_after = store_->InvoiceRuns();
  ASSERT_TRUE(runs_after.ok());
  EXPECT_EQ(runs_after->size(), runs_before->size());
}

TEST_F(ServiceTest, TotalsByZoneAddUpToTheRun) {
  const core::Period period = P("2024Q1");
  auto record = ProgramToUse(*store_, *metadata_, "FBR_MALI", period, std::nullopt, false);
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  auto run = Compute(*store_, *metadata_, *record, period, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  const ZoneTotals totals = TotalsByZone(*run);
  // Only Kati's facilities: one district, in its region.
  ASSERT_EQ(totals.district.size(), 1u);
  EXPECT_EQ(totals.district.begin()->first, "DS_KATI");
  ASSERT_EQ(totals.region.size(), 1u);
  const Resolver resolver(*metadata_);
  const core::OrgUnit* region = resolver.Ancestor(*resolver.OrgUnit("DS_KATI"), 2);
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(totals.region.begin()->first, region->code);
  EXPECT_EQ(totals.region_of_district.at("DS_KATI"), region->code);
  EXPECT_EQ(totals.region.begin()->second, run->invoices.total);
  EXPECT_EQ(totals.district.begin()->second, run->invoices.total);
}

// ---- Simulations ----

TEST_F(ServiceTest, ASimulationComparesEveryZoneWithTheBaseline) {
  SimulationRequest request;
  request.program = "FBR_MALI";
  ASSERT_TRUE(ParseSetting("tariff[accouchement]=6000", request.overrides).ok());
  const auto runs_before = store_->InvoiceRuns()->size();
  auto simulation = Simulate(*store_, *metadata_, P("2024Q1"), request);
  ASSERT_TRUE(simulation.ok()) << simulation.error().ToString();
  EXPECT_EQ(store_->InvoiceRuns()->size(), runs_before) << "a simulation stores nothing";
  EXPECT_EQ(simulation->program.code, "FBR_MALI");
  // Deliveries paid 6 000 instead of 5 000: more everywhere there are deliveries.
  EXPECT_GT(simulation->simulation_total, simulation->baseline_total);
  auto base = Compute(*store_, *metadata_, simulation->program, P("2024Q1"), {});
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(simulation->baseline_total, base->invoices.total);
  ASSERT_EQ(simulation->regions.size(), 1u);
  const SimulatedZone& region = simulation->regions.front();
  EXPECT_EQ(region.baseline, simulation->baseline_total);
  EXPECT_EQ(region.simulation, simulation->simulation_total);
  EXPECT_FALSE(region.envelope);
  ASSERT_EQ(region.districts.size(), 1u);
  const SimulatedZone& kati = region.districts.front();
  EXPECT_EQ(kati.code, "DS_KATI");
  EXPECT_EQ(kati.name, "District sanitaire de Kati");
  EXPECT_EQ(kati.baseline, region.baseline);
  EXPECT_EQ(kati.simulation, region.simulation);
  EXPECT_TRUE(kati.districts.empty());
  EXPECT_TRUE(simulation->over_envelope.empty()) << "no envelope in the first quarter";

  // An envelope far below what Kati asks: paid pro rata, and said.
  SimulationRequest envelope;
  envelope.program = "FBR_MALI";
  ASSERT_TRUE(ParseEnvelope("DS_KATI=1000000", envelope.overrides).ok());
  auto cut = Simulate(*store_, *metadata_, P("2024Q3"), envelope);
  ASSERT_TRUE(cut.ok()) << cut.error().ToString();
  const SimulatedZone& cut_kati = cut->regions.front().districts.front();
  EXPECT_EQ(cut_kati.envelope, 1000000);
  EXPECT_LE(cut_kati.simulation, 1000000);
  EXPECT_GT(cut_kati.baseline, 1000000);
  ASSERT_EQ(cut->over_envelope.size(), 1u);
  EXPECT_EQ(cut->over_envelope[0].code, "DS_KATI");
  EXPECT_EQ(cut->over_envelope[0].name, "District sanitaire de Kati");
  EXPECT_EQ(cut->over_envelope[0].envelope, 1000000);
  EXPECT_GT(cut->over_envelope[0].requested, 1000000);

  // What the simulation cannot apply is refused.
  SimulationRequest nowhere;
  nowhere.program = "FBR_MALI";
  ASSERT_TRUE(ParseEnvelope("DS_NOPE=1", nowhere.overrides).ok());
  auto refused = Simulate(*store_, *metadata_, P("2024Q3"), nowhere);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().where, "--envelope DS_NOPE");
  SimulationRequest unknown;
  unknown.program = "FBR_MALI";
  ASSERT_TRUE(ParseSetting("nothing=1", unknown.overrides).ok());
  auto no_constant = Simulate(*store_, *metadata_, P("2024Q1"), unknown);
  ASSERT_FALSE(no_constant.ok());
  EXPECT_EQ(no_constant.error().message.rfind("the program has no constant 'nothing'", 0), 0u)
      << no_constant.error().message;
}

TEST_F(ServiceTest, InvoiceTotalsAddUpAsTheInvoicesDo) {
  // 2024Q3: Kati's envelope cuts its invoices pro rata; 2024Q1: no envelope.
  for (const char* period : {"2024Q1", "2024Q3"}) {
    SCOPED_TRACE(period);
    const core::Period p = P(period);
    auto record = ProgramToUse(*store_, *metadata_, "FBR_MALI", p, std::nullopt, false);
    ASSERT_TRUE(record.ok()) << record.error().ToString();
    auto run = Compute(*store_, *metadata_, *record, p, {});
    ASSERT_TRUE(run.ok()) << run.error().ToString();
    const rules::InvoiceTotals totals =
        rules::ComputeInvoiceTotals(run->compiled, run->payment, run->result, *run->inputs);
    ASSERT_EQ(totals.facilities.size(), run->invoices.invoices.size());
    EXPECT_EQ(totals.missing, run->invoices.missing);
    EXPECT_EQ(totals.total, run->invoices.total);
    for (size_t i = 0; i < totals.facilities.size(); ++i) {
      const rules::InvoiceTotals::Facility& facility = totals.facilities[i];
      const rules::Invoice& invoice = run->invoices.invoices[i];
      EXPECT_EQ(facility.facility, invoice.facility);
      EXPECT_EQ(facility.total_before_envelope, invoice.total_before_envelope);
      EXPECT_EQ(facility.total, invoice.total);
      int64_t parts = facility.payment_lines, quantity = 0;
      for (int64_t amount : facility.packages) parts += amount;
      EXPECT_EQ(parts, facility.total_before_envelope);
      for (const rules::InvoiceLine& line : invoice.lines) {
        if (line.kind == rules::InvoiceLine::Kind::kSubtotal && line.package == "quantite") {
          quantity += line.amount;
        }
      }
      EXPECT_EQ(facility.packages.at(0), quantity) << "the payment's first package: quantite";
    }
    ASSERT_EQ(totals.budgets.size(), run->invoices.budgets.size());
    for (size_t b = 0; b < totals.budgets.size(); ++b) {
      EXPECT_EQ(totals.budgets[b].zone, run->invoices.budgets[b].zone);
      EXPECT_EQ(totals.budgets[b].requested, run->invoices.budgets[b].requested);
      EXPECT_EQ(totals.budgets[b].paid, run->invoices.budgets[b].paid);
    }
    if (std::string(period) == "2024Q3") {
      ASSERT_FALSE(totals.budgets.empty());
      EXPECT_GT(totals.budgets[0].requested, totals.budgets[0].envelope) << "Kati is cut";
    }
  }
}

TEST_F(ServiceTest, ASimulationSplitsPackagesNamesTheFacilitiesItMovesAndComparesWithTheReference) {
  const store::InvoiceRunRecord reference = ComputeAndSave("2024Q4");
  auto stored = store_->Invoices(reference.id);
  ASSERT_TRUE(stored.ok());
  SimulationRequest request;
  request.program = "FBR_MALI";
  ASSERT_TRUE(ParseSetting("tariff[accouchement]=6000", request.overrides).ok());
  auto simulation = Simulate(*store_, *metadata_, P("2024Q4"), request);
  ASSERT_TRUE(simulation.ok()) << simulation.error().ToString();

  // Deliveries paid 6,000 instead of 5,000: the quantity package moves by 1,000 francs a
  // delivery paid, as the invoices count them.
  auto base = Compute(*store_, *metadata_, simulation->program, P("2024Q4"), {});
  ASSERT_TRUE(base.ok());
  int64_t deliveries_paid = 0;
  std::map<int32_t, int64_t> invoiced;  // baseline totals by org unit
  for (const rules::Invoice& invoice : base->invoices.invoices) {
    invoiced[base->org_units[static_cast<size_t>(invoice.facility)]] = invoice.total;
    for (const rules::InvoiceLine& line : invoice.lines) {
      if (line.kind == rules::InvoiceLine::Kind::kActivity && line.code == "accouchement") {
        EXPECT_EQ(line.amount % 5000, 0);
        deliveries_paid += line.amount / 5000;
      }
    }
  }
  ASSERT_GT(deliveries_paid, 0);
  ASSERT_EQ(simulation->packages.size(), 2u);
  EXPECT_EQ(simulation->packages[0].code, "quantite");
  EXPECT_EQ(simulation->packages[1].code, "qualite");
  EXPECT_EQ(simulation->simulation_packages[0] - simulation->baseline_packages[0],
            1000 * deliveries_paid);
  EXPECT_EQ(simulation->simulation_packages[1], simulation->baseline_packages[1]);
  const SimulatedZone& region = simulation->regions.at(0);
  EXPECT_EQ(region.simulation_packages, simulation->simulation_packages);
  EXPECT_EQ(region.districts.at(0).baseline_packages, simulation->baseline_packages);

  // The reference: the quarter's run stored above, zone by zone.
  ASSERT_TRUE(simulation->reference);
  EXPECT_EQ(simulation->reference->id, reference.id);
  EXPECT_EQ(simulation->reference->total, reference.total);
  EXPECT_EQ(region.reference, reference.total);
  EXPECT_EQ(region.districts.at(0).reference, reference.total);

  // The facilities moved most, largest first, each with its baseline invoice's total.
  const auto& moved = simulation->most_affected;
  ASSERT_FALSE(moved.empty());
  EXPECT_LE(moved.size(), kMostAffected);
  for (size_t i = 0; i < moved.size(); ++i) {
    EXPECT_NE(moved[i].simulation, moved[i].baseline);
    EXPECT_EQ(moved[i].baseline, invoiced.at(moved[i].org_unit)) << moved[i].code;
    EXPECT_EQ(moved[i].district, "DS_KATI");
    EXPECT_EQ(moved[i].district_name, "District sanitaire de Kati");
    if (i > 0) {
      EXPECT_LE(std::llabs(moved[i].simulation - moved[i].baseline),
                std::llabs(moved[i - 1].simulation - moved[i - 1].baseline));
    }
  }
}

TEST_F(ServiceTest, AServerSimulationReadsItsBaseOnceWhileTheDataStaysTheSame) {
  SimulationCache cache;
  SimulationRequest request;
  request.program = "FBR_MALI";
  request.stored_only = true;
  auto first = cache.Get(*store_, *metadata_, P("2024Q1"), request);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_TRUE(ParseSetting("tariff[accouchement]=6000", request.overrides).ok());
  auto again = cache.Get(*store_, *metadata_, P("2024Q1"), request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get()) << "the overrides are not part of the base";
  EXPECT_EQ(cache.prepared(), 1);
  auto other_quarter = cache.Get(*store_, *metadata_, P("2024Q2"), request);
  ASSERT_TRUE(other_quarter.ok());
  EXPECT_EQ(cache.prepared(), 2);

  // A value changes: the base is read again, and the simulation follows the data.
  const Resolver resolver(*metadata_);
  core::DataValue changed;
  changed.key = {P("202401").Code(),
                 resolver.OrgUnit(kFacility)->id,
                 resolver.DataElement("FBR_ACCOUCHEMENT")->id,
                 resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
                 resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
                 core::kStateVerified};
  auto original = store_->GetValue(changed.key);
  ASSERT_TRUE(original.ok() && original->has_value());
  changed.value = "0";
  ASSERT_TRUE(store_->PutValue(changed, kTester).ok());
  auto fresh = cache.Get(*store_, *metadata_, P("2024Q1"), request);
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->get(), first->get());
  EXPECT_EQ(cache.prepared(), 3);
  EXPECT_LT((*fresh)->baseline_totals.total, (*first)->baseline_totals.total)
      << "Koko II's January deliveries, now none";
  ASSERT_TRUE(store_->PutValue(**original, kTester).ok());
}

// ---- PDF ----

std::string PdfText(const std::filesystem::path& pdf) {
  const std::string command = "pdftotext -enc UTF-8 '" + pdf.string() + "' - 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_TRUE(pipe) << command;
  std::string text;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) text += buffer.data();
  return text;
}

TEST_F(ServiceTest, PdfInvoicePrintsEveryNameAsWritten) {
  const store::InvoiceRunRecord saved = ComputeAndSave("2024Q1");
  auto run = LoadRun(*store_, saved.id);
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  ExportOptions options;
  options.format = "pdf";
  options.path = (directory_ / "factures.pdf").string();
  auto written = ExportRun(*store_, *metadata_, *run, options);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  const std::string text = PdfText(options.path);
  ASSERT_FALSE(text.empty()) << "pdftotext (poppler-utils) read nothing";
  EXPECT_NE(text.find(std::string(kBambaraName) + " (" + kFacility + ")"), std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("District sanitaire : District sanitaire de Kati"), std::string::npos);
  EXPECT_NE(text.find("TOTAL À PAYER"), std::string::npos);
  EXPECT_EQ(text.find('?'), std::string::npos) << "a character the font could not print";
}

}  // namespace
}  // namespace keneya::fbr
