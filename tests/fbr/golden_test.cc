// Golden facility-periods of the demo program (tests/fbr/testdata/golden/README.md): a small
// dataset on the demo pyramid, computed, stored, read back, and compared with figures worked out
// by hand; stored invoices explained from their own snapshot after the data changed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "auth/accounts.h"
#include "core/csv.h"
#include "core/timestamp.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/invoice_json.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"
#include "fbr/run_approval.h"
#include "fbr/stored_invoices.h"
#include "fbr/workflow.h"
#include "store/store.h"

namespace keneya::fbr {
namespace {

const store::Actor kTester{"tester", "test", ""};

std::vector<std::vector<std::string>> ReadCsv(const std::string& name) {
  std::ifstream in(std::string(KENEYA_FBR_TESTDATA) + "/golden/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  core::CsvParser csv(content, name);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string_view> fields;
  bool header = true;
  while (*csv.Next(fields)) {
    if (header) {
      header = false;
      continue;
    }
    rows.emplace_back(fields.begin(), fields.end());
  }
  return rows;
}

class GoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ =
        std::filesystem::temp_directory_path() / ("keneya-golden-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    auto opened = store::OpenStore((directory_ / "golden.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = opened->release();
    Build(*store_);
  }
  static void TearDownTestSuite() {
    delete store_;
    std::filesystem::remove_all(directory_);
  }

  // The demo pyramid with only the golden facilities, their contracts and values.
  static void Build(store::Store& db) {
    demo::DemoOptions options;
    options.first_year = options.last_year = 2024;
    options.open_january = false;  // 2024 alone: January 2025 is left to the tests
    auto demo = demo::GenerateDemo(options, nullptr);
    ASSERT_TRUE(demo.ok());
    std::set<std::string> wanted;
    for (const auto& row : ReadCsv("contracts.csv")) wanted.insert(row[0]);
    core::MetadataBundle bundle = demo->metadata;
    std::set<std::string> kept;
    std::vector<core::OrgUnit> units;
    for (const core::OrgUnit& unit : bundle.org_units) {
      if (unit.level <= 3 || wanted.count(unit.code)) {
        units.push_back(unit);
        kept.insert(unit.uid);
      }
    }
    bundle.org_units = units;
    for (core::DataSet& set : bundle.data_sets) {
      std::erase_if(set.org_unit_uids, [&](const std::string& uid) { return !kept.count(uid); });
    }
    const core::MetadataBundle results = demo::DemoResultElements();
    bundle.data_elements.insert(bundle.data_elements.end(), results.data_elements.begin(),
                                results.data_elements.end());
    ASSERT_TRUE(db.SaveMetadata(bundle, kTester).ok());
    auto source = demo::DemoProgramSource();
    ASSERT_TRUE(source.ok());
    auto program = LoadProgram(db, *source, kTester);
    ASSERT_TRUE(program.ok()) << program.error().ToString();
    if (program_ == nullptr) program_ = new store::ProgramRecord(*program);

    auto metadata = db.LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    if (metadata_ == nullptr) metadata_ = new core::MetadataBundle(*metadata);
    const Resolver resolver(*metadata);
    const core::OrgUnitGroupSet* equity = resolver.OrgUnitGroupSet(demo::kRemotenessGroupSetCode);
    for (const auto& row : ReadCsv("contracts.csv")) {
      const core::OrgUnit* unit = resolver.OrgUnit(row[0]);
      ASSERT_NE(unit, nullptr) << row[0];
      store::Contract c;
      c.org_unit = unit->id;
      c.program_code = "FBR_MALI";
      c.start = *core::Date::Parse(row[1]);
      if (!row[2].empty()) c.end = *core::Date::Parse(row[2]);
      c.equity_explicit = !row[3].empty();
      c.equity_category = c.equity_explicit ? row[3] : resolver.GroupIn(*unit, *equity)->code;
      c.status = *store::ParseContractStatus(row[4]);
      ASSERT_TRUE(db.PutContract(c, kTester).ok()) << row[0];
    }

    // Values, with the ids of the program's data elements.
    auto parsed = rules::ParseProgram(*source);
    std::map<std::string, std::string> element_of;
    for (const rules::Package& p : parsed.program.packages) {
      for (const rules::Activity& a : p.activities)
        element_of[p.code + "/" + a.code] = a.data_element;
    }
    const int32_t default_coc =
        resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id;
    std::vector<core::DataValue> values;
    auto add = [&](const std::string& facility, const std::string& period,
                   const std::string& element, int32_t coc, int32_t state,
                   const std::string& value) {
      core::DataValue v;
      v.key = {core::Period::Parse(period)->Code(),
               resolver.OrgUnit(facility)->id,
               resolver.DataElement(element)->id,
               coc,
               default_coc,
               state};
      v.value = value;
      values.push_back(v);
    };
    for (const auto& row : ReadCsv("values.csv")) {
      const std::string element = element_of.at("quantite/" + row[2]);
      add(row[0], row[1], element, default_coc, core::kStateDeclared, row[3]);
      add(row[0], row[1], element, default_coc, core::kStateVerified, row[4]);
    }
    const int32_t obtained = resolver.CategoryOptionCombo("POINTS_OBTENUS")->id;
    const int32_t possible = resolver.CategoryOptionCombo("POINTS_POSSIBLES")->id;
    for (const auto& row : ReadCsv("quality.csv")) {
      const std::string element = element_of.at("qualite/" + row[2]);
      add(row[0], row[1], element, obtained, core::kStateVerified, row[3]);
      add(row[0], row[1], element, possible, core::kStateVerified, row[4]);
    }
    ASSERT_TRUE(
        db.BulkLoad(values, store::ImportInfo{"tester", "golden", "test", ""}, nullptr).ok());
  }

  static ComputedRun Run(const std::string& period) {
    auto run = Compute(*store_, *metadata_, *program_, *core::Period::Parse(period), {});
    EXPECT_TRUE(run.ok()) << run.error().ToString();
    return std::move(run).value();
  }

  static inline std::filesystem::path directory_;
  static inline store::Store* store_ = nullptr;
  static inline store::ProgramRecord* program_ = nullptr;
  static inline core::MetadataBundle* metadata_ = nullptr;
};

// Checks a facility-period of expected.csv against a run's invoice.
void ExpectLikeGolden(const std::vector<std::string>& golden, const ComputedRun& run) {
  SCOPED_TRACE(golden[0] + " " + golden[1]);
  const std::string& facility = golden[0];
  const std::string& outcome = golden[2];
  int index = -1;
  for (size_t f = 0; f < run.inputs->facilities.size(); ++f) {
    if (run.inputs->facilities[f].code == facility) index = static_cast<int>(f);
  }
  if (outcome == "suspended") {
    EXPECT_EQ(index, -1);
    EXPECT_NE(std::find(run.suspended.begin(), run.suspended.end(), facility), run.suspended.end());
    return;
  }
  ASSERT_GE(index, 0);
  if (outcome == "missing") {
    EXPECT_NE(std::find(run.invoices.missing.begin(), run.invoices.missing.end(), index),
              run.invoices.missing.end());
    for (const rules::Invoice& invoice : run.invoices.invoices) EXPECT_NE(invoice.facility, index);
    return;
  }
  const rules::Invoice* invoice = nullptr;
  for (const rules::Invoice& i : run.invoices.invoices) {
    if (i.facility == index) invoice = &i;
  }
  ASSERT_NE(invoice, nullptr);
  EXPECT_EQ(invoice->total, std::stoll(golden[3]));
  // The total is the sum of the lines shown.
  int64_t sum = 0;
  for (const rules::InvoiceLine& line : invoice->lines) {
    if (line.kind != rules::InvoiceLine::Kind::kActivity &&
        line.kind != rules::InvoiceLine::Kind::kInfo && line.has_amount) {
      sum += line.amount;
    }
  }
  EXPECT_EQ(sum, invoice->total);
  std::stringstream checks(golden[4]);
  std::string check;
  while (std::getline(checks, check, ';')) {
    if (check.empty()) continue;
    SCOPED_TRACE(check);
    const size_t eq = check.find('=');
    const std::string key = check.substr(0, eq), want = check.substr(eq + 1);
    const size_t at = key.find('@');
    const std::string code = key.substr(0, at);
    const std::string period = at == std::string::npos ? "" : key.substr(at + 1);
    bool found = false;
    for (const rules::InvoiceLine& line : invoice->lines) {
      if (code == "missing") {
        if (line.kind == rules::InvoiceLine::Kind::kActivity && line.period == period &&
            line.code == want) {
          EXPECT_TRUE(line.missing);
          found = true;
        }
        continue;
      }
      if (line.code != code || (!period.empty() && line.period != period)) continue;
      found = true;
      if (line.kind == rules::InvoiceLine::Kind::kInfo) {
        EXPECT_DOUBLE_EQ(line.value, std::stod(want));
      } else {
        EXPECT_EQ(line.amount, std::stoll(want));
      }
    }
    EXPECT_TRUE(found);
  }
}

TEST_F(GoldenTest, EveryGoldenFacilityPeriodIsAsWorkedByHand) {
  std::map<std::string, ComputedRun> runs;
  int checked = 0;
  for (const auto& golden : ReadCsv("expected.csv")) {
    if (!runs.count(golden[1])) runs.emplace(golden[1], Run(golden[1]));
    ExpectLikeGolden(golden, runs.at(golden[1]));
    ++checked;
  }
  EXPECT_GE(checked, 10);
  // The envelope's zone is paid exactly its envelope.
  const ComputedRun& q3 = runs.at("2024Q3");
  bool cut = false;
  for (const rules::ZoneBudget& b : q3.invoices.budgets) {
    if (b.zone != "DS_COMMUNE_I") continue;
    cut = true;
    EXPECT_EQ(b.requested, 200000250);
    EXPECT_EQ(b.envelope, 100000000);
    EXPECT_EQ(b.paid, 100000000);
  }
  EXPECT_TRUE(cut);
}

TEST_F(GoldenTest, StoredInvoicesAreExplainedFromTheirInputsAfterTheDataChange) {
  ComputedRun run = Run("2024Q1");
  auto saved = SaveRun(*store_, run, kTester);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  auto invoices = store_->Invoices(saved->id);
  ASSERT_TRUE(invoices.ok());
  std::string koko;
  for (const store::InvoiceRecord& i : *invoices) {
    if (i.snapshot_json.find("CSCOM_KATI_KOKO_II") != std::string::npos) koko = i.number;
  }
  ASSERT_FALSE(koko.empty());
  // The data change after the run: January's verified consultations of Koko II.
  const Resolver resolver(*metadata_);
  core::DataValue changed;
  changed.key = {core::Period::Parse("202401")->Code(),
                 resolver.OrgUnit("CSCOM_KATI_KOKO_II")->id,
                 resolver.DataElement("FBR_CONSULT_CUR_5PLUS")->id,
                 resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
                 resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
                 core::kStateVerified};
  changed.value = "150";
  ASSERT_TRUE(store_->PutValue(changed, kTester).ok());

  ExplainRequest request;
  request.formula = "quantite.montant";
  request.activity = "consult_5plus";
  request.period = "202401";
  auto explained = ExplainInvoice(*store_, koko, request, core::Language::kFrench);
  ASSERT_TRUE(explained.ok()) << explained.error().ToString();
  EXPECT_EQ(explained->value.number, 50000);  // 200 x 250, as invoiced, not 150 x 250
  EXPECT_EQ(explained->expression, "paye * tariff");
  ASSERT_EQ(explained->inputs.size(), 2u);
  EXPECT_EQ(explained->inputs[0].name, "quantite.consult_5plus.paye");
  EXPECT_EQ(explained->inputs[1].origin, "tarifs.csv:2");

  request = ExplainRequest{};  // the payment's total
  explained = ExplainInvoice(*store_, koko, request, core::Language::kEnglish);
  ASSERT_TRUE(explained.ok());
  EXPECT_EQ(explained->value.number, 360000);
  EXPECT_EQ(explained->label, "Total to pay (before rounding)");

  // A new run sees the new data, and numbers its invoices as a second run.
  ComputedRun again = Run("2024Q1");
  auto saved_again = SaveRun(*store_, again, kTester);
  ASSERT_TRUE(saved_again.ok());
  auto second = store_->Invoices(saved_again->id);
  ASSERT_TRUE(second.ok());
  for (const store::InvoiceRecord& i : *second) {
    EXPECT_TRUE(i.number.ends_with("-R2")) << i.number;
    if (i.snapshot_json.find("CSCOM_KATI_KOKO_II") != std::string::npos) {
      // Verified 150 for 200 declared: a gap of 25 %, January's consultations are not paid:
      // 250 000 of quantity and 50 000 of quality bonus.
      EXPECT_EQ(i.total, 300000);
    }
  }
  changed.value = "200";
  ASSERT_TRUE(store_->PutValue(changed, kTester).ok());
}

// The golden figures through the workflow: each facility-period with numbers declared (a paper
// report typed by the district), verified, reported, validated once the contest window ran out;
// a run started by one member of the national unit and approved by the other. The facilities
// whose every period is validated are invoiced exactly as worked by hand; the others are left
// out, with the first period that holds them back; the approval locks what the run read.
TEST_F(GoldenTest, TheGoldenFiguresHoldThroughTheWorkflow) {
  auto opened = store::OpenStore((directory_ / "workflow.db").string());
  ASSERT_TRUE(opened.ok());
  store::Store& db = **opened;
  Build(db);
  ASSERT_FALSE(HasFatalFailure());
  auto metadata = db.LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  auth::Principal operator_of_database;
  operator_of_database.name = "tester";
  operator_of_database.operator_of_database = true;
  auto scope = auth::ParseScope("ML", *metadata);
  ASSERT_TRUE(scope.ok());
  const std::pair<const char*, auth::Role> people[] = {{"district", auth::Role::kDistrictTeam},
                                                       {"verificateur", auth::Role::kVerifier},
                                                       {"qualite", auth::Role::kQualityEvaluator},
                                                       {"cellule.a", auth::Role::kNationalUnit},
                                                       {"cellule.b", auth::Role::kNationalUnit}};
  for (const auto& [name, role] : people) {
    auth::NewUser user{name, name, "", "fr", "mot-de-passe-golden", {{role, *scope}}};
    ASSERT_TRUE(auth::AddUser(db, *metadata, operator_of_database, user, kTester).ok()) << name;
  }
  const Directory directory(*metadata);
  std::map<std::string, auth::Principal> principals;
  std::map<std::string, std::unique_ptr<Sight>> sights;
  for (const auto& [name, role] : people) {
    auto user = db.FindUser(name);
    ASSERT_TRUE(user.ok() && user->has_value());
    principals[name] = *auth::LoadPrincipal(db, **user);
  }
  for (const auto& [name, principal] : principals) {
    sights[name] = std::make_unique<Sight>(directory, principal);
  }
  auto at = [](const char* day) { core::SetHistoryClock(core::ParseTimestamp(day).value()); };
  struct GiveTheClockBack {
    ~GiveTheClockBack() { core::SetHistoryClock(std::nullopt); }
  } give_back;
  auto step = [&](const char* who, const PeriodRef& ref, PeriodAction action) {
    auto file = GetPeriodFile(db, *sights[who], ref);
    EXPECT_TRUE(file.ok()) << file.error().ToString();
    if (!file.ok()) return false;
    auto moved =
        ChangePeriod(db, *sights[who], {ref, action, "", file->version}, {who, "test", "", ""});
    return moved.ok();
  };

  // Every facility-period of 2024Q1 that holds numbers goes through; the others stay open.
  std::set<std::pair<std::string, std::string>> reported;
  for (const auto& row : ReadCsv("values.csv")) {
    if (row[1] <= "202403") reported.insert({row[0], row[1]});
  }
  std::set<std::string> quality;
  for (const auto& row : ReadCsv("quality.csv")) {
    if (row[1] == "2024Q1") quality.insert(row[0]);
  }
  at("2024-04-08T09:00");
  for (const auto& [facility, month] : reported) {
    const PeriodRef ref{"FBR_QUANTITE", facility, month};
    ASSERT_TRUE(step("district", ref, PeriodAction::kDeclare)) << facility << " " << month;
    ASSERT_TRUE(step("verificateur", ref, PeriodAction::kVerify));
    ASSERT_TRUE(step("verificateur", ref, PeriodAction::kIssueReport));
  }
  for (const std::string& facility : quality) {
    const PeriodRef ref{"FBR_QUALITE", facility, "2024Q1"};
    ASSERT_TRUE(step("qualite", ref, PeriodAction::kVerify)) << facility;
    ASSERT_TRUE(step("qualite", ref, PeriodAction::kIssueReport));
  }
  at("2024-04-18T09:00");  // the window runs to the 18th: not validated yet
  EXPECT_FALSE(
      step("district", {"FBR_QUALITE", "CSCOM_KATI_KOKO_II", "2024Q1"}, PeriodAction::kValidate));
  at("2024-04-19T09:00");
  for (const auto& [facility, month] : reported) {
    ASSERT_TRUE(step("district", {"FBR_QUANTITE", facility, month}, PeriodAction::kValidate));
  }
  for (const std::string& facility : quality) {
    ASSERT_TRUE(step("district", {"FBR_QUALITE", facility, "2024Q1"}, PeriodAction::kValidate));
  }

  at("2024-05-10T09:00");
  RunRequest request;
  request.program = "FBR_MALI";
  request.period = "2024Q1";
  auto started = StartRun(db, *sights["cellule.a"], request, {"cellule.a", "test", "", ""});
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_FALSE(ApproveRun(db, *sights["cellule.a"], started->run.id, started->state.version,
                          {"cellule.a", "test", "", ""})
                   .ok());  // who started it may not approve it
  auto approved = ApproveRun(db, *sights["cellule.b"], started->run.id, started->state.version,
                             {"cellule.b", "test", "", ""});
  ASSERT_TRUE(approved.ok()) << approved.error().ToString();

  auto invoices = db.InvoiceList(started->run.id, 0);
  ASSERT_TRUE(invoices.ok());
  std::map<std::string, int64_t> invoiced;
  for (const store::InvoiceRecord& invoice : *invoices) {
    invoiced[directory.OrgUnitById(invoice.org_unit)->code] = invoice.total;
  }
  std::map<std::string, std::string> left_out;
  for (const LeftOutFacility& left : approved->left_out) {
    left_out[left.facility->code] = left.data_set + " " + left.period + " " + left.reason;
  }
  int checked = 0;
  for (const auto& golden : ReadCsv("expected.csv")) {
    if (golden[1] != "2024Q1" || golden[2] != "invoice") continue;
    bool complete = quality.count(golden[0]) != 0;
    for (const char* month : {"202401", "202402", "202403"}) {
      complete = complete && reported.count({golden[0], month}) != 0;
    }
    if (complete) {
      EXPECT_EQ(invoiced[golden[0]], std::stoll(golden[3])) << golden[0];
      ++checked;
    } else {
      EXPECT_EQ(invoiced.count(golden[0]), 0u) << golden[0];
      EXPECT_EQ(left_out.count(golden[0]), 1u) << golden[0];
    }
  }
  EXPECT_EQ(checked, 3);  // Koko II, Banaba, Baguineda
  EXPECT_EQ(left_out["CSCOM_KIDAL_ALATA"], "FBR_QUANTITE 202402 not_declared");
  EXPECT_EQ(left_out["MAT_KATI_BALLE"], "FBR_QUANTITE 202401 not_declared");
  EXPECT_EQ(left_out["CSCOM_KATI_BANCOUMANA"], "FBR_QUALITE 2024Q1 not_declared");
  EXPECT_EQ(invoiced.count("MAT_KATI_DIO"), 0u);  // suspended
  EXPECT_EQ(invoiced.size(), 3u);

  // What the approved run read is locked.
  const Resolver resolver(*metadata);
  const core::DataValueKey koko_january{
      core::Period::Parse("202401")->Code(),
      resolver.OrgUnit("CSCOM_KATI_KOKO_II")->id,
      resolver.DataElement("FBR_CONSULT_CUR_5PLUS")->id,
      resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
      resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid)->id,
      core::kStateVerified};
  core::Status locked = CheckValueWritable(db, directory, koko_january);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, core::ErrorCode::kConflict);
}

}  // namespace
}  // namespace keneya::fbr
