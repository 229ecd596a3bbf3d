// The demo's history as of 7 February 2025 (demo/demo_history.h), written for the district of
// Kati over 2023-2024: what the workflow recorded reads back through the fbr service as
// docs/DEMO.md tells it.
#include "demo/demo_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "auth/accounts.h"
#include "core/timestamp.h"
#include "demo/demo_accounts.h"
#include "demo/demo_program.h"
#include "fbr/browse.h"
#include "fbr/directory.h"
#include "fbr/invoice_json.h"
#include "fbr/overview.h"
#include "fbr/payments.h"
#include "fbr/run_approval.h"
#include "store/store.h"

namespace keneya::demo {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const store::Actor kActor{"demo-test", "test", ""};

class DemoHistoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("keneya_demo_history_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    DemoOptions options;
    options.first_year = 2023;  // two years: the reopened quarter is 2023Q3
    auto full = GenerateDemo(options, nullptr);
    ASSERT_TRUE(full.ok()) << full.error().ToString();
    std::string kati;
    for (const core::OrgUnit& unit : full->metadata.org_units) {
      if (unit.code == "DS_KATI") kati = unit.uid;
    }
    demo_ = new DemoDataset(SubsetDemo(*full, [&](const core::OrgUnit& unit) {
      return unit.level <= 3 || (unit.path.find(kati) != std::string::npos &&
                                 unit.type != core::OrgUnitType::kAscSite);
    }));
    auto opened = store::OpenStore((*dir_ / "history.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = opened->release();
    ASSERT_TRUE(LoadDemo(*store_, *demo_, kActor, nullptr).ok());
    auto fbr = SetUpDemoFbr(*store_, {}, kActor, nullptr);
    ASSERT_TRUE(fbr.ok()) << fbr.error().ToString();
    ASSERT_TRUE(SetUpDemoAccounts(*store_, "mot-de-passe-demo", kActor).ok());
    auto history = WriteDemoHistory(*store_, *demo_, {20240101, 2023, 2024}, nullptr);
    ASSERT_TRUE(history.ok()) << history.error().ToString();
    summary_ = new DemoHistorySummary(*history);
    auto metadata = store_->LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    directory_ = new fbr::Directory(std::move(*metadata));
    auto user = store_->FindUser("cellule.kone");
    ASSERT_TRUE(user.ok() && user->has_value());
    auto principal = auth::LoadPrincipal(*store_, **user);
    ASSERT_TRUE(principal.ok());
    kone_ = new auth::Principal(*principal);
    sight_ = new fbr::Sight(*directory_, *kone_);
  }
  static void TearDownTestSuite() {
    delete sight_;
    delete kone_;
    delete directory_;
    delete summary_;
    delete store_;
    delete demo_;
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
  }

  static store::Store& db() { return *store_; }
  static const fbr::Sight& kone() { return *sight_; }
  static const core::DataSet& Monthly() { return *directory_->DataSet(kMonthlyDataSetCode); }
  static int32_t Code(const char* period) { return core::Period::Parse(period)->Code(); }
  // The runs of a period, by status.
  static std::map<std::string, std::vector<store::InvoiceRunRecord>> RunsOf(const char* period) {
    std::map<std::string, std::vector<store::InvoiceRunRecord>> out;
    auto runs = fbr::AllRuns(db());
    EXPECT_TRUE(runs.ok());
    for (const store::InvoiceRunRecord& run : *runs) {
      if (run.period == Code(period)) out[run.status].push_back(run);
    }
    return out;
  }
  static std::vector<store::PeriodStatusRecord> Statuses(const char* period) {
    store::PeriodStatusQuery query;
    query.data_sets = {Monthly().id};
    query.periods = {Code(period)};
    auto statuses = db().PeriodStatuses(query);
    EXPECT_TRUE(statuses.ok());
    return *statuses;
  }

  static inline fs::path* dir_ = nullptr;
  static inline DemoDataset* demo_ = nullptr;
  static inline store::Store* store_ = nullptr;
  static inline DemoHistorySummary* summary_ = nullptr;
  static inline fbr::Directory* directory_ = nullptr;
  static inline auth::Principal* kone_ = nullptr;
  static inline fbr::Sight* sight_ = nullptr;
};

TEST_F(DemoHistoryTest, EveryQuarterToTheThirdIsApprovedByTheOtherMemberAndPublished) {
  EXPECT_EQ(summary_->as_of, core::Date::FromYmd(2025, 2, 7));
  std::printf(
      "  Kati 2023-2024: %lld transfers, %lld F; %d partly paid; %d left out of 2024Q4; "
      "January %d on time, %d late, %d open\n",
      static_cast<long long>(summary_->payments), static_cast<long long>(summary_->paid),
      summary_->partly_paid, summary_->left_out, summary_->january_on_time, summary_->january_late,
      summary_->january_open);
  EXPECT_EQ(summary_->approved_runs, 7);
  for (const char* period :
       {"2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"}) {
    auto runs = RunsOf(period);
    ASSERT_EQ(runs["approved"].size(), 1u) << period;
    auto state = fbr::GetRunState(db(), kone(), runs["approved"][0].id);
    ASSERT_TRUE(state.ok()) << state.error().ToString();
    EXPECT_NE(state->state.approved_by, runs["approved"][0].created_by) << period;
    EXPECT_NE(state->state.published_at, 0) << period;
    EXPECT_TRUE(state->left_out.empty()) << period;
    // Approved about two months after the quarter, by the clock of the day.
    const core::Period p = *core::Period::Parse(period);
    EXPECT_GT(state->state.approved_at, (p.end().days_since_epoch() + 30) * 86'400'000LL);
    EXPECT_LT(state->state.approved_at, (p.end().days_since_epoch() + 150) * 86'400'000LL);
  }
  // The clock is given back.
  EXPECT_GT(core::NowMs(), core::ParseTimestamp("2026-01-01").value());
}

TEST_F(DemoHistoryTest, OneQuarterWasReopenedCorrectedAndItsOverPaymentsDeducted) {
  EXPECT_EQ(summary_->reopened_runs, 1);
  auto runs = RunsOf("2023Q3");
  ASSERT_EQ(runs["reopened"].size(), 1u);
  auto reopened = fbr::GetRunState(db(), kone(), runs["reopened"][0].id);
  ASSERT_TRUE(reopened.ok());
  bool with_reason = false;
  for (const store::RunEvent& e : reopened->events) {
    if (e.action == "reopen") {
      with_reason = e.reason.find("Contre-vérification") != std::string::npos;
      EXPECT_EQ(e.user, "cellule.kone");
    }
  }
  EXPECT_TRUE(with_reason);
  // Its invoices were paid; the corrected ones came lower, and what they had received beyond
  // their new amount was deducted from the next quarter's payment (an offset).
  auto order = fbr::GetPaymentOrder(db(), kone(), runs["approved"][0].id);
  ASSERT_TRUE(order.ok()) << order.error().ToString();
  EXPECT_TRUE(order->lines.empty());  // all paid
  int offsets = 0;
  auto invoices = db().InvoiceList(RunsOf("2023Q4")["approved"][0].id, 0);
  ASSERT_TRUE(invoices.ok());
  for (const store::InvoiceRecord& invoice : *invoices) {
    auto payments = db().Payments(invoice.org_unit);
    ASSERT_TRUE(payments.ok());
    for (const store::PaymentRecord& p : *payments) {
      offsets += p.invoice_id == invoice.id && p.kind == "offset";
    }
  }
  EXPECT_GE(offsets, 1);
}

TEST_F(DemoHistoryTest, PaymentsAreCompleteButAFewOfTheLastApprovedQuarter) {
  EXPECT_GT(summary_->payments, 7 * 40);
  for (const char* period : {"2023Q1", "2023Q4", "2024Q1", "2024Q2"}) {
    auto order = fbr::GetPaymentOrder(db(), kone(), RunsOf(period)["approved"][0].id);
    ASSERT_TRUE(order.ok());
    EXPECT_TRUE(order->lines.empty()) << period << ": nothing left to pay";
  }
  auto order = fbr::GetPaymentOrder(db(), kone(), RunsOf("2024Q3")["approved"][0].id);
  ASSERT_TRUE(order.ok());
  EXPECT_GE(summary_->partly_paid, 1);
  EXPECT_EQ(static_cast<int>(order->lines.size()), summary_->partly_paid);
  for (const fbr::PaymentOrderLine& line : order->lines) {
    EXPECT_GT(line.paid, 0) << line.invoice;
    EXPECT_GT(line.amount, 0) << line.invoice;
    auto paid = fbr::GetInvoicePayments(db(), kone(), line.invoice);
    ASSERT_TRUE(paid.ok());
    EXPECT_EQ(paid->standing.state, fbr::PaymentState::kPartlyPaid);
  }
}

TEST_F(DemoHistoryTest, TheLastQuarterWaitsForApprovalWithDecembersNotValidatedLeftOut) {
  auto runs = RunsOf("2024Q4");
  ASSERT_EQ(runs["computed"].size(), 1u);
  EXPECT_EQ(runs["computed"][0].created_by, "cellule.diarra");
  EXPECT_EQ(runs["computed"][0].id, summary_->waiting_run);
  auto state = fbr::GetRunState(db(), kone(), summary_->waiting_run);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(static_cast<int>(state->left_out.size()), summary_->left_out);
  // Left out: December not validated, for the reason its status gives; one contested report.
  std::map<int32_t, std::string> december;
  for (const store::PeriodStatusRecord& s : Statuses("202412")) december[s.key.org_unit] = s.status;
  const std::map<std::string, std::string> reason_of = {
      {"declared", "not_verified"}, {"reported", "report_open"}, {"contested", "contested"}};
  int contested = 0;
  for (const fbr::LeftOutFacility& left : state->left_out) {
    EXPECT_EQ(left.period, "202412") << left.facility->code;
    auto status = december.find(left.facility->id);
    const std::string stored = status == december.end() ? "open" : status->second;
    EXPECT_EQ(left.reason, stored == "open" ? "not_declared" : reason_of.at(stored))
        << left.facility->code;
    contested += left.reason == "contested";
  }
  EXPECT_EQ(contested, 1);
  EXPECT_GE(summary_->left_out, 2);
  // Koko II's December is validated; the approval waits for the other member of the unit.
  const core::OrgUnit* koko = directory_->OrgUnit(kKokoIICode);
  ASSERT_NE(koko, nullptr);
  EXPECT_EQ(december[koko->id], "validated");
}

TEST_F(DemoHistoryTest, JanuaryIsDeclaredByPartOfTheFacilitiesSomeLate) {
  const std::vector<store::PeriodStatusRecord> january = Statuses("202501");
  EXPECT_EQ(static_cast<int>(january.size()), summary_->january_on_time + summary_->january_late);
  EXPECT_GT(summary_->january_open, 0);
  int late = 0;
  for (const store::PeriodStatusRecord& s : january) {
    EXPECT_EQ(s.status, "declared");
    auto events = db().PeriodEvents(s.key);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 1u);
    const json detail = json::parse((*events)[0].detail);
    EXPECT_EQ(detail["due"], "2025-02-05");
    late += detail["daysLate"].get<int>() > 0;
  }
  EXPECT_EQ(late, summary_->january_late);
  const core::OrgUnit* koko = directory_->OrgUnit(kKokoIICode);
  for (const store::PeriodStatusRecord& s : january) EXPECT_NE(s.key.org_unit, koko->id);
}

TEST_F(DemoHistoryTest, TheLastYearsReportsHoldTheirLinesAndTheEarlierYearsWereTakenOver) {
  for (const char* period : {"202303", "202406"}) {
    for (const store::PeriodStatusRecord& s : Statuses(period)) {
      EXPECT_EQ(s.status, "validated") << period;
      auto events = db().PeriodEvents(s.key);
      ASSERT_TRUE(events.ok());
      if (std::string(period) == "202303") {
        ASSERT_EQ(events->size(), 1u);
        EXPECT_EQ((*events)[0].user, "reprise.openrbf");
        continue;
      }
      ASSERT_GE(events->size(), 4u);
      EXPECT_EQ((*events)[0].action, "declare");
      EXPECT_EQ(events->back().action, "validate");
      for (const store::PeriodEvent& e : *events) {
        if (e.action != "issue_report") continue;
        const json detail = json::parse(e.detail);
        EXPECT_FALSE(detail["lines"].empty());
      }
    }
  }
  auto checks = db().RunIntegrityChecks();
  EXPECT_TRUE(checks.ok()) << checks.error().ToString();
}

// The home page's figures (fbr::OverviewOf) as of the demo's day: each quarter's amount is the
// sum of its approved runs' totals (2023Q3's recomputed run, not the reopened one; 2024Q4 waits
// for approval and counts nothing), the average score is the mean of the scores the invoices
// show, read back here line by line, and the facilities are ranked by it.
TEST_F(DemoHistoryTest, TheHomeFiguresAreTheApprovedInvoicesByQuarterDistrictAndFacility) {
  setenv("KENEYA_TODAY", "2025-02-07", 1);
  auto overview = fbr::OverviewOf(db(), kone(), {8, 5}, core::Language::kFrench);
  unsetenv("KENEYA_TODAY");
  ASSERT_TRUE(overview.ok()) << overview.error().ToString();
  ASSERT_EQ(overview->quarters.size(), 8u);
  EXPECT_EQ(overview->quarters.front().period.ToString(), "2023Q1");
  EXPECT_EQ(overview->quarters.back().period.ToString(), "2024Q4");
  EXPECT_EQ(overview->quarters.back().facilities, 0);  // computed, not approved
  ASSERT_TRUE(overview->latest);
  EXPECT_EQ(overview->latest->ToString(), "2024Q3");
  EXPECT_EQ(overview->score_label, "Score qualité");
  auto program = db().Programs();
  ASSERT_TRUE(program.ok() && !program->empty());
  for (const fbr::QuarterResults& q : overview->quarters) {
    if (q.period.ToString() == "2024Q4") continue;
    auto runs = RunsOf(q.period.ToString().c_str());
    ASSERT_EQ(runs["approved"].size(), 1u) << q.period.ToString();
    const store::InvoiceRunRecord& run = runs["approved"][0];
    EXPECT_EQ(q.total, run.total) << q.period.ToString();
    EXPECT_EQ(q.facilities, run.invoice_count) << q.period.ToString();
    // The mean of the quality scores the run's invoices show.
    auto loaded = fbr::LoadRun(db(), run.id);
    ASSERT_TRUE(loaded.ok());
    auto invoices = db().Invoices(run.id);
    ASSERT_TRUE(invoices.ok());
    double sum = 0;
    int count = 0;
    std::map<std::string, double> score_of;
    for (const store::InvoiceRecord& invoice : *invoices) {
      auto lines = fbr::LinesOf(invoice, loaded->compiled().program());
      ASSERT_TRUE(lines.ok());
      for (const rules::InvoiceLine& line : *lines) {
        if (line.kind == rules::InvoiceLine::Kind::kInfo && line.code == "score_qualite") {
          sum += line.value / 100;  // percentage points
          ++count;
          score_of[invoice.number] = line.value / 100;
        }
      }
    }
    ASSERT_GT(count, 0) << q.period.ToString();
    ASSERT_TRUE(q.score) << q.period.ToString();
    EXPECT_NEAR(*q.score, sum / count, 1e-9) << q.period.ToString();
    if (q.period != *overview->latest) continue;
    // The latest quarter: one district (the subset's), the same figures; the ranking.
    ASSERT_EQ(overview->districts.size(), 1u);
    const fbr::DistrictResults& kati = overview->districts[0];
    EXPECT_EQ(kati.district->code, "DS_KATI");
    EXPECT_EQ(kati.region->name, "Koulikoro");
    EXPECT_EQ(kati.precision, fbr::CoordinatesPrecision::kExact);
    EXPECT_EQ(kati.total, q.total);
    EXPECT_EQ(kati.facilities, q.facilities);
    EXPECT_EQ(overview->ranked, q.facilities);
    ASSERT_EQ(overview->best.size(), 5u);
    ASSERT_EQ(overview->last.size(), 5u);
    EXPECT_EQ(overview->best[0].rank, 1);
    EXPECT_EQ(overview->last.back().rank, overview->ranked);
    double previous = 2;
    for (const auto* part : {&overview->best, &overview->last}) {
      for (const fbr::RankedFacility& f : *part) {
        ASSERT_TRUE(f.score);
        EXPECT_DOUBLE_EQ(*f.score, score_of.at(f.invoice)) << f.invoice;
        EXPECT_LE(*f.score, previous);
        previous = *f.score;
      }
    }
  }
  // A facility head sees their own facility alone.
  auto user = db().FindUser("chef.kokoii");
  ASSERT_TRUE(user.ok() && user->has_value());
  auto chef = auth::LoadPrincipal(db(), **user);
  ASSERT_TRUE(chef.ok());
  const fbr::Sight sight(*directory_, *chef);
  setenv("KENEYA_TODAY", "2025-02-07", 1);
  auto own = fbr::OverviewOf(db(), sight, {}, core::Language::kEnglish);
  unsetenv("KENEYA_TODAY");
  ASSERT_TRUE(own.ok()) << own.error().ToString();
  EXPECT_EQ(own->ranked, 1);
  ASSERT_EQ(own->best.size(), 1u);
  EXPECT_EQ(own->best[0].facility->name, "CSCOM Koko II");
  EXPECT_TRUE(own->last.empty());
  EXPECT_EQ(own->score_label, "Quality score");
  for (const fbr::QuarterResults& q : own->quarters) EXPECT_LE(q.facilities, 1);
  // Its quality history has the same quarter, with the same score.
  auto history =
      fbr::FacilityHistoryOf(db(), sight, *own->best[0].facility, core::Language::kFrench);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->quarters.size(), 7u);  // 2023Q1 to 2024Q3
  EXPECT_EQ(history->quarters.back().invoice, own->best[0].invoice);
  EXPECT_EQ(history->quarters.back().score, own->best[0].score);
  // Another facility is not theirs to read.
  const core::OrgUnit* other = overview->best[0].facility->id == own->best[0].facility->id
                                   ? overview->best[1].facility
                                   : overview->best[0].facility;
  EXPECT_EQ(fbr::FacilityHistoryOf(db(), sight, *other, core::Language::kFrench).error().code,
            core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace keneya::demo
