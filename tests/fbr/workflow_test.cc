// The workflow of a facility-period as the service enforces it: declared on time by the
// facility head, verified with a gap, its report issued, contested, answered with a correction,
// validated by the district; another facility's month declared late by the district on its
// behalf, its report accepted when the contest window ran out. Each step refused to whoever may
// not take it, from a status it does not start from, or against a stale version; numbers locked
// as the period moves on. "Today" comes from KENEYA_TODAY.
//
// The data: the demo pyramid with two facilities of the district of Kati, their 2024 values and
// the demo program (its calendar: due on the 5th, 10 days to contest); January 2025 is empty.
#include "fbr/workflow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "auth/accounts.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/contracts.h"
#include "fbr/data_entry.h"
#include "fbr/directory.h"
#include "fbr/jobs.h"
#include "fbr/programs.h"
#include "fbr/report_pdf.h"
#include "fbr/run_approval.h"
#include "fbr/value_sets.h"
#include "store/store.h"
#include "store/store_pool.h"
#include "tests/demo/demo_subset.h"

namespace keneya::fbr {
namespace {

const store::Actor kTester{"tester", "test", ""};
constexpr char kKoko[] = "CSCOM_KATI_KOKO_II";
constexpr char kDataSet[] = "FBR_QUANTITE";

std::string PdfText(const std::string& pdf) {
  const std::string command = "pdftotext -layout -enc UTF-8 '" + pdf + "' - 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_TRUE(pipe) << command;
  std::string text;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) text += buffer.data();
  return text;
}

auth::Principal User(const char* name, auth::Role role, const std::string& scope_uid) {
  auth::Principal user;
  user.name = name;
  user.grants = {{role, {auth::ScopeKind::kSubtree, scope_uid}}};
  return user;
}

class WorkflowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_path_ = std::filesystem::temp_directory_path() /
                      ("keneya-fbr-workflow-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_path_);
    auto opened = store::OpenStore((directory_path_ / "workflow.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = opened->release();
    demo::DemoOptions options;
    options.first_year = options.last_year = 2024;
    options.open_january = false;  // 2024 alone: January 2025 is left to the tests
    auto demo = demo::GenerateDemo(options, nullptr);
    ASSERT_TRUE(demo.ok());
    std::string kati_uid;
    for (const core::OrgUnit& unit : demo->metadata.org_units) {
      if (unit.code == "DS_KATI") kati_uid = unit.uid;
    }
    // Koko II and the first other CSCOM of Kati.
    std::string other;
    for (const core::OrgUnit& unit : demo->metadata.org_units) {
      if (other.empty() && unit.type == core::OrgUnitType::kCscom && unit.code != kKoko &&
          unit.path.find(kati_uid) != std::string::npos) {
        other = unit.code;
      }
    }
    ASSERT_FALSE(other.empty());
    other_ = new std::string(other);
    demo::DemoDataset small = demo::testing::DemoSubset(*demo, [&](const core::OrgUnit& unit) {
      return unit.level <= 3 || unit.code == kKoko || unit.code == other;
    });
    ASSERT_TRUE(demo::LoadDemo(*store_, small, kTester, nullptr).ok());
    auto source = demo::DemoProgramSource();
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE(LoadProgram(*store_, *source, kTester).ok());
    auto metadata = store_->LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    directory_ = new Directory(*metadata);
    SignOptions sign;
    sign.program_code = "FBR_MALI";
    sign.start = *core::Date::Parse("2024-01-01");
    sign.group = demo::kContractGroupCode;
    auto signed_contracts = SignContracts(*store_, *metadata, sign, kTester);
    ASSERT_TRUE(signed_contracts.ok()) << signed_contracts.error().ToString();
    ASSERT_EQ(signed_contracts->signed_count, 2);
  }
  static void TearDownTestSuite() {
    delete directory_;
    delete store_;
    delete other_;
    unsetenv("KENEYA_TODAY");
    std::filesystem::remove_all(directory_path_);
  }

  static const core::OrgUnit& Unit(const std::string& code) {
    const core::OrgUnit* unit = directory_->OrgUnit(code);
    EXPECT_NE(unit, nullptr) << code;
    return *unit;
  }

  static void Today(const char* date) { setenv("KENEYA_TODAY", date, 1); }

  static PeriodFile File(const auth::Principal& user, const std::string& facility) {
    const Sight sight(*directory_, user);
    auto file = GetPeriodFile(*store_, sight, {kDataSet, facility, "202501"});
    EXPECT_TRUE(file.ok()) << file.error().ToString();
    return file.ok() ? *file : PeriodFile{};
  }

  static core::Result<PeriodFile> Step(const auth::Principal& user, const std::string& facility,
                                       PeriodAction action, core::TimestampMs version,
                                       const std::string& reason = "") {
    const Sight sight(*directory_, user);
    return ChangePeriod(*store_, sight, {{kDataSet, facility, "202501"}, action, reason, version},
                        {user.name, "test", ""});
  }

  static core::Result<CellSaved> Save(const auth::Principal& user, const std::string& facility,
                                      const char* element, const char* state, const char* value) {
    const Sight sight(*directory_, user);
    CellRef ref{element, "", "", facility, "202501", state};
    auto form = ReadForm(*store_, sight, {kDataSet, facility, "202501", state});
    EXPECT_TRUE(form.ok()) << form.error().ToString();
    core::TimestampMs version = 0;
    for (const FormCell& cell : form->cells) {
      if (cell.element->code == element) version = cell.version();
    }
    return SaveCell(*store_, sight, {ref, std::string(value), "", false, version},
                    {user.name, "test", ""});
  }

  friend Directory* WorkflowTestDirectory();
  friend store::Store* WorkflowTestStore();
  static inline std::filesystem::path directory_path_;
  static inline store::Store* store_ = nullptr;
  static inline Directory* directory_ = nullptr;
  static inline std::string* other_ = nullptr;
};

TEST_F(WorkflowTest, AMonthGoesFromDeclarationThroughAContestToValidation) {
  Today("2025-02-03");
  const auth::Principal head = User("awa.head", auth::Role::kFacilityHead, Unit(kKoko).uid);
  const auth::Principal verifier =
      User("ousmane.verif", auth::Role::kVerifier, Unit("DS_KATI").uid);
  const auth::Principal district =
      User("fanta.district", auth::Role::kDistrictTeam, Unit("DS_KATI").uid);

  PeriodFile file = File(head, kKoko);
  EXPECT_EQ(file.status, PeriodStatus::kOpen);
  EXPECT_EQ(file.version, 0);
  EXPECT_EQ(file.due.ToString(), "2025-02-05");
  EXPECT_EQ(file.days_late, 0);
  EXPECT_EQ(file.allowed, std::vector<PeriodAction>{PeriodAction::kDeclare});

  // Nothing to declare yet; then two numbers, and the declaration.
  auto empty = Step(head, kKoko, PeriodAction::kDeclare, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, core::ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(Save(head, kKoko, "FBR_ACCOUCHEMENT", "declared", "25").ok());
  ASSERT_TRUE(Save(head, kKoko, "FBR_CPN4", "declared", "30").ok());
  // The verifier may not declare for the facility; the head may not verify.
  auto not_hers = Step(verifier, kKoko, PeriodAction::kDeclare, 0);
  ASSERT_FALSE(not_hers.ok());
  EXPECT_EQ(not_hers.error().code, core::ErrorCode::kPermissionDenied);
  auto declared = Step(head, kKoko, PeriodAction::kDeclare, 0);
  ASSERT_TRUE(declared.ok()) << declared.error().ToString();
  EXPECT_EQ(declared->status, PeriodStatus::kDeclared);
  EXPECT_FALSE(declared->declared_on_behalf);
  EXPECT_EQ(declared->days_late, 0);
  // Declared numbers no longer change; the form says so.
  auto locked = Save(head, kKoko, "FBR_ACCOUCHEMENT", "declared", "26");
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(locked.error().message.find("declared"), std::string::npos) << locked.error().message;
  {
    const Sight sight(*directory_, head);
    auto form = ReadForm(*store_, sight, {kDataSet, kKoko, "202501", "declared"});
    ASSERT_TRUE(form.ok());
    EXPECT_FALSE(form->editable);
    EXPECT_EQ(form->status, PeriodStatus::kDeclared);
  }
  // A second declaration against the version before the first is stale.
  auto again = Step(head, kKoko, PeriodAction::kDeclare, 0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);

  // Verified: one number equal, one with a gap; not before every declared number has its own.
  ASSERT_TRUE(Save(verifier, kKoko, "FBR_ACCOUCHEMENT", "verified", "21").ok());
  auto half = Step(verifier, kKoko, PeriodAction::kVerify, declared->version);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(half.error().message.find("1 declared"), std::string::npos) << half.error().message;
  ASSERT_TRUE(Save(verifier, kKoko, "FBR_CPN4", "verified", "30").ok());
  auto verified = Step(verifier, kKoko, PeriodAction::kVerify, declared->version);
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  auto reported = Step(verifier, kKoko, PeriodAction::kIssueReport, verified->version);
  ASSERT_TRUE(reported.ok()) << reported.error().ToString();
  EXPECT_EQ(reported->status, PeriodStatus::kReported);
  ASSERT_TRUE(reported->report.has_value());
  EXPECT_EQ(reported->report->verifier, "ousmane.verif");
  EXPECT_EQ(reported->report->contest_until.ToString(), "2025-02-13");
  ASSERT_EQ(reported->report->lines.size(), 2u);
  int gaps = 0;
  for (const ReportLine& line : reported->report->lines) {
    if (!line.gap()) continue;
    ++gaps;
    EXPECT_EQ(line.element->code, "FBR_ACCOUCHEMENT");
    EXPECT_EQ(*line.declared, "25");
    EXPECT_EQ(*line.verified, "21");
  }
  EXPECT_EQ(gaps, 1);
  // Verified numbers are locked once the report is issued; validating now is too early.
  EXPECT_FALSE(Save(verifier, kKoko, "FBR_ACCOUCHEMENT", "verified", "22").ok());
  auto early = Step(district, kKoko, PeriodAction::kValidate, reported->version);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(File(head, kKoko).allowed, std::vector<PeriodAction>{PeriodAction::kContest});

  // Contested with a reason, answered with a correction.
  auto no_reason = Step(head, kKoko, PeriodAction::kContest, reported->version, "  ");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().code, core::ErrorCode::kInvalidArgument);
  auto contested = Step(head, kKoko, PeriodAction::kContest, reported->version,
                        "Le registre d'accouchement compte 25 naissances, page 14");
  ASSERT_TRUE(contested.ok()) << contested.error().ToString();
  EXPECT_EQ(contested->report->contested_by, "awa.head");
  ASSERT_TRUE(Save(verifier, kKoko, "FBR_ACCOUCHEMENT", "verified", "24").ok());
  auto answered = Step(verifier, kKoko, PeriodAction::kAnswer, contested->version,
                       "Recompté : 24 naissances, une en double");
  ASSERT_TRUE(answered.ok()) << answered.error().ToString();
  EXPECT_TRUE(answered->report->corrected);
  for (const ReportLine& line : answered->report->lines) {
    if (line.element->code == "FBR_ACCOUCHEMENT") {
      EXPECT_EQ(*line.verified, "24");
    }
  }

  // The report as printed: the facility, the period, each gap, the verifier, the contest.
  const std::string pdf = (directory_path_ / "pv.pdf").string();
  ASSERT_TRUE(WriteReportPdf(*answered, *directory_, core::Language::kFrench, pdf).ok());
  const std::string text = PdfText(pdf);
  ASSERT_FALSE(text.empty()) << "pdftotext (poppler-utils) read nothing";
  for (const std::string& expected :
       {std::string("PROCÈS-VERBAL DE VÉRIFICATION"), Unit(kKoko).name, std::string(kKoko),
        std::string("janvier 2025"), std::string("ousmane.verif"),
        std::string("Accouchements assistés"), std::string("-1"), std::string("-4 %"),
        std::string("dont 1 avec un écart"), std::string("Contestation de awa.head"),
        std::string("Réponse de ousmane.verif : nombres corrigés")}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
  }

  // Validated by the district, not by the verifier.
  auto by_verifier = Step(verifier, kKoko, PeriodAction::kValidate, answered->version);
  ASSERT_FALSE(by_verifier.ok());
  EXPECT_EQ(by_verifier.error().code, core::ErrorCode::kPermissionDenied);
  auto validated = Step(district, kKoko, PeriodAction::kValidate, answered->version);
  ASSERT_TRUE(validated.ok()) << validated.error().ToString();
  EXPECT_EQ(validated->status, PeriodStatus::kValidated);
  ASSERT_EQ(validated->history.size(), 6u);
  EXPECT_EQ(validated->history[0].action, "declare");
  EXPECT_EQ(validated->history[3].action, "contest");
  EXPECT_EQ(validated->history[3].reason,
            "Le registre d'accouchement compte 25 naissances, page 14");
  EXPECT_EQ(validated->history[5].user, "fanta.district");
  EXPECT_EQ(validated->history[5].from, "answered");
  EXPECT_TRUE(validated->allowed.empty());

  // Another facility's head does not see this one's period at all.
  const auth::Principal other_head =
      User("moussa.head", auth::Role::kFacilityHead, Unit(*other_).uid);
  const Sight sight(*directory_, other_head);
  auto hidden = GetPeriodFile(*store_, sight, {kDataSet, kKoko, "202501"});
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, core::ErrorCode::kNotFound);
}

TEST_F(WorkflowTest, ALateDeclarationOnTheFacilitysBehalfIsAcceptedWhenTheWindowRunsOut) {
  const auth::Principal verifier =
      User("ousmane.verif", auth::Role::kVerifier, Unit("DS_KATI").uid);
  const auth::Principal district =
      User("fanta.district", auth::Role::kDistrictTeam, Unit("DS_KATI").uid);
  const auth::Principal head = User("moussa.head", auth::Role::kFacilityHead, Unit(*other_).uid);
  Today("2025-02-08");
  EXPECT_EQ(File(head, *other_).days_late, 3);  // still open, three days past the 5th
  // The district types the paper report.
  ASSERT_TRUE(Save(district, *other_, "FBR_ACCOUCHEMENT", "declared", "12").ok());
  auto declared = Step(district, *other_, PeriodAction::kDeclare, 0);
  ASSERT_TRUE(declared.ok()) << declared.error().ToString();
  EXPECT_TRUE(declared->declared_on_behalf);
  EXPECT_EQ(declared->days_late, 3);
  EXPECT_TRUE(declared->history.back().on_behalf);
  ASSERT_TRUE(Save(verifier, *other_, "FBR_ACCOUCHEMENT", "verified", "12").ok());
  auto verified = Step(verifier, *other_, PeriodAction::kVerify, declared->version);
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  auto reported = Step(verifier, *other_, PeriodAction::kIssueReport, verified->version);
  ASSERT_TRUE(reported.ok()) << reported.error().ToString();
  EXPECT_EQ(reported->report->contest_until.ToString(), "2025-02-18");

  // The window runs out: accepted, no longer contestable, and the district validates.
  Today("2025-02-19");
  PeriodFile file = File(head, *other_);
  EXPECT_EQ(file.status, PeriodStatus::kAccepted);
  EXPECT_TRUE(file.allowed.empty());
  auto late_contest = Step(head, *other_, PeriodAction::kContest, file.version, "Trop tard");
  ASSERT_FALSE(late_contest.ok());
  EXPECT_EQ(late_contest.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(File(district, *other_).allowed, std::vector<PeriodAction>{PeriodAction::kValidate});
  auto validated = Step(district, *other_, PeriodAction::kValidate, file.version);
  ASSERT_TRUE(validated.ok()) << validated.error().ToString();
  EXPECT_EQ(validated->history.back().from, "reported");
  EXPECT_EQ(validated->history.back().to, "validated");
}

Directory* WorkflowTestDirectory() { return WorkflowTest::directory_; }
store::Store* WorkflowTestStore() { return WorkflowTest::store_; }

// Koko II's three months and quality quarter, accepted, validated by the district.
void ValidateKokoQuarter(const auth::Principal& district, const std::vector<std::string>& months,
                         const std::string& quarter) {
  const Sight sight(*WorkflowTestDirectory(), district);
  std::vector<std::pair<std::string, std::string>> periods;
  for (const std::string& month : months) periods.emplace_back(kDataSet, month);
  periods.emplace_back("FBR_QUALITE", quarter);
  for (const auto& [set, period] : periods) {
    auto file = GetPeriodFile(*WorkflowTestStore(), sight, {set, kKoko, period});
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    ASSERT_EQ(file->status, PeriodStatus::kAccepted) << period;
    ASSERT_TRUE(ChangePeriod(*WorkflowTestStore(), sight,
                             {{set, kKoko, period}, PeriodAction::kValidate, "", file->version},
                             {district.name})
                    .ok())
        << period;
  }
}

// Moves a facility-period from open to reported with its stored numbers.
void Report(const auth::Principal& head, const auth::Principal& verifier,
            const std::string& data_set, const std::string& facility, const std::string& period,
            bool declared) {
  const Sight head_sight(*WorkflowTestDirectory(), head);
  const Sight verifier_sight(*WorkflowTestDirectory(), verifier);
  store::Store& store = *WorkflowTestStore();
  const PeriodRef ref{data_set, facility, period};
  core::TimestampMs version = 0;
  if (declared) {
    auto done = ChangePeriod(store, head_sight, {ref, PeriodAction::kDeclare, "", 0}, {head.name});
    ASSERT_TRUE(done.ok()) << period << ": " << done.error().ToString();
    version = done->version;
  }
  auto verified = ChangePeriod(store, verifier_sight, {ref, PeriodAction::kVerify, "", version},
                               {verifier.name});
  ASSERT_TRUE(verified.ok()) << period << ": " << verified.error().ToString();
  auto reported =
      ChangePeriod(store, verifier_sight, {ref, PeriodAction::kIssueReport, "", verified->version},
                   {verifier.name});
  ASSERT_TRUE(reported.ok()) << period << ": " << reported.error().ToString();
}

TEST_F(WorkflowTest, ARunInvoicesTheValidatedIsApprovedByAnotherAndLocksWhatItRead) {
  const std::string mali = directory_->Root()->uid;
  const auth::Principal head = User("awa.head", auth::Role::kFacilityHead, Unit(kKoko).uid);
  const auth::Principal verifier =
      User("ousmane.verif", auth::Role::kVerifier, Unit("DS_KATI").uid);
  const auth::Principal evaluator =
      User("kadia.qualite", auth::Role::kQualityEvaluator, Unit("DS_KATI").uid);
  const auth::Principal district =
      User("fanta.district", auth::Role::kDistrictTeam, Unit("DS_KATI").uid);
  const auth::Principal starter = User("cellule.a", auth::Role::kNationalUnit, mali);
  const auth::Principal approver = User("cellule.b", auth::Role::kNationalUnit, mali);
  // Koko II's 2024Q4: three months declared and verified, the quarter's quality scored.
  Today("2025-01-06");
  for (const char* month : {"202410", "202411", "202412"}) {
    Report(head, verifier, kDataSet, kKoko, month, true);
  }
  Report(head, evaluator, "FBR_QUALITE", kKoko, "2024Q4", false);
  // The other facility declared October only.
  const auth::Principal other_head =
      User("moussa.head", auth::Role::kFacilityHead, Unit(*other_).uid);
  {
    const Sight sight(*directory_, other_head);
    ASSERT_TRUE(ChangePeriod(*store_, sight,
                             {{kDataSet, *other_, "202410"}, PeriodAction::kDeclare, "", 0},
                             {other_head.name})
                    .ok());
  }
  // Too early: nobody validated yet.
  const Sight national(*directory_, starter);
  auto early = StartRun(*store_, national, {"FBR_MALI", "2024Q4", ""}, {starter.name, "test"});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, core::ErrorCode::kFailedPrecondition);
  // The windows run out; the district validates the four periods.
  Today("2025-01-20");
  const Sight district_sight(*directory_, district);
  ValidateKokoQuarter(district, {"202410", "202411", "202412"}, "2024Q4");
  // Only a national unit member starts a run.
  EXPECT_EQ(
      StartRun(*store_, district_sight, {"FBR_MALI", "2024Q4", ""}, {district.name}).error().code,
      core::ErrorCode::kPermissionDenied);
  auto started = StartRun(*store_, national, {"FBR_MALI", "2024Q4", ""}, {starter.name, "test"});
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(started->run.invoice_count, 1);
  EXPECT_EQ(started->state.status, "computed");
  ASSERT_EQ(started->left_out.size(), 1u);
  EXPECT_EQ(started->left_out[0].facility->code, *other_);
  EXPECT_EQ(started->left_out[0].reason, "not_verified");  // October declared, not verified
  EXPECT_EQ(started->left_out[0].period, "202410");
  // The months say where their money stands: invoiced, then approved.
  auto december = [&] {
    auto file = GetPeriodFile(*store_, district_sight, {kDataSet, kKoko, "202412"});
    EXPECT_TRUE(file.ok()) << file.error().ToString();
    return file.ok() ? *file : PeriodFile{};
  };
  EXPECT_EQ(december().status, PeriodStatus::kInvoiced);
  EXPECT_FALSE(december().invoice.empty());
  EXPECT_TRUE(december().allowed.empty());

  // Separation of duties: the starter may not approve.
  auto own = ApproveRun(*store_, national, started->run.id, started->state.version,
                        {starter.name, "test"});
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, core::ErrorCode::kPermissionDenied);
  const Sight other_national(*directory_, approver);
  auto approved = ApproveRun(*store_, other_national, started->run.id, started->state.version,
                             {approver.name, "test"});
  ASSERT_TRUE(approved.ok()) << approved.error().ToString();
  EXPECT_EQ(approved->state.status, "approved");
  EXPECT_EQ(approved->state.approved_by, "cellule.b");
  EXPECT_EQ(december().status, PeriodStatus::kApproved);
  ASSERT_EQ(approved->events.size(), 2u);
  EXPECT_EQ(approved->events[0].user, "cellule.a");
  EXPECT_EQ(approved->events[1].action, "approve");

  // What it read is locked, whatever the state; the period cannot be computed again.
  const Sight national_sight(*directory_, approver);
  CellWrite write{
      {"FBR_ACCOUCHEMENT", "", "", kKoko, "202411", "validated"}, std::string("99"), "", false, 0};
  auto locked = SaveCell(*store_, national_sight, write, {approver.name, "test"});
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(locked.error().message.find("approved run " + std::to_string(started->run.id)),
            std::string::npos)
      << locked.error().message;
  // An import of it is refused as DHIS2 refuses approved data (E7642), nothing written.
  io::ImportOptions import;
  import.state = "validated";
  import.actor = {approver.name, "test", ""};
  const std::string file = R"({"dataValues": [{"dataElement": "FBR_ACCOUCHEMENT", "period": )"
                           R"("202411", "orgUnit": "CSCOM_KATI_KOKO_II", "value": "98"}]})";
  import.schemes.id_scheme = *io::ParseIdScheme("CODE");
  auto summary =
      ImportValueSet(*store_, national_sight, io::DataFormat::kJson, file, import, "values.json");
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  ASSERT_EQ(summary->conflicts.size(), 1u);
  EXPECT_EQ(summary->conflicts[0].error_code, "E7642");
  EXPECT_EQ(summary->count.imported + summary->count.updated, 0);
  auto again = StartRun(*store_, other_national, {"FBR_MALI", "2024Q4", ""}, {approver.name});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kFailedPrecondition);

  // Published, then reopened with a reason: the lock is lifted and the period may run again.
  auto published = PublishRun(*store_, other_national, started->run.id, approved->state.version,
                              {approver.name, "test"});
  ASSERT_TRUE(published.ok()) << published.error().ToString();
  EXPECT_GT(published->state.published_at, 0);
  EXPECT_EQ(
      ReopenRun(*store_, national, started->run.id, published->state.version, " ", {starter.name})
          .error()
          .code,
      core::ErrorCode::kInvalidArgument);
  auto reopened =
      ReopenRun(*store_, national, started->run.id, published->state.version,
                "Erreur de saisie des accouchements de novembre", {starter.name, "test"});
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_EQ(reopened->state.status, "reopened");
  EXPECT_EQ(reopened->events.back().reason, "Erreur de saisie des accouchements de novembre");
  auto unlocked = SaveCell(*store_, national_sight, write, {approver.name, "test"});
  EXPECT_TRUE(unlocked.ok()) << unlocked.error().ToString();
  auto rerun = StartRun(*store_, other_national, {"FBR_MALI", "2024Q4", ""}, {approver.name});
  ASSERT_TRUE(rerun.ok()) << rerun.error().ToString();
  EXPECT_NE(rerun->run.id, started->run.id);
  // One run waits for approval: another is refused unless it names the one it replaces.
  auto waiting = StartRun(*store_, other_national, {"FBR_MALI", "2024Q4", ""}, {approver.name});
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(waiting.error().text.id(), "fbr.run.waiting");
}

TEST_F(WorkflowTest, RunsAreJobsThatAnotherServerTakesOverAndThatAreNeverDoneTwice) {
  // A national unit member with an account: a job runs as the user who asked for it.
  const std::string mali = directory_->Root()->uid;
  auth::Principal operator_user;
  operator_user.operator_of_database = true;
  auth::NewUser account;
  account.name = "cellule.jobs";
  account.grants = {{auth::Role::kNationalUnit, {auth::ScopeKind::kSubtree, mali}}};
  auto metadata = store_->LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  ASSERT_TRUE(auth::AddUser(*store_, *metadata, operator_user, account, kTester).ok());
  const auth::Principal national = User("cellule.jobs", auth::Role::kNationalUnit, mali);
  const Sight sight(*directory_, national);
  const store::Actor actor{"cellule.jobs", "test"};
  auto pool = store::StorePool::Open((directory_path_ / "workflow.db").string(), 3);
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  DirectoryOf directory_of = [](store::Store&) -> core::Result<std::shared_ptr<const Directory>> {
    return std::shared_ptr<const Directory>(std::shared_ptr<const Directory>(), directory_);
  };
  // Koko II's 2024Q3 validated, and a run of it waiting for approval, to be computed again.
  const auth::Principal head = User("awa.head", auth::Role::kFacilityHead, Unit(kKoko).uid);
  const auth::Principal verifier =
      User("ousmane.verif", auth::Role::kVerifier, Unit("DS_KATI").uid);
  const auth::Principal evaluator =
      User("kadia.qualite", auth::Role::kQualityEvaluator, Unit("DS_KATI").uid);
  const auth::Principal district =
      User("fanta.district", auth::Role::kDistrictTeam, Unit("DS_KATI").uid);
  Today("2024-10-06");
  for (const char* month : {"202407", "202408", "202409"}) {
    Report(head, verifier, kDataSet, kKoko, month, true);
  }
  Report(head, evaluator, "FBR_QUALITE", kKoko, "2024Q3", false);
  Today("2024-10-20");
  ValidateKokoQuarter(district, {"202407", "202408", "202409"}, "2024Q3");
  auto first = StartRun(*store_, sight, {"FBR_MALI", "2024Q3", ""}, actor);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  const int64_t replaced = first->run.id;
  // Queued once: a second request gets the same job back.
  auto queued = QueueRun(*store_, sight, {"FBR_MALI", "2024Q3", "", replaced}, actor);
  ASSERT_TRUE(queued.ok()) << queued.error().ToString();
  EXPECT_TRUE(queued->created);
  EXPECT_EQ(queued->job.state, "queued");
  auto twice = QueueRun(*store_, sight, {"FBR_MALI", "2024Q3", "", replaced}, actor);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(twice->created);
  EXPECT_EQ(twice->job.id, queued->job.id);

  // Server A takes it and dies: while its lease holds, B leaves the job alone.
  const core::TimestampMs now = core::NowMs();
  auto held = store_->ClaimJob("srv-a", now, now + 60'000);
  ASSERT_TRUE(held.ok() && held->has_value());
  JobRunner b(**pool, directory_of, {"srv-b", std::chrono::milliseconds(1000)});
  auto idle = b.RunOne();
  ASSERT_TRUE(idle.ok()) << idle.error().ToString();
  EXPECT_FALSE(*idle);
  // A's lease runs out: B takes the job over and runs it.
  ASSERT_TRUE(store_->RenewJob(queued->job.id, "srv-a", now - 1, {"read", 0, 0}).value());
  auto ran = b.RunOne();
  ASSERT_TRUE(ran.ok() && *ran);
  auto done = GetJob(*store_, sight, queued->job.id);
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->state, "succeeded") << done->error;
  EXPECT_EQ(done->owner, "srv-b");
  EXPECT_EQ(done->attempts, 2);
  ASSERT_NE(done->result_id, 0);
  auto state = GetRunState(*store_, sight, done->result_id);
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_EQ(state->state.status, "computed");
  EXPECT_EQ(state->state.job_id, queued->job.id);
  EXPECT_EQ(GetRunState(*store_, sight, replaced)->state.status, "reopened");
  // A wakes up and finishes its own computation: nothing is written, the job stays B's.
  const size_t runs_before = store_->InvoiceRuns()->size();
  RunJob late{queued->job.id, "srv-a", nullptr};
  auto late_run =
      StartRun(*store_, sight, {"FBR_MALI", "2024Q3", "", done->result_id}, actor, &late);
  ASSERT_FALSE(late_run.ok());
  EXPECT_EQ(late_run.error().text.id(), "store.job_lost");
  EXPECT_EQ(store_->InvoiceRuns()->size(), runs_before);

  // B restarts while running a job: under the same name it resumes it at once.
  auto again = QueueRun(*store_, sight, {"FBR_MALI", "2024Q3", "", done->result_id}, actor);
  ASSERT_TRUE(again.ok() && again->created);
  ASSERT_TRUE(store_->ClaimJob("srv-b", core::NowMs(), core::NowMs() + 60'000)->has_value());
  JobRunner restarted(**pool, directory_of, {"srv-b", std::chrono::milliseconds(1000)});
  ASSERT_TRUE(restarted.RunOne().value());
  auto resumed = store_->GetJob(again->job.id);
  ASSERT_EQ((*resumed)->state, "succeeded") << (*resumed)->error;
  EXPECT_EQ((*resumed)->attempts, 2);

  // A job interrupted more often than allowed fails, with why.
  auto fragile = QueueRun(*store_, sight, {"FBR_MALI", "2024Q2", ""}, actor);
  ASSERT_TRUE(fragile.ok()) << fragile.error().ToString();
  ASSERT_TRUE(store_->ClaimJob("srv-a", core::NowMs(), core::NowMs() - 1)->has_value());
  JobOptions strict{"srv-c", std::chrono::milliseconds(1000)};
  strict.max_attempts = 1;
  JobRunner c(**pool, directory_of, strict);
  ASSERT_TRUE(c.RunOne().value());
  auto failed = store_->GetJob(fragile->job.id);
  ASSERT_EQ((*failed)->state, "failed");
  std::optional<JobError> why = ReadJobError(**failed);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->message_id, "fbr.job.interrupted");
  EXPECT_NE(why->text_fr.find("interrompue"), std::string::npos) << why->text_fr;
  // Its key is free again.
  auto requeued = QueueRun(*store_, sight, {"FBR_MALI", "2024Q2", ""}, actor);
  ASSERT_TRUE(requeued.ok() && requeued->created);

  // A job still queued can be ended at once (a request refused once it had made its job); one a
  // server took cannot.
  ASSERT_TRUE(store_->CancelJob(requeued->job.id, R"({"message_id":"fbr.run.waiting"})").value());
  auto cancelled = store_->GetJob(requeued->job.id);
  EXPECT_EQ((*cancelled)->state, "failed");
  EXPECT_NE((*cancelled)->finished_at, 0);
  EXPECT_EQ(ReadJobError(**cancelled)->message_id, "fbr.run.waiting");
  EXPECT_FALSE(store_->CancelJob(requeued->job.id, "{}").value());
  EXPECT_FALSE(c.RunOne().value());  // nothing left to run
  auto taken = QueueRun(*store_, sight, {"FBR_MALI", "2024Q2", ""}, actor);
  ASSERT_TRUE(taken.ok() && taken->created);
  ASSERT_TRUE(store_->ClaimJob("srv-c", core::NowMs(), core::NowMs() + 60'000)->has_value());
  EXPECT_FALSE(store_->CancelJob(taken->job.id, "{}").value());
}

TEST_F(WorkflowTest, AWrongTodaySettingIsAnErrorNamingIt) {
  setenv("KENEYA_TODAY", "2025-02-30", 1);
  core::Status status = core::CheckTodaySetting();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().where, "KENEYA_TODAY");
  EXPECT_NE(status.error().message.find("2025-02-30"), std::string::npos);
  Today("2025-02-03");
  EXPECT_TRUE(core::CheckTodaySetting().ok());
  EXPECT_EQ(core::Today().ToString(), "2025-02-03");
}

}  // namespace
}  // namespace keneya::fbr
