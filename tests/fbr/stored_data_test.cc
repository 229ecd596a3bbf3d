// A store that never guesses: rows damaged behind Keneya's back (an unknown value type, a broken
// invoice snapshot or lines, a date that is no date) are data errors naming the table, the row
// and the column when read, never defaults, and `keneya check-db` lists every one of them. On
// SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/contracts.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/stored_invoices.h"
#include "store/store.h"
#include "tests/demo/demo_subset.h"
#include "tests/store/test_database.h"

namespace keneya::fbr {
namespace {

using store::testing::Engine;
using store::testing::TestDatabase;

const store::Actor kTester{"tester", "test", ""};

// Runs the keneya command; its exit status and what it printed (both streams).
std::pair<int, std::string> Keneya(const std::string& arguments) {
  const std::string command = std::string(KENEYA_BINARY) + " " + arguments + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) out += buffer.data();
  const int status = pclose(pipe.release());
  return {WEXITSTATUS(status), out};
}

class StoredDataTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    db_ = std::make_unique<TestDatabase>(GetParam());
    store_ = db_->Open();
    // The demo's regions and districts and one CSCOM with its 2024 values, under contract, and
    // its first quarter invoiced.
    demo::DemoOptions options;
    options.first_year = options.last_year = 2024;
    options.open_january = false;  // 2024 alone: January 2025 is left to the tests
    auto demo = demo::GenerateDemo(options, nullptr);
    ASSERT_TRUE(demo.ok());
    const demo::DemoDataset small = demo::testing::DemoSubset(*demo, [](const core::OrgUnit& unit) {
      return unit.level <= 3 || unit.code == demo::kKokoIICode;
    });
    ASSERT_TRUE(demo::LoadDemo(*store_, small, kTester, nullptr).ok());
    auto source = demo::DemoProgramSource();
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE(LoadProgram(*store_, *source, kTester).ok());
    auto metadata = store_->LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    SignOptions sign;
    sign.program_code = "FBR_MALI";
    sign.start = *core::Date::Parse("2024-01-01");
    sign.facilities = {demo::kKokoIICode};
    auto signed_contracts = SignContracts(*store_, *metadata, sign, kTester);
    ASSERT_TRUE(signed_contracts.ok() && signed_contracts->signed_count == 1);
    const core::Period q1 = *core::Period::Parse("2024Q1");
    auto record = ProgramToUse(*store_, *metadata, "FBR_MALI", q1, std::nullopt, true);
    ASSERT_TRUE(record.ok());
    auto run = Compute(*store_, *metadata, *record, q1, {});
    ASSERT_TRUE(run.ok()) << run.error().ToString();
    auto saved = SaveRun(*store_, *run, kTester);
    ASSERT_TRUE(saved.ok());
    run_id_ = saved->id;
    auto invoices = store_->Invoices(run_id_);
    ASSERT_TRUE(invoices.ok() && invoices->size() == 1);
    number_ = invoices->front().number;
    ASSERT_TRUE(RunDatabaseChecks(*store_).ok());
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  int64_t run_id_ = 0;
  std::string number_;
};

TEST_P(StoredDataTest, AnUnknownValueTypeIsADataErrorNamingItsPlace) {
  auto before = store_->LoadMetadata();
  ASSERT_TRUE(before.ok());
  int32_t id = 0;
  for (const core::DataElement& e : before->data_elements) {
    if (id == 0 && e.value_type == core::ValueType::kInteger) id = e.id;
  }
  ASSERT_NE(id, 0);
  ASSERT_EQ(
      db_->Exec("UPDATE data_element SET value_type = 'FLOATY' WHERE id = " + std::to_string(id)),
      "");
  auto after = store_->LoadMetadata();
  ASSERT_FALSE(after.ok()) << "read back as a default";
  EXPECT_EQ(after.error().code, core::ErrorCode::kDataError);
  EXPECT_EQ(after.error().where,
            "table data_element, row " + std::to_string(id) + ", column value_type");
  EXPECT_EQ(after.error().message, "unknown value type \"FLOATY\"");

  auto checked = RunDatabaseChecks(*store_);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("table data_element, row " + std::to_string(id) +
                                         ", column value_type: unknown value type \"FLOATY\""),
            std::string::npos)
      << checked.error().message;
}

TEST_P(StoredDataTest, ABrokenSnapshotOrLinesIsADataErrorNamingItsPlace) {
  auto run = LoadRun(*store_, run_id_);
  ASSERT_TRUE(run.ok());
  // Valid JSON of the wrong shape: a value that is not a number.
  ASSERT_EQ(db_->Exec("UPDATE invoice SET snapshot = '{\"facility\": {\"code\": \"X\"}, "
                      "\"values\": [[\"quantite\", \"202401\", \"verifie\", \"cpn1\", \"12\"]]}' "
                      "WHERE number = '" +
                      number_ + "'"),
            "");
  auto invoice = store_->GetInvoice(number_);
  ASSERT_TRUE(invoice.ok() && *invoice);
  auto view = ViewOf(*run, **invoice, core::Language::kFrench);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error().code, core::ErrorCode::kDataError);
  EXPECT_EQ(view.error().where, "table invoice, row " + number_ + ", column snapshot");
  EXPECT_EQ(view.error().message,
            "the invoice's stored snapshot cannot be read: value 1 is not [package, period, "
            "input, activity, number]");
  ExplainRequest request;
  auto explained = ExplainInvoice(*run, **invoice, request, core::Language::kFrench);
  ASSERT_FALSE(explained.ok());
  EXPECT_EQ(explained.error().code, core::ErrorCode::kDataError);

  // Lines that are not JSON at all.
  ASSERT_EQ(db_->Exec("UPDATE invoice SET lines = '[{\"kind\": \"activity\", \"columns\": "
                      "\"three\"}]' WHERE number = '" +
                      number_ + "'"),
            "");
  auto checked = RunDatabaseChecks(*store_);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, core::ErrorCode::kDataError);
  EXPECT_NE(checked.error().message.find("table invoice, row " + number_ + ", column snapshot"),
            std::string::npos)
      << checked.error().message;
  EXPECT_NE(checked.error().message.find("table invoice, row " + number_ +
                                         ", column lines: the invoice's stored lines cannot be "
                                         "read: line 1 has a field of the wrong type"),
            std::string::npos)
      << checked.error().message;
}

TEST_P(StoredDataTest, CheckDbListsEveryDamagedRow) {
  ASSERT_EQ(db_->Exec("UPDATE org_unit SET type = 'HOSPITAL' WHERE code = '" +
                      std::string(demo::kKokoIICode) + "'"),
            "");
  ASSERT_EQ(db_->Exec("UPDATE contract SET end_date = '2024-02-30'"), "");
  ASSERT_EQ(db_->Exec("UPDATE invoice SET snapshot = 'not json'"), "");
  const auto [status, out] = Keneya("check-db --lang en --db '" + db_->location() + "'");
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("column type: unknown org unit type \"HOSPITAL\""), std::string::npos) << out;
  EXPECT_NE(out.find("table contract, row "), std::string::npos) << out;
  EXPECT_NE(out.find("column end_date: \"2024-02-30\" is not a date"), std::string::npos) << out;
  EXPECT_NE(out.find("table invoice, row " + number_ +
                     ", column snapshot: the invoice's stored snapshot cannot be read: not JSON"),
            std::string::npos)
      << out;
  // In French too, with the places translated.
  const auto [status_fr, out_fr] = Keneya("check-db --db '" + db_->location() + "'");
  EXPECT_NE(status_fr, 0);
  EXPECT_NE(out_fr.find("table invoice, ligne " + number_ +
                        ", colonne snapshot : l'instantané enregistré de la facture est "
                        "illisible : pas du JSON"),
            std::string::npos)
      << out_fr;
}

INSTANTIATE_TEST_SUITE_P(Engines, StoredDataTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::fbr
